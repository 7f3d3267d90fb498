// SPDX-License-Identifier: Apache-2.0

package mesostest

import (
	"net/http"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/schedulerpb"
)

// These tests follow src/launcher/default_executor.cpp: LAUNCH_GROUP with
// ExecutorInfo.type=DEFAULT runs every task of the group; when one fails or
// is killed, the others are killed.

func defaultExecutor(id string) *mesosproto.ExecutorInfo {
	return &mesosproto.ExecutorInfo{
		ExecutorId: &mesosproto.ExecutorID{Value: proto.String(id)},
		Type:       mesosproto.ExecutorInfo_DEFAULT.Enum(),
		Resources:  []*mesosproto.Resource{scalar("cpus", 0.1), scalar("mem", 32)},
	}
}

func launchGroupCall(o *mesosproto.Offer, ei *mesosproto.ExecutorInfo, tasks ...*mesosproto.TaskInfo) *schedulerpb.Call {
	return &schedulerpb.Call{Type: schedulerpb.Call_ACCEPT.Enum(), Accept: &schedulerpb.Call_Accept{
		OfferIds: []*mesosproto.OfferID{o.GetId()},
		Operations: []*mesosproto.Offer_Operation{{
			Type:        mesosproto.Offer_Operation_LAUNCH_GROUP.Enum(),
			LaunchGroup: &mesosproto.Offer_Operation_LaunchGroup{Executor: ei, TaskGroup: &mesosproto.TaskGroupInfo{Tasks: tasks}},
		}},
	}}
}

// One task of the group fails: the others, still running, are killed
// (TASK_KILLING for a capable framework, then TASK_KILLED); every update
// names the group's executor.
func TestDefaultExecutorGroupFailureKillsOthers(t *testing.T) {
	fi := frameworkInfo("group")
	fi.Capabilities = []*mesosproto.FrameworkInfo_Capability{{Type: mesosproto.FrameworkInfo_Capability_TASK_KILLING_STATE.Enum()}}
	for i, codec := range codecs {
		t.Run(codecName(codec), func(t *testing.T) {
			srv := newServer(t, WithAgents(1, "cpus:2;mem:1024")) // each framework gets the whole agent
			c := codecName(codec)
			s := newClient(t, srv, codecs[i]).subscribe(fi)
			o := s.offers()[0]
			exID := "default-" + c
			s.mustCall(launchGroupCall(o, defaultExecutor(exID),
				shellTask("fails-"+c, o, "sleep 0.3; exit 1"),
				shellTask("runs-"+c, o, "sleep 30"),
				shellTask("also-"+c, o, "sleep 30")), http.StatusAccepted)
			got := s.driveUpdates("fails-"+c, "runs-"+c, "also-"+c)
			run := []mesosproto.TaskState{mesosproto.TaskState_TASK_STARTING, mesosproto.TaskState_TASK_RUNNING}
			if sts := got["fails-"+c]; len(sts) == 1 {
				t.Fatalf("failing task: %v", sts[0])
			}
			if want := append(run, mesosproto.TaskState_TASK_FAILED); !equalStates(states(got["fails-"+c]), want) {
				t.Errorf("failing task: %v, want %v", states(got["fails-"+c]), want)
			}
			for _, id := range []string{"runs-" + c, "also-" + c} {
				want := append(run, mesosproto.TaskState_TASK_KILLING, mesosproto.TaskState_TASK_KILLED)
				if !equalStates(states(got[id]), want) {
					t.Errorf("%s: %v, want %v", id, states(got[id]), want)
				}
			}
			for id, sts := range got {
				for _, st := range sts {
					if st.GetExecutorId().GetValue() != exID || st.GetSource() != mesosproto.TaskStatus_SOURCE_EXECUTOR {
						t.Errorf("%s: update %v from executor %q source %v", id, st.GetState(), st.GetExecutorId().GetValue(), st.GetSource())
					}
				}
			}
			if t.Failed() {
				return
			}
			end := got["fails-"+c][2]
			if end.GetMessage() != "Command exited with status 1" {
				t.Errorf("failed task message %q", end.GetMessage())
			}
		})
	}
}

