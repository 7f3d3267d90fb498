// SPDX-License-Identifier: Apache-2.0

package mesostest

import (
	"go.uber.org/zap"
	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/mesosproto"
)

// launchGroupLocked is a LAUNCH_GROUP operation of an ACCEPT: the group is
// validated as a whole (validation::task::group, src/master/validation.cpp);
// a bad group fails every one of its tasks with TASK_ERROR and
// REASON_TASK_GROUP_INVALID; a good one is delivered to its executor as one
// LAUNCH_GROUP event. It returns the resources left over.
func (m *master) launchGroupLocked(fw *framework, a *agent, role string, lg *mesosproto.Offer_Operation_LaunchGroup, remaining resources) resources {
	s := m.s
	tasks := lg.GetTaskGroup().GetTasks()
	ei := lg.GetExecutor()
	total := resources{}
	var newExec resources // the executor's resources when it is new on the agent
	var perTask []resources
	err := func() error {
		switch {
		case ei == nil:
			return mesosErr("'ExecutorInfo' must be set for a task group")
		case ei.Type == nil:
			return mesosErr("'ExecutorInfo.type' must be set")
		case ei.GetType() == mesosproto.ExecutorInfo_UNKNOWN:
			return mesosErr("Unknown executor type")
		case len(tasks) == 0:
			return mesosErr("Task group must not be empty")
		}
		if err := validateDefaultExecutor(ei); err != nil { // agent_default_executor.go
			return err
		}
		if ei.GetType() == mesosproto.ExecutorInfo_CUSTOM && ei.GetCommand().GetValue() == "" {
			return mesosErr("'ExecutorInfo.command' must be set for 'CUSTOM' executor") // executor::internal::validateType
		}
		exRes, err := resourcesFromProto(ei.GetResources())
		if err != nil {
			return mesosErr("Executor uses invalid resources: " + err.Error())
		}
		if !m.agentHasExecutorLocked(fw, a, ei.GetExecutorId().GetValue()) { // charged once (executor_accounting.go)
			total, newExec = exRes, exRes
		}
		ids := map[string]bool{}
		for _, ti := range tasks {
			id := ti.GetTaskId().GetValue()
			if ids[id] {
				return mesosErr("Task has duplicate ID: " + id)
			}
			ids[id] = true
			// task::internal::validateTask, as group::internal::validateTask starts (validate_task.go).
			if err := m.validateTaskFieldsLocked(fw, a, role, ti); err != nil {
				return mesosErr("Task '" + id + "' is invalid: " + err.Error()) // group::validate
			}
			if ti.Executor != nil && !proto.Equal(ti.GetExecutor(), ei) {
				return mesosErr("The `ExecutorInfo` of task '" + id + "' is different from executor '" + ei.GetExecutorId().GetValue() + "'")
			}
			res, err := resourcesFromProto(ti.GetResources())
			if err != nil {
				return mesosErr("Task uses invalid resources: " + err.Error())
			}
			perTask = append(perTask, res)
			total = total.plus(res)
		}
		if !remaining.contains(total) {
			return mesosErr("Total resources " + stringifyAllocated(total, role) + " required by task group and its executor are more than available " + stringifyAllocated(remaining, role))
		}
		return nil
	}()
	if err != nil {
		for _, ti := range tasks {
			m.masterUpdateLocked(fw, ti.GetTaskId().GetValue(), ti.GetAgentId().GetValue(), mesosproto.TaskState_TASK_ERROR,
				mesosproto.TaskStatus_REASON_TASK_GROUP_INVALID, err.Error(), true)
		}
		return remaining
	}

	var group []*task
	for i, ti := range tasks {
		res := perTask[i]
		t := &task{
			s:            s,
			key:          taskKey{fw.id, ti.GetTaskId().GetValue()},
			info:         proto.Clone(ti).(*mesosproto.TaskInfo),
			agent:        a,
			res:          res,
			holdsRes:     true,
			killingState: hasCapability(fw.info, mesosproto.FrameworkInfo_Capability_TASK_KILLING_STATE),
			role:         role,
			state:        mesosproto.TaskState_TASK_STAGING,
			grace:        s.cfg.killGracePeriod,
		}
		a.setUsed(a.used.plus(res))
		s.tasks[t.key] = t
		s.operatorTaskAddedLocked(t) // operator_events.go
		group = append(group, t)
	}
	a.frameworks[fw.id] = proto.Clone(fw.info).(*mesosproto.FrameworkInfo)
	s.log.Info("launching task group", zap.String("framework_id", fw.id), zap.Int("tasks", len(group)), zap.String("agent_id", a.id))
	if ei.GetType() == mesosproto.ExecutorInfo_DEFAULT {
		s.launchDefaultGroupLocked(fw, ei, group) // agent_default_executor.go
	} else {
		s.launchOnExecutorGroupLocked(fw, ei, group, true)
		s.chargeExecutorLocked(fw, a, ei, newExec) // held until the executor exits (executor_accounting.go)
	}
	return remaining.minus(total)
}
