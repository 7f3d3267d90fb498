// SPDX-License-Identifier: Apache-2.0

package mesostest

import (
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/executorpb"
	"github.com/mesoskit/mesoskit/mesosproto/schedulerpb"
)

// nextOffer waits up to 15 s for an OFFERS event, skipping other events,
// and returns its first offer.
func (s *sub) nextOffer() *mesosproto.Offer {
	s.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		if ev := s.nextAny(); ev.GetType() == schedulerpb.Event_OFFERS {
			return ev.GetOffers().GetOffers()[0]
		}
	}
	s.t.Fatal("no offer within 15s")
	return nil
}

func killCall(id string, o *mesosproto.Offer, grace *time.Duration) *schedulerpb.Call {
	k := &schedulerpb.Call_Kill{TaskId: &mesosproto.TaskID{Value: proto.String(id)}, AgentId: o.GetAgentId()}
	if grace != nil {
		k.KillPolicy = &mesosproto.KillPolicy{GracePeriod: &mesosproto.DurationInfo{Nanoseconds: proto.Int64(int64(*grace))}}
	}
	return &schedulerpb.Call{Type: schedulerpb.Call_KILL.Enum(), Kill: k}
}

func executorIDsOf(o *mesosproto.Offer) []string {
	var ids []string
	for _, id := range o.GetExecutorIds() {
		ids = append(ids, id.GetValue())
	}
	return ids
}

