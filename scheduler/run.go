// SPDX-License-Identifier: Apache-2.0

package scheduler

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"time"

	"go.uber.org/zap"

	"github.com/mesoskit/mesoskit/detector"
	"github.com/mesoskit/mesoskit/internal/retry"
	"github.com/mesoskit/mesoskit/mesosproto"
)

// runner is the state of one Run, owned by its goroutine.
type runner struct {
	c        *Client
	ctx      context.Context // Run's
	h        Handler
	dh       DisconnectHandler  // h, when it implements it
	rh       ResubscribeHandler // h, when it implements it
	oh       OffersHandler      // h itself (not down the Unwrap chain), when it implements it
	bo       *retry.Backoff
	remake   func() (detector.Detector, error) // the Client's own detector, made again; nil with WithDetector
	owned    detector.Detector                 // the Client's own detector now in use
	attempt  int                               // retries since the last SUBSCRIBED (or since Run started)
	storedID string                            // the ID the store is known to hold
	acks     *ackPipeline                      // automatic acknowledgements of the live session
	since    time.Time                         // when Run started or the last subscription ended (metrics.go)
	warn     warnLimiter                       // connection failures (connection.go)
}

// Run subscribes to the leading master and handles events with h until ctx
// is cancelled or an unrecoverable error occurs. It may be called once per
// Client; later calls return ErrAlreadyRunning.
//
// Run returns:
//   - nil when ctx is cancelled. Cancelling disconnects: the framework stays
//     registered with the master for its failover_timeout, its tasks keep
//     running, and a later Client with the same framework ID resubscribes
//     to it. Only Teardown removes a framework; after a successful Teardown
//     Run also returns nil.
//   - a *FrameworkError when the master sends an ERROR event (for example
//     "Framework has been removed"); the FrameworkIDStore forgets a removed
//     framework's ID.
//   - an error wrapping *APIError when SUBSCRIBE is refused with a status
//     that would refuse it again: 400 (for example a FrameworkInfo the master
//     cannot parse), 401, 403, 405, 406 or 415.
//   - the handler's error, wrapped, when a handler returns one.
//   - an error for a master spec that cannot be parsed, an error of a
//     detector given with WithDetector, matching ErrDetector (ZooKeeper
//     denied access or rejected the credentials, the detector was closed),
//     or a failing FrameworkIDStore.Load. The detector the Client makes
//     from the master spec is instead made again after such an error (a
//     Resubscribing with a cause matching ErrDetector, and a Warn line),
//     since credentials and ACLs may be fixed meanwhile; bound it with
//     WithSubscribeTimeout.
//   - an error matching ErrSubscribeTimeout when WithSubscribeTimeout is
//     set and no subscription was made within it.
//
// Everything else is retried with backoff (see WithBackoff), forever: a
// transport error, the stream ending, an undecodable event, any other
// status (503 "No leader elected", 404 of an address that is not a Mesos
// master, matching ErrNotMesos, ...), missed
// heartbeats (see WithMissedHeartbeats), a redirect loop or too many
// redirects, and the detector reporting another leader (resubscribe there)
// or none (wait for one). Every resubscription carries the framework ID and
// gets a new stream ID; calls always use the current one. Before each wait
// a handler implementing ResubscribeHandler (Callbacks.Resubscribing) is
// told the attempt number, the delay and the cause. After each SUBSCRIBED
// the Client reconciles tasks and re-states offer suppression on goroutines
// of that subscription (see the package documentation).
//
// Liveness: while the Client waits for the master, something (a heartbeat,
// an event, any byte) must arrive at least every WithMissedHeartbeats
// heartbeat intervals, or the stream is dropped. Only time spent waiting for
// the master counts: decoding events and handing them to a slow handler do
// not. The reader runs ahead of the handler by at most a few events. While a
// handler runs long, heartbeats keep being read (and coalesced), so a master
// that goes silent is still noticed and the handler's ctx is cancelled. Once
// a non-heartbeat event is waiting for the handler, the reader stops reading
// (TCP pushes back on the master, nothing is buffered without bound) and the
// countdown stops with it until the handler takes the event.
//
// Every goroutine Run starts has ended when it returns, and no callback runs
// after it returns. Run returns only after the callback in progress returns,
// so callbacks should honour their ctx.
func (c *Client) Run(ctx context.Context, h Handler) error {
	if h == nil {
		return errors.New("scheduler: Run: nil Handler")
	}
	if !c.started.CompareAndSwap(false, true) {
		return ErrAlreadyRunning
	}
	defer c.closeIdle()
	defer c.observeMetrics()()
	defer c.observePacing()()
	err := c.run(ctx, h)
	c.first.end(err)
	return err
}

