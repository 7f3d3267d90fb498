// SPDX-License-Identifier: Apache-2.0

package scheduler

import (
	"context"
	"errors"
	"fmt"

	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/schedulerpb"
)

// Accept accepts offers with operations (LAUNCH, LAUNCH_GROUP, RESERVE,
// CREATE, ...). All offers must be from one agent. Resources the operations
// leave unused are declined with filters (nil: Mesos's default of 5 s).
// If the call fails while the handler for these offers is still running,
// the offers count as unused again and are declined automatically when it
// returns (declining an offer the master did take is harmless).
func (c *Client) Accept(ctx context.Context, offerIDs []*mesosproto.OfferID, ops []*mesosproto.Offer_Operation, filters *mesosproto.Filters) error {
	if len(offerIDs) == 0 {
		return errors.New("scheduler: ACCEPT: no offers")
	}
	if err := checkOperations(ops); err != nil {
		return fmt.Errorf("scheduler: ACCEPT: %w", err)
	}
	if err := c.claimOffers(offerIDs); err != nil {
		return fmt.Errorf("scheduler: ACCEPT: %w", err)
	}
	c.pace.launching(ops)
	err := c.call(ctx, &schedulerpb.Call{
		Type:   schedulerpb.Call_ACCEPT.Enum(),
		Accept: &schedulerpb.Call_Accept{OfferIds: offerIDs, Operations: ops, Filters: filters},
	})
	c.accepted(ops, err)
	c.pace.accepted(ops, err)
	if err != nil {
		c.offersUsed(offerIDs, false)
	} else {
		c.offersAnswered(offerIDs, -1)
	}
	return err
}

// accepted records the outcome of an ACCEPT: its tasks are tracked for
// reconciliation unless the call certainly did not reach the master (it was
// refused or never sent), and a success that does something (not an empty
// LAUNCH, which only declines) counts as demand.
func (c *Client) accepted(ops []*mesosproto.Offer_Operation, err error) {
	if mayHaveReached(err) {
		c.trackLaunch(ops)
	}
	if err != nil {
		return
	}
	for _, op := range ops {
		switch op.GetType() {
		case mesosproto.Offer_Operation_LAUNCH:
			if len(op.GetLaunch().GetTaskInfos()) == 0 {
				continue
			}
		case mesosproto.Offer_Operation_LAUNCH_GROUP:
			if len(op.GetLaunchGroup().GetTaskGroup().GetTasks()) == 0 {
				continue
			}
		}
		c.noteAccepted()
		return
	}
}

// mayHaveReached reports whether a call that returned err may have reached
// the master: it succeeded, or failed other than by being refused (an
// APIError) or never sent.
func mayHaveReached(err error) bool {
	var apiErr *APIError
	notSent := errors.Is(err, ErrNotSubscribed) && !errors.Is(err, errSubscriptionEnded)
	return err == nil || !(errors.As(err, &apiErr) || notSent)
}

// Launch accepts offers with one LAUNCH operation for tasks. With no tasks
// it declines the offers.
func (c *Client) Launch(ctx context.Context, offerIDs []*mesosproto.OfferID, tasks []*mesosproto.TaskInfo, filters *mesosproto.Filters) error {
	op := &mesosproto.Offer_Operation{
		Type:   mesosproto.Offer_Operation_LAUNCH.Enum(),
		Launch: &mesosproto.Offer_Operation_Launch{TaskInfos: tasks},
	}
	return c.Accept(ctx, offerIDs, []*mesosproto.Offer_Operation{op}, filters)
}

// Decline declines offers; filters.refuse_seconds keeps their resources
// away from this framework for a while (nil: 5 s).
func (c *Client) Decline(ctx context.Context, offerIDs []*mesosproto.OfferID, filters *mesosproto.Filters) error {
	if len(offerIDs) == 0 {
		return errors.New("scheduler: DECLINE: no offers")
	}
	c.offersUsed(offerIDs, true)
	err := c.call(ctx, &schedulerpb.Call{
		Type:    schedulerpb.Call_DECLINE.Enum(),
		Decline: &schedulerpb.Call_Decline{OfferIds: offerIDs, Filters: filters},
	})
	if err != nil {
		c.offersUsed(offerIDs, false)
	} else {
		c.offersAnswered(offerIDs, declinedByHandler)
	}
	return err
}

