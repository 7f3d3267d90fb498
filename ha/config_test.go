// SPDX-License-Identifier: Apache-2.0

package ha_test

import (
	"context"
	"errors"
	"testing"

	"github.com/mesoskit/mesoskit/ha"
)

func TestConfigVersionsAndCompareAndSet(t *testing.T) {
	zkc := sharedZK(t)
	conn, _ := connect(t, zkc, shortSession)
	ctx := testCtx(t)
	cfg, err := ha.NewConfig(conn, basePath(t)+"/config")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cfg.Get(ctx); !errors.Is(err, ha.ErrNotFound) {
		t.Fatalf("Get before Set: %v, want ErrNotFound", err)
	}
	v0, err := cfg.Set(ctx, []byte(`{"tasks":1}`), ha.Absent)
	if err != nil || v0 != 0 {
		t.Fatalf("create: %v, %v", v0, err)
	}
	if _, err := cfg.Set(ctx, []byte(`{}`), ha.Absent); !errors.Is(err, ha.ErrConflict) {
		t.Fatalf("second create: %v, want ErrConflict", err)
	}
	v1, err := cfg.Set(ctx, []byte(`{"tasks":2}`), v0)
	if err != nil || v1 != 1 {
		t.Fatalf("compare-and-set: %v, %v", v1, err)
	}
	var conflict *ha.ConflictError
	if _, err := cfg.Set(ctx, []byte(`{"tasks":3}`), v0); !errors.As(err, &conflict) || conflict.Actual != v1 {
		t.Fatalf("stale compare-and-set: %v, want a conflict with %v", err, v1)
	}
	rec, err := cfg.Get(ctx)
	if err != nil || string(rec.Data) != `{"tasks":2}` || rec.Version != v1 {
		t.Fatalf("Get: %v %q, %v", rec, rec.Data, err)
	}
	for _, p := range []string{"/", "/config", "relative", "/a/"} {
		if _, err := ha.NewConfig(conn, p); err == nil {
			t.Errorf("NewConfig(%q) accepted", p)
		}
	}
}

// Follow delivers every change to the running program, also across a session expiry.
func TestConfigFollow(t *testing.T) {
	zkc := sharedZK(t)
	conn, _ := connect(t, zkc, shortSession)
	writer, _ := connect(t, zkc, shortSession)
	ctx := testCtx(t)
	path := basePath(t) + "/config"
	cfg, _ := ha.NewConfig(conn, path)
	wcfg, _ := ha.NewConfig(writer, path)

	seen := make(chan ha.Record, 16)
	fctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() {
		done <- cfg.Follow(fctx, func(_ context.Context, r ha.Record) error { seen <- r; return nil })
	}()
	next := func() ha.Record {
		t.Helper()
		select {
		case r := <-seen:
			return r
		case <-ctx.Done():
			t.Fatal("no configuration delivered")
			return ha.Record{}
		}
	}
	if r := next(); r.Version != ha.Absent {
		t.Fatalf("first: %v, want absent", r)
	}
	v, err := wcfg.Set(ctx, []byte("a"), ha.Absent)
	if err != nil {
		t.Fatal(err)
	}
	if r := next(); string(r.Data) != "a" || r.Version != v {
		t.Fatalf("after create: %v %q", r, r.Data)
	}
	zkc.ExpireSession(t, ha.ZKConn(conn))
	if _, err = wcfg.Set(ctx, []byte("b"), v); err != nil {
		t.Fatal(err)
	}
	// Re-reading "a" in the new session is not delivered again: the next delivery is "b".
	if r := next(); string(r.Data) != "b" {
		t.Fatalf("after expiry: %v %q, want b", r, r.Data)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Follow: %v", err)
	}
	select {
	case r := <-seen:
		t.Fatalf("extra delivery %v %q", r, r.Data)
	default:
	}

	// An error of apply ends Follow with it.
	boom := errors.New("boom")
	if err := cfg.Follow(ctx, func(context.Context, ha.Record) error { return boom }); !errors.Is(err, boom) {
		t.Fatalf("Follow with a failing apply: %v", err)
	}
}
