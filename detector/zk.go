// SPDX-License-Identifier: Apache-2.0

package detector

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
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
	events   []zk.Event    // events (session and watch) not yet handled by run
	evNotify chan struct{} // capacity 1: "events is not empty"
	evSeq    uint64        // events received so far
	early    earlyReport   // armed by run after a listing, disarmed by the next event (see onEvent)
	m        *metrics      // metrics.go
	why      noLeaderWhy   // cause.go

	quit      chan struct{}
	runDone   chan struct{}   // closed when run has returned
	connDone  <-chan struct{} // closed when go-zookeeper has closed its event channel (its goroutines ended)
	closeOnce sync.Once

	listings atomic.Int64 // completed member listings (tests wait on it)
	earlies  atomic.Int64 // leader changes reported early (tests and benchmarks)

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
		m:        newMetrics(cfg.meterProvider),
		evNotify: make(chan struct{}, 1),
		quit:     make(chan struct{}),
		runDone:  make(chan struct{}),
		noticed:  make(map[string]bool),
		cache:    make(map[string]memberData),
	}
	z.board = newBoard(z.m.observer(cfg.onAnswer))
	if cfg.auth {
		// Mesos's EVERYONE_READ_CREATOR_ALL.
		z.acl = append(zk.WorldACL(zk.PermRead), zk.AuthACL(zk.PermAll)...)
	}
	conn, done, err := zkutil.Dial(z.servers, cfg.sessionTimeout, zkutil.ClientConfig{
		Dialer: cfg.dialer, Logger: cfg.logger.Named("zookeeper"), OnEvent: z.onEvent,
	})
	if err != nil {
		return nil, fmt.Errorf("detector: ZooKeeper client: %w", err)
	}
	z.conn, z.connDone = conn, done
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

// earlyReport is what to report, without waiting for a listing, when the leader's node is deleted (see
// arm).
type earlyReport struct {
	armed    bool
	node     string                 // full path of the leader's node
	next     *mesosproto.MasterInfo // the runner-up; nil when no usable member would be left
	nextNode string
}

// onEvent is go-zookeeper's event callback. It runs on the client's goroutines and must not block. Every
// event, session or watch, is queued (never dropped) for run. go-zookeeper calls it for every event in the
// order the client receives them: watch events from its receive loop as they are read off the connection
// (before it hands them to the watch channels), session events between connections. That order is what
// makes the early report sound (see arm): the first event after arming disarms it, and reports the
// runner-up if it is the deletion of the leader's node.
//
// An early answer is published before anything else is done about the event, and the receive loop then
// yields (yieldToWaiters) before it wakes run and logs: on a busy machine the goroutines waiting for the
// answer would otherwise queue behind run's confirming listing and behind go-zookeeper's own hand-off of the
// event to its event channel (docs/PERFORMANCE.md, "Round two: leader change tail").
func (z *ZK) onEvent(ev zk.Event) {
	if z.cfg.onEvent != nil {
		z.cfg.onEvent(ev)
	}
	var early earlyReport
	published := false
	z.evMu.Lock()
	z.evSeq++
	z.events = append(z.events, ev)
	if z.early.armed {
		if ev.Type == zk.EventNodeDeleted && ev.Path == z.early.node && !z.cfg.noEarly {
			early = z.early
			if early.next == nil {
				z.why.set("no usable member left", false)
			}
			// Published under evMu: run disarms under evMu before every listing, so no answer from a
			// listing issued before this event can be published after this one.
			if published = z.board.set(early.next, nil); published {
				z.earlies.Add(1)
			}
		}
		z.early = earlyReport{}
	}
	z.evMu.Unlock()
	if published {
		yieldToWaiters()
	}
	select {
	case z.evNotify <- struct{}{}:
	default:
	}
	if published {
		z.logAnswer(early.next, early.nextNode, "no usable member left", true)
	}
}

// yieldToWaiters lets the goroutines an answer has just woken run now, before the publisher's bookkeeping.
// The one woken last is the next to run on this processor (the Go scheduler's run-next slot), but only once
// the publisher blocks or yields, and any goroutine the publisher wakes in between (a ZooKeeper request's
// sender, go-zookeeper's event channel reader) takes its place.
func yieldToWaiters() { runtime.Gosched() }

// disarm withdraws the early report and returns the number of events received so far. run calls it
// before every listing.
func (z *ZK) disarm() uint64 {
	z.evMu.Lock()
	defer z.evMu.Unlock()
	z.early = earlyReport{}
	return z.evSeq
}

