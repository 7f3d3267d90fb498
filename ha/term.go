// SPDX-License-Identifier: Apache-2.0

package ha

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/go-zookeeper/zk"
	"go.uber.org/zap"
)

// heartbeatsPerLease is how many heartbeats a leader sends per lease: several may fail before the lease
// runs out.
const heartbeatsPerLease = 4

// Term is one period of leadership, returned by Campaign. It ends when Resign is called, when the ZooKeeper
// session holding its election node ends, when no heartbeat has been acknowledged by ZooKeeper for a lease,
// when its node or lease record is taken from it, or when its Conn is closed. Done is closed the moment it
// ends, and before any other replica's Term can start (see the package documentation for the exact
// guarantee). A Term is safe for concurrent use.
type Term struct {
	e       *Election
	node    string // full path of the election node
	owner   int64  // its session
	lost    <-chan struct{}
	began   time.Time
	lease   time.Duration
	timeout time.Duration
	record  []byte // the lease record's data while leading

	// owned by monitor until it starts
	version  int32
	leaseEnd time.Time

	done       chan struct{}
	finished   chan struct{} // monitor returned: lease released, node deleted (or left for later)
	resign     chan struct{}
	resignOnce sync.Once

	mu    sync.Mutex
	err   error
	ended time.Time
	onEnd []func() // called when the Term ends, before Done is closed
}

func newTerm(e *Election, node string, owner int64, lost <-chan struct{}, sent time.Time, lease, timeout time.Duration, version int32, record []byte) *Term {
	return &Term{
		e: e, node: node, owner: owner, lost: lost, lease: lease, timeout: timeout,
		record: record, version: version, leaseEnd: sent.Add(lease),
		done: make(chan struct{}), finished: make(chan struct{}), resign: make(chan struct{}),
	}
}

// Done returns a channel closed when the Term has ended. The replica must stop acting as the leader then;
// it has at least the safety margin to do so before its session can expire (see WithSafetyMargin).
func (t *Term) Done() <-chan struct{} { return t.done }

// Err returns nil while the Term lasts, then why it ended: an error matching ErrResigned,
// ErrSessionExpired, ErrLeaseExpired, ErrDeposed or ErrClosed.
func (t *Term) Err() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.err
}

// Node returns the name of the election node this Term was won with.
func (t *Term) Node() string { return nodeName(t.node) }

// Began returns when the Term started (just before Campaign returned it).
func (t *Term) Began() time.Time { return t.began }

// Ended returns when the Term ended (Done was closed right after), or the zero time while it lasts.
func (t *Term) Ended() time.Time {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.ended
}

// Lease returns the lease: how long the Term outlives the last heartbeat ZooKeeper acknowledged (the
// negotiated session timeout minus the safety margin).
func (t *Term) Lease() time.Duration { return t.lease }

