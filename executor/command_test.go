// SPDX-License-Identifier: Apache-2.0

//go:build unix

package executor

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/executorpb"
)

// sink collects the updates an Executor journals, without any agent.
type sink struct {
	ch chan *mesosproto.TaskStatus
}

// newSinkExecutor returns an Executor that is not connected to anything:
// its updates go to the journal and to the returned sink. killing is the
// framework's TASK_KILLING_STATE capability.
func newSinkExecutor(t *testing.T, killing bool) (*Executor, *sink) {
	t.Helper()
	cfg := Config{
		FrameworkID: "fw", ExecutorID: "ex",
		AgentURL:            "http://127.0.0.1:1/api/v1/executor",
		Sandbox:             t.TempDir(),
		ShutdownGracePeriod: 2 * time.Second,
	}
	x, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	x.runCtx = ctx
	fw := &mesosproto.FrameworkInfo{User: proto.String("u"), Name: proto.String("n")}
	if killing {
		fw.Capabilities = []*mesosproto.FrameworkInfo_Capability{{Type: mesosproto.FrameworkInfo_Capability_TASK_KILLING_STATE.Enum()}}
	}
	x.subscribed = &executorpb.Event_Subscribed{FrameworkInfo: fw}
	s := &sink{ch: make(chan *mesosproto.TaskStatus, 256)}
	x.updateHook = func(st *mesosproto.TaskStatus) { s.ch <- st }
	t.Cleanup(func() {
		x.forceKillAll()
		cancel()
		x.waitRunning(10 * time.Second)
	})
	return x, s
}

// next returns the next update, failing after a while.
func (s *sink) next(t *testing.T) *mesosproto.TaskStatus {
	t.Helper()
	select {
	case st := <-s.ch:
		return st
	case <-time.After(20 * time.Second):
		t.Fatal("no status update within 20s")
		return nil
	}
}

// expect reads updates and checks their states in order.
func (s *sink) expect(t *testing.T, states ...mesosproto.TaskState) []*mesosproto.TaskStatus {
	t.Helper()
	var out []*mesosproto.TaskStatus
	for _, want := range states {
		st := s.next(t)
		if st.GetState() != want {
			t.Fatalf("update %d: state %v (message %q), want %v", len(out), st.GetState(), st.GetMessage(), want)
		}
		if len(st.GetUuid()) != 16 || st.GetUuid()[6]>>4 != 4 || st.GetSource() != mesosproto.TaskStatus_SOURCE_EXECUTOR ||
			st.GetExecutorId().GetValue() != "ex" || st.GetTimestamp() == 0 {
			t.Fatalf("update %d is not filled in: %v", len(out), st)
		}
		out = append(out, st)
	}
	return out
}

// quiet checks that no further update arrives for a moment.
func (s *sink) quiet(t *testing.T, d time.Duration) {
	t.Helper()
	select {
	case st := <-s.ch:
		t.Fatalf("unexpected update %v %q", st.GetState(), st.GetMessage())
	case <-time.After(d):
	}
}

func shellTask(id, cmd string) *mesosproto.TaskInfo {
	return &mesosproto.TaskInfo{
		Name:    proto.String(id),
		TaskId:  &mesosproto.TaskID{Value: proto.String(id)},
		AgentId: &mesosproto.AgentID{Value: proto.String("agent")},
		Command: &mesosproto.CommandInfo{Value: proto.String(cmd)},
	}
}

func launch(t *testing.T, x *Executor, c Command, task *mesosproto.TaskInfo) {
	t.Helper()
	ev := &executorpb.Event{Type: executorpb.Event_LAUNCH.Enum(), Launch: &executorpb.Event_Launch{Task: task}}
	x.mu.Lock()
	x.trackLaunchLocked(task)
	x.mu.Unlock()
	if err := c.HandleEvent(context.Background(), x, ev); err != nil {
		t.Fatal(err)
	}
}

func killEvent(t *testing.T, x *Executor, c Command, id string, grace time.Duration) {
	t.Helper()
	k := &executorpb.Event_Kill{TaskId: &mesosproto.TaskID{Value: proto.String(id)}}
	if grace >= 0 {
		k.KillPolicy = &mesosproto.KillPolicy{GracePeriod: &mesosproto.DurationInfo{Nanoseconds: proto.Int64(int64(grace))}}
	}
	if err := c.HandleEvent(context.Background(), x, &executorpb.Event{Type: executorpb.Event_KILL.Enum(), Kill: k}); err != nil {
		t.Fatal(err)
	}
}

