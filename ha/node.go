// SPDX-License-Identifier: Apache-2.0

package ha

import (
	"context"
	"errors"
	"fmt"
	"path"
	"time"

	"github.com/go-zookeeper/zk"
)

// Versioned reads and writes of one znode, shared by Records and FrameworkIDStore. A write fenced by a Term
// is sent as a multi-op that first checks that the Term's election node exists: it is applied only while
// no other replica can have started leading.

// getNode reads a znode; ErrNotFound when it does not exist.
func (c *Conn) getNode(ctx context.Context, p string) ([]byte, *zk.Stat, error) {
	var data []byte
	var st *zk.Stat
	err := c.retry(ctx, func(z *zk.Conn) error {
		var err error
		data, st, err = z.Get(p)
		return err
	})
	if errors.Is(err, zk.ErrNoNode) {
		return nil, nil, ErrNotFound
	}
	if err != nil {
		return nil, nil, c.opError("read", p, err)
	}
	return data, st, nil
}

// putNode writes data at p if its version is expect (Absent: creates it; Any: whatever it is) and returns
// the new version. The node is created with acl, its missing parent with dirACL (and the parent's parents
// readable by all).
func (c *Conn) putNode(ctx context.Context, fence *Term, p string, data []byte, expect Version, acl, dirACL []zk.ACL) (Version, error) {
	if expect < Any {
		return 0, fmt.Errorf("ha: put %q: invalid expected version %d", p, int32(expect))
	}
	createdParents := false
	var resent *OutcomeError // the write is being sent again after a lost answer
	for attempt := 0; ; attempt++ {
		var op any
		create := expect == Absent || (expect == Any && attempt%2 == 1)
		if create {
			op = &zk.CreateRequest{Path: p, Data: data, Acl: acl}
		} else {
			v := int32(expect)
			if expect == Any {
				v = -1
			}
			op = &zk.SetDataRequest{Path: p, Data: data, Version: v}
		}
		st, err := c.write(ctx, fence, p, data, op, expect == Any)
		switch {
		case err == nil && create:
			return 0, nil
		case err == nil:
			return Version(st.Version), nil
		case errors.Is(err, zk.ErrNoNode) && create && !createdParents:
			if err := c.ensurePath(ctx, path.Dir(p), dirACL); err != nil {
				return 0, err
			}
			createdParents = true
		case errors.Is(err, zk.ErrNoNode) && expect == Any && attempt < 4:
			// Not there: create it (next attempt).
		case errors.Is(err, zk.ErrNodeExists) && expect == Any && attempt < 4:
			// Created meanwhile: overwrite it (next attempt).
		case errors.Is(err, zk.ErrNodeExists), errors.Is(err, zk.ErrBadVersion), errors.Is(err, zk.ErrNoNode) && !create:
			if resent != nil {
				// The first attempt, still on its way when we read back, may have been applied since.
				if applied, v, rerr := c.readBack(ctx, resent); rerr == nil && applied {
					return v, nil
				}
			}
			return 0, c.conflict(ctx, p, expect)
		case errors.Is(err, ErrNotLeader), errors.Is(err, ErrTooLarge):
			return 0, err
		case expect != Any && uncertain(err):
			// Sent, answer lost: read back, and write again only if it was not applied.
			oe := &OutcomeError{Op: "put", Path: p, Expected: expect, Err: c.opError("write", p, err), data: data}
			retry, applied, v, err := c.settle(ctx, fence, oe)
			switch {
			case err != nil:
				return 0, err
			case applied:
				return v, nil
			case retry:
				resent = oe
				attempt-- // the same write again
				if !sleepCtx(ctx, minRetryDelay) {
					return 0, oe.withCause(ctx.Err())
				}
			}
		default:
			return 0, c.opError("write", p, err)
		}
	}
}

