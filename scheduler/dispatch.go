// SPDX-License-Identifier: Apache-2.0

package scheduler

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.uber.org/zap"
	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/internal/httpapi"
	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/schedulerpb"
)

// dispatch handles one event of the stream s on the Run goroutine: state
// changes for SUBSCRIBED and ERROR, the handler, then the defaults. A
// non-nil error ends the subscription; fatal ends Run.
func (r *runner) dispatch(s *session, se streamEvent, subscribed *bool, log *zap.Logger) (fatal bool, err error) {
	c := r.c
	ev := se.ev
	typ := ev.GetType()
	switch {
	case typ == schedulerpb.Event_ERROR:
		msg := ev.GetError().GetMessage()
		log.Warn("master sent ERROR", zap.String("message", msg))
		ferr := &FrameworkError{Message: msg}
		if ferr.Removed() && c.confirmTeardown() {
			return false, nil // the lost TEARDOWN had removed it: Run returns nil when the stream ends
		}
		herr := r.handle(s, ev)
		if ferr.Removed() {
			r.forgetID()
		}
		if herr != nil {
			return true, errors.Join(ferr, herr)
		}
		return true, ferr
	case typ == schedulerpb.Event_SUBSCRIBED:
		id := ev.GetSubscribed().GetFrameworkId().GetValue()
		if id == "" {
			return false, errors.New("scheduler: SUBSCRIBED event without framework_id")
		}
		if *subscribed {
			log.Warn("second SUBSCRIBED event on one stream ignored")
			return false, nil
		}
		r.startSession(s, id, ev.GetSubscribed(), log)
		*subscribed = true
	case !*subscribed:
		return false, fmt.Errorf("scheduler: first event is %s, want SUBSCRIBED", typ)
	}

	if ce := log.Check(zap.DebugLevel, "event"); ce != nil {
		if typ == schedulerpb.Event_OFFERS {
			ce.Write(zap.Stringer("event", typ), zap.Int("offers", se.offers.len()))
		} else {
			ce.Write(zap.Stringer("event", typ))
		}
	}
	var accepts uint64
	hctx := s.ctx
	switch typ {
	case schedulerpb.Event_UPDATE:
		st := ev.GetUpdate().GetStatus()
		stale := c.fresh.judge(st)
		defer c.fresh.done()
		if stale {
			// It predates the last launch: the task stays tracked.
			log.Info("stale reconciliation answer", zap.String("task_id", st.GetTaskId().GetValue()),
				zap.Stringer("state", st.GetState()))
			hctx = staleContext(s.ctx, st, true)
		} else {
			c.trackStatus(st)
		}
		s.rec.confirm(st.GetTaskId().GetValue())
	case schedulerpb.Event_OFFERS:
		accepts = c.acceptCount()
		c.announcer.offers(se.offers)
	}
	c.beginTracking(se)
	herr := r.handleEvent(hctx, se)
	tr := c.endTracking()
	if herr != nil {
		if s.ctx.Err() != nil && (errors.Is(herr, context.Canceled) || errors.Is(herr, context.DeadlineExceeded)) {
			return false, nil // the subscription ended under the handler; the loop sees why
		}
		return true, fmt.Errorf("scheduler: handler for %s: %w", typ, herr)
	}
	if s.ctx.Err() != nil {
		return false, nil
	}
	switch typ {
	case schedulerpb.Event_OFFERS:
		r.declineUnused(s, se.offers, tr, log)
		c.offersHandled(accepts, log)
	case schedulerpb.Event_SUBSCRIBED:
		r.startBackground(s, log)
	default:
		r.applyDefaults(s, ev, tr, log)
	}
	return false, nil
}

// confirmTeardown reports whether a TEARDOWN whose answer was lost had been
// sent, and then counts it as successful: the framework is gone.
func (c *Client) confirmTeardown() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.tdLost {
		c.tornDown = true
	}
	return c.tdLost
}

