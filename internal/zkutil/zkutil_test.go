// SPDX-License-Identifier: Apache-2.0

package zkutil

import (
	"testing"

	"go.uber.org/goleak"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

type step struct {
	server     string
	retryStart bool
}

func next(h *HostList) step { s, r := h.Next(); return step{s, r} }

func TestHostListRoundRobin(t *testing.T) {
	var h HostList
	if err := h.Init([]string{"a:1", "b:2", "c:3"}); err != nil {
		t.Fatal(err)
	}
	if h.Len() != 3 {
		t.Fatalf("Len() = %d, want 3", h.Len())
	}
	// Before any connection: a full round, then the pause when the first server comes round again.
	want := []step{{"a:1", false}, {"b:2", false}, {"c:3", false}, {"a:1", true}}
	for i, w := range want {
		if got := next(&h); got != w {
			t.Fatalf("Next #%d = %+v, want %+v", i, got, w)
		}
	}
	// Connected to a:1: the pause comes when a:1 is reached again.
	h.Connected()
	for i, w := range []step{{"b:2", false}, {"c:3", false}, {"a:1", true}} {
		if got := next(&h); got != w {
			t.Fatalf("after Connected, Next #%d = %+v, want %+v", i, got, w)
		}
	}
}

func TestHostListSkipNextPause(t *testing.T) {
	var h HostList
	_ = h.Init([]string{"a:1"})
	if got := next(&h); got != (step{"a:1", false}) {
		t.Fatalf("first Next = %+v", got)
	}
	h.Connected()
	h.SkipNextPause()
	if got := next(&h); got.retryStart {
		t.Fatalf("Next after SkipNextPause = %+v, want no pause", got)
	}
	if got := next(&h); !got.retryStart {
		t.Fatalf("SkipNextPause lasted more than one Next: %+v", got)
	}
}

func TestLogger(t *testing.T) {
	core, logs := observer.New(zapcore.DebugLevel)
	Logger(zap.New(core)).Printf("connected to %s\n", "127.0.0.1:2181")
	entries := logs.All()
	if len(entries) != 1 || entries[0].Message != "connected to 127.0.0.1:2181" || entries[0].Level != zapcore.DebugLevel {
		t.Fatalf("logged %+v", entries)
	}
}
