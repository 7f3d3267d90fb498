// SPDX-License-Identifier: Apache-2.0

package ha

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/go-zookeeper/zk"
	"go.uber.org/zap"
)

// handoverSlack is added to the wait for a predecessor's lease: ZooKeeper's mtime has millisecond
// resolution, and the two clocks compared are read on different requests.
const handoverSlack = 10 * time.Millisecond

// maxEnded bounds how many of its own ended nodes an Election remembers.
const maxEnded = 16

// Election is one replica's side of a leader election on a ZooKeeper path. Candidates are ephemeral
// sequential children of the path; the lowest sequence number is elected, and each other candidate
// watches only the candidate just before it, so that a departure wakes one replica (no herd effect). The
// path's own data is the lease record through which a leader proves it is alive and hands over (see the
// package documentation). An Election is safe for concurrent use; it campaigns for at most one Term at a
// time.
type Election struct {
	c    *Conn
	path string
	cfg  electionConfig
	id   Identity
	data []byte
	log  *zap.Logger

	mu    sync.Mutex
	busy  bool     // a Campaign runs or a Term is held
	term  *Term    // the Term held, until its goroutine has finished
	stale []string // our nodes to delete: left by an ended Term or an abandoned Campaign
	ended []string // names of our nodes whose Term has ended (their Done is closed)
}

// NewElection returns this replica's Election on path (absolute; created with its parents when missing,
// readable by all). It does no I/O.
func NewElection(c *Conn, path string, opts ...ElectionOption) (*Election, error) {
	if c == nil {
		return nil, errors.New("ha: NewElection: nil Conn")
	}
	var cfg electionConfig
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	errs := append([]error(nil), cfg.problems...)
	if err := validPath(path); err != nil {
		errs = append(errs, err)
	}
	id := cfg.identity.filled(time.Now())
	id.Node = ""
	data, err := encodeIdentity(id)
	if err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("ha: invalid election: %w", err)
	}
	return &Election{
		c:    c,
		path: path,
		cfg:  cfg,
		id:   id,
		data: data,
		log:  c.cfg.logger.Named("ha.election").With(zap.String("zk_path", path)),
	}, nil
}

// Path returns the election path.
func (e *Election) Path() string { return e.path }

// Identity returns what this replica publishes in its election node.
func (e *Election) Identity() Identity { return e.id }

// Leader returns the identity of the elected replica, as CurrentLeader does.
func (e *Election) Leader(ctx context.Context) (Identity, error) {
	return CurrentLeader(ctx, e.c, e.path)
}

