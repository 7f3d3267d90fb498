// SPDX-License-Identifier: Apache-2.0

//go:build unix

package taskcheck

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/mesosproto"
)

func exited(t *testing.T, script string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command("/bin/sh", "-c", script)
	_ = cmd.Run()
	if cmd.ProcessState == nil {
		t.Fatalf("%q did not run", script)
	}
	return cmd
}

// The terminal update of a reaped task: src/launcher/executor.cpp reaped().
func TestTerminal(t *testing.T) {
	ok, fail, killed := exited(t, "exit 0"), exited(t, "exit 3"), exited(t, "kill -TERM $$")
	cases := []struct {
		name    string
		o       Outcome
		state   mesosproto.TaskState
		reason  *mesosproto.TaskStatus_Reason
		message string
		healthy *bool
	}{
		{"finished", Outcome{State: ok.ProcessState}, mesosproto.TaskState_TASK_FINISHED, nil, "Command exited with status 0", nil},
		{"failed", Outcome{State: fail.ProcessState}, mesosproto.TaskState_TASK_FAILED, nil, "Command exited with status 3", nil},
		{"signalled", Outcome{State: killed.ProcessState}, mesosproto.TaskState_TASK_FAILED, nil, "Command terminated with signal Terminated", nil},
		{"killed exit 0", Outcome{State: ok.ProcessState, Killed: true}, mesosproto.TaskState_TASK_KILLED, nil, "Command exited with status 0", nil},
		{"killed by signal", Outcome{State: killed.ProcessState, Killed: true}, mesosproto.TaskState_TASK_KILLED, nil, "Command terminated with signal Terminated", nil},
		{"max completion", Outcome{State: killed.ProcessState, Killed: true, KilledByMaxCompletion: true}, mesosproto.TaskState_TASK_FAILED,
			mesosproto.TaskStatus_REASON_MAX_COMPLETION_TIME_REACHED.Enum(), "Command terminated with signal Terminated", nil},
		{"unhealthy", Outcome{State: killed.ProcessState, Killed: true, KilledByHealth: true}, mesosproto.TaskState_TASK_KILLED, nil,
			"Command terminated with signal Terminated", proto.Bool(false)},
		{"unhealthy but not killed", Outcome{State: fail.ProcessState, KilledByHealth: true}, mesosproto.TaskState_TASK_FAILED, nil, "Command exited with status 3", nil},
		{"executor unhealthy", Outcome{State: ok.ProcessState, ExecutorUnhealthy: true}, mesosproto.TaskState_TASK_FINISHED, nil,
			"Command exited with status 0", proto.Bool(false)},
		{"not reaped", Outcome{WaitErr: syscall.ECHILD}, mesosproto.TaskState_TASK_FAILED, nil, "Failed to get exit status for Command: " + syscall.ECHILD.Error(), nil},
	}
	for _, c := range cases {
		st := Terminal(c.o)
		if st.GetState() != c.state || st.GetMessage() != c.message || !proto.Equal(&mesosproto.TaskStatus{Reason: c.reason, Healthy: c.healthy},
			&mesosproto.TaskStatus{Reason: st.Reason, Healthy: st.Healthy}) {
			t.Errorf("%s: got %v", c.name, st)
		}
	}
}

func TestSignalNames(t *testing.T) {
	for sig, want := range map[syscall.Signal]string{15: "Terminated", 9: "Killed", 11: "Segmentation fault", 2: "Interrupt"} {
		if got := signalName(sig); got != want {
			t.Errorf("signal %d: %q, want %q", sig, got, want)
		}
	}
}

// The default executor's group rule: src/launcher/default_executor.cpp waited().
func TestGroup(t *testing.T) {
	g := NewGroup([]string{"a", "b", "c", "d"})
	if kill := g.Ended("a", mesosproto.TaskState_TASK_FINISHED, false); kill != nil || g.Killing() {
		t.Fatalf("a finished: kill %v", kill)
	}
	if kill := g.Ended("b", mesosproto.TaskState_TASK_FAILED, false); !slices.Equal(kill, []string{"c", "d"}) || !g.Killing() {
		t.Fatalf("b failed: kill %v, want [c d]", kill)
	}
	if kill := g.Ended("c", mesosproto.TaskState_TASK_KILLED, false); kill != nil {
		t.Fatalf("c killed while the group is being killed: kill %v", kill)
	}
	if kill := g.Ended("c", mesosproto.TaskState_TASK_KILLED, false); kill != nil || g.Live() != 1 {
		t.Fatalf("repeated end: kill %v, live %d", kill, g.Live())
	}

	killed := NewGroup([]string{"a", "b"})
	if kill := killed.Ended("b", mesosproto.TaskState_TASK_KILLED, false); !slices.Equal(kill, []string{"a"}) {
		t.Fatalf("b killed: kill %v, want [a]", kill)
	}
	shutdown := NewGroup([]string{"a", "b"})
	if kill := shutdown.Ended("a", mesosproto.TaskState_TASK_FAILED, true); kill != nil {
		t.Fatalf("during shutdown: kill %v", kill)
	}
	lost := NewGroup([]string{"a", "b"})
	if kill := lost.Ended("a", mesosproto.TaskState_TASK_LOST, false); kill != nil {
		t.Fatalf("lost: kill %v", kill)
	}
}

