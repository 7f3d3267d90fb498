// SPDX-License-Identifier: Apache-2.0

package operator_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mesoskit/mesoskit/operator"
)

func newAgent(t *testing.T, addr string, opts ...operator.Option) *operator.Agent {
	t.Helper()
	base := []operator.Option{operator.WithBackoff(5*time.Millisecond, 20*time.Millisecond)}
	a, err := operator.NewAgent(addr, append(base, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Close() })
	return a
}

func TestSandboxPath(t *testing.T) {
	// src/slave/paths.cpp, getExecutorVirtualPath.
	if got, want := operator.SandboxPath("fw-1", "task-1"), "/frameworks/fw-1/executors/task-1/runs/latest"; got != want {
		t.Errorf("SandboxPath = %q, want %q", got, want)
	}
}

// TestReadAtAndFileSize: bytes come back exactly, invalid UTF-8, quotes and
// control characters included; the size comes from offset=-1.
func TestReadAtAndFileSize(t *testing.T) {
	ag := newFakeAgent(t)
	content := "a\"b\\c\x01\n\xff\xfe é 😀/"
	ag.write("stdout", content)
	a := newAgent(t, ag.hostPort())
	ctx := ctxT(t)
	got, err := a.ReadAt(ctx, "/sandbox/stdout", 0, 1000)
	if err != nil || string(got) != content {
		t.Fatalf("ReadAt = %q, %v; want %q", got, err, content)
	}
	got, err = a.ReadAt(ctx, "/sandbox/stdout", 2, 3)
	if err != nil || string(got) != content[2:5] {
		t.Errorf("ReadAt(2, 3) = %q, %v; want %q", got, err, content[2:5])
	}
	got, err = a.ReadAt(ctx, "/sandbox/stdout", int64(len(content))+10, 3)
	if err != nil || len(got) != 0 {
		t.Errorf("ReadAt past the end = %q, %v; want nothing", got, err)
	}
	size, err := a.FileSize(ctx, "/sandbox/stdout")
	if err != nil || size != int64(len(content)) {
		t.Errorf("FileSize = %d, %v; want %d", size, err, len(content))
	}
	if _, err := a.ReadAt(ctx, "/sandbox/stdout", -1, 3); err == nil {
		t.Error("ReadAt with a negative offset succeeded")
	}
	if _, err := a.ReadAt(ctx, "/sandbox/stdout", 0, 0); err == nil {
		t.Error("ReadAt with length 0 succeeded")
	}
	var apiErr *operator.APIError
	if _, err := a.ReadAt(ctx, "/sandbox/missing", 0, 3); !errors.As(err, &apiErr) || apiErr.StatusCode != 404 || apiErr.Call != "/files/read" {
		t.Errorf("ReadAt of a missing file = %v; want *APIError 404", err)
	}
	if _, err := a.ReadAt(ctx, "/sandbox", 0, 3); !errors.As(err, &apiErr) || apiErr.StatusCode != 400 ||
		!strings.Contains(apiErr.Body, "Cannot read a directory") {
		t.Errorf("ReadAt of a directory = %v; want *APIError 400", err)
	}
}

// TestReadAtCapped: the agent answers at most 16 pages; ReadAt returns
// what it got.
func TestReadAtCapped(t *testing.T) {
	ag := newFakeAgent(t)
	ag.write("big", strings.Repeat("x", 3*operator.MaxReadLength))
	a := newAgent(t, ag.hostPort())
	got, err := a.ReadAt(ctxT(t), "/sandbox/big", 0, 2*operator.MaxReadLength)
	if err != nil || len(got) != operator.MaxReadLength {
		t.Fatalf("ReadAt = %d bytes, %v; want %d", len(got), err, operator.MaxReadLength)
	}
}

func TestBrowse(t *testing.T) {
	ag := newFakeAgent(t)
	ag.write("stdout", "hello")
	ag.write("stderr", "")
	a := newAgent(t, ag.hostPort())
	list, err := a.Browse(ctxT(t), "/sandbox")
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].Path != "/sandbox/stderr" || list[1].Path != "/sandbox/stdout" ||
		list[1].Size != 5 || list[1].IsDir() || list[1].Mode[0] != '-' {
		t.Errorf("Browse = %+v", list)
	}
	var apiErr *operator.APIError
	if _, err := a.Browse(ctxT(t), "/elsewhere"); !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusNotFound {
		t.Errorf("Browse of an unknown path = %v; want 404", err)
	}
}

// TestTailFileWhole copies a file of several chunks and stops at its end.
func TestTailFileWhole(t *testing.T) {
	ag := newFakeAgent(t)
	var want strings.Builder
	for i := range 5000 {
		want.WriteString(strings.Repeat(string(rune('a'+i%26)), 30) + "\n")
	}
	ag.write("stdout", want.String())
	a := newAgent(t, ag.hostPort())
	var out bytes.Buffer
	n, err := a.TailFile(ctxT(t), "/sandbox/stdout", &out)
	if err != nil || n != int64(want.Len()) || out.String() != want.String() {
		t.Fatalf("TailFile = %d, %v; got %d bytes equal=%v, want %d", n, err, out.Len(), out.String() == want.String(), want.Len())
	}
	if min := want.Len()/operator.MaxReadLength + 1; ag.readCount() < min {
		t.Errorf("%d reads for %d bytes; want at least %d (chunked)", ag.readCount(), want.Len(), min)
	}
}

