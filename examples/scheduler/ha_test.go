// SPDX-License-Identifier: Apache-2.0

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/mesoskit/mesoskit/ha"
	"github.com/mesoskit/mesoskit/internal/zktest"
	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/schedulerpb"
	"github.com/mesoskit/mesoskit/mesostest"
)

// envHAChild carries the example's arguments to a child process of TestHAReplicas.
const envHAChild = "MESOSKIT_EXAMPLE_HA_ARGS"

// TestHAChild is not a test of its own: TestHAReplicas starts this test binary as the example's replicas
// (processes, so that one can be killed with SIGKILL), running only this function with the example's
// arguments in the environment.
func TestHAChild(t *testing.T) {
	raw := os.Getenv(envHAChild)
	if raw == "" {
		t.Skip("started by TestHAReplicas as a replica process")
	}
	var args []string
	if err := json.Unmarshal([]byte(raw), &args); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, args, os.Stdout, os.Stderr))
}

// haOutput is a child's output, safe to read while it runs.
type haOutput struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (o *haOutput) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.b.Write(p)
}

func (o *haOutput) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.b.String()
}

type haChild struct {
	cmd  *exec.Cmd
	out  *haOutput
	done chan struct{}
	err  error
}

func startHAChild(t *testing.T, args []string) *haChild {
	t.Helper()
	raw, _ := json.Marshal(args)
	c := &haChild{out: &haOutput{}, done: make(chan struct{})}
	c.cmd = exec.Command(os.Args[0], "-test.run=^TestHAChild$")
	c.cmd.Env = append(os.Environ(), envHAChild+"="+string(raw))
	c.cmd.Stdout, c.cmd.Stderr = c.out, c.out
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		c.err = c.cmd.Wait()
		close(c.done)
	}()
	t.Cleanup(func() {
		_ = c.cmd.Process.Kill()
		<-c.done
	})
	return c
}

