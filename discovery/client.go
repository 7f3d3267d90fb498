// SPDX-License-Identifier: Apache-2.0

package discovery

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/go-zookeeper/zk"
	"go.uber.org/zap"

	"github.com/mesoskit/mesoskit/internal/zkutil"
)

// Retry delays after a ZooKeeper error.
const (
	minRetryDelay = 20 * time.Millisecond
	maxRetryDelay = 2 * time.Second
)

// Client is one ZooKeeper session through which announcements are made and member sets watched. New does
// no I/O; the session is opened by the first Announce or Watch, and re-opened by go-zookeeper when it
// expires (announcements are then made again). Close ends it. A Client is safe for concurrent use.
type Client struct {
	cfg     config
	servers []string
	log     *zap.Logger
	public  []zk.ACL // member nodes and the parents created for them

	mu        sync.Mutex
	zk        *zk.Conn // nil until started
	connDone  <-chan struct{}
	changed   chan struct{} // closed and replaced whenever the fields below change
	session   int64         // current session id; 0 while there is none
	connected bool          // connected within session
	ready     bool          // a session exists and the credentials were added
	fatal     error         // the credentials were refused
	closed    bool
	subs      map[*subscriber]struct{}
	nodes     map[string]bool // member nodes held by announcements

	evMu     sync.Mutex
	events   []zk.Event // session events for run
	evNotify chan struct{}

	quit      chan struct{}
	runDone   chan struct{}
	workers   sync.WaitGroup // announcement and watcher goroutines
	closeOnce sync.Once
}

// New returns a Client for the given ZooKeeper servers ("host:port"). It validates the options and reports
// every problem at once; it does no I/O and starts no goroutine.
func New(servers []string, opts ...Option) (*Client, error) {
	cfg := defaultConfig()
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	if err := cfg.validate(servers); err != nil {
		return nil, fmt.Errorf("discovery: invalid configuration: %w", err)
	}
	c := &Client{
		cfg:      cfg,
		servers:  append([]string(nil), servers...),
		log:      cfg.logger.Named("discovery"),
		public:   zk.WorldACL(zk.PermAll),
		changed:  make(chan struct{}),
		subs:     make(map[*subscriber]struct{}),
		evNotify: make(chan struct{}, 1),
		quit:     make(chan struct{}),
		runDone:  make(chan struct{}),
	}
	if cfg.auth {
		c.public = append(zk.WorldACL(zk.PermRead), zk.AuthACL(zk.PermAll)...) // EVERYONE_READ_CREATOR_ALL
	}
	return c, nil
}

// Close withdraws every announcement (ending the session deletes their nodes at once), stops every
// Watcher, ends the ZooKeeper session and waits until every goroutine of c and of its ZooKeeper client has
// returned. It is idempotent; operations then fail with ErrClosed.
func (c *Client) Close() error {
	c.closeOnce.Do(func() {
		c.mu.Lock()
		c.closed = true
		c.notifyLocked()
		conn, done := c.zk, c.connDone
		c.mu.Unlock()
		close(c.quit)
		if conn != nil {
			conn.Close() // also ends the ZooKeeper calls the goroutines may be waiting on
		}
		c.workers.Wait()
		if conn != nil {
			<-c.runDone
			<-done
		}
		c.log.Debug("closed")
	})
	return nil
}

// start opens the ZooKeeper client once and registers a worker goroutine; the caller must call
// c.workers.Done when it ends.
func (c *Client) start() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return ErrClosed
	}
	if c.zk == nil {
		conn, done, err := zkutil.Dial(c.servers, c.cfg.sessionTimeout, zkutil.ClientConfig{
			Logger:  c.cfg.logger.Named("discovery.zookeeper"),
			Dialer:  c.cfg.dialer,
			OnEvent: c.onEvent,
		})
		if err != nil {
			return fmt.Errorf("discovery: ZooKeeper client: %w", err)
		}
		c.zk, c.connDone = conn, done
		go c.run(conn)
	}
	c.workers.Add(1)
	return nil
}

// onEvent is go-zookeeper's event callback; it must not block. Session events are queued for run; watch
// events go to every subscriber (each picks what concerns it).
func (c *Client) onEvent(ev zk.Event) {
	if ev.Type == zk.EventSession {
		c.evMu.Lock()
		c.events = append(c.events, ev)
		c.evMu.Unlock()
		select {
		case c.evNotify <- struct{}{}:
		default:
		}
		return
	}
	c.mu.Lock()
	subs := make([]*subscriber, 0, len(c.subs))
	for s := range c.subs {
		subs = append(subs, s)
	}
	c.mu.Unlock()
	for _, s := range subs {
		s.push(ev)
	}
}

func (c *Client) takeEvents() []zk.Event {
	c.evMu.Lock()
	defer c.evMu.Unlock()
	evs := c.events
	c.events = nil
	return evs
}

