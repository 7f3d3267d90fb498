// SPDX-License-Identifier: Apache-2.0

package mesostest

import (
	"net/http"
	"sort"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/masterpb"
)

// Draining agents through the operator API (DRAIN_AGENT): the master's
// side (Master::Http::drainAgent and _drainAgent in src/master/http.cpp,
// Master::checkAndTransitionDrainingAgent in src/master/master.cpp) and the
// agent's (Slave::drain and Slave::statusUpdate in src/slave/slave.cpp).
// Mesos keeps the DrainInfo in the registry, so it is cluster-wide here and
// survives a master failover. See docs/PROTOCOL.md "Agent draining".

// agentDrain is what the master knows of a draining or drained agent.
type agentDrain struct {
	info  *mesosproto.DrainInfo // state and config, as GET_AGENTS and /state show them
	start time.Time             // Slave::estimatedDrainStartTime; zero when unknown
}

// drainAgentLocked is Master::Http::drainAgent then _drainAgent, in their
// order of checks:
//
//  1. a registered agent whose machine is in a window of the maintenance
//     schedule: 400 "Agent <id> is part of a maintenance schedule under
//     Machine <machine>";
//  2. a registered agent without the AGENT_DRAINING capability: 400 (every
//     mesostest agent has it);
//  3. authorization of DRAIN_AGENT and, with mark_gone, MARK_AGENT_GONE
//     (mesostest does not authorize operator calls);
//  4. an agent neither registered, recovered nor unreachable (never known,
//     or gone): 400 "Unknown agent";
//  5. an agent being marked gone: 409 (never seen here: marking gone is
//     synchronous in mesostest).
//
// An agent already draining or drained is drained again with the new
// configuration: Mesos has no check for it. The agent is then DRAINING and
// deactivated; a registered one loses its offers and kills its tasks, and
// is DRAINED (or gone, with mark_gone) once it has no task and no operation
// left.
func (m *master) drainAgentLocked(d *masterpb.Call_DrainAgent) (int, string) {
	s := m.s
	id := d.GetAgentId().GetValue()
	a := s.agentByID[id]
	if m.registeredLocked(a) {
		if mc := s.scheduledMachineLocked(a); mc != nil {
			return http.StatusBadRequest, "Agent " + id + " is part of a maintenance schedule under Machine " + machineStringify(mc)
		}
	}
	if !s.knownAgentLocked(a) {
		return http.StatusBadRequest, "Unknown agent"
	}
	cfg := &mesosproto.DrainConfig{MarkGone: proto.Bool(d.GetMarkGone())}
	if g := d.GetMaxGracePeriod(); g != nil {
		// devolve(const v1::master::Call&) turns the google.protobuf.Duration
		// into a DurationInfo: seconds * 10^9 + nanos (src/internal/devolve.cpp).
		cfg.MaxGracePeriod = &mesosproto.DurationInfo{Nanoseconds: proto.Int64(g.GetSeconds()*1e9 + int64(g.GetNanos()))}
	}
	if s.op.draining == nil {
		s.op.draining = map[string]*agentDrain{}
	}
	dr := &agentDrain{info: &mesosproto.DrainInfo{State: mesosproto.DrainState_DRAINING.Enum(), Config: cfg}}
	s.op.draining[id] = dr
	m.deactivateAgentLocked(id) // slaves.deactivated and Master::deactivate
	if m.registeredLocked(a) {
		dr.start = time.Now()
		s.drainAgentTasksLocked(a, cfg) // DrainSlaveMessage (Slave::drain)
		m.checkDrainedLocked(a)
	}
	s.notifyLocked()
	return http.StatusOK, ""
}

// knownAgentLocked reports whether the master knows agent a: registered,
// recovered or unreachable, but not gone (slaves.registered, recovered and
// unreachable in Master::Http::_drainAgent and _deactivateAgent).
func (s *Server) knownAgentLocked(a *agent) bool {
	return a != nil && !s.op.gone[a.id]
}

// scheduledMachineLocked returns the MachineID of a window of the
// maintenance schedule that a's machine matches, if any (MachineID's
// operator==: hostname case-insensitively, and ip).
func (s *Server) scheduledMachineLocked(a *agent) *mesosproto.MachineID {
	for _, w := range s.op.schedule.GetWindows() {
		for _, id := range w.GetMachineIds() {
			if machineKeyOf(id) == agentMachine(a) {
				return id
			}
		}
	}
	return nil
}

// machineStringify is operator<<(ostream&, const MachineID&)
// (src/common/type_utils.cpp): "host (ip)", "host" or "(ip)".
func machineStringify(id *mesosproto.MachineID) string {
	switch {
	case id.Hostname != nil && id.Ip != nil:
		return id.GetHostname() + " (" + id.GetIp() + ")"
	case id.Hostname != nil:
		return id.GetHostname()
	}
	return "(" + id.GetIp() + ")"
}

// drainAgentTasksLocked is Slave::drain: every task of the agent is killed,
// with its kill policy capped by the configuration's max_grace_period
// (calculateKillPolicy: the cap replaces a task's grace period when the task
// has none or a longer one; without a cap the task's own policy holds).
// Tasks are killed in framework and task id order.
func (s *Server) drainAgentTasksLocked(a *agent, cfg *mesosproto.DrainConfig) {
	var tasks []*task
	for _, t := range s.tasks {
		if t.agent == a && !t.terminated && !t.gone {
			tasks = append(tasks, t)
		}
	}
	sort.Slice(tasks, func(i, j int) bool {
		if tasks[i].key.framework != tasks[j].key.framework {
			return tasks[i].key.framework < tasks[j].key.framework
		}
		return tasks[i].key.task < tasks[j].key.task
	})
	for _, t := range tasks {
		t.killLocked(drainKillPolicy(cfg.GetMaxGracePeriod(), t.taskGrace()))
	}
}

