// SPDX-License-Identifier: Apache-2.0

package mesostest

import (
	"fmt"
	"math"
	"sort"
	"time"

	"go.uber.org/zap"
	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/schedulerpb"
)

// Maintenance primitives: an agent scheduled for maintenance carries an
// Unavailability (start, duration). Every offer of its resources carries
// it too (Master::offer), and each allocation cycle the allocator sends an
// inverse offer for the agent to every active framework that has resources
// offered or allocated there, unless one is outstanding or the framework
// filtered them (HierarchicalAllocatorProcess::generateInverseOffers,
// src/master/allocator/mesos/hierarchical.cpp; Master::inverseOffer in
// src/master/master.cpp). Inverse offers carry no resources: they ask for
// the whole agent. ACCEPT_INVERSE_OFFERS and DECLINE_INVERSE_OFFERS record
// the answer, install a refusal filter (Filters.refuse_seconds, default
// 5 s, 0 = none) and remove the inverse offer; unknown ids are ignored
// (Master::acceptInverseOffers, Master::declineInverseOffers). Changing or
// cancelling the schedule rescinds the agent's offers (RESCIND) and inverse
// offers (RESCIND_INVERSE_OFFER) and starts over
// (Master::updateUnavailability); so does --offer_timeout and the loss of
// the agent. A framework that fails over or disconnects loses its inverse
// offers without RESCIND_INVERSE_OFFER. Nothing here drains or stops the
// agent: maintenance windows are advisory, as in Mesos.

// maintenance is an agent's schedule and the allocator's state for it.
type maintenance struct {
	unavailability *mesosproto.Unavailability
	outstanding    map[string]bool                 // frameworks with an outstanding inverse offer
	responses      map[string]InverseOfferResponse // latest answer per framework
}

func newMaintenance(u *mesosproto.Unavailability) *maintenance {
	mt := &maintenance{unavailability: u}
	mt.resetAllocatorState()
	return mt
}

// resetAllocatorState forgets what the allocator knew (a new leader).
func (mt *maintenance) resetAllocatorState() {
	mt.outstanding = map[string]bool{}
	mt.responses = map[string]InverseOfferResponse{}
}

// InverseOfferResponse is a framework's answer to an inverse offer, as the
// allocator records it (mesos::allocator::InverseOfferStatus).
type InverseOfferResponse struct {
	FrameworkID string
	Accepted    bool // ACCEPT_INVERSE_OFFERS; false: DECLINE_INVERSE_OFFERS
	Time        time.Time
}

// inverseOffer is an outstanding inverse offer of the leading master.
type inverseOffer struct {
	id    string
	fw    *framework
	agent *agent
	pb    *mesosproto.InverseOffer
	timer *time.Timer // --offer_timeout
}

// ScheduleMaintenance schedules agentID to be unavailable from start for
// duration (0: indefinitely), as the operator's /maintenance/schedule
// does. Outstanding offers and inverse offers of the agent are rescinded;
// from the next allocation on, its offers carry the unavailability and
// frameworks using the agent get INVERSE_OFFERS.
func (s *Server) ScheduleMaintenance(agentID string, start time.Time, duration time.Duration) error {
	u := &mesosproto.Unavailability{Start: &mesosproto.TimeInfo{Nanoseconds: proto.Int64(start.UnixNano())}}
	if duration > 0 {
		u.Duration = &mesosproto.DurationInfo{Nanoseconds: proto.Int64(int64(duration))}
	}
	return s.updateUnavailability(agentID, u)
}

// CancelMaintenance removes agentID's maintenance schedule, rescinding its
// offers and inverse offers.
func (s *Server) CancelMaintenance(agentID string) error {
	return s.updateUnavailability(agentID, nil)
}

func (s *Server) updateUnavailability(agentID string, u *mesosproto.Unavailability) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	a := s.agentByID[agentID]
	if a == nil {
		return fmt.Errorf("mesostest: unknown agent %q", agentID)
	}
	s.updateUnavailabilityLocked(a, u)
	return nil
}

