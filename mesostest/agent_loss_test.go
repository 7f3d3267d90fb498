// SPDX-License-Identifier: Apache-2.0

//lint:file-ignore SA1019 tests set the deprecated single role of frameworks without MULTI_ROLE

package mesostest

import (
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/schedulerpb"
)

func partitionAware(fi *mesosproto.FrameworkInfo) *mesosproto.FrameworkInfo {
	fi.Capabilities = append(fi.Capabilities, &mesosproto.FrameworkInfo_Capability{Type: mesosproto.FrameworkInfo_Capability_PARTITION_AWARE.Enum()})
	return fi
}

// launchOn launches a sleeping task on agentID from s's offers, declining
// the others without filter, and returns the offer used.
func launchOn(s *sub, agentID, taskID string) *mesosproto.Offer {
	s.t.Helper()
	o := offerWith(s, func(*mesosproto.Resource) bool { return true })
	for o.GetAgentId().GetValue() != agentID {
		s.mustCall(declineCall(o, &mesosproto.Filters{RefuseSeconds: proto.Float64(0)}), 202)
		o = offerWith(s, func(*mesosproto.Resource) bool { return true })
	}
	s.mustCall(launchCall(o, &mesosproto.Filters{RefuseSeconds: proto.Float64(0)}, shellTask(taskID, o, "sleep 30")), 202)
	return o
}

// collectUntil returns the events (heartbeats and offers left out) up to
// and including the first of type last.
func collectUntil(s *sub, last schedulerpb.Event_Type) []*schedulerpb.Event {
	s.t.Helper()
	var evs []*schedulerpb.Event
	for {
		ev := s.nextAny()
		if skippable(ev.GetType()) {
			continue
		}
		evs = append(evs, ev)
		if ev.GetType() == last {
			return evs
		}
	}
}

