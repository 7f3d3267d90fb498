// SPDX-License-Identifier: Apache-2.0

//go:build unix

package executor

import (
	"context"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/executorpb"
)

func launchGroup(t *testing.T, x *Executor, c Command, tasks ...*mesosproto.TaskInfo) {
	t.Helper()
	x.mu.Lock()
	for _, task := range tasks {
		x.trackLaunchLocked(task)
	}
	x.mu.Unlock()
	ev := &executorpb.Event{Type: executorpb.Event_LAUNCH_GROUP.Enum(), LaunchGroup: &executorpb.Event_LaunchGroup{
		TaskGroup: &mesosproto.TaskGroupInfo{Tasks: tasks}}}
	if err := c.HandleEvent(context.Background(), x, ev); err != nil {
		t.Fatal(err)
	}
}

// collect reads updates until every task listed has reached its terminal
// state, and returns each task's states in order.
func (s *sink) collect(t *testing.T, ids ...string) map[string][]mesosproto.TaskState {
	t.Helper()
	got := map[string][]mesosproto.TaskState{}
	open := len(ids)
	for open > 0 {
		st := s.next(t)
		id := st.GetTaskId().GetValue()
		got[id] = append(got[id], st.GetState())
		if mesosproto.IsTerminalState(st.GetState()) {
			open--
		}
	}
	return got
}

// collectStarted reads updates until n tasks are TASK_RUNNING.
func (s *sink) collectStarted(t *testing.T, n int) {
	t.Helper()
	for n > 0 {
		if st := s.next(t); st.GetState() == mesosproto.TaskState_TASK_RUNNING {
			n--
		}
	}
}

func statesEqual(a, b []mesosproto.TaskState) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// src/launcher/default_executor.cpp waited(): a task of the group that
// fails has the others killed (TASK_KILLING for a capable framework, then
// TASK_KILLED); one that finishes does not.
func TestCommandKillGroupOnFailure(t *testing.T) {
	t.Parallel()
	x, s := newSinkExecutor(t, true)
	c := Command{KillGroupOnFailure: true}
	launchGroup(t, x, c, shellTask("ok", "true"), shellTask("bad", "sleep 0.3; exit 2"),
		shellTask("b", "sleep 30"), shellTask("c", "sleep 30"))
	got := s.collect(t, "ok", "bad", "b", "c")
	run := []mesosproto.TaskState{mesosproto.TaskState_TASK_STARTING, mesosproto.TaskState_TASK_RUNNING}
	if want := append(run, mesosproto.TaskState_TASK_FINISHED); !statesEqual(got["ok"], want) {
		t.Errorf("ok: %v, want %v", got["ok"], want)
	}
	if want := append(run, mesosproto.TaskState_TASK_FAILED); !statesEqual(got["bad"], want) {
		t.Errorf("bad: %v, want %v", got["bad"], want)
	}
	for _, id := range []string{"b", "c"} {
		if want := append(run, mesosproto.TaskState_TASK_KILLING, mesosproto.TaskState_TASK_KILLED); !statesEqual(got[id], want) {
			t.Errorf("%s: %v, want %v", id, got[id], want)
		}
	}
}

// A task that fails at once, before the rest of its group has started, still
// takes the group down, as the default executor waits on its tasks only once
// all are launched.
func TestCommandKillGroupEarlyFailure(t *testing.T) {
	t.Parallel()
	x, s := newSinkExecutor(t, false)
	bad := shellTask("bad", "/nonexistent/mesoskit-test")
	bad.Command.Shell = new(bool) // shell=false: a program that does not exist fails to launch
	launchGroup(t, x, Command{KillGroupOnFailure: true}, bad, shellTask("b", "sleep 30"))
	got := s.collect(t, "bad", "b")
	if want := []mesosproto.TaskState{mesosproto.TaskState_TASK_STARTING, mesosproto.TaskState_TASK_FAILED}; !statesEqual(got["bad"], want) {
		t.Errorf("bad: %v, want %v", got["bad"], want)
	}
	if want := []mesosproto.TaskState{mesosproto.TaskState_TASK_STARTING, mesosproto.TaskState_TASK_RUNNING,
		mesosproto.TaskState_TASK_KILLED}; !statesEqual(got["b"], want) {
		t.Errorf("b: %v, want %v", got["b"], want)
	}
}

// A KILL of one task (ending TASK_KILLED) kills the rest of its group; other
// groups and tasks launched alone are not touched.
func TestCommandKillGroupOnKill(t *testing.T) {
	t.Parallel()
	x, s := newSinkExecutor(t, false)
	c := Command{KillGroupOnFailure: true}
	launchGroup(t, x, c, shellTask("a", "sleep 30"), shellTask("b", "sleep 30"))
	launchGroup(t, x, c, shellTask("other", "sleep 30"))
	launch(t, x, c, shellTask("alone", "sleep 30"))
	s.collectStarted(t, 4)
	killEvent(t, x, c, "a", -1)
	got := s.collect(t, "a", "b")
	if got["a"][len(got["a"])-1] != mesosproto.TaskState_TASK_KILLED || got["b"][len(got["b"])-1] != mesosproto.TaskState_TASK_KILLED {
		t.Fatalf("a %v, b %v", got["a"], got["b"])
	}
	if len(got) != 2 {
		t.Fatalf("updates of other tasks: %v", got)
	}
	s.quiet(t, 300*time.Millisecond)
}

// A failing health check kills its task, which kills the group; the default
// executor then marks every terminal update healthy=false (waited()).
func TestCommandKillGroupHealthCheck(t *testing.T) {
	t.Parallel()
	x, s := newSinkExecutor(t, false)
	sick := shellTask("sick", "sleep 30")
	sick.HealthCheck = &mesosproto.HealthCheck{
		Type:                mesosproto.HealthCheck_COMMAND.Enum(),
		Command:             &mesosproto.CommandInfo{Value: proto.String("exit 1")},
		DelaySeconds:        proto.Float64(0),
		IntervalSeconds:     proto.Float64(0.05),
		GracePeriodSeconds:  proto.Float64(0),
		ConsecutiveFailures: proto.Uint32(1),
	}
	launchGroup(t, x, Command{KillGroupOnFailure: true}, sick, shellTask("fine", "sleep 30"))
	ends := map[string]*mesosproto.TaskStatus{}
	for len(ends) < 2 {
		st := s.next(t)
		if mesosproto.IsTerminalState(st.GetState()) {
			ends[st.GetTaskId().GetValue()] = st
		}
	}
	for id, st := range ends {
		if st.GetState() != mesosproto.TaskState_TASK_KILLED || st.Healthy == nil || st.GetHealthy() {
			t.Errorf("%s: %v healthy=%v, want TASK_KILLED healthy=false", id, st.GetState(), st.Healthy)
		}
	}
}
