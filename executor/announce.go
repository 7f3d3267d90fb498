// SPDX-License-Identifier: Apache-2.0

package executor

import (
	"errors"
	"fmt"

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

// announceStatus follows a status update the Executor journalled: TASK_RUNNING announces the task,
// anything else withdraws it (internal/taskannounce). It never blocks on ZooKeeper.
func (x *Executor) announceStatus(st *mesosproto.TaskStatus) {
	if x.announcer == nil {
		return
	}
	x.mu.Lock()
	var info *mesosproto.TaskInfo
	if t, ok := x.tasks[st.GetTaskId().GetValue()]; ok {
		info = t.info
	}
	host := x.subscribed.GetAgentInfo().GetHostname()
	x.mu.Unlock()
	x.announcer.Follow(st, host, info)
}