// arm prepares the early report of the listing that started when seq events had been received, if no event
// at all has been received since: the leader's node (leader, read with a data watch in this session) and
// the next usable member in sequence order (next, nil for none; its data read in this session too).
//
// Why that report is right when the next event is the deletion of the leader's node: the listing set a
// children watch at the state it returned, and ZooKeeper delivers the events of one connection in the
// order of the transactions that caused them. Had the children changed after the listing and before the
// leader's node was deleted, the children watch would have fired, and its event would have come first;
// had the connection changed, session events would have. So the deletion is the first change to the
// children since the listing, and the lowest usable member after it is the one read after the listing
// (members that were skipped stay skipped: nodes are never rewritten, a rewrite would fire their data watch
// first; a new member sorts after every existing one, as ZooKeeper's sequence numbers only grow). One
// transaction deleting several members is excluded where it can be: ZooKeeper deletes a closed session's
// ephemeral nodes in one transaction, so the runner-up must belong to another session than the leader.
// A multi-operation deleting both the leader and the runner-up (Mesos issues none) is the one case it
// cannot see; the listing that follows corrects it.
func (z *ZK) arm(seq uint64, leader string, leaderOwner int64, next *mesosproto.MasterInfo, nextNode string, nextOwner int64) {
	if next != nil && nextOwner != 0 && nextOwner == leaderOwner {
		return
	}
	z.evMu.Lock()
	defer z.evMu.Unlock()
	if z.evSeq != seq {
		return
	}
	z.early = earlyReport{armed: true, node: z.path + "/" + leader, next: next, nextNode: nextNode}
}

// takeEvents returns the queued events and queues the next ones in spare (emptied), so that queueing an
// event allocates nothing once both slices have grown.
func (z *ZK) takeEvents(spare []zk.Event) []zk.Event {
	clear(spare) // drop the paths for the collector
	z.evMu.Lock()
	defer z.evMu.Unlock()
	evs := z.events
	z.events = spare[:0]
	return evs
}

// runState is what run knows about the connection.
type runState struct {
	session bool // the client has a live session
	authed  bool // digest credentials were added (go-zookeeper re-sends them on every reconnection)
	ensured bool // the base path is known to exist
}

// run owns the detector's view of ZooKeeper: it reacts to session events, lists the members (with a
// watch, re-armed after every fire) whenever something may have changed, and publishes answers. Watch
// events come through onEvent too (the watch channels go unread).
func (z *ZK) run() {
	defer close(z.runDone)
	var (
		st        runState
		needList  bool
		sessionID int64
		delay     time.Duration
		retryC    <-chan time.Time
		evs       []zk.Event // the latest events taken, reused for the next ones
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
			case zkutil.IsPermanent(err):
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
			evs = z.takeEvents(evs)
			for _, ev := range evs {
				if ev.Type != zk.EventSession {
					needList = z.watchEvent(ev) || needList
					continue
				}
				z.m.session(ev.State)
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
					st.session = false
					lost.Stop()
					z.log.Warn("ZooKeeper session expired: no leader known until a new session lists the masters")
					z.why.set("ZooKeeper session expired", true)
					z.publish(nil, "", "session expired")
				case zk.StateAuthFailed:
					z.fail(fmt.Errorf("%w: ZooKeeper rejected the credentials%s: %w", ErrNotAuthorized, z.who(), zk.ErrAuthFailed))
					return
				}
			}
		case <-first.C:
			if _, known := z.board.current(); !known {
				z.why.set("not connected to ZooKeeper at "+strings.Join(z.servers, ",")+" within the session timeout", true)
				z.publish(nil, "", "not connected to ZooKeeper within the session timeout")
			}
		case <-lost.C:
			z.why.set("disconnected from ZooKeeper for longer than the session timeout", true)
			z.publish(nil, "", "disconnected from ZooKeeper for longer than the session timeout")
		case <-retryC:
			retryC = nil
		}
	}
}

