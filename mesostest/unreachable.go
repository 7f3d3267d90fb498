// SPDX-License-Identifier: Apache-2.0

package mesostest

import (
	"fmt"
)

// DefaultMaxUnreachableTasksPerFramework is the master's
// --max_unreachable_tasks_per_framework default
// (src/master/constants.hpp DEFAULT_MAX_UNREACHABLE_TASKS_PER_FRAMEWORK).
const DefaultMaxUnreachableTasksPerFramework = 1000

// WithMaxUnreachableTasksPerFramework sets how many unreachable tasks the
// master remembers per framework (the master's
// --max_unreachable_tasks_per_framework, default 1000). Their ids cannot be
// used for new tasks ("Task reuses the ID of an unreachable task"); the
// oldest is forgotten first. 0 remembers none.
func WithMaxUnreachableTasksPerFramework(n int) Option {
	return func(c *config) {
		c.fidelity.maxUnreachableTasks = n
		c.fidelity.maxUnreachableTasksSet = true
	}
}

// maxUnreachableTasks is the configured limit, or Mesos's default.
func (s *Server) maxUnreachableTasks() int {
	if s.cfg.fidelity.maxUnreachableTasksSet {
		return s.cfg.fidelity.maxUnreachableTasks
	}
	return DefaultMaxUnreachableTasksPerFramework
}

func validateMaxUnreachableTasks(c *config) error {
	if c.fidelity.maxUnreachableTasks < 0 {
		return fmt.Errorf("%w: WithMaxUnreachableTasksPerFramework(%d) must not be negative", ErrInvalidOption, c.fidelity.maxUnreachableTasks)
	}
	return nil
}

// unreachableTasks is Framework::unreachableTasks (src/master/framework.hpp):
// a BoundedHashMap of the ids of the framework's tasks that were on agents
// marked unreachable, in insertion order; setting an id beyond the limit
// evicts the oldest. Like Mesos's, it lives in the leading master's memory
// only and is empty after a master failover (MESOS-6785).
type unreachableTasks struct {
	order []string // oldest first; a re-set id is moved to the end
	ids   map[string]bool
}

func (u *unreachableTasks) contains(id string) bool { return u != nil && u.ids[id] }

// set is Framework::addUnreachableTask.
func (u *unreachableTasks) set(id string, limit int) {
	if limit <= 0 {
		return
	}
	if u.ids == nil {
		u.ids = map[string]bool{}
	}
	if u.ids[id] {
		for i, x := range u.order {
			if x == id {
				u.order = append(u.order[:i], u.order[i+1:]...)
				break
			}
		}
	}
	u.ids[id] = true
	u.order = append(u.order, id)
	for len(u.order) > limit {
		delete(u.ids, u.order[0])
		u.order[0] = ""
		u.order = u.order[1:]
	}
}

// addUnreachableTaskLocked records that task id of framework fwID went
// unreachable with its agent (Master::__removeSlave calling
// Master::removeTask with unreachable=true, then
// Framework::addUnreachableTask), whether or not the framework is
// partition-aware. A framework the master does not know (not yet
// re-subscribed after a failover) records nothing, as in Mesos.
func (m *master) addUnreachableTaskLocked(fwID, id string) {
	if fw := m.st.frameworks[fwID]; fw != nil {
		fw.unreachable.set(id, m.s.maxUnreachableTasks())
	}
}