// recorder collects a monitor's reports.
type recorder struct {
	mu      sync.Mutex
	health  []string
	checks  []*mesosproto.CheckStatusInfo
	maxDone bool
	changed chan struct{}
	wg      sync.WaitGroup
}

func newRecorder() *recorder { return &recorder{changed: make(chan struct{}, 100)} }

func (r *recorder) config() Config {
	return Config{Env: []string{"PATH=/usr/bin:/bin"}, Go: func(f func()) bool {
		r.wg.Add(1)
		go func() { defer r.wg.Done(); f() }()
		return true
	}}
}

func (r *recorder) hooks() Hooks {
	return Hooks{
		Health: func(healthy, kill bool) {
			r.mu.Lock()
			s := "unhealthy"
			if healthy {
				s = "healthy"
			}
			if kill {
				s += "+kill"
			}
			r.health = append(r.health, s)
			r.mu.Unlock()
			r.changed <- struct{}{}
		},
		Check: func(cs *mesosproto.CheckStatusInfo) {
			r.mu.Lock()
			r.checks = append(r.checks, cs)
			r.mu.Unlock()
			r.changed <- struct{}{}
		},
		MaxCompletion: func() {
			r.mu.Lock()
			r.maxDone = true
			r.mu.Unlock()
			r.changed <- struct{}{}
		},
	}
}

// waitFor waits until cond holds for the recorder.
func (r *recorder) waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		r.mu.Lock()
		ok := cond()
		r.mu.Unlock()
		if ok {
			return
		}
		select {
		case <-r.changed:
		case <-deadline:
			t.Fatalf("never got %s (health %v, checks %v)", what, r.health, r.checks)
		}
	}
}

