// SPDX-License-Identifier: Apache-2.0

package mesostest

import (
	"container/heap"
	"time"

	"go.uber.org/zap"
)

// retryQueue holds the status update streams whose head awaits an
// acknowledgement, ordered by when the agent re-sends it, behind a single
// timer: a cluster with 100,000 tasks in flight keeps one runtime timer and
// one heap slot per stream instead of a timer and a closure per forwarded
// update. A stream leaves the queue when its head is acknowledged or the
// stream stops. Guarded by Server.mu.
type retryQueue struct {
	h     retryHeap
	timer *time.Timer // fires at h[0].due; nil until the first use
	at    time.Time   // when timer fires; zero when stopped
}

type retryHeap []*updateStream

func (h retryHeap) Len() int           { return len(h) }
func (h retryHeap) Less(i, j int) bool { return h[i].due.Before(h[j].due) }
func (h retryHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].idx, h[j].idx = i+1, j+1
}
func (h *retryHeap) Push(x any) {
	u := x.(*updateStream)
	u.idx = len(*h) + 1
	*h = append(*h, u)
}
func (h *retryHeap) Pop() any {
	old := *h
	u := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	u.idx = 0
	return u
}

// scheduleRetryLocked (re)queues u to be retried at due.
func (s *Server) scheduleRetryLocked(u *updateStream, due time.Time) {
	rq := &s.retries
	u.due = due
	if u.idx > 0 {
		heap.Fix(&rq.h, u.idx-1)
	} else {
		heap.Push(&rq.h, u)
	}
	rq.armLocked(s)
}

// cancelRetryLocked takes u out of the queue.
func (s *Server) cancelRetryLocked(u *updateStream) {
	if u.idx > 0 {
		heap.Remove(&s.retries.h, u.idx-1)
	}
}

// armLocked points the timer at the earliest retry. A timer that fires
// early (its retry was cancelled) finds nothing due and re-arms.
func (rq *retryQueue) armLocked(s *Server) {
	if len(rq.h) == 0 {
		return
	}
	due := rq.h[0].due
	if !rq.at.IsZero() && !rq.at.After(due) {
		return // fires in time
	}
	rq.at = due
	d := time.Until(due)
	if rq.timer == nil {
		rq.timer = time.AfterFunc(d, func() {
			s.mu.Lock()
			defer s.mu.Unlock()
			if !s.closed {
				rq.fireLocked(s)
			}
		})
		return
	}
	rq.timer.Reset(d)
}

// fireLocked re-sends the head of every stream that is due, with its
// interval doubled up to the maximum.
func (rq *retryQueue) fireLocked(s *Server) {
	rq.at = time.Time{}
	now := time.Now()
	for len(rq.h) > 0 && !rq.h[0].due.After(now) {
		u := heap.Pop(&rq.h).(*updateStream)
		t := u.owner
		if t.gone || len(u.pending) == 0 {
			continue
		}
		u.interval = min(2*u.interval, s.cfg.updateRetryMax)
		if ce := s.log.Check(zap.DebugLevel, "retrying status update"); ce != nil {
			ce.Write(zap.String("task_id", t.key.task), zap.Stringer("state", u.pending[0].GetState()))
		}
		t.forwardHeadLocked(false)
	}
	rq.armLocked(s)
}

// stopLocked stops the timer (Close).
func (rq *retryQueue) stopLocked() {
	if rq.timer != nil {
		rq.timer.Stop()
	}
	rq.at = time.Time{}
	for _, u := range rq.h {
		u.idx = 0
	}
	clear(rq.h)
	rq.h = nil
}
