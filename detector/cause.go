// SPDX-License-Identifier: Apache-2.0

package detector

import (
	"errors"
	"fmt"
	"sync"
)

// ErrNoZooKeeper is matched by the cause NoLeaderCause gives while a ZK detector reports no leader because
// it is not connected to ZooKeeper (never connected within the session timeout, disconnected for longer than
// it, or its session expired): the masters may be fine, ZooKeeper is unreachable from here.
var ErrNoZooKeeper = errors.New("detector: not connected to ZooKeeper")

// NoLeaderCause tells why d's current answer is "no leader": for a ZK detector, an error matching
// ErrNoZooKeeper when ZooKeeper is unreachable, else one matching ErrNoLeader that says what the detector saw
// (for example no member under the path). For other detectors, or while a leader is known, it returns
// ErrNoLeader. The text never contains credentials.
func NoLeaderCause(d Detector) error {
	z, ok := d.(*ZK)
	if !ok {
		return ErrNoLeader
	}
	return z.why.get()
}

// noLeaderWhy is the reason of a ZK detector's latest "no leader" answer.
type noLeaderWhy struct {
	mu     sync.Mutex
	reason string
	noZK   bool
}

func (w *noLeaderWhy) set(reason string, noZK bool) {
	w.mu.Lock()
	w.reason, w.noZK = reason, noZK
	w.mu.Unlock()
}

func (w *noLeaderWhy) get() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	switch {
	case w.noZK:
		return fmt.Errorf("%w: %s", ErrNoZooKeeper, w.reason)
	case w.reason != "":
		return fmt.Errorf("%w: %s", ErrNoLeader, w.reason)
	}
	return ErrNoLeader
}