// startBackground starts the goroutines of subscription s, once its
// Subscribed handler has returned: reconciliation and offer demand. They end
// with s.ctx; subscribe waits for them.
func (r *runner) startBackground(s *session, log *zap.Logger) {
	s.bg.Add(2)
	go func() {
		defer s.bg.Done()
		r.reconcileLoop(s, log)
	}()
	go func() {
		defer s.bg.Done()
		r.demandLoop(s, log)
	}()
}

// handleEvent calls the handler for se: HandleOffers with the compact
// offers of an OFFERS event when the handler is an OffersHandler, and
// HandleEvent otherwise (with the offers as messages in the event).
func (r *runner) handleEvent(ctx context.Context, se streamEvent) error {
	if se.ev.GetType() != schedulerpb.Event_OFFERS {
		return r.h.HandleEvent(ctx, se.ev)
	}
	if r.oh != nil {
		return r.oh.HandleOffers(ctx, se.offers.compactOffers())
	}
	if se.offers.compact { // not made for such a handler (see offerBatch)
		return r.h.HandleEvent(ctx, &schedulerpb.Event{Type: se.ev.Type,
			Offers: &schedulerpb.Event_Offers{Offers: se.offers.protoOffers()}})
	}
	return r.h.HandleEvent(ctx, se.ev)
}

// handle calls the handler for ev with the subscription's context.
func (r *runner) handle(s *session, ev *schedulerpb.Event) error {
	return r.h.HandleEvent(s.ctx, ev)
}

// startSession makes s the live subscription. Calls made from the Subscribed
// callback already use it.
func (r *runner) startSession(s *session, id string, sub *schedulerpb.Event_Subscribed, log *zap.Logger) {
	c := r.c
	s.frameworkID = id
	s.rec = newReconciliation()
	c.mu.Lock()
	prev := c.frameworkID
	s.resubscribed = prev != ""
	c.frameworkID = id
	c.live = s
	c.mu.Unlock()
	c.target.Store(c.newCallTarget(s))
	c.first.mark()
	r.acks = newAckPipeline(c, s, log)
	r.bo.Reset()
	c.m.subscribed(prev != "", r.since)

	fields := []zap.Field{zap.String("framework_id", id), zap.Float64("heartbeat_interval_seconds", sub.GetHeartbeatIntervalSeconds())}
	switch {
	case prev == "":
		log.Info("subscribed as a new framework", fields...)
	case prev != id:
		log.Warn("subscribed under a different framework ID", append(fields, zap.String("previous_framework_id", prev))...)
	default:
		log.Info("subscribed", fields...)
	}
	if r.storedID != id {
		ctx, cancel := r.callContext(s.ctx)
		err := c.cfg.store.Store(ctx, id)
		cancel()
		if err != nil {
			log.Warn("storing the framework ID failed; will retry after the next subscription", zap.Error(err))
		} else {
			r.storedID = id
		}
	}
}

// endSession retires s: no call can start on it any more, the calls in
// flight (already aborted by its cancelled context) are waited for, and the
// handler is told.
func (r *runner) endSession(s *session, reason error, log *zap.Logger) {
	c := r.c
	c.mu.Lock()
	if c.live == s {
		c.live = nil
	}
	c.track = tracking{}
	c.mu.Unlock()
	c.m.disconnected()
	r.since = time.Now()
	s.bg.Wait()
	s.calls.Wait()
	if r.acks != nil && r.acks.s == s {
		r.acks.close()
		r.acks = nil
	}
	if r.ctx.Err() != nil || c.tornDownNow() {
		log.Info("disconnected", zap.Error(reason))
	} else {
		log.Warn("disconnected", zap.Error(reason))
	}
	if r.dh != nil {
		r.dh.HandleDisconnected(r.ctx, reason)
	}
}