// updateUnavailabilityLocked is Master::updateUnavailability for one agent
// (also used by the operator API's maintenance calls, operator_maintenance.go).
func (s *Server) updateUnavailabilityLocked(a *agent, u *mesosproto.Unavailability) {
	agentID := a.id
	if u == nil {
		a.maintenance = nil
	} else {
		a.maintenance = newMaintenance(u)
	}
	s.log.Info("agent unavailability updated", zap.String("agent_id", agentID), zap.Bool("scheduled", u != nil))
	if m := s.leaderLocked(); m != nil && m.registeredLocked(a) {
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
	s.kickAllocator()
	s.notifyLocked()
}

// InverseOfferResponses returns the answers frameworks gave to the inverse
// offers for agentID under its current schedule, by framework id.
func (s *Server) InverseOfferResponses(agentID string) []InverseOfferResponse {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.agentByID[agentID]
	if a == nil || a.maintenance == nil {
		return nil
	}
	out := make([]InverseOfferResponse, 0, len(a.maintenance.responses))
	for _, r := range a.maintenance.responses {
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].FrameworkID < out[j].FrameworkID })
	return out
}

// InverseOffers returns copies of the leading master's outstanding inverse offers.
func (s *Server) InverseOffers() []*mesosproto.InverseOffer {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.leaderLocked()
	if m == nil {
		return nil
	}
	out := make([]*mesosproto.InverseOffer, 0, len(m.st.inverseOffers))
	for _, io := range m.st.inverseOffers {
		out = append(out, proto.Clone(io.pb).(*mesosproto.InverseOffer))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].GetId().GetValue() < out[j].GetId().GetValue() })
	return out
}

// allocateInverseOffersLocked sends inverse offers after an allocation
// cycle (generateInverseOffers); fws are the connected frameworks.
func (m *master) allocateInverseOffersLocked(fws []*framework) {
	s := m.s
	now := time.Now()
	made := map[*framework][]*mesosproto.InverseOffer{}
	for _, a := range s.agents {
		mt := a.maintenance
		if mt == nil || !m.registeredLocked(a) || s.op.deactivated[a.id] {
			continue
		}
		for _, fw := range fws {
			if mt.outstanding[fw.id] || !m.usesAgentLocked(fw, a) || fw.inverseFilteredLocked(a, now) {
				continue
			}
			io := m.newInverseOfferLocked(fw, a)
			mt.outstanding[fw.id] = true
			made[fw] = append(made[fw], proto.Clone(io.pb).(*mesosproto.InverseOffer))
		}
	}
	for _, fw := range fws {
		if list := made[fw]; len(list) > 0 {
			fw.sendLocked(&schedulerpb.Event{
				Type:          schedulerpb.Event_INVERSE_OFFERS.Enum(),
				InverseOffers: &schedulerpb.Event_InverseOffers{InverseOffers: list},
			})
		}
	}
	if len(made) > 0 {
		s.notifyLocked()
	}
}

// usesAgentLocked reports whether fw has resources offered or allocated
// (held by live tasks) on agent a (Slave::getOfferedOrAllocated).
func (m *master) usesAgentLocked(fw *framework, a *agent) bool {
	for _, o := range fw.offers {
		if o.agent == a {
			return true
		}
	}
	for k, t := range m.s.tasks {
		if k.framework == fw.id && t.agent == a && t.holdsRes && !t.gone {
			return true
		}
	}
	return false
}

// inverseFilteredLocked reports whether fw refused inverse offers for a
// until a time not yet reached; it drops an expired filter.
func (fw *framework) inverseFilteredLocked(a *agent, now time.Time) bool {
	until, ok := fw.inverseFilters[a]
	if !ok {
		return false
	}
	if now.Before(until) {
		return true
	}
	delete(fw.inverseFilters, a)
	return false
}