// Campaign enters the election and blocks until this replica leads, then returns its Term. It keeps
// campaigning through lost connections and expired sessions (a new session gets a new election node, at
// the back of the line), retrying transient ZooKeeper errors. It returns ctx.Err() when ctx ends (its
// election node is then deleted), ErrClosed when the Conn is closed, ErrCampaigning while another Campaign
// of e runs or a Term of e lasts, and ZooKeeper errors retrying cannot fix (ErrNotAuthorized, ...). After
// a Term ended, Campaign first waits until it has released its node.
//
// Once elected, the Term starts only when the previous leader has stopped: immediately when it resigned or
// its lease ran out long ago; otherwise after waiting until its lease has run out by ZooKeeper's clock (at
// most one lease), or until it reports that it stopped.
func (e *Election) Campaign(ctx context.Context) (*Term, error) {
	for {
		e.mu.Lock()
		prev := e.term
		if e.busy && (prev == nil || prev.Err() == nil) {
			e.mu.Unlock()
			return nil, ErrCampaigning
		}
		if !e.busy {
			e.busy = true
			e.mu.Unlock()
			break
		}
		e.mu.Unlock()
		// The previous Term has ended and is still releasing its node: wait for it.
		select {
		case <-prev.finished:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	t, err := e.campaign(ctx)
	e.mu.Lock()
	if t == nil {
		e.busy = false
	}
	e.term = t
	e.mu.Unlock()
	return t, err
}

// errNodeGone says that our election node has gone (with its session, or deleted): campaign again.
var errNodeGone = errors.New("ha: election node gone")

func (e *Election) campaign(ctx context.Context) (term *Term, err error) {
	cp := &campaigner{e: e, guid: newGUID()}
	defer func() {
		if term == nil && cp.node != "" {
			e.abandon(cp.node, cp.lost)
		}
	}()
	for {
		if err := cp.ready(ctx); err != nil {
			return nil, err
		}
		if cp.node == "" {
			if err := cp.enter(ctx); err != nil {
				if err = cp.retry(ctx, err); err != nil {
					return nil, err
				}
				continue
			}
		}
		idx, pred, err := cp.position(ctx)
		switch {
		case err != nil:
			if err = cp.retry(ctx, err); err != nil {
				return nil, err
			}
			continue
		case idx < 0:
			continue // our node is gone: enter again
		case idx == 0:
			t, err := e.takeover(ctx, cp.node, cp.owner, cp.lost)
			if t != nil {
				return t, nil
			}
			if err != nil && !errors.Is(err, errNodeGone) {
				if err = cp.retry(ctx, err); err != nil {
					return nil, err
				}
			}
			continue
		}
		if err := cp.waitFor(ctx, pred, idx); err != nil {
			if err = cp.retry(ctx, err); err != nil {
				return nil, err
			}
		}
	}
}

// campaigner is one campaign's state: our election node, if any, and the backoff after transient errors.
type campaigner struct {
	e     *Election
	guid  string
	node  string // our election node (full path), "" when we have none
	owner int64  // its session
	lost  <-chan struct{}
	delay time.Duration
}

// ready returns when the connection can be used, or why the campaign ends; it forgets our node when the
// session holding it has ended.
func (cp *campaigner) ready(ctx context.Context) error {
	c := cp.e.c
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-c.quit:
		return ErrClosed
	default:
	}
	if err := c.waitReady(ctx); err != nil {
		return err
	}
	if cp.node != "" && closed(cp.lost) {
		cp.e.log.Info("the session of our election node ended; entering the election again", zap.String("node", cp.node))
		cp.node = ""
	}
	return nil
}

// retry waits before the next round after a transient error and returns nil, or returns the error that ends
// the campaign (err itself when it is not transient).
func (cp *campaigner) retry(ctx context.Context, err error) error {
	if !transient(err) && !unanswered(ctx, err) {
		return err
	}
	cp.delay = min(max(2*cp.delay, minRetryDelay), maxRetryDelay)
	cp.e.log.Debug("campaign: transient error; retrying", zap.Error(err), zap.Duration("delay", cp.delay))
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-cp.e.c.quit:
		return ErrClosed
	case <-time.After(cp.delay):
		return nil
	}
}

// unanswered reports whether err is the campaign's own wait for an answer running out while ctx lasts (a
// ZooKeeper server stalled, say): the request's outcome is unknown, as after a lost connection, and the
// campaign goes on.
func unanswered(ctx context.Context, err error) bool {
	return errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil
}

// enter creates our election node (after removing stale ones of ours).
func (cp *campaigner) enter(ctx context.Context) error {
	e := cp.e
	e.cleanStale(ctx)
	n, o, err := e.createNode(ctx, cp.guid)
	if err != nil {
		return err
	}
	cp.node, cp.owner, cp.lost = n, o, e.c.sessionLost(o)
	cp.guid = newGUID() // a later node (new session) gets its own
	e.log.Info("entered the election", zap.String("node", nodeName(cp.node)), zap.String("session", sessionHex(cp.owner)))
	return nil
}

// position lists the candidates and returns our place (0 leads) and our predecessor's path, or -1 when our
// node is gone (it is then forgotten).
func (cp *campaigner) position(ctx context.Context) (int, string, error) {
	e, c := cp.e, cp.e.c
	var children []string
	err := c.do(ctx, func(z *zk.Conn) error {
		var err error
		children, _, err = z.Children(e.path)
		return err
	})
	if errors.Is(err, zk.ErrNoNode) {
		cp.node = "" // the election path was deleted, and our node with it
		return -1, "", nil
	}
	if err != nil {
		if transient(err) {
			return 0, "", err
		}
		return 0, "", c.opError("list", e.path, err)
	}
	cands := sortedCandidates(children)
	for i, cd := range cands {
		if cd.name != nodeName(cp.node) {
			continue
		}
		if i == 0 {
			return 0, "", nil
		}
		return i, e.path + "/" + cands[i-1].name, nil
	}
	e.log.Info("our election node was deleted; entering the election again", zap.String("node", nodeName(cp.node)))
	cp.node = ""
	return -1, "", nil
}

