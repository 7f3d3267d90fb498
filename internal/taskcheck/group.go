// SPDX-License-Identifier: Apache-2.0

package taskcheck

import "github.com/mesoskit/mesoskit/mesosproto"

// Group is the default executor's rule for one task group
// (src/launcher/default_executor.cpp waited()): "the default restart policy
// for a task group is to kill all the remaining child containers if one of
// them terminated with a non-zero exit code". When a task of the group ends
// TASK_FAILED or TASK_KILLED, and the executor is not shutting down, every
// other task of the group still live is killed, once per group; tasks that
// end TASK_FINISHED change nothing. Mesos kills them with its default grace
// period (kill(container) without one: 3 s), sending TASK_KILLING to
// frameworks that understand it; their terminal updates are TASK_KILLED.
//
// A Group is not safe for concurrent use: its owner locks it.
type Group struct {
	order   []string
	live    map[string]bool
	killing bool
}

// NewGroup is the group of the tasks of one LAUNCH_GROUP, all live.
func NewGroup(taskIDs []string) *Group {
	g := &Group{order: append([]string(nil), taskIDs...), live: make(map[string]bool, len(taskIDs))}
	for _, id := range taskIDs {
		g.live[id] = true
	}
	return g
}

// Ended records that task id reached terminal state and returns the tasks
// of the group the executor must kill now, in the group's order.
func (g *Group) Ended(id string, state mesosproto.TaskState, shuttingDown bool) []string {
	if !g.live[id] {
		return nil
	}
	delete(g.live, id)
	if shuttingDown || g.killing ||
		(state != mesosproto.TaskState_TASK_FAILED && state != mesosproto.TaskState_TASK_KILLED) {
		return nil
	}
	g.killing = true
	var kill []string
	for _, other := range g.order {
		if g.live[other] {
			kill = append(kill, other)
		}
	}
	return kill
}

// Killing reports whether the group is being killed because one of its
// tasks failed or was killed.
func (g *Group) Killing() bool { return g.killing }

// Live is the number of the group's tasks not yet terminal.
func (g *Group) Live() int { return len(g.live) }