// taskGrace returns the grace period of the task's own KillPolicy, if any
// (a simulated task keeps no TaskInfo and is killed at once anyway).
func (t *task) taskGrace() *mesosproto.DurationInfo {
	return t.info.GetKillPolicy().GetGracePeriod()
}

// drainKillPolicy is calculateKillPolicy in Slave::drain: nil (the task's
// own policy) without a cap or when the task's grace period is within it.
func drainKillPolicy(maxGrace, taskGrace *mesosproto.DurationInfo) *mesosproto.KillPolicy {
	if maxGrace == nil {
		return nil
	}
	if taskGrace == nil || maxGrace.GetNanoseconds() < taskGrace.GetNanoseconds() {
		return &mesosproto.KillPolicy{GracePeriod: &mesosproto.DurationInfo{Nanoseconds: proto.Int64(maxGrace.GetNanoseconds())}}
	}
	return nil
}

// drainingLocked returns the drain configuration of agent a while it is
// draining (the agent's drainConfig in Slave::statusUpdate); nil otherwise.
// The agent clears its own once it has no framework or operation left
// (Slave::updateDrainStatus); here it holds until the master sees the agent
// DRAINED (docs/MESOSTEST-DEVIATIONS.md).
func (s *Server) drainingLocked(a *agent) *mesosproto.DrainConfig {
	dr := s.op.draining[a.id]
	if dr == nil || dr.info.GetState() != mesosproto.DrainState_DRAINING {
		return nil
	}
	return dr.info.GetConfig()
}

// drainStatus is Slave::statusUpdate's rewrite of a TASK_KILLING or
// TASK_KILLED update of a draining agent: the reason becomes
// REASON_AGENT_DRAINING (v1 name of REASON_SLAVE_DRAINING) and, when the agent will be marked gone, the state
// of a PARTITION_AWARE framework's task TASK_GONE_BY_OPERATOR. It returns
// the state and reason to use.
func (t *task) drainStatus(state mesosproto.TaskState, reason *mesosproto.TaskStatus_Reason) (mesosproto.TaskState, *mesosproto.TaskStatus_Reason) {
	if state != mesosproto.TaskState_TASK_KILLING && state != mesosproto.TaskState_TASK_KILLED {
		return state, reason
	}
	cfg := t.s.drainingLocked(t.agent)
	if cfg == nil {
		return state, reason
	}
	if cfg.GetMarkGone() && hasCapability(t.agent.frameworks[t.key.framework], mesosproto.FrameworkInfo_Capability_PARTITION_AWARE) {
		state = mesosproto.TaskState_TASK_GONE_BY_OPERATOR
	}
	return state, mesosproto.TaskStatus_REASON_AGENT_DRAINING.Enum()
}

// checkDrainedLocked is Master::checkAndTransitionDrainingAgent, which the
// master runs after _drainAgent, after each status update and operation
// acknowledgement and when the agent re-registers: a DRAINING agent with no
// task and no operation left becomes DRAINED, or, with mark_gone, is marked
// gone (Master::markGone, which forgets its DrainInfo).
func (m *master) checkDrainedLocked(a *agent) {
	s := m.s
	if a == nil {
		return
	}
	dr := s.op.draining[a.id]
	if dr == nil || dr.info.GetState() == mesosproto.DrainState_DRAINED {
		return
	}
	if len(a.operations) > 0 {
		return
	}
	for _, t := range s.tasks {
		if t.agent == a {
			return
		}
	}
	if dr.info.GetConfig().GetMarkGone() {
		m.markAgentGoneLocked(a.id) // operator_gone.go
		return
	}
	dr.info.State = mesosproto.DrainState_DRAINED.Enum()
	s.notifyLocked()
}

// operatorDrainFields fills the drain fields of an agent of GET_AGENTS
// (protobuf::master::event::createAgentResponse): deactivated, and the
// DrainInfo with the estimated drain start time in whole seconds when known.
func (s *Server) operatorDrainFields(a *agent, out *masterpb.Response_GetAgents_Agent) {
	out.Deactivated = proto.Bool(s.op.deactivated[a.id])
	out.Active = proto.Bool(!s.op.deactivated[a.id])
	dr := s.op.draining[a.id]
	if dr == nil {
		return
	}
	out.DrainInfo = proto.CloneOf(dr.info)
	if !dr.start.IsZero() {
		// Seconds(estimatedDrainStartTime->secs()).ns(): through a double.
		out.EstimatedDrainStartTime = &mesosproto.TimeInfo{Nanoseconds: proto.Int64(int64(secs(dr.start) * 1e9))}
	}
}

// writeSlaveDrain is the end of SlaveWriter::operator()
// (src/master/readonly_handler.cpp): "drain_info" as JSON::Protobuf, and
// "estimated_drain_start_time_seconds" when known.
func (s *Server) writeSlaveDrain(w *jsonWriter, a *agent) {
	dr := s.op.draining[a.id]
	if dr == nil {
		return
	}
	w.protobuf("drain_info", dr.info)
	if !dr.start.IsZero() {
		w.double("estimated_drain_start_time_seconds", secs(dr.start))
	}
}