// waitFor watches our predecessor pred (we are at idx) and returns when it changes, when our session ends, or
// why the campaign ends.
func (cp *campaigner) waitFor(ctx context.Context, pred string, idx int) error {
	e, c := cp.e, cp.e.c
	var exists bool
	var watch <-chan zk.Event
	err := c.do(ctx, func(z *zk.Conn) error {
		var err error
		exists, _, watch, err = z.ExistsW(pred)
		return err
	})
	if err != nil {
		if transient(err) {
			return err
		}
		return c.opError("watch", pred, err)
	}
	cp.delay = 0
	if !exists {
		return nil // gone since the listing
	}
	e.log.Debug("waiting for the predecessor", zap.String("node", nodeName(cp.node)), zap.String("predecessor", nodeName(pred)), zap.Int("position", idx))
	select {
	case ev := <-watch:
		e.log.Debug("predecessor changed", zap.String("node", nodeName(cp.node)), zap.String("predecessor", nodeName(pred)), zap.Stringer("event", ev.Type))
	case <-cp.lost:
	case <-ctx.Done():
		return ctx.Err()
	case <-c.quit:
		return ErrClosed
	}
	return nil
}

// createNode creates our election node, finding it again by its guid when the reply was lost with the
// connection, and returns its path and owning session.
func (e *Election) createNode(ctx context.Context, guid string) (string, int64, error) {
	c := e.c
	prefix := e.path + "/" + candidatePrefix + guid + "_"
	for attempt := 0; ; attempt++ {
		// A reply lost with the connection may hide a node that was made: look for it first.
		if attempt > 0 {
			node, owner, err := e.findNode(ctx, guid)
			if err != nil || node != "" {
				return node, owner, err
			}
		}
		if err := c.waitReady(ctx); err != nil {
			return "", 0, err
		}
		// Not abandoned when ctx ends: a node made after we stopped waiting would be left behind, ahead of
		// everyone, until the session ends. The call returns when answered or when the connection is lost.
		uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), e.cleanupTimeout())
		var node string
		err := c.do(uctx, func(z *zk.Conn) error {
			var err error
			node, err = z.Create(prefix, e.data, zk.FlagEphemeral|zk.FlagSequence, c.public)
			return err
		})
		switch {
		case err == nil:
			var st *zk.Stat
			err := c.retry(uctx, func(z *zk.Conn) error {
				var ok bool
				var err error
				ok, st, err = z.Exists(node)
				if err == nil && !ok {
					return errNodeGone
				}
				return err
			})
			cancel()
			if errors.Is(err, errNodeGone) {
				continue // its session ended already
			}
			if unanswered(ctx, err) {
				continue // the node exists: the next attempt finds it
			}
			if err != nil {
				e.mu.Lock()
				e.stale = append(e.stale, node) // deleted by the next Campaign, if its session lives
				e.mu.Unlock()
				return "", 0, c.opError("check", node, err)
			}
			return node, st.EphemeralOwner, nil
		case errors.Is(err, zk.ErrNoNode) && attempt < 3:
			cancel()
			if err := c.ensurePath(ctx, e.path, c.public); err != nil {
				return "", 0, err
			}
		case (transient(err) || unanswered(ctx, err)) && attempt < 3:
			cancel() // unknown outcome: look for the node, then try again
		default:
			cancel()
			return "", 0, c.opError("create a candidate node under", e.path, err)
		}
	}
}

// findNode looks for our election node by guid; the lowest wins and any other is deleted.
func (e *Election) findNode(ctx context.Context, guid string) (string, int64, error) {
	c := e.c
	var children []string
	err := c.retry(ctx, func(z *zk.Conn) error {
		var err error
		children, _, err = z.Children(e.path)
		return err
	})
	if errors.Is(err, zk.ErrNoNode) {
		return "", 0, nil
	}
	if err != nil {
		return "", 0, c.opError("list", e.path, err)
	}
	var found string
	var owner int64
	for _, cd := range sortedCandidates(children) {
		if cd.guid != guid {
			continue
		}
		node := e.path + "/" + cd.name
		if found != "" {
			e.deleteNode(ctx, node)
			continue
		}
		var st *zk.Stat
		var ok bool
		err := c.retry(ctx, func(z *zk.Conn) error {
			var err error
			ok, st, err = z.Exists(node)
			return err
		})
		if err != nil {
			return "", 0, c.opError("check", node, err)
		}
		if ok {
			found, owner = node, st.EphemeralOwner
		}
	}
	return found, owner, nil
}

