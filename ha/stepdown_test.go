// SPDX-License-Identifier: Apache-2.0

package ha_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"syscall"
	"testing"

	"github.com/go-zookeeper/zk"

	"github.com/mesoskit/mesoskit/ha"
)

// A leader whose work fails with a transient ZooKeeper error while its Term
// is valid steps down and campaigns again instead of ending Run: before the
// fix Run returned the error (and the example's replica exited 1). Errors
// that are not transient still end Run. Issue #14, defect 4.
func TestRunStepsDownOnTransientError(t *testing.T) {
	zkc := sharedZK(t)
	ctx := testCtx(t)
	base := basePath(t)
	a := newReplica(t, zkc, base+"/leader", 0, shortSession)
	transientErrs := []error{
		fmt.Errorf("record: %w", zk.ErrConnectionClosed),
		fmt.Errorf("record: %w", zk.ErrNoServer),
		&ha.OutcomeError{Op: "delete", Path: "/x", Expected: 0, Err: context.Canceled},
	}
	calls := 0
	err := ha.Run(ctx, a.el, func(ctx context.Context, term *ha.Term) error {
		calls++
		if calls <= len(transientErrs) {
			return transientErrs[calls-1]
		}
		return nil
	})
	if err != nil {
		t.Fatalf("Run = %v, want nil after stepping down %d times", err, len(transientErrs))
	}
	if calls != len(transientErrs)+1 {
		t.Errorf("fn called %d times, want %d", calls, len(transientErrs)+1)
	}

	permanent := errors.New("the work failed")
	err = ha.Run(ctx, a.el, func(ctx context.Context, term *ha.Term) error { return permanent })
	if !errors.Is(err, permanent) {
		t.Errorf("Run = %v, want the non-transient error", err)
	}
}

// A request that fails with the connection's own I/O error (the connection
// died as it was sent) is transient like go-zookeeper's ErrConnectionClosed:
// the chaos soak saw a leader end Run on `read …: write: broken pipe`.
func TestRunStepsDownOnConnectionIOError(t *testing.T) {
	zkc := sharedZK(t)
	ctx := testCtx(t)
	a := newReplica(t, zkc, basePath(t)+"/leader", 0, shortSession)
	calls := 0
	err := ha.Run(ctx, a.el, func(ctx context.Context, term *ha.Term) error {
		calls++
		if calls == 1 {
			return fmt.Errorf("ha: ZooKeeper: read %q: %w", "/x", &net.OpError{Op: "write", Net: "tcp", Err: syscall.EPIPE})
		}
		return nil
	})
	if err != nil || calls != 2 {
		t.Fatalf("Run = %v after %d calls, want nil after 2", err, calls)
	}
}
