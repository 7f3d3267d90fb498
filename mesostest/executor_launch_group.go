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
		if ei.GetType() == mesosproto.ExecutorInfo_DEFAULT {
			return mesosErr("mesostest: the DEFAULT executor is not supported; use a CUSTOM one")
		}
		if ei.GetCommand().GetValue() == "" {
			return mesosErr("'ExecutorInfo.command' must be set for a 'CUSTOM' executor")
		}
		exRes, err := resourcesFromProto(ei.GetResources())
		if err != nil {
			return mesosErr("Executor uses invalid resources: " + err.Error())
		}
		total = exRes
		ids := map[string]bool{}
		for _, ti := range tasks {
			id := ti.GetTaskId().GetValue()
			if err := validateID(id); err != nil {
				return err
			}
			if ids[id] {
				return mesosErr("Task has duplicate ID: " + id)
			}
			ids[id] = true
			if t := s.tasks[taskKey{fw.id, id}]; t != nil && !t.gone {
				return mesosErr("Task has duplicate ID: " + id)
			}
			if ti.GetAgentId().GetValue() != a.id {
				return mesosErr("Task uses invalid agent " + ti.GetAgentId().GetValue() + " while agent " + a.id + " is expected")
			}
			if ti.Executor != nil && !proto.Equal(ti.GetExecutor(), ei) {
				return mesosErr("The `ExecutorInfo` of task '" + id + "' is different from executor '" + ei.GetExecutorId().GetValue() + "'")
			}
			if d := ti.GetKillPolicy().GetGracePeriod(); d != nil && d.GetNanoseconds() < 0 {
				return mesosErr("Task's 'kill_policy.grace_period' must be non-negative")
			}
			if len(ti.GetResources()) == 0 {
				return mesosErr("Task uses no resources")
			}
			res, err := resourcesFromProto(ti.GetResources())
			if err != nil {
				return mesosErr("Task uses invalid resources: " + err.Error())
			}
			perTask = append(perTask, res)
			total = total.plus(res)
		}
		if !remaining.contains(total) {
			return mesosErr("Total resources " + total.String() + " required by task group and its executor is more than available " + remaining.String())
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
		if i == 0 {
			res = res.plus(total.minus(sumResources(perTask))) // the executor's share rides on the first task
		}
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
	s.launchOnExecutorGroupLocked(fw, ei, group, true)
	return remaining.minus(total)
}

func sumResources(rs []resources) resources {
	out := resources{}
	for _, r := range rs {
		out = out.plus(r)
	}
	return out
}