// LoseAgent: operation feedback, task updates (UNREACHABLE or LOST by
// capability), RESCIND of the agent's offers, FAILURE to every connected
// framework, in that order; reconciliation answers for the lost agent.
func TestLoseAgent(t *testing.T) {
	srv := newServer(t, WithAgents(2, "cpus:2;mem:512"), WithUpdateRetryInterval(time.Hour), WithUpdateRetryMax(time.Hour))
	agent0 := srv.AgentIDs()[0]
	c := newClient(t, srv, codecs[0])

	pfi := partitionAware(frameworkInfo("aware"))
	pfi.Role = proto.String("web")
	p := c.subscribe(pfi)
	launchOn(p, agent0, "p-task")
	p.update("p-task", mesosproto.TaskState_TASK_STARTING)
	o := offerWith(p, func(r *mesosproto.Resource) bool { return r.GetName() == "cpus" })
	for o.GetAgentId().GetValue() != agent0 {
		p.mustCall(declineCall(o, &mesosproto.Filters{RefuseSeconds: proto.Float64(0)}), 202)
		o = offerWith(p, func(r *mesosproto.Resource) bool { return r.GetName() == "cpus" })
	}
	p.mustCall(acceptOps(o, reserveOp("r1", reserved(scalar("cpus", 0.5), "web", "x"))), 202)
	if st := opUpdate(p); st.GetState() != mesosproto.OperationState_OPERATION_FINISHED {
		t.Fatalf("RESERVE: %v", st)
	}

	// p takes no more offers, so that l gets some.
	p.mustCall(&schedulerpb.Call{Type: schedulerpb.Call_SUPPRESS.Enum()}, 202)
	for _, o := range srv.Offers() {
		p.mustCall(declineCall(o, nil), 202)
	}

	l := c.subscribe(frameworkInfo("lost"))
	launchOn(l, agent0, "l-task")
	l.update("l-task", mesosproto.TaskState_TASK_STARTING)

	wcall := subscribeCall(frameworkInfo("watcher"))
	wcall.Subscribe.SuppressedRoles = []string{"*"}
	w := c.open(wcall)
	w.next(schedulerpb.Event_SUBSCRIBED)

	// Wait for an offer of agent 0 to be outstanding, to see it rescinded.
	var held *mesosproto.Offer
	deadline := time.Now().Add(10 * time.Second)
	for held == nil && time.Now().Before(deadline) {
		for _, o := range srv.Offers() {
			if o.GetAgentId().GetValue() == agent0 {
				held = o
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	if held == nil {
		t.Fatal("no offer of agent 0 outstanding")
	}

	if err := srv.LoseAgent(agent0); err != nil {
		t.Fatal(err)
	}

	check := func(s *sub, taskID string, state mesosproto.TaskState, withOp bool) {
		t.Helper()
		evs := collectUntil(s, schedulerpb.Event_FAILURE)
		var order []schedulerpb.Event_Type
		for _, ev := range evs {
			order = append(order, ev.GetType())
			switch ev.GetType() {
			case schedulerpb.Event_UPDATE:
				st := ev.GetUpdate().GetStatus()
				if st.GetTaskId().GetValue() != taskID || st.GetState() != state || st.Uuid != nil ||
					st.GetReason() != mesosproto.TaskStatus_REASON_AGENT_REMOVED || st.GetSource() != mesosproto.TaskStatus_SOURCE_MASTER ||
					st.GetMessage() != "health check timed out" || st.GetUnreachableTime().GetNanoseconds() == 0 {
					t.Errorf("task update %v", st)
				}
			case schedulerpb.Event_UPDATE_OPERATION_STATUS:
				st := ev.GetUpdateOperationStatus().GetStatus()
				if st.GetState() != mesosproto.OperationState_OPERATION_UNREACHABLE || st.Uuid != nil || st.GetOperationId().GetValue() != "r1" {
					t.Errorf("operation update %v", st)
				}
			case schedulerpb.Event_RESCIND:
				if id := ev.GetRescind().GetOfferId().GetValue(); id != held.GetId().GetValue() {
					t.Errorf("rescinded %s, want %s", id, held.GetId().GetValue())
				}
			case schedulerpb.Event_FAILURE:
				f := ev.GetFailure()
				if f.GetAgentId().GetValue() != agent0 || f.ExecutorId != nil || f.Status != nil {
					t.Errorf("FAILURE %v", f)
				}
			}
		}
		want := []schedulerpb.Event_Type{}
		if withOp {
			want = append(want, schedulerpb.Event_UPDATE_OPERATION_STATUS)
		}
		if taskID != "" {
			want = append(want, schedulerpb.Event_UPDATE)
		}
		if held.GetFrameworkId().GetValue() == s.fwID {
			want = append(want, schedulerpb.Event_RESCIND)
		}
		want = append(want, schedulerpb.Event_FAILURE)
		if len(order) != len(want) {
			t.Fatalf("events %v, want %v", order, want)
		}
		for i := range want {
			if order[i] != want[i] {
				t.Fatalf("events %v, want %v", order, want)
			}
		}
	}
	check(p, "p-task", mesosproto.TaskState_TASK_UNREACHABLE, true)
	check(l, "l-task", mesosproto.TaskState_TASK_LOST, false)
	check(w, "", 0, false)
	if st, _ := srv.WaitTask(testCtx(t), "l-task", mesosproto.TaskState_TASK_LOST); st.GetReason() != mesosproto.TaskStatus_REASON_AGENT_REMOVED {
		t.Errorf("recorded %v", st)
	}

	// Reconciliation of the lost agent's tasks and operations.
	agent := &mesosproto.AgentID{Value: proto.String(agent0)}
	for _, tc := range []struct {
		s     *sub
		task  string
		state mesosproto.TaskState
	}{{p, "p-task", mesosproto.TaskState_TASK_UNREACHABLE}, {l, "l-task", mesosproto.TaskState_TASK_LOST}} {
		tc.s.mustCall(&schedulerpb.Call{Type: schedulerpb.Call_RECONCILE.Enum(), Reconcile: &schedulerpb.Call_Reconcile{Tasks: []*schedulerpb.Call_Reconcile_Task{
			{TaskId: &mesosproto.TaskID{Value: proto.String(tc.task)}, AgentId: agent}}}}, 202)
		st := tc.s.next(schedulerpb.Event_UPDATE).GetUpdate().GetStatus()
		if st.GetState() != tc.state || st.GetMessage() != "Reconciliation: Task is unreachable" || st.GetUnreachableTime().GetNanoseconds() == 0 ||
			st.GetReason() != mesosproto.TaskStatus_REASON_RECONCILIATION {
			t.Errorf("reconciliation %v", st)
		}
		// Implicit reconciliation no longer knows the task.
		tc.s.mustCall(reconcileCall(tc.s.fwID), 202)
		tc.s.noEvent(schedulerpb.Event_UPDATE, 100*time.Millisecond)
	}
	p.mustCall(&schedulerpb.Call{Type: schedulerpb.Call_RECONCILE_OPERATIONS.Enum(), ReconcileOperations: &schedulerpb.Call_ReconcileOperations{
		Operations: []*schedulerpb.Call_ReconcileOperations_Operation{{OperationId: opID("r1"), AgentId: agent}}}}, 202)
	if st := opUpdate(p); st.GetState() != mesosproto.OperationState_OPERATION_UNREACHABLE || st.GetMessage() != "Reconciliation: Agent is unreachable" {
		t.Errorf("operation reconciliation %v", st)
	}
	// The agent is never offered again.
	for _, o := range srv.Offers() {
		if o.GetAgentId().GetValue() == agent0 {
			t.Errorf("offer of the lost agent: %v", o)
		}
	}
	l.quiet(100 * time.Millisecond)
	for _, o := range srv.Offers() {
		if o.GetAgentId().GetValue() == agent0 {
			t.Errorf("offer of the lost agent: %v", o)
		}
	}
}