// takeover runs when our node is the lowest: it waits until the previous leader has stopped, then takes
// the lease record. A nil Term with a nil error means: look at the election again.
func (e *Election) takeover(ctx context.Context, node string, owner int64, lost <-chan struct{}) (*Term, error) {
	c := e.c
	name := nodeName(node)
	for {
		var data []byte
		var st *zk.Stat
		err := c.retry(ctx, func(z *zk.Conn) error {
			var err error
			data, st, err = z.Get(e.path)
			return err
		})
		if err != nil {
			return nil, c.opError("read the lease record of", e.path, err)
		}
		rec := e.decodeLease(data)
		if rec.Holder != "" && !rec.Released && rec.Holder != name && !e.endedOurs(rec.Holder) {
			wait, err := e.predecessorWait(ctx, node, st, rec)
			if err != nil {
				return nil, err
			}
			if wait > 0 {
				// Watch the record: a predecessor that is still alive releases it once it has stopped.
				var watch <-chan zk.Event
				var st2 *zk.Stat
				err := c.do(ctx, func(z *zk.Conn) error {
					var err error
					_, st2, watch, err = z.GetW(e.path)
					return err
				})
				if err != nil {
					return nil, c.opError("watch the lease record of", e.path, err)
				}
				if st2.Version != st.Version {
					continue // changed meanwhile: read it again
				}
				e.log.Info("elected; waiting for the previous leader's lease to run out",
					zap.String("node", name), zap.String("previous", rec.Holder), zap.Duration("wait", wait))
				timer := time.NewTimer(wait)
				select {
				case <-timer.C:
				case <-watch:
					timer.Stop()
					continue // released (or taken): read it again
				case <-lost:
					timer.Stop()
					return nil, errNodeGone
				case <-ctx.Done():
					timer.Stop()
					return nil, ctx.Err()
				case <-c.quit:
					timer.Stop()
					return nil, ErrClosed
				}
			}
		}
		t, err := e.take(ctx, node, owner, lost, st.Version)
		if errors.Is(err, zk.ErrBadVersion) {
			continue // the record changed: read it again
		}
		return t, err
	}
}

// predecessorWait is how long the previous leader's lease may still run: its last heartbeat's mtime plus
// its lease, minus ZooKeeper's time now, which we learn by rewriting our own node (both times come from
// the ZooKeeper leader's clock). It is never more than the predecessor's lease.
func (e *Election) predecessorWait(ctx context.Context, node string, recStat *zk.Stat, rec leaseRecord) (time.Duration, error) {
	c := e.c
	var st *zk.Stat
	err := c.retry(ctx, func(z *zk.Conn) error {
		var err error
		st, err = z.Set(node, e.data, -1)
		return err
	})
	if errors.Is(err, zk.ErrNoNode) {
		return 0, errNodeGone
	}
	if err != nil {
		return 0, c.opError("write", node, err)
	}
	lease := time.Duration(rec.LeaseMS) * time.Millisecond
	wait := time.Duration(recStat.Mtime+rec.LeaseMS-st.Mtime)*time.Millisecond + handoverSlack
	return min(wait, lease+handoverSlack), nil
}

// take writes the lease record naming node, if the record is still at version and node exists, and starts
// the Term.
func (e *Election) take(ctx context.Context, node string, owner int64, lost <-chan struct{}, version int32) (*Term, error) {
	c := e.c
	timeout := e.sessionTimeout(owner)
	lease := e.leaseFor(timeout)
	rec := leaseRecord{Holder: nodeName(node), LeaseMS: lease.Milliseconds()}
	data := encodeLease(rec)
	c.mu.Lock()
	if c.closing {
		c.mu.Unlock()
		return nil, ErrClosed
	}
	c.mu.Unlock()
	sent := time.Now()
	var newVersion int32
	err := c.once(ctx, func(z *zk.Conn) error {
		v, err := fencedSet(z, node, e.path, data, version)
		newVersion = v // read only when do returns nil: the call is over then
		return err
	})
	switch {
	case err == nil:
	case errors.Is(err, errNodeGone), errors.Is(err, zk.ErrBadVersion):
		return nil, err
	default:
		return nil, c.opError("take the lease record of", e.path, err)
	}
	t := newTerm(e, node, owner, lost, sent, lease, timeout, newVersion, data)
	if !c.register(t) {
		// Closing: end at once (Done closed, record released, node deleted).
		t.start()
		t.resignNow()
		<-t.finished
		return nil, ErrClosed
	}
	e.log.Info("leading", zap.String("node", rec.Holder), zap.String("session", sessionHex(owner)),
		zap.Duration("session_timeout", timeout), zap.Duration("lease", lease))
	t.began = time.Now()
	c.m.termBegun()
	t.start()
	return t, nil
}

// sessionTimeout is the negotiated timeout of session id.
func (e *Election) sessionTimeout(id int64) time.Duration {
	e.c.mu.Lock()
	defer e.c.mu.Unlock()
	return e.c.timeoutLocked(id)
}

