// SPDX-License-Identifier: Apache-2.0

package discovery

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/go-zookeeper/zk"
	"go.uber.org/zap"

	"github.com/mesoskit/mesoskit/internal/zkutil"
)

// Announcement is one member node kept in ZooKeeper by a goroutine of its Client: made again in every new
// session (after the old one expired) and whenever someone else deletes it, until Withdraw is called, the
// context given to Announce ends, or the Client is closed. Its methods are safe for concurrent use.
type Announcement struct {
	c      *Client
	path   string
	member Member
	data   []byte
	log    *zap.Logger
	sub    *subscriber

	stop     chan struct{}
	stopOnce sync.Once
	done     chan struct{}

	mu      sync.Mutex
	node    string // full path of the member node while it is known to exist
	err     error  // last error; permanent ones are reported by Node
	changed chan struct{}
}

// Announce starts announcing m under path (an absolute ZooKeeper path; it and its parents are created as
// needed) as an ephemeral sequential node named member_<sequence>. It returns at once, after validating
// its arguments; the node is created in the background (Node waits for it). The announcement lasts until
// Withdraw, the end of ctx, or Client.Close.
func (c *Client) Announce(ctx context.Context, path string, m Member) (*Announcement, error) {
	if err := validPath(path); err != nil {
		return nil, err
	}
	data, err := m.Marshal()
	if err != nil {
		return nil, err
	}
	m.Node = ""
	if err := c.start(); err != nil {
		return nil, err
	}
	a := &Announcement{
		c: c, path: path, member: m, data: data,
		log:     c.log.With(zap.String("zk_path", path), zap.Stringer("endpoint", m.ServiceEndpoint)),
		sub:     c.subscribe(),
		stop:    make(chan struct{}),
		done:    make(chan struct{}),
		changed: make(chan struct{}),
	}
	go a.run(ctx)
	return a, nil
}

// Member returns what is announced.
func (a *Announcement) Member() Member { return a.member }

// Node waits until the member node exists in the current session and returns its full path. It returns an
// error when ctx ends first, when the announcement ended (ErrWithdrawn, ErrClosed), or when ZooKeeper
// refused to create the node for good (ErrNotAuthorized, an invalid path); the announcement keeps trying
// meanwhile.
func (a *Announcement) Node(ctx context.Context) (string, error) {
	for {
		a.mu.Lock()
		node, err, ch := a.node, a.err, a.changed
		a.mu.Unlock()
		switch {
		case node != "":
			return node, nil
		case err != nil && (errors.Is(err, ErrWithdrawn) || errors.Is(err, ErrClosed) || zkutil.IsPermanent(err) ||
			errors.Is(err, ErrNotAuthorized)):
			return "", err
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return "", ctx.Err()
		}
	}
}

// Withdraw deletes the member node and waits until the announcement's goroutine has returned. It is
// idempotent and returns nil once the node is gone (or will be with the session, when ZooKeeper could not be
// reached within the session timeout).
func (a *Announcement) Withdraw() error {
	a.stopOnce.Do(func() { close(a.stop) })
	<-a.done
	return nil
}

// Done is closed when the announcement has ended.
func (a *Announcement) Done() <-chan struct{} { return a.done }

func (a *Announcement) set(node string, err error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.c.claim(a.node, node)
	a.node, a.err = node, err
	close(a.changed)
	a.changed = make(chan struct{})
}

// annState is what the announcement's goroutine knows about its node.
type annState struct {
	node    string // full path; "" while there is none
	owner   int64  // the session that owns node
	pending int64  // a create in this session had an unknown outcome
	watched bool   // node is watched for deletion
}

func (a *Announcement) run(ctx context.Context) {
	c := a.c
	defer c.workers.Done()
	defer close(a.done)
	defer c.unsubscribe(a.sub)
	var (
		st    annState
		delay time.Duration
		timer = time.NewTimer(time.Hour)
	)
	timer.Stop()
	defer timer.Stop()
	for {
		var retry bool
		if err := a.ensure(&st); err != nil {
			if errors.Is(err, ErrClosed) {
				a.set("", ErrClosed)
				return
			}
			delay = backoff(delay)
			level := zap.DebugLevel
			if zkutil.IsPermanent(err) || errors.Is(err, ErrNotAuthorized) {
				level, delay = zap.ErrorLevel, maxRetryDelay
			}
			a.log.Check(level, "announcing failed; retrying").Write(zap.Error(err), zap.Duration("delay", delay))
			a.set("", err)
			timer.Reset(delay)
			retry = true
		} else {
			delay = 0
		}
		select {
		case <-ctx.Done():
			a.withdraw(&st)
			return
		case <-a.stop:
			a.withdraw(&st)
			return
		case <-c.quit:
			a.set("", ErrClosed) // closing the session deletes the node
			return
		case <-a.sub.wake:
		case <-timer.C:
		}
		if retry {
			timer.Stop()
		}
		for _, ev := range a.sub.take() {
			if ev.Type == zk.EventNodeDeleted && ev.Path == st.node {
				a.log.Info("member node deleted by someone else; announcing again", zap.String("node", st.node))
				st.node = ""
			}
		}
	}
}

