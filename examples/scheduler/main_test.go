// SPDX-License-Identifier: Apache-2.0

package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/mesoskit/mesoskit/mesostest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// TestDefaults runs the example exactly as `go run ./examples/scheduler` does, on its embedded cluster.
func TestDefaults(t *testing.T) {
	for _, ct := range []string{"protobuf", "json"} {
		t.Run(ct, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			var out, errOut bytes.Buffer
			start := time.Now()
			code := run(ctx, []string{"-content-type", ct}, &out, &errOut)
			t.Logf("took %v\n%s", time.Since(start), out.String())
			if code != 0 {
				t.Fatalf("exit status %d, stderr:\n%s", code, errOut.String())
			}
			if !strings.Contains(out.String(), "5/5 tasks finished") {
				t.Fatalf("no summary line in output:\n%s", out.String())
			}
			for _, state := range []string{"TASK_STARTING", "TASK_RUNNING", "TASK_FINISHED"} {
				if got := strings.Count(out.String(), state); got != 5 {
					t.Errorf("%s printed %d times, want 5", state, got)
				}
			}
		})
	}
}

// TestExecutor runs `-executor`: every task goes through the custom executor of examples/executor, which the
// example builds with the go command (as under `go run`) since no binary named executor is beside the test.
func TestExecutor(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var out, errOut bytes.Buffer
	code := run(ctx, []string{"-executor", "-work", "200ms", "-tasks", "3"}, &out, &errOut)
	if code != 0 {
		t.Fatalf("exit status %d, stderr:\n%s\nstdout:\n%s", code, errOut.String(), out.String())
	}
	if !strings.Contains(out.String(), "custom executor") || !strings.Contains(out.String(), "3/3 tasks finished") {
		t.Fatalf("unexpected output:\n%s", out.String())
	}
}

// TestExternalMaster runs the example against a master given as host:port, as with cmd/mesos-local.
func TestExternalMaster(t *testing.T) {
	srv, err := mesostest.NewServer(mesostest.WithAgents(1, ""), mesostest.WithAllocationInterval(50*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var out, errOut bytes.Buffer
	hostPort := strings.TrimPrefix(srv.URL(), "http://")
	if code := run(ctx, []string{"-master", hostPort, "-tasks", "3"}, &out, &errOut); code != 0 {
		t.Fatalf("exit status %d, stderr:\n%s\nstdout:\n%s", code, errOut.String(), out.String())
	}
	if !strings.Contains(out.String(), "3/3 tasks finished") || strings.Contains(out.String(), "embedded") {
		t.Fatalf("unexpected output:\n%s", out.String())
	}
}

// TestFailedTaskExitsNonZero shows that a failing command makes the example fail.
func TestFailedTaskExitsNonZero(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var out, errOut bytes.Buffer
	code := run(ctx, []string{"-tasks", "2", "-cmd", "exit 3"}, &out, &errOut)
	if code == 0 {
		t.Fatalf("exit status 0 for failing tasks; output:\n%s", out.String())
	}
	if !strings.Contains(out.String(), "0/2 tasks finished") || !strings.Contains(out.String(), "TASK_FAILED") {
		t.Fatalf("unexpected output:\n%s", out.String())
	}
}

func TestFlagErrors(t *testing.T) {
	for _, args := range [][]string{{"-tasks", "0"}, {"-content-type", "xml"}, {"-cpus", "-1"}, {"extra"}} {
		var out, errOut bytes.Buffer
		if code := run(context.Background(), args, &out, &errOut); code != 2 {
			t.Errorf("run(%q) = %d, want 2", args, code)
		}
		if errOut.Len() == 0 {
			t.Errorf("run(%q) printed no error", args)
		}
	}
}
