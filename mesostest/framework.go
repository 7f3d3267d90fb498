// SPDX-License-Identifier: Apache-2.0

package mesostest

import (
	"math"
	"sort"
	"time"

	"go.uber.org/zap"
	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/schedulerpb"
)

// frameworkConn is the master's view of a framework's connection.
type frameworkConn int

const (
	frameworkConnected    frameworkConn = iota // subscribed, stream live
	frameworkDisconnected                      // stream gone, failover timer running
	frameworkRecovered                         // known from agents after a master failover, not yet subscribed
)

// framework is the leading master's Framework object (src/master/framework.cpp).
type framework struct {
	m           *master
	id          string
	info        *mesosproto.FrameworkInfo
	conn        frameworkConn
	stream      *stream
	suppressed  map[string]bool
	constraints *schedulerpb.OfferConstraints
	offers      map[string]*offer
	filters     []*offerFilter
	timer       *time.Timer // failover timeout
	epoch       int         // incremented on every (re)subscription, guards the timer

	constraintFilter *constraintFilter        // constraints compiled (constraints.go)
	inverseOffers    map[string]*inverseOffer // outstanding inverse offers (inverse_offers.go)
	inverseFilters   map[*agent]time.Time     // refused inverse offers, until when
	unreachable      unreachableTasks         // ids of tasks lost with their agents (unreachable.go)

	registered, reregistered, unregistered time.Time // Framework::registeredTime etc. (master_readonly_state.go)
}

func newFramework(m *master, fi *mesosproto.FrameworkInfo, conn frameworkConn) *framework {
	now := time.Now()
	return &framework{
		m:          m,
		id:         fi.GetId().GetValue(),
		info:       fi,
		conn:       conn,
		suppressed: map[string]bool{},
		offers:     map[string]*offer{},

		inverseOffers:  map[string]*inverseOffer{},
		inverseFilters: map[*agent]time.Time{},

		registered:   now,
		reregistered: now,
	}
}

func (fw *framework) stopTimer() {
	if fw.timer != nil {
		fw.timer.Stop()
		fw.timer = nil
	}
}

func (fw *framework) roles() []string { return frameworkRoles(fw.info) }

func (fw *framework) multiRole() bool {
	return hasCapability(fw.info, mesosproto.FrameworkInfo_Capability_MULTI_ROLE)
}

// refinement reports whether the framework reads the post-refinement
// resource format (RESERVATION_REFINEMENT).
func (fw *framework) refinement() bool {
	return hasCapability(fw.info, mesosproto.FrameworkInfo_Capability_RESERVATION_REFINEMENT)
}

func (fw *framework) partitionAware() bool {
	return hasCapability(fw.info, mesosproto.FrameworkInfo_Capability_PARTITION_AWARE)
}

// sendLocked delivers an event if the framework is connected; otherwise
// it is dropped, as Framework::send does for a disconnected HTTP framework.
func (fw *framework) sendLocked(ev *schedulerpb.Event) bool {
	if fw.conn != frameworkConnected || fw.stream == nil {
		return false
	}
	fw.stream.sendLocked(ev)
	return true
}

// sendUpdateLocked delivers an agent's status update as an UPDATE event,
// under the same conditions as sendLocked.
func (fw *framework) sendUpdateLocked(p *pendingUpdate) bool {
	if fw.conn != frameworkConnected || fw.stream == nil {
		return false
	}
	fw.stream.sendUpdateLocked(p)
	return true
}