// ensure makes sure the member node exists in the current session, with a watch for its deletion. It
// returns nil when there is nothing to do until the next event.
func (a *Announcement) ensure(st *annState) error {
	c := a.c
	sid, conn, err := c.state()
	if err != nil || sid == 0 {
		return err // no usable session: the next session event wakes us
	}
	if st.node != "" && st.owner == sid && st.watched {
		return nil
	}
	if st.node != "" && st.owner != sid {
		a.log.Info("member node went with the old session; announcing again", zap.String("node", st.node))
		st.node = ""
		a.set("", nil)
	}
	if st.node == "" {
		node := ""
		if st.pending == sid {
			if node, err = a.findOwn(conn, sid); err != nil {
				return c.opError("list", a.path, err)
			}
		}
		if node == "" {
			st.pending = sid
			node, err = conn.Create(a.path+"/"+MemberPrefix, a.data, zk.FlagEphemeral|zk.FlagSequence, c.public)
			if errors.Is(err, zk.ErrNoNode) {
				// The path does not exist (yet): create it and its parents, then the member.
				if err := c.ensurePath(conn, a.path); err != nil {
					return c.opError("create", a.path, err)
				}
				node, err = conn.Create(a.path+"/"+MemberPrefix, a.data, zk.FlagEphemeral|zk.FlagSequence, c.public)
			}
			if err != nil {
				return c.opError("create", a.path+"/"+MemberPrefix, err)
			}
		}
		st.pending, st.node, st.owner, st.watched = 0, node, sid, false
	}
	// The watch reports a deletion by someone else; the stat says which session really owns the node (a
	// request queued while disconnected may have run in the session that followed).
	ok, stat, _, err := conn.ExistsW(st.node)
	if err != nil {
		return c.opError("watch", st.node, err)
	}
	if !ok {
		st.node = ""
		return fmt.Errorf("discovery: member node deleted right after its creation: %w", zk.ErrNoNode)
	}
	st.owner, st.watched = stat.EphemeralOwner, true
	if st.owner != sid {
		return nil // the next session event (or this loop) announces again
	}
	a.set(st.node, nil)
	a.log.Info("announced", zap.String("node", st.node))
	return nil
}

// findOwn looks, after a create whose outcome is unknown, for a member node of this session holding this
// announcement's data that no other announcement of the Client holds.
func (a *Announcement) findOwn(conn *zk.Conn, sid int64) (string, error) {
	children, _, err := conn.Children(a.path)
	if err != nil {
		return "", err
	}
	for _, name := range children {
		if !strings.HasPrefix(name, MemberPrefix) {
			continue
		}
		p := a.path + "/" + name
		if a.c.claimed(p) {
			continue
		}
		data, stat, err := conn.Get(p)
		if errors.Is(err, zk.ErrNoNode) {
			continue
		}
		if err != nil {
			return "", err
		}
		if stat.EphemeralOwner == sid && bytes.Equal(data, a.data) {
			return p, nil
		}
	}
	return "", nil
}

// withdraw deletes the node, retrying transient errors for at most the session timeout (after that long
// without ZooKeeper the session, and the node with it, is gone).
func (a *Announcement) withdraw(st *annState) {
	defer a.set("", ErrWithdrawn)
	if st.node == "" && st.pending == 0 {
		return
	}
	c := a.c
	deadline := time.Now().Add(c.cfg.sessionTimeout)
	var delay time.Duration
	for {
		sid, conn, err := c.state()
		if err != nil {
			return
		}
		if sid != 0 {
			if st.node == "" && st.pending == sid {
				st.node, err = a.findOwn(conn, sid)
				st.owner = sid
			}
			if err == nil && (st.node == "" || st.owner != sid) {
				return // nothing of this session to delete
			}
			if err == nil {
				err = conn.Delete(st.node, -1)
				if err == nil || errors.Is(err, zk.ErrNoNode) {
					a.log.Info("withdrawn", zap.String("node", st.node))
					return
				}
			}
			if zkutil.IsPermanent(err) {
				a.log.Error("withdrawing failed", zap.String("node", st.node), zap.Error(err))
				return
			}
		}
		if time.Now().After(deadline) {
			a.log.Warn("could not reach ZooKeeper to withdraw; the node goes with the session",
				zap.String("node", st.node))
			return
		}
		delay = backoff(delay)
		select {
		case <-c.quit:
			return
		case <-a.sub.wake:
		case <-time.After(delay):
		}
	}
}
