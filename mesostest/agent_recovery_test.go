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

func explicitReconcile(tasks ...*schedulerpb.Call_Reconcile_Task) *schedulerpb.Call {
	return &schedulerpb.Call{Type: schedulerpb.Call_RECONCILE.Enum(), Reconcile: &schedulerpb.Call_Reconcile{Tasks: tasks}}
}

func reconcileTask(taskID, agentID string) *schedulerpb.Call_Reconcile_Task {
	rt := &schedulerpb.Call_Reconcile_Task{TaskId: &mesosproto.TaskID{Value: proto.String(taskID)}}
	if agentID != "" {
		rt.AgentId = &mesosproto.AgentID{Value: proto.String(agentID)}
	}
	return rt
}

// After a master failover, until the agents re-register: no offers,
// reconciliation silent about what may be on them (explicit and implicit),
// operations RECOVERING, KILL of their tasks silent; then everything comes
// back, including the pending operation feedback.
func TestAgentRecoveryAfterFailover(t *testing.T) {
	srv := newServer(t, WithAgents(2, "cpus:2;mem:512"), WithAgentReregisterDelay(time.Hour),
		WithUpdateRetryInterval(time.Hour), WithUpdateRetryMax(time.Hour))
	agent0, agent1 := srv.AgentIDs()[0], srv.AgentIDs()[1]
	fi := frameworkInfo("recovering")
	fi.FailoverTimeout = proto.Float64(3600)
	fi.Role = proto.String("web")
	s := newClient(t, srv, codecs[1]).subscribe(fi)
	launchOn(s, agent0, "t1")
	s.ack(s.update("t1", mesosproto.TaskState_TASK_STARTING))
	s.ack(s.update("t1", mesosproto.TaskState_TASK_RUNNING))
	o := offerWith(s, func(r *mesosproto.Resource) bool { return r.GetName() == "cpus" })
	s.mustCall(acceptOps(o, reserveOp("r1", reserved(scalar("cpus", 0.5), "web", "x"))), 202)
	opAgent := o.GetAgentId().GetValue()
	if st := opUpdate(s); st.GetState() != mesosproto.OperationState_OPERATION_FINISHED {
		t.Fatalf("RESERVE: %v", st)
	}

	if err := srv.Failover(); err != nil {
		t.Fatal(err)
	}
	s.waitEnd()
	s = newClient(t, srv, codecs[1]).subscribe(fi2(fi, s.fwID))

	// Nothing is offered, reconciliation says nothing about tasks the
	// master may not know yet, operations are RECOVERING.
	for _, call := range []*schedulerpb.Call{
		explicitReconcile(reconcileTask("t1", agent0)),
		explicitReconcile(reconcileTask("t1", "")),
		explicitReconcile(reconcileTask("ghost", agent1)),
		reconcileCall(s.fwID),
		{Type: schedulerpb.Call_KILL.Enum(), Kill: &schedulerpb.Call_Kill{TaskId: &mesosproto.TaskID{Value: proto.String("t1")}}},
	} {
		s.mustCall(call, 202)
	}
	s.mustCall(&schedulerpb.Call{Type: schedulerpb.Call_RECONCILE_OPERATIONS.Enum(), ReconcileOperations: &schedulerpb.Call_ReconcileOperations{
		Operations: []*schedulerpb.Call_ReconcileOperations_Operation{{OperationId: opID("r1"), AgentId: &mesosproto.AgentID{Value: proto.String(opAgent)}}}}}, 202)
	if st := opUpdate(s); st.GetState() != mesosproto.OperationState_OPERATION_RECOVERING ||
		st.GetMessage() != "Reconciliation: Agent is recovered but has not re-registered" || st.Uuid != nil {
		t.Errorf("operation reconciliation during recovery: %v", st)
	}
	deadline := time.After(200 * time.Millisecond)
wait:
	for {
		select {
		case ev := <-s.events:
			if typ := ev.GetType(); typ != schedulerpb.Event_HEARTBEAT {
				t.Fatalf("event while agents recover: %v", ev)
			}
		case <-deadline:
			break wait
		}
	}
	if n := len(srv.Offers()); n != 0 {
		t.Fatalf("%d offers while agents recover", n)
	}

	srv.ReregisterAgents()
	// The pending operation feedback comes at once; the task is known again.
	if st := opUpdate(s); st.GetState() != mesosproto.OperationState_OPERATION_FINISHED || st.Uuid == nil {
		t.Errorf("operation feedback after re-registration: %v", st)
	} else {
		ackOp(s, st)
	}
	s.mustCall(explicitReconcile(reconcileTask("t1", agent0)), 202)
	if st := s.next(schedulerpb.Event_UPDATE).GetUpdate().GetStatus(); st.GetState() != mesosproto.TaskState_TASK_RUNNING ||
		st.GetMessage() != "Reconciliation: Latest task state" {
		t.Errorf("reconciliation after re-registration: %v", st)
	}
	s.mustCall(explicitReconcile(reconcileTask("ghost", agent1)), 202)
	if st := s.next(schedulerpb.Event_UPDATE).GetUpdate().GetStatus(); st.GetState() != mesosproto.TaskState_TASK_LOST ||
		st.GetMessage() != "Reconciliation: Task is unknown to the agent" {
		t.Errorf("reconciliation of an unknown task: %v", st)
	}
	offerWith(s, func(*mesosproto.Resource) bool { return true })
	if _, err := srv.WaitTask(testCtx(t), "t1", mesosproto.TaskState_TASK_RUNNING); err != nil {
		t.Fatal(err) // the KILL during recovery was lost, as in Mesos
	}
	s.mustCall(&schedulerpb.Call{Type: schedulerpb.Call_TEARDOWN.Enum()}, 202)
}

// With a short delay, agents re-register by themselves.
func TestAgentReregisterDelay(t *testing.T) {
	srv := newServer(t, WithAgentReregisterDelay(150*time.Millisecond))
	fi := frameworkInfo("delay")
	fi.FailoverTimeout = proto.Float64(3600)
	s := newClient(t, srv, codecs[0]).subscribe(fi)
	s.offers()
	start := time.Now()
	if err := srv.Failover(); err != nil {
		t.Fatal(err)
	}
	s.waitEnd()
	s = newClient(t, srv, codecs[0]).subscribe(fi2(fi, s.fwID))
	s.offers()
	if el := time.Since(start); el < 150*time.Millisecond {
		t.Errorf("offered %v after the failover, before the agents re-registered", el)
	}
}
