// SPDX-License-Identifier: Apache-2.0

package mesostest

import (
	"net"
	"sort"
	"strconv"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/masterpb"
)

// The read side of the operator API, built from the one cluster model (the
// agents, tasks and the leader's frameworks): nothing here keeps state.

// versionInfo is what GET_VERSION reports: src/version/version.hpp
// version() (evolved by evolve<GET_VERSION>, src/internal/evolve.cpp).
func versionInfo() *mesosproto.VersionInfo {
	return &mesosproto.VersionInfo{
		Version:   proto.String(mesosVersion),
		BuildDate: proto.String("mesostest"),
		BuildTime: proto.Float64(0),
		BuildUser: proto.String("mesostest"),
	}
}

// getMasterLocked is Master::Http::getMaster: the MasterInfo and the start
// and election times in seconds.
func (m *master) getMasterLocked() *masterpb.Response_GetMaster {
	now := float64(time.Now().UnixNano()) / 1e9
	return &masterpb.Response_GetMaster{
		MasterInfo:  proto.CloneOf(m.info),
		StartTime:   proto.Float64(now),
		ElectedTime: proto.Float64(now),
	}
}

// getStateLocked is Master::Http::_getState: tasks, executors, frameworks
// and agents, in that field order.
func (m *master) getStateLocked() *masterpb.Response_GetState {
	return &masterpb.Response_GetState{
		GetTasks:      m.getTasksLocked(),
		GetExecutors:  m.getExecutorsLocked(),
		GetFrameworks: m.getFrameworksLocked(),
		GetAgents:     m.getAgentsLocked(),
	}
}

// getAgentsLocked is Master::Http::_getAgents: every registered agent with
// its total, allocated and offered resources. Agents marked unreachable are
// not registered and are left out, as Mesos does.
func (m *master) getAgentsLocked() *masterpb.Response_GetAgents {
	out := &masterpb.Response_GetAgents{}
	m.eachAgentLocked(func(ag *masterpb.Response_GetAgents_Agent) { out.Agents = append(out.Agents, ag) })
	return out
}

// eachAgentLocked hands f the agents of GET_AGENTS one by one, in order
// (GET_STATE encodes them as they come: operator_state_stream.go).
func (m *master) eachAgentLocked(f func(*masterpb.Response_GetAgents_Agent)) {
	for _, a := range m.s.agents {
		if a.unreachable != nil {
			continue
		}
		ag := operatorAgentWith(a, m.s.op.deactivated[a.id])
		m.s.operatorDrainFields(a, ag) // drain_info (operator_drain.go)
		f(ag)
	}
}

// operatorAgent is protobuf::master::event::createAgentResponse
// (src/common/protobuf_utils.cpp) for a fake agent.
func operatorAgent(a *agent) *masterpb.Response_GetAgents_Agent {
	return operatorAgentWith(a, false)
}

// operatorAgentWith is operatorAgent for an agent deactivated or not
// (Master::Http::_deactivateAgent clears Slave::active).
func operatorAgentWith(a *agent, deactivated bool) *masterpb.Response_GetAgents_Agent {
	info := a.agentInfo()
	info.Resources = a.total.toProto("", true)
	info.Attributes = a.attributes
	return &masterpb.Response_GetAgents_Agent{
		AgentInfo:          info,
		Active:             proto.Bool(!deactivated),
		Deactivated:        proto.Bool(deactivated),
		Version:            proto.String(mesosVersion),
		Pid:                proto.String("slave(1)@" + net.JoinHostPort(agentIP(a.hostname), strconv.Itoa(a.port))), // as agentPID
		TotalResources:     a.total.toProto("", true),
		AllocatedResources: a.used.toProto("", true),
		OfferedResources:   a.offered.toProto("", true),
	}
}

// getFrameworksLocked is Master::Http::_getFrameworks: the leader's
// frameworks (connected, disconnected and recovered).
func (m *master) getFrameworksLocked() *masterpb.Response_GetFrameworks {
	out := &masterpb.Response_GetFrameworks{}
	m.eachFrameworkLocked(func(f *masterpb.Response_GetFrameworks_Framework) { out.Frameworks = append(out.Frameworks, f) })
	return out
}

// eachFrameworkLocked hands f the frameworks of GET_FRAMEWORKS one by one,
// by framework id.
func (m *master) eachFrameworkLocked(f func(*masterpb.Response_GetFrameworks_Framework)) {
	if m.st == nil {
		return
	}
	ids := make([]string, 0, len(m.st.frameworks))
	for id := range m.st.frameworks {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		f(operatorFramework(m.st.frameworks[id]))
	}
}

// operatorFramework is the master's view of fw (Master::ReadOnlyHandler
// frameworks, createFrameworkAdded).
func operatorFramework(fw *framework) *masterpb.Response_GetFrameworks_Framework {
	var offered resources
	for _, o := range fw.offers {
		offered = offered.plus(o.res)
	}
	return &masterpb.Response_GetFrameworks_Framework{
		FrameworkInfo:      proto.CloneOf(fw.info),
		Active:             proto.Bool(fw.conn == frameworkConnected),
		Connected:          proto.Bool(fw.conn == frameworkConnected),
		Recovered:          proto.Bool(fw.conn == frameworkRecovered),
		AllocatedResources: fw.m.s.frameworkAllocatedLocked(fw.id).toProto("", true),
		OfferedResources:   offered.toProto("", true),
		OfferConstraints:   proto.CloneOf(fw.constraints),
	}
}

// frameworkAllocatedLocked sums the resources held by the framework's tasks.
func (s *Server) frameworkAllocatedLocked(fwID string) resources {
	var out resources
	for k, t := range s.tasks {
		if k.framework == fwID && t.holdsRes {
			out = out.plus(t.res)
		}
	}
	return out
}

