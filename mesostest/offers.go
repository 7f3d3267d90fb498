// SPDX-License-Identifier: Apache-2.0

package mesostest

import (
	"math"
	"net"
	"time"

	"go.uber.org/zap"
	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/schedulerpb"
)

// offer is an outstanding offer of the leading master.
type offer struct {
	id    string
	fw    *framework
	agent *agent
	role  string
	res   resources
	pb    *mesosproto.Offer
	timer *time.Timer // --offer_timeout
}

// offerFilter is a refusal filter (RefusedOfferFilter in
// src/master/allocator/mesos/hierarchical.cpp): resources on one agent that
// one role of a framework declined; a later allocation that is a subset of
// them is not offered to it until the filter expires.
type offerFilter struct {
	role    string
	agent   *agent
	res     resources
	expires time.Time
}

// filterDuration turns Filters.refuse_seconds into a filter lifetime as
// HierarchicalAllocatorProcess::recoverResources does: default 5 s when
// unset, negative or invalid; capped at 365 days; 0 means no filter; at
// least one allocation interval otherwise.
func (s *Server) filterDuration(f *mesosproto.Filters) time.Duration {
	secs := f.GetRefuseSeconds() // 5 when f or the field is unset
	const year = 365 * 24 * time.Hour
	switch {
	case math.IsNaN(secs) || secs < 0:
		secs = mesosproto.Default_Filters_RefuseSeconds
	case secs > year.Seconds():
		return year
	case secs == 0:
		return 0
	}
	d := time.Duration(secs * float64(time.Second))
	if d == 0 {
		return 0
	}
	return max(d, s.cfg.allocationInterval)
}

// allocatorLoop runs allocations periodically and when kicked.
func (s *Server) allocatorLoop() {
	defer s.wg.Done()
	t := time.NewTicker(s.cfg.allocationInterval)
	defer t.Stop()
	for {
		select {
		case <-s.closeCh:
			return
		case <-t.C:
		case <-s.allocKick:
		}
		s.mu.Lock()
		if !s.closed {
			s.allocateLocked()
		}
		s.mu.Unlock()
	}
}

// kickAllocator asks for an event-driven allocation (framework added or
// revived, agent added, master elected), as the allocator does.
func (s *Server) kickAllocator() {
	select {
	case s.allocKick <- struct{}{}:
	default:
	}
}

// allocateLocked offers each agent's free resources to the connected
// frameworks' unsuppressed roles: one offer per (agent, framework role),
// unreserved resources plus those reserved for the role, skipping what a
// refusal filter covers and what is below the minimum allocatable
// resources. Frameworks are visited in rotating order for fairness.
//
// A round costs little for agents that did not change: their free
// resources (per role) are cached until a launch, an offer, a release or an
// operation changes them (agent.freeForRoleLocked), and refusal filters are
// indexed by agent once per round, so that an agent without free resources
// is skipped without allocating and a filter is looked at only for its own
// agent.
func (s *Server) allocateLocked() {
	m := s.leaderLocked()
	if m == nil || s.recoveringLocked() {
		return
	}
	fws := m.connectedFrameworksLocked()
	if len(fws) == 0 {
		return
	}
	now := time.Now()
	s.allocRound++
	filters := make([]map[*agent][]*offerFilter, len(fws))
	for i, fw := range fws {
		filters[i] = fw.filtersByAgentLocked(now)
	}
	made := map[*framework][]*mesosproto.Offer{}
	for ai, a := range s.agents {
		if !m.registeredLocked(a) || s.op.deactivated[a.id] {
			continue // recovered, unreachable or deactivated (operator_agents.go): nothing to offer
		}
		for k := range fws {
			fi := (ai + k + s.allocRound) % len(fws)
			fw := fws[fi]
			for _, role := range fw.roles() {
				if fw.suppressed[role] || fw.constraintFilter.excludes(role, a) {
					continue
				}
				free := a.freeForRoleLocked(role)
				if free.empty() || !fw.allocatable(role, free) || filteredBy(filters[fi][a], role, free) {
					continue
				}
				free = free.clone() // the offer owns its resources; the cache stays as it is
				o := m.newOfferLocked(fw, a, role, free)
				made[fw] = append(made[fw], o.pb)
			}
		}
	}
	for _, fw := range fws {
		if list := made[fw]; len(list) > 0 {
			pbs := make([]*mesosproto.Offer, len(list))
			for i, o := range list {
				pbs[i] = proto.Clone(o).(*mesosproto.Offer)
			}
			fw.sendLocked(&schedulerpb.Event{
				Type:   schedulerpb.Event_OFFERS.Enum(),
				Offers: &schedulerpb.Event_Offers{Offers: pbs},
			})
			if ce := s.log.Check(zap.DebugLevel, "offers sent"); ce != nil {
				ce.Write(zap.String("framework_id", fw.id), zap.Int("offers", len(pbs)))
			}
		}
	}
	if len(made) > 0 {
		s.notifyLocked()
	}
	m.allocateInverseOffersLocked(fws) // inverse_offers.go
}

