// SPDX-License-Identifier: Apache-2.0

package mesostest

import (
	"sort"

	"go.uber.org/zap"
	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/schedulerpb"
)

// reconcileLocked is Master::reconcile. Every answer is an UPDATE with
// source MASTER, reason RECONCILIATION and no uuid. Tasks on agents that
// have not re-registered with this master, or were marked unreachable, are
// unknown to it.
func (m *master) reconcileLocked(fw *framework, list []*schedulerpb.Call_Reconcile_Task) {
	s := m.s
	const why = mesosproto.TaskStatus_REASON_RECONCILIATION
	if len(list) == 0 {
		// Implicit: every task the master knows for the framework.
		var tasks []*task
		for k, t := range s.tasks {
			if k.framework == fw.id && !t.gone && m.registeredLocked(t.agent) {
				tasks = append(tasks, t)
			}
		}
		sort.Slice(tasks, func(i, j int) bool { return tasks[i].key.task < tasks[j].key.task })
		for _, t := range tasks {
			m.reconcileReplyLocked(fw, t.key.task, t.agent.id, t.reportedState(), why, "Reconciliation: Latest task state", t, nil)
		}
		return
	}
	for _, rt := range list {
		id := rt.GetTaskId().GetValue()
		agentID := rt.GetAgentId().GetValue()
		if t := s.tasks[taskKey{fw.id, id}]; t != nil && !t.gone && m.registeredLocked(t.agent) {
			m.reconcileReplyLocked(fw, id, t.agent.id, t.reportedState(), why, "Reconciliation: Latest task state", t, nil)
			continue
		}
		a := s.agentByID[agentID]
		switch {
		case (rt.AgentId != nil && m.st.recovered[agentID]) || (rt.AgentId == nil && m.anyRecoveredLocked()):
			// The agent (or, with no agent named, some agent) has not
			// re-registered yet: the task may be there. No answer at all.
			s.log.Debug("dropping reconciliation of a task while agents recover", zap.String("task_id", id))
		case rt.AgentId != nil && a != nil && m.registeredLocked(a):
			m.reconcileReplyLocked(fw, id, agentID, lostState(fw, mesosproto.TaskState_TASK_GONE), why, "Reconciliation: Task is unknown to the agent", nil, nil)
		case rt.AgentId != nil && a != nil && a.unreachable != nil:
			m.reconcileReplyLocked(fw, id, agentID, lostState(fw, mesosproto.TaskState_TASK_UNREACHABLE), why, "Reconciliation: Task is unreachable", nil, a.unreachable)
		default:
			m.reconcileReplyLocked(fw, id, agentID, lostState(fw, mesosproto.TaskState_TASK_UNKNOWN), why, "Reconciliation: Task is unknown", nil, nil)
		}
	}
}

// reportedState is what reconciliation reports: the state of the update the
// master forwarded last if it is not yet acknowledged, else the latest state.
func (t *task) reportedState() mesosproto.TaskState {
	if t.updateState != nil {
		return *t.updateState
	}
	return t.state
}

func (m *master) reconcileReplyLocked(fw *framework, taskID, agentID string, state mesosproto.TaskState, reason mesosproto.TaskStatus_Reason, msg string, t *task, unreachable *mesosproto.TimeInfo) {
	st := masterStatus(taskID, agentID, t, state, reason, msg)
	t.reconcileHealthLocked(st) // healthy, check_status (agent_health.go)
	if unreachable != nil {
		st.UnreachableTime = proto.Clone(unreachable).(*mesosproto.TimeInfo)
	}
	fw.sendLocked(updateEvent(st))
}