func TestCommandExitStatusMapping(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		cmd   *mesosproto.CommandInfo
		state mesosproto.TaskState
		msg   string
	}{
		{"exit 0", &mesosproto.CommandInfo{Value: proto.String("exit 0")},
			mesosproto.TaskState_TASK_FINISHED, "Command exited with status 0"},
		{"exit 3", &mesosproto.CommandInfo{Value: proto.String("exit 3")},
			mesosproto.TaskState_TASK_FAILED, "Command exited with status 3"},
		{"signal TERM", &mesosproto.CommandInfo{Value: proto.String("kill -TERM $$")},
			mesosproto.TaskState_TASK_FAILED, "Command terminated with signal Terminated"},
		{"signal KILL", &mesosproto.CommandInfo{Value: proto.String("kill -KILL $$")},
			mesosproto.TaskState_TASK_FAILED, "Command terminated with signal Killed"},
		{"exec argv", &mesosproto.CommandInfo{Shell: proto.Bool(false), Value: proto.String("/bin/sh"),
			Arguments: []string{"sh", "-c", "exit 7"}}, mesosproto.TaskState_TASK_FAILED, "Command exited with status 7"},
		{"exec PATH lookup", &mesosproto.CommandInfo{Shell: proto.Bool(false), Value: proto.String("true")},
			mesosproto.TaskState_TASK_FINISHED, "Command exited with status 0"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			x, s := newSinkExecutor(t, true)
			task := shellTask("t", "")
			task.Command = tc.cmd
			launch(t, x, Command{}, task)
			got := s.expect(t, mesosproto.TaskState_TASK_STARTING, mesosproto.TaskState_TASK_RUNNING, tc.state)
			if m := got[2].GetMessage(); m != tc.msg {
				t.Errorf("message %q, want %q", m, tc.msg)
			}
			if got[2].Reason != nil {
				t.Errorf("reason %v, want none", got[2].GetReason())
			}
		})
	}
}

func TestCommandLaunchFailure(t *testing.T) {
	t.Parallel()
	x, s := newSinkExecutor(t, false)
	task := shellTask("t", "")
	task.Command = &mesosproto.CommandInfo{Shell: proto.Bool(false), Value: proto.String("no-such-binary-anywhere")}
	launch(t, x, Command{}, task)
	got := s.expect(t, mesosproto.TaskState_TASK_STARTING, mesosproto.TaskState_TASK_FAILED)
	if !strings.HasPrefix(got[1].GetMessage(), "Failed to launch command: ") {
		t.Errorf("message %q", got[1].GetMessage())
	}
}

func TestCommandEnvironmentSandboxAndOutput(t *testing.T) {
	t.Parallel()
	x, s := newSinkExecutor(t, false)
	task := shellTask("t", `echo "foo=$FOO base=$BASE token=${MESOS_EXECUTOR_AUTHENTICATION_TOKEN-unset} sandbox=$MESOS_SANDBOX role=$MESOS_ALLOCATION_ROLE pwd=$(pwd)"; echo oops >&2`)
	task.Command.Environment = &mesosproto.Environment{Variables: []*mesosproto.Environment_Variable{
		{Name: proto.String("FOO"), Value: proto.String("bar")},
		{Name: proto.String("BASE"), Value: proto.String("overridden")},
		{Name: proto.String("SECRETVAR"), Type: mesosproto.Environment_Variable_SECRET.Enum()},
	}}
	task.Resources = []*mesosproto.Resource{{
		Name: proto.String("cpus"), Type: mesosproto.Value_SCALAR.Enum(),
		Scalar:         &mesosproto.Value_Scalar{Value: proto.Float64(1)},
		AllocationInfo: &mesosproto.Resource_AllocationInfo{Role: proto.String("web")},
	}}
	c := Command{Env: []string{"PATH=" + os.Getenv("PATH"), "BASE=base", EnvAuthenticationToken + "=secret"}}
	launch(t, x, c, task)
	s.expect(t, mesosproto.TaskState_TASK_STARTING, mesosproto.TaskState_TASK_RUNNING, mesosproto.TaskState_TASK_FINISHED)
	dir := x.cfg.Sandbox
	out, err := os.ReadFile(filepath.Join(dir, "stdout"))
	if err != nil {
		t.Fatal(err)
	}
	realDir, _ := filepath.EvalSymlinks(dir)
	want := "foo=bar base=overridden token=unset sandbox=" + dir + " role=web pwd=" + realDir + "\n"
	if string(out) != want {
		t.Errorf("stdout %q, want %q", out, want)
	}
	if errOut, _ := os.ReadFile(filepath.Join(dir, "stderr")); string(errOut) != "oops\n" {
		t.Errorf("stderr %q", errOut)
	}
}