// subscribeLocked handles a SUBSCRIBE that passed the HTTP checks
// (Master::subscribe and Master::_subscribe for HTTP frameworks). Refusals
// are one ERROR event followed by the end of the stream.
func (m *master) subscribeLocked(st *stream, sub *schedulerpb.Call_Subscribe) (fwID string) {
	s := m.s
	ls := m.st
	fi := proto.Clone(sub.GetFrameworkInfo()).(*mesosproto.FrameworkInfo)
	id := fi.GetId().GetValue()
	refuse := func(msg string) string {
		s.log.Info("refusing subscription", zap.String("framework_id", id), zap.String("reason", msg))
		st.sendLocked(errorEvent(msg))
		st.closeLocked(false)
		return id
	}
	if err := validateFrameworkInfo(fi); err != nil {
		return refuse(err.Error())
	}
	if id != "" && ls.isCompleted(id) {
		return refuse("Framework has been removed")
	}
	filter, err := validateSuppressedAndConstraints(frameworkRoles(fi), sub.GetSuppressedRoles(), sub.GetOfferConstraints(), s.re2MaxProgramSize())
	if err != nil {
		return refuse(err.Error())
	}
	if msg := s.cfg.auth.registrationRefusal(principalOf(fi), fi); msg != "" { // WithACLs (acl_enforce.go)
		return refuse(msg)
	}

	var fw *framework
	created := false // for the operator API's FRAMEWORK_ADDED
	if id == "" {
		id = frameworkIDFor(m.info.GetId(), ls.nextFrameworkID)
		ls.nextFrameworkID++
		fi.Id = &mesosproto.FrameworkID{Value: proto.String(id)}
		fw = newFramework(m, fi, frameworkConnected)
		ls.frameworks[id] = fw
		created = true
		s.log.Info("framework registered", zap.String("framework_id", id), zap.String("name", fi.GetName()))
	} else {
		fw = ls.frameworks[id]
		if fw == nil {
			// Unknown id: the master rebuilds the framework from the
			// FrameworkInfo (Master::recoverFramework); nobody checks that it
			// was ever issued.
			fw = newFramework(m, proto.Clone(fi).(*mesosproto.FrameworkInfo), frameworkRecovered)
			ls.frameworks[id] = fw
			s.operatorFrameworkLocked(fw, true) // Master::recoverFramework (operator_events.go)
		}
		// validation::framework::preserveImmutableFields: user and
		// checkpoint silently keep their stored values on re-subscription.
		fi.User = proto.String(fw.info.GetUser())
		fi.Checkpoint = proto.Bool(fw.info.GetCheckpoint())
		if err := validateFrameworkUpdate(fw.info, fi); err != nil {
			return refuse(err.Error())
		}
		if fw.conn != frameworkRecovered {
			// Master::failoverFramework: the old stream gets an ERROR and
			// closes; outstanding offers go back without RESCIND events.
			if old := fw.stream; old != nil {
				old.sendLocked(errorEvent("Framework failed over"))
				old.closeLocked(false)
			}
			for _, o := range fw.offers {
				m.removeOfferLocked(o, nil)
			}
			m.dropInverseOffersLocked(fw, false)
			s.log.Info("framework failed over", zap.String("framework_id", id))
		}
		m.updateFrameworkLocked(fw, fi)
	}

	fw.suppressed = map[string]bool{}
	for _, r := range sub.GetSuppressedRoles() {
		fw.suppressed[r] = true
	}
	fw.constraints = sub.GetOfferConstraints()
	fw.constraintFilter = filter
	fw.stopTimer()
	if fw.epoch > 0 || fw.conn == frameworkRecovered {
		fw.reregistered = time.Now()
	}
	fw.epoch++
	fw.conn = frameworkConnected
	fw.stream = st
	st.fw = fw

	st.sendLocked(subscribedEvent(id, s.cfg.heartbeatInterval, m.info))
	if !s.noBeats {
		st.sendLocked(heartbeatEvent()) // Framework::heartbeat: the first one at once
	}

	rec := s.recordLocked(id)
	rec.subscriptions++
	rec.streamID = st.id
	rec.removed = false
	rec.info = proto.Clone(fw.info).(*mesosproto.FrameworkInfo)

	// sendFrameworkUpdates: agents learn the new FrameworkInfo and resend
	// pending status updates at once (Slave::updateFramework).
	s.updateAgentFrameworkInfoLocked(fw.info)
	s.operatorFrameworkLocked(fw, created) // operator_events.go
	s.resumeUpdatesLocked(id)
	s.kickAllocator()
	s.notifyLocked()
	return id
}

