// SPDX-License-Identifier: Apache-2.0

package detector

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-zookeeper/zk"
	"go.uber.org/zap"

	"github.com/mesoskit/mesoskit/internal/zkutil"
	"github.com/mesoskit/mesoskit/mesosproto"
)

// Retry delays after a transient ZooKeeper error while connected (disconnections are handled by the
// client's own reconnection and the session events).
const (
	minRetryDelay = 100 * time.Millisecond
	maxRetryDelay = 10 * time.Second
)

// WithDigestAuth makes a ZK detector authenticate with ZooKeeper's digest scheme ("user:password"), as a
// zk://user:password@... spec does. The base path it creates then gets the ACL Mesos uses: read for
// everyone, all permissions for the creator.
func WithDigestAuth(user, password string) Option {
	return func(c *config) { c.user, c.password, c.auth = user, password, true }
}

// ZK detects the leading master from the members Mesos masters register in ZooKeeper (see the package
// documentation for the rules). It is safe for concurrent use.
type ZK struct {
	cfg     config
	servers []string
	path    string
	acl     []zk.ACL
	log     *zap.Logger
	conn    *zk.Conn
	board   *board

	evMu     sync.Mutex
	events   []zk.Event    // session events not yet handled by run
	evNotify chan struct{} // capacity 1: "events is not empty"

	quit      chan struct{}
	runDone   chan struct{} // closed when run has returned
	connDone  chan struct{} // closed when go-zookeeper has closed its event channel (its goroutines ended)
	closeOnce sync.Once

	listings atomic.Int64 // completed member listings (tests and benchmarks wait on it)

	// Owned by run.
	noticed map[string]bool       // member names already logged as skipped
	cache   map[string]memberData // decoded member data by node name
}

var _ Detector = (*ZK)(nil)

// NewZK starts a detector watching the members under path (absolute, not "/") on the given ZooKeeper
// servers ("host:port"; names are resolved at each connection attempt). It connects in the background; Leader
// blocks until the first answer. Call Close to release the session and goroutines.
func NewZK(servers []string, path string, opts ...Option) (*ZK, error) {
	cfg := newConfig(opts)
	if len(servers) == 0 {
		return nil, errors.New("detector: no ZooKeeper servers")
	}
	for _, s := range servers {
		if _, port, err := splitHostPort(s, true); err != nil || port == 0 {
			return nil, fmt.Errorf("detector: ZooKeeper server %q: want host:port", s)
		}
	}
	if err := validZKPath(path); err != nil {
		return nil, fmt.Errorf("detector: ZooKeeper %v", err)
	}
	if cfg.sessionTimeout <= 0 {
		return nil, fmt.Errorf("detector: session timeout %v must be positive", cfg.sessionTimeout)
	}
	z := &ZK{
		cfg:      cfg,
		servers:  append([]string(nil), servers...),
		path:     path,
		acl:      zk.WorldACL(zk.PermAll),
		log:      cfg.logger.Named("detector").With(zap.String("zk_path", path)),
		board:    newBoard(cfg.onAnswer),
		evNotify: make(chan struct{}, 1),
		quit:     make(chan struct{}),
		runDone:  make(chan struct{}),
		connDone: make(chan struct{}),
		noticed:  make(map[string]bool),
		cache:    make(map[string]memberData),
	}
	if cfg.auth {
		// Mesos's EVERYONE_READ_CREATOR_ALL.
		z.acl = append(zk.WorldACL(zk.PermRead), zk.AuthACL(zk.PermAll)...)
	}
	dial := cfg.dialer
	if dial == nil {
		dial = net.DialTimeout
	}
	conn, events, err := zk.Connect(z.servers, cfg.sessionTimeout,
		zk.WithHostProvider(&zkutil.HostList{}),
		zk.WithDialer(dial),
		zk.WithLogger(zkutil.Logger(cfg.logger.Named("zookeeper"))),
		zk.WithEventCallback(z.onEvent),
	)
	if err != nil {
		return nil, fmt.Errorf("detector: ZooKeeper client: %w", err)
	}
	z.conn = conn
	go func() {
		// Session events are taken from the callback; the channel is drained so that go-zookeeper never
		// blocks on it, and its closing tells Close that the client's goroutines are gone.
		defer close(z.connDone)
		for range events {
		}
	}()
	go z.run()
	return z, nil
}

