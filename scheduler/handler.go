// SPDX-License-Identifier: Apache-2.0

package scheduler

import (
	"context"
	"time"

	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/schedulerpb"
)

// A Handler receives the events of the subscription.
//
// The contract, for every Handler including Callbacks and HandlerFunc:
//
//   - HandleEvent is called from the goroutine running Run, one event at a
//     time, in the order the master sent them; never while the Client holds a
//     lock, and never after Run has returned.
//   - It may call any Client method, including Accept, Decline and
//     Acknowledge for the event being handled.
//   - ctx is cancelled when the subscription ends (stream lost, leader
//     change, missed heartbeats, Run's ctx cancelled). Long work belongs on
//     a goroutine of your own: while a handler runs, the Client reads ahead
//     only a few events and then stops reading, so a slow handler stalls the
//     stream (TCP backpressure) rather than buffering without bound. Heartbeats
//     that arrive while the handler runs still count as liveness (see Run).
//   - A non-nil error ends Run, which returns it wrapped. Returning
//     ctx.Err() after the subscription ended does not end Run.
//
// The Client adds safe defaults around every Handler (see WithoutAutoDecline and
// WithoutAutoAcknowledge): after HandleEvent (or HandleOffers, see
// OffersHandler) returns nil for OFFERS, the offers
// it neither accepted nor declined are declined; after it returns nil for an
// UPDATE carrying a uuid, the update is acknowledged unless the handler
// already did so.
//
// A Handler that wraps another (logging, metrics, a filter) should have an
// Unwrap() Handler method returning the wrapped one, as http.ResponseController
// expects of wrapped ResponseWriters: Run looks for the optional
// DisconnectHandler and ResubscribeHandler on the outer Handler first and then
// down the Unwrap chain, so wrapping never hides them. OffersHandler is the
// exception: only the outer Handler is asked, so that a wrapper sees every
// event, OFFERS included, through HandleEvent.
//
// Handlers do not receive the Client: they are written after New and close
// over it. (The executor package's Handler receives its *Executor because
// its built-in handlers, TaskFunc and Command, are values made before the
// Executor exists.)
type Handler interface {
	HandleEvent(ctx context.Context, e *schedulerpb.Event) error
}

// HandlerFunc adapts a function to a Handler.
type HandlerFunc func(ctx context.Context, e *schedulerpb.Event) error

// HandleEvent calls f(ctx, e).
func (f HandlerFunc) HandleEvent(ctx context.Context, e *schedulerpb.Event) error { return f(ctx, e) }

// DisconnectHandler is an optional interface for a Handler that wants to be
// told when a subscription ends. HandleDisconnected is called on the Run
// goroutine, under the same contract as HandleEvent, once for every
// subscription that reached SUBSCRIBED, after its last event and before Run
// resubscribes or returns. err says why: ErrMissedHeartbeats,
// ErrLeaderChanged, a transport or decoding error, io.EOF for a stream the
// master closed, a *FrameworkError, the handler's own error, or
// context.Canceled when Run's ctx ended. ctx is Run's ctx. Calls made from it
// fail with ErrNotSubscribed.
type DisconnectHandler interface {
	HandleDisconnected(ctx context.Context, err error)
}

// OffersHandler is an optional interface for a Handler that takes offers in
// the compact Offer form, as Callbacks does. When the Handler given to Run
// implements it, the Client decodes OFFERS events straight into []Offer
// (a protobuf stream never builds the protobuf-go offer messages; see Offer)
// and calls HandleOffers for them instead of HandleEvent; every other event
// still goes to HandleEvent. HandleOffers is under the same contract as
// HandleEvent: called on the Run goroutine, one event at a time and in stream
// order, never while the Client holds a lock; launch pacing may hand it the
// offers of one event in parts; a non-nil error ends Run; and when it
// returns nil, the offers it neither accepted nor declined are declined
// (unless WithoutAutoDecline).
//
// Only the Handler given to Run is asked, not the handlers down its Unwrap
// chain: a wrapper that does not implement OffersHandler itself gets every
// OFFERS event through HandleEvent, with the offers as protobuf messages, as
// a Handler always has. Mind that a struct embedding Callbacks gets
// HandleOffers promoted with HandleEvent: if it overrides HandleEvent to see
// every event, it should override HandleOffers too.
type OffersHandler interface {
	HandleOffers(ctx context.Context, offers []Offer) error
}

// ResubscribeHandler is an optional interface for a Handler that wants to
// watch the Client reconnect. HandleResubscribing is called on the Run
// goroutine, under the same contract as HandleEvent, each time Run is about
// to wait before subscribing again: after a subscription ended (following
// HandleDisconnected) and after every SUBSCRIBE attempt that failed in a way
// Run retries. attempt counts the retries since the last SUBSCRIBED event
// (or since Run started): 1, 2, 3, ... delay is the backoff Run is about to
// wait (a detector that reports a new leader may cut it short). err is why
// the previous attempt or subscription ended. ctx is Run's ctx.
// HandleResubscribing is not called when Run returns instead of retrying.
// While the detector knows no leading master it is called once per detector
// answer, with delay 0 and an error matching ErrNoLeader (and
// detector.ErrNoZooKeeper when a ZooKeeper detector cannot reach
// ZooKeeper); Run then waits for the detector rather than for a delay. A
// SUBSCRIBE answered by something that is not a Mesos master gives an
// error matching ErrNotMesos.
type ResubscribeHandler interface {
	HandleResubscribing(ctx context.Context, attempt int, delay time.Duration, err error)
}