func TestCommandKillPolicyEscalatesToSIGKILL(t *testing.T) {
	t.Parallel()
	x, s := newSinkExecutor(t, true)
	// The shell ignores SIGTERM, and so does sleep, which inherits that.
	task := shellTask("t", `trap "" TERM; echo ready; sleep 30`)
	const grace = 300 * time.Millisecond
	task.KillPolicy = &mesosproto.KillPolicy{GracePeriod: &mesosproto.DurationInfo{Nanoseconds: proto.Int64(int64(grace))}}
	launch(t, x, Command{}, task)
	s.expect(t, mesosproto.TaskState_TASK_STARTING, mesosproto.TaskState_TASK_RUNNING)
	waitFile(t, filepath.Join(x.cfg.Sandbox, "stdout"), "ready")
	start := time.Now()
	killEvent(t, x, Command{}, "t", -1) // no override: the task's policy
	s.expect(t, mesosproto.TaskState_TASK_KILLING)
	got := s.expect(t, mesosproto.TaskState_TASK_KILLED)
	if el := time.Since(start); el < grace {
		t.Errorf("killed after %v, before the grace period %v", el, grace)
	}
	if m := got[0].GetMessage(); m != "Command terminated with signal Killed" {
		t.Errorf("message %q", m)
	}
}

func TestCommandKillWithoutKillingCapability(t *testing.T) {
	t.Parallel()
	x, s := newSinkExecutor(t, false)
	launch(t, x, Command{}, shellTask("t", "sleep 30"))
	s.expect(t, mesosproto.TaskState_TASK_STARTING, mesosproto.TaskState_TASK_RUNNING)
	killEvent(t, x, Command{}, "t", 5*time.Second)
	got := s.expect(t, mesosproto.TaskState_TASK_KILLED) // no TASK_KILLING first
	if m := got[0].GetMessage(); m != "Command terminated with signal Terminated" {
		t.Errorf("message %q", m)
	}
}

func TestCommandKilledWhateverTheExitCode(t *testing.T) {
	t.Parallel()
	x, s := newSinkExecutor(t, false)
	launch(t, x, Command{}, shellTask("t", `trap "exit 0" TERM; echo ready; while :; do sleep 0.05; done`))
	s.expect(t, mesosproto.TaskState_TASK_STARTING, mesosproto.TaskState_TASK_RUNNING)
	waitFile(t, filepath.Join(x.cfg.Sandbox, "stdout"), "ready")
	killEvent(t, x, Command{}, "t", 5*time.Second)
	got := s.expect(t, mesosproto.TaskState_TASK_KILLED)
	if m := got[0].GetMessage(); m != "Command exited with status 0" {
		t.Errorf("message %q", m)
	}
}

func TestCommandLaterKillOnlyShortens(t *testing.T) {
	t.Parallel()
	x, s := newSinkExecutor(t, true)
	launch(t, x, Command{}, shellTask("t", `trap "" TERM; echo ready; sleep 30`))
	s.expect(t, mesosproto.TaskState_TASK_STARTING, mesosproto.TaskState_TASK_RUNNING)
	waitFile(t, filepath.Join(x.cfg.Sandbox, "stdout"), "ready")
	start := time.Now()
	killEvent(t, x, Command{}, "t", time.Hour)
	s.expect(t, mesosproto.TaskState_TASK_KILLING)
	killEvent(t, x, Command{}, "t", 2*time.Hour) // longer: ignored, no second TASK_KILLING
	killEvent(t, x, Command{}, "t", 100*time.Millisecond)
	s.expect(t, mesosproto.TaskState_TASK_KILLED)
	if el := time.Since(start); el > 15*time.Second {
		t.Errorf("the shorter grace was not applied: killed after %v", el)
	}
}

