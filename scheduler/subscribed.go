// SPDX-License-Identifier: Apache-2.0

package scheduler

import (
	"context"
	"errors"
	"fmt"
	"sync"
)

// firstSubscription records whether Run has subscribed yet and, until it has, why not.
type firstSubscription struct {
	subscribed chan struct{} // closed at the first SUBSCRIBED event
	ended      chan struct{} // closed when Run returns
	once       sync.Once

	mu     sync.Mutex
	cause  error // why the last attempt did not subscribe
	runErr error // what Run returned
}

func (f *firstSubscription) init() {
	f.subscribed = make(chan struct{})
	f.ended = make(chan struct{})
}

func (f *firstSubscription) mark() { f.once.Do(func() { close(f.subscribed) }) }

func (f *firstSubscription) setCause(err error) {
	f.mu.Lock()
	f.cause = err
	f.mu.Unlock()
}

func (f *firstSubscription) end(err error) {
	f.mu.Lock()
	f.runErr = err
	f.mu.Unlock()
	close(f.ended)
}

// WaitSubscribed blocks until Run has subscribed for the first time (its first SUBSCRIBED event) and then
// returns nil, at once on later calls. If ctx ends first, the error wraps ctx's error and, when an attempt
// has failed, why the last one did (a transport error, an *APIError, ErrNoLeader …); if Run returns
// without ever subscribing, the error wraps ErrNotSubscribed and what Run returned.
func (c *Client) WaitSubscribed(ctx context.Context) error {
	select {
	case <-c.first.subscribed:
		return nil
	default:
	}
	select {
	case <-c.first.subscribed:
		return nil
	case <-c.first.ended:
		select {
		case <-c.first.subscribed:
			return nil
		default:
		}
		c.first.mu.Lock()
		err := c.first.runErr
		c.first.mu.Unlock()
		if err == nil {
			err = errors.New("Run returned")
		}
		return fmt.Errorf("%w: Run ended before the first subscription: %w", ErrNotSubscribed, err)
	case <-ctx.Done():
		c.first.mu.Lock()
		cause := c.first.cause
		c.first.mu.Unlock()
		if cause == nil {
			return fmt.Errorf("%w: %w", ErrNotSubscribed, ctx.Err())
		}
		return fmt.Errorf("%w: %w (last attempt: %w)", ErrNotSubscribed, ctx.Err(), cause)
	}
}
