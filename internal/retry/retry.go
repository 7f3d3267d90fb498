// SPDX-License-Identifier: Apache-2.0

// Package retry is the backoff the SDK's clients share (scheduler, operator): exponential, jittered, capped,
// and never giving up, as design.md asks of every reconnection loop.
package retry

import (
	"context"
	"time"

	"github.com/cenkalti/backoff/v4"
)

// Backoff shape shared by resubscription and call retries.
const (
	Multiplier = 2.0
	Jitter     = 0.5 // each delay is drawn from [d·(1-j), d·(1+j)], then capped
)

// Backoff is an exponential, jittered backoff that never gives up and never exceeds max, even after jitter.
// Not safe for concurrent use.
type Backoff struct {
	b   *backoff.ExponentialBackOff
	max time.Duration
}

// New returns a Backoff starting at initial and capped at max.
func New(initial, max time.Duration) *Backoff {
	b := backoff.NewExponentialBackOff(
		backoff.WithInitialInterval(initial),
		backoff.WithMaxInterval(max),
		backoff.WithMultiplier(Multiplier),
		backoff.WithRandomizationFactor(Jitter),
		backoff.WithMaxElapsedTime(0), // the library's default gives up after 15 minutes
	)
	return &Backoff{b: b, max: max}
}

// Next returns the delay before the next attempt.
func (r *Backoff) Next() time.Duration {
	d := r.b.NextBackOff()
	if d == backoff.Stop || d > r.max {
		d = r.max
	}
	return d
}

// Reset starts over from the initial interval (after a success).
func (r *Backoff) Reset() { r.b.Reset() }

// Sleep waits for d, or until ctx ends (false), or until wake is closed (true, early). A nil wake never
// fires.
func Sleep(ctx context.Context, d time.Duration, wake <-chan struct{}) bool {
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