// watchEvent handles a watch event and reports whether the members must be listed again. Any event on the
// base path (the children watch firing, or the path deleted) calls for a listing. A member whose data
// changed (Mesos never rewrites them) is read again at that listing. A member's deletion calls for one too,
// although the children watch reports it as well: the event disarmed the early report (onEvent), and only a
// listing arms it again — after a reconnection go-zookeeper's restored watches may deliver the deletion
// after the children event whose listing it then disarms.
func (z *ZK) watchEvent(ev zk.Event) bool {
	switch {
	case ev.Type == zk.EventNotWatching:
		return false // watches dropped with an expired session; the session event handles it
	case ev.Path == z.path:
		return true
	case ev.Type == zk.EventNodeDataChanged || ev.Type == zk.EventNodeCreated || ev.Type == zk.EventNodeDeleted:
		if name, ok := strings.CutPrefix(ev.Path, z.path+"/"); ok {
			delete(z.cache, name)
			return true
		}
	}
	return false
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
	seq := z.disarm()
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
		children, _, _, err = z.conn.ChildrenW(z.path)
		if errors.Is(err, zk.ErrNoNode) && attempt < 3 {
			st.ensured = false // deleted under us: create it again
			continue
		}
		if err != nil {
			return z.opError("list the members of", err)
		}
		break
	}
	return z.pickLeader(children, seq)
}

// pickLeader publishes the first member, in order of sequence number, whose data it can decode; none means
// "no leader". Members with an unknown label or undecodable data are skipped with a log line (once per
// node). A member deleted since the listing is skipped too: the watch has fired and a new listing follows.
// seq is the event count when the listing started (see arm).
func (z *ZK) pickLeader(children []string, seq uint64) error {
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
	var leader memberData
	node, next := "", len(members)
	for i, m := range members {
		d, err := z.member(m)
		if err != nil {
			return err
		}
		if d.usable() {
			leader, node, next = d, m.name, i+1
			break
		}
	}
	why := ""
	if leader.info == nil {
		why = fmt.Sprintf("no usable member among %d children", len(children))
	}
	z.why.set(why, false)
	z.publish(leader.info, node, why)
	// Read the runner-up now, off the critical path, so that when the leader's node goes its successor is
	// known at once (see arm), or else after a single listing. Errors are left to the next listing.
	if leader.info != nil {
		var runnerUp memberData
		nextNode, complete := "", true
		for _, m := range members[next:] {
			d, err := z.member(m)
			if err != nil || d.gone {
				complete = false // a listing follows (or the watch has fired)
				break
			}
			if d.usable() {
				runnerUp, nextNode = d, m.name
				break
			}
		}
		if complete {
			z.arm(seq, node, leader.owner, runnerUp.info, nextNode, runnerUp.owner)
		}
	}
	z.listings.Add(1)
	return nil
}

// memberData is a member node's decoded data, or why it cannot be used (no info: unknown label,
// undecodable, or gone).
type memberData struct {
	info  *mesosproto.MasterInfo
	err   error // undecodable
	owner int64 // the session owning the node (ephemeral nodes), 0 for none
	gone  bool  // deleted since the listing
}

func (d memberData) usable() bool { return d.info != nil }

// member returns a member's data. Data is read once per node name, with a data watch (cached until the
// node disappears, its data watch fires or the session changes): Mesos masters never rewrite their member
// nodes, and sequential names are not reused. Only ZooKeeper errors other than "no node" are returned.
func (z *ZK) member(m member) (memberData, error) {
	if !knownLabel(m.label) {
		z.notice(m.name, "skipping a member node with an unknown label", zap.String("label", m.label))
		return memberData{}, nil
	}
	if d, ok := z.cache[m.name]; ok {
		return d, nil
	}
	node := z.path + "/" + m.name
	data, stat, _, err := z.conn.GetW(node)
	if errors.Is(err, zk.ErrNoNode) {
		return memberData{gone: true}, nil
	}
	if err != nil {
		return memberData{}, z.opErrorAt("read", node, err)
	}
	mi, err := decodeMember(m.label, data)
	d := memberData{info: mi, err: err, owner: stat.EphemeralOwner}
	z.cache[m.name] = d
	if err != nil {
		z.notice(m.name, "skipping a member node whose data cannot be decoded", zap.Error(err), zap.Int("bytes", len(data)))
	}
	return d, nil
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

// publish sets the answer and, when it changed, lets the waiters run before it logs the change and run
// goes on (reading the runner-up, for instance).
func (z *ZK) publish(mi *mesosproto.MasterInfo, node, why string) {
	if z.board.set(mi, nil) {
		yieldToWaiters()
		z.logAnswer(mi, node, why, false)
	}
}

func (z *ZK) logAnswer(mi *mesosproto.MasterInfo, node, why string, early bool) {
	if !z.log.Core().Enabled(zap.InfoLevel) {
		return // nothing to format
	}
	if mi == nil {
		z.log.Info("no leading master", zap.String("reason", why), zap.Bool("early", early))
		return
	}
	u, _ := MasterURL(mi, "")
	z.log.Info("leading master", zap.Stringer("master", u), zap.String("master_id", mi.GetId()), zap.String("node", node), zap.Bool("early", early))
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