// Acknowledge acknowledges the status update with the given uuid (the 16
// bytes of TaskStatus.uuid). Only updates that carry a uuid are
// acknowledged. Unless WithoutAutoAcknowledge is given, the Client does this
// itself after Update returns nil; acknowledging from the handler as well is
// harmless and suppresses the automatic one. It returns once the master has
// answered; by default the call shares the subscription's pipelined
// connection with the automatic acknowledgements (see WithPipelinedAcks),
// so that many goroutines may acknowledge at once at little cost.
func (c *Client) Acknowledge(ctx context.Context, agentID *mesosproto.AgentID, taskID *mesosproto.TaskID, uuid []byte) error {
	if len(uuid) == 0 {
		return errors.New("scheduler: ACKNOWLEDGE: empty uuid (updates without a uuid are not acknowledged)")
	}
	err := c.callAck(ctx, &schedulerpb.Call{
		Type:        schedulerpb.Call_ACKNOWLEDGE.Enum(),
		Acknowledge: &schedulerpb.Call_Acknowledge{AgentId: agentID, TaskId: taskID, Uuid: uuid},
	})
	if err == nil {
		c.acknowledged(uuid)
		c.pace.acked(taskID.GetValue(), uuid)
	}
	return err
}

// AcknowledgeStatus acknowledges status if it carries a uuid, and does
// nothing (returning nil) if it does not.
func (c *Client) AcknowledgeStatus(ctx context.Context, status *mesosproto.TaskStatus) error {
	if len(status.GetUuid()) == 0 {
		return nil
	}
	return c.Acknowledge(ctx, status.GetAgentId(), status.GetTaskId(), status.GetUuid())
}

// AcknowledgeOperationStatus acknowledges an operation status update if it
// carries a uuid, and does nothing (returning nil) if it does not.
func (c *Client) AcknowledgeOperationStatus(ctx context.Context, status *mesosproto.OperationStatus) error {
	uuid := status.GetUuid().GetValue()
	if len(uuid) == 0 {
		return nil
	}
	err := c.call(ctx, &schedulerpb.Call{
		Type: schedulerpb.Call_ACKNOWLEDGE_OPERATION_STATUS.Enum(),
		AcknowledgeOperationStatus: &schedulerpb.Call_AcknowledgeOperationStatus{
			AgentId:            status.GetAgentId(),
			ResourceProviderId: status.GetResourceProviderId(),
			Uuid:               uuid,
			OperationId:        status.GetOperationId(),
		},
	})
	if err == nil {
		c.acknowledged(uuid)
	}
	return err
}

// Kill asks to kill a task. agentID may be nil; policy (may be nil)
// overrides the task's kill policy. Killing an unknown task makes the master
// reconcile it: the answer is an UPDATE.
func (c *Client) Kill(ctx context.Context, taskID *mesosproto.TaskID, agentID *mesosproto.AgentID, policy *mesosproto.KillPolicy) error {
	return c.call(ctx, &schedulerpb.Call{
		Type: schedulerpb.Call_KILL.Enum(),
		Kill: &schedulerpb.Call_Kill{TaskId: taskID, AgentId: agentID, KillPolicy: policy},
	})
}

// Reconcile asks for the latest state of tasks: explicit reconciliation of
// the given tasks, or, with none, implicit reconciliation of every task the
// master knows for this framework. Answers arrive as UPDATE events without
// a uuid.
func (c *Client) Reconcile(ctx context.Context, tasks ...*schedulerpb.Call_Reconcile_Task) error {
	return c.call(ctx, &schedulerpb.Call{
		Type:      schedulerpb.Call_RECONCILE.Enum(),
		Reconcile: &schedulerpb.Call_Reconcile{Tasks: tasks}, // present even when empty, as Mesos requires
	})
}

// Revive clears the offer filters of roles (all roles when none) and ends
// their suppression. Without roles it also turns demand on (see SetDemand).
// When it fails other than by the master refusing the call as invalid (for
// example because the master is going away), the Client still records it:
// the next SUBSCRIBE carries the roles as revived, and without roles the
// Client sends REVIVE again while the subscription lasts. Suppress is
// recorded the same way.
func (c *Client) Revive(ctx context.Context, roles ...string) error {
	s, err := c.acquire()
	if err != nil {
		c.noteIntent(roles, false) // for the next SUBSCRIBE (userIntentStands)
		return callErr(schedulerpb.Call_REVIVE, err)
	}
	defer s.calls.Done()
	return c.revive(ctx, s, roles, true)
}

// Suppress stops offers for roles (all roles when none) until Revive.
// Without roles it also turns demand off (see SetDemand). The Client
// remembers what is suppressed and carries it in every later SUBSCRIBE,
// since Mesos resets suppression on each.
func (c *Client) Suppress(ctx context.Context, roles ...string) error {
	s, err := c.acquire()
	if err != nil {
		c.noteIntent(roles, true) // for the next SUBSCRIBE (userIntentStands)
		return callErr(schedulerpb.Call_SUPPRESS, err)
	}
	defer s.calls.Done()
	return c.suppress(ctx, s, roles, true)
}

