// SPDX-License-Identifier: Apache-2.0

package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mesoskit/mesoskit/mesosproto"
)

// fakeFilesAgent serves an agent's /state and /files/read (FilesProcess::read) for one executor's sandbox,
// the endpoints mesostest's agents do not serve on this branch.
func fakeFilesAgent(t *testing.T, sandbox string) *httptest.Server {
	mux := http.NewServeMux()
	mux.HandleFunc("/state", func(w http.ResponseWriter, r *http.Request) {
		_ = json.NewEncoder(w).Encode(map[string]any{"frameworks": []any{map[string]any{"id": "fw-1",
			"executors": []any{map[string]any{"id": "task-1", "directory": sandbox}}}}})
	})
	mux.HandleFunc("/files/read", func(w http.ResponseWriter, r *http.Request) {
		path := r.URL.Query().Get("path")
		if !strings.HasPrefix(path, sandbox+"/") {
			http.NotFound(w, r)
			return
		}
		data, err := os.ReadFile(path)
		if err != nil {
			http.NotFound(w, r)
			return
		}
		off, _ := strconv.Atoi(r.URL.Query().Get("offset"))
		n, _ := strconv.Atoi(r.URL.Query().Get("length"))
		data = data[min(off, len(data)):]
		data = data[:min(n, len(data))]
		_ = json.NewEncoder(w).Encode(map[string]any{"data": string(data), "offset": off})
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func TestSandboxStream(t *testing.T) {
	dir := t.TempDir()
	stdoutFile := filepath.Join(dir, "stdout")
	if err := os.WriteFile(stdoutFile, []byte("first line\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "stderr"), []byte("warning\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	agent := fakeFilesAgent(t, dir)
	out, errOut := &lockedBuffer{}, &lockedBuffer{}
	s := newSandboxStream(agent.URL, "fw-1", "task-1", "", out, errOut)
	done := make(chan struct{})
	go func() { defer close(done); s.run() }()
	deadline := time.Now().Add(20 * time.Second)
	for out.String() != "first line\n" && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond) // polling for the stream's first read
	}
	f, err := os.OpenFile(stdoutFile, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	big := strings.Repeat("x", readLength+10) // more than one read
	_, _ = f.WriteString("second line\n" + big)
	_ = f.Close()
	s.stop() // the task ended: the rest is read before run returns
	<-done
	if got, want := out.String(), "first line\nsecond line\n"+big; got != want {
		t.Errorf("stdout streamed %d bytes, want %d", len(got), len(want))
	}
	if errOut.String() != "warning\n" {
		t.Errorf("stderr streamed %q", errOut.String())
	}
}

// TestSandboxStreamGroupTask reads a task of a group from tasks/<task id> in its executor's sandbox.
func TestSandboxStreamGroupTask(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "tasks", "g"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "tasks", "g", "stdout"), []byte("from the group\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "stdout"), []byte("the executor's own log\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	agent := fakeFilesAgent(t, dir)
	out := &lockedBuffer{}
	s := newSandboxStream(agent.URL, "fw-1", "task-1", "/tasks/g", out, out)
	s.stop()
	s.run()
	if out.String() != "from the group\n" {
		t.Errorf("streamed %q, want the task's stdout only", out.String())
	}
}

func TestSandboxStreamWithoutFilesAPI(t *testing.T) {
	agent := httptest.NewServer(http.NotFoundHandler())
	defer agent.Close()
	out := &lockedBuffer{}
	s := newSandboxStream(agent.URL, "fw-1", "task-1", "", out, out)
	s.stop()
	s.run()
	if out.String() != "" {
		t.Errorf("wrote %q without a files API", out.String())
	}
}

func TestExitStatus(t *testing.T) {
	for _, tc := range []struct {
		state mesosproto.TaskState
		msg   string
		want  int
	}{
		{mesosproto.TaskState_TASK_FINISHED, "Command exited with status 0", 0},
		{mesosproto.TaskState_TASK_FAILED, "Command exited with status 3", 3},
		{mesosproto.TaskState_TASK_FAILED, "Command exited with status 0", 1},
		{mesosproto.TaskState_TASK_FAILED, "Command terminated with signal Killed", 1},
		{mesosproto.TaskState_TASK_FAILED, "Command exited with status 300", 1},
		{mesosproto.TaskState_TASK_KILLED, "Command exited with status 3", 1},
		{mesosproto.TaskState_TASK_LOST, "", 1},
	} {
		st := &mesosproto.TaskStatus{State: tc.state.Enum(), Message: &tc.msg}
		if got := exitStatus(st); got != tc.want {
			t.Errorf("exitStatus(%s, %q) = %d, want %d", tc.state, tc.msg, got, tc.want)
		}
	}
}