// updateFrameworkLocked replaces the FrameworkInfo (Master::updateFramework):
// offers for roles the framework no longer has are rescinded.
func (m *master) updateFrameworkLocked(fw *framework, fi *mesosproto.FrameworkInfo) {
	fw.info = fi
	roles := fw.roles()
	for _, o := range fw.offers {
		if !contains(roles, o.role) {
			m.rescindOfferLocked(o)
		}
	}
	for r := range fw.suppressed {
		if !contains(roles, r) {
			delete(fw.suppressed, r)
		}
	}
}

// disconnectLocked handles a framework whose stream went away
// (Master::_exited): it is deactivated (offers go back; the RESCIND events
// would go nowhere; its refusal filters are cleared) and removed after
// failover_timeout, at once for 0.
func (m *master) disconnectLocked(fw *framework) {
	s := m.s
	fw.conn = frameworkDisconnected
	fw.stream = nil
	for _, o := range fw.offers {
		m.removeOfferLocked(o, nil)
	}
	// HierarchicalAllocatorProcess::deactivateFramework
	// (src/master/allocator/mesos/hierarchical.cpp): the framework's offer
	// and inverse offer filters end with its connection.
	clear(fw.filters)
	fw.filters = fw.filters[:0]
	clear(fw.inverseFilters)
	m.dropInverseOffersLocked(fw, false)
	s.notifyLocked()
	timeout := fw.info.GetFailoverTimeout()
	if timeout <= 0 || math.IsNaN(timeout) {
		s.log.Info("framework disconnected; failover timeout is 0, removing it", zap.String("framework_id", fw.id))
		m.removeFrameworkLocked(fw)
		return
	}
	d := time.Duration(math.Min(timeout*float64(time.Second), float64(math.MaxInt64)))
	s.log.Info("framework disconnected", zap.String("framework_id", fw.id), zap.Duration("failover_timeout", d))
	epoch := fw.epoch
	fw.stopTimer()
	fw.timer = s.afterLocked(d, func() {
		// Master::frameworkFailoverTimeout: only if it did not come back.
		if m.st == nil || m.st.frameworks[fw.id] != fw || fw.epoch != epoch || fw.conn == frameworkConnected {
			return
		}
		s.log.Info("framework failover timeout", zap.String("framework_id", fw.id))
		m.removeFrameworkLocked(fw)
	})
}

// removeFrameworkLocked removes a framework (TEARDOWN, failover timeout):
// its stream ends without an ERROR event, its tasks are killed on the
// agents without status updates, its offers go back, and its id enters the
// completed cache (Master::removeFramework).
func (m *master) removeFrameworkLocked(fw *framework) {
	s := m.s
	fw.stopTimer()
	if fw.stream != nil {
		fw.stream.closeLocked(false)
		fw.stream = nil
	}
	for _, o := range fw.offers {
		m.removeOfferLocked(o, nil)
	}
	m.dropInverseOffersLocked(fw, false)
	delete(m.st.frameworks, fw.id)
	m.st.addCompleted(fw.id)
	s.shutdownFrameworkLocked(fw.id)
	s.recordLocked(fw.id).removed = true
	fw.unregistered = time.Now()
	s.recordLocked(fw.id).last = fw      // shown in completed_frameworks (master_readonly_state.go)
	s.operatorFrameworkRemovedLocked(fw) // operator_events.go
	s.log.Info("framework removed", zap.String("framework_id", fw.id))
	s.notifyLocked()
}

// connectedFrameworksLocked returns the leader's connected frameworks in id order.
func (m *master) connectedFrameworksLocked() []*framework {
	var out []*framework
	for _, fw := range m.st.frameworks {
		if fw.conn == frameworkConnected {
			out = append(out, fw)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].id < out[j].id })
	return out
}