// Tasks that finish leave the rest of the group running; a KILL of one task
// (TASK_KILLED) then takes down the rest.
func TestDefaultExecutorGroupFinishAndKill(t *testing.T) {
	for i, codec := range codecs {
		t.Run(codecName(codec), func(t *testing.T) {
			srv := newServer(t, WithAgents(1, "cpus:2;mem:1024")) // each framework gets the whole agent
			c := codecName(codec)
			s := newClient(t, srv, codecs[i]).subscribe(frameworkInfo("group"))
			o := s.offers()[0]
			s.mustCall(launchGroupCall(o, defaultExecutor("ex-"+c),
				shellTask("done-"+c, o, "true"),
				shellTask("a-"+c, o, "sleep 30"),
				shellTask("b-"+c, o, "sleep 30")), http.StatusAccepted)
			got := s.driveUpdates("done-" + c)
			if sts := got["done-"+c]; sts[len(sts)-1].GetState() != mesosproto.TaskState_TASK_FINISHED {
				t.Fatalf("done: %v %v", states(sts), sts)
			}
			if _, err := srv.WaitTask(testCtx(t), "b-"+c, mesosproto.TaskState_TASK_RUNNING); err != nil {
				t.Fatal(err)
			}
			s.mustCall(&schedulerpb.Call{Type: schedulerpb.Call_KILL.Enum(), Kill: &schedulerpb.Call_Kill{
				TaskId: &mesosproto.TaskID{Value: proto.String("a-" + c)}, AgentId: o.GetAgentId()}}, http.StatusAccepted)
			more := s.driveUpdates("a-"+c, "b-"+c)
			for _, id := range []string{"a-" + c, "b-" + c} {
				sts := append(got[id], more[id]...)
				if sts[len(sts)-1].GetState() != mesosproto.TaskState_TASK_KILLED {
					t.Errorf("%s: %v, want it to end TASK_KILLED", id, states(sts))
				}
			}
		})
	}
}

// A task of the group fails its health check: it is killed (with
// healthy=false), which kills the rest of the group; every later terminal
// update of the executor says healthy=false (waited(): `unhealthy` is the
// executor's).
func TestDefaultExecutorGroupHealthCheck(t *testing.T) {
	for i, codec := range codecs {
		t.Run(codecName(codec), func(t *testing.T) {
			srv := newServer(t, WithAgents(1, "cpus:2;mem:1024"))
			c := codecName(codec)
			s := newClient(t, srv, codecs[i]).subscribe(frameworkInfo("group"))
			o := s.offers()[0]
			sick := shellTask("sick-"+c, o, "sleep 30")
			sick.HealthCheck = commandHealthCheck("exit 1", 1)
			s.mustCall(launchGroupCall(o, defaultExecutor("ex-"+c), sick, shellTask("fine-"+c, o, "sleep 30")), http.StatusAccepted)
			got := s.driveUpdates("sick-"+c, "fine-"+c)
			sts := got["sick-"+c]
			want := []mesosproto.TaskState{mesosproto.TaskState_TASK_STARTING, mesosproto.TaskState_TASK_RUNNING,
				mesosproto.TaskState_TASK_RUNNING, mesosproto.TaskState_TASK_KILLED}
			if !equalStates(states(sts), want) {
				t.Fatalf("sick: %v, want %v", states(sts), want)
			}
			if h := sts[2]; h.Healthy == nil || h.GetHealthy() || h.GetReason() != mesosproto.TaskStatus_REASON_TASK_HEALTH_CHECK_STATUS_UPDATED {
				t.Errorf("health update %v", h)
			}
			fine := got["fine-"+c]
			if end := fine[len(fine)-1]; end.GetState() != mesosproto.TaskState_TASK_KILLED || end.Healthy == nil || end.GetHealthy() {
				t.Errorf("fine: %v, last %v", states(fine), end)
			}
			if end := sts[3]; end.Healthy == nil || end.GetHealthy() {
				t.Errorf("sick terminal update %v", end)
			}
		})
	}
}