// Leader implements Detector.
func (z *ZK) Leader(ctx context.Context) (*mesosproto.MasterInfo, <-chan struct{}, error) {
	return z.board.get(ctx)
}

// Close ends the ZooKeeper session and waits until every goroutine of the detector and of its ZooKeeper
// client has returned. It is idempotent; Leader then returns ErrClosed.
func (z *ZK) Close() error {
	z.closeOnce.Do(func() {
		close(z.quit)
		z.board.close()
		z.conn.Close() // also unblocks a ZooKeeper call run may be waiting on
		<-z.runDone
		<-z.connDone
		z.log.Debug("detector closed")
	})
	return nil
}

// onEvent is go-zookeeper's event callback. It runs on the client's goroutines and must not block: session
// events are queued (never dropped) for run.
func (z *ZK) onEvent(ev zk.Event) {
	if ev.Type != zk.EventSession {
		return // watch events arrive on the watch channels
	}
	z.evMu.Lock()
	z.events = append(z.events, ev)
	z.evMu.Unlock()
	select {
	case z.evNotify <- struct{}{}:
	default:
	}
}

func (z *ZK) takeEvents() []zk.Event {
	z.evMu.Lock()
	defer z.evMu.Unlock()
	evs := z.events
	z.events = nil
	return evs
}

// runState is what run knows about the connection.
type runState struct {
	session bool // the client has a live session
	authed  bool // digest credentials were added (go-zookeeper re-sends them on every reconnection)
	ensured bool // the base path is known to exist
	watch   <-chan zk.Event
}

// run owns the detector's view of ZooKeeper: it reacts to session events, lists the members (with a
// watch, re-armed after every fire) whenever something may have changed, and publishes answers.
func (z *ZK) run() {
	defer close(z.runDone)
	var (
		st        runState
		needList  bool
		sessionID int64
		delay     time.Duration
		retryC    <-chan time.Time
	)
	// Not connected within the session timeout: report "no leader" (as Mesos's group does) rather than
	// keeping Leader callers waiting.
	first := time.NewTimer(z.cfg.sessionTimeout)
	defer first.Stop()
	// Disconnected for longer than the session timeout: the session is gone, whatever the client thinks.
	lost := time.NewTimer(time.Hour)
	lost.Stop()
	defer lost.Stop()
	var retry *time.Timer
	defer func() {
		if retry != nil {
			retry.Stop()
		}
	}()

	for {
		if st.session && needList && retryC == nil {
			err := z.refresh(&st)
			switch {
			case err == nil:
				needList, delay = false, 0
			case isPermanent(err):
				z.fail(err)
				return
			default:
				select {
				case <-z.quit: // Close interrupted the listing: not an error worth a warning
					return
				default:
				}
				delay = min(max(2*delay, minRetryDelay), maxRetryDelay)
				z.log.Warn("ZooKeeper error; retrying", zap.Error(err), zap.Duration("delay", delay))
				retry = time.NewTimer(delay)
				retryC = retry.C
			}
		}
		select {
		case <-z.quit:
			return
		case <-z.evNotify:
			for _, ev := range z.takeEvents() {
				switch ev.State {
				case zk.StateHasSession:
					if id := z.conn.SessionID(); id != sessionID {
						z.log.Info("ZooKeeper session established", zap.String("session", fmt.Sprintf("%#x", id)), zap.String("server", ev.Server))
						sessionID = id
						st.ensured = false
						clear(z.cache)
					} else {
						z.log.Info("ZooKeeper session resumed", zap.String("server", ev.Server))
					}
					st.session, needList = true, true
					lost.Stop()
					if retry != nil {
						retry.Stop() // a fresh connection: list at once
						retryC = nil
					}
				case zk.StateDisconnected:
					if st.session {
						st.session = false
						lost.Reset(z.cfg.sessionTimeout)
						z.log.Warn("lost the ZooKeeper connection; reconnecting", zap.String("server", ev.Server))
					}
				case zk.StateExpired:
					st.session, st.watch = false, nil
					lost.Stop()
					z.log.Warn("ZooKeeper session expired: no leader known until a new session lists the masters")
					z.publish(nil, "", "session expired")
				case zk.StateAuthFailed:
					z.fail(fmt.Errorf("%w: ZooKeeper rejected the credentials%s: %w", ErrNotAuthorized, z.who(), zk.ErrAuthFailed))
					return
				}
			}
		case <-st.watch:
			st.watch, needList = nil, true
		case <-first.C:
			if _, known := z.board.current(); !known {
				z.publish(nil, "", "not connected to ZooKeeper within the session timeout")
			}
		case <-lost.C:
			z.publish(nil, "", "disconnected from ZooKeeper for longer than the session timeout")
		case <-retryC:
			retryC = nil
		}
	}
}

