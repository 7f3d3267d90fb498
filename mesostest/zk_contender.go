// SPDX-License-Identifier: Apache-2.0

package mesostest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/go-zookeeper/zk"
	"go.uber.org/zap"

	"github.com/mesoskit/mesoskit/detector"
	"github.com/mesoskit/mesoskit/internal/httpapi"
	"github.com/mesoskit/mesoskit/internal/zkutil"
	"github.com/mesoskit/mesoskit/mesosproto"
)

// Retry delays of a contender after a transient ZooKeeper error (Mesos's group starts at 2 s; tests want
// faster).
const (
	zkMinRetry = 50 * time.Millisecond
	zkMaxRetry = 2 * time.Second
)

// memberLabel is the label of the member nodes Mesos masters create (src/master/constants.cpp MASTER_INFO_JSON_LABEL).
const memberLabel = "json.info"

// zkMember is one incarnation of a master in ZooKeeper (src/master/contender/zookeeper.cpp and the
// detector the master runs, src/master/master.cpp detected): the contender's session holding the member
// node, and the master's own detector. A restarted master gets a new zkMember.
//
// Goroutines: run owns the session (joining, re-joining, session events, ExpireMasterSession); watch
// follows the detector. Both are tracked by the server's WaitGroup; stop ends them and the ZooKeeper
// clients.
type zkMember struct {
	s    *Server
	idx  int
	id   string // MasterInfo.id of this incarnation
	data []byte // MasterInfo JSON, the member node's data
	log  *zap.Logger
	acl  []zk.ACL
	det  *detector.ZK

	ctx    context.Context // cancelled by stop
	cancel context.CancelFunc

	joined  chan struct{} // closed once the member node exists for the first time, or joining failed for good
	joinErr error         // set before joined is closed when joining failed

	expireReq chan chan error

	evMu     sync.Mutex
	events   []zkEvent
	evNotify chan struct{}

	mu       sync.Mutex // guards the fields below
	conn     *zk.Conn
	connDone <-chan struct{} // closed when conn's goroutines are gone
	gen      int             // incremented with every new conn; events of older conns are ignored
	node     string          // full path of the member node, "" while there is none
	stopped  bool

	stopOnce sync.Once

	leading bool // guarded by s.mu: this incarnation has been elected
}

type zkEvent struct {
	gen int
	ev  zk.Event
}

// newZKMember connects master idx's contender and detector. Nothing is created in ZooKeeper until run.
func (s *Server) newZKMember(idx int, info *mesosproto.MasterInfo) (*zkMember, error) {
	u := s.cfg.zk.url
	data, err := masterInfoJSON(info)
	if err != nil {
		return nil, fmt.Errorf("mesostest: master %d: MasterInfo JSON: %w", idx, err)
	}
	z := &zkMember{
		s:         s,
		idx:       idx,
		id:        info.GetId(),
		data:      data,
		log:       s.log.Named("zk").With(zap.Int("master_index", idx), zap.String("master_id", info.GetId())),
		acl:       zk.WorldACL(zk.PermAll),
		joined:    make(chan struct{}),
		expireReq: make(chan chan error, 1),
		evNotify:  make(chan struct{}, 1),
	}
	if u.Username != "" {
		// EVERYONE_READ_CREATOR_ALL, as Mesos uses with credentials.
		z.acl = append(zk.WorldACL(zk.PermRead), zk.AuthACL(zk.PermAll)...)
	}
	z.ctx, z.cancel = context.WithCancel(context.Background())
	if err := z.connect(); err != nil {
		z.cancel()
		return nil, err
	}
	opts := []detector.Option{
		detector.WithLogger(s.log.Named("master-detector").With(zap.Int("master_index", idx))),
		detector.WithSessionTimeout(s.cfg.zk.sessionTimeout),
	}
	if u.Username != "" {
		opts = append(opts, detector.WithDigestAuth(u.Username, u.Password))
	}
	det, err := detector.NewZK(u.Servers, u.Path, opts...)
	if err != nil {
		z.stop()
		return nil, fmt.Errorf("mesostest: master %d: %w", idx, err)
	}
	z.det = det
	return z, nil
}

// connect opens a new ZooKeeper session (in the background) and makes it the current one.
func (z *zkMember) connect() error {
	z.mu.Lock()
	z.gen++
	gen := z.gen
	z.mu.Unlock()
	conn, done, err := zkutil.Dial(z.s.cfg.zk.url.Servers, z.s.cfg.zk.sessionTimeout, zkutil.ClientConfig{
		Dialer: z.s.cfg.zk.dialer, Logger: z.log.Named("client"), OnEvent: func(ev zk.Event) { z.onEvent(gen, ev) },
	})
	if err != nil {
		return fmt.Errorf("mesostest: master %d: ZooKeeper client: %w", z.idx, err)
	}
	z.mu.Lock()
	if z.stopped {
		z.mu.Unlock()
		conn.Close()
		<-done
		return context.Canceled
	}
	z.conn, z.connDone, z.node = conn, done, ""
	z.mu.Unlock()
	return nil
}

