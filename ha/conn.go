// SPDX-License-Identifier: Apache-2.0

package ha

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/go-zookeeper/zk"
	"go.uber.org/zap"

	"github.com/mesoskit/mesoskit/internal/zkutil"
)

// Retry delays for reads and idempotent writes after a transient ZooKeeper error (connection lost, no
// server reachable).
const (
	minRetryDelay = 20 * time.Millisecond
	maxRetryDelay = time.Second
)

// Conn is a connection to a ZooKeeper ensemble shared by Elections, FrameworkIDStores and Records. It keeps
// one ZooKeeper session at a time: go-zookeeper reconnects within the session after a lost connection and
// opens a new session after the old one expired. A Conn is safe for concurrent use.
type Conn struct {
	cfg     config
	servers []string
	log     *zap.Logger
	zk      *zk.Conn
	hosts   *zkutil.HostList
	public  []zk.ACL // election nodes, framework ID, parents: readable by all
	private []zk.ACL // records
	m       *metrics // metrics.go

	sniffMu     sync.Mutex
	lastID      int64         // session id of the latest ConnectResponse
	lastTimeout time.Duration // its negotiated timeout

	mu       sync.Mutex
	changed  chan struct{} // closed and replaced whenever the fields below change
	current  int64         // current session id; 0 while there is none
	ready    bool          // a session exists and the credentials were added
	fatal    error         // permanent failure: the credentials were refused
	closing  bool          // Close has begun: no new Term starts
	zkClosed bool          // the ZooKeeper client is closed: no new operation starts
	lost     map[int64]chan struct{}
	ended    map[int64]bool
	timeouts map[int64]time.Duration
	terms    map[*Term]struct{} // live Terms, ended first by Close

	evMu     sync.Mutex
	events   []sessionEvent
	evNotify chan struct{} // capacity 1: "events is not empty"

	quit      chan struct{} // closed by Close
	runDone   chan struct{}
	connDone  <-chan struct{}
	ops       sync.WaitGroup // goroutines running ZooKeeper calls
	closeOnce sync.Once
}

// sessionEvent is a go-zookeeper session event with the session it concerns.
type sessionEvent struct {
	state   zk.State
	id      int64
	timeout time.Duration
	server  string
}

// Connect starts a ZooKeeper client for the given servers ("host:port") and returns at once: the session is
// established in the background, and operations wait for it (within their ctx). Call Close to end the
// session; the ephemeral election nodes go with it.
func Connect(servers []string, opts ...Option) (*Conn, error) {
	cfg := defaultConfig()
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	errs := []error{cfg.validate()}
	if len(servers) == 0 {
		errs = append(errs, errors.New("no ZooKeeper servers"))
	}
	for _, s := range servers {
		host, port, err := net.SplitHostPort(s)
		if p, perr := strconv.Atoi(port); err != nil || host == "" || perr != nil || p <= 0 || p > 65535 {
			errs = append(errs, fmt.Errorf("ZooKeeper server %q: want host:port", s))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("ha: invalid configuration: %w", err)
	}
	c := &Conn{
		cfg:      cfg,
		servers:  append([]string(nil), servers...),
		log:      cfg.logger.Named("ha"),
		changed:  make(chan struct{}),
		lost:     make(map[int64]chan struct{}),
		ended:    make(map[int64]bool),
		timeouts: make(map[int64]time.Duration),
		terms:    make(map[*Term]struct{}),
		evNotify: make(chan struct{}, 1),
		quit:     make(chan struct{}),
		runDone:  make(chan struct{}),
		hosts:    &zkutil.HostList{},
		m:        newMetrics(cfg.meterProvider),
	}
	c.public, c.private = zk.WorldACL(zk.PermAll), zk.WorldACL(zk.PermAll)
	if cfg.auth {
		c.public = append(zk.WorldACL(zk.PermRead), zk.AuthACL(zk.PermAll)...) // EVERYONE_READ_CREATOR_ALL
		c.private = zk.AuthACL(zk.PermAll)                                     // CREATOR_ALL
	}
	dial := cfg.dialer
	if dial == nil {
		dial = net.DialTimeout
	}
	conn, done, err := zkutil.Dial(c.servers, cfg.sessionTimeout, zkutil.ClientConfig{
		Dialer: sniffDialer(dial, c.sniffed), Hosts: c.hosts, Logger: cfg.logger.Named("ha.zookeeper"),
		OnEvent: c.onEvent, MaxBufferSize: cfg.maxRequest + 1024,
	})
	if err != nil {
		return nil, fmt.Errorf("ha: ZooKeeper client: %w", err)
	}
	c.zk, c.connDone = conn, done
	go c.run()
	return c, nil
}

// SessionID returns the id of the current ZooKeeper session, or 0 while there is none.
func (c *Conn) SessionID() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.current
}