// deleteNode deletes p if its version is expect (Any: whatever it is; a missing node is then no error).
func (c *Conn) deleteNodeAt(ctx context.Context, fence *Term, p string, expect Version) error {
	if expect == Absent || expect < Any {
		return fmt.Errorf("ha: delete %q: invalid expected version %v", p, expect)
	}
	v := int32(expect)
	if expect == Any {
		v = -1
	}
	for resent := false; ; resent = true {
		_, err := c.write(ctx, fence, p, nil, &zk.DeleteRequest{Path: p, Version: v}, expect == Any)
		switch {
		case err == nil:
			return nil
		case errors.Is(err, zk.ErrNoNode) && (expect == Any || resent):
			return nil // a first attempt still on its way when we read back was applied since
		case errors.Is(err, zk.ErrNoNode), errors.Is(err, zk.ErrBadVersion):
			return c.conflict(ctx, p, expect)
		case errors.Is(err, ErrNotLeader):
			return err
		case expect != Any && uncertain(err):
			// Sent, answer lost: read back, and delete again only if it was not applied.
			oe := &OutcomeError{Op: "delete", Path: p, Expected: expect, Err: c.opError("delete", p, err)}
			retry, applied, _, err := c.settle(ctx, fence, oe)
			switch {
			case err != nil:
				return err
			case applied:
				return nil
			case retry:
				if !sleepCtx(ctx, minRetryDelay) {
					return oe.withCause(ctx.Err())
				}
				continue // resent
			}
		}
		return c.opError("delete", p, err)
	}
}

// conflict builds the ConflictError for p, reading the version found (best effort).
func (c *Conn) conflict(ctx context.Context, p string, expect Version) error {
	ce := &ConflictError{Path: p, Expected: expect, Actual: Any}
	rctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	var ok bool
	var st *zk.Stat
	err := c.do(rctx, func(z *zk.Conn) error {
		var err error
		ok, st, err = z.Exists(p)
		return err
	})
	if err == nil {
		ce.Actual = Absent
		if ok {
			ce.Actual = Version(st.Version)
		}
	}
	return ce
}

// write sends op (a *zk.CreateRequest, *zk.SetDataRequest or *zk.DeleteRequest on p), fenced by fence when
// it is not nil, after checking its size. Idempotent writes are retried after transient errors; others are
// sent once (after a lost connection their outcome is unknown). It returns the zk error of op itself, or
// an error matching ErrNotLeader when the fence failed.
func (c *Conn) write(ctx context.Context, fence *Term, p string, data []byte, op any, idempotent bool) (*zk.Stat, error) {
	ops := []any{op}
	if fence != nil {
		if fence.Err() != nil {
			return nil, c.m.refusedIf(fmt.Errorf("%w: write %q: the Term ended: %w", ErrNotLeader, p, fence.Err()))
		}
		ops = []any{&zk.CheckVersionRequest{Path: fence.node, Version: -1}, op}
	}
	if err := c.checkSize(p, data, ops...); err != nil {
		return nil, err
	}
	run := c.doWait // not retried: after a lost answer the caller reads back (settle)
	if idempotent {
		run = c.retry
	}
	var st *zk.Stat
	err := run(ctx, func(z *zk.Conn) error {
		var err error
		var s *zk.Stat
		if fence == nil {
			switch r := op.(type) {
			case *zk.CreateRequest:
				_, err = z.Create(r.Path, r.Data, r.Flags, r.Acl)
			case *zk.SetDataRequest:
				s, err = z.Set(r.Path, r.Data, r.Version)
			case *zk.DeleteRequest:
				err = z.Delete(r.Path, r.Version)
			}
		} else {
			var res []zk.MultiResponse
			res, err = z.Multi(ops...)
			if err != nil {
				err = multiError(res, err)
			} else {
				s = res[1].Stat
			}
		}
		st = s // read only when run returns nil: the call is over then
		return err
	})
	if errors.Is(err, errNodeGone) {
		return nil, c.m.refusedIf(fmt.Errorf("%w: write %q: our election node %q is gone", ErrNotLeader, p, fence.Node()))
	}
	if err != nil {
		return nil, err
	}
	return st, nil
}
