// SPDX-License-Identifier: Apache-2.0

package mesostest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/schedulerpb"
)

// waitOutstanding polls the master's outstanding offers until ok accepts
// them, and returns them.
func waitOutstanding(t *testing.T, srv *Server, ok func([]*mesosproto.Offer) bool) []*mesosproto.Offer {
	t.Helper()
	ctx := testCtx(t)
	for {
		if offers := srv.Offers(); ok(offers) {
			return offers
		}
		select {
		case <-ctx.Done():
			t.Fatalf("outstanding offers: %v", srv.Offers())
		case <-time.After(5 * time.Millisecond):
		}
	}
}

func anyOffer(offers []*mesosproto.Offer) bool { return len(offers) > 0 }

// runSimulated launches the tasks on an outstanding offer and acknowledges
// every update until each task is FINISHED and acknowledged. It returns the
// task ids in the order their terminal update was acknowledged.
func runSimulated(t *testing.T, srv *Server, s *sub, ids ...string) []string {
	t.Helper()
	before, _ := srv.Framework(s.fwID)
	o := waitOutstanding(t, srv, anyOffer)[0]
	var tasks []*mesosproto.TaskInfo
	for _, id := range ids {
		tasks = append(tasks, shellTask(id, o, "ignored"))
	}
	s.mustCall(launchCall(o, &mesosproto.Filters{RefuseSeconds: proto.Float64(0)}, tasks...), 202)
	var order []string
	for len(order) < len(ids) {
		st := s.nextSkip(schedulerpb.Event_UPDATE).GetUpdate().GetStatus()
		s.ack(st)
		if st.GetState() == mesosproto.TaskState_TASK_FINISHED {
			order = append(order, st.GetTaskId().GetValue())
		}
	}
	waitAcks(t, srv, s.fwID, before.AcknowledgedTotal+3*len(ids))
	return order
}

// waitAcks polls until the master has counted n acknowledgements in total.
func waitAcks(t *testing.T, srv *Server, fwID string, n int) {
	t.Helper()
	ctx := testCtx(t)
	for {
		st, _ := srv.Framework(fwID)
		if st.AcknowledgedTotal >= n {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("master has %d of %d acknowledgements", st.AcknowledgedTotal, n)
		case <-time.After(5 * time.Millisecond):
		}
	}
}

func TestCompletedTasksBounded(t *testing.T) {
	for _, hist := range []bool{true, false} {
		t.Run(fmt.Sprintf("history=%v", hist), func(t *testing.T) {
			opts := []Option{WithSimulatedTasks(0), WithAgents(1, "cpus:10;mem:10000"), WithMaxCompletedTasksPerFramework(2)}
			if !hist {
				opts = append(opts, WithoutHistory())
			}
			srv := newServer(t, opts...)
			c := newClient(t, srv, codecs[0])
			s := c.subscribe(frameworkInfo("bounded"))
			order := runSimulated(t, srv, s, "t0", "t1", "t2", "t3")
			evicted, kept := order[:2], order[2:]

			st, _ := srv.Framework(s.fwID)
			if st.AcknowledgedTotal != 12 || st.DuplicateAcksTotal != 0 {
				t.Errorf("totals: acknowledged %d duplicates %d, want 12 and 0", st.AcknowledgedTotal, st.DuplicateAcksTotal)
			}
			if len(st.Acknowledged) != 2 {
				t.Errorf("Acknowledged lists %v, want the 2 kept tasks %v", st.Acknowledged, kept)
			}
			for _, id := range kept {
				if st.Acknowledged[id] != 3 {
					t.Errorf("Acknowledged[%s] = %d, want 3", id, st.Acknowledged[id])
				}
				if got, err := srv.WaitTask(testCtx(t), id, mesosproto.TaskState_TASK_FINISHED); err != nil || got.GetState() != mesosproto.TaskState_TASK_FINISHED {
					t.Errorf("WaitTask(%s): %v %v", id, got, err)
				}
				if ups := srv.TaskUpdates(id); hist && len(ups) != 3 {
					t.Errorf("TaskUpdates(%s): %d statuses, want 3", id, len(ups))
				}
			}
			for _, id := range evicted {
				if _, ok := st.Acknowledged[id]; ok {
					t.Errorf("Acknowledged still lists evicted task %s", id)
				}
				if ups := srv.TaskUpdates(id); ups != nil {
					t.Errorf("TaskUpdates(%s) of an evicted task: %v", id, ups)
				}
				// An evicted task is unknown: WaitTask waits as for a task never seen.
				ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
				_, err := srv.WaitTask(ctx, id, mesosproto.TaskState_TASK_FINISHED)
				cancel()
				if !errors.Is(err, context.DeadlineExceeded) {
					t.Errorf("WaitTask(%s) of an evicted task: %v, want a deadline error", id, err)
				}
			}

			// Completed tasks, kept or evicted, are unknown to reconciliation
			// (Master::reconcile looks at live tasks only).
			agentID := srv.AgentIDs()[0]
			s.mustCall(&schedulerpb.Call{Type: schedulerpb.Call_RECONCILE.Enum(), Reconcile: &schedulerpb.Call_Reconcile{
				Tasks: []*schedulerpb.Call_Reconcile_Task{
					{TaskId: &mesosproto.TaskID{Value: proto.String(kept[0])}, AgentId: &mesosproto.AgentID{Value: proto.String(agentID)}},
					{TaskId: &mesosproto.TaskID{Value: proto.String(evicted[0])}, AgentId: &mesosproto.AgentID{Value: proto.String(agentID)}},
				}}}, 202)
			for _, id := range []string{kept[0], evicted[0]} {
				st := s.nextSkip(schedulerpb.Event_UPDATE).GetUpdate().GetStatus()
				if st.GetTaskId().GetValue() != id || st.GetState() != mesosproto.TaskState_TASK_LOST ||
					st.GetMessage() != "Reconciliation: Task is unknown to the agent" {
					t.Errorf("reconciliation of %s: %v %v %q", id, st.GetTaskId().GetValue(), st.GetState(), st.GetMessage())
				}
			}

			// A task id used again starts a fresh history, and the second
			// run of a kept id is kept too.
			order = runSimulated(t, srv, s, evicted[0], kept[1])
			st, _ = srv.Framework(s.fwID)
			for _, id := range order {
				if st.Acknowledged[id] == 0 {
					t.Errorf("Acknowledged[%s] = 0 after it ran again", id)
				}
			}
			if ups := srv.TaskUpdates(evicted[0]); hist && len(ups) != 3 {
				t.Errorf("TaskUpdates(%s) after it ran again: %d statuses, want 3", evicted[0], len(ups))
			}
			checkFreeCache(t, srv)
		})
	}
}