// fail publishes a permanent error and ends the ZooKeeper session (retrying cannot help; Mesos fails too).
func (z *ZK) fail(err error) {
	z.log.Error("ZooKeeper master detection failed permanently", zap.Error(err))
	z.board.set(nil, err)
	z.conn.Close()
}

// refresh makes sure of the credentials and the base path, lists the members with a watch and publishes
// the leader.
func (z *ZK) refresh(st *runState) error {
	if z.cfg.auth && !st.authed {
		if err := z.conn.AddAuth("digest", []byte(z.cfg.user+":"+z.cfg.password)); err != nil {
			return z.opError("authenticate for", err)
		}
		st.authed = true
	}
	var children []string
	for attempt := 0; ; attempt++ {
		if !st.ensured {
			if err := z.ensurePath(); err != nil {
				return err
			}
			st.ensured = true
		}
		var err error
		var watch <-chan zk.Event
		children, _, watch, err = z.conn.ChildrenW(z.path)
		if errors.Is(err, zk.ErrNoNode) && attempt < 3 {
			st.ensured = false // deleted under us: create it again
			continue
		}
		if err != nil {
			return z.opError("list the members of", err)
		}
		st.watch = watch
		break
	}
	return z.pickLeader(children)
}

// pickLeader publishes the first member, in order of sequence number, whose data it can decode; none means
// "no leader". Members with an unknown label or undecodable data are skipped with a log line (once per
// node). A member deleted since the listing is skipped too: the watch has fired and a new listing follows.
func (z *ZK) pickLeader(children []string) error {
	members := sortedMembers(children)
	seen := make(map[string]bool, len(members))
	for _, m := range members {
		seen[m.name] = true
	}
	for name := range z.cache {
		if !seen[name] {
			delete(z.cache, name)
		}
	}
	for name := range z.noticed {
		if !seen[name] {
			delete(z.noticed, name)
		}
	}
	var leader *mesosproto.MasterInfo
	node, next := "", len(members)
	for i, m := range members {
		mi, ok, err := z.memberInfo(m)
		if err != nil {
			return err
		}
		if ok {
			leader, node, next = mi, m.name, i+1
			break
		}
	}
	why := ""
	if leader == nil {
		why = fmt.Sprintf("no usable member among %d children", len(children))
	}
	z.publish(leader, node, why)
	// Read the runner-up now, off the critical path, so that when the leader goes its successor is known
	// after a single listing. Errors are left to the next listing.
	for _, m := range members[next:] {
		if _, ok, err := z.memberInfo(m); ok || err != nil {
			break
		}
	}
	z.listings.Add(1)
	return nil
}

// memberData is a member node's decoded data, or why it cannot be used.
type memberData struct {
	info *mesosproto.MasterInfo
	err  error
}

