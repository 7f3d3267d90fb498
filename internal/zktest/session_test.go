// SPDX-License-Identifier: Apache-2.0

package zktest

import (
	"encoding/binary"
	"errors"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"
)

// fakeSessionServer speaks the two requests closeSessionAt sends: it attaches session id while it is
// alive, and on a close request ends the session and, when dropReply, the connection without a reply (as
// an ensemble member may); with neverClose it drops the connection but keeps the session.
type fakeSessionServer struct {
	ln                    net.Listener
	id                    int64
	dropReply, neverClose bool

	mu      sync.Mutex
	alive   bool
	attachs int // attach attempts answered
	closes  int // close requests received
	wg      sync.WaitGroup
}

func startFakeSessionServer(t *testing.T, id int64, dropReply, neverClose bool) *fakeSessionServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeSessionServer{ln: ln, id: id, dropReply: dropReply, neverClose: neverClose, alive: true}
	f.wg.Add(1)
	go func() {
		defer f.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			f.wg.Add(1)
			go func() {
				defer f.wg.Done()
				defer c.Close()
				f.serve(c)
			}()
		}
	}()
	t.Cleanup(func() { ln.Close(); f.wg.Wait() })
	return f
}

func (f *fakeSessionServer) serve(c net.Conn) {
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := readFrame(c); err != nil {
		return
	}
	f.mu.Lock()
	f.attachs++
	id := int64(0)
	if f.alive {
		id = f.id
	}
	f.mu.Unlock()
	resp := make([]byte, 20+16+1)
	binary.BigEndian.PutUint32(resp[4:8], 2000)
	binary.BigEndian.PutUint64(resp[8:16], uint64(id))
	binary.BigEndian.PutUint32(resp[16:20], 16)
	if err := writeFrame(c, resp); err != nil || id == 0 {
		return
	}
	req, err := readFrame(c)
	if err != nil || len(req) < 8 || int32(binary.BigEndian.Uint32(req[4:8])) != -11 {
		return
	}
	f.mu.Lock()
	f.closes++
	if !f.neverClose {
		f.alive = false
	}
	f.mu.Unlock()
	if f.dropReply || f.neverClose {
		return
	}
	reply := make([]byte, 16)
	binary.BigEndian.PutUint32(reply[0:4], 1)
	_ = writeFrame(c, reply)
}

func (f *fakeSessionServer) counts() (attachs, closes int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.attachs, f.closes
}

func TestCloseSessionReplied(t *testing.T) {
	t.Parallel()
	f := startFakeSessionServer(t, 0x77, false, false)
	addrs := func() []string { return []string{f.ln.Addr().String()} }
	if err := closeSession(addrs, 0x77, make([]byte, 16), 1000, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	if a, c := f.counts(); a != 1 || c != 1 {
		t.Fatalf("server saw %d attaches and %d closes, want 1 and 1", a, c)
	}
}

// The close reply is lost: the session is found closed by the next attach, which is success.
func TestCloseSessionReplyLost(t *testing.T) {
	t.Parallel()
	f := startFakeSessionServer(t, 0x77, true, false)
	addrs := func() []string { return []string{f.ln.Addr().String()} }
	if err := closeSession(addrs, 0x77, make([]byte, 16), 1000, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	if a, c := f.counts(); a != 2 || c != 1 {
		t.Fatalf("server saw %d attaches and %d closes, want 2 and 1", a, c)
	}
}

// A session that stays attachable after every close is reported, after the time limit, with the cause.
func TestCloseSessionGivesUp(t *testing.T) {
	t.Parallel()
	f := startFakeSessionServer(t, 0x77, false, true)
	addrs := func() []string { return []string{f.ln.Addr().String()} }
	start := time.Now()
	err := closeSession(addrs, 0x77, make([]byte, 16), 1000, 300*time.Millisecond)
	if !errors.Is(err, errCloseUnconfirmed) {
		t.Fatalf("closeSession = %v, want errCloseUnconfirmed", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("closeSession took %v with a 300ms limit", d)
	}
	if _, c := f.counts(); c < 2 {
		t.Fatalf("server saw %d closes, want retries", c)
	}
}

// The client closes its connection as soon as it loses it (before go-zookeeper can learn of the expiry):
// ExpireSession returns at once instead of waiting for a notice that cannot come.
func TestExpireSessionClientCloses(t *testing.T) {
	t.Parallel()
	c := Start(t, WithStartTimeout(60*time.Second))
	var once sync.Once
	closed := make(chan struct{})
	var conn *zk.Conn
	ready := make(chan struct{})
	conn, events, err := zk.Connect(c.Servers(), time.Second, zk.WithDialer(c.Dialer()), zk.WithLogger(c.Logger()),
		zk.WithEventCallback(func(ev zk.Event) {
			if ev.Type == zk.EventSession && ev.State == zk.StateDisconnected {
				once.Do(func() {
					go func() {
						<-ready
						conn.Close()
						close(closed)
					}()
				})
			}
		}))
	if err != nil {
		t.Fatal(err)
	}
	close(ready)
	defer func() {
		conn.Close()
		for range events {
		}
	}()
	for conn.State() != zk.StateHasSession {
		time.Sleep(5 * time.Millisecond)
	}
	id := conn.SessionID()
	start := time.Now()
	c.ExpireSession(t, conn)
	if d := time.Since(start); d > 15*time.Second {
		t.Fatalf("ExpireSession took %v", d)
	}
	select {
	case <-closed:
	case <-time.After(10 * time.Second):
		t.Fatal("the client never saw its connection drop")
	}
	if got := conn.SessionID(); got != id {
		// go-zookeeper learnt of the expiry before the Close: the case this test is about did not
		// happen this time, but the outcome is still right.
		t.Logf("the client noticed the expiry before closing (session %#x → %#x)", id, got)
	}
}

// On an ensemble, sessions held through every member (followers apply the close before replying) are
// expired, each within a few seconds.
func TestExpireSessionEnsemble(t *testing.T) {
	t.Parallel()
	c := StartEnsemble(t, 3)
	observer := c.Connect(t, 2*time.Second)
	for i, addr := range c.Servers() {
		conn, events, err := zk.Connect([]string{addr}, 2*time.Second, zk.WithDialer(c.Dialer()), zk.WithLogger(c.Logger()))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			conn.Close()
			for range events {
			}
		})
		if err := retry(t, func() error {
			if conn.State() != zk.StateHasSession {
				return errors.New("no session yet")
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		node := "/eph-" + string(rune('a'+i))
		if err := retry(t, func() error {
			_, err := conn.Create(node, nil, zk.FlagEphemeral, openACL)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		old := conn.SessionID()
		start := time.Now()
		c.ExpireSession(t, conn)
		if d := time.Since(start); d > 20*time.Second {
			t.Fatalf("member %d: ExpireSession took %v", i, d)
		}
		if id := conn.SessionID(); id == old {
			t.Fatalf("member %d: the client still holds session %#x", i, old)
		}
		if err := retry(t, func() error {
			ok, _, err := observer.Exists(node)
			if err == nil && ok {
				return errors.New(node + " still exists")
			}
			return err
		}); err != nil {
			t.Fatalf("member %d: %v", i, err)
		}
	}
}