// Callbacks is a Handler with one optional, typed function per event type.
// A nil field leaves the event to the Client's defaults (unused offers are
// declined, updates with a uuid acknowledged). Callbacks follows the Handler
// contract: one call at a time, in stream order, never under a Client lock,
// never after Run returns; each may call any Client method; ctx is cancelled
// when the subscription ends. A non-nil error ends Run.
//
// The classic driver callbacks map as: registered/reregistered → Subscribed,
// disconnected → Disconnected, resourceOffers → Offers, offerRescinded →
// Rescind, statusUpdate → Update, frameworkMessage → Message,
// slaveLost/executorLost → Failure, error → Error.
type Callbacks struct {
	// Subscribed is called for every SUBSCRIBED event: the first
	// registration and every resubscription (same framework ID, new stream).
	// Calls made from it already carry the new stream.
	Subscribed func(ctx context.Context, e *schedulerpb.Event_Subscribed) error
	// Offers receives the offers of an OFFERS event, decoded into the
	// compact Offer form (Proto gives the full message): Callbacks is an
	// OffersHandler, so the Client decodes them straight into that form.
	// Offers it neither accepts nor declines are declined when it returns
	// (unless WithoutAutoDecline).
	Offers func(ctx context.Context, offers []Offer) error
	// Rescind reports an offer that is no longer valid.
	Rescind func(ctx context.Context, offerID *mesosproto.OfferID) error
	// Update receives a task status update. When it returns nil and the
	// status carries a uuid, the Client acknowledges it unless Update already
	// did (or WithoutAutoAcknowledge is given). Updates without a uuid are
	// never acknowledged. Answers to reconciliation (reason
	// REASON_RECONCILIATION, no uuid) arrive here too, so the same state may
	// be reported more than once. A status without a reason reads as
	// REASON_COMMAND_EXECUTOR_FAILED through GetReason (proto2's default):
	// use mesosproto.StatusReason to tell.
	Update func(ctx context.Context, status *mesosproto.TaskStatus) error
	// Lost is called for an update reporting that a task is gone or was
	// never known (IsLost: TASK_LOST, TASK_UNKNOWN, TASK_GONE, TASK_DROPPED,
	// TASK_GONE_BY_OPERATOR), whether it comes from the agent, from an
	// invalid launch or from reconciliation: the place to launch a
	// replacement. It is called after Update (if set) returned nil for the
	// same event, and not at all if Update returned an error, nor for a
	// stale reconciliation answer (one the master produced before this
	// Client last launched the task; see Client.IsStale), so relaunching
	// from Lost never launches a task twice.
	Lost func(ctx context.Context, status *mesosproto.TaskStatus) error
	// Message receives data an executor sent.
	Message func(ctx context.Context, m *schedulerpb.Event_Message) error
	// Failure reports a lost agent (agent_id only) or a terminated custom
	// executor (agent_id, executor_id and the raw wait status).
	Failure func(ctx context.Context, f *schedulerpb.Event_Failure) error
	// Error receives the message of an ERROR event. Run then returns a
	// *FrameworkError (joined with Error's own error, if any).
	Error func(ctx context.Context, message string) error
	// Heartbeat is called for HEARTBEAT events. Heartbeats that arrive while
	// the handler is behind may be coalesced; liveness is tracked by the
	// Client whether or not Heartbeat is set.
	Heartbeat func(ctx context.Context) error
	// InverseOffers receives the inverse offers of an INVERSE_OFFERS event:
	// agents scheduled for maintenance (InverseOffer.unavailability) that
	// the framework uses. Answer with AcceptInverseOffers or
	// DeclineInverseOffers; nothing answers them by default.
	InverseOffers func(ctx context.Context, offers []*mesosproto.InverseOffer) error
	// RescindInverseOffer reports an inverse offer that is no longer valid.
	RescindInverseOffer func(ctx context.Context, inverseOfferID *mesosproto.OfferID) error
	// UpdateOperationStatus receives an operation status update (for
	// operations sent with an id, see SetOperationID). One with a uuid is
	// acknowledged after it returns nil, as Update's, with
	// ACKNOWLEDGE_OPERATION_STATUS carrying the bytes of status.uuid.value
	// and the agent id; answers to ReconcileOperations carry none and are
	// never acknowledged.
	UpdateOperationStatus func(ctx context.Context, status *mesosproto.OperationStatus) error
	// Disconnected is called when a subscription that reached SUBSCRIBED
	// ends; see DisconnectHandler for err and ctx.
	Disconnected func(ctx context.Context, err error)
	// Resubscribing is called each time Run is about to wait before
	// subscribing again; see ResubscribeHandler for its arguments.
	Resubscribing func(ctx context.Context, attempt int, delay time.Duration, err error)
	// Other receives events of a type this struct has no field for: UNKNOWN,
	// or a type newer than this package.
	Other func(ctx context.Context, e *schedulerpb.Event) error
}