// run follows the session: which one is current, whether it is usable, and the credentials (added once;
// go-zookeeper sends them again on every later connection, before any request).
func (c *Client) run(conn *zk.Conn) {
	defer close(c.runDone)
	authed := !c.cfg.auth
	for {
		select {
		case <-c.quit:
			return
		case <-c.evNotify:
		}
		for _, ev := range c.takeEvents() {
			c.mu.Lock()
			switch ev.State {
			case zk.StateHasSession:
				if id := conn.SessionID(); id != c.session {
					c.session = id
					c.log.Info("ZooKeeper session established", zap.String("session", fmt.Sprintf("%#x", id)),
						zap.String("server", ev.Server))
				}
				c.connected, c.ready = true, authed
			case zk.StateDisconnected:
				c.connected, c.ready = false, false
			case zk.StateExpired:
				c.log.Warn("ZooKeeper session expired; announcements are made again in the next session",
					zap.String("session", fmt.Sprintf("%#x", c.session)))
				c.session, c.connected, c.ready = 0, false, false
			case zk.StateAuthFailed:
				c.fatal = fmt.Errorf("%w: ZooKeeper rejected the credentials of digest user %q: %w",
					ErrNotAuthorized, c.cfg.user, zk.ErrAuthFailed)
				c.log.Error("ZooKeeper rejected the credentials")
			}
			c.notifyLocked()
			connected := c.connected
			c.mu.Unlock()
			if connected && !authed {
				authed = c.addAuth(conn)
			}
		}
		c.wakeAll()
	}
}

// addAuth adds the digest credentials; on a transient failure the next session event tries again.
func (c *Client) addAuth(conn *zk.Conn) bool {
	err := conn.AddAuth("digest", []byte(c.cfg.user+":"+c.cfg.password))
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case err == nil:
		c.ready = c.connected
		c.notifyLocked()
		return true
	case errors.Is(err, zk.ErrAuthFailed):
		c.fatal = fmt.Errorf("%w: ZooKeeper rejected the credentials of digest user %q: %w", ErrNotAuthorized, c.cfg.user, err)
		c.notifyLocked()
	default:
		c.log.Debug("adding credentials failed; retrying on the next connection", zap.Error(err))
	}
	return false
}

func (c *Client) notifyLocked() {
	close(c.changed)
	c.changed = make(chan struct{})
}

// state returns the current session (0 when none is usable), the ZooKeeper client and a permanent error.
func (c *Client) state() (session int64, conn *zk.Conn, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case c.closed:
		return 0, nil, ErrClosed
	case c.fatal != nil:
		return 0, nil, c.fatal
	case !c.ready:
		return 0, c.zk, nil
	}
	return c.session, c.zk, nil
}

func (c *Client) subscribe() *subscriber {
	s := &subscriber{wake: make(chan struct{}, 1)}
	c.mu.Lock()
	c.subs[s] = struct{}{}
	c.mu.Unlock()
	return s
}

func (c *Client) unsubscribe(s *subscriber) {
	c.mu.Lock()
	delete(c.subs, s)
	c.mu.Unlock()
}

func (c *Client) wakeAll() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for s := range c.subs {
		s.notify()
	}
}

// ensurePath creates path and its missing parents as persistent nodes.
func (c *Client) ensurePath(conn *zk.Conn, path string) error {
	if ok, _, err := conn.Exists(path); err != nil || ok {
		return err
	}
	for i := 1; i <= len(path); i++ {
		if i < len(path) && path[i] != '/' {
			continue
		}
		p := path[:i]
		_, err := conn.Create(p, nil, 0, c.public)
		switch {
		case err == nil, errors.Is(err, zk.ErrNodeExists):
		case errors.Is(err, zk.ErrNoAuth) && i < len(path):
			// Not allowed to create a parent: fine if it exists.
			if ok, _, eerr := conn.Exists(p); eerr != nil || !ok {
				return err
			}
		default:
			return err
		}
	}
	return nil
}

// opError wraps a ZooKeeper error with the operation and node.
func (c *Client) opError(op, path string, err error) error {
	switch {
	case errors.Is(err, zk.ErrClosing):
		return fmt.Errorf("%w: %s %q: %w", ErrClosed, op, path, err)
	case errors.Is(err, zk.ErrNoAuth), errors.Is(err, zk.ErrAuthFailed):
		who := " (no credentials)"
		if c.cfg.auth {
			who = fmt.Sprintf(" as digest user %q", c.cfg.user)
		}
		return fmt.Errorf("%w: %s %q%s: %w", ErrNotAuthorized, op, path, who, err)
	}
	return fmt.Errorf("discovery: ZooKeeper: %s %q: %w", op, path, err)
}

// subscriber is a goroutine of the Client (an announcement or a watcher) that receives watch events in the
// order go-zookeeper delivers them, without ever blocking the delivery, and a wake-up after every session
// change.
type subscriber struct {
	mu     sync.Mutex
	events []zk.Event
	wake   chan struct{} // capacity 1
}

func (s *subscriber) push(ev zk.Event) {
	s.mu.Lock()
	s.events = append(s.events, ev)
	s.mu.Unlock()
	s.notify()
}

func (s *subscriber) notify() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

func (s *subscriber) take() []zk.Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	evs := s.events
	s.events = nil
	return evs
}

// backoff returns the next retry delay after d.
func backoff(d time.Duration) time.Duration { return min(max(2*d, minRetryDelay), maxRetryDelay) }

// claim records that an announcement of c now holds node instead of old (either may be "").
func (c *Client) claim(old, node string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.nodes == nil {
		c.nodes = make(map[string]bool)
	}
	delete(c.nodes, old)
	if node != "" {
		c.nodes[node] = true
	}
}

func (c *Client) claimed(node string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.nodes[node]
}
