// SPDX-License-Identifier: Apache-2.0

package mesostest

import (
	"net"
	"net/http"
	"strconv"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/mesosproto"
)

// master is one master process: a listener with its HTTP server, its
// MasterInfo, and, while it leads, the leader-only state.
type master struct {
	s    *Server
	idx  int
	ln   net.Listener
	hs   *http.Server
	host string
	port int
	info *mesosproto.MasterInfo
	st   *leaderState // nil unless leading
	led  bool         // has led before (then a new election means a new id)

	started, elected time.Time // Master::startTime, electedTime (master_readonly_state.go)
}

// leaderState is what a Mesos master keeps in memory only and loses on
// failover: frameworks, the completed-frameworks cache, offers, id counters.
type leaderState struct {
	frameworks      map[string]*framework
	completed       []string // FIFO, at most maxCompletedFrameworks
	offers          map[string]*offer
	nextFrameworkID int64
	nextOfferID     int64

	inverseOffers map[string]*inverseOffer // outstanding inverse offers (inverse_offers.go)
	recovered     map[string]bool          // agents not yet re-registered after election (agent_recovery.go)

	operators map[*operatorSubscriber]struct{} // operator API SUBSCRIBE streams (operator_events.go)
}

func (m *master) url() string {
	return m.s.scheme() + "://" + net.JoinHostPort(m.host, strconv.Itoa(m.port))
}

// newInfo builds MasterInfo as Master::initialize does: a fresh UUID id (a
// master gets a new one every time it starts), the packed IPv4 address,
// pid "master@ip:port", hostname, address and version.
func (m *master) newInfo() *mesosproto.MasterInfo {
	ip := net.ParseIP(m.host)
	return &mesosproto.MasterInfo{
		Id:       proto.String(newUUIDString()),
		Ip:       proto.Uint32(packIP(ip)),
		Port:     proto.Uint32(uint32(m.port)),
		Pid:      proto.String("master@" + net.JoinHostPort(m.host, strconv.Itoa(m.port))),
		Hostname: proto.String(m.host),
		Version:  proto.String(mesosVersion),
		Address: &mesosproto.Address{
			Hostname: proto.String(m.host),
			Ip:       proto.String(m.host),
			Port:     proto.Int32(int32(m.port)),
		},
		Capabilities: []*mesosproto.MasterInfo_Capability{
			{Type: mesosproto.MasterInfo_Capability_AGENT_UPDATE.Enum()},
			{Type: mesosproto.MasterInfo_Capability_AGENT_DRAINING.Enum()},
			{Type: mesosproto.MasterInfo_Capability_QUOTA_V2.Enum()},
		},
	}
}

// electLocked makes m the leader with fresh in-memory state. A master that
// leads again after losing leadership has restarted in Mesos, so it gets a
// new id. Frameworks with tasks on the agents are "recovered" from them
// (Master::recoverFramework) and wait for their schedulers to subscribe.
func (m *master) electLocked() {
	if m.led {
		m.info = m.newInfo()
	}
	m.led = true
	m.elected = time.Now()
	m.st = &leaderState{
		frameworks:    map[string]*framework{},
		offers:        map[string]*offer{},
		inverseOffers: map[string]*inverseOffer{},
		recovered:     map[string]bool{},
	}
	m.startAgentRecoveryLocked() // agent_recovery.go
	m.recoverFrameworksLocked(nil)
}

// demoteLocked drops the leader-only state. The master "aborts": its event
// streams break without an ERROR event, its timers stop.
func (m *master) demoteLocked() {
	if m.st == nil {
		return
	}
	for _, fw := range m.st.frameworks {
		fw.stopTimer()
		if fw.stream != nil {
			fw.stream.closeLocked(true)
			fw.stream = nil
		}
	}
	for _, o := range m.st.offers {
		o.agent.setOffered(o.agent.offered.minus(o.res))
		if o.timer != nil {
			o.timer.Stop()
		}
	}
	for _, io := range m.st.inverseOffers {
		if io.timer != nil {
			io.timer.Stop()
		}
	}
	m.st.closeOperatorsLocked()
	m.st = nil
}

// isCompleted reports whether id is in the completed-frameworks cache.
func (ls *leaderState) isCompleted(id string) bool { return contains(ls.completed, id) }

func (ls *leaderState) addCompleted(id string) {
	ls.completed = append(ls.completed, id)
	if len(ls.completed) > maxCompletedFrameworks {
		ls.completed = ls.completed[len(ls.completed)-maxCompletedFrameworks:]
	}
}