// SessionTimeout returns the session timeout the servers granted to the current session, or the one asked
// for while there is no session.
func (c *Conn) SessionTimeout() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.timeoutLocked(c.current)
}

func (c *Conn) timeoutLocked(id int64) time.Duration {
	if d, ok := c.timeouts[id]; ok && d > 0 {
		return d
	}
	return c.cfg.sessionTimeout
}

// Close ends every Term held through c (their Done channels close first, and each releases its lease so
// that a standby takes over at once), then closes the ZooKeeper session, which deletes this replica's
// election nodes, and waits until every goroutine of c and of its ZooKeeper client has returned. It is
// idempotent; operations then fail with ErrClosed.
func (c *Conn) Close() error {
	c.closeOnce.Do(func() {
		c.mu.Lock()
		c.closing = true
		terms := make([]*Term, 0, len(c.terms))
		for t := range c.terms {
			terms = append(terms, t)
		}
		c.notifyLocked()
		c.mu.Unlock()
		close(c.quit)
		for _, t := range terms {
			<-t.finished
		}
		c.mu.Lock()
		c.zkClosed = true
		c.mu.Unlock()
		c.zk.Close()
		c.ops.Wait()
		<-c.runDone
		<-c.connDone
		c.mu.Lock()
		for id, ch := range c.lost {
			close(ch)
			delete(c.lost, id)
		}
		c.current, c.ready = 0, false
		c.notifyLocked()
		c.mu.Unlock()
		c.log.Debug("ZooKeeper connection closed")
	})
	return nil
}

// sniffed is called by the dialer's connection wrapper with every ConnectResponse (id 0: the session had
// expired), on go-zookeeper's connection goroutine before it reports the new state.
func (c *Conn) sniffed(id int64, timeout time.Duration) {
	c.sniffMu.Lock()
	c.lastID, c.lastTimeout = id, timeout
	c.sniffMu.Unlock()
}

// onEvent is go-zookeeper's event callback. It runs on the client's goroutines and must not block: session
// events are queued (never dropped) for run.
func (c *Conn) onEvent(ev zk.Event) {
	if ev.Type != zk.EventSession {
		return // watch events arrive on the watch channels
	}
	se := sessionEvent{state: ev.State, server: ev.Server}
	if ev.State == zk.StateHasSession { // (zkutil.Dial already skips the reconnection pause after expiry)
		c.sniffMu.Lock()
		se.id, se.timeout = c.lastID, c.lastTimeout
		c.sniffMu.Unlock()
	}
	c.evMu.Lock()
	c.events = append(c.events, se)
	c.evMu.Unlock()
	select {
	case c.evNotify <- struct{}{}:
	default:
	}
}

func (c *Conn) takeEvents() []sessionEvent {
	c.evMu.Lock()
	defer c.evMu.Unlock()
	evs := c.events
	c.events = nil
	return evs
}