// TestTailFileLastAndLimit: a negative TailFrom starts before the end,
// TailLimit stops early, TailChunk sets the request length.
func TestTailFileLastAndLimit(t *testing.T) {
	ag := newFakeAgent(t)
	ag.write("stdout", "0123456789")
	a := newAgent(t, ag.hostPort())
	var out bytes.Buffer
	if _, err := a.TailFile(ctxT(t), "/sandbox/stdout", &out, operator.TailFrom(-4)); err != nil || out.String() != "6789" {
		t.Errorf("TailFrom(-4) = %q, %v", out.String(), err)
	}
	out.Reset()
	if _, err := a.TailFile(ctxT(t), "/sandbox/stdout", &out, operator.TailFrom(-40)); err != nil || out.String() != "0123456789" {
		t.Errorf("TailFrom(-40) = %q, %v", out.String(), err)
	}
	out.Reset()
	if _, err := a.TailFile(ctxT(t), "/sandbox/stdout", &out, operator.TailFrom(2), operator.TailLimit(5), operator.TailChunk(2)); err != nil || out.String() != "23456" {
		t.Errorf("TailFrom(2) TailLimit(5) = %q, %v", out.String(), err)
	}
	if _, err := a.TailFile(ctxT(t), "/sandbox/stdout", &out, operator.TailChunk(operator.MaxReadLength+1)); err == nil {
		t.Error("TailChunk beyond MaxReadLength accepted")
	}
	var apiErr *operator.APIError
	if _, err := a.TailFile(ctxT(t), "/sandbox/missing", &out); !errors.As(err, &apiErr) || apiErr.StatusCode != 404 {
		t.Errorf("TailFile of a missing file without following = %v; want 404", err)
	}
}

// TestTailFileFollow follows a file that does not exist yet, grows, and
// shrinks (rotated), until TailUntil's channel is closed; the bytes written
// before it closes are all delivered.
func TestTailFileFollow(t *testing.T) {
	ag := newFakeAgent(t)
	a := newAgent(t, ag.hostPort())
	done := make(chan struct{})
	var closeOnce sync.Once
	// The agent's side evolves with the reads: the file appears, grows,
	// is rotated, grows again, and then the task ends.
	ag.onRead = func(n int) {
		switch n {
		case 3:
			ag.write("stdout", "one\n")
		case 6:
			ag.appendTo("stdout", "two\n")
		case 9:
			ag.write("stdout", "3\n") // shorter than what was read: rotated
		case 12:
			ag.appendTo("stdout", "four\n")
			closeOnce.Do(func() { close(done) })
		}
	}
	var out bytes.Buffer
	n, err := a.TailFile(ctxT(t), "/sandbox/stdout", &out, operator.TailFollow(time.Millisecond), operator.TailUntil(done))
	if err != nil {
		t.Fatal(err)
	}
	if want := "one\ntwo\n3\nfour\n"; out.String() != want || n != int64(len(want)) {
		t.Errorf("followed %q (%d), want %q", out.String(), n, want)
	}
}

// TestTailFileFollowCancel: a following tail ends with nil when its ctx is
// cancelled.
func TestTailFileFollowCancel(t *testing.T) {
	ag := newFakeAgent(t)
	ag.write("stdout", "x")
	a := newAgent(t, ag.hostPort())
	ctx, cancel := context.WithCancel(ctxT(t))
	ag.onRead = func(n int) {
		if n == 4 {
			cancel()
		}
	}
	var out bytes.Buffer
	if _, err := a.TailFile(ctx, "/sandbox/stdout", &out, operator.TailFollow(time.Millisecond)); err != nil || out.String() != "x" {
		t.Errorf("TailFile = %q, %v; want \"x\", nil", out.String(), err)
	}
}

// failingWriter fails every write.
type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestTailFileWriteError(t *testing.T) {
	ag := newFakeAgent(t)
	ag.write("stdout", "x")
	a := newAgent(t, ag.hostPort())
	if _, err := a.TailFile(ctxT(t), "/sandbox/stdout", failingWriter{}); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("TailFile into a failing writer = %v", err)
	}
}

func TestNewAgentValidation(t *testing.T) {
	for _, addr := range []string{"", "ftp://h:1", "h", "http://u:p@h:1", "://"} {
		if _, err := operator.NewAgent(addr); err == nil {
			t.Errorf("NewAgent(%q) succeeded", addr)
		}
	}
	if _, err := operator.NewAgent("h:1", operator.WithDetector(nil)); err == nil {
		t.Error("NewAgent with WithDetector(nil) succeeded")
	}
	a, err := operator.NewAgent("https://h:5051/slave(1)")
	if err != nil || a.URL() != "https://h:5051" {
		t.Errorf("NewAgent(https://h:5051/slave(1)) = %v, %v", a, err)
	}
}