func (m *master) newInverseOfferLocked(fw *framework, a *agent) *inverseOffer {
	id := offerIDFor(m.info.GetId(), m.st.nextOfferID) // one id space with offers
	m.st.nextOfferID++
	pb := &mesosproto.InverseOffer{
		Id:             &mesosproto.OfferID{Value: proto.String(id)},
		Url:            agentURL(a),
		FrameworkId:    &mesosproto.FrameworkID{Value: proto.String(fw.id)},
		AgentId:        &mesosproto.AgentID{Value: proto.String(a.id)},
		Unavailability: proto.Clone(a.maintenance.unavailability).(*mesosproto.Unavailability),
	}
	io := &inverseOffer{id: id, fw: fw, agent: a, pb: pb}
	m.st.inverseOffers[id] = io
	fw.inverseOffers[id] = io
	if d := m.s.cfg.offerTimeout; d > 0 {
		io.timer = m.s.afterLocked(d, func() {
			if m.st != nil && m.st.inverseOffers[id] == io {
				// Master::inverseOfferTimeout: no answer, no filter.
				if mt := a.maintenance; mt != nil {
					delete(mt.outstanding, fw.id)
				}
				m.removeInverseOfferLocked(io, true)
			}
		})
	}
	return io
}

// answerInverseOffersLocked handles ACCEPT_INVERSE_OFFERS (accept) and
// DECLINE_INVERSE_OFFERS. As in Mesos, any outstanding inverse offer named
// is answered in the name of the framework it was sent to, and unknown ids
// are ignored.
func (m *master) answerInverseOffersLocked(fw *framework, ids []*mesosproto.OfferID, filters *mesosproto.Filters, accept bool) {
	s := m.s
	for _, id := range ids {
		io := m.st.inverseOffers[id.GetValue()]
		if io == nil {
			s.log.Debug("ignoring answer to an unknown inverse offer", zap.String("framework_id", fw.id), zap.String("inverse_offer_id", id.GetValue()))
			continue
		}
		if mt := io.agent.maintenance; mt != nil && mt.outstanding[io.fw.id] {
			delete(mt.outstanding, io.fw.id)
			mt.responses[io.fw.id] = InverseOfferResponse{FrameworkID: io.fw.id, Accepted: accept, Time: time.Now()}
		}
		if d := inverseFilterDuration(filters); d > 0 {
			io.fw.inverseFilters[io.agent] = time.Now().Add(d)
		}
		m.removeInverseOfferLocked(io, false)
	}
	s.kickAllocator()
	s.notifyLocked()
}

// inverseFilterDuration is updateInverseOffer's filter lifetime: refuse_seconds
// (5 s when unset, negative or invalid), at most 365 days, 0 for none.
func inverseFilterDuration(f *mesosproto.Filters) time.Duration {
	secs := f.GetRefuseSeconds()
	const year = 365 * 24 * time.Hour
	switch {
	case math.IsNaN(secs) || math.IsInf(secs, -1) || secs < 0:
		secs = mesosproto.Default_Filters_RefuseSeconds
	case secs > year.Seconds():
		return year
	}
	return time.Duration(secs * float64(time.Second))
}

// removeInverseOfferLocked takes an inverse offer out of the master,
// telling the framework with RESCIND_INVERSE_OFFER if rescind.
func (m *master) removeInverseOfferLocked(io *inverseOffer, rescind bool) {
	if io.timer != nil {
		io.timer.Stop()
	}
	delete(m.st.inverseOffers, io.id)
	delete(io.fw.inverseOffers, io.id)
	if rescind {
		io.fw.sendLocked(&schedulerpb.Event{
			Type: schedulerpb.Event_RESCIND_INVERSE_OFFER.Enum(),
			RescindInverseOffer: &schedulerpb.Event_RescindInverseOffer{
				InverseOfferId: &mesosproto.OfferID{Value: proto.String(io.id)}},
		})
	}
	m.s.notifyLocked()
}

// dropInverseOffersLocked removes every inverse offer of fw as if it had
// not been answered, so that the allocator sends new ones later (framework
// failover, deactivation, removal).
func (m *master) dropInverseOffersLocked(fw *framework, rescind bool) {
	for _, io := range fw.inverseOffers {
		if mt := io.agent.maintenance; mt != nil {
			delete(mt.outstanding, fw.id)
		}
		m.removeInverseOfferLocked(io, rescind)
	}
}

// agentURL is the URL offers and inverse offers give for an agent.
func agentURL(a *agent) *mesosproto.URL {
	return &mesosproto.URL{
		Scheme: proto.String("http"),
		Address: &mesosproto.Address{
			Hostname: proto.String(a.hostname),
			Ip:       proto.String(agentIP(a.hostname)),
			Port:     proto.Int32(int32(a.port)),
		},
		Path: proto.String("/slave(1)"),
	}
}
