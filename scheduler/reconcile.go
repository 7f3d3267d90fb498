// SPDX-License-Identifier: Apache-2.0

package scheduler

import (
	"sort"
	"sync"
	"time"

	"go.uber.org/zap"
	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/internal/retry"
	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/schedulerpb"
)

// Reconciliation, as Mesos's documentation prescribes, runs on a goroutine
// of its own for each subscription, so that it never holds up events:
//
//  1. Explicit: once the Subscribed handler has returned, the Client sends
//     RECONCILE for every task it knows of — those it tracks (launched
//     through this Client, or reported by an UPDATE, and not seen end) plus
//     those WithTaskSource lists. A task is confirmed by the first UPDATE
//     for it on this subscription, whatever its state or source (a
//     reconciliation answer or a newer reliable update). The tasks still
//     unconfirmed are asked about again after a backoff (WithReconcileBackoff),
//     for as long as the subscription lasts: after a master failover the
//     master stays silent about tasks on agents that have not re-registered
//     yet, and a reply can be lost.
//  2. Implicit: then, on a resubscription of an existing framework, one
//     RECONCILE without tasks (the master answers for every task it knows,
//     including ones this process never heard of), and another every
//     WithImplicitReconciliation interval. A brand-new framework has no task
//     to ask about, so its first implicit round waits one interval.
//
// Answers are UPDATE events and reach the handler like any other (Update,
// then Lost for the states IsLost names). The loop ends with the
// subscription and starts over with the next one.

// reconciliation tracks the explicit reconciliation of one subscription. It
// is created when SUBSCRIBED arrives, before any other event is dispatched,
// so that no UPDATE escapes it.
type reconciliation struct {
	mu      sync.Mutex
	seen    map[string]bool                             // until begin: tasks updated on this subscription
	pending map[string]*schedulerpb.Call_Reconcile_Task // after begin: tasks not yet confirmed
	started bool
	done    chan struct{} // closed when, after begin, no task is pending
}

func newReconciliation() *reconciliation {
	return &reconciliation{seen: map[string]bool{}, done: make(chan struct{})}
}

// confirm records an UPDATE for taskID (called on the Run goroutine).
func (rc *reconciliation) confirm(taskID string) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if !rc.started {
		rc.seen[taskID] = true
		return
	}
	if _, ok := rc.pending[taskID]; ok {
		delete(rc.pending, taskID)
		if len(rc.pending) == 0 {
			close(rc.done)
		}
	}
}

// begin sets the tasks to confirm, less those already updated, and returns
// how many remain.
func (rc *reconciliation) begin(tasks map[string]*schedulerpb.Call_Reconcile_Task) int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	for id := range rc.seen {
		delete(tasks, id)
	}
	rc.seen, rc.pending, rc.started = nil, tasks, true
	if len(tasks) == 0 {
		close(rc.done)
	}
	return len(tasks)
}

// remaining returns the tasks not yet confirmed, by task ID.
func (rc *reconciliation) remaining() []*schedulerpb.Call_Reconcile_Task {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	out := make([]*schedulerpb.Call_Reconcile_Task, 0, len(rc.pending))
	for _, t := range rc.pending {
		out = append(out, t)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].GetTaskId().GetValue() < out[j].GetTaskId().GetValue() })
	return out
}

// reconcileLoop runs the reconciliation of subscription s until it ends.
func (r *runner) reconcileLoop(s *session, log *zap.Logger) {
	c := r.c
	if !r.reconcileExplicitly(s, log) {
		return
	}
	iv := c.cfg.implicitInterval
	if iv <= 0 {
		return
	}
	if !s.resubscribed && !retry.Sleep(s.ctx, iv, nil) {
		return
	}
	bo := retry.New(c.cfg.reconcileInitial, c.cfg.reconcileMax)
	for {
		c.m.reconciled(true)
		err := c.send(s.ctx, s, reconcileCall(nil))
		if s.ctx.Err() != nil {
			return
		}
		wait := iv
		if err != nil {
			wait = min(bo.Next(), iv)
			log.Warn("implicit reconciliation failed; retrying", zap.Error(err), zap.Duration("delay", wait))
		} else {
			bo.Reset()
			log.Debug("implicit reconciliation requested")
		}
		if !retry.Sleep(s.ctx, wait, nil) {
			return
		}
	}
}

