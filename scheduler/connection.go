// SPDX-License-Identifier: Apache-2.0

package scheduler

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/mesoskit/mesoskit/internal/recordio"
)

var (
	// ErrNotMesos is matched by the error of a SUBSCRIBE answered by
	// something that is not a Mesos master's scheduler API: a 404 (a Mesos
	// agent, another web server, a wrong path), a 200 whose Content-Type is
	// not a Mesos media type (an HTML page), or a 200 whose body is not a
	// RecordIO stream of events. Run keeps retrying it (the address may
	// start serving a master), reporting it to Resubscribing.
	ErrNotMesos = errors.New("scheduler: not a Mesos master")

	// ErrDetector is matched by the error Run returns when a detector given
	// with WithDetector fails permanently (ZooKeeper rejected the
	// credentials or denied access to the path, or the detector was
	// closed), and by the Resubscribing cause when the Client's own
	// detector does (it is then made again); it wraps the detector's error
	// (for example detector.ErrNotAuthorized).
	ErrDetector = errors.New("scheduler: master detection failed")

	// ErrSubscribeTimeout is matched by the error Run returns when
	// WithSubscribeTimeout passed without any subscription; the error also
	// wraps why the last attempt failed, when one did.
	ErrSubscribeTimeout = errors.New("scheduler: no subscription within the subscribe timeout")
)

// WithSubscribeTimeout makes Run return an error matching
// ErrSubscribeTimeout (and wrapping the last cause, as WaitSubscribed
// reports it) when no SUBSCRIBED event arrived within d of Run's start. Once
// subscribed, the timeout no longer applies: later disconnections are
// retried forever. The default, 0, waits forever.
func WithSubscribeTimeout(d time.Duration) Option {
	return func(c *config) {
		if d < 0 {
			c.problems = append(c.problems, fmt.Errorf("WithSubscribeTimeout: %v must not be negative", d))
			return
		}
		c.subscribeTimeout = d
	}
}

// errNeverSubscribed cancels Run's context when WithSubscribeTimeout passes.
var errNeverSubscribed = errors.New("scheduler: subscribe timeout passed")

// subscribeDeadline bounds ctx by the subscribe timeout, until the first
// SUBSCRIBED. stop releases the timer.
func (c *Client) subscribeDeadline(ctx context.Context) (context.Context, func()) {
	d := c.cfg.subscribeTimeout
	if d <= 0 {
		return ctx, func() {}
	}
	sctx, cancel := context.WithCancelCause(ctx)
	t := time.AfterFunc(d, func() {
		select {
		case <-c.first.subscribed:
		default:
			cancel(errNeverSubscribed)
		}
	})
	return sctx, func() { t.Stop(); cancel(nil) }
}

// subscribeTimedOut turns the nil Run returns after its context was ended
// by the subscribe timeout into an error naming the last cause.
func (c *Client) subscribeTimedOut(ctx context.Context, err error) error {
	if err != nil || !errors.Is(context.Cause(ctx), errNeverSubscribed) {
		return err
	}
	c.first.mu.Lock()
	cause := c.first.cause
	c.first.mu.Unlock()
	if cause == nil {
		return fmt.Errorf("%w (%v)", ErrSubscribeTimeout, c.cfg.subscribeTimeout)
	}
	return fmt.Errorf("%w (%v); last attempt: %w", ErrSubscribeTimeout, c.cfg.subscribeTimeout, cause)
}

// notMesosStatus names a SUBSCRIBE answer whose status shows the address
// does not serve the scheduler API: 404 (a Mesos master always routes
// /api/v1/scheduler: a non-leader redirects with 307, a leader still
// recovering answers 503; see docs/PROTOCOL.md "Connection failures").
func notMesosStatus(status int) bool { return status == http.StatusNotFound }

// notMesosStream wraps err with ErrNotMesos when a 200 answer's body was not
// a RecordIO stream of events before anything was subscribed.
func notMesosStream(err error) error {
	if errors.Is(err, recordio.ErrInvalidLength) || errors.Is(err, errDecodeEvent) {
		return fmt.Errorf("%w: the answer to SUBSCRIBE is not a RecordIO stream of events: %w", ErrNotMesos, err)
	}
	return err
}

// warnLimit is how often one kind of connection failure is logged at Warn;
// repeats in between go to Debug.
const warnLimit = 30 * time.Second

// warnLimiter rate-limits the warnings of connection failures by cause
// (see causeOf), so that a framework that cannot reach its master says so
// at once and then every warnLimit, not at every attempt.
type warnLimiter struct {
	mu   sync.Mutex
	last map[string]time.Time
}

// log logs msg at Warn when its cause was not logged at Warn within
// warnLimit, else at Debug. The error is logged under "error" and its
// class under "cause".
func (w *warnLimiter) log(log *zap.Logger, msg string, err error, fields ...zap.Field) {
	cause := causeOf(err)
	now := time.Now()
	w.mu.Lock()
	if w.last == nil {
		w.last = map[string]time.Time{}
	}
	last, seen := w.last[cause]
	warn := !seen || now.Sub(last) >= warnLimit
	if warn {
		w.last[cause] = now
	}
	w.mu.Unlock()
	fields = append(fields, zap.String("cause", cause), zap.Error(err))
	if warn {
		log.Warn(msg, fields...)
	} else {
		log.Debug(msg, fields...)
	}
}