// Item 2 (executor::internal::validateCompatibleExecutorInfo and
// task::internal::validateExecutor in src/master/validation.cpp,
// Master::offer in src/master/master.cpp): a task naming a known executor
// with another ExecutorInfo gets TASK_ERROR; the executor's resources are
// charged once and held until it exits; offers list it in executor_ids.
func TestExecutorCompatibilityAndAccounting(t *testing.T) {
	for _, codec := range codecs {
		t.Run(codecName(codec), func(t *testing.T) {
			srv := newServer(t, WithAgents(1, "cpus:2;mem:1024"))
			s := newClient(t, srv, codec).subscribe(frameworkInfo("executors"))
			exID := "E-" + codecName(codec)
			ei := customExecutor(exID)
			ei.Resources = []*mesosproto.Resource{scalar("cpus", 0.5), scalar("mem", 64)}
			task := func(id string, cpus float64, ei *mesosproto.ExecutorInfo, o *mesosproto.Offer) *mesosproto.TaskInfo {
				ti := executorTask(id, o, ei)
				ti.Resources = []*mesosproto.Resource{scalar("cpus", cpus), scalar("mem", 32)}
				return ti
			}

			o := s.offers()[0]
			s.mustCall(launchOps(o, launchOp(task("e1", 0.5, ei, o))), http.StatusAccepted)
			o = s.nextOffer()
			if ids := executorIDsOf(o); len(ids) != 1 || ids[0] != exID {
				t.Errorf("offer executor_ids %v, want [%s]", ids, exID)
			}
			if c := offeredScalar(o, "cpus"); c != 1 {
				t.Errorf("offered cpus %v after task 0.5 + executor 0.5 of 2", c)
			}

			other := proto.Clone(ei).(*mesosproto.ExecutorInfo)
			other.Command.Value = proto.String("exec sleep 61")
			// e3 needs 0.75 cpus of the 1 left: only the task's, the executor's are charged already.
			s.mustCall(launchOps(o, launchOp(task("e2", 0.1, other, o), task("e1", 0.1, ei, o), task("e3", 0.75, ei, o))), http.StatusAccepted)
			st := s.untilUpdate("e2", mesosproto.TaskState_TASK_ERROR)
			const line = "------------------------------------------------------------\n"
			head := "ExecutorInfo is not compatible with existing ExecutorInfo with same ExecutorID.\n" + line +
				"Existing ExecutorInfo:\nexecutor_id {\n  value: \"" + exID + "\"\n}\nresources {\n  name: \"cpus\"\n"
			if msg := st.GetMessage(); !strings.HasPrefix(msg, head) || !strings.HasSuffix(msg, line) ||
				!strings.Contains(msg, "\nExecutorInfo:\nexecutor_id {\n") || !strings.Contains(msg, "command {\n  value: \"exec sleep 61\"\n") ||
				!strings.Contains(msg, "}\nframework_id {\n  value: \""+s.fwID+"\"\n}\n") ||
				!strings.Contains(msg, "type: CUSTOM\n") || st.GetReason() != mesosproto.TaskStatus_REASON_TASK_INVALID {
				t.Errorf("incompatible executor: %v %q", st.GetReason(), msg)
			}
			// The refusal is about the new task: no executor_id of the live e1.
			if st := s.untilUpdate("e1", mesosproto.TaskState_TASK_ERROR); st.GetMessage() != "Task has duplicate ID: e1" || st.ExecutorId != nil {
				t.Errorf("duplicate id: %v", st)
			}
			o = s.nextOffer()
			if c := offeredScalar(o, "cpus"); c != 0.25 {
				t.Errorf("offered cpus %v after e3 (0.75) on the running executor, want 0.25", c)
			}

			// The tasks end (killed before delivery: the executor never
			// subscribes); the executor lives on and keeps its resources.
			s.mustCall(&schedulerpb.Call{Type: schedulerpb.Call_SUPPRESS.Enum()}, http.StatusAccepted)
			s.mustCall(declineCall(o, &mesosproto.Filters{RefuseSeconds: proto.Float64(0)}), http.StatusAccepted)
			for _, id := range []string{"e1", "e3"} {
				s.mustCall(killCall(id, o, nil), http.StatusAccepted)
				s.untilUpdate(id, mesosproto.TaskState_TASK_KILLED)
			}
			s.mustCall(&schedulerpb.Call{Type: schedulerpb.Call_REVIVE.Enum()}, http.StatusAccepted)
			o = s.nextOffer()
			if c := offeredScalar(o, "cpus"); c != 1.5 {
				t.Errorf("offered cpus %v while the executor (0.5) lives, want 1.5", c)
			}
			if ids := executorIDsOf(o); len(ids) != 1 || ids[0] != exID {
				t.Errorf("offer executor_ids %v, want [%s]", ids, exID)
			}
			// Its exit gives them back.
			if err := srv.KillExecutor(s.fwID, exID); err != nil {
				t.Fatal(err)
			}
			o = s.nextOffer()
			if c := offeredScalar(o, "cpus"); c != 0.5 || len(o.GetExecutorIds()) != 0 {
				t.Errorf("offer after the executor exited: cpus %v, executor_ids %v; want 0.5 and none", c, executorIDsOf(o))
			}
		})
	}
}

// Item 5 (HierarchicalAllocatorProcess::deactivateFramework,
// src/master/allocator/mesos/hierarchical.cpp): the refusal filters of a
// framework end when its stream does, so a resubscribing framework is
// offered what it declined.
func TestFiltersEndWithSubscription(t *testing.T) {
	srv := newServer(t)
	for _, codec := range codecs {
		t.Run(codecName(codec), func(t *testing.T) {
			c := newClient(t, srv, codec)
			fi := frameworkInfo("filters")
			fi.FailoverTimeout = proto.Float64(60)
			s := c.subscribe(fi)
			o := s.offers()[0]
			s.mustCall(declineCall(o, &mesosproto.Filters{RefuseSeconds: proto.Float64(3600)}), http.StatusAccepted)
			s.cancel()
			if _, err := srv.WaitFramework(testCtx(t), s.fwID, FrameworkDisconnected); err != nil {
				t.Fatal(err)
			}
			fi.Id = &mesosproto.FrameworkID{Value: proto.String(s.fwID)}
			s2 := c.subscribe(fi)
			if o2 := s2.nextOffer(); offeredScalar(o2, "cpus") != offeredScalar(o, "cpus") {
				t.Errorf("offer after resubscribing: %v", o2)
			}
			s2.mustCall(&schedulerpb.Call{Type: schedulerpb.Call_TEARDOWN.Enum()}, http.StatusAccepted)
		})
	}
}