func TestCommandMaxCompletionTime(t *testing.T) {
	t.Parallel()
	x, s := newSinkExecutor(t, true)
	task := shellTask("t", "sleep 30")
	task.MaxCompletionTime = &mesosproto.DurationInfo{Nanoseconds: proto.Int64(int64(200 * time.Millisecond))}
	launch(t, x, Command{}, task)
	s.expect(t, mesosproto.TaskState_TASK_STARTING, mesosproto.TaskState_TASK_RUNNING)
	got := s.expect(t, mesosproto.TaskState_TASK_FAILED) // no TASK_KILLING for this kill
	if got[0].GetReason() != mesosproto.TaskStatus_REASON_MAX_COMPLETION_TIME_REACHED {
		t.Errorf("reason %v", got[0].GetReason())
	}
}

func TestCommandShutdownKillsTasks(t *testing.T) {
	t.Parallel()
	x, s := newSinkExecutor(t, false)
	launch(t, x, Command{}, shellTask("a", "sleep 30"))
	s.expect(t, mesosproto.TaskState_TASK_STARTING, mesosproto.TaskState_TASK_RUNNING)
	if err := (Command{}).HandleEvent(context.Background(), x, &executorpb.Event{Type: executorpb.Event_SHUTDOWN.Enum()}); err != nil {
		t.Fatal(err)
	}
	s.expect(t, mesosproto.TaskState_TASK_KILLED)
}

func TestCommandSingleTask(t *testing.T) {
	t.Parallel()
	x, s := newSinkExecutor(t, false)
	c := Command{Single: true}
	launch(t, x, c, shellTask("a", "sleep 30"))
	s.expect(t, mesosproto.TaskState_TASK_STARTING, mesosproto.TaskState_TASK_RUNNING)
	launch(t, x, c, shellTask("b", "true"))
	got := s.expect(t, mesosproto.TaskState_TASK_FAILED)
	if got[0].GetTaskId().GetValue() != "b" || got[0].GetMessage() != msgMultipleTasks {
		t.Errorf("second task: %v %q", got[0].GetTaskId().GetValue(), got[0].GetMessage())
	}
	group := &executorpb.Event{Type: executorpb.Event_LAUNCH_GROUP.Enum(), LaunchGroup: &executorpb.Event_LaunchGroup{
		TaskGroup: &mesosproto.TaskGroupInfo{Tasks: []*mesosproto.TaskInfo{shellTask("c", "true")}}}}
	if err := c.HandleEvent(context.Background(), x, group); err == nil {
		t.Error("LAUNCH_GROUP accepted by a single-task Command")
	}
}

func TestCommandHealthCheckFailureKills(t *testing.T) {
	t.Parallel()
	x, s := newSinkExecutor(t, true)
	task := shellTask("t", "sleep 30")
	task.HealthCheck = &mesosproto.HealthCheck{
		Type:                mesosproto.HealthCheck_COMMAND.Enum(),
		Command:             &mesosproto.CommandInfo{Value: proto.String("exit 1")},
		DelaySeconds:        proto.Float64(0),
		IntervalSeconds:     proto.Float64(0.05),
		GracePeriodSeconds:  proto.Float64(0),
		ConsecutiveFailures: proto.Uint32(2),
	}
	task.KillPolicy = &mesosproto.KillPolicy{GracePeriod: &mesosproto.DurationInfo{Nanoseconds: proto.Int64(int64(time.Second))}}
	launch(t, x, Command{}, task)
	s.expect(t, mesosproto.TaskState_TASK_STARTING, mesosproto.TaskState_TASK_RUNNING)
	for i := range 2 {
		st := s.expect(t, mesosproto.TaskState_TASK_RUNNING)[0]
		if st.Healthy == nil || st.GetHealthy() || st.GetReason() != mesosproto.TaskStatus_REASON_TASK_HEALTH_CHECK_STATUS_UPDATED {
			t.Fatalf("health update %d: healthy=%v reason=%v", i, st.Healthy, st.GetReason())
		}
	}
	s.expect(t, mesosproto.TaskState_TASK_KILLING)
	got := s.expect(t, mesosproto.TaskState_TASK_KILLED)
	if got[0].Healthy == nil || got[0].GetHealthy() {
		t.Errorf("terminal update healthy=%v, want false", got[0].Healthy)
	}
}

func TestCommandHealthCheckGracePeriodIgnoresFailures(t *testing.T) {
	t.Parallel()
	x, s := newSinkExecutor(t, false)
	task := shellTask("t", "sleep 30")
	task.HealthCheck = &mesosproto.HealthCheck{
		Type:                mesosproto.HealthCheck_COMMAND.Enum(),
		Command:             &mesosproto.CommandInfo{Value: proto.String("exit 1")},
		DelaySeconds:        proto.Float64(0),
		IntervalSeconds:     proto.Float64(0.02),
		GracePeriodSeconds:  proto.Float64(60),
		ConsecutiveFailures: proto.Uint32(1),
	}
	launch(t, x, Command{}, task)
	s.expect(t, mesosproto.TaskState_TASK_STARTING, mesosproto.TaskState_TASK_RUNNING)
	s.quiet(t, 300*time.Millisecond)
}