// closeConn ends the current session: ZooKeeper deletes the member node at once.
func (z *zkMember) closeConn() {
	z.mu.Lock()
	conn, done := z.conn, z.connDone
	z.conn, z.connDone, z.node = nil, nil, ""
	z.mu.Unlock()
	if conn != nil {
		conn.Close()
		<-done
	}
}

func (z *zkMember) current() (*zk.Conn, int) {
	z.mu.Lock()
	defer z.mu.Unlock()
	return z.conn, z.gen
}

// stop ends the incarnation: the session closes first (the member node vanishes at once, so that the
// other masters can elect a leader while this one finishes dying), then the detector. It may be called
// from run or watch, and more than once.
func (z *zkMember) stop() {
	z.stopOnce.Do(func() {
		z.cancel()
		z.mu.Lock()
		z.stopped = true
		z.mu.Unlock()
		z.closeConn()
		z.closeDetector()
	})
}

// closeDetector closes the master's own detector (idempotent). Close calls it for every master before
// ending their sessions, so that no detector is busy listing the members when the member nodes go away.
func (z *zkMember) closeDetector() {
	if z.det != nil {
		_ = z.det.Close()
	}
}

// onEvent is go-zookeeper's event callback; it must not block. Session events are queued for run.
func (z *zkMember) onEvent(gen int, ev zk.Event) {
	if ev.Type != zk.EventSession {
		return
	}
	z.evMu.Lock()
	z.events = append(z.events, zkEvent{gen, ev})
	z.evMu.Unlock()
	select {
	case z.evNotify <- struct{}{}:
	default:
	}
}

func (z *zkMember) takeEvents() []zkEvent {
	z.evMu.Lock()
	defer z.evMu.Unlock()
	evs := z.events
	z.events = nil
	return evs
}

// finishJoin closes joined (once) with the outcome of the first join.
func (z *zkMember) finishJoin(err error) {
	select {
	case <-z.joined:
	default:
		z.joinErr = err
		close(z.joined)
	}
}

// run registers the member node and keeps it: a follower whose node goes (session expired, node deleted)
// registers again with a new sequence number; a leader that loses it exits (Master::lostCandidacy).
func (z *zkMember) run() {
	var (
		session   bool
		sessionID int64
		authed    bool   // digest credentials sent on the current conn
		maybe     bool   // a create's answer was lost: the node may exist
		node      string // our member node, "" while none
		watch     <-chan zk.Event
		delay     time.Duration
		retry     *time.Timer
		retryC    <-chan time.Time
	)
	defer func() {
		if retry != nil {
			retry.Stop()
		}
	}()
	backoff := func(err error) {
		delay = min(max(2*delay, zkMinRetry), zkMaxRetry)
		z.log.Warn("ZooKeeper error; retrying", zap.Error(err), zap.Duration("delay", delay))
		retry = time.NewTimer(delay)
		retryC = retry.C
	}
	// lost handles the loss of the member node; it reports false when the master died of it.
	lost := func(why string) bool {
		if node == "" {
			return true
		}
		node, watch = "", nil
		z.mu.Lock()
		z.node = ""
		z.mu.Unlock()
		if z.s.zkLostCandidacy(z, why) {
			return false
		}
		z.log.Info("member node lost; contending again", zap.String("reason", why))
		return true
	}
	for {
		conn, gen := z.current()
		if conn == nil {
			return // stopped
		}
		if session && retryC == nil {
			var err error
			switch {
			case node == "":
				node, err = z.join(conn, &authed, &maybe)
				if err == nil {
					delay = 0
					z.mu.Lock()
					z.node = node
					z.mu.Unlock()
					z.log.Info("registered in ZooKeeper", zap.String("node", node))
					z.finishJoin(nil)
				}
			case watch == nil:
				var ok bool
				ok, _, watch, err = conn.ExistsW(node)
				if err == nil && !ok {
					watch = nil
					if !lost("member node deleted") {
						return
					}
					continue
				}
			}
			if err != nil {
				if z.ctx.Err() != nil {
					return
				}
				if zkutil.IsPermanent(err) {
					z.finishJoin(err)
					z.s.zkMemberFailed(z, err)
					return
				}
				backoff(err)
			}
		}
		select {
		case <-z.ctx.Done():
			return
		case <-z.evNotify:
			for _, e := range z.takeEvents() {
				if e.gen != gen {
					continue
				}
				switch e.ev.State {
				case zk.StateHasSession:
					id := conn.SessionID()
					if sessionID != 0 && id != sessionID && !lost("ZooKeeper session expired") {
						return
					}
					sessionID, session = id, true
					if retry != nil {
						retry.Stop()
						retryC = nil
					}
				case zk.StateDisconnected:
					session = false
				case zk.StateExpired:
					session = false
					if !lost("ZooKeeper session expired") {
						return
					}
				case zk.StateAuthFailed:
					err := fmt.Errorf("ZooKeeper rejected the credentials: %w", zk.ErrAuthFailed)
					z.finishJoin(err)
					z.s.zkMemberFailed(z, err)
					return
				}
			}
		case ev := <-watch:
			watch = nil
			if ev.Type == zk.EventNodeDeleted && !lost("member node deleted") {
				return
			}
		case <-retryC:
			retryC = nil
		case reply := <-z.expireReq:
			// End the session as an expiry would: the node vanishes at once; then a fresh session.
			z.closeConn()
			session, sessionID, authed, maybe = false, 0, false, false
			if retry != nil {
				retry.Stop()
				retryC = nil
			}
			alive := lost("ZooKeeper session expired")
			var err error
			if alive {
				err = z.connect()
			}
			reply <- err
			if !alive || err != nil {
				return
			}
		}
	}
}

