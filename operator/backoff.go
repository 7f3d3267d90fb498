// SPDX-License-Identifier: Apache-2.0

package operator

import (
	"context"
	"time"

	"github.com/cenkalti/backoff/v4"
)

// retryBackoff is an exponential, jittered backoff that never gives up and
// never exceeds max, even after jitter. Not safe for concurrent use.
type retryBackoff struct {
	b   *backoff.ExponentialBackOff
	max time.Duration
}

func newBackoff(initial, max time.Duration) *retryBackoff {
	b := backoff.NewExponentialBackOff(
		backoff.WithInitialInterval(initial),
		backoff.WithMaxInterval(max),
		backoff.WithMultiplier(2),
		backoff.WithRandomizationFactor(0.5),
		backoff.WithMaxElapsedTime(0), // the library's default gives up after 15 minutes
	)
	return &retryBackoff{b: b, max: max}
}

// next returns the delay before the next attempt.
func (r *retryBackoff) next() time.Duration {
	d := r.b.NextBackOff()
	if d == backoff.Stop || d > r.max {
		d = r.max
	}
	return d
}

// reset starts over from the initial interval (after a SUBSCRIBED).
func (r *retryBackoff) reset() { r.b.Reset() }

// sleep waits for d, or until ctx ends (false), or until wake is closed
// (true, early). A nil wake never fires.
func sleep(ctx context.Context, d time.Duration, wake <-chan struct{}) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-wake:
		return true
	case <-ctx.Done():
		return false
	}
}
