// SPDX-License-Identifier: Apache-2.0

package scheduler

import (
	"context"
	"errors"
	"testing"
	"time"
)

// A callContext bounds each call by the timeout, and a call after one that
// ran out gets a fresh context.
func TestCallContext(t *testing.T) {
	parent, cancelParent := context.WithCancel(context.Background())
	defer cancelParent()
	cc := newCallContext(parent, 50*time.Millisecond)
	defer cc.close()

	// Calls that end in time share one live context.
	first := cc.begin()
	cc.end()
	if second := cc.begin(); second != first || second.Err() != nil {
		t.Fatalf("second call: same context %v, err %v; want the first, live", second == first, second.Err())
	}
	cc.end()

	// A call that overruns is cancelled with errCallTimedOut.
	ctx := cc.begin()
	select {
	case <-ctx.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("call context not cancelled after its timeout")
	}
	if cause := context.Cause(ctx); !errors.Is(cause, errCallTimedOut) {
		t.Fatalf("cause %v, want errCallTimedOut", cause)
	}
	cc.end()
	next := cc.begin()
	if next == ctx || next.Err() != nil {
		t.Fatalf("call after a timeout: fresh %v, err %v; want a fresh live context", next != ctx, next.Err())
	}
	cc.end()

	// Without a timeout the context is the parent's.
	if got := newCallContext(parent, 0).begin(); got != parent {
		t.Fatal("no timeout: want the parent context")
	}
	cancelParent()
	if err := cc.begin().Err(); err == nil {
		t.Fatal("parent cancelled: call context still live")
	}
	cc.end()
}
