// SPDX-License-Identifier: Apache-2.0

package mesostest

import (
	"time"

	"github.com/mesoskit/mesoskit/mesosproto"
)

// simQueue finishes simulated tasks (WithSimulatedTasks) after the simulated
// duration. Every task runs for the same duration, so tasks finish in launch
// order: one FIFO and one timer serve them all, instead of a timer per task.
// Tasks killed or completed in the meantime are skipped when their turn
// comes. Guarded by Server.mu.
type simQueue struct {
	q     []simEntry
	head  int
	timer *time.Timer // armed for q[head] while the queue is not empty
}

type simEntry struct {
	t   *task
	due time.Time
}

// addLocked queues t to finish after s.cfg.simulatedDuration.
func (sq *simQueue) addLocked(s *Server, t *task) {
	e := simEntry{t: t, due: time.Now().Add(s.cfg.simulatedDuration)}
	if sq.head > 0 && sq.head == len(sq.q) {
		sq.q, sq.head = sq.q[:0], 0
	}
	sq.q = append(sq.q, e)
	if sq.timer == nil {
		sq.timer = s.afterLocked(s.cfg.simulatedDuration, func() { sq.fireLocked(s) })
	}
}

// fireLocked finishes every task whose time has come and re-arms the timer
// for the next one.
func (sq *simQueue) fireLocked(s *Server) {
	sq.timer = nil
	now := time.Now()
	for sq.head < len(sq.q) {
		e := sq.q[sq.head]
		if e.due.After(now) {
			sq.timer = s.afterLocked(e.due.Sub(now), func() { sq.fireLocked(s) })
			break
		}
		sq.q[sq.head] = simEntry{}
		sq.head++
		if t := e.t; !t.terminated && !t.gone {
			t.statusLocked(mesosproto.TaskState_TASK_FINISHED, "Command exited with status 0", nil, mesosproto.TaskStatus_SOURCE_EXECUTOR)
		}
	}
	if sq.head == len(sq.q) {
		sq.q, sq.head = sq.q[:0], 0
	} else if sq.head > len(sq.q)/2 && sq.head > 1024 {
		// Drop the consumed front so that the slice does not only grow.
		n := copy(sq.q, sq.q[sq.head:])
		clear(sq.q[n:])
		sq.q, sq.head = sq.q[:n], 0
	}
}

// stopLocked drops the queue (Close).
func (sq *simQueue) stopLocked() {
	if sq.timer != nil {
		sq.timer.Stop()
		sq.timer = nil
	}
	clear(sq.q)
	sq.q, sq.head = nil, 0
}
