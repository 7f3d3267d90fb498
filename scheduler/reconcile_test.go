// SPDX-License-Identifier: Apache-2.0

package scheduler_test

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/schedulerpb"
	"github.com/mesoskit/mesoskit/mesostest"
	"github.com/mesoskit/mesoskit/scheduler"
)

// Reconciliation timing for tests: answers are waited for only briefly.
const (
	testReconcileMin = 30 * time.Millisecond
	testReconcileMax = 200 * time.Millisecond
)

// oneTask is a framework that launches one simulated task, taskID, on the
// first offer, and records every status update it receives.
type oneTask struct {
	c        *scheduler.Client
	taskID   string
	launched atomic.Bool

	mu       sync.Mutex
	updates  []*mesosproto.TaskStatus
	reliable int           // updates with a uuid
	changed  chan struct{} // poked on every update
}

func newOneTask(taskID string) *oneTask {
	return &oneTask{taskID: taskID, changed: make(chan struct{}, 1)}
}

func (o *oneTask) callbacks() scheduler.Callbacks {
	return scheduler.Callbacks{
		Offers: func(ctx context.Context, offers []scheduler.Offer) error {
			if o.launched.Swap(true) {
				return nil
			}
			t := echoTask(o.taskID, "sleep 3600", offers[0].ProtoAgentID())
			if err := o.c.Launch(ctx, []*mesosproto.OfferID{offers[0].ProtoID()}, []*mesosproto.TaskInfo{t}, nil); err != nil {
				o.launched.Store(false)
			}
			return nil
		},
		Update: func(_ context.Context, st *mesosproto.TaskStatus) error {
			o.mu.Lock()
			o.updates = append(o.updates, st)
			if len(st.GetUuid()) > 0 {
				o.reliable++
			}
			o.mu.Unlock()
			select {
			case o.changed <- struct{}{}:
			default:
			}
			return nil
		},
	}
}

// find returns the first update since index from that satisfies match.
func (o *oneTask) find(from int, match func(*mesosproto.TaskStatus) bool) *mesosproto.TaskStatus {
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, st := range o.updates[min(from, len(o.updates)):] {
		if match(st) {
			return st
		}
	}
	return nil
}

func (o *oneTask) count() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return len(o.updates)
}

// waitRunningAndAcked waits until the task runs and the master has every
// reliable update acknowledged, so that nothing is pending on the agent.
func (o *oneTask) waitRunningAndAcked(t *testing.T, srv *mesostest.Server, id string) {
	t.Helper()
	eventually(t, "task running", func() bool {
		return o.find(0, func(st *mesosproto.TaskStatus) bool { return st.GetState() == mesosproto.TaskState_TASK_RUNNING }) != nil
	})
	eventually(t, "updates acknowledged", func() bool {
		o.mu.Lock()
		n := o.reliable
		o.mu.Unlock()
		st, _ := srv.Framework(id)
		return st.Acknowledged[o.taskID] >= n
	})
}

func isReconciliation(taskID string) func(*mesosproto.TaskStatus) bool {
	return func(st *mesosproto.TaskStatus) bool {
		return st.GetTaskId().GetValue() == taskID && st.GetReason() == mesosproto.TaskStatus_REASON_RECONCILIATION
	}
}

// reconcilesSinceLastSubscribe returns the RECONCILE calls recorded after the
// last successful SUBSCRIBE.
func reconcilesSinceLastSubscribe(srv *mesostest.Server) []mesostest.Call {
	calls := srv.Calls()
	last := -1
	for i, c := range calls {
		if c.Type == schedulerpb.Call_SUBSCRIBE && c.Status == http.StatusOK {
			last = i
		}
	}
	var out []mesostest.Call
	for _, c := range calls[last+1:] {
		if c.Type == schedulerpb.Call_RECONCILE {
			out = append(out, c)
		}
	}
	return out
}

func reconciledTaskIDs(c mesostest.Call) []string {
	var ids []string
	for _, t := range c.Call.GetReconcile().GetTasks() {
		ids = append(ids, t.GetTaskId().GetValue())
	}
	return ids
}

// implicitAfterExplicit waits for the implicit RECONCILE that follows a
// finished explicit reconciliation on the current subscription, and returns
// the explicit calls before it.
func implicitAfterExplicit(t *testing.T, srv *mesostest.Server) []mesostest.Call {
	t.Helper()
	var explicit []mesostest.Call
	eventually(t, "implicit reconciliation after the explicit one", func() bool {
		explicit = explicit[:0]
		for _, c := range reconcilesSinceLastSubscribe(srv) {
			if len(c.Call.GetReconcile().GetTasks()) == 0 {
				return true
			}
			explicit = append(explicit, c)
		}
		return false
	})
	return explicit
}