// SHUTDOWN of a default executor kills every task (TASK_KILLED) without
// the group rule's help (default_executor.cpp shutdown()).
func TestDefaultExecutorShutdown(t *testing.T) {
	for i, codec := range codecs {
		t.Run(codecName(codec), func(t *testing.T) {
			srv := newServer(t, WithAgents(1, "cpus:2;mem:1024"))
			c := codecName(codec)
			s := newClient(t, srv, codecs[i]).subscribe(frameworkInfo("group"))
			o := s.offers()[0]
			s.mustCall(launchGroupCall(o, defaultExecutor("ex-"+c), shellTask("a-"+c, o, "sleep 30"), shellTask("b-"+c, o, "sleep 30")),
				http.StatusAccepted)
			for _, id := range []string{"a-" + c, "b-" + c} {
				if _, err := srv.WaitTask(testCtx(t), id, mesosproto.TaskState_TASK_RUNNING); err != nil {
					t.Fatal(err)
				}
			}
			s.mustCall(&schedulerpb.Call{Type: schedulerpb.Call_SHUTDOWN.Enum(), Shutdown: &schedulerpb.Call_Shutdown{
				ExecutorId: &mesosproto.ExecutorID{Value: proto.String("ex-" + c)}, AgentId: o.GetAgentId()}}, http.StatusAccepted)
			got := s.driveUpdates("a-"+c, "b-"+c)
			for id, sts := range got {
				if end := sts[len(sts)-1]; end.GetState() != mesosproto.TaskState_TASK_KILLED || end.GetExecutorId().GetValue() != "ex-"+c {
					t.Errorf("%s: %v, last %v", id, states(sts), end)
				}
			}
		})
	}
}

// The master refuses a DEFAULT executor with a command, and a CUSTOM one
// without (src/master/validation.cpp executor::internal::validateType).
func TestDefaultExecutorValidation(t *testing.T) {
	for i, codec := range codecs {
		t.Run(codecName(codec), func(t *testing.T) {
			srv := newServer(t, WithAgents(1, "cpus:2;mem:1024"))
			c := codecName(codec)
			s := newClient(t, srv, codecs[i]).subscribe(frameworkInfo("group"))
			o := s.offers()[0]
			withCommand := defaultExecutor("ex-" + c)
			withCommand.Command = &mesosproto.CommandInfo{Value: proto.String("true")}
			call := launchGroupCall(o, withCommand, shellTask("a-"+c, o, "true"))
			call.Accept.Filters = &mesosproto.Filters{RefuseSeconds: proto.Float64(0)} // the offer comes back at once
			s.mustCall(call, http.StatusAccepted)
			st := s.update("a-"+c, mesosproto.TaskState_TASK_ERROR)
			if st.GetReason() != mesosproto.TaskStatus_REASON_TASK_GROUP_INVALID ||
				st.GetMessage() != "'ExecutorInfo.command' must not be set for 'DEFAULT' executor" {
				t.Errorf("DEFAULT with a command: %v", st)
			}
			o = s.offers()[0]
			custom := customExecutor("custom-" + c)
			custom.Command = nil
			s.mustCall(launchGroupCall(o, custom, shellTask("b-"+c, o, "true")), http.StatusAccepted)
			if st := s.update("b-"+c, mesosproto.TaskState_TASK_ERROR); st.GetMessage() != "'ExecutorInfo.command' must be set for 'CUSTOM' executor" {
				t.Errorf("CUSTOM without a command: %v", st)
			}
		})
	}
}

