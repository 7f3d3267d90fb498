// SPDX-License-Identifier: Apache-2.0

package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/mesoskit/mesoskit/mesostest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// cluster starts a one-agent mesostest cluster running real processes.
func cluster(t *testing.T, opts ...mesostest.Option) *mesostest.Server {
	t.Helper()
	return mesostest.Start(t, append([]mesostest.Option{mesostest.WithAgents(1, "cpus:4;mem:4096;disk:10000;ports:[31000-31100]"),
		mesostest.WithAllocationInterval(50 * time.Millisecond)}, opts...)...)
}

// execute runs mesos-execute with args and returns its exit status and outputs.
func execute(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var out, errOut bytes.Buffer
	code = run(ctx, args, &out, &errOut)
	t.Logf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out.String(), errOut.String())
	return code, out.String(), errOut.String()
}

func TestFinishedExitsZero(t *testing.T) {
	for _, ct := range []string{"protobuf", "json"} {
		t.Run(ct, func(t *testing.T) {
			srv := cluster(t)
			code, out, _ := execute(t, "-master", srv.URL(), "-content_type", ct, "-name", "hello", "-command", "echo hello")
			if code != 0 {
				t.Fatalf("exit status %d, want 0", code)
			}
			for _, want := range []string{"Subscribed with ID ", "Submitted task 'hello' to agent '",
				"Received status update TASK_RUNNING for task 'hello'", "Received status update TASK_FINISHED for task 'hello'"} {
				if !strings.Contains(out, want) {
					t.Errorf("output lacks %q", want)
				}
			}
		})
	}
}

func TestCommandExitStatus(t *testing.T) {
	for _, ct := range []string{"protobuf", "json"} {
		t.Run(ct, func(t *testing.T) {
			srv := cluster(t)
			code, out, _ := execute(t, "--master="+strings.TrimPrefix(srv.URL(), "http://"), "--content_type", ct,
				"--name", "three", "--command", "exit 3", "--resources", "cpus:0.5;mem:64")
			if code != 3 {
				t.Fatalf("exit status %d, want 3", code)
			}
			if !strings.Contains(out, "TASK_FAILED") || !strings.Contains(out, "message: 'Command exited with status 3'") {
				t.Errorf("output lacks the failure")
			}
		})
	}
}

func TestKillAfter(t *testing.T) {
	srv := cluster(t)
	code, out, _ := execute(t, "-master", srv.URL(), "-name", "sleeper", "-command", "sleep 60", "-kill_after", "200ms")
	if code != 1 {
		t.Fatalf("exit status %d, want 1", code)
	}
	if !strings.Contains(out, "Asked to kill task 'sleeper' on agent '") || !strings.Contains(out, "TASK_KILLED") {
		t.Errorf("output lacks the kill")
	}
}

// TestTooBigWaits: a task no offer can hold waits (as in Mesos), saying so once; Ctrl-C ends the wait with 1.
func TestTooBigWaits(t *testing.T) {
	srv := cluster(t)
	ctx, interrupt := context.WithCancel(context.Background())
	defer interrupt()
	var out, errOut lockedBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"-master", srv.URL(), "-name", "big", "-command", "true", "-resources", "cpus:64"}, &out, &errOut)
	}()
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(errOut.String(), "No offer holds what the task needs yet") && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond) // polling for the note
	}
	interrupt()
	if code := <-done; code != 1 {
		t.Errorf("exit status %d, want 1", code)
	}
	if n := strings.Count(errOut.String(), "No offer holds"); n != 1 {
		t.Errorf("the note was printed %d times, want once:\n%s", n, errOut.String())
	}
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}
func (l *lockedBuffer) String() string { l.mu.Lock(); defer l.mu.Unlock(); return l.b.String() }

