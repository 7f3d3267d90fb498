// SPDX-License-Identifier: Apache-2.0

package detector

import (
	"context"
	"sync"

	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/mesosproto"
)

// board holds a detector's current answer and hands it out with a channel closed when it is superseded.
// Its zero value is not usable: use newBoard.
type board struct {
	mu      sync.Mutex
	info    *mesosproto.MasterInfo
	err     error
	known   bool
	closed  bool
	ready   chan struct{} // closed when the first answer is known, or at close
	changed chan struct{} // closed when the current answer is superseded
	observe func(*mesosproto.MasterInfo, error)
}

func newBoard(observe func(*mesosproto.MasterInfo, error)) *board {
	return &board{ready: make(chan struct{}), changed: make(chan struct{}), observe: observe}
}

// set publishes an answer. An answer equal to the current one (same MasterInfo contents, same error) is not
// a change. It reports whether the answer changed.
func (b *board) set(info *mesosproto.MasterInfo, err error) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return false
	}
	if b.known && b.err == err && proto.Equal(b.info, info) {
		return false
	}
	b.info, b.err = info, err
	if !b.known {
		b.known = true
		close(b.ready)
	} else {
		close(b.changed)
		b.changed = make(chan struct{})
	}
	// Observed after waking the waiters (still under mu, so in the order of the answers): metrics are
	// bookkeeping.
	if b.observe != nil {
		b.observe(info, err)
	}
	return true
}

// current returns the answer without waiting; ok is false until the first answer.
func (b *board) current() (info *mesosproto.MasterInfo, ok bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.info, b.known && !b.closed
}

func (b *board) get(ctx context.Context) (*mesosproto.MasterInfo, <-chan struct{}, error) {
	b.mu.Lock()
	ready := b.ready
	b.mu.Unlock()
	select {
	case <-ready:
	case <-ctx.Done():
		b.mu.Lock()
		closed := b.closed
		b.mu.Unlock()
		if closed {
			return nil, nil, ErrClosed
		}
		return nil, nil, ctx.Err()
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	switch {
	case b.closed:
		return nil, nil, ErrClosed
	case b.err != nil:
		return nil, nil, b.err
	}
	return b.info, b.changed, nil
}

// close makes every later get return ErrClosed and wakes everyone waiting or holding a channel.
func (b *board) close() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return
	}
	b.closed = true
	if !b.known {
		close(b.ready)
	}
	close(b.changed)
}