// filtersByAgentLocked drops the framework's expired refusal filters and
// returns the others by agent (nil when there are none).
func (fw *framework) filtersByAgentLocked(now time.Time) map[*agent][]*offerFilter {
	kept := fw.filters[:0]
	for _, f := range fw.filters {
		if now.Before(f.expires) {
			kept = append(kept, f)
		}
	}
	clear(fw.filters[len(kept):])
	fw.filters = kept
	if len(kept) == 0 {
		return nil
	}
	by := make(map[*agent][]*offerFilter, len(kept))
	for _, f := range kept {
		by[f.agent] = append(by[f.agent], f)
	}
	return by
}

// filteredBy reports whether one of an agent's refusal filters covers res
// for role.
func filteredBy(filters []*offerFilter, role string, res resources) bool {
	for _, f := range filters {
		if f.role == role && f.res.contains(res) {
			return true
		}
	}
	return false
}

// newOfferLocked creates an offer (Master::offer): the resources move from
// free to offered on the agent. Frameworks without MULTI_ROLE get no
// allocation_info; resources are in the pre-refinement format.
func (m *master) newOfferLocked(fw *framework, a *agent, role string, res resources) *offer {
	id := offerIDFor(m.info.GetId(), m.st.nextOfferID)
	m.st.nextOfferID++
	allocRole := ""
	if fw.multiRole() {
		allocRole = role
	}
	pb := &mesosproto.Offer{
		Id:          &mesosproto.OfferID{Value: proto.String(id)},
		FrameworkId: &mesosproto.FrameworkID{Value: proto.String(fw.id)},
		AgentId:     &mesosproto.AgentID{Value: proto.String(a.id)},
		Hostname:    proto.String(a.hostname),
		Url:         agentURL(a),
		Resources:   res.toProto(allocRole, fw.refinement()),
		Attributes:  a.attributes,
		ExecutorIds: offerExecutorIDsLocked(fw, a), // executor_accounting.go
	}
	if mt := a.maintenance; mt != nil {
		// The agent is scheduled for maintenance (Master::offer).
		pb.Unavailability = proto.Clone(mt.unavailability).(*mesosproto.Unavailability)
	}
	if allocRole != "" {
		pb.AllocationInfo = &mesosproto.Resource_AllocationInfo{Role: proto.String(role)}
	}
	o := &offer{id: id, fw: fw, agent: a, role: role, res: res, pb: pb}
	m.st.offers[id] = o
	fw.offers[id] = o
	a.setOffered(a.offered.plus(res))
	if d := m.s.cfg.offerTimeout; d > 0 {
		o.timer = m.s.afterLocked(d, func() {
			if m.st != nil && m.st.offers[id] == o {
				m.s.log.Debug("offer timed out", zap.String("offer_id", id))
				m.rescindOfferLocked(o)
			}
		})
	}
	return o
}

func agentIP(hostname string) string {
	if ip := net.ParseIP(hostname); ip != nil {
		return ip.String()
	}
	return "127.0.0.1"
}

// removeOfferLocked takes an offer out of the master and gives its
// resources back to the agent; with a non-nil filters a refusal filter is
// installed over them (DECLINE and the unused part of an ACCEPT).
func (m *master) removeOfferLocked(o *offer, filters *mesosproto.Filters) {
	m.returnResourcesLocked(o, o.res, filters)
	if o.timer != nil {
		o.timer.Stop()
	}
	delete(m.st.offers, o.id)
	delete(o.fw.offers, o.id)
}

// returnResourcesLocked gives res of offer o back to its agent, with an
// optional refusal filter for o's framework and role.
func (m *master) returnResourcesLocked(o *offer, res resources, filters *mesosproto.Filters) {
	o.agent.setOffered(o.agent.offered.minus(o.res))
	if filters == nil || res.empty() {
		return
	}
	if d := m.s.filterDuration(filters); d > 0 {
		o.fw.filters = append(o.fw.filters, &offerFilter{role: o.role, agent: o.agent, res: res.clone(), expires: time.Now().Add(d)})
	}
}

// rescindOfferLocked withdraws an offer with a RESCIND event (Master::rescindOffer).
func (m *master) rescindOfferLocked(o *offer) {
	m.removeOfferLocked(o, nil)
	o.fw.sendLocked(rescindEvent(o.id))
	m.s.notifyLocked()
}

// Offers returns copies of the leading master's outstanding offers.
func (s *Server) Offers() []*mesosproto.Offer {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.leaderLocked()
	if m == nil {
		return nil
	}
	out := make([]*mesosproto.Offer, 0, len(m.st.offers))
	for _, o := range m.st.offers {
		out = append(out, proto.Clone(o.pb).(*mesosproto.Offer))
	}
	return out
}