// leaseFor is the lease of a leader whose session has the given timeout.
func (e *Election) leaseFor(timeout time.Duration) time.Duration {
	margin := e.cfg.margin
	if margin == 0 {
		margin = timeout / DefaultSafetyMargin
	}
	return max(timeout-margin, timeout/4)
}

// abandon deletes the node of a Campaign that ends without a Term, or leaves it for the next Campaign.
func (e *Election) abandon(node string, lost <-chan struct{}) {
	if closed(lost) {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), e.cleanupTimeout())
	defer cancel()
	if !e.deleteNode(ctx, node) {
		e.mu.Lock()
		e.stale = append(e.stale, node)
		e.mu.Unlock()
	}
}

// cleanStale deletes the nodes left behind by earlier Terms and Campaigns.
func (e *Election) cleanStale(ctx context.Context) {
	e.mu.Lock()
	stale := e.stale
	e.stale = nil
	e.mu.Unlock()
	var left []string
	for _, n := range stale {
		if !e.deleteNode(ctx, n) {
			left = append(left, n)
		}
	}
	if len(left) > 0 {
		e.mu.Lock()
		e.stale = append(e.stale, left...)
		e.mu.Unlock()
	}
}

// deleteNode deletes one of our nodes; it reports whether the node is gone.
func (e *Election) deleteNode(ctx context.Context, node string) bool {
	err := e.c.retry(ctx, func(z *zk.Conn) error {
		err := z.Delete(node, -1)
		if errors.Is(err, zk.ErrNoNode) {
			return nil
		}
		return err
	})
	if err != nil {
		e.log.Warn("could not delete our election node; it goes with the session", zap.String("node", nodeName(node)), zap.Error(err))
		return false
	}
	return true
}

func (e *Election) cleanupTimeout() time.Duration {
	return min(e.c.cfg.sessionTimeout, 5*time.Second)
}

// termEnded records that t is over: e may campaign again, and t's node no longer needs waiting for.
func (e *Election) termEnded(t *Term, deleted bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.busy = false
	if e.term == t {
		e.term = nil
	}
	e.ended = append(e.ended, nodeName(t.node))
	if len(e.ended) > maxEnded {
		e.ended = e.ended[len(e.ended)-maxEnded:]
	}
	if !deleted {
		e.stale = append(e.stale, t.node)
	}
}

// endedOurs reports whether name is a node of ours whose Term has ended.
func (e *Election) endedOurs(name string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, n := range e.ended {
		if n == name {
			return true
		}
	}
	return false
}

// leaseRecord is the election path's data: who holds the lease, for how long after each heartbeat, and
// whether it has stopped.
type leaseRecord struct {
	Holder   string `json:"holder,omitempty"`   // election node name of the leader
	LeaseMS  int64  `json:"lease_ms,omitempty"` // its lease after each heartbeat
	Released bool   `json:"released,omitempty"` // it has stopped acting
}

func encodeLease(r leaseRecord) []byte {
	b, _ := json.Marshal(r)
	return b
}

func (e *Election) decodeLease(data []byte) leaseRecord {
	var r leaseRecord
	if len(data) == 0 {
		return r
	}
	if err := json.Unmarshal(data, &r); err != nil {
		e.log.Warn("ignoring an undecodable lease record", zap.Error(err), zap.Int("bytes", len(data)))
		return leaseRecord{}
	}
	return r
}

// fencedSet writes data at path with version if the node fence exists, and returns the new version. It
// fails with errNodeGone when fence does not exist, else with the error of the write.
func fencedSet(z *zk.Conn, fence, path string, data []byte, version int32) (int32, error) {
	res, err := z.Multi(&zk.CheckVersionRequest{Path: fence, Version: -1},
		&zk.SetDataRequest{Path: path, Data: data, Version: version})
	if err != nil {
		return 0, multiError(res, err)
	}
	return res[1].Stat.Version, nil
}

// multiError is the error of a failed two-op multi whose first op checks a fence: errNodeGone when the
// fence failed, else the second op's error.
func multiError(res []zk.MultiResponse, err error) error {
	switch {
	case len(res) == 2 && errors.Is(res[0].Error, zk.ErrNoNode):
		return errNodeGone
	case len(res) == 2 && res[1].Error != nil:
		return res[1].Error
	}
	return err
}

func nodeName(path string) string { return path[strings.LastIndexByte(path, '/')+1:] }

func closed(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

func newGUID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