// Item 5 (validation::framework::validate's validateOfferFilters,
// src/master/validation.cpp and src/common/validation.cpp;
// HierarchicalAllocatorProcess::isAllocatable): FrameworkInfo.offer_filters
// are validated, and their minimum allocatable resources replace the
// master's default minimum for that role.
func TestFrameworkOfferFilters(t *testing.T) {
	// Below the default minimum (cpus:0.01|mem:32): never offered by default.
	srv := newServer(t, WithAgents(1, "cpus:0.005;mem:16;disk:100"))
	for _, codec := range codecs {
		t.Run(codecName(codec), func(t *testing.T) {
			c := newClient(t, srv, codec)
			bad := frameworkInfo("bad-filters")
			bad.OfferFilters = map[string]*mesosproto.OfferFilters{"*": {MinAllocatableResources: &mesosproto.OfferFilters_MinAllocatableResources{
				Quantities: []*mesosproto.OfferFilters_ResourceQuantities{{Quantities: map[string]*mesosproto.Value_Scalar{"cpus": {Value: proto.Float64(-1)}}}}}}}
			st := c.open(subscribeCall(bad))
			if ev := st.nextAny(); ev.GetType() != schedulerpb.Event_ERROR ||
				ev.GetError().GetMessage() != "Invalid resource quantity for 'cpus': Negative values not supported" {
				t.Errorf("SUBSCRIBE with a negative quantity: %v", ev)
			}

			fi := frameworkInfo("disk-only")
			fi.OfferFilters = map[string]*mesosproto.OfferFilters{"*": {MinAllocatableResources: &mesosproto.OfferFilters_MinAllocatableResources{
				Quantities: []*mesosproto.OfferFilters_ResourceQuantities{
					{Quantities: map[string]*mesosproto.Value_Scalar{"disk": {Value: proto.Float64(500)}}},
					{Quantities: map[string]*mesosproto.Value_Scalar{"disk": {Value: proto.Float64(50)}, "mem": {Value: proto.Float64(16)}}},
				}}}}
			s := c.subscribe(fi)
			if o := s.nextOffer(); offeredScalar(o, "disk") != 100 {
				t.Errorf("offer %v", o)
			}
			s.mustCall(&schedulerpb.Call{Type: schedulerpb.Call_TEARDOWN.Enum()}, http.StatusAccepted)
		})
	}
}

// Item 6 (src/launcher/executor.cpp shutdown(); Master::reconcile with
// protobuf::createTask in src/master/master.cpp and
// src/common/protobuf_utils.cpp): SHUTDOWN of a command executor (its id is
// the task's) kills the task; the master's updates of command tasks have no
// executor_id.
func TestCommandExecutorShutdown(t *testing.T) {
	srv := newServer(t, WithAgents(1, "cpus:4;mem:1024"))
	for _, codec := range codecs {
		t.Run(codecName(codec), func(t *testing.T) {
			s := newClient(t, srv, codec).subscribe(killingFramework())
			o := s.offers()[0]
			id := codecName(codec) + "-shut"
			shut := shellTask(id, o, "exec sleep 60")
			s.mustCall(launchCall(o, nil, shut), http.StatusAccepted)
			s.ack(s.untilUpdate(id, mesosproto.TaskState_TASK_STARTING))
			s.ack(s.untilUpdate(id, mesosproto.TaskState_TASK_RUNNING))

			s.mustCall(&schedulerpb.Call{Type: schedulerpb.Call_RECONCILE.Enum(), Reconcile: &schedulerpb.Call_Reconcile{
				Tasks: []*schedulerpb.Call_Reconcile_Task{{TaskId: shut.TaskId, AgentId: o.GetAgentId()}}}}, http.StatusAccepted)
			if st := s.untilUpdate(id, mesosproto.TaskState_TASK_RUNNING); st.GetReason() != mesosproto.TaskStatus_REASON_RECONCILIATION || st.ExecutorId != nil {
				t.Errorf("reconciliation of a command task: %v", st)
			}

			s.mustCall(&schedulerpb.Call{Type: schedulerpb.Call_SHUTDOWN.Enum(), Shutdown: &schedulerpb.Call_Shutdown{
				ExecutorId: &mesosproto.ExecutorID{Value: proto.String(id)}, AgentId: o.GetAgentId()}}, http.StatusAccepted)
			s.ack(s.untilUpdate(id, mesosproto.TaskState_TASK_KILLING))
			if st := s.untilUpdate(id, mesosproto.TaskState_TASK_KILLED); st.GetMessage() != "Command terminated with signal Terminated" ||
				st.GetExecutorId().GetValue() != id {
				t.Errorf("shut down: %v", st)
			}
		})
	}
}