func (r *runner) forgetID() {
	ctx, cancel := r.callContext(context.WithoutCancel(r.ctx))
	defer cancel()
	if err := r.c.cfg.store.Forget(ctx); err != nil {
		r.c.log.Warn("forgetting the removed framework's ID failed", zap.Error(err))
	}
	r.storedID = ""
}

// callContext bounds ctx by the call timeout, if any.
func (r *runner) callContext(ctx context.Context) (context.Context, context.CancelFunc) {
	if r.c.cfg.callTimeout > 0 {
		return context.WithTimeout(ctx, r.c.cfg.callTimeout)
	}
	return context.WithCancel(ctx)
}

// beginTracking records the offers and the status uuid of se, so that the
// calls the handler makes can be told apart from what it left alone.
func (c *Client) beginTracking(se streamEvent) {
	var tr tracking
	ev := se.ev
	switch ev.GetType() {
	case schedulerpb.Event_OFFERS:
		if !c.cfg.autoDecline {
			return
		}
		offers := se.offers
		tr.since = time.Now()
		tr.offers = make(map[string]bool, offers.len())
		for i := range offers.len() {
			if id := offers.id(i); id != "" {
				tr.offers[id] = true
			}
		}
	case schedulerpb.Event_UPDATE:
		if !c.cfg.autoAck {
			return
		}
		tr.ackUUID = ev.GetUpdate().GetStatus().GetUuid()
	case schedulerpb.Event_UPDATE_OPERATION_STATUS:
		if !c.cfg.autoAck {
			return
		}
		tr.ackUUID = ev.GetUpdateOperationStatus().GetStatus().GetUuid().GetValue()
	default:
		return
	}
	c.mu.Lock()
	c.track = tr
	c.mu.Unlock()
}

func (c *Client) endTracking() tracking {
	c.mu.Lock()
	defer c.mu.Unlock()
	tr := c.track
	c.track = tracking{}
	return tr
}

// offersUsed marks ids as used (accepted or declined), so that they are not
// declined automatically; with used false, it marks them unused again after
// the ACCEPT or DECLINE failed. Only offers of the OFFERS event being
// dispatched are tracked.
func (c *Client) offersUsed(ids []*mesosproto.OfferID, used bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.markOffersLocked(ids, used)
}

func (c *Client) markOffersLocked(ids []*mesosproto.OfferID, used bool) {
	for _, id := range ids {
		if _, ok := c.track.offers[id.GetValue()]; ok {
			c.track.offers[id.GetValue()] = !used
		}
	}
}

// claimOffers marks ids used for an ACCEPT, unless the running handler has
// already used one of them: then it marks nothing and returns ErrOfferUsed,
// since Mesos would answer the second ACCEPT with TASK_DROPPED or TASK_LOST
// for every task.
func (c *Client) claimOffers(ids []*mesosproto.OfferID) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, id := range ids {
		if unused, ok := c.track.offers[id.GetValue()]; ok && !unused {
			return fmt.Errorf("%w: %s", ErrOfferUsed, id.GetValue())
		}
	}
	c.markOffersLocked(ids, true)
	return nil
}

// acknowledged records that uuid was acknowledged by the handler.
func (c *Client) acknowledged(uuid []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.track.ackUUID) > 0 && string(c.track.ackUUID) == string(uuid) {
		c.track.acked = true
	}
}

// declineUnused declines the offers of an OFFERS event that the handler
// left alone (tr), in stream order, before the next event is dispatched. A
// failure is logged, never fatal: an unanswered offer is rescinded or
// re-offered.
func (r *runner) declineUnused(s *session, offers offerBatch, tr tracking, log *zap.Logger) {
	c := r.c
	var ids []*mesosproto.OfferID
	for i := range offers.len() { // stream order, not map order
		if id := offers.id(i); tr.offers[id] {
			ids = append(ids, &mesosproto.OfferID{Value: proto.String(id)})
		}
	}
	if len(ids) == 0 {
		return
	}
	call := &schedulerpb.Call{
		Type: schedulerpb.Call_DECLINE.Enum(),
		Decline: &schedulerpb.Call_Decline{
			OfferIds: ids,
			Filters:  &mesosproto.Filters{RefuseSeconds: proto.Float64(c.cfg.refuseSeconds)},
		},
	}
	if err := c.send(s.ctx, s, call); err != nil {
		defaultFailed(s, log, "automatic decline failed", zap.Int("offers", len(ids)), zap.Error(err))
	} else {
		c.m.autoDeclined(len(ids), tr.since)
		log.Debug("declined unused offers", zap.Int("offers", len(ids)))
	}
}