// Shutdown asks the agent to shut down an executor and its tasks.
func (c *Client) Shutdown(ctx context.Context, executorID *mesosproto.ExecutorID, agentID *mesosproto.AgentID) error {
	return c.call(ctx, &schedulerpb.Call{
		Type:     schedulerpb.Call_SHUTDOWN.Enum(),
		Shutdown: &schedulerpb.Call_Shutdown{ExecutorId: executorID, AgentId: agentID},
	})
}

// Message sends data to an executor, best effort.
func (c *Client) Message(ctx context.Context, agentID *mesosproto.AgentID, executorID *mesosproto.ExecutorID, data []byte) error {
	return c.call(ctx, &schedulerpb.Call{
		Type:    schedulerpb.Call_MESSAGE.Enum(),
		Message: &schedulerpb.Call_Message{AgentId: agentID, ExecutorId: executorID, Data: data},
	})
}

// UpdateFramework changes the FrameworkInfo (roles, capabilities, ...)
// without resubscribing; suppressedRoles replaces the set of suppressed
// roles (demand is on unless it names every role). On success the Client
// also subscribes with fw and those suppressed roles from then on. fw.id is
// filled in. The master answers 200 once the update is applied.
func (c *Client) UpdateFramework(ctx context.Context, fw *mesosproto.FrameworkInfo, suppressedRoles ...string) error {
	if err := validateFrameworkInfo(fw); err != nil {
		return callErr(schedulerpb.Call_UPDATE_FRAMEWORK, err)
	}
	s, err := c.acquire()
	if err != nil {
		return callErr(schedulerpb.Call_UPDATE_FRAMEWORK, err)
	}
	defer s.calls.Done()
	fw = proto.Clone(fw).(*mesosproto.FrameworkInfo)
	fw.Id = &mesosproto.FrameworkID{Value: proto.String(s.frameworkID)}
	err = c.send(ctx, s, &schedulerpb.Call{
		Type:            schedulerpb.Call_UPDATE_FRAMEWORK.Enum(),
		UpdateFramework: &schedulerpb.Call_UpdateFramework{FrameworkInfo: fw, SuppressedRoles: suppressedRoles},
	})
	if err == nil {
		c.mu.Lock()
		c.fw = fw
		c.mu.Unlock()
		c.noteFrameworkUpdated(suppressedRoles)
		c.wakeDemand()
	}
	return err
}

// Teardown removes the framework: the master kills all its tasks and
// executors and forgets it. It cannot be undone. After it succeeds no event
// reaches the handler any more (events already read are dropped, the
// subscription's ctx is cancelled with a cause wrapping ErrTornDown), the
// FrameworkIDStore forgets the ID, and Run returns nil, even when a handler
// still running then fails. When its answer is lost (a transport error: it
// may have been applied), a later ERROR "Framework has been removed" from
// the next master confirms it, and Run returns nil too. Cancelling Run's ctx, by contrast, only disconnects.
func (c *Client) Teardown(ctx context.Context) error {
	s, err := c.acquire()
	if err != nil {
		return callErr(schedulerpb.Call_TEARDOWN, err)
	}
	defer s.calls.Done()
	err = c.send(ctx, s, &schedulerpb.Call{Type: schedulerpb.Call_TEARDOWN.Enum()})
	if err == nil {
		c.mu.Lock()
		c.tornDown = true
		c.mu.Unlock()
		// No event may reach the handler any more: end the subscription
		// (its reader, the handler's ctx and calls in flight) now rather
		// than when the master closes the stream.
		s.cancel(ErrTornDown)
	} else if mayHaveReached(err) {
		c.mu.Lock()
		c.tdLost = true // outcome unknown: a later "Framework has been removed" confirms it
		c.mu.Unlock()
	}
	return err
}

