// SPDX-License-Identifier: Apache-2.0

package ha_test

import (
	"context"
	"errors"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/mesoskit/mesoskit/ha"
)

// holdNet wraps a dialer so that a test can hold ZooKeeper's answers: while
// held, reads block (the requests still reach the server and are applied),
// as a connection that freezes after sending does.
type holdNet struct {
	dial zk.Dialer
	mu   sync.Mutex
	held chan struct{} // non-nil while held; closed by Release
	open []net.Conn
}

func (n *holdNet) Dial(network, address string, timeout time.Duration) (net.Conn, error) {
	c, err := n.dial(network, address, timeout)
	if err != nil {
		return nil, err
	}
	n.mu.Lock()
	n.open = append(n.open, c)
	n.mu.Unlock()
	return &holdConn{Conn: c, n: n}, nil
}

// Cut closes every connection dialed so far.
func (n *holdNet) Cut() {
	n.mu.Lock()
	defer n.mu.Unlock()
	for _, c := range n.open {
		_ = c.Close()
	}
	n.open = nil
}

func (n *holdNet) Hold() {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.held == nil {
		n.held = make(chan struct{})
	}
}

func (n *holdNet) Release() {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.held != nil {
		close(n.held)
		n.held = nil
	}
}

type holdConn struct {
	net.Conn
	n *holdNet
}

func (c *holdConn) Read(p []byte) (int, error) {
	c.n.mu.Lock()
	held := c.n.held
	c.n.mu.Unlock()
	if held != nil {
		<-held
	}
	return c.Conn.Read(p)
}

// A fenced Delete whose ctx ends after ZooKeeper applied it, before the
// answer came back, must not report a plain failure: before the fix it
// returned context.Canceled at once although the record was gone. It now
// reports ErrOutcomeUnknown, and Resolve tells that it was applied.
// Issue #14, defect 3.
func TestWriteOutcomeUnknownThenResolved(t *testing.T) {
	zkc := sharedZK(t)
	ctx := testCtx(t)
	base := basePath(t)
	hn := &holdNet{dial: zkc.Dialer()}
	// The lease (most of 6 s) outlasts the held answers (about 2 s).
	a := newReplica(t, zkc, base+"/leader", 0, 6*time.Second, ha.WithDialer(hn.Dial))
	term, err := a.el.Campaign(ctx)
	if err != nil {
		t.Fatal(err)
	}
	recs := newRecords(t, a.conn, base+"/tasks").Fenced(term)
	v, err := recs.Put(ctx, "task-1", []byte("launching"), ha.Absent)
	if err != nil {
		t.Fatal(err)
	}
	raw := rawConn(t, zkc)

	hn.Hold()
	dctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- recs.Delete(dctx, "task-1", v) }()
	waitFor(t, "the delete applied by ZooKeeper", func() bool {
		ok, _, err := raw.Exists(base + "/tasks/task-1")
		return err == nil && !ok
	})
	cancel()
	var derr error
	select {
	case derr = <-done:
	case <-time.After(waitLimit):
		t.Fatal("Delete did not return")
	}
	hn.Release()
	if derr == nil {
		t.Log("Delete waited for the outcome and reported success")
		return
	}
	if !errors.Is(derr, ha.ErrOutcomeUnknown) {
		t.Fatalf("Delete applied by ZooKeeper returned %v: a failure that is not ErrOutcomeUnknown", derr)
	}
	applied, _, err := recs.Resolve(ctx, derr)
	if err != nil || !applied {
		t.Fatalf("Resolve = %v, %v; want applied", applied, err)
	}
}

// A fenced Put whose answer is lost with the connection, while the Term
// lasts, is resolved by reading back and is neither reported as failed nor
// applied twice. Issue #14, defect 3 (Put) and 4.
func TestPutResolvedAfterConnectionLoss(t *testing.T) {
	zkc := sharedZK(t)
	ctx := testCtx(t)
	base := basePath(t)
	hn := &holdNet{dial: zkc.Dialer()}
	a := newReplica(t, zkc, base+"/leader", 0, safeSession, ha.WithDialer(hn.Dial))
	term, err := a.el.Campaign(ctx)
	if err != nil {
		t.Fatal(err)
	}
	recs := newRecords(t, a.conn, base+"/tasks").Fenced(term)
	v, err := recs.Put(ctx, "task-1", []byte("launching"), ha.Absent)
	if err != nil {
		t.Fatal(err)
	}
	raw := rawConn(t, zkc)
	hn.Hold()
	done := make(chan error, 1)
	var got ha.Version
	go func() {
		var err error
		got, err = recs.Put(ctx, "task-1", []byte("running"), v)
		done <- err
	}()
	waitFor(t, "the write applied by ZooKeeper", func() bool {
		_, st, err := raw.Get(base + "/tasks/task-1")
		return err == nil && st.Version == int32(v)+1
	})
	// The connection dies before the answer is read: go-zookeeper reports
	// ErrConnectionClosed for the request in flight.
	hn.Cut()
	hn.Release()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Put applied by ZooKeeper, Term valid, returned %v", err)
		}
	case <-time.After(waitLimit):
		t.Fatal("Put did not return")
	}
	if got != v+1 {
		t.Errorf("Put returned version %v, want %v", got, v+1)
	}
	if term.Err() != nil {
		t.Fatalf("the Term ended: %v", term.Err())
	}
}
