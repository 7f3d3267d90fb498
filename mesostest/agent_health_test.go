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

// These tests follow src/launcher/executor.cpp (the command executor) and
// src/checks/health_checker.cpp, checker.cpp: health and check results reach
// the framework as TASK_RUNNING updates made from the last one, a failing
// health check kills the task, max_completion_time fails it.

// driveUpdates acknowledges every UPDATE and returns each task's updates in
// order, until every task listed has sent its terminal update.
func (s *sub) driveUpdates(ids ...string) map[string][]*mesosproto.TaskStatus {
	s.t.Helper()
	got := map[string][]*mesosproto.TaskStatus{}
	open := map[string]bool{}
	for _, id := range ids {
		open[id] = true
	}
	for len(open) > 0 {
		st := s.nextSkip(schedulerpb.Event_UPDATE).GetUpdate().GetStatus()
		id := st.GetTaskId().GetValue()
		got[id] = append(got[id], st)
		if len(st.GetUuid()) > 0 {
			s.ack(st)
		}
		if mesosproto.IsTerminalState(st.GetState()) {
			delete(open, id)
		}
	}
	return got
}

func commandHealthCheck(cmd string, failures uint32) *mesosproto.HealthCheck {
	return &mesosproto.HealthCheck{
		Type:                mesosproto.HealthCheck_COMMAND.Enum(),
		Command:             &mesosproto.CommandInfo{Value: proto.String(cmd)},
		DelaySeconds:        proto.Float64(0),
		IntervalSeconds:     proto.Float64(0.05),
		GracePeriodSeconds:  proto.Float64(0),
		ConsecutiveFailures: proto.Uint32(failures),
		TimeoutSeconds:      proto.Float64(5),
	}
}

func states(sts []*mesosproto.TaskStatus) []mesosproto.TaskState {
	out := make([]mesosproto.TaskState, 0, len(sts))
	for _, st := range sts {
		out = append(out, st.GetState())
	}
	return out
}

// launchOne subscribes a framework and launches task on the first offer.
func launchOne(t *testing.T, srv *Server, codec int, fi *mesosproto.FrameworkInfo, build func(o *mesosproto.Offer) *mesosproto.TaskInfo) *sub {
	t.Helper()
	s := newClient(t, srv, codecs[codec]).subscribe(fi)
	o := s.offers()[0]
	s.mustCall(launchCall(o, nil, build(o)), http.StatusAccepted)
	return s
}

// A COMMAND health check that keeps failing: one TASK_RUNNING update with
// healthy=false and REASON_TASK_HEALTH_CHECK_STATUS_UPDATED per failure;
// at consecutive_failures the task is killed, and its TASK_KILLED says
// healthy=false (executor.cpp taskHealthUpdated, reaped()).
func TestCommandTaskFailingHealthCheckKills(t *testing.T) {
	for i, codec := range codecs {
		t.Run(codecName(codec), func(t *testing.T) {
			srv := newServer(t, WithAgents(1, "cpus:2;mem:1024")) // each framework gets the whole agent
			id := "unhealthy-" + codecName(codec)
			s := launchOne(t, srv, i, frameworkInfo("health"), func(o *mesosproto.Offer) *mesosproto.TaskInfo {
				ti := shellTask(id, o, "sleep 30")
				ti.HealthCheck = commandHealthCheck("exit 1", 2)
				return ti
			})
			sts := s.driveUpdates(id)[id]
			want := []mesosproto.TaskState{mesosproto.TaskState_TASK_STARTING, mesosproto.TaskState_TASK_RUNNING,
				mesosproto.TaskState_TASK_RUNNING, mesosproto.TaskState_TASK_RUNNING, mesosproto.TaskState_TASK_KILLED}
			if got := states(sts); !equalStates(got, want) {
				t.Fatalf("states %v, want %v", got, want)
			}
			for _, st := range sts[2:4] {
				if st.Healthy == nil || st.GetHealthy() || st.GetReason() != mesosproto.TaskStatus_REASON_TASK_HEALTH_CHECK_STATUS_UPDATED ||
					st.GetSource() != mesosproto.TaskStatus_SOURCE_EXECUTOR || st.GetExecutorId().GetValue() != id {
					t.Errorf("health update %v", st)
				}
			}
			if sts[1].Healthy != nil {
				t.Errorf("TASK_RUNNING before any health result has healthy=%v", sts[1].GetHealthy())
			}
			end := sts[4]
			if end.Healthy == nil || end.GetHealthy() || end.GetMessage() != "Command terminated with signal Terminated" {
				t.Errorf("terminal update %v", end)
			}
		})
	}
}

