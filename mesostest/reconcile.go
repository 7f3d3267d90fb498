// SPDX-License-Identifier: Apache-2.0

package mesostest

import (
	"sort"

	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/schedulerpb"
)

// reconcileLocked is Master::reconcile. Every answer is an UPDATE with
// source MASTER, reason RECONCILIATION and no uuid.
func (m *master) reconcileLocked(fw *framework, list []*schedulerpb.Call_Reconcile_Task) {
	s := m.s
	const why = mesosproto.TaskStatus_REASON_RECONCILIATION
	if len(list) == 0 {
		// Implicit: every task the master knows for the framework.
		var tasks []*task
		for k, t := range s.tasks {
			if k.framework == fw.id && !t.gone {
				tasks = append(tasks, t)
			}
		}
		sort.Slice(tasks, func(i, j int) bool { return tasks[i].key.task < tasks[j].key.task })
		for _, t := range tasks {
			m.reconcileReplyLocked(fw, t.key.task, t.agent.id, t.reportedState(), why, "Reconciliation: Latest task state", t)
		}
		return
	}
	for _, rt := range list {
		id := rt.GetTaskId().GetValue()
		agentID := rt.GetAgentId().GetValue()
		if t := s.tasks[taskKey{fw.id, id}]; t != nil && !t.gone {
			m.reconcileReplyLocked(fw, id, t.agent.id, t.reportedState(), why, "Reconciliation: Latest task state", t)
			continue
		}
		// Agents re-register with a new leader at once here, so none is ever
		// "recovered" (the silent case of Master::reconcile does not arise).
		if rt.AgentId != nil && s.agentByID[agentID] != nil {
			m.reconcileReplyLocked(fw, id, agentID, lostState(fw, mesosproto.TaskState_TASK_GONE), why, "Reconciliation: Task is unknown to the agent", nil)
			continue
		}
		m.reconcileReplyLocked(fw, id, agentID, lostState(fw, mesosproto.TaskState_TASK_UNKNOWN), why, "Reconciliation: Task is unknown", nil)
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

func (m *master) reconcileReplyLocked(fw *framework, taskID, agentID string, state mesosproto.TaskState, reason mesosproto.TaskStatus_Reason, msg string, t *task) {
	st := &mesosproto.TaskStatus{
		TaskId:    &mesosproto.TaskID{Value: proto.String(taskID)},
		State:     state.Enum(),
		Message:   proto.String(msg),
		Source:    mesosproto.TaskStatus_SOURCE_MASTER.Enum(),
		Reason:    reason.Enum(),
		Timestamp: proto.Float64(nowSeconds()),
	}
	if agentID != "" {
		st.AgentId = &mesosproto.AgentID{Value: proto.String(agentID)}
	}
	if t != nil {
		st.ExecutorId = &mesosproto.ExecutorID{Value: proto.String(t.executorID)}
	}
	fw.sendLocked(updateEvent(st))
}

// reconcileOperationsLocked answers RECONCILE_OPERATIONS: no operation with
// feedback ever ran here, so every listed one is unknown (OPERATION_UNKNOWN;
// without agent id or for an unknown agent as well), sent without uuid.
func (m *master) reconcileOperationsLocked(fw *framework, ro *schedulerpb.Call_ReconcileOperations) {
	for _, op := range ro.GetOperations() {
		st := &mesosproto.OperationStatus{
			OperationId: op.GetOperationId(),
			State:       mesosproto.OperationState_OPERATION_UNKNOWN.Enum(),
			AgentId:     op.GetAgentId(),
		}
		if op.ResourceProviderId != nil {
			st.ResourceProviderId = op.GetResourceProviderId()
		}
		fw.sendLocked(&schedulerpb.Event{
			Type:                  schedulerpb.Event_UPDATE_OPERATION_STATUS.Enum(),
			UpdateOperationStatus: &schedulerpb.Event_UpdateOperationStatus{Status: st},
		})
	}
}