// getTasksLocked is Master::Http::_getTasks: the tasks the agents run, as
// mesos.v1.Task (src/common/protobuf_utils.cpp createTask), with the
// statuses the master saw.
func (m *master) getTasksLocked() *masterpb.Response_GetTasks {
	out := &masterpb.Response_GetTasks{}
	m.eachTaskLocked(func(pt *mesosproto.Task, completed bool) {
		if completed {
			out.CompletedTasks = append(out.CompletedTasks, pt)
			return
		}
		out.Tasks = append(out.Tasks, pt)
	})
	return out
}

// eachTaskLocked hands f the tasks of GET_TASKS one by one, by framework
// and task id, each marked as completed (terminal) or not.
func (m *master) eachTaskLocked(f func(pt *mesosproto.Task, completed bool)) {
	m.eachTaskCachedLocked(nil, f)
}

// eachTaskCachedLocked is eachTaskLocked with the tasks' resources taken
// from rc (nil: made for each task).
func (m *master) eachTaskCachedLocked(rc *resProtoCache, f func(pt *mesosproto.Task, completed bool)) {
	s := m.s
	keys := make([]taskKey, 0, len(s.tasks))
	for k := range s.tasks {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].framework != keys[j].framework {
			return keys[i].framework < keys[j].framework
		}
		return keys[i].task < keys[j].task
	})
	for _, k := range keys {
		t := s.tasks[k]
		f(operatorTaskCached(t, s.history[k.task], rc), mesosproto.IsTerminalState(t.state))
	}
	m.eachCompletedTaskLocked(rc, func(pt *mesosproto.Task) { f(pt, true) })
}

// eachCompletedTaskLocked hands f the tasks of every framework's completed
// tasks cache (Framework::completedTasks, bounded by
// --max_completed_tasks_per_framework), oldest first, by framework id: Mesos
// lists them among GET_TASKS' completed_tasks
// (Master::ReadOnlyHandler::serializeGetTasks and jsonifyGetTasks,
// src/master/readonly_handler.cpp). Tasks the master refused before they
// reached an agent are remembered by id only and left out.
func (m *master) eachCompletedTaskLocked(rc *resProtoCache, f func(pt *mesosproto.Task)) {
	s := m.s
	ids := make([]string, 0, len(s.records))
	for id := range s.records {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		ct := &s.records[id].completed
		for i := range ct.tasks {
			t := ct.tasks[(ct.head+i)%len(ct.tasks)]
			if t != nil {
				f(operatorTaskCached(t, s.history[t.key.task], rc))
			}
		}
	}
}

// operatorTask renders t as protobuf::createTask does.
func operatorTask(t *task, statuses []*mesosproto.TaskStatus) *mesosproto.Task {
	return operatorTaskCached(t, statuses, nil)
}

// operatorTaskCached is operatorTask with the resources from rc, if not nil.
func operatorTaskCached(t *task, statuses []*mesosproto.TaskStatus, rc *resProtoCache) *mesosproto.Task {
	pt := &mesosproto.Task{
		Name:        proto.String(t.info.GetName()),
		TaskId:      t.taskIDProto(),
		FrameworkId: &mesosproto.FrameworkID{Value: proto.String(t.key.framework)},
		AgentId:     t.agent.idProto(),
		State:       t.state.Enum(),
		Resources:   rc.toProto(t.res, t.role),
		Statuses:    statuses,
	}
	if t.info.GetExecutor() != nil {
		pt.ExecutorId = t.info.GetExecutor().GetExecutorId()
	}
	if t.updateState != nil {
		pt.StatusUpdateState = t.updateState.Enum()
		pt.StatusUpdateUuid = t.updateUUID
	}
	if ti := t.info; ti != nil {
		pt.Labels, pt.Discovery, pt.Container = ti.Labels, ti.Discovery, ti.Container
		pt.HealthCheck, pt.KillPolicy, pt.Limits = ti.HealthCheck, ti.KillPolicy, ti.Limits
		// Copied when set: the task's command's, else its executor's.
		if c := ti.GetCommand(); c != nil && c.User != nil {
			pt.User = c.User
		} else if c := ti.GetExecutor().GetCommand(); c != nil && c.User != nil {
			pt.User = c.User
		}
	}
	return pt
}

// getExecutorsLocked is Master::Http::_getExecutors: the custom executors
// the agents run (the command executor is not reported, as in Mesos).
func (m *master) getExecutorsLocked() *masterpb.Response_GetExecutors {
	out := &masterpb.Response_GetExecutors{}
	m.eachExecutorLocked(func(e *masterpb.Response_GetExecutors_Executor) { out.Executors = append(out.Executors, e) })
	return out
}

// eachExecutorLocked hands f the executors of GET_EXECUTORS one by one.
func (m *master) eachExecutorLocked(f func(*masterpb.Response_GetExecutors_Executor)) {
	seen := map[string]bool{}
	keys := make([]taskKey, 0, len(m.s.tasks))
	for k := range m.s.tasks {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i].task < keys[j].task })
	for _, k := range keys {
		t := m.s.tasks[k]
		ei := t.info.GetExecutor()
		if ei == nil || mesosproto.IsTerminalState(t.state) {
			continue
		}
		id := t.agent.id + "/" + k.framework + "/" + ei.GetExecutorId().GetValue()
		if seen[id] {
			continue
		}
		seen[id] = true
		f(&masterpb.Response_GetExecutors_Executor{
			ExecutorInfo: ei,
			AgentId:      t.agent.idProto(),
		})
	}
}