// A passing health check: one TASK_RUNNING update with healthy=true, and no
// more while it keeps passing (HealthChecker::success).
func TestCommandTaskHealthyUpdate(t *testing.T) {
	for i, codec := range codecs {
		t.Run(codecName(codec), func(t *testing.T) {
			srv := newServer(t, WithAgents(1, "cpus:2;mem:1024")) // each framework gets the whole agent
			id := "healthy-" + codecName(codec)
			s := launchOne(t, srv, i, frameworkInfo("health"), func(o *mesosproto.Offer) *mesosproto.TaskInfo {
				ti := shellTask(id, o, "sleep 30")
				ti.HealthCheck = commandHealthCheck("true", 3)
				return ti
			})
			for _, want := range []mesosproto.TaskState{mesosproto.TaskState_TASK_STARTING, mesosproto.TaskState_TASK_RUNNING} {
				s.ack(s.update(id, want))
			}
			st := s.update(id, mesosproto.TaskState_TASK_RUNNING)
			if st.Healthy == nil || !st.GetHealthy() || st.GetReason() != mesosproto.TaskStatus_REASON_TASK_HEALTH_CHECK_STATUS_UPDATED {
				t.Fatalf("health update %v", st)
			}
			s.ack(st)
			s.quiet(300 * time.Millisecond) // later successes are not reported
			// Reconciliation reports the latest health (Master::reconcile,
			// protobuf::getTaskHealth).
			s.mustCall(&schedulerpb.Call{Type: schedulerpb.Call_RECONCILE.Enum(), Reconcile: &schedulerpb.Call_Reconcile{}}, http.StatusAccepted)
			rec := s.update(id, mesosproto.TaskState_TASK_RUNNING)
			if rec.GetReason() != mesosproto.TaskStatus_REASON_RECONCILIATION || rec.Healthy == nil || !rec.GetHealthy() {
				t.Errorf("reconciliation %v", rec)
			}
			s.mustCall(&schedulerpb.Call{Type: schedulerpb.Call_KILL.Enum(), Kill: &schedulerpb.Call_Kill{
				TaskId: st.GetTaskId(), AgentId: st.GetAgentId()}}, http.StatusAccepted)
			end := s.update(id, mesosproto.TaskState_TASK_KILLED)
			if end.Healthy != nil {
				t.Errorf("terminal update of a healthy task killed by the framework has healthy=%v", end.GetHealthy())
			}
			s.ack(end)
		})
	}
}

// A COMMAND check: every update carries a check_status of the check's type
// (empty until a result), and a result reaches the framework as TASK_RUNNING
// with REASON_TASK_CHECK_STATUS_UPDATED (executor.cpp createTaskStatus,
// taskCheckUpdated).
func TestCommandTaskCheckStatus(t *testing.T) {
	for i, codec := range codecs {
		t.Run(codecName(codec), func(t *testing.T) {
			srv := newServer(t, WithAgents(1, "cpus:2;mem:1024")) // each framework gets the whole agent
			id := "checked-" + codecName(codec)
			s := launchOne(t, srv, i, frameworkInfo("check"), func(o *mesosproto.Offer) *mesosproto.TaskInfo {
				ti := shellTask(id, o, "sleep 30")
				ti.Check = &mesosproto.CheckInfo{
					Type:            mesosproto.CheckInfo_COMMAND.Enum(),
					Command:         &mesosproto.CheckInfo_Command{Command: &mesosproto.CommandInfo{Value: proto.String("exit 3")}},
					DelaySeconds:    proto.Float64(0),
					IntervalSeconds: proto.Float64(0.05),
				}
				return ti
			})
			var sts []*mesosproto.TaskStatus
			for _, want := range []mesosproto.TaskState{mesosproto.TaskState_TASK_STARTING, mesosproto.TaskState_TASK_RUNNING, mesosproto.TaskState_TASK_RUNNING} {
				st := s.update(id, want)
				s.ack(st)
				sts = append(sts, st)
			}
			s.mustCall(&schedulerpb.Call{Type: schedulerpb.Call_KILL.Enum(), Kill: &schedulerpb.Call_Kill{
				TaskId: sts[0].GetTaskId(), AgentId: sts[0].GetAgentId()}}, http.StatusAccepted)
			sts = append(sts, s.update(id, mesosproto.TaskState_TASK_KILLED))
			for _, j := range []int{0, 1, 3} {
				cs := sts[j].GetCheckStatus()
				if cs.GetType() != mesosproto.CheckInfo_COMMAND || cs.GetCommand() == nil || cs.GetCommand().ExitCode != nil {
					t.Errorf("update %d (%v): check_status %v, want an empty COMMAND one", j, sts[j].GetState(), cs)
				}
			}
			if cs := sts[2].GetCheckStatus(); sts[2].GetReason() != mesosproto.TaskStatus_REASON_TASK_CHECK_STATUS_UPDATED ||
				cs.GetCommand().GetExitCode() != 3 {
				t.Errorf("check update %v", sts[2])
			}
		})
	}
}

// max_completion_time: the task is killed at once, without TASK_KILLING, and
// fails with REASON_MAX_COMPLETION_TIME_REACHED (taskCompletionTimeout,
// reaped()).
func TestCommandTaskMaxCompletionTime(t *testing.T) {
	fi := frameworkInfo("deadline")
	fi.Capabilities = []*mesosproto.FrameworkInfo_Capability{{Type: mesosproto.FrameworkInfo_Capability_TASK_KILLING_STATE.Enum()}}
	for i, codec := range codecs {
		t.Run(codecName(codec), func(t *testing.T) {
			srv := newServer(t, WithAgents(1, "cpus:2;mem:1024")) // each framework gets the whole agent
			id := "deadline-" + codecName(codec)
			s := launchOne(t, srv, i, fi, func(o *mesosproto.Offer) *mesosproto.TaskInfo {
				ti := shellTask(id, o, "sleep 30")
				ti.MaxCompletionTime = &mesosproto.DurationInfo{Nanoseconds: proto.Int64(int64(300 * time.Millisecond))}
				return ti
			})
			sts := s.driveUpdates(id)[id]
			want := []mesosproto.TaskState{mesosproto.TaskState_TASK_STARTING, mesosproto.TaskState_TASK_RUNNING, mesosproto.TaskState_TASK_FAILED}
			if got := states(sts); !equalStates(got, want) {
				t.Fatalf("states %v, want %v", got, want)
			}
			end := sts[2]
			if end.GetReason() != mesosproto.TaskStatus_REASON_MAX_COMPLETION_TIME_REACHED || !hasPrefix(end.GetMessage(), "Command terminated with signal ") {
				t.Errorf("terminal update %v", end)
			}
		})
	}
}