func (c *Client) run(ctx context.Context, h Handler) error {
	defer c.announcer.end()
	ctx, stop := c.subscribeDeadline(ctx)
	defer stop()

	r := &runner{c: c, ctx: ctx, h: h, bo: retry.New(c.cfg.backoffInitial, c.cfg.backoffMax), since: time.Now()}
	det := c.cfg.detector
	if det == nil {
		// The Client's own detector, from the master spec: made again after a permanent error (see loop).
		r.remake = func() (detector.Detector, error) {
			return detector.Parse(c.cfg.master, detector.WithLogger(c.cfg.logger))
		}
		d, err := r.remake()
		if err != nil {
			return fmt.Errorf("scheduler: %w", err)
		}
		r.owned = d
		defer func() { r.owned.Close() }()
		det = d
	}

	r.dh, _ = optional[DisconnectHandler](h)
	r.rh, _ = optional[ResubscribeHandler](h)
	r.oh, _ = h.(OffersHandler) // the outer handler only: a wrapper sees every event
	if err := r.loadID(); err != nil {
		if ctx.Err() != nil {
			return c.subscribeTimedOut(ctx, nil)
		}
		c.log.Error("run ended", zap.Error(err))
		return err
	}
	err := c.subscribeTimedOut(ctx, r.loop(det))
	if err != nil {
		c.log.Error("run ended", zap.Error(err))
	} else {
		c.log.Info("run ended")
	}
	return err
}

// retryAfter tells the handler that Run will wait d before subscribing
// again because of err, counting the attempt.
func (r *runner) retryAfter(d time.Duration, err error) {
	r.attempt++
	r.c.first.setCause(err)
	r.c.m.resubscribing(err)
	if r.rh != nil {
		r.rh.HandleResubscribing(r.ctx, r.attempt, d, err)
	}
}

// loadID takes the framework ID from the store unless New got one.
func (r *runner) loadID() error {
	c := r.c
	c.mu.Lock()
	id := c.frameworkID
	c.mu.Unlock()
	if id != "" {
		return nil
	}
	ctx, cancel := r.callContext(r.ctx)
	defer cancel()
	id, err := c.cfg.store.Load(ctx)
	if err != nil {
		return fmt.Errorf("scheduler: load framework ID: %w", err)
	}
	r.storedID = id
	if id != "" {
		c.mu.Lock()
		c.frameworkID = id
		c.mu.Unlock()
		c.log.Info("resubscribing with the stored framework ID", zap.String("framework_id", id))
	}
	return nil
}

func (r *runner) loop(det detector.Detector) error {
	c := r.c
	var last string // URL of the last leader subscribed to
	for {
		if r.ctx.Err() != nil {
			return nil
		}
		leader, changed, err := det.Leader(r.ctx)
		if err != nil {
			if r.ctx.Err() != nil {
				return nil
			}
			// Detector errors are permanent for that detector (ZooKeeper
			// denied access, it was closed). One given with WithDetector
			// ends Run, as Mesos's library reports them as ERROR; the
			// Client's own is made again after a backoff, since credentials
			// or ACLs may be fixed meanwhile (WithSubscribeTimeout bounds it).
			cause := fmt.Errorf("%w: %w", ErrDetector, err)
			if r.remake == nil || errors.Is(err, detector.ErrClosed) {
				return cause
			}
			d := r.bo.Next()
			r.warn.log(c.log, "master detection failed; retrying with a new detector", cause, zap.Duration("delay", d))
			r.retryAfter(d, cause)
			if !retry.Sleep(r.ctx, d, nil) {
				return nil
			}
			nd, perr := r.remake()
			if perr != nil {
				return fmt.Errorf("%w: %w", ErrDetector, perr)
			}
			r.owned.Close()
			r.owned, det = nd, nd
			continue
		}
		if leader == nil {
			cause := fmt.Errorf("%w: %w", ErrNoLeader, detector.NoLeaderCause(det))
			r.warn.log(c.log, "no leading master; waiting for one", cause)
			r.retryAfter(0, cause)
			select {
			case <-r.ctx.Done():
				return nil
			case <-changed:
				continue
			}
		}
		u, err := c.masterURL(det, leader)
		if err != nil {
			d := r.bo.Next()
			r.warn.log(c.log, "leading master has no usable address; retrying", err, zap.Duration("delay", d))
			r.retryAfter(d, err)
			if !retry.Sleep(r.ctx, d, changed) {
				return nil
			}
			continue
		}
		if s := u.String(); s != last {
			if last != "" {
				c.log.Info("leading master changed", zap.String("master", u.Host))
			}
			last = s
		}

		out := r.subscribe(u, changed)
		if r.ctx.Err() != nil {
			return nil
		}
		if out.fatal {
			if out.err == nil { // Teardown
				r.forgetID()
			}
			return out.err
		}
		d := r.bo.Next()
		wake := changed
		if out.subscribed {
			r.attempt = 0 // SUBSCRIBED reset the count; this is the first retry since
			c.log.Info("resubscribing", zap.String("master", u.Host), zap.Error(out.err), zap.Duration("delay", d))
		} else {
			r.warn.log(c.log, "subscribe failed; retrying", out.err, zap.String("master", u.Host),
				zap.Int("attempt", r.attempt+1), zap.Duration("delay", d))
			// A static list of masters moves on to its next candidate; the
			// backoff still applies, so an all-down list is not hammered.
			if detector.Rotate(det, leader) {
				wake = nil
			}
		}
		r.retryAfter(d, out.err)
		if !retry.Sleep(r.ctx, d, wake) {
			return nil
		}
	}
}

// masterURL is the scheduler endpoint of the leading master.
func (c *Client) masterURL(det detector.Detector, leader *mesosproto.MasterInfo) (*url.URL, error) {
	u, err := detector.MasterURL(leader, c.schemeFor(det, leader)) // see WithScheme
	if err != nil {
		return nil, err
	}
	u.Path = apiPath
	return u, nil
}