// Resign ends the Term (Done is closed first), tells the next replica it may take over at once, deletes the
// election node and returns when that is done or ctx ends. The Election may then campaign again. Resign is
// idempotent and may be called after the Term ended by itself.
func (t *Term) Resign(ctx context.Context) error {
	t.resignNow()
	select {
	case <-t.finished:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (t *Term) resignNow() { t.resignOnce.Do(func() { close(t.resign) }) }

func (t *Term) start() { go t.monitor() }

// end records why the Term ended, runs the onEnd functions and closes Done.
func (t *Term) end(why error) {
	t.mu.Lock()
	t.err = why
	t.ended = time.Now()
	if !t.began.IsZero() {
		t.e.c.m.termEnded(t.began)
	}
	fns := t.onEnd
	t.onEnd = nil
	t.mu.Unlock()
	for _, f := range fns {
		f()
	}
	close(t.done)
}

// afterEnd arranges for f to run when the Term ends (at once if it has); f must not block.
func (t *Term) afterEnd(f func()) {
	t.mu.Lock()
	if t.err == nil {
		t.onEnd = append(t.onEnd, f)
		t.mu.Unlock()
		return
	}
	t.mu.Unlock()
	f()
}

// errOwnWrite says that the lease record had moved on by a write of this Term's own.
var errOwnWrite = errors.New("ha: lease record written by this term")

type heartbeat struct {
	sent    time.Time
	version int32
	err     error
}

// monitor keeps the Term: it sends heartbeats (a write of the lease record, conditional on our node and on
// the record's version), extends the lease by each acknowledged one, and ends the Term on the first sign
// that leadership is or may be lost. Then it releases the lease record and deletes the node.
func (t *Term) monitor() {
	e, c := t.e, t.e.c
	defer close(t.finished)
	log := e.log.With(zap.String("node", t.Node()))
	expiry := time.NewTimer(time.Until(t.leaseEnd))
	defer expiry.Stop()
	tick := time.NewTicker(t.lease / heartbeatsPerLease)
	defer tick.Stop()
	results := make(chan heartbeat, 1)
	inflight := false
	version, lastAck := t.version, t.leaseEnd.Add(-t.lease)
	var why error
loop:
	for {
		select {
		case <-tick.C:
			if !inflight {
				inflight = true
				c.ops.Add(1) // Close waits for terms before it closes the client, so this cannot race with Wait
				go func() {
					defer c.ops.Done()
					t.heartbeat(version, results)
				}()
			}
		case hb := <-results:
			inflight = false
			switch {
			case hb.err == nil:
				version, lastAck = hb.version, hb.sent
				expiry.Reset(time.Until(hb.sent.Add(t.lease)))
			case errors.Is(hb.err, errOwnWrite):
				version = hb.version // the lease is extended by the next heartbeat
			case errors.Is(hb.err, errNodeGone):
				why = fmt.Errorf("%w: our election node is gone", ErrDeposed)
				break loop
			case errors.Is(hb.err, zk.ErrBadVersion):
				why = fmt.Errorf("%w: the lease record was written by another replica", ErrDeposed)
				break loop
			default:
				log.Debug("heartbeat failed", zap.Error(hb.err), zap.Duration("lease_left", time.Until(lastAck.Add(t.lease))))
			}
		case <-expiry.C:
			why = fmt.Errorf("%w: no heartbeat acknowledged since %v ago (lease %v, session timeout %v)",
				ErrLeaseExpired, time.Since(lastAck).Round(time.Millisecond), t.lease, t.timeout)
			break loop
		case <-t.lost:
			why = fmt.Errorf("%w: session %s", ErrSessionExpired, sessionHex(t.owner))
			break loop
		case <-t.resign:
			why = ErrResigned
			break loop
		case <-c.quit:
			why = ErrClosed
			break loop
		}
	}
	t.end(why)
	if errors.Is(why, ErrResigned) {
		log.Info("resigned")
	} else {
		log.Warn("leadership lost", zap.Error(why))
	}
	deleted := t.release(why)
	e.termEnded(t, deleted)
	c.unregister(t)
}

// heartbeat writes the lease record unchanged, provided our node exists and nobody else wrote the record.
func (t *Term) heartbeat(version int32, out chan<- heartbeat) {
	c := t.e.c
	ctx, cancel := context.WithTimeout(context.Background(), t.lease)
	defer cancel()
	hb := heartbeat{sent: time.Now()}
	var v int32
	hb.err = c.do(ctx, func(z *zk.Conn) error {
		var err error
		v, err = fencedSet(z, t.node, t.e.path, t.record, version)
		if errors.Is(err, zk.ErrBadVersion) {
			// Maybe our own earlier heartbeat, applied although its reply was lost with the connection.
			data, st, gerr := z.Get(t.e.path)
			if gerr == nil {
				if rec := t.e.decodeLease(data); rec.Holder == t.Node() && !rec.Released {
					v = st.Version
					return errOwnWrite
				}
			}
		}
		return err
	})
	if hb.err == nil || errors.Is(hb.err, errOwnWrite) {
		hb.version = v
	}
	out <- hb
}

// release tells a waiting successor that we have stopped (the lease record is marked released, if it
// still names us), and deletes our node if its session still lives. It reports whether the node is gone.
func (t *Term) release(why error) bool {
	e := t.e
	ctx, cancel := context.WithTimeout(context.Background(), e.cleanupTimeout())
	defer cancel()
	if !errors.Is(why, ErrDeposed) {
		// A heartbeat still in flight may write the record meanwhile: read it again after a conflict.
		var err error
		for attempt := 0; attempt < 3; attempt++ {
			if err = t.markReleased(ctx); !errors.Is(err, zk.ErrBadVersion) {
				break
			}
		}
		if err != nil {
			e.log.Info("could not release the lease record; the next leader waits for the lease to run out",
				zap.String("node", t.Node()), zap.Error(err))
		}
	}
	if closed(t.lost) {
		return true // the node went with its session
	}
	return e.deleteNode(ctx, t.node)
}

// markReleased marks the lease record released if it still names this Term's node.
func (t *Term) markReleased(ctx context.Context) error {
	e, c := t.e, t.e.c
	var data []byte
	var st *zk.Stat
	err := c.retry(ctx, func(z *zk.Conn) error {
		var err error
		data, st, err = z.Get(e.path)
		return err
	})
	if err != nil {
		return err
	}
	rec := e.decodeLease(data)
	if rec.Holder != t.Node() || rec.Released {
		return nil
	}
	rec.Released = true
	return c.once(ctx, func(z *zk.Conn) error {
		_, err := z.Set(e.path, encodeLease(rec), st.Version)
		return err
	})
}

// register adds a live Term; false when the Conn is closing.
func (c *Conn) register(t *Term) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closing {
		return false
	}
	c.terms[t] = struct{}{}
	return true
}

func (c *Conn) unregister(t *Term) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.terms, t)
}