// run follows the session: it records which session is current, ends the ones that expire, and adds the
// credentials once (go-zookeeper sends them again on every later connection, before any request).
func (c *Conn) run() {
	defer close(c.runDone)
	authed := !c.cfg.auth
	for {
		select {
		case <-c.quit:
			return
		case <-c.evNotify:
		}
		for _, ev := range c.takeEvents() {
			switch ev.state {
			case zk.StateHasSession:
				c.mu.Lock()
				prev := c.current
				if ev.id != 0 && ev.id != prev {
					c.endSessionLocked(prev)
					c.current = ev.id
					c.timeouts[ev.id] = ev.timeout
					c.log.Info("ZooKeeper session established", zap.String("session", sessionHex(ev.id)),
						zap.Duration("session_timeout", ev.timeout), zap.String("server", ev.server))
					if ev.timeout > 0 && ev.timeout != c.cfg.sessionTimeout {
						c.log.Info("ZooKeeper granted another session timeout than asked for",
							zap.Duration("asked", c.cfg.sessionTimeout), zap.Duration("granted", ev.timeout))
					}
				} else {
					c.log.Debug("ZooKeeper session resumed", zap.String("server", ev.server))
				}
				c.ready = authed
				c.notifyLocked()
				c.mu.Unlock()
				if !authed {
					authed = c.addAuth()
				}
			case zk.StateDisconnected:
				c.log.Debug("disconnected from ZooKeeper", zap.String("server", ev.server))
			case zk.StateExpired:
				c.mu.Lock()
				c.log.Warn("ZooKeeper session expired", zap.String("session", sessionHex(c.current)))
				c.endSessionLocked(c.current)
				c.current = 0
				c.notifyLocked()
				c.mu.Unlock()
			case zk.StateAuthFailed:
				c.mu.Lock()
				c.fatal = fmt.Errorf("%w: ZooKeeper rejected the credentials%s: %w", ErrNotAuthorized, c.who(), zk.ErrAuthFailed)
				c.notifyLocked()
				c.mu.Unlock()
				c.log.Error("ZooKeeper rejected the credentials")
			}
		}
	}
}

// addAuth adds the digest credentials to the session; it reports success. On failure (the connection was
// lost meanwhile) the next session event tries again.
func (c *Conn) addAuth() bool {
	err := c.zk.AddAuth("digest", []byte(c.cfg.user+":"+c.cfg.password))
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case err == nil:
		c.ready = c.current != 0
		c.notifyLocked()
		return true
	case errors.Is(err, zk.ErrAuthFailed):
		c.fatal = fmt.Errorf("%w: ZooKeeper rejected the credentials%s: %w", ErrNotAuthorized, c.who(), err)
		c.notifyLocked()
		return false
	default:
		c.log.Debug("adding credentials failed; retrying on the next connection", zap.Error(err))
		return false
	}
}

func (c *Conn) endSessionLocked(id int64) {
	if id == 0 {
		return
	}
	c.ended[id] = true
	if ch, ok := c.lost[id]; ok {
		close(ch)
		delete(c.lost, id)
	}
}

func (c *Conn) notifyLocked() {
	close(c.changed)
	c.changed = make(chan struct{})
}

// sessionLost returns a channel closed when session id has ended (expired, replaced, or the Conn closed).
func (c *Conn) sessionLost(id int64) <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	if id == 0 || c.ended[id] || c.zkClosed {
		ch := make(chan struct{})
		close(ch)
		return ch
	}
	ch, ok := c.lost[id]
	if !ok {
		ch = make(chan struct{})
		c.lost[id] = ch
	}
	return ch
}

// waitReady waits until a session exists and the credentials have been added.
func (c *Conn) waitReady(ctx context.Context) error {
	for {
		c.mu.Lock()
		switch {
		case c.zkClosed:
			c.mu.Unlock()
			return ErrClosed
		case c.fatal != nil:
			err := c.fatal
			c.mu.Unlock()
			return err
		case c.ready:
			c.mu.Unlock()
			return nil
		}
		ch := c.changed
		c.mu.Unlock()
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-ch:
		}
	}
}

// do runs one ZooKeeper call on its own goroutine so that the caller can give up when ctx ends (a
// go-zookeeper call cannot be cancelled: it returns when answered, when the connection is lost, or when the
// client is closed). The call is not waited for after ctx ended; Close waits for it. fn must write only to
// variables the caller does not read after do returned ctx.Err().
func (c *Conn) do(ctx context.Context, fn func(z *zk.Conn) error) error {
	if err := ctx.Err(); err != nil {
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
		return ctx.Err()
	}
}