func killingFramework() *mesosproto.FrameworkInfo {
	fi := frameworkInfo("command-executor")
	fi.Capabilities = []*mesosproto.FrameworkInfo_Capability{{Type: mesosproto.FrameworkInfo_Capability_TASK_KILLING_STATE.Enum()}}
	return fi
}

// Item 6 (src/launcher/executor.cpp kill(taskId, gracePeriod)): a further
// KILL can only shorten the escalation: a longer grace period is a no-op,
// a shorter one re-schedules the SIGKILL.
func TestKillShortensGracePeriod(t *testing.T) {
	srv := newServer(t, WithAgents(1, "cpus:4;mem:1024"))
	for _, codec := range codecs {
		t.Run(codecName(codec), func(t *testing.T) {
			s := newClient(t, srv, codec).subscribe(killingFramework())
			o := s.offers()[0]
			id := codecName(codec) + "-stubborn"
			ready := filepath.Join(t.TempDir(), "ready")
			stubborn := shellTask(id, o, `trap "" TERM; touch `+ready+`; exec sleep 60`)
			stubborn.KillPolicy = &mesosproto.KillPolicy{GracePeriod: &mesosproto.DurationInfo{Nanoseconds: proto.Int64(int64(time.Minute))}}
			s.mustCall(launchCall(o, nil, stubborn), http.StatusAccepted)
			s.ack(s.untilUpdate(id, mesosproto.TaskState_TASK_STARTING))
			s.ack(s.untilUpdate(id, mesosproto.TaskState_TASK_RUNNING))
			waitFile(t, ready)

			s.mustCall(killCall(id, o, nil), http.StatusAccepted) // SIGTERM, ignored; SIGKILL in a minute
			s.ack(s.untilUpdate(id, mesosproto.TaskState_TASK_KILLING))
			longer := 2 * time.Minute
			s.mustCall(killCall(id, o, &longer), http.StatusAccepted) // cannot extend: a no-op
			none := time.Duration(0)
			s.mustCall(killCall(id, o, &none), http.StatusAccepted) // SIGKILL now
			if st := s.untilUpdate(id, mesosproto.TaskState_TASK_KILLED); st.GetMessage() != "Command terminated with signal Killed" {
				t.Errorf("re-scheduled kill: %q", st.GetMessage())
			}
		})
	}
}