func TestSecretFromFile(t *testing.T) {
	const secret = "s3cr3t-Never-Printed"
	srv := cluster(t, mesostest.WithCredentials(map[string]string{"ops": secret}))
	dir := t.TempDir()
	good, bad := filepath.Join(dir, "good"), filepath.Join(dir, "bad")
	if err := os.WriteFile(good, []byte(secret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bad, []byte(secret+"-wrong"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := execute(t, "-master", srv.URL(), "-principal", "ops", "-secret", good, "-name", "auth", "-command", "true", "-v")
	if code != 0 {
		t.Fatalf("with the right secret: exit status %d, want 0", code)
	}
	if strings.Contains(out+errOut, secret) {
		t.Error("the secret appears in the output")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	var o, e bytes.Buffer
	if code := run(ctx, []string{"-master", srv.URL(), "-principal", "ops", "-secret", bad, "-name", "auth", "-command", "true", "-v"}, &o, &e); code == 0 {
		t.Fatal("with a wrong secret: exit status 0")
	}
	if strings.Contains(o.String()+e.String(), secret) {
		t.Error("the secret appears in the output of the refused run")
	}
}

func TestTaskAndTaskGroupJSON(t *testing.T) {
	srv := cluster(t)
	dir := t.TempDir()
	task := filepath.Join(dir, "task.json")
	if err := os.WriteFile(task, []byte(`{"name":"from-json","task_id":{"value":"from-json"},"agent_id":{"value":""},
		"resources":[{"name":"cpus","type":"SCALAR","scalar":{"value":0.1}},{"name":"mem","type":"SCALAR","scalar":{"value":32}}],
		"command":{"value":"exit 4"}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, out, _ := execute(t, "-master", srv.URL(), "-task", "file://"+task); code != 4 || !strings.Contains(out, "Submitted task 'from-json'") {
		t.Fatalf("-task: exit status %d, want 4", code)
	}
	group := `{"tasks":[
		{"name":"a","task_id":{"value":"a"},"resources":[{"name":"cpus","type":"SCALAR","scalar":{"value":0.1}},{"name":"mem","type":"SCALAR","scalar":{"value":32}}],"command":{"value":"true"}},
		{"name":"b","task_id":{"value":"b"},"resources":[{"name":"cpus","type":"SCALAR","scalar":{"value":0.1}},{"name":"mem","type":"SCALAR","scalar":{"value":32}}],"command":{"value":"exit 5"}}]}`
	// Mesos's default executor runs the group, and kills a when b fails: b, the first to fail, decides.
	code, out, _ := execute(t, "-master", srv.URL(), "-task_group", group)
	if !strings.Contains(out, "Submitted task group with tasks [a, b]") {
		t.Fatalf("-task_group: no launch")
	}
	if code != 5 || !strings.Contains(out, "Received status update TASK_FAILED for task 'b'") {
		t.Fatalf("-task_group: exit status %d, want b's 5", code)
	}
}

func TestFlagErrors(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-name", "x", "-command", "true"}, "missing required option -master"},
		{[]string{"-master", "127.0.0.1:1", "-command", "true"}, "missing required option -name"},
		{[]string{"-master", "127.0.0.1:1", "-name", "x"}, "missing required option -command"},
		{[]string{"-master", "127.0.0.1:1", "-name", "x", "-command", "true", "-resources", "cpus:abc"}, `-resources "cpus:abc"`},
		{[]string{"-master", "127.0.0.1:1", "-name", "x", "-command", "true", "-resources", "cpus:1;cpus:[1-2]"}, "two types"},
		{[]string{"-master", "127.0.0.1:1", "-task", "{}", "-task_group", "{}"}, "not both"},
		{[]string{"-master", "127.0.0.1:1", "-task", "{}", "-name", "x"}, "-name can only be set"},
		{[]string{"-master", "127.0.0.1:1", "-task", "{nope"}, "-task:"},
		{[]string{"-master", "127.0.0.1:1", "-task", `{"command":{"value":"true"}}`}, "needs a name and a task_id"},
		{[]string{"-master", "127.0.0.1:1", "-task", filepath.Join(dir, "missing.json")}, "no such file"},
		{[]string{"-master", "127.0.0.1:1", "-name", "x", "-command", "true", "-content_type", "xml"}, "invalid -content_type"},
		{[]string{"-master", "127.0.0.1:1", "-name", "x", "-command", "true", "-kill_after", "soon"}, "invalid -kill_after"},
		{[]string{"-master", "127.0.0.1:1", "-name", "x", "-command", "true", "-secret", "/x"}, "-secret needs -principal"},
		{[]string{"-master", "127.0.0.1:1", "-name", "x", "-command", "true", "-principal", "p", "-secret", filepath.Join(dir, "none")}, "-secret: open"},
		{[]string{"-master", "127.0.0.1:1", "-name", "x", "-command", "true", "-env", "[1]"}, "-env: want a JSON object"},
		{[]string{"-master", "127.0.0.1:1", "-name", "x", "-command", "true", "-framework_capabilities", "FLYING"}, "unknown or unsupported capability"},
	} {
		var out, errOut bytes.Buffer
		code := run(context.Background(), tc.args, &out, &errOut)
		if code == 0 || !strings.Contains(errOut.String(), tc.want) {
			t.Errorf("run(%q) = %d, stderr %q; want a failure saying %q", tc.args, code, errOut.String(), tc.want)
		}
	}
}

func TestMesosBoolNegation(t *testing.T) {
	got := mesosBools([]string{"--no-partition_aware", "-no-shell", "--no-master", "-command", "--no-checkpoint", "--", "--no-v"})
	want := []string{"-partition_aware=false", "-shell=false", "--no-master", "-command", "-checkpoint=false", "--", "--no-v"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("mesosBools = %q, want %q", got, want)
	}
}

// TestStreamsOutput: a command task's stdout and stderr come through the agent's files API. (A task of a
// group is read from tasks/<task id> in the default executor's sandbox: TestSandboxStream, since mesostest's
// agents do not list DEFAULT executors in /state; docs/MESOSTEST-DEVIATIONS.md.)
func TestStreamsOutput(t *testing.T) {
	for _, ct := range []string{"protobuf", "json"} {
		t.Run(ct, func(t *testing.T) {
			srv := cluster(t)
			code, out, errOut := execute(t, "-master", srv.URL(), "-content_type", ct, "-name", "talk",
				"-command", "echo out-line; echo err-line >&2; sleep 0.5; echo late-line")
			if code != 0 || !strings.Contains(out, "out-line\n") || !strings.Contains(out, "late-line\n") || !strings.Contains(errOut, "err-line\n") {
				t.Errorf("exit status %d; streamed output missing", code)
			}
		})
	}
}