// TestHAReplicas starts the example three times with the same -ha flags against one master: one replica
// leads, two stand by. The leader is killed with SIGKILL while tasks run; a standby takes over with the
// same framework ID, reconciles the recorded tasks, launches only the missing ones, and when every task has
// finished both survivors exit 0.
func TestHAReplicas(t *testing.T) {
	zkc := zktest.Start(t)
	// Room for two tasks at a time: the rest are launched later, by whichever replica leads then.
	srv, err := mesostest.NewServer(mesostest.WithAgents(1, "cpus:0.25;mem:1024"),
		mesostest.WithAllocationInterval(50*time.Millisecond), mesostest.WithHeartbeatInterval(200*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	spec := "zk://" + zkc.ConnectString() + "/example"
	args := []string{"-master", strings.TrimPrefix(srv.URL(), "http://"), "-ha", spec, "-ha-session-timeout", "2s",
		"-tasks", "5", "-cpus", "0.1", "-cmd", "sleep 1"}
	var children []*haChild
	for range 3 {
		children = append(children, startHAChild(t, args))
	}

	// Find the leader's process once two tasks run, and kill it.
	for _, id := range []string{"task-1", "task-2"} {
		if _, err := srv.WaitTask(ctx, id, mesosproto.TaskState_TASK_RUNNING); err != nil {
			t.Fatal(err)
		}
	}
	conn, err := ha.Connect(zkc.Servers())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	leader, err := ha.CurrentLeader(ctx, conn, "/example/leader")
	if err != nil {
		t.Fatal(err)
	}
	var victim *haChild
	for _, c := range children {
		if c.cmd.Process.Pid == leader.PID {
			victim = c
		}
	}
	if victim == nil {
		t.Fatalf("the leader (pid %d) is none of the replicas", leader.PID)
	}
	killed := time.Now()
	if err := victim.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}

	var survivors []*haChild
	for _, c := range children {
		select {
		case <-c.done:
		case <-ctx.Done():
			t.Fatalf("a replica did not exit; its output:\n%s", c.out)
		}
		t.Logf("replica pid %d exited with %v:\n%s", c.cmd.Process.Pid, c.err, c.out)
		if c != victim {
			survivors = append(survivors, c)
		}
	}
	var ee *exec.ExitError
	if !errors.As(victim.err, &ee) || ee.ExitCode() != -1 {
		t.Errorf("the killed leader exited with %v", victim.err)
	}
	took, leaders := 0, 0
	for _, c := range survivors {
		if c.err != nil {
			t.Errorf("replica pid %d: %v", c.cmd.Process.Pid, c.err)
		}
		out := c.out.String()
		if !strings.Contains(out, "5/5 tasks finished") {
			t.Errorf("replica pid %d printed no summary", c.cmd.Process.Pid)
		}
		if strings.Contains(out, "leading") {
			leaders++
		}
		if strings.Contains(out, "took over") {
			took++
		}
	}
	if took != 1 || leaders < 1 || !strings.Contains(victim.out.String(), "leading") {
		t.Errorf("%d survivors took over recorded tasks (want 1), %d led (want at least 1)", took, leaders)
	}

	// One framework, resubscribed; every task launched exactly once; the recorded ones reconciled.
	var subs []mesostest.Call
	launched := map[string]int{}
	for _, c := range srv.Calls() {
		switch {
		case c.Type == schedulerpb.Call_SUBSCRIBE && c.Status == 200:
			subs = append(subs, c)
		case c.Type == schedulerpb.Call_ACCEPT && c.Status == 202:
			for _, op := range c.Call.GetAccept().GetOperations() {
				for _, ti := range op.GetLaunch().GetTaskInfos() {
					launched[ti.GetTaskId().GetValue()]++
				}
			}
		}
	}
	if len(subs) < 2 {
		t.Fatalf("%d subscriptions, want the leader's and its successor's", len(subs))
	}
	for _, s := range subs[1:] {
		if s.FrameworkID != subs[0].FrameworkID {
			t.Errorf("subscribed as %s and as %s", subs[0].FrameworkID, s.FrameworkID)
		}
	}
	t.Logf("SIGKILL → resubscribed after %v (session timeout 2s)", subs[1].Time.Sub(killed))
	for k := 1; k <= 5; k++ {
		if id := fmt.Sprintf("task-%d", k); launched[id] != 1 {
			t.Errorf("%s launched %d times; launches: %v", id, launched[id], launched)
		}
	}
	reconciled := map[string]bool{}
	for _, c := range srv.Calls() {
		if c.Type == schedulerpb.Call_RECONCILE && c.StreamID == subs[1].StreamID {
			for _, rt := range c.Call.GetReconcile().GetTasks() {
				reconciled[rt.GetTaskId().GetValue()] = true
			}
		}
	}
	if !reconciled["task-1"] || !reconciled["task-2"] {
		t.Errorf("the successor reconciled %v; want at least task-1 and task-2", reconciled)
	}
}

func TestHAFlagErrors(t *testing.T) {
	for _, args := range [][]string{
		{"-ha", "zk://127.0.0.1:2181/x"},                                    // no -master
		{"-ha", "zk://127.0.0.1:2181/", "-master", "127.0.0.1:5050"},        // root path
		{"-ha", "http://x/y", "-master", "127.0.0.1:5050"},                  // not zk://
		{"-ha", "zk://h:1/x", "-master", "m:1", "-teardown"},                // teardown hands nothing over
		{"-ha", "zk://h:1/x", "-master", "m:1", "-ha-session-timeout", "0"}, // no timeout
	} {
		var out, errOut bytes.Buffer
		if code := run(context.Background(), args, &out, &errOut); code != 2 {
			t.Errorf("run(%q) = %d, want 2", args, code)
		}
		if errOut.Len() == 0 {
			t.Errorf("run(%q) printed no error", args)
		}
	}
	var out, errOut bytes.Buffer
	run(context.Background(), []string{"-ha", "zk://127.0.0.1:2181/x"}, &out, &errOut)
	if !strings.Contains(errOut.String(), "-ha requires -master") {
		t.Errorf("error for -ha without -master: %q", errOut.String())
	}
}
