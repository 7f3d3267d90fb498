// SPDX-License-Identifier: Apache-2.0

package mesostest

import (
	"net/http"

	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/masterpb"
)

// The operator calls that take agents away for good: MARK_AGENT_GONE and
// START_MAINTENANCE (src/master/http.cpp). A removed agent never comes
// back to a mesostest cluster, as Mesos refuses a gone agent's
// re-registration (Master::registerSlave, reregisterSlave) and shuts down
// the agents of a DOWN machine.

// operatorRemovalLocked answers MARK_AGENT_GONE and START_MAINTENANCE.
func (m *master) operatorRemovalLocked(call *masterpb.Call) (int, string, bool) {
	switch call.GetType() {
	case masterpb.Call_MARK_AGENT_GONE:
		status, body := m.markAgentGoneLocked(call.GetMarkAgentGone().GetAgentId().GetValue())
		return status, body, true
	case masterpb.Call_START_MAINTENANCE:
		status, body := m.startMaintenanceLocked(call.GetStartMaintenance().GetMachines())
		return status, body, true
	}
	return 0, "", false
}

// markAgentGoneLocked is Master::Http::_markAgentGone and Master::markGone:
// an agent already gone is OK(); one the master knows (registered,
// recovered or unreachable) is removed, its tasks getting
// TASK_GONE_BY_OPERATOR (TASK_LOST for frameworks that are not
// PARTITION_AWARE) with "Agent has been marked gone", its operations
// OPERATION_GONE_BY_OPERATOR; any other is 404 "Agent '<id>' not found".
// The tasks an unreachable agent had are not updated again
// (docs/MESOSTEST-DEVIATIONS.md).
func (m *master) markAgentGoneLocked(agentID string) (int, string) {
	s := m.s
	if s.op.gone[agentID] {
		return http.StatusOK, ""
	}
	a := s.agentByID[agentID]
	if a == nil || m.st == nil {
		return http.StatusNotFound, "Agent '" + agentID + "' not found"
	}
	if s.op.gone == nil {
		s.op.gone = map[string]bool{}
	}
	s.op.gone[agentID] = true
	// Master::markGone and removeSlave forget a gone agent's drain state.
	delete(s.op.draining, agentID)
	delete(s.op.deactivated, agentID)
	const msg = "Agent has been marked gone"
	s.loseAgentLocked(a, agentLoss{message: msg, opMessage: msg})
	return http.StatusOK, ""
}

// startMaintenanceLocked is Master::Http::_startMaintenance: every machine
// must be valid, scheduled and DRAINING; then each machine's registered
// agents are shut down and removed (Master::removeSlave, _removeSlave: every
// task TASK_LOST, REASON_AGENT_REMOVED, "Agent <hostname> removed: Operator
// initiated 'Machine DOWN'") and the machines are DOWN. Also /machine/down.
func (m *master) startMaintenanceLocked(ids []*mesosproto.MachineID) (int, string) {
	s := m.s
	if msg := validateMachines(ids); msg != "" {
		return http.StatusBadRequest, msg
	}
	for _, id := range ids {
		mc, ok := s.op.machines[machineKeyOf(id)]
		if !ok {
			return http.StatusBadRequest, "Machine '" + machineString(id) + "' is not part of a maintenance schedule"
		}
		if mc.down {
			return http.StatusBadRequest, "Machine '" + machineString(id) + "' is not in DRAINING mode and cannot be brought down"
		}
	}
	for _, id := range ids {
		k := machineKeyOf(id)
		for _, a := range s.agents {
			if agentMachine(a) == k && m.st != nil && m.registeredLocked(a) {
				s.loseAgentLocked(a, agentLoss{message: "Agent " + a.hostname + " removed: Operator initiated 'Machine DOWN'", lostOnly: true})
			}
		}
		s.op.machines[k].down = true
	}
	return http.StatusOK, ""
}
