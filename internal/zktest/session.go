// SPDX-License-Identifier: Apache-2.0

package zktest

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"
)

// Dialer returns a go-zookeeper dialer that connects like net.DialTimeout and remembers the session id and
// password each server hands out, so that ExpireSession can end those sessions. Connections that should be
// expirable must be made with zk.WithDialer(c.Dialer()) (Connect does this).
func (c *Cluster) Dialer() zk.Dialer {
	return func(network, address string, timeout time.Duration) (net.Conn, error) {
		conn, err := net.DialTimeout(network, address, timeout)
		if err != nil {
			return nil, err
		}
		return &sniffConn{Conn: conn, record: c.recordSession}, nil
	}
}

func (c *Cluster) recordSession(id int64, passwd []byte) {
	c.sessMu.Lock()
	c.sessions[id] = passwd
	c.sessMu.Unlock()
}

// Logger returns a go-zookeeper logger that appends to the cluster's client log (shown with the server logs
// when a test fails), so that nothing reaches stdout.
func (c *Cluster) Logger() zk.Logger { return clientLogger{c} }

type clientLogger struct{ c *Cluster }

func (l clientLogger) Printf(format string, args ...any) {
	l.c.logMu.Lock()
	defer l.c.logMu.Unlock()
	if l.c.clientLog != nil {
		fmt.Fprintf(l.c.clientLog, time.Now().Format("15:04:05.000 ")+format+"\n", args...)
	}
}

// Connect opens a go-zookeeper connection to all members with the given session timeout, through Dialer and
// Logger, waits until it has a session, and closes it in t.Cleanup (waiting until its goroutines are gone).
// Its event channel is drained and discarded.
func (c *Cluster) Connect(t testing.TB, sessionTimeout time.Duration) *zk.Conn {
	t.Helper()
	conn, events, err := zk.Connect(c.Servers(), sessionTimeout,
		zk.WithDialer(c.Dialer()), zk.WithLogger(c.Logger()))
	if err != nil {
		t.Fatal(err)
	}
	drained := make(chan struct{})
	go func() {
		defer close(drained)
		for range events {
		}
	}()
	t.Cleanup(func() {
		conn.Close()
		<-drained
	})
	deadline := time.Now().Add(c.cfg.startTimeout)
	for conn.State() != zk.StateHasSession {
		if time.Now().After(deadline) {
			t.Fatalf("zktest: no ZooKeeper session within %v (state %v)", c.cfg.startTimeout, conn.State())
		}
		time.Sleep(5 * time.Millisecond)
	}
	return conn
}

