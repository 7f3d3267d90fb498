// SPDX-License-Identifier: Apache-2.0

package scheduler

import (
	"context"
	"sync"

	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/schedulerpb"
)

// Stale reconciliation answers. The master answers an explicit RECONCILE
// with the state it knows when it handles the call (Master::reconcile in
// src/master/master.cpp): a task it has never heard of is TASK_LOST (or
// TASK_UNKNOWN for a partition-aware framework) with REASON_RECONCILIATION.
// An answer produced before the framework launched the task again arrives
// after the launch and reads like news: "the task is gone, launch a
// replacement", a duplicate launch. The Client knows when it asked and what
// it launched since, so it can tell: an answer is stale when the task was
// launched through this Client (its ACCEPT reached or may have reached the
// master) after the last RECONCILE naming it was sent, or while that ACCEPT
// is still in flight. Only a RECONCILE naming the task counts: an implicit
// one never reports a task the master does not know.

// freshness holds, for the tasks launched through this Client, when they
// were launched and last asked about, on one monotonic counter.
type freshness struct {
	mu    sync.Mutex
	seq   uint64
	tasks map[string]*launchMark
	cur   *mesosproto.TaskStatus // the status being dispatched, and whether it is stale
	stale bool
}

type launchMark struct {
	inflight int    // ACCEPTs launching the task not returned yet
	launched uint64 // seq when the last ACCEPT that may have reached the master returned
	asked    uint64 // seq when the last RECONCILE naming the task was sent
}

// staleKey marks, in a handler's ctx, the status being dispatched as a
// stale reconciliation answer (for Callbacks, which has no Client).
type staleKey struct{}

// reconcileSent records a RECONCILE about to be sent.
func (f *freshness) reconcileSent(tasks []*schedulerpb.Call_Reconcile_Task) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.seq++
	for _, t := range tasks {
		if m := f.tasks[t.GetTaskId().GetValue()]; m != nil {
			m.asked = f.seq
		}
	}
}

// launchIDs returns the IDs of the tasks ops launch.
func launchIDs(ops []*mesosproto.Offer_Operation) []string {
	var ids []string
	for _, op := range ops {
		tasks := op.GetLaunch().GetTaskInfos()
		if op.GetType() == mesosproto.Offer_Operation_LAUNCH_GROUP {
			tasks = op.GetLaunchGroup().GetTaskGroup().GetTasks()
		}
		for _, t := range tasks {
			if id := t.GetTaskId().GetValue(); id != "" {
				ids = append(ids, id)
			}
		}
	}
	return ids
}

// launching records an ACCEPT about to launch ids.
func (f *freshness) launching(ids []string) {
	if len(ids) == 0 {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.tasks == nil {
		f.tasks = map[string]*launchMark{}
	}
	for _, id := range ids {
		m := f.tasks[id]
		if m == nil {
			m = &launchMark{}
			f.tasks[id] = m
		}
		m.inflight++
	}
}

// launched records the end of that ACCEPT; reached is false when it
// certainly did not reach the master.
func (f *freshness) launched(ids []string, reached bool) {
	if len(ids) == 0 {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.seq++
	for _, id := range ids {
		m := f.tasks[id]
		if m == nil {
			continue
		}
		m.inflight--
		if reached {
			m.launched = f.seq
		}
		if m.inflight == 0 && m.launched == 0 {
			delete(f.tasks, id)
		}
	}
}

// judge decides whether st, about to be dispatched, is a stale
// reconciliation answer, and remembers the decision for IsStale. A fresh
// update that ends the task forgets it.
func (f *freshness) judge(st *mesosproto.TaskStatus) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	id := st.GetTaskId().GetValue()
	m := f.tasks[id]
	stale := m.staleFor(st)
	if !stale && m != nil && m.inflight == 0 && ended(st.GetState()) {
		delete(f.tasks, id)
	}
	f.cur, f.stale = st, stale
	return stale
}

// done ends the dispatch of the current status.
func (f *freshness) done() {
	f.mu.Lock()
	f.cur, f.stale = nil, false
	f.mu.Unlock()
}

// IsStale reports whether status is a stale answer to reconciliation: one
// the master produced before this Client last launched the task. It is
// judged so when the task was launched through this Client (by an ACCEPT
// that reached or may have reached the master) after the last RECONCILE
// naming it was sent, or while that ACCEPT is in flight; updates from the
// agent, and answers about tasks this Client did not launch, are never
// stale. An implicit RECONCILE does not make later answers fresh (it never
// reports a task the master does not know). A stale answer says
// nothing about the task as launched now; in particular a TASK_LOST or
// TASK_UNKNOWN that is stale must not cause a relaunch. Callbacks.Lost is
// not called for stale answers; Update still receives them.
//
// For the status of the UPDATE being dispatched (the usual case: call it
// from the handler) the answer is the one decided when the event was taken
// from the stream; for any other status it is decided now.
func (c *Client) IsStale(status *mesosproto.TaskStatus) bool {
	f := &c.fresh
	f.mu.Lock()
	if status != nil && status == f.cur {
		defer f.mu.Unlock()
		return f.stale
	}
	defer f.mu.Unlock()
	return f.tasks[status.GetTaskId().GetValue()].staleFor(status)
}

// staleFor reports whether st is a reconciliation answer that predates the
// last launch m records (m may be nil: a task not launched here).
func (m *launchMark) staleFor(st *mesosproto.TaskStatus) bool {
	return m != nil && st.GetReason() == mesosproto.TaskStatus_REASON_RECONCILIATION &&
		(m.inflight > 0 || m.launched > m.asked)
}

// staleContext marks ctx for Callbacks when st is stale.
func staleContext(ctx context.Context, st *mesosproto.TaskStatus, stale bool) context.Context {
	if !stale {
		return ctx
	}
	return context.WithValue(ctx, staleKey{}, st)
}

// staleIn reports whether ctx marks st as stale.
func staleIn(ctx context.Context, st *mesosproto.TaskStatus) bool {
	v, _ := ctx.Value(staleKey{}).(*mesosproto.TaskStatus)
	return v != nil && v == st
}