// waitCount polls a probe's counter file until it reaches n.
func waitCount(t *testing.T, path string, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		b, _ := os.ReadFile(path)
		if v, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil && v >= n {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("%s never reached %d", path, n)
}

func commandTask(hc *mesosproto.HealthCheck, ck *mesosproto.CheckInfo) *mesosproto.TaskInfo {
	return &mesosproto.TaskInfo{TaskId: &mesosproto.TaskID{Value: proto.String("t")}, HealthCheck: hc, Check: ck}
}

// src/checks/health_checker.cpp: the first success is reported, failures
// are counted, and consecutive_failures of them ask for the kill; a success
// after failures is reported again.
func TestMonitorHealth(t *testing.T) {
	r := newRecorder()
	dir := t.TempDir()
	// Healthy once, then failing twice, then healthy again (a counter file).
	script := `n=$(cat n 2>/dev/null || echo 0); n=$((n+1)); echo $n > n; case $n in 2|3) exit 1;; esac; exit 0`
	hc := &mesosproto.HealthCheck{
		Type:                mesosproto.HealthCheck_COMMAND.Enum(),
		Command:             &mesosproto.CommandInfo{Value: proto.String(script)},
		DelaySeconds:        proto.Float64(0),
		IntervalSeconds:     proto.Float64(0.01),
		GracePeriodSeconds:  proto.Float64(0),
		ConsecutiveFailures: proto.Uint32(2),
	}
	cfg := r.config()
	cfg.Dir = dir
	m := Start(commandTask(hc, nil), cfg, r.hooks())
	r.waitFor(t, "four reports", func() bool { return len(r.health) >= 4 })
	m.Pause()
	r.wg.Wait()
	want := []string{"healthy", "unhealthy", "unhealthy+kill", "healthy"}
	if !slices.Equal(r.health[:4], want) {
		t.Fatalf("health reports %v, want %v", r.health, want)
	}
}

// Failures inside the grace period before the first success are ignored.
func TestMonitorHealthGracePeriod(t *testing.T) {
	r := newRecorder()
	hc := &mesosproto.HealthCheck{
		Type:                mesosproto.HealthCheck_COMMAND.Enum(),
		Command:             &mesosproto.CommandInfo{Value: proto.String("exit 1")},
		DelaySeconds:        proto.Float64(0),
		IntervalSeconds:     proto.Float64(0.01),
		GracePeriodSeconds:  proto.Float64(0.3),
		ConsecutiveFailures: proto.Uint32(1),
	}
	start := time.Now()
	m := Start(commandTask(hc, nil), r.config(), r.hooks())
	r.waitFor(t, "a report", func() bool { return len(r.health) >= 1 })
	m.Pause()
	r.wg.Wait()
	if r.health[0] != "unhealthy+kill" || time.Since(start) < 300*time.Millisecond {
		t.Fatalf("first report %q after %v, want unhealthy+kill after the 300ms grace period", r.health[0], time.Since(start))
	}
}

// src/checks/checker.cpp: a report when the result changes, not otherwise.
func TestMonitorCheck(t *testing.T) {
	r := newRecorder()
	dir := t.TempDir()
	script := `n=$(cat n 2>/dev/null || echo 0); n=$((n+1)); echo $n > n; [ $n -lt 3 ] && exit 4; exit 0`
	ck := &mesosproto.CheckInfo{
		Type:            mesosproto.CheckInfo_COMMAND.Enum(),
		Command:         &mesosproto.CheckInfo_Command{Command: &mesosproto.CommandInfo{Value: proto.String(script)}},
		DelaySeconds:    proto.Float64(0),
		IntervalSeconds: proto.Float64(0.01),
	}
	cfg := r.config()
	cfg.Dir = dir
	m := Start(commandTask(nil, ck), cfg, r.hooks())
	r.waitFor(t, "two check reports", func() bool { return len(r.checks) >= 2 })
	// Let a few more unchanged results pass.
	waitCount(t, filepath.Join(dir, "n"), 5)
	m.Pause()
	r.wg.Wait()
	if len(r.checks) != 2 || r.checks[0].GetCommand().GetExitCode() != 4 || r.checks[1].GetCommand().GetExitCode() != 0 {
		t.Fatalf("check reports %v, want exit codes 4 then 0 only", r.checks)
	}
}

func TestMonitorMaxCompletion(t *testing.T) {
	r := newRecorder()
	task := commandTask(nil, nil)
	task.MaxCompletionTime = &mesosproto.DurationInfo{Nanoseconds: proto.Int64(int64(20 * time.Millisecond))}
	m := Start(task, r.config(), r.hooks())
	r.waitFor(t, "max completion", func() bool { return r.maxDone })
	m.Pause()
	r.wg.Wait()

	// Paused before it passes: never reported.
	r2 := newRecorder()
	task.MaxCompletionTime = &mesosproto.DurationInfo{Nanoseconds: proto.Int64(int64(time.Hour))}
	m2 := Start(task, r2.config(), r2.hooks())
	m2.Pause()
	r2.wg.Wait()
	if r2.maxDone {
		t.Fatal("reported after Pause")
	}
	if Start(commandTask(nil, nil), r.config(), r.hooks()) != nil {
		t.Fatal("a monitor for a task with nothing to monitor")
	}
}

// The updates made from the last one (protobuf::createTaskStatus).
func TestDerivedUpdates(t *testing.T) {
	last := &mesosproto.TaskStatus{TaskId: &mesosproto.TaskID{Value: proto.String("t")}, State: mesosproto.TaskState_TASK_RUNNING.Enum(),
		Uuid: []byte("0123456789abcdef"), Timestamp: proto.Float64(1), Data: []byte("d"),
		CheckStatus: EmptyCheckStatus(mesosproto.CheckInfo_TCP)}
	h := HealthUpdate(last, true)
	if h.Uuid != nil || h.Timestamp != nil || !h.GetHealthy() || h.GetReason() != mesosproto.TaskStatus_REASON_TASK_HEALTH_CHECK_STATUS_UPDATED ||
		string(h.GetData()) != "d" || h.GetCheckStatus().GetType() != mesosproto.CheckInfo_TCP || last.Healthy != nil {
		t.Fatalf("health update %v (last %v)", h, last)
	}
	cs := EmptyCheckStatus(mesosproto.CheckInfo_TCP)
	cs.Tcp.Succeeded = proto.Bool(true)
	c := CheckUpdate(h, cs)
	if !c.GetHealthy() || c.GetReason() != mesosproto.TaskStatus_REASON_TASK_CHECK_STATUS_UPDATED || !c.GetCheckStatus().GetTcp().GetSucceeded() {
		t.Fatalf("check update %v", c)
	}
	if TaskCheckStatus(commandTask(nil, nil)) != nil ||
		TaskCheckStatus(commandTask(nil, &mesosproto.CheckInfo{Type: mesosproto.CheckInfo_HTTP.Enum()})).GetHttp() == nil {
		t.Fatal("TaskCheckStatus")
	}
	if SendsKilling(true, true) || SendsKilling(false, false) || !SendsKilling(true, false) {
		t.Fatal("SendsKilling")
	}
}