// reconcileExplicitly asks about every known task until each is confirmed.
// It returns false when the subscription ended first.
func (r *runner) reconcileExplicitly(s *session, log *zap.Logger) bool {
	c := r.c
	tasks := c.trackedTasks()
	if src := c.cfg.taskSource; src != nil {
		list, err := src(s.ctx)
		if s.ctx.Err() != nil {
			return false
		}
		if err != nil {
			log.Warn("task source failed; reconciling the tasks the Client tracks", zap.Error(err))
		}
		for _, t := range list {
			id := t.GetTaskId().GetValue()
			if id == "" {
				continue
			}
			if prev, ok := tasks[id]; !ok || prev.AgentId == nil {
				tasks[id] = reconcileTask(id, t.GetAgentId())
			}
		}
	}
	total := s.rec.begin(tasks)
	if total == 0 {
		return true
	}
	start := time.Now()
	bo := retry.New(c.cfg.reconcileInitial, c.cfg.reconcileMax)
	for round := 1; ; round++ {
		list := s.rec.remaining()
		if len(list) == 0 {
			log.Info("reconciliation complete: every task confirmed",
				zap.Int("tasks", total), zap.Int("rounds", round-1), zap.Duration("took", time.Since(start)))
			return true
		}
		if round == 1 {
			log.Info("reconciling tasks", zap.Int("tasks", len(list)))
		} else {
			log.Info("tasks not confirmed yet; reconciling them again", zap.Int("tasks", len(list)), zap.Int("round", round))
		}
		c.m.reconciled(false)
		err := c.send(s.ctx, s, reconcileCall(list))
		if s.ctx.Err() != nil {
			return false
		}
		d := bo.Next()
		if err != nil {
			log.Warn("explicit reconciliation failed; retrying", zap.Error(err), zap.Duration("delay", d))
		}
		t := time.NewTimer(d)
		select {
		case <-s.rec.done:
		case <-t.C:
		case <-s.ctx.Done():
			t.Stop()
			return false
		}
		t.Stop()
	}
}

func reconcileCall(tasks []*schedulerpb.Call_Reconcile_Task) *schedulerpb.Call {
	return &schedulerpb.Call{
		Type:      schedulerpb.Call_RECONCILE.Enum(),
		Reconcile: &schedulerpb.Call_Reconcile{Tasks: tasks},
	}
}

func reconcileTask(id string, agent *mesosproto.AgentID) *schedulerpb.Call_Reconcile_Task {
	t := &schedulerpb.Call_Reconcile_Task{TaskId: &mesosproto.TaskID{Value: proto.String(id)}}
	if agent.GetValue() != "" {
		t.AgentId = &mesosproto.AgentID{Value: proto.String(agent.GetValue())}
	}
	return t
}

// Task tracking: the Client remembers every task it has seen launched or
// reported, until an update says it ended, so that it can reconcile them
// after a resubscription without help from the framework.

// trackStatus records the state an UPDATE reports (on the Run goroutine).
func (c *Client) trackStatus(st *mesosproto.TaskStatus) {
	id := st.GetTaskId().GetValue()
	if id == "" {
		return
	}
	c.announcer.status(st)
	c.mu.Lock()
	defer c.mu.Unlock()
	if ended(st.GetState()) {
		delete(c.tasks, id)
		return
	}
	if a := st.GetAgentId(); a.GetValue() != "" || c.tasks[id] == nil {
		c.tasks[id] = a
	}
}

// trackLaunch records the tasks of LAUNCH and LAUNCH_GROUP operations.
func (c *Client) trackLaunch(ops []*mesosproto.Offer_Operation) {
	c.announcer.launch(ops)
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, op := range ops {
		tasks := op.GetLaunch().GetTaskInfos()
		if op.GetType() == mesosproto.Offer_Operation_LAUNCH_GROUP {
			tasks = op.GetLaunchGroup().GetTaskGroup().GetTasks()
		}
		for _, t := range tasks {
			if id := t.GetTaskId().GetValue(); id != "" {
				c.tasks[id] = t.GetAgentId()
			}
		}
	}
}

// trackedTasks returns the tracked tasks, as reconciliation entries.
func (c *Client) trackedTasks() map[string]*schedulerpb.Call_Reconcile_Task {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string]*schedulerpb.Call_Reconcile_Task, len(c.tasks))
	for id, agent := range c.tasks {
		out[id] = reconcileTask(id, agent)
	}
	return out
}

// ended reports whether a task in state s needs no more reconciliation: a
// terminal state, or TASK_UNKNOWN (the master has never heard of it).
// TASK_UNREACHABLE is kept: the task may come back.
func ended(s mesosproto.TaskState) bool {
	return mesosproto.IsTerminalState(s) || s == mesosproto.TaskState_TASK_UNKNOWN
}