// waitFile polls for a file the task creates once it is set up.
func waitFile(t *testing.T, path string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, err := os.Stat(path)
		if err == nil {
			return
		}
		if !errors.Is(err, os.ErrNotExist) || time.Now().After(deadline) {
			t.Fatalf("waiting for %s: %v", path, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Item 6 (Slave::statusUpdate and Slave::___statusUpdate in
// src/slave/slave.cpp, Master::statusUpdate in src/master/master.cpp): an
// executor's UPDATE for a task the agent does not know reaches the
// framework, with its uuid, and the executor gets no ACKNOWLEDGED for it.
func TestExecutorUpdateForUnknownTask(t *testing.T) {
	srv := newServer(t, WithAgents(1, "cpus:4;mem:1024"))
	for _, codec := range codecs {
		t.Run(codecName(codec), func(t *testing.T) {
			s := newClient(t, srv, codec).subscribe(frameworkInfo("unknown-update"))
			o := s.offers()[0]
			exID, taskID, ghost := "x-"+codecName(codec), "real-"+codecName(codec), "ghost-"+codecName(codec)
			s.mustCall(launchCall(o, nil, executorTask(taskID, o, customExecutor(exID))), http.StatusAccepted)
			st, err := srv.WaitExecutor(testCtx(t), s.fwID, exID, func(st ExecutorStatus) bool { return st.PID != 0 })
			if err != nil {
				t.Fatal(err)
			}
			e := newExecClient(t, st, "")
			es := e.subscribe(nil)
			es.next(executorpb.Event_SUBSCRIBED)
			es.next(executorpb.Event_LAUNCH)

			ghostUUID := newUUIDBytes()
			if r := e.post(e.update(ghost, mesosproto.TaskState_TASK_RUNNING, ghostUUID)); r.status != http.StatusAccepted {
				t.Fatalf("UPDATE for an unknown task: %d %q", r.status, r.body)
			}
			up := s.untilUpdate(ghost, mesosproto.TaskState_TASK_RUNNING)
			if string(up.GetUuid()) != string(ghostUUID) || up.GetSource() != mesosproto.TaskStatus_SOURCE_EXECUTOR ||
				up.GetAgentId().GetValue() != o.GetAgentId().GetValue() || up.GetExecutorId().GetValue() != exID {
				t.Errorf("forwarded update %v", up)
			}
			s.ack(up)

			// The next ACKNOWLEDGED is the known task's, not the ghost's.
			realUUID := newUUIDBytes()
			if r := e.post(e.update(taskID, mesosproto.TaskState_TASK_RUNNING, realUUID)); r.status != http.StatusAccepted {
				t.Fatalf("UPDATE: %d %q", r.status, r.body)
			}
			if a := es.next(executorpb.Event_ACKNOWLEDGED).GetAcknowledged(); a.GetTaskId().GetValue() != taskID {
				t.Errorf("ACKNOWLEDGED for %s, want only %s's", a.GetTaskId().GetValue(), taskID)
			}
		})
	}
}

// Item 2 for task groups (group::internal::validateExecutor in
// src/master/validation.cpp adds the executor's resources only when the
// executor is new on the agent).
func TestTaskGroupExecutorChargedOnce(t *testing.T) {
	for _, codec := range codecs {
		t.Run(codecName(codec), func(t *testing.T) {
			srv := newServer(t, WithAgents(1, "cpus:2;mem:1024"))
			s := newClient(t, srv, codec).subscribe(frameworkInfo("groups"))
			exID := "G-" + codecName(codec)
			ei := customExecutor(exID)
			ei.Resources = []*mesosproto.Resource{scalar("cpus", 0.5), scalar("mem", 64)}
			group := func(id string, cpus float64, o *mesosproto.Offer) *mesosproto.Offer_Operation {
				ti := executorTask(id, o, nil)
				ti.Executor = nil
				ti.Resources = []*mesosproto.Resource{scalar("cpus", cpus), scalar("mem", 32)}
				return &mesosproto.Offer_Operation{Type: mesosproto.Offer_Operation_LAUNCH_GROUP.Enum(),
					LaunchGroup: &mesosproto.Offer_Operation_LaunchGroup{Executor: ei, TaskGroup: &mesosproto.TaskGroupInfo{Tasks: []*mesosproto.TaskInfo{ti}}}}
			}
			o := s.offers()[0]
			s.mustCall(launchOps(o, group("g1", 0.5, o)), http.StatusAccepted)
			o = s.nextOffer()
			if c := offeredScalar(o, "cpus"); c != 1 {
				t.Errorf("offered cpus %v after task 0.5 + executor 0.5 of 2", c)
			}
			s.mustCall(launchOps(o, group("g2", 0.75, o)), http.StatusAccepted)
			o = s.nextOffer()
			if c := offeredScalar(o, "cpus"); c != 0.25 {
				t.Errorf("offered cpus %v after a second group (0.75) on the executor, want 0.25", c)
			}
		})
	}
}