// memberInfo returns a member's MasterInfo; ok is false when the member is to be skipped. Data is read
// once per node name (cached until the node disappears or the session changes): Mesos masters never
// rewrite their member nodes, and sequential names are not reused.
func (z *ZK) memberInfo(m member) (*mesosproto.MasterInfo, bool, error) {
	if !knownLabel(m.label) {
		z.notice(m.name, "skipping a member node with an unknown label", zap.String("label", m.label))
		return nil, false, nil
	}
	if d, ok := z.cache[m.name]; ok {
		return d.info, d.err == nil, nil
	}
	node := z.path + "/" + m.name
	data, _, err := z.conn.Get(node)
	if errors.Is(err, zk.ErrNoNode) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, z.opErrorAt("read", node, err)
	}
	mi, err := decodeMember(m.label, data)
	z.cache[m.name] = memberData{info: mi, err: err}
	if err != nil {
		z.notice(m.name, "skipping a member node whose data cannot be decoded", zap.Error(err), zap.Int("bytes", len(data)))
		return nil, false, nil
	}
	return mi, true, nil
}

// notice logs a skipped member once per node name.
func (z *ZK) notice(name, msg string, fields ...zap.Field) {
	if z.noticed[name] {
		return
	}
	z.noticed[name] = true
	z.log.Warn(msg, append(fields, zap.String("node", name))...)
}

// ensurePath creates the base path and its parents when missing, as Mesos's detector does.
func (z *ZK) ensurePath() error {
	ok, _, err := z.conn.Exists(z.path)
	if err != nil {
		return z.opError("check", err)
	}
	if ok {
		return nil
	}
	for i := 1; i <= len(z.path); i++ {
		if i < len(z.path) && z.path[i] != '/' {
			continue
		}
		p := z.path[:i]
		_, err := z.conn.Create(p, nil, 0, z.acl)
		if err == nil {
			z.log.Info("created ZooKeeper path", zap.String("node", p))
			continue
		}
		if errors.Is(err, zk.ErrNodeExists) {
			continue
		}
		if errors.Is(err, zk.ErrNoAuth) {
			// Not allowed to create it; fine if it exists already.
			if ok, _, eerr := z.conn.Exists(p); eerr == nil && ok {
				continue
			}
		}
		return z.opErrorAt("create", p, err)
	}
	return nil
}

// publish sets the answer and logs the change.
func (z *ZK) publish(mi *mesosproto.MasterInfo, node, why string) {
	if !z.board.set(mi, nil) {
		return
	}
	if mi == nil {
		z.log.Info("no leading master", zap.String("reason", why))
		return
	}
	u, _ := MasterURL(mi, "")
	z.log.Info("leading master", zap.Stringer("master", u), zap.String("id", mi.GetId()), zap.String("node", node))
}

func (z *ZK) who() string {
	if z.cfg.auth {
		return fmt.Sprintf(" as digest user %q", z.cfg.user)
	}
	return " (no credentials)"
}

func (z *ZK) opError(op string, err error) error { return z.opErrorAt(op, z.path, err) }

// opErrorAt wraps a ZooKeeper error with the operation and node; permission errors also wrap
// ErrNotAuthorized.
func (z *ZK) opErrorAt(op, node string, err error) error {
	if errors.Is(err, zk.ErrNoAuth) || errors.Is(err, zk.ErrAuthFailed) {
		return fmt.Errorf("%w: %s %q%s: %w", ErrNotAuthorized, op, node, z.who(), err)
	}
	return fmt.Errorf("detector: ZooKeeper: %s %q: %w", op, node, err)
}

// isPermanent reports whether retrying cannot help (Mesos fails its group on these too).
func isPermanent(err error) bool {
	for _, p := range []error{
		zk.ErrNoAuth, zk.ErrAuthFailed, zk.ErrInvalidACL, zk.ErrBadArguments,
		zk.ErrNoChildrenForEphemerals, zk.ErrInvalidPath,
	} {
		if errors.Is(err, p) {
			return true
		}
	}
	return false
}