// retry runs fn until it succeeds, fails for good, or ctx ends, waiting for a ready session first and
// between transient failures. Only for reads and idempotent writes.
func (c *Conn) retry(ctx context.Context, fn func(z *zk.Conn) error) error {
	delay := time.Duration(0)
	for {
		if err := c.waitReady(ctx); err != nil {
			return err
		}
		err := c.do(ctx, fn)
		if err == nil || !transient(err) || ctx.Err() != nil {
			return err
		}
		delay = min(max(2*delay, minRetryDelay), maxRetryDelay)
		c.log.Debug("transient ZooKeeper error; retrying", zap.Error(err), zap.Duration("delay", delay))
		if !sleepCtx(ctx, delay) {
			return ctx.Err()
		}
	}
}

// once waits for a ready session and runs fn once: for writes whose outcome is unknown after a lost
// connection.
func (c *Conn) once(ctx context.Context, fn func(z *zk.Conn) error) error {
	if err := c.waitReady(ctx); err != nil {
		return err
	}
	return c.do(ctx, fn)
}

// transient reports whether a ZooKeeper error may go away by itself. Besides go-zookeeper's own, a
// request can fail with the connection's I/O error itself ("write: broken pipe", "connection reset by
// peer", EOF) when the connection dies as it is sent (seen under the chaos soak, internal/chaos).
func transient(err error) bool {
	for _, e := range []error{zk.ErrConnectionClosed, zk.ErrNoServer, zk.ErrSessionExpired, zk.ErrSessionMoved,
		syscall.EPIPE, syscall.ECONNRESET, syscall.ECONNREFUSED, syscall.ECONNABORTED, io.EOF, io.ErrUnexpectedEOF, net.ErrClosed} {
		if errors.Is(err, e) {
			return true
		}
	}
	var op *net.OpError
	return errors.As(err, &op)
}

// opError wraps a ZooKeeper error with the operation and node. Permission errors also match
// ErrNotAuthorized, a closed client ErrClosed.
func (c *Conn) opError(op, path string, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, ErrClosed), errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded),
		errors.Is(err, ErrNotAuthorized), errors.Is(err, ErrTooLarge), errors.Is(err, ErrNotLeader):
		return err
	case errors.Is(err, zk.ErrClosing):
		return fmt.Errorf("%w: %s %q: %w", ErrClosed, op, path, err)
	case errors.Is(err, zk.ErrNoAuth), errors.Is(err, zk.ErrAuthFailed):
		return fmt.Errorf("%w: %s %q%s: %w", ErrNotAuthorized, op, path, c.who(), err)
	}
	return fmt.Errorf("ha: ZooKeeper: %s %q: %w", op, path, err)
}

func (c *Conn) who() string {
	if c.cfg.auth {
		return fmt.Sprintf(" as digest user %q", c.cfg.user)
	}
	return " (no credentials)"
}

// ensurePath creates path (with acl) and its missing parents (readable by all) as persistent nodes.
func (c *Conn) ensurePath(ctx context.Context, path string, acl []zk.ACL) error {
	var exists bool
	err := c.retry(ctx, func(z *zk.Conn) error {
		var err error
		exists, _, err = z.Exists(path)
		return err
	})
	if err != nil || exists {
		return c.opError("check", path, err)
	}
	for i := 1; i <= len(path); i++ {
		if i < len(path) && path[i] != '/' {
			continue
		}
		p := path[:i]
		nodeACL := c.public
		if i == len(path) {
			nodeACL = acl
		}
		err := c.retry(ctx, func(z *zk.Conn) error {
			_, err := z.Create(p, nil, 0, nodeACL)
			if errors.Is(err, zk.ErrNodeExists) {
				return nil
			}
			if errors.Is(err, zk.ErrNoAuth) && i < len(path) {
				// Not allowed to create a parent: fine if it exists.
				if ok, _, eerr := z.Exists(p); eerr == nil && ok {
					return nil
				}
			}
			return err
		})
		if err != nil {
			return c.opError("create", p, err)
		}
	}
	return nil
}

// sleepCtx waits for d; false if ctx ended first.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// list returns its arguments as a slice (go-zookeeper's option type is unexported).

func sessionHex(id int64) string { return fmt.Sprintf("%#x", id) }