// Do sends any call but SUBSCRIBE, as the escape hatch for what the typed
// methods do not cover. call is not modified: a copy gets framework_id.
// Idempotent call types are retried as described above. ACCEPT, DECLINE,
// acknowledgements, SUPPRESS and REVIVE sent through Do count for the
// automatic decline and acknowledgement, task tracking and demand like the
// typed methods; an UPDATE_FRAMEWORK sent through Do does not change what
// later SUBSCRIBEs carry (UpdateFramework does).
func (c *Client) Do(ctx context.Context, call *schedulerpb.Call) error {
	switch call.GetType() {
	case schedulerpb.Call_SUBSCRIBE:
		return errors.New("scheduler: Do: SUBSCRIBE is sent by Run")
	case schedulerpb.Call_TEARDOWN:
		return c.Teardown(ctx)
	}
	cp := proto.Clone(call).(*schedulerpb.Call)
	var offers []*mesosproto.OfferID
	switch cp.GetType() {
	case schedulerpb.Call_ACCEPT:
		offers = cp.GetAccept().GetOfferIds()
	case schedulerpb.Call_DECLINE:
		offers = cp.GetDecline().GetOfferIds()
	}
	c.offersUsed(offers, true)
	if cp.GetType() == schedulerpb.Call_ACCEPT {
		c.pace.launching(cp.GetAccept().GetOperations())
	}
	err := c.call(ctx, cp)
	if cp.GetType() == schedulerpb.Call_ACCEPT {
		c.accepted(cp.GetAccept().GetOperations(), err)
		c.pace.accepted(cp.GetAccept().GetOperations(), err)
	}
	if err != nil {
		c.offersUsed(offers, false)
		if userIntentStands(err) {
			switch cp.GetType() {
			case schedulerpb.Call_SUPPRESS:
				c.noteIntent(cp.GetSuppress().GetRoles(), true)
			case schedulerpb.Call_REVIVE:
				c.noteIntent(cp.GetRevive().GetRoles(), false)
			}
		}
	} else {
		switch cp.GetType() {
		case schedulerpb.Call_ACCEPT:
			c.offersAnswered(offers, -1)
		case schedulerpb.Call_DECLINE:
			c.offersAnswered(offers, declinedByHandler)
		case schedulerpb.Call_ACKNOWLEDGE:
			c.acknowledged(cp.GetAcknowledge().GetUuid())
			c.pace.acked(cp.GetAcknowledge().GetTaskId().GetValue(), cp.GetAcknowledge().GetUuid())
		case schedulerpb.Call_ACKNOWLEDGE_OPERATION_STATUS:
			c.acknowledged(cp.GetAcknowledgeOperationStatus().GetUuid())
		case schedulerpb.Call_SUPPRESS:
			c.noteSuppressed(cp.GetSuppress().GetRoles(), true)
		case schedulerpb.Call_REVIVE:
			c.noteRevived(cp.GetRevive().GetRoles(), true)
		}
	}
	return err
}

// tornDownNow reports whether Teardown succeeded.
func (c *Client) tornDownNow() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.tornDown
}

// AcceptInverseOffers accepts inverse offers: the framework agrees to give
// the agents back for their maintenance (it should have moved its work
// off them by the start of the unavailability). filters.refuse_seconds
// (nil: Mesos's default of 5 s) keeps new inverse offers for those agents
// away for a while. Unknown or expired ids are ignored by the master.
func (c *Client) AcceptInverseOffers(ctx context.Context, inverseOfferIDs []*mesosproto.OfferID, filters *mesosproto.Filters) error {
	if len(inverseOfferIDs) == 0 {
		return errors.New("scheduler: ACCEPT_INVERSE_OFFERS: no inverse offers")
	}
	return c.call(ctx, &schedulerpb.Call{
		Type: schedulerpb.Call_ACCEPT_INVERSE_OFFERS.Enum(),
		AcceptInverseOffers: &schedulerpb.Call_AcceptInverseOffers{
			InverseOfferIds: inverseOfferIDs, Filters: filters,
		},
	})
}

// DeclineInverseOffers declines inverse offers: the framework does not
// agree to the maintenance (Mesos records the answer; maintenance is
// advisory). filters as for AcceptInverseOffers.
func (c *Client) DeclineInverseOffers(ctx context.Context, inverseOfferIDs []*mesosproto.OfferID, filters *mesosproto.Filters) error {
	if len(inverseOfferIDs) == 0 {
		return errors.New("scheduler: DECLINE_INVERSE_OFFERS: no inverse offers")
	}
	return c.call(ctx, &schedulerpb.Call{
		Type: schedulerpb.Call_DECLINE_INVERSE_OFFERS.Enum(),
		DeclineInverseOffers: &schedulerpb.Call_DeclineInverseOffers{
			InverseOfferIds: inverseOfferIDs, Filters: filters,
		},
	})
}

// ReconcileOperations asks for the latest state of operations that were
// sent with an Offer.Operation.id: the given ones (give agent_id where
// known: without it an unknown operation is just OPERATION_UNKNOWN), or,
// with none, every operation the master knows for this framework. The
// master answers 202 and then sends UPDATE_OPERATION_STATUS events without
// a uuid (never acknowledged), as Mesos 1.12 does; the old synchronous
// answer in the response body is not used.
func (c *Client) ReconcileOperations(ctx context.Context, operations ...*schedulerpb.Call_ReconcileOperations_Operation) error {
	return c.call(ctx, &schedulerpb.Call{
		Type:                schedulerpb.Call_RECONCILE_OPERATIONS.Enum(),
		ReconcileOperations: &schedulerpb.Call_ReconcileOperations{Operations: operations}, // present even when empty
	})
}

// Request asks the allocator for resources. Mesos's built-in allocator
// ignores requests; the call exists for custom allocators.
func (c *Client) Request(ctx context.Context, requests ...*mesosproto.Request) error {
	return c.call(ctx, &schedulerpb.Call{
		Type:    schedulerpb.Call_REQUEST.Enum(),
		Request: &schedulerpb.Call_Request{Requests: requests},
	})
}