// After a resubscription the Client reconciles the task it launched; the
// master drops its first RECONCILE (202, no answer: what a master does for
// tasks on agents that have not re-registered after a failover), so the
// Client asks again until the answer arrives, then reconciles implicitly.
func TestReconciliationCompletesAfterDroppedReply(t *testing.T) {
	forEachCodec(t, func(t *testing.T, ct string) {
		srv := newServer(t, mesostest.WithAgents(1, testAgentConfig), mesostest.WithSimulatedTasks(-1))
		w := newOneTask("rec-1")
		c := newClient(t, srv, ct, frameworkInfo("reconcile"), scheduler.WithReconcileBackoff(testReconcileMin, testReconcileMax))
		w.c = c
		sig := newSignals()
		start(t, c, sig.callbacks(w.callbacks()))
		id := recv(t, "SUBSCRIBED", sig.subscribed)
		w.waitRunningAndAcked(t, srv, id)
		if n := len(callsOf(srv, schedulerpb.Call_RECONCILE)); n != 0 {
			t.Fatalf("%d RECONCILE calls on the first subscription of a new framework, want none", n)
		}

		srv.Inject(schedulerpb.Call_RECONCILE, mesostest.Fault{Status: http.StatusAccepted}) // taken, never answered
		before := w.count()
		srv.CloseStreams()
		recv(t, "Disconnected", sig.disconnected)
		if got := recv(t, "resubscription", sig.subscribed); got != id {
			t.Fatalf("resubscribed as %q, want %q", got, id)
		}
		eventually(t, "reconciliation answer", func() bool { return w.find(before, isReconciliation("rec-1")) != nil })
		if st := w.find(before, isReconciliation("rec-1")); st.GetState() != mesosproto.TaskState_TASK_RUNNING || len(st.GetUuid()) != 0 {
			t.Fatalf("reconciliation answer %v with uuid %x, want TASK_RUNNING without uuid", st.GetState(), st.GetUuid())
		}

		explicit := implicitAfterExplicit(t, srv)
		if len(explicit) < 2 {
			t.Fatalf("%d explicit RECONCILE calls, want the dropped one and at least one retry", len(explicit))
		}
		if !explicit[0].Faulted {
			t.Fatal("the first explicit RECONCILE was not the one the master dropped")
		}
		for _, call := range explicit {
			if ids := reconciledTaskIDs(call); len(ids) != 1 || ids[0] != "rec-1" {
				t.Fatalf("explicit RECONCILE for %v, want [rec-1]", ids)
			}
			if call.StreamID != c.StreamID() {
				t.Fatalf("RECONCILE carried stream %q, want the new %q", call.StreamID, c.StreamID())
			}
		}
		if got := reconciledTaskIDs(explicit[0]); explicit[0].Call.GetReconcile().GetTasks()[0].GetAgentId().GetValue() == "" {
			t.Fatalf("explicit RECONCILE for %v without the agent ID", got)
		}
	})
}

// A task that ends while the scheduler is disconnected: on resubscription
// the agent resends the terminal update, which confirms the task whether or
// not the RECONCILE answer comes first; reconciliation completes and the
// Client stops tracking the task.
func TestReconciliationTaskEndedWhileDisconnected(t *testing.T) {
	forEachCodec(t, func(t *testing.T, ct string) {
		srv := newServer(t, mesostest.WithAgents(1, testAgentConfig), mesostest.WithSimulatedTasks(-1))
		w := newOneTask("rec-2")
		c := newClient(t, srv, ct, frameworkInfo("reconcile-ended"), scheduler.WithReconcileBackoff(testReconcileMin, testReconcileMax))
		w.c = c
		sig := newSignals()
		start(t, c, sig.callbacks(w.callbacks()))
		id := recv(t, "SUBSCRIBED", sig.subscribed)
		w.waitRunningAndAcked(t, srv, id)

		srv.Inject(schedulerpb.Call_SUBSCRIBE, mesostest.Fault{Status: http.StatusServiceUnavailable, Times: 3})
		srv.CloseStreams()
		recv(t, "Disconnected", sig.disconnected)
		if err := srv.CompleteTask("rec-2", mesosproto.TaskState_TASK_FINISHED, "done while disconnected"); err != nil {
			t.Fatal(err)
		}
		recv(t, "resubscription", sig.subscribed)
		eventually(t, "TASK_FINISHED", func() bool {
			return w.find(0, func(st *mesosproto.TaskStatus) bool {
				return st.GetState() == mesosproto.TaskState_TASK_FINISHED && len(st.GetUuid()) > 0
			}) != nil
		})
		for _, call := range implicitAfterExplicit(t, srv) {
			if ids := reconciledTaskIDs(call); len(ids) != 1 || ids[0] != "rec-2" {
				t.Fatalf("explicit RECONCILE for %v, want [rec-2]", ids)
			}
		}

		// The task ended: the next resubscription reconciles nothing explicitly.
		srv.CloseStreams()
		recv(t, "Disconnected", sig.disconnected)
		recv(t, "second resubscription", sig.subscribed)
		if explicit := implicitAfterExplicit(t, srv); len(explicit) != 0 {
			t.Fatalf("explicit RECONCILE for %v after the task ended, want none", reconciledTaskIDs(explicit[0]))
		}
	})
}

