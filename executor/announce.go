// SPDX-License-Identifier: Apache-2.0

package executor

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"go.uber.org/zap"

	"github.com/mesoskit/mesoskit/discovery"
	"github.com/mesoskit/mesoskit/mesosproto"
)

// WithAnnouncer makes the Executor announce its tasks in ZooKeeper, through d, as ServerSet members under
// path (see package discovery), as Aurora's executor did: a task whose TaskInfo carries DiscoveryInfo is
// announced when the Executor sends its TASK_RUNNING update (unless the update says it is unhealthy), and
// withdrawn with its next update of any other state, or when Run returns. Its endpoint is the agent's
// hostname (AgentInfo.hostname of SUBSCRIBED) and its ports (discovery.TaskMember says which).
//
// Use it for tasks that run in a custom executor; command tasks are announced by the scheduler
// (scheduler.WithAnnouncer). d is the caller's: Close it after Run returned (ending its session deletes any
// announcement at once).
func WithAnnouncer(d *discovery.Client, path string) Option {
	return func(o *config) {
		if d == nil {
			o.problems = append(o.problems, errors.New("WithAnnouncer: nil discovery.Client"))
			return
		}
		if err := discovery.ValidatePath(path); err != nil {
			o.problems = append(o.problems, fmt.Errorf("WithAnnouncer: %w", err))
			return
		}
		o.announcer = &announcerSettings{client: d, path: path}
	}
}

type announcerSettings struct {
	client *discovery.Client
	path   string
}

// taskAnnouncer keeps the Executor's announcements. A nil *taskAnnouncer does nothing.
type taskAnnouncer struct {
	cfg *announcerSettings
	log *zap.Logger

	mu    sync.Mutex
	live  map[string]context.CancelFunc // task ID → ends its announcement
	ended bool
}

func newTaskAnnouncer(cfg *announcerSettings, log *zap.Logger) *taskAnnouncer {
	if cfg == nil {
		return nil
	}
	return &taskAnnouncer{cfg: cfg, log: log.Named("announce"), live: map[string]context.CancelFunc{}}
}

// announceStatus follows a status update the Executor journalled: TASK_RUNNING announces the task,
// anything else withdraws it. It never blocks on ZooKeeper.
func (x *Executor) announceStatus(st *mesosproto.TaskStatus) {
	a := x.announcer
	if a == nil {
		return
	}
	id := st.GetTaskId().GetValue()
	serving := st.GetState() == mesosproto.TaskState_TASK_RUNNING && (st.Healthy == nil || st.GetHealthy())
	a.mu.Lock()
	defer a.mu.Unlock()
	cancel, live := a.live[id]
	switch {
	case !serving && live:
		cancel() // the announcement withdraws itself in the background
		delete(a.live, id)
		a.log.Debug("withdrawing task", zap.String("task_id", id), zap.Stringer("state", st.GetState()))
	case serving && !live && !a.ended:
		x.mu.Lock()
		var info *mesosproto.TaskInfo
		if t, ok := x.tasks[id]; ok {
			info = t.info
		}
		host := x.subscribed.GetAgentInfo().GetHostname()
		x.mu.Unlock()
		if info.GetDiscovery() == nil {
			return
		}
		if host == "" {
			a.log.Warn("not announcing a task: the agent's hostname is unknown", zap.String("task_id", id))
			return
		}
		m, err := discovery.TaskMember(host, info)
		if err != nil {
			a.log.Warn("not announcing a task", zap.String("task_id", id), zap.Error(err))
			return
		}
		ctx, cancel := context.WithCancel(context.Background())
		if _, err := a.cfg.client.Announce(ctx, a.cfg.path, m); err != nil {
			cancel()
			a.log.Warn("announcing a task failed", zap.String("task_id", id), zap.Error(err))
			return
		}
		a.live[id] = cancel
		a.log.Debug("announcing task", zap.String("task_id", id), zap.Stringer("endpoint", m.ServiceEndpoint))
	}
}

// endAnnouncements withdraws every announcement; Run calls it when it returns.
func (x *Executor) endAnnouncements() {
	a := x.announcer
	if a == nil {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.ended = true
	for id, cancel := range a.live {
		cancel()
		delete(a.live, id)
	}
}