// With 0 completed tasks kept, a task's history ends with the task.
func TestCompletedTasksNone(t *testing.T) {
	srv := newServer(t, WithSimulatedTasks(0), WithAgents(1, "cpus:10;mem:10000"), WithMaxCompletedTasksPerFramework(0))
	c := newClient(t, srv, codecs[1])
	s := c.subscribe(frameworkInfo("none"))
	runSimulated(t, srv, s, "a", "b")
	st, _ := srv.Framework(s.fwID)
	if len(st.Acknowledged) != 0 || st.AcknowledgedTotal != 6 {
		t.Errorf("Acknowledged %v, total %d; want none listed and 6 in total", st.Acknowledged, st.AcknowledgedTotal)
	}
	if ups := srv.TaskUpdates("a"); ups != nil {
		t.Errorf("TaskUpdates: %v", ups)
	}
	if _, err := NewServer(WithMaxCompletedTasksPerFramework(-1)); !errors.Is(err, ErrInvalidOption) {
		t.Errorf("negative limit: %v", err)
	}
}

// Tasks the master refuses (TASK_ERROR) are completed tasks too.
func TestCompletedTasksRefused(t *testing.T) {
	srv := newServer(t, WithSimulatedTasks(-1), WithAgents(1, "cpus:10;mem:10000"), WithMaxCompletedTasksPerFramework(1))
	c := newClient(t, srv, codecs[0])
	s := c.subscribe(frameworkInfo("refused"))
	o := s.offers()[0]
	bad := func(id string) *mesosproto.TaskInfo {
		ti := shellTask(id, o, "ignored")
		ti.Resources = nil // "Task uses no resources"
		return ti
	}
	s.mustCall(launchCall(o, &mesosproto.Filters{RefuseSeconds: proto.Float64(0)}, bad("e1"), bad("e2")), 202)
	s.update("e1", mesosproto.TaskState_TASK_ERROR)
	s.update("e2", mesosproto.TaskState_TASK_ERROR)
	if ups := srv.TaskUpdates("e1"); ups != nil {
		t.Errorf("TaskUpdates(e1), evicted by e2: %v", ups)
	}
	if ups := srv.TaskUpdates("e2"); len(ups) != 1 || ups[0].GetState() != mesosproto.TaskState_TASK_ERROR {
		t.Errorf("TaskUpdates(e2): %v", ups)
	}
}

// checkFreeCache asserts that every agent's cached free resources equal
// what a fresh computation gives.
func checkFreeCache(t *testing.T, srv *Server) {
	t.Helper()
	srv.mu.Lock()
	defer srv.mu.Unlock()
	for _, a := range srv.agents {
		want := a.total.minus(a.used).minus(a.offered)
		if got := a.freeLocked(); got.identity() != want.identity() {
			t.Errorf("agent %s: cached free %v, want %v", a.id, got, want)
		}
		for role, got := range a.freeByRole {
			if w := want.forRole(role); got.identity() != w.identity() {
				t.Errorf("agent %s role %s: cached free %v, want %v", a.id, role, got, w)
			}
		}
	}
}