// HandleEvent implements Handler by calling the field for e's type.
func (cb Callbacks) HandleEvent(ctx context.Context, e *schedulerpb.Event) error {
	switch e.GetType() {
	case schedulerpb.Event_SUBSCRIBED:
		if cb.Subscribed != nil {
			return cb.Subscribed(ctx, e.GetSubscribed())
		}
	case schedulerpb.Event_OFFERS:
		// Reached when Callbacks is wrapped (the Client calls HandleOffers
		// otherwise): the wrapper's messages are converted.
		if cb.Offers != nil {
			return cb.Offers(ctx, OffersFromProto(e.GetOffers().GetOffers()...))
		}
	case schedulerpb.Event_RESCIND:
		if cb.Rescind != nil {
			return cb.Rescind(ctx, e.GetRescind().GetOfferId())
		}
	case schedulerpb.Event_UPDATE:
		st := e.GetUpdate().GetStatus()
		if cb.Update != nil {
			if err := cb.Update(ctx, st); err != nil {
				return err
			}
		}
		if cb.Lost != nil && IsLost(st.GetState()) && !staleIn(ctx, st) {
			return cb.Lost(ctx, st)
		}
	case schedulerpb.Event_MESSAGE:
		if cb.Message != nil {
			return cb.Message(ctx, e.GetMessage())
		}
	case schedulerpb.Event_FAILURE:
		if cb.Failure != nil {
			return cb.Failure(ctx, e.GetFailure())
		}
	case schedulerpb.Event_ERROR:
		if cb.Error != nil {
			return cb.Error(ctx, e.GetError().GetMessage())
		}
	case schedulerpb.Event_HEARTBEAT:
		if cb.Heartbeat != nil {
			return cb.Heartbeat(ctx)
		}
	case schedulerpb.Event_INVERSE_OFFERS:
		if cb.InverseOffers != nil {
			return cb.InverseOffers(ctx, e.GetInverseOffers().GetInverseOffers())
		}
	case schedulerpb.Event_RESCIND_INVERSE_OFFER:
		if cb.RescindInverseOffer != nil {
			return cb.RescindInverseOffer(ctx, e.GetRescindInverseOffer().GetInverseOfferId())
		}
	case schedulerpb.Event_UPDATE_OPERATION_STATUS:
		if cb.UpdateOperationStatus != nil {
			return cb.UpdateOperationStatus(ctx, e.GetUpdateOperationStatus().GetStatus())
		}
	default:
		if cb.Other != nil {
			return cb.Other(ctx, e)
		}
	}
	return nil
}

// HandleOffers implements OffersHandler by calling Offers: the Client hands
// Callbacks the offers of OFFERS events in the compact form it decodes them
// into, without going through HandleEvent.
func (cb Callbacks) HandleOffers(ctx context.Context, offers []Offer) error {
	if cb.Offers != nil {
		return cb.Offers(ctx, offers)
	}
	return nil
}

// HandleDisconnected implements DisconnectHandler by calling Disconnected.
func (cb Callbacks) HandleDisconnected(ctx context.Context, err error) {
	if cb.Disconnected != nil {
		cb.Disconnected(ctx, err)
	}
}

// HandleResubscribing implements ResubscribeHandler by calling
// Resubscribing.
func (cb Callbacks) HandleResubscribing(ctx context.Context, attempt int, delay time.Duration, err error) {
	if cb.Resubscribing != nil {
		cb.Resubscribing(ctx, attempt, delay, err)
	}
}

// IsLost reports whether a task in state s is gone or unknown to Mesos:
// TASK_LOST, TASK_UNKNOWN, TASK_GONE, TASK_DROPPED or TASK_GONE_BY_OPERATOR
// (TASK_UNREACHABLE is not: the task may come back).
func IsLost(s mesosproto.TaskState) bool {
	switch s {
	case mesosproto.TaskState_TASK_LOST, mesosproto.TaskState_TASK_UNKNOWN, mesosproto.TaskState_TASK_GONE,
		mesosproto.TaskState_TASK_DROPPED, mesosproto.TaskState_TASK_GONE_BY_OPERATOR:
		return true
	}
	return false
}

// optional finds the optional interface T on h or, through Unwrap, on the handler it wraps: the outermost
// handler that implements T wins.
func optional[T any](h Handler) (T, bool) {
	for depth := 0; h != nil && depth < 100; depth++ {
		if t, ok := h.(T); ok {
			return t, true
		}
		u, ok := h.(interface{ Unwrap() Handler })
		if !ok {
			break
		}
		h = u.Unwrap()
	}
	var zero T
	return zero, false
}
