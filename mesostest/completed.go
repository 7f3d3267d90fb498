// SPDX-License-Identifier: Apache-2.0

package mesostest

import (
	"github.com/mesoskit/mesoskit/mesosproto"
)

// DefaultMaxCompletedTasksPerFramework is the master's
// --max_completed_tasks_per_framework default
// (src/master/constants.hpp DEFAULT_MAX_COMPLETED_TASKS_PER_FRAMEWORK):
// how many completed tasks of each framework the cluster remembers.
const DefaultMaxCompletedTasksPerFramework = 1000

// completedTasks is a framework's bounded list of completed tasks, as the
// master's Framework::completedTasks (src/master/framework.cpp): a task that
// leaves the cluster (its terminal update acknowledged, its framework
// removed, its agent lost, or refused by the master before it started)
// enters it, and the oldest entry beyond the limit is evicted together with
// the test-facing history of that task: its acknowledgement counts in
// Framework, which are folded into the totals, and its statuses
// (TaskUpdates, WaitTask), kept by task id alone, once no framework runs or
// remembers a task of that id. Guarded by Server.mu.
type completedTasks struct {
	ring  []string       // task ids, oldest at head
	tasks []*task        // the task of each ring entry, nil for tasks that never reached an agent (master_readonly_state.go)
	head  int            // index of the oldest entry once the ring is full
	count map[string]int // entries per task id (a task id may be reused)

	ackedEvicted int // acknowledgements of evicted tasks (FrameworkStatus.AcknowledgedTotal)
	dupEvicted   int // duplicate acknowledgements of evicted tasks
}

// taskCompletedLocked records that task id of framework fwID left the cluster.
func (s *Server) taskCompletedLocked(fwID, id string, t *task) {
	limit := s.cfg.maxCompletedTasks
	rec := s.recordLocked(fwID)
	ct := &rec.completed
	if ct.count == nil {
		ct.count = map[string]int{}
	}
	if limit == 0 {
		s.evictTaskLocked(rec, id)
		return
	}
	ct.count[id]++
	if len(ct.ring) < limit {
		ct.ring = append(ct.ring, id)
		ct.tasks = append(ct.tasks, t)
		return
	}
	old := ct.ring[ct.head]
	ct.ring[ct.head] = id
	ct.tasks[ct.head] = t
	ct.head = (ct.head + 1) % limit
	if ct.count[old]--; ct.count[old] == 0 {
		delete(ct.count, old)
		s.evictTaskLocked(rec, old)
	}
}

// evictTaskLocked forgets task id of rec's framework, unless the framework
// uses the id again: its acknowledgement counts are folded into the totals,
// and its statuses (TaskUpdates, WaitTask), which are kept by task id alone,
// are dropped only when no other framework still runs or remembers a task
// of that id either.
func (s *Server) evictTaskLocked(rec *frameworkRecord, id string) {
	if s.frameworkRemembersLocked(rec, id) {
		return
	}
	if !s.taskIDRememberedLocked(id) {
		delete(s.history, id)
		delete(s.reached, id)
	}
	if n, ok := rec.acked[id]; ok {
		rec.completed.ackedEvicted += n
		delete(rec.acked, id)
	}
	if n, ok := rec.dupAcks[id]; ok {
		rec.completed.dupEvicted += n
		delete(rec.dupAcks, id)
	}
}

// frameworkRemembersLocked reports whether rec's framework runs a task id
// or has one among its completed tasks.
func (s *Server) frameworkRemembersLocked(rec *frameworkRecord, id string) bool {
	return s.tasks[taskKey{rec.id, id}] != nil || rec.completed.count[id] > 0
}

// taskIDRememberedLocked reports whether some framework runs a task id or
// has one among its completed tasks. It costs one lookup per framework.
func (s *Server) taskIDRememberedLocked(id string) bool {
	for _, rec := range s.records {
		if s.frameworkRemembersLocked(rec, id) {
			return true
		}
	}
	return false
}

// removeTaskLocked takes a task out of the cluster (the agent and the master
// forget it) and enters it into its framework's completed tasks.
func (s *Server) removeTaskLocked(t *task) {
	if s.tasks[t.key] != t {
		return
	}
	delete(s.tasks, t.key)
	s.taskCompletedLocked(t.key.framework, t.key.task, t)
}

// masterTerminalLocked enters a task the master ended before it reached
// an agent (TASK_ERROR, TASK_DROPPED or TASK_LOST for invalid offers) into
// its framework's completed tasks.
func (s *Server) masterTerminalLocked(fwID, id string, state mesosproto.TaskState) {
	if !mesosproto.IsTerminalState(state) {
		return
	}
	if t := s.tasks[taskKey{fwID, id}]; t != nil && !t.gone {
		return // a live task of that id (a duplicate launch was refused)
	}
	s.taskCompletedLocked(fwID, id, nil)
}

// countDupAckLocked counts a duplicate acknowledgement (FrameworkStatus.
// DuplicateAcks) for task id of rec's framework: per task while the cluster
// remembers the task or has acknowledgements of it on record (a task of
// SendStatusUpdates), else only in the total, so that late acknowledgements
// of long-forgotten (or never known) tasks cannot grow the per-task map
// without bound.
func (s *Server) countDupAckLocked(rec *frameworkRecord, id string) {
	if _, acked := rec.acked[id]; acked || s.tasks[taskKey{rec.id, id}] != nil || rec.completed.count[id] > 0 {
		rec.dupAcks[id]++
		return
	}
	rec.completed.dupEvicted++
}