// ExpireSession makes ZooKeeper expire conn's session for real: it attaches a second connection to the same
// session (same id and password, learnt by Dialer) and closes the session through it, as the ZooKeeper FAQ
// suggests. The server deletes the session's ephemeral nodes at once. ExpireSession then waits until conn
// has noticed (go-zookeeper reports StateExpired and its SessionID changes; it then opens a new session by
// itself). conn must have been created through c.Dialer (c.Connect does that).
func (c *Cluster) ExpireSession(t testing.TB, conn *zk.Conn) {
	t.Helper()
	id := conn.SessionID()
	if id == 0 {
		t.Fatal(errNoSession)
	}
	c.sessMu.Lock()
	passwd, ok := c.sessions[id]
	c.sessMu.Unlock()
	if !ok {
		t.Fatalf("zktest: session %#x was not opened through this cluster's Dialer: connect with c.Connect or zk.WithDialer(c.Dialer())", id)
	}
	timeoutMs := int32(2 * c.cfg.tickTime.Milliseconds())
	var lastErr error
	closed := false
	for _, s := range c.servers {
		if s.running() == nil {
			continue
		}
		if lastErr = closeSession(s.addr(), id, passwd, timeoutMs, 5*time.Second); lastErr == nil {
			closed = true
			break
		}
	}
	if !closed {
		t.Fatalf("zktest: could not close session %#x: %v", id, lastErr)
	}
	deadline := time.Now().Add(c.cfg.startTimeout)
	for conn.SessionID() == id {
		if time.Now().After(deadline) {
			t.Fatalf("zktest: session %#x closed, but the client did not notice within %v", id, c.cfg.startTimeout)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// closeSession speaks just enough of the ZooKeeper client protocol to attach to session id and close it.
func closeSession(addr string, id int64, passwd []byte, timeoutMs int32, timeout time.Duration) error {
	conn, err := net.DialTimeout("tcp", addr, timeout)
	if err != nil {
		return err
	}
	defer conn.Close()
	if err := conn.SetDeadline(time.Now().Add(timeout)); err != nil {
		return err
	}
	// ConnectRequest: protocolVersion, lastZxidSeen, timeOut, sessionId, passwd (jute buffer).
	var req bytes.Buffer
	_ = binary.Write(&req, binary.BigEndian, int32(0))
	_ = binary.Write(&req, binary.BigEndian, int64(0))
	_ = binary.Write(&req, binary.BigEndian, timeoutMs)
	_ = binary.Write(&req, binary.BigEndian, id)
	_ = binary.Write(&req, binary.BigEndian, int32(len(passwd)))
	req.Write(passwd)
	if err := writeFrame(conn, req.Bytes()); err != nil {
		return err
	}
	resp, err := readFrame(conn)
	if err != nil {
		return fmt.Errorf("connect response: %w", err)
	}
	if len(resp) < 16 {
		return fmt.Errorf("short connect response (%d bytes)", len(resp))
	}
	if got := int64(binary.BigEndian.Uint64(resp[8:16])); got != id {
		return fmt.Errorf("server did not attach session %#x (got %#x): already expired?", id, got)
	}
	// RequestHeader{xid, type=closeSession(-11)}, no body.
	var hdr [8]byte
	binary.BigEndian.PutUint32(hdr[0:4], 1)
	closeOp := int32(-11)
	binary.BigEndian.PutUint32(hdr[4:8], uint32(closeOp))
	if err := writeFrame(conn, hdr[:]); err != nil {
		return err
	}
	// ReplyHeader{xid, zxid, err}. Watch notifications (xid -1) may come first; skip them.
	for {
		reply, err := readFrame(conn)
		if err != nil {
			return fmt.Errorf("close reply: %w", err)
		}
		if len(reply) < 16 {
			return fmt.Errorf("short close reply (%d bytes)", len(reply))
		}
		if int32(binary.BigEndian.Uint32(reply[0:4])) != 1 {
			continue
		}
		if code := int32(binary.BigEndian.Uint32(reply[12:16])); code != 0 {
			return fmt.Errorf("close session: ZooKeeper error code %d", code)
		}
		return nil
	}
}

func writeFrame(w io.Writer, p []byte) error {
	buf := make([]byte, 4+len(p))
	binary.BigEndian.PutUint32(buf, uint32(len(p)))
	copy(buf[4:], p)
	_, err := w.Write(buf)
	return err
}

func readFrame(r io.Reader) ([]byte, error) {
	var n [4]byte
	if _, err := io.ReadFull(r, n[:]); err != nil {
		return nil, err
	}
	size := binary.BigEndian.Uint32(n[:])
	if size > 1<<20 {
		return nil, fmt.Errorf("frame of %d bytes", size)
	}
	p := make([]byte, size)
	_, err := io.ReadFull(r, p)
	return p, err
}

// sniffConn passes everything through and decodes the first frame the server sends on a connection, the
// ConnectResponse, to learn the session id and password.
type sniffConn struct {
	net.Conn
	record func(id int64, passwd []byte)
	buf    []byte
	done   bool
}

func (s *sniffConn) Read(p []byte) (int, error) {
	n, err := s.Conn.Read(p)
	if !s.done && n > 0 {
		s.feed(p[:n])
	}
	return n, err
}

func (s *sniffConn) feed(p []byte) {
	s.buf = append(s.buf, p...)
	if len(s.buf) < 4 {
		return
	}
	size := int(binary.BigEndian.Uint32(s.buf))
	if size > 4096 {
		s.done, s.buf = true, nil // not a connect response we understand
		return
	}
	if len(s.buf) < 4+size {
		return
	}
	body := s.buf[4 : 4+size]
	s.done, s.buf = true, nil
	// protocolVersion(4) timeOut(4) sessionId(8) passwd(len 4 + bytes)
	if len(body) < 20 {
		return
	}
	id := int64(binary.BigEndian.Uint64(body[8:16]))
	plen := int(int32(binary.BigEndian.Uint32(body[16:20])))
	if id == 0 || plen < 0 || 20+plen > len(body) {
		return
	}
	s.record(id, bytes.Clone(body[20:20+plen]))
}
