// SPDX-License-Identifier: Apache-2.0

package scheduler

import (
	"fmt"
	"time"
)

// DefaultSuppressDelay is how long the framework must be without demand
// before the Client suppresses its offers (see SetDemand).
const DefaultSuppressDelay = time.Second

// WithSuppressDelay sets how long demand must stay off (SetDemand(false),
// or WithSuppressAfter) before the Client sends SUPPRESS, so that demand
// that flickers off and on again costs no call. Reviving is never delayed.
// 0 suppresses at once. Default DefaultSuppressDelay.
func WithSuppressDelay(d time.Duration) Option {
	return func(c *config) { c.suppressDelay = d }
}

// WithSuppressAfter turns demand off by itself after n consecutive OFFERS
// events in which no offer was accepted, so that a framework that has
// nothing to launch stops receiving offers. Demand then stays off until the
// framework calls SetDemand(true) (or Revive): use it only if you signal new
// work that way, or offers will not come back. 0 (the default) never turns
// demand off by itself.
func WithSuppressAfter(n int) Option {
	return func(c *config) { c.suppressAfter = n }
}

func (c *config) validateDemand() []error {
	var errs []error
	if c.suppressDelay < 0 {
		errs = append(errs, fmt.Errorf("WithSuppressDelay: %v must not be negative", c.suppressDelay))
	}
	if c.suppressAfter < 0 {
		errs = append(errs, fmt.Errorf("WithSuppressAfter: %d must not be negative", c.suppressAfter))
	}
	return errs
}