// Two task groups on one default executor: a failure kills only the rest of
// its own group (waited() walks container->taskGroup).
func TestDefaultExecutorGroupsAreIndependent(t *testing.T) {
	for i, codec := range codecs {
		t.Run(codecName(codec), func(t *testing.T) {
			srv := newServer(t, WithAgents(1, "cpus:4;mem:2048"))
			c := codecName(codec)
			s := newClient(t, srv, codecs[i]).subscribe(frameworkInfo("groups"))
			o := s.offers()[0]
			ei := defaultExecutor("shared-" + c)
			call := launchGroupCall(o, ei, shellTask("g1-bad-"+c, o, "sleep 0.3; exit 1"), shellTask("g1-long-"+c, o, "sleep 30"))
			second := launchGroupCall(o, ei, shellTask("g2-long-"+c, o, "sleep 30"))
			call.Accept.Operations = append(call.Accept.Operations, second.Accept.Operations...)
			s.mustCall(call, http.StatusAccepted)
			got := s.driveUpdates("g1-bad-"+c, "g1-long-"+c)
			if sts := got["g1-long-"+c]; sts[len(sts)-1].GetState() != mesosproto.TaskState_TASK_KILLED {
				t.Fatalf("g1-long: %v", states(sts))
			}
			// The group rule acts when g1-bad's terminal update is made, so a
			// wrong kill of g2-long would already be in its history.
			if st, err := srv.WaitTask(testCtx(t), "g2-long-"+c, mesosproto.TaskState_TASK_RUNNING); err != nil || st.GetExecutorId().GetValue() != "shared-"+c {
				t.Fatalf("g2-long: %v %v", st, err)
			}
			if sts := srv.TaskUpdates("g2-long-" + c); sts[len(sts)-1].GetState() != mesosproto.TaskState_TASK_RUNNING {
				t.Fatalf("g2-long: %v, want it still running on the shared executor", states(sts))
			}
		})
	}
}

// max_completion_time of a group task: it fails with
// REASON_MAX_COMPLETION_TIME_REACHED, which kills the rest of its group
// (default_executor.cpp maxCompletion(), waited()).
func TestDefaultExecutorGroupMaxCompletionTime(t *testing.T) {
	for i, codec := range codecs {
		t.Run(codecName(codec), func(t *testing.T) {
			srv := newServer(t, WithAgents(1, "cpus:2;mem:1024"))
			c := codecName(codec)
			s := newClient(t, srv, codecs[i]).subscribe(frameworkInfo("group"))
			o := s.offers()[0]
			late := shellTask("late-"+c, o, "sleep 30")
			late.MaxCompletionTime = &mesosproto.DurationInfo{Nanoseconds: proto.Int64(int64(300 * time.Millisecond))}
			s.mustCall(launchGroupCall(o, defaultExecutor("ex-"+c), late, shellTask("other-"+c, o, "sleep 30")), http.StatusAccepted)
			got := s.driveUpdates("late-"+c, "other-"+c)
			sts := got["late-"+c]
			if end := sts[len(sts)-1]; end.GetState() != mesosproto.TaskState_TASK_FAILED ||
				end.GetReason() != mesosproto.TaskStatus_REASON_MAX_COMPLETION_TIME_REACHED {
				t.Errorf("late: %v, last %v", states(sts), end)
			}
			if sts := got["other-"+c]; sts[len(sts)-1].GetState() != mesosproto.TaskState_TASK_KILLED {
				t.Errorf("other: %v", states(sts))
			}
		})
	}
}

// A task of a group may come without a command (Mesos does not require one: the container's image would
// run); with no image either, it fails to launch instead of crashing the agent (found by mesos-execute
// --task_group with a command-less task).
func TestDefaultExecutorTaskWithoutCommand(t *testing.T) {
	srv := newServer(t, WithAgents(1, "cpus:2;mem:1024"))
	s := newClient(t, srv, codecs[0]).subscribe(frameworkInfo("group"))
	o := s.offers()[0]
	bare := shellTask("bare", o, "true")
	bare.Command = nil
	s.mustCall(launchGroupCall(o, defaultExecutor("ex-bare"), bare), http.StatusAccepted)
	got := s.driveUpdates("bare")
	sts := got["bare"]
	if len(sts) == 0 || !mesosproto.IsTerminalState(sts[len(sts)-1].GetState()) ||
		sts[len(sts)-1].GetState() == mesosproto.TaskState_TASK_FINISHED {
		t.Fatalf("command-less task: %v, want it to end failed", states(sts))
	}
}
