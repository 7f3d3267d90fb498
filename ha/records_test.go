// SPDX-License-Identifier: Apache-2.0

package ha_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/go-zookeeper/zk"

	"github.com/mesoskit/mesoskit/ha"
)

func newRecords(t testing.TB, c *ha.Conn, path string) *ha.Records {
	t.Helper()
	r, err := ha.NewRecords(c, path)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestRecordsCAS(t *testing.T) {
	zkc := sharedZK(t)
	ctx := testCtx(t)
	c, _ := connect(t, zkc, shortSession)
	r := newRecords(t, c, basePath(t)+"/tasks")

	if keys, err := r.Keys(ctx); err != nil || len(keys) != 0 {
		t.Fatalf("Keys of an absent collection: %v, %v", keys, err)
	}
	if _, err := r.Get(ctx, "task-1"); !errors.Is(err, ha.ErrNotFound) {
		t.Fatalf("Get of a missing record: %v", err)
	}
	v0, err := r.Put(ctx, "task-1", []byte("staging"), ha.Absent)
	if err != nil || v0 != 0 {
		t.Fatalf("create: %v, %v", v0, err)
	}
	// Creating again conflicts and keeps the record.
	_, err = r.Put(ctx, "task-1", []byte("other"), ha.Absent)
	var ce *ha.ConflictError
	if !errors.As(err, &ce) || !errors.Is(err, ha.ErrConflict) || ce.Expected != ha.Absent || ce.Actual != 0 {
		t.Fatalf("second create: %v (%+v)", err, ce)
	}
	v1, err := r.Put(ctx, "task-1", []byte("running"), v0)
	if err != nil || v1 != 1 {
		t.Fatalf("CAS write: %v, %v", v1, err)
	}
	// A writer holding the old version loses, and nothing is overwritten.
	_, err = r.Put(ctx, "task-1", []byte("stale"), v0)
	if !errors.As(err, &ce) || ce.Expected != v0 || ce.Actual != v1 {
		t.Fatalf("stale CAS: %v (%+v)", err, ce)
	}
	if !strings.Contains(err.Error(), "expected v0, found v1") {
		t.Errorf("conflict message: %v", err)
	}
	rec, err := r.Get(ctx, "task-1")
	if err != nil || string(rec.Data) != "running" || rec.Version != v1 || rec.Key != "task-1" || rec.Modified.IsZero() {
		t.Fatalf("after the conflict: %+v, %v", rec, err)
	}
	if err := r.Delete(ctx, "task-1", v0); !errors.As(err, &ce) || ce.Actual != v1 {
		t.Fatalf("stale delete: %v", err)
	}
	if _, err := r.Put(ctx, "task-2", []byte("x"), 3); !errors.As(err, &ce) || ce.Actual != ha.Absent {
		t.Fatalf("CAS on a missing record: %v", err)
	}
	v2, err := r.Put(ctx, "task-1", []byte("finished"), ha.Any)
	if err != nil || v2 != 2 {
		t.Fatalf("unconditional write: %v, %v", v2, err)
	}
	if _, err := r.Put(ctx, "task-3", []byte("new"), ha.Any); err != nil {
		t.Fatalf("unconditional create: %v", err)
	}
	keys, err := r.Keys(ctx)
	if err != nil || fmt.Sprint(keys) != "[task-1 task-3]" {
		t.Fatalf("Keys: %v, %v", keys, err)
	}
	recs, err := r.List(ctx)
	if err != nil || len(recs) != 2 || string(recs[0].Data) != "finished" || string(recs[1].Data) != "new" {
		t.Fatalf("List: %v, %v", recs, err)
	}
	if err := r.Delete(ctx, "task-1", v2); err != nil {
		t.Fatal(err)
	}
	if err := r.Delete(ctx, "task-1", ha.Any); err != nil {
		t.Fatalf("deleting a missing record with Any: %v", err)
	}
	if err := r.Delete(ctx, "task-1", 0); !errors.Is(err, ha.ErrConflict) {
		t.Fatalf("deleting a missing record with a version: %v", err)
	}
	for _, key := range []string{"", "a/b", ".", "..", "x\x00", strings.Repeat("k", 256)} {
		if _, err := r.Put(ctx, key, nil, ha.Any); !errors.Is(err, ha.ErrInvalidKey) {
			t.Errorf("Put(%q): %v, want ErrInvalidKey", key, err)
		}
	}
}

// TestRecordsConcurrentCAS: many writers increment one counter with compare-and-set; every increment
// survives.
func TestRecordsConcurrentCAS(t *testing.T) {
	zkc := sharedZK(t)
	ctx := testCtx(t)
	path := basePath(t) + "/counter"
	const writers, each = 4, 10
	errc := make(chan error, writers)
	conflicts := make(chan int, writers)
	for w := range writers {
		c, _ := connect(t, zkc, shortSession)
		r := newRecords(t, c, path)
		go func() {
			n := 0
			for done := 0; done < each; {
				rec, err := r.Get(ctx, "n")
				expect, val := rec.Version, 0
				if errors.Is(err, ha.ErrNotFound) {
					expect = ha.Absent
				} else if err != nil {
					errc <- err
					return
				} else {
					fmt.Sscan(string(rec.Data), &val)
				}
				_, err = r.Put(ctx, "n", []byte(fmt.Sprint(val+1)), expect)
				if errors.Is(err, ha.ErrConflict) {
					n++
					continue
				}
				if err != nil {
					errc <- fmt.Errorf("writer %d: %w", w, err)
					return
				}
				done++
			}
			conflicts <- n
			errc <- nil
		}()
	}
	for range writers {
		if err := <-errc; err != nil {
			t.Fatal(err)
		}
	}
	total := 0
	for range writers {
		total += <-conflicts
	}
	c, _ := connect(t, zkc, shortSession)
	rec, err := newRecords(t, c, path).Get(ctx, "n")
	if err != nil || string(rec.Data) != fmt.Sprint(writers*each) {
		t.Fatalf("counter = %q, %v; want %d", rec.Data, err, writers*each)
	}
	t.Logf("%d increments, %d conflicts reported and retried", writers*each, total)
}

func TestRecordsSizeLimit(t *testing.T) {
	zkc := sharedZK(t)
	ctx := testCtx(t)
	c, _ := connect(t, zkc, shortSession)
	r := newRecords(t, c, basePath(t)+"/big")
	if _, err := r.Keys(ctx); err != nil { // wait for the session
		t.Fatal(err)
	}
	session := c.SessionID()

	// The largest record that fits is accepted by ZooKeeper; one byte more is refused before sending. The
	// limit depends on the request (a create carries an ACL, a fenced write a check).
	var se *ha.SizeError
	limitFor := func(expect ha.Version) int {
		t.Helper()
		_, err := r.Put(ctx, "huge", make([]byte, 1<<20), expect)
		if !errors.As(err, &se) || !errors.Is(err, ha.ErrTooLarge) || se.Size != 1<<20 || se.Limit >= 1<<20 || se.Limit < 1<<20-1024 {
			t.Fatalf("1 MiB record: %v (%+v)", err, se)
		}
		if strings.Count(err.Error(), "ha:") != 1 {
			t.Errorf("error text: %v", err)
		}
		return se.Limit
	}
	create := limitFor(ha.Absent)
	t.Logf("create: %d bytes at most", create)
	if _, err := r.Put(ctx, "huge", make([]byte, create+1), ha.Absent); !errors.As(err, &se) || se.Limit != create {
		t.Fatalf("create of %d bytes: %v", create+1, err)
	}
	if _, err := r.Put(ctx, "huge", make([]byte, create), ha.Absent); err != nil {
		t.Fatalf("create of %d bytes (the limit): %v", create, err)
	}
	set := limitFor(0)
	t.Logf("write: %d bytes at most", set)
	data := bytes.Repeat([]byte{'x'}, set+1)
	if _, err := r.Put(ctx, "huge", data, 0); !errors.As(err, &se) || se.Limit != set {
		t.Fatalf("write of %d bytes: %v", set+1, err)
	}
	if _, err := r.Put(ctx, "huge", data[:set], 0); err != nil {
		t.Fatalf("write of %d bytes (the limit): %v", set, err)
	}
	rec, err := r.Get(ctx, "huge")
	if err != nil || len(rec.Data) != set || rec.Version != 1 {
		t.Fatalf("after the writes: %d bytes, %v, %v", len(rec.Data), rec.Version, err)
	}
	if c.SessionID() != session || ha.ZKConn(c).State() != zk.StateHasSession {
		t.Errorf("the session changed (%#x → %#x): the server dropped the connection", session, c.SessionID())
	}
	// A smaller server limit is honoured.
	small, _ := connect(t, zkc, shortSession, ha.WithMaxRequestSize(4096))
	if _, err := newRecords(t, small, r.Path()).Put(ctx, "x", make([]byte, 5000), ha.Any); !errors.As(err, &se) || se.Limit > 4096 {
		t.Errorf("with a 4 KiB limit: %v", err)
	}
}

// TestFencedWrites: writes fenced by a Term succeed while it lasts and fail with ErrNotLeader after,
// without touching the record.
func TestFencedWrites(t *testing.T) {
	zkc := sharedZK(t)
	ctx := testCtx(t)
	base := basePath(t)
	a := newReplica(t, zkc, base+"/leader", 0, shortSession)
	term, err := a.el.Campaign(ctx)
	if err != nil {
		t.Fatal(err)
	}
	recs := newRecords(t, a.conn, base+"/tasks")
	fenced := recs.Fenced(term)
	v, err := fenced.Put(ctx, "task-1", []byte("launching"), ha.Absent)
	if err != nil {
		t.Fatal(err)
	}
	if v, err = fenced.Put(ctx, "task-1", []byte("running"), v); err != nil {
		t.Fatal(err)
	}
	ids, err := ha.NewFrameworkIDStore(a.conn, base+"/framework_id")
	if err != nil {
		t.Fatal(err)
	}
	if err := ids.Fenced(term).Store(ctx, "fw-1"); err != nil {
		t.Fatal(err)
	}

	// The Term ends by expiry: fenced writes are refused, by ZooKeeper or before sending.
	zkc.ExpireSession(t, ha.ZKConn(a.conn))
	<-term.Done()
	if _, err := fenced.Put(ctx, "task-1", []byte("stale"), v); !errors.Is(err, ha.ErrNotLeader) {
		t.Errorf("fenced Put after the Term: %v", err)
	}
	if err := fenced.Delete(ctx, "task-1", ha.Any); !errors.Is(err, ha.ErrNotLeader) {
		t.Errorf("fenced Delete after the Term: %v", err)
	}
	if err := ids.Fenced(term).Forget(ctx); !errors.Is(err, ha.ErrNotLeader) {
		t.Errorf("fenced Forget after the Term: %v", err)
	}
	if rec, err := recs.Get(ctx, "task-1"); err != nil || string(rec.Data) != "running" {
		t.Errorf("record after refused writes: %q, %v", rec.Data, err)
	}
	if id, err := ids.Load(ctx); err != nil || id != "fw-1" {
		t.Errorf("framework ID after refused writes: %q, %v", id, err)
	}
}

// TestFencedWriteAfterNodeLoss: ZooKeeper refuses a fenced write whose election node is gone even while the
// Term has not noticed yet (the check travels with the write).
func TestFencedWriteAfterNodeLoss(t *testing.T) {
	zkc := sharedZK(t)
	ctx := testCtx(t)
	base := basePath(t)
	a := newReplica(t, zkc, base+"/leader", 0, shortSession)
	term, err := a.el.Campaign(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer term.Resign(ctx)
	raw := rawConn(t, zkc)
	if err := raw.Delete(base+"/leader/"+term.Node(), -1); err != nil {
		t.Fatal(err)
	}
	_, err = newRecords(t, a.conn, base+"/tasks").Fenced(term).Put(ctx, "task-1", []byte("x"), ha.Absent)
	if !errors.Is(err, ha.ErrNotLeader) {
		t.Fatalf("fenced Put with the node gone: %v", err)
	}
	if ok, _, _ := raw.Exists(base + "/tasks/task-1"); ok {
		t.Error("the refused record was written")
	}
	<-term.Done()
	if !errors.Is(term.Err(), ha.ErrDeposed) {
		t.Errorf("term with its node deleted ended with %v, want ErrDeposed", term.Err())
	}
}

func TestRecordsWatch(t *testing.T) {
	zkc := sharedZK(t)
	ctx := testCtx(t)
	c, _ := connect(t, zkc, shortSession)
	r := newRecords(t, c, basePath(t)+"/state")
	rec, changed, err := r.Watch(ctx, "done")
	if err != nil || rec.Version != ha.Absent {
		t.Fatalf("Watch of a missing record: %+v, %v", rec, err)
	}
	other, _ := connect(t, zkc, shortSession)
	if _, err := newRecords(t, other, r.Path()).Put(ctx, "done", []byte("5/5"), ha.Absent); err != nil {
		t.Fatal(err)
	}
	<-changed
	rec, changed, err = r.Watch(ctx, "done")
	if err != nil || string(rec.Data) != "5/5" || rec.Version != 0 {
		t.Fatalf("Watch after the create: %+v, %v", rec, err)
	}
	if err := newRecords(t, other, r.Path()).Delete(ctx, "done", 0); err != nil {
		t.Fatal(err)
	}
	<-changed
	// A cancelled ctx stops Watch.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, _, err := r.Watch(cctx, "done"); !errors.Is(err, context.Canceled) {
		t.Errorf("Watch with a cancelled ctx: %v", err)
	}
}
