// SPDX-License-Identifier: Apache-2.0

package ha

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/go-zookeeper/zk"
)

// outcomeGrace bounds how long a write whose ctx ended while it was in
// flight still waits for ZooKeeper's answer, and how long the read-back
// that resolves an unknown outcome may take once ctx has ended.
const outcomeGrace = time.Second

// ErrOutcomeUnknown is matched by every *OutcomeError: a write was sent to
// ZooKeeper, but neither its answer nor a read-back could tell whether it
// was applied (the connection was lost or ctx ended meanwhile). Nothing can
// be assumed; Records.Resolve finds out later.
var ErrOutcomeUnknown = errors.New("ha: outcome of the write unknown")

// OutcomeError reports a Put or Delete that may or may not have been
// applied. Records.Resolve reads the record back to find out.
type OutcomeError struct {
	Op       string  // "put" or "delete"
	Path     string  // znode path
	Expected Version // the version the write expected
	Err      error   // why the outcome is unknown (a lost connection, ctx's error)
	data     []byte  // what a put wrote
}

// Error implements error.
func (e *OutcomeError) Error() string {
	return fmt.Sprintf("ha: %s %q (expected %v): outcome unknown: %v", e.Op, e.Path, e.Expected, e.Err)
}

// Is makes errors.Is(err, ErrOutcomeUnknown) true.
func (e *OutcomeError) Is(target error) bool { return target == ErrOutcomeUnknown }

// Unwrap returns the cause.
func (e *OutcomeError) Unwrap() error { return e.Err }

// Resolve finds out whether the write that failed with err (an error
// matching ErrOutcomeUnknown, from this collection) was applied, by reading
// the record back: applied is true and v the record's version (Absent for a
// delete) when it was, false when it certainly was not (the record is as
// the write expected it: the write can be made again). Any other state of
// the record (another writer changed it) is a *ConflictError; an error
// that is not an *OutcomeError is returned as it is. For a view fenced by a
// Term, Resolve fails with ErrNotLeader once the Term has ended: another
// leader may have written since.
func (r *Records) Resolve(ctx context.Context, err error) (applied bool, v Version, rerr error) {
	var oe *OutcomeError
	if !errors.As(err, &oe) {
		return false, 0, err
	}
	if r.fence != nil && r.fence.Err() != nil {
		return false, 0, fmt.Errorf("%w: resolve %q: the Term ended: %w", ErrNotLeader, oe.Path, r.fence.Err())
	}
	return r.c.readBack(ctx, oe)
}

// readBack decides the outcome of oe from the node's current state.
func (c *Conn) readBack(ctx context.Context, oe *OutcomeError) (bool, Version, error) {
	data, st, err := c.getNode(ctx, oe.Path)
	absent := errors.Is(err, ErrNotFound)
	if err != nil && !absent {
		return false, 0, err
	}
	found := Absent
	if !absent {
		found = Version(st.Version)
	}
	switch oe.Op {
	case "delete":
		switch {
		case absent:
			return true, Absent, nil
		case found == oe.Expected || oe.Expected == Any:
			return false, found, nil
		}
	case "put":
		want := oe.Expected + 1
		if oe.Expected == Absent {
			want = 0
		}
		switch {
		case !absent && found == want && bytes.Equal(data, oe.data):
			return true, found, nil
		case found == oe.Expected:
			return false, found, nil
		}
	}
	return false, 0, &ConflictError{Path: oe.Path, Expected: oe.Expected, Actual: found}
}

// uncertain reports whether err, from a write that was sent, leaves its
// outcome unknown: the connection was lost (or the session ended) before
// the answer, or ctx ended while it was in flight.
func uncertain(err error) bool {
	return transient(err) || errors.Is(err, errInFlight)
}

// errInFlight marks a write whose ctx ended while ZooKeeper had it.
var errInFlight = errors.New("ha: ctx ended while the write was in flight")

// doWait is do for writes: when ctx ends while fn runs, it waits up to
// outcomeGrace more for fn's answer, and then returns an error matching
// errInFlight (and ctx's error) rather than pretending nothing happened.
func (c *Conn) doWait(ctx context.Context, fn func(z *zk.Conn) error) error {
	if err := c.waitReady(ctx); err != nil {
		return err
	}
	c.mu.Lock()
	if c.zkClosed {
		c.mu.Unlock()
		return ErrClosed
	}
	c.ops.Add(1)
	c.mu.Unlock()
	done := make(chan error, 1)
	go func() {
		defer c.ops.Done()
		done <- fn(c.zk)
	}()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	t := time.NewTimer(outcomeGrace)
	defer t.Stop()
	select {
	case err := <-done:
		return err
	case <-t.C:
		return fmt.Errorf("%w: %w", errInFlight, ctx.Err())
	}
}

// settle resolves a write that failed with the uncertain error err: it
// reads back (within ctx, or for outcomeGrace once ctx has ended). It
// returns retry true when the write certainly was not applied and may be
// sent again (ctx and fence still valid), or the final result.
func (c *Conn) settle(ctx context.Context, fence *Term, oe *OutcomeError) (retry bool, applied bool, v Version, err error) {
	rctx := ctx
	if ctx.Err() != nil {
		var cancel context.CancelFunc
		rctx, cancel = context.WithTimeout(context.WithoutCancel(ctx), outcomeGrace)
		defer cancel()
	}
	applied, v, rerr := c.readBack(rctx, oe)
	switch {
	case rerr != nil:
		var ce *ConflictError
		if errors.As(rerr, &ce) {
			return false, false, 0, ce
		}
		return false, false, 0, oe
	case applied:
		return false, true, v, nil
	case ctx.Err() != nil:
		return false, false, 0, oe.withCause(ctx.Err())
	case fence != nil && fence.Err() != nil:
		return false, false, 0, fmt.Errorf("%w: write %q: the Term ended: %w", ErrNotLeader, oe.Path, fence.Err())
	}
	return true, false, 0, nil
}

// withCause returns a copy of e with err as its cause.
func (e *OutcomeError) withCause(err error) error {
	cp := *e
	cp.Err = err
	return &cp
}
