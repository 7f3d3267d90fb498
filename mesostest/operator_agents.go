// SPDX-License-Identifier: Apache-2.0

package mesostest

import (
	"net/http"

	"github.com/mesoskit/mesoskit/mesosproto"
)

// Deactivating and reactivating agents through the operator API
// (src/master/http.cpp _deactivateAgent, _reactivateAgent). The set of
// deactivated agents is in the registry in Mesos, so it is cluster-wide
// here; the allocator offers nothing of a deactivated agent and sends no
// inverse offers for it (offers.go, inverse_offers.go).

// deactivateAgentLocked is Master::Http::_deactivateAgent: any agent the
// master knows (registered, recovered or unreachable) can be deactivated;
// a registered one loses its offers and inverse offers, rescinded
// (Master::deactivate).
func (m *master) deactivateAgentLocked(id string) (int, string) {
	s := m.s
	a := s.agentByID[id]
	if !s.knownAgentLocked(a) { // operator_drain.go
		return http.StatusBadRequest, "Unknown agent"
	}
	if s.op.deactivated == nil {
		s.op.deactivated = map[string]bool{}
	}
	s.op.deactivated[id] = true
	if m.registeredLocked(a) {
		for _, o := range m.st.offers {
			if o.agent == a {
				m.rescindOfferLocked(o)
			}
		}
		for _, io := range m.st.inverseOffers {
			if io.agent == a {
				m.removeInverseOfferLocked(io, true)
			}
		}
	}
	s.notifyLocked()
	return http.StatusOK, ""
}

// reactivateAgentLocked is Master::Http::_reactivateAgent: the agent must be
// deactivated and not DRAINING (a DRAINED one is fine); it is reactivated,
// its DrainInfo forgotten, even when it is not registered, which then
// answers 409.
func (m *master) reactivateAgentLocked(id string) (int, string) {
	s := m.s
	if !s.op.deactivated[id] {
		return http.StatusBadRequest, "Agent is not deactivated"
	}
	if dr := s.op.draining[id]; dr != nil && dr.info.GetState() == mesosproto.DrainState_DRAINING {
		return http.StatusBadRequest, "Agent is still in the DRAINING state"
	}
	delete(s.op.draining, id)
	delete(s.op.deactivated, id)
	if !m.registeredLocked(s.agentByID[id]) {
		return http.StatusConflict, "Agent removed while processing the call"
	}
	s.kickAllocator()
	return http.StatusOK, ""
}
