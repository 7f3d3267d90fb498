// SPDX-License-Identifier: Apache-2.0

package zktest

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/mesoskit/mesoskit/internal/zkutil"
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
		return zkutil.SniffConnectResponse(conn, func(r zkutil.ConnectResponse, err error) {
			if err == nil && r.SessionID != 0 {
				c.recordSession(r.SessionID, r.Password)
			}
		}), nil
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
// itself) or has been closed by its owner. conn must have been created through c.Dialer (c.Connect does
// that).
//
// The server may close the connection without answering the close request (ensemble members do when they
// apply the close before replying); the session is then checked by attaching to it again: a server that
// will not attach it has closed it.
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
	if err := closeSession(c.runningAddrs, id, passwd, timeoutMs, c.cfg.startTimeout); err != nil {
		t.Fatal(err)
	}
	if err := c.waitSessionLeft(conn, id); err != nil {
		t.Fatal(err)
	}
}

func (c *Cluster) runningAddrs() []string {
	var addrs []string
	for _, s := range c.servers {
		if s.running() != nil {
			addrs = append(addrs, s.addr())
		}
	}
	return addrs
}

// closeSession closes session id through any of the servers addrs returns (asked again for each round),
// confirming by a new attach when a reply is lost.
func closeSession(addrs func() []string, id int64, passwd []byte, timeoutMs int32, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	lastErr := errors.New("no server running")
	for {
		for _, addr := range addrs() {
			err := closeSessionAt(addr, id, passwd, timeoutMs, 5*time.Second)
			if err == nil || errors.Is(err, errSessionGone) {
				// Closed now, or by an earlier attempt whose reply was lost (errCloseUnconfirmed: the
				// next attach tells).
				return nil
			}
			lastErr = err
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("zktest: could not close session %#x: %w", id, lastErr)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitSessionLeft waits until conn no longer holds session id: go-zookeeper has reported the expiry (its
// SessionID changes), or conn was closed meanwhile (its owner may close it as soon as it sees the
// connection drop; it then never learns of the expiry). A closed go-zookeeper Conn fails every request at
// once with ErrConnectionClosed or ErrClosing; an open one holds a request made while it is disconnected
// until it has a session again, which for id is never, so such a probe tells the two apart.
func (c *Cluster) waitSessionLeft(conn *zk.Conn, id int64) error {
	deadline := time.NewTimer(c.cfg.startTimeout)
	defer deadline.Stop()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	var probe chan error
	defer func() {
		if probe != nil {
			// Issued on a Conn that then moved to a new session: it is answered there shortly. (Were
			// it not, the Conn's Close would end it.)
			select {
			case <-probe:
			case <-time.After(5 * time.Second):
			}
		}
	}()
	for conn.SessionID() == id {
		if probe == nil && conn.State() == zk.StateDisconnected {
			probe = make(chan error, 1)
			go func() {
				_, _, err := conn.Exists("/")
				probe <- err
			}()
		}
		select {
		case err := <-probe:
			probe = nil
			if conn.SessionID() == id && (errors.Is(err, zk.ErrConnectionClosed) || errors.Is(err, zk.ErrClosing)) {
				return nil // closed by its owner
			}
		case <-tick.C:
		case <-deadline.C:
			return fmt.Errorf("zktest: session %#x closed, but the client did not notice within %v", id, c.cfg.startTimeout)
		}
	}
	return nil
}

var (
	// errSessionGone: a server would not attach the session (it has been closed or has expired).
	errSessionGone = errors.New("zktest: the server did not attach the session: closed or expired")
	// errCloseUnconfirmed: the close request was sent but the connection ended before its reply.
	errCloseUnconfirmed = errors.New("zktest: no reply to the close request")
)

// closeSessionAt speaks just enough of the ZooKeeper client protocol to attach to session id and close it.
func closeSessionAt(addr string, id int64, passwd []byte, timeoutMs int32, timeout time.Duration) error {
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
	body, err := readFrame(conn)
	if err != nil {
		return fmt.Errorf("zktest: connect response from %s: %w", addr, err)
	}
	resp, err := zkutil.DecodeConnectResponse(body)
	if err != nil {
		return fmt.Errorf("zktest: connect response from %s: %w", addr, err)
	}
	if resp.SessionID != id {
		return fmt.Errorf("%w (%s answered session %#x for %#x)", errSessionGone, addr, resp.SessionID, id)
	}
	// RequestHeader{xid, type=closeSession(-11)}, no body.
	var hdr [8]byte
	binary.BigEndian.PutUint32(hdr[0:4], 1)
	closeOp := int32(-11)
	binary.BigEndian.PutUint32(hdr[4:8], uint32(closeOp))
	if err := writeFrame(conn, hdr[:]); err != nil {
		return fmt.Errorf("%w: %w", errCloseUnconfirmed, err)
	}
	// ReplyHeader{xid, zxid, err}. Watch notifications (xid -1) may come first; skip them.
	for {
		reply, err := readFrame(conn)
		if err != nil {
			return fmt.Errorf("%w from %s: %w", errCloseUnconfirmed, addr, err)
		}
		if len(reply) < 16 {
			return fmt.Errorf("zktest: short close reply (%d bytes) from %s", len(reply), addr)
		}
		if int32(binary.BigEndian.Uint32(reply[0:4])) != 1 {
			continue
		}
		if code := int32(binary.BigEndian.Uint32(reply[12:16])); code != 0 {
			return fmt.Errorf("zktest: close session: ZooKeeper error code %d from %s", code, addr)
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
