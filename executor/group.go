// SPDX-License-Identifier: Apache-2.0

package executor

import (
	"sync"

	"go.uber.org/zap"

	"github.com/mesoskit/mesoskit/internal/taskcheck"
	"github.com/mesoskit/mesoskit/mesosproto"
)

// taskGroup applies the default executor's task-group rule
// (taskcheck.Group, src/launcher/default_executor.cpp waited()) to the
// tasks of one LAUNCH_GROUP run by a Command with KillGroupOnFailure. Ends
// reported while the group is still being launched wait until every task
// has started, as the default executor waits on its containers only after
// launching them all (__launchGroup, then wait()).
type taskGroup struct {
	mu        sync.Mutex
	rule      *taskcheck.Group
	launching bool
	pending   []groupEnd
}

type groupEnd struct {
	taskID string
	state  mesosproto.TaskState
}

func newTaskGroup(tasks []*mesosproto.TaskInfo) *taskGroup {
	ids := make([]string, 0, len(tasks))
	for _, t := range tasks {
		ids = append(ids, t.GetTaskId().GetValue())
	}
	return &taskGroup{rule: taskcheck.NewGroup(ids), launching: true}
}

// launched is called once every task of the group has been started. A nil
// group does nothing.
func (g *taskGroup) launched(x *Executor) {
	if g == nil {
		return
	}
	g.mu.Lock()
	g.launching = false
	pending := g.pending
	g.pending = nil
	g.mu.Unlock()
	for _, e := range pending {
		g.ended(x, e.taskID, e.state)
	}
}

// ended reports that a task of the group reached its terminal state, and
// kills the group's other tasks when the rule says so. A nil group does
// nothing.
func (g *taskGroup) ended(x *Executor, taskID string, state mesosproto.TaskState) {
	if g == nil {
		return
	}
	x.mu.Lock()
	shuttingDown := x.shuttingDown
	x.mu.Unlock()
	g.mu.Lock()
	if g.launching {
		g.pending = append(g.pending, groupEnd{taskID, state})
		g.mu.Unlock()
		return
	}
	kill := g.rule.Ended(taskID, state, shuttingDown)
	g.mu.Unlock()
	if len(kill) > 0 {
		x.log.Info("killing the task group", zap.String("task_id", taskID), zap.Stringer("state", state), zap.Strings("killing", kill))
	}
	for _, id := range kill {
		x.mu.Lock()
		r := x.running[id]
		x.mu.Unlock()
		if r != nil {
			r.kill(DefaultKillGracePeriod)
		}
	}
}

// isGroupUnhealthy reports whether a failing health check has killed a task
// of a Command group: the terminal updates of group tasks then say
// healthy=false (default_executor.cpp waited(), MESOS-8543).
func (x *Executor) isGroupUnhealthy() bool {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.groupUnhealthy
}