// Tasks listed by WithTaskSource are reconciled after every subscription,
// also the first; the master does not know them, and the Lost callback
// hears about each (partition-aware: TASK_GONE for a known agent,
// TASK_UNKNOWN without one).
func TestTaskSourceAndLost(t *testing.T) {
	forEachCodec(t, func(t *testing.T, ct string) {
		srv := newServer(t, mesostest.WithAgents(1, testAgentConfig))
		agent := srv.AgentIDs()[0]
		var sourced atomic.Int64
		source := func(ctx context.Context) ([]*schedulerpb.Call_Reconcile_Task, error) {
			if ctx.Err() != nil {
				return nil, errors.New("source called with a dead ctx")
			}
			sourced.Add(1)
			return []*schedulerpb.Call_Reconcile_Task{
				{TaskId: &mesosproto.TaskID{Value: proto.String("ghost-1")}, AgentId: &mesosproto.AgentID{Value: proto.String(agent)}},
				{TaskId: &mesosproto.TaskID{Value: proto.String("ghost-2")}},
			}, nil
		}
		fw := frameworkInfo("ghosts")
		fw.Capabilities = []*mesosproto.FrameworkInfo_Capability{{Type: mesosproto.FrameworkInfo_Capability_PARTITION_AWARE.Enum()}}
		c := newClient(t, srv, ct, fw, scheduler.WithTaskSource(source), scheduler.WithReconcileBackoff(testReconcileMin, testReconcileMax))
		lost := make(chan *mesosproto.TaskStatus, 100)
		var updates atomic.Int64
		sig := newSignals()
		start(t, c, sig.callbacks(scheduler.Callbacks{
			Update: func(context.Context, *mesosproto.TaskStatus) error { updates.Add(1); return nil },
			Lost:   func(_ context.Context, st *mesosproto.TaskStatus) error { lost <- st; return nil },
		}))
		recv(t, "SUBSCRIBED", sig.subscribed)

		want := map[string]mesosproto.TaskState{"ghost-1": mesosproto.TaskState_TASK_GONE, "ghost-2": mesosproto.TaskState_TASK_UNKNOWN}
		checkLost := func() {
			t.Helper()
			got := map[string]mesosproto.TaskState{}
			for len(got) < len(want) {
				st := recv(t, "Lost", lost)
				if st.GetReason() != mesosproto.TaskStatus_REASON_RECONCILIATION {
					t.Fatalf("Lost(%v) with reason %v, want REASON_RECONCILIATION", st.GetTaskId().GetValue(), st.GetReason())
				}
				got[st.GetTaskId().GetValue()] = st.GetState()
			}
			for id, s := range want {
				if got[id] != s {
					t.Fatalf("Lost reported %s as %v, want %v", id, got[id], s)
				}
			}
		}
		checkLost()
		if updates.Load() < 2 {
			t.Fatalf("Update saw %d updates, want the two Lost saw too", updates.Load())
		}
		if n := len(callsOf(srv, schedulerpb.Call_RECONCILE)); n < 1 {
			t.Fatalf("%d RECONCILE calls", n)
		}

		srv.CloseStreams()
		recv(t, "resubscription", sig.subscribed)
		checkLost()
		if n := sourced.Load(); n != 2 {
			t.Fatalf("task source called %d times, want once per subscription (2)", n)
		}
	})
}

// Implicit reconciliation repeats at the configured interval while
// subscribed, and its answers reach Update; it stops when Run returns.
func TestPeriodicImplicitReconciliation(t *testing.T) {
	forEachCodec(t, func(t *testing.T, ct string) {
		const interval = 40 * time.Millisecond
		srv := newServer(t, mesostest.WithAgents(1, testAgentConfig), mesostest.WithSimulatedTasks(-1))
		w := newOneTask("periodic-1")
		c := newClient(t, srv, ct, frameworkInfo("periodic"), scheduler.WithImplicitReconciliation(interval))
		w.c = c
		sig := newSignals()
		r := start(t, c, sig.callbacks(w.callbacks()))
		recv(t, "SUBSCRIBED", sig.subscribed)

		eventually(t, "three implicit reconciliations", func() bool { return len(callsOf(srv, schedulerpb.Call_RECONCILE)) >= 3 })
		eventually(t, "an implicit reconciliation answer", func() bool { return w.find(0, isReconciliation("periodic-1")) != nil })
		calls := callsOf(srv, schedulerpb.Call_RECONCILE)
		for i, call := range calls {
			if n := len(call.Call.GetReconcile().GetTasks()); n != 0 || call.Status != http.StatusAccepted {
				t.Fatalf("RECONCILE %d: %d tasks, answered %d; want implicit, 202", i, n, call.Status)
			}
			if i > 0 {
				if gap := call.Time.Sub(calls[i-1].Time); gap < interval/2 {
					t.Fatalf("implicit reconciliations %v apart, want about %v", gap, interval)
				}
			}
		}

		if err := r.stop(); err != nil {
			t.Fatalf("Run = %v", err)
		}
		time.Sleep(interval) // a call aborted by the stop may still be recorded by the server
		n := len(callsOf(srv, schedulerpb.Call_RECONCILE))
		time.Sleep(4 * interval)
		if m := len(callsOf(srv, schedulerpb.Call_RECONCILE)); m != n {
			t.Fatalf("%d RECONCILE calls after Run returned", m-n)
		}
	})
}