// join authenticates, creates the base path when missing and creates the member node, as
// ZooKeeperMasterContender::contend does through Group::join.
func (z *zkMember) join(conn *zk.Conn, authed, maybe *bool) (string, error) {
	u := z.s.cfg.zk.url
	if u.Username != "" && !*authed {
		if err := conn.AddAuth("digest", []byte(u.Username+":"+u.Password)); err != nil {
			return "", z.opError("authenticate for", u.Path, err)
		}
		*authed = true
	}
	if err := z.ensurePath(conn); err != nil {
		return "", err
	}
	if *maybe {
		// The answer to an earlier create was lost: adopt the node if it was created.
		n, err := z.findOwnNode(conn)
		if err != nil {
			return "", err
		}
		*maybe = false
		if n != "" {
			return n, nil
		}
	}
	prefix := u.Path + "/" + memberLabel + "_"
	name, err := conn.Create(prefix, z.data, zk.FlagEphemeral|zk.FlagSequence, z.acl)
	if err != nil {
		if errors.Is(err, zk.ErrConnectionClosed) || errors.Is(err, zk.ErrSessionMoved) {
			*maybe = true
		}
		return "", z.opError("create", prefix, err)
	}
	return name, nil
}

// findOwnNode returns the member node of the current session holding this master's data, "" if none.
func (z *zkMember) findOwnNode(conn *zk.Conn) (string, error) {
	path := z.s.cfg.zk.url.Path
	children, _, err := conn.Children(path)
	if err != nil {
		return "", z.opError("list", path, err)
	}
	for _, c := range children {
		if !strings.HasPrefix(c, memberLabel+"_") {
			continue
		}
		data, st, err := conn.Get(path + "/" + c)
		if err == nil && st.EphemeralOwner == conn.SessionID() && bytes.Equal(data, z.data) {
			return path + "/" + c, nil
		}
	}
	return "", nil
}

// ensurePath creates the base path and its parents when missing (Group::join does so too).
func (z *zkMember) ensurePath(conn *zk.Conn) error {
	path := z.s.cfg.zk.url.Path
	ok, _, err := conn.Exists(path)
	if err != nil {
		return z.opError("check", path, err)
	}
	if ok {
		return nil
	}
	for i := 1; i <= len(path); i++ {
		if i < len(path) && path[i] != '/' {
			continue
		}
		p := path[:i]
		_, err := conn.Create(p, nil, 0, z.acl)
		switch {
		case err == nil:
			z.log.Info("created ZooKeeper path", zap.String("node", p))
			continue
		case errors.Is(err, zk.ErrNodeExists):
			continue
		case errors.Is(err, zk.ErrNoAuth):
			if ok, _, eerr := conn.Exists(p); eerr == nil && ok {
				continue // not ours to create, but there
			}
		}
		return z.opError("create", p, err)
	}
	return nil
}

func (z *zkMember) opError(op, node string, err error) error {
	who := " (no credentials)"
	if u := z.s.cfg.zk.url; u.Username != "" {
		who = fmt.Sprintf(" as digest user %q", u.Username)
	}
	return fmt.Errorf("mesostest: master %d: ZooKeeper: %s %q%s: %w", z.idx, op, node, who, err)
}

// watch follows the master's own detector (Master::detected): elected when it reports this master; a
// leader that sees another master, or none, exits.
func (z *zkMember) watch() {
	for {
		mi, changed, err := z.det.Leader(z.ctx)
		if z.ctx.Err() != nil {
			return
		}
		if !z.s.zkDetected(z, mi, err) || err != nil {
			return
		}
		select {
		case <-changed:
		case <-z.ctx.Done():
			return
		}
	}
}

// masterInfoJSON renders MasterInfo as a Mesos master writes it into its member node: JSON with Mesos's
// field mapping (proto names, enums by name), compact, keys in alphabetical order (stout's JSON::Object is
// a sorted map).
func masterInfoJSON(mi *mesosproto.MasterInfo) ([]byte, error) {
	b, err := httpapi.JSON.Marshal(mi)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	var out bytes.Buffer
	enc := json.NewEncoder(&out)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil { // maps are written with sorted keys
		return nil, err
	}
	return bytes.TrimSuffix(out.Bytes(), []byte("\n")), nil
}