// The allocator's cached free resources follow launches, offers, declines
// and task ends: the offers always carry exactly what is free.
func TestAllocatorFreeCache(t *testing.T) {
	srv := newServer(t, WithSimulatedTasks(-1), WithAgents(2, "cpus:4;mem:4096"))
	c := newClient(t, srv, codecs[0])
	s := c.subscribe(frameworkInfo("alloc"))
	agent, other := srv.AgentIDs()[0], srv.AgentIDs()[1]
	noFilter := &mesosproto.Filters{RefuseSeconds: proto.Float64(0)}
	cpus := func(offers []*mesosproto.Offer, agentID string) (total float64, n int) {
		for _, o := range offers {
			if o.GetAgentId().GetValue() == agentID {
				r, _ := resourcesFromProto(o.GetResources())
				total += fromMilli(r.scalar("cpus"))
				n++
			}
		}
		return total, n
	}
	offered := func(agentID string, want float64) func([]*mesosproto.Offer) bool {
		return func(offers []*mesosproto.Offer) bool { got, _ := cpus(offers, agentID); return got == want }
	}
	decline := func(offers []*mesosproto.Offer, agentID string, f *mesosproto.Filters) {
		var ids []*mesosproto.OfferID
		for _, o := range offers {
			if o.GetAgentId().GetValue() == agentID {
				ids = append(ids, o.GetId())
			}
		}
		s.mustCall(&schedulerpb.Call{Type: schedulerpb.Call_DECLINE.Enum(), Decline: &schedulerpb.Call_Decline{OfferIds: ids, Filters: f}}, 202)
	}

	var o *mesosproto.Offer
	for _, x := range waitOutstanding(t, srv, offered(agent, 4)) {
		if x.GetAgentId().GetValue() == agent {
			o = x
		}
	}
	ti := shellTask("one", o, "ignored")
	ti.Resources = []*mesosproto.Resource{scalar("cpus", 1), scalar("mem", 64)}
	s.mustCall(launchCall(o, noFilter, ti), 202)
	s.ack(s.update("one", mesosproto.TaskState_TASK_STARTING))
	s.ack(s.update("one", mesosproto.TaskState_TASK_RUNNING))
	offers := waitOutstanding(t, srv, offered(agent, 3)) // the rest, offered again
	checkFreeCache(t, srv)

	decline(offers, agent, noFilter)
	if err := srv.CompleteTask("one", mesosproto.TaskState_TASK_FINISHED, ""); err != nil {
		t.Fatal(err)
	}
	s.ack(s.update("one", mesosproto.TaskState_TASK_FINISHED))
	offers = waitOutstanding(t, srv, offered(agent, 4)) // the task's share is back
	checkFreeCache(t, srv)

	// Gather the agent into one offer, then refuse it: a refusal filter
	// holds back that agent only.
	for _, n := cpus(offers, agent); n != 1; _, n = cpus(offers, agent) {
		decline(offers, agent, noFilter)
		offers = waitOutstanding(t, srv, offered(agent, 4))
	}
	decline(offers, agent, &mesosproto.Filters{RefuseSeconds: proto.Float64(60)})
	deadline := time.Now().Add(150 * time.Millisecond) // several allocation rounds
	for time.Now().Before(deadline) {
		offers := srv.Offers()
		if got, n := cpus(offers, agent); n != 0 {
			t.Fatalf("%v cpus offered on the agent under a refusal filter", got)
		}
		if got, _ := cpus(offers, other); got != 4 {
			t.Fatalf("%v cpus offered on the other agent, want 4", got)
		}
		time.Sleep(10 * time.Millisecond)
	}
	checkFreeCache(t, srv)
}

// Acknowledgements of tasks the cluster does not remember count in the
// total only: late or bogus acknowledgements cannot grow the per-task map.
func TestDuplicateAcksOfUnknownTasksBounded(t *testing.T) {
	srv := newServer(t, WithSimulatedTasks(0), WithAgents(1, "cpus:10;mem:10000"), WithMaxCompletedTasksPerFramework(1))
	c := newClient(t, srv, codecs[0])
	s := c.subscribe(frameworkInfo("late-acks"))
	runSimulated(t, srv, s, "kept")
	agentID := srv.AgentIDs()[0]
	const n = 50
	for i := range n {
		s.ack(&mesosproto.TaskStatus{
			TaskId:  &mesosproto.TaskID{Value: proto.String(fmt.Sprintf("ghost-%d", i))},
			AgentId: &mesosproto.AgentID{Value: proto.String(agentID)},
			State:   mesosproto.TaskState_TASK_FINISHED.Enum(),
			Uuid:    []byte(fmt.Sprintf("%016d", i)),
		})
	}
	// A duplicate for the task still remembered is listed per task.
	s.ack(&mesosproto.TaskStatus{
		TaskId:  &mesosproto.TaskID{Value: proto.String("kept")},
		AgentId: &mesosproto.AgentID{Value: proto.String(agentID)},
		State:   mesosproto.TaskState_TASK_FINISHED.Enum(),
		Uuid:    []byte("0123456789abcdef"),
	})
	st, _ := srv.Framework(s.fwID)
	if st.DuplicateAcksTotal != n+1 {
		t.Errorf("DuplicateAcksTotal = %d, want %d", st.DuplicateAcksTotal, n+1)
	}
	if len(st.DuplicateAcks) != 1 || st.DuplicateAcks["kept"] != 1 {
		t.Errorf("DuplicateAcks = %v, want only kept:1", st.DuplicateAcks)
	}
}
