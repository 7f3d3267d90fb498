// SPDX-License-Identifier: Apache-2.0

package scheduler

import (
	"errors"
	"fmt"
	"sync"

	"go.uber.org/zap"

	"github.com/mesoskit/mesoskit/discovery"
	"github.com/mesoskit/mesoskit/internal/taskannounce"
	"github.com/mesoskit/mesoskit/mesosproto"
)

// WithAnnouncer makes the Client announce its tasks in ZooKeeper, through d, as ServerSet members under
// path (see package discovery), so that Prometheus, Finagle and other ServerSet readers find them. A task
// is announced when it carries DiscoveryInfo and runs in no executor of its own (a command task, or a task
// of a LAUNCH_GROUP whose executor is not of type CUSTOM, which Mesos's default executor runs): from its TASK_RUNNING update until any other
// state (TASK_KILLING, TASK_UNREACHABLE, a terminal state — also when reconciliation reports it gone) or
// a TASK_RUNNING that says it is unhealthy. Its endpoint is the hostname of the agent it runs on (from the
// offers the Client has seen) and its ports (discovery.TaskMember says which).
//
// Only tasks this Client launched are announced: it knows their TaskInfo. Their announcements end when Run
// returns (tasks launched by an earlier instance of the framework are not announced by this one). Tasks
// with a custom executor are the executor's to announce (executor.WithAnnouncer), as that is where the
// task's state is known first and the announcement lives exactly as long as the executor.
//
// d is the caller's: Close it after Run returned.
func WithAnnouncer(d *discovery.Client, path string) Option {
	return func(c *config) {
		if d == nil {
			c.problems = append(c.problems, errors.New("WithAnnouncer: nil discovery.Client"))
			return
		}
		if err := discovery.ValidatePath(path); err != nil {
			c.problems = append(c.problems, fmt.Errorf("WithAnnouncer: %w", err))
			return
		}
		c.announcer = &announcerSettings{client: d, path: path}
	}
}

type announcerSettings struct {
	client *discovery.Client
	path   string
}

// taskAnnouncer keeps what the Client knows of the tasks it announces; the announcements themselves are a
// taskannounce.Set. A nil *taskAnnouncer (no WithAnnouncer) does nothing.
type taskAnnouncer struct {
	set *taskannounce.Set

	mu       sync.Mutex
	hosts    map[string]string               // agent ID → hostname, from offers
	launched map[string]*mesosproto.TaskInfo // task ID → TaskInfo, until a terminal state
}

func newTaskAnnouncer(cfg *announcerSettings, log *zap.Logger) *taskAnnouncer {
	if cfg == nil {
		return nil
	}
	return &taskAnnouncer{set: taskannounce.New(cfg.client, cfg.path, log), hosts: map[string]string{},
		launched: map[string]*mesosproto.TaskInfo{}}
}

// offers learns the agents' hostnames.
func (a *taskAnnouncer) offers(offers offerBatch) {
	if a == nil {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	for i := range offers.len() {
		if id, host := offers.agent(i), offers.hostname(i); id != "" && host != "" {
			a.hosts[id] = host
		}
	}
}

// launch remembers the tasks of LAUNCH and LAUNCH_GROUP operations that are to be announced.
func (a *taskAnnouncer) launch(ops []*mesosproto.Offer_Operation) {
	if a == nil {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, op := range ops {
		tasks := op.GetLaunch().GetTaskInfos()
		switch op.GetType() {
		case mesosproto.Offer_Operation_LAUNCH:
		case mesosproto.Offer_Operation_LAUNCH_GROUP:
			if op.GetLaunchGroup().GetExecutor().GetType() == mesosproto.ExecutorInfo_CUSTOM {
				continue // a custom executor's tasks are the executor's to announce
			}
			tasks = op.GetLaunchGroup().GetTaskGroup().GetTasks()
		default:
			continue
		}
		for _, t := range tasks {
			if t.GetDiscovery() != nil && t.GetExecutor() == nil && t.GetTaskId().GetValue() != "" {
				a.launched[t.GetTaskId().GetValue()] = t
			}
		}
	}
}

// status announces a task that runs (and is not reported unhealthy) and withdraws it otherwise.
func (a *taskAnnouncer) status(st *mesosproto.TaskStatus) {
	if a == nil {
		return
	}
	id := st.GetTaskId().GetValue()
	a.mu.Lock()
	t, ok := a.launched[id]
	if ok && mesosproto.IsTerminalState(st.GetState()) {
		delete(a.launched, id)
	}
	agent := st.GetAgentId().GetValue()
	if agent == "" {
		agent = t.GetAgentId().GetValue()
	}
	host := a.hosts[agent]
	a.mu.Unlock()
	if ok {
		a.set.Follow(st, host, t)
	}
}

// end withdraws every announcement; Run calls it when it returns.
func (a *taskAnnouncer) end() {
	if a == nil {
		return
	}
	a.set.End()
}