func TestCommandHealthCheckTCPAndHTTP(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			_ = c.Close()
		}
	}()
	tcpPort := uint32(ln.Addr().(*net.TCPAddr).Port)

	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/broken" {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(srv.Close)
	httpPort, _ := strconv.Atoi(srv.URL[strings.LastIndex(srv.URL, ":")+1:])

	cases := []struct {
		name    string
		hc      *mesosproto.HealthCheck
		healthy bool
	}{
		{"tcp ok", &mesosproto.HealthCheck{Type: mesosproto.HealthCheck_TCP.Enum(),
			Tcp: &mesosproto.HealthCheck_TCPCheckInfo{Port: proto.Uint32(tcpPort)}}, true},
		{"http 204", &mesosproto.HealthCheck{Type: mesosproto.HealthCheck_HTTP.Enum(),
			Http: &mesosproto.HealthCheck_HTTPCheckInfo{Port: proto.Uint32(uint32(httpPort)), Path: proto.String("/ok")}}, true},
		{"http 500", &mesosproto.HealthCheck{Type: mesosproto.HealthCheck_HTTP.Enum(),
			Http: &mesosproto.HealthCheck_HTTPCheckInfo{Port: proto.Uint32(uint32(httpPort)), Path: proto.String("/broken")}}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			x, s := newSinkExecutor(t, false)
			task := shellTask("t", "sleep 30")
			hc := proto.Clone(tc.hc).(*mesosproto.HealthCheck)
			hc.DelaySeconds, hc.IntervalSeconds, hc.GracePeriodSeconds = proto.Float64(0), proto.Float64(0.05), proto.Float64(0)
			hc.ConsecutiveFailures = proto.Uint32(100)
			task.HealthCheck = hc
			launch(t, x, Command{}, task)
			s.expect(t, mesosproto.TaskState_TASK_STARTING, mesosproto.TaskState_TASK_RUNNING)
			st := s.expect(t, mesosproto.TaskState_TASK_RUNNING)[0]
			if st.Healthy == nil || st.GetHealthy() != tc.healthy {
				t.Fatalf("healthy=%v, want %v", st.Healthy, tc.healthy)
			}
			if tc.healthy {
				s.quiet(t, 200*time.Millisecond) // only the first success is reported
			}
		})
	}
}

func TestCommandCheckReportsChanges(t *testing.T) {
	t.Parallel()
	x, s := newSinkExecutor(t, false)
	task := shellTask("t", "sleep 30")
	task.Check = &mesosproto.CheckInfo{
		Type:            mesosproto.CheckInfo_COMMAND.Enum(),
		Command:         &mesosproto.CheckInfo_Command{Command: &mesosproto.CommandInfo{Value: proto.String("exit 4")}},
		DelaySeconds:    proto.Float64(0),
		IntervalSeconds: proto.Float64(0.05),
	}
	launch(t, x, Command{}, task)
	for _, st := range s.expect(t, mesosproto.TaskState_TASK_STARTING, mesosproto.TaskState_TASK_RUNNING) {
		if st.GetCheckStatus().GetType() != mesosproto.CheckInfo_COMMAND || st.GetCheckStatus().GetCommand() == nil ||
			st.GetCheckStatus().GetCommand().ExitCode != nil {
			t.Fatalf("update without an empty COMMAND check_status: %v", st.GetCheckStatus())
		}
	}
	st := s.expect(t, mesosproto.TaskState_TASK_RUNNING)[0]
	if st.GetReason() != mesosproto.TaskStatus_REASON_TASK_CHECK_STATUS_UPDATED || st.GetCheckStatus().GetCommand().GetExitCode() != 4 {
		t.Fatalf("check update: reason %v, check_status %v", st.GetReason(), st.GetCheckStatus())
	}
	s.quiet(t, 200*time.Millisecond) // unchanged results are not reported again
}

// waitFile waits until the file contains want.
func waitFile(t *testing.T, path, want string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if b, _ := os.ReadFile(path); strings.Contains(string(b), want) {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("%s never contained %q", path, want)
}