// applyDefaults acknowledges the update the handler did not acknowledge
// (the offers it left alone are declineUnused's); acknowledgements go
// through the bounded pipeline of acks.go. Failures are logged, never
// fatal: an unacknowledged update is sent again by the agent.
func (r *runner) applyDefaults(s *session, ev *schedulerpb.Event, tr tracking, log *zap.Logger) {
	c := r.c
	switch ev.GetType() {
	case schedulerpb.Event_UPDATE:
		st := ev.GetUpdate().GetStatus()
		if len(tr.ackUUID) == 0 || tr.acked {
			return
		}
		if c.codec.MediaType() == httpapi.MediaTypeProtobuf && exactAckIDs(st) {
			body := appendAckProto(nil, s.frameworkID, st.GetAgentId().GetValue(), st.GetTaskId().GetValue(), st.GetUuid())
			r.acks.submit(ackJob{typ: schedulerpb.Call_ACKNOWLEDGE, body: body, taskID: st.GetTaskId().GetValue()})
			return
		}
		r.ackAuto(s, &schedulerpb.Call{
			Type: schedulerpb.Call_ACKNOWLEDGE.Enum(),
			Acknowledge: &schedulerpb.Call_Acknowledge{
				AgentId: st.GetAgentId(),
				TaskId:  st.GetTaskId(),
				Uuid:    st.GetUuid(),
			},
		}, st.GetTaskId().GetValue(), log)
	case schedulerpb.Event_UPDATE_OPERATION_STATUS:
		st := ev.GetUpdateOperationStatus().GetStatus()
		if len(tr.ackUUID) == 0 || tr.acked {
			return
		}
		r.ackAuto(s, &schedulerpb.Call{
			Type: schedulerpb.Call_ACKNOWLEDGE_OPERATION_STATUS.Enum(),
			AcknowledgeOperationStatus: &schedulerpb.Call_AcknowledgeOperationStatus{
				AgentId:            st.GetAgentId(),
				ResourceProviderId: st.GetResourceProviderId(),
				Uuid:               st.GetUuid().GetValue(),
				OperationId:        st.GetOperationId(),
			},
		}, "", log)
	}
}

// ackAuto encodes an automatic acknowledgement at once, on the Run
// goroutine, and hands the bytes to the pipeline of s: the call shares the
// event's messages only while it is encoded here (no copy of them is needed,
// as a handler may keep using the event), and the workers get nothing but
// bytes.
func (r *runner) ackAuto(s *session, call *schedulerpb.Call, taskID string, log *zap.Logger) {
	c := r.c
	typ := call.GetType()
	call.FrameworkId = &mesosproto.FrameworkID{Value: proto.String(s.frameworkID)}
	body, err := c.codec.Marshal(call)
	if err != nil {
		defaultFailed(s, log, "automatic acknowledgement failed", zap.Stringer("call", typ), zap.Error(err))
		return
	}
	r.acks.submit(ackJob{typ: typ, body: body, taskID: taskID})
}

// defaultFailed logs a failed automatic call: a warning, unless the
// subscription has ended meanwhile, which explains the failure.
func defaultFailed(s *session, log *zap.Logger, msg string, fields ...zap.Field) {
	if s.ctx.Err() != nil {
		log.Debug(msg, fields...)
		return
	}
	log.Warn(msg, fields...)
}
