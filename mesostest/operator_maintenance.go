// SPDX-License-Identifier: Apache-2.0

package mesostest

import (
	"net"
	"net/http"
	"sort"
	"strings"

	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/internal/httpapi"
	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/allocatorpb"
	"github.com/mesoskit/mesoskit/mesosproto/maintenancepb"
	"github.com/mesoskit/mesoskit/mesosproto/masterpb"
)

// The maintenance calls of the operator API (src/master/http.cpp
// updateMaintenanceSchedule, getMaintenanceSchedule, getMaintenanceStatus,
// stopMaintenance; src/master/maintenance.cpp validation). The schedule and
// the machines' modes live in the registry in Mesos, so they are
// cluster-wide here; each scheduled machine's agents get the unavailability
// through the same path as Server.ScheduleMaintenance, which drives the
// inverse offers (inverse_offers.go).

// machineKey identifies a machine as Mesos hashes and compares MachineID:
// the hostname case-insensitively, the IP as written.
type machineKey struct{ hostname, ip string }

func machineKeyOf(id *mesosproto.MachineID) machineKey {
	return machineKey{strings.ToLower(id.GetHostname()), id.GetIp()}
}

// machine is a machine in a maintenance schedule: DRAINING or DOWN
// (absent is UP).
type machine struct {
	id   *mesosproto.MachineID
	down bool
}

// agentMachine is the MachineID a master gives an agent when it registers
// (Master::registerSlave): its hostname and the IP of its pid.
func agentMachine(a *agent) machineKey {
	return machineKey{strings.ToLower(a.hostname), agentIP(a.hostname)}
}

// machineString is stringify(JSON::protobuf(id)), used in Mesos's errors.
func machineString(id *mesosproto.MachineID) string {
	b, err := httpapi.JSON.Marshal(id)
	if err != nil {
		return "{}"
	}
	return string(b)
}

// validateMachine is maintenance::validation::machine.
func validateMachine(id *mesosproto.MachineID) string {
	if id.GetHostname() == "" && id.GetIp() == "" {
		return "Both 'hostname' and 'ip' for a machine are empty"
	}
	if id.GetIp() != "" {
		if ip := net.ParseIP(id.GetIp()); ip == nil || ip.To4() == nil || strings.Contains(id.GetIp(), ":") {
			return "Failed to parse IPv4: " + id.GetIp() // stout net::IP::parse(AF_INET)
		}
	}
	return ""
}

// validateSchedule is maintenance::validation::schedule.
func (s *Server) validateScheduleLocked(sc *maintenancepb.Schedule) string {
	seen := map[machineKey]bool{}
	for _, w := range sc.GetWindows() {
		if len(w.GetMachineIds()) == 0 {
			return "List of machines in the maintenance window is empty"
		}
		if w.GetUnavailability().GetDuration().GetNanoseconds() < 0 {
			return "Unavailability 'duration' is negative"
		}
		for _, id := range w.GetMachineIds() {
			if msg := validateMachine(id); msg != "" {
				return msg
			}
			if seen[machineKeyOf(id)] {
				return "Machine '" + machineString(id) + "' appears more than once in the schedule"
			}
			seen[machineKeyOf(id)] = true
		}
	}
	for k, mc := range s.op.machines {
		if mc.down && !seen[k] {
			return "Machine '" + machineString(mc.id) + "' is deactivated and cannot be removed from the schedule"
		}
	}
	return ""
}

// updateMaintenanceScheduleLocked is Master::Http::___updateMaintenanceSchedule:
// machines left out go UP and lose their unavailability, machines already
// scheduled keep their mode with the new unavailability, new ones start
// DRAINING.
func (s *Server) updateMaintenanceScheduleLocked(sc *maintenancepb.Schedule) (int, string) {
	if msg := s.validateScheduleLocked(sc); msg != "" {
		return http.StatusBadRequest, msg
	}
	if s.op.machines == nil {
		s.op.machines = map[machineKey]*machine{}
	}
	unavail := map[machineKey]*mesosproto.Unavailability{}
	for _, w := range sc.GetWindows() {
		for _, id := range w.GetMachineIds() {
			unavail[machineKeyOf(id)] = w.GetUnavailability()
		}
	}
	for k := range s.op.machines {
		if u, ok := unavail[k]; ok {
			s.machineUnavailabilityLocked(k, u)
			continue
		}
		delete(s.op.machines, k)
		s.machineUnavailabilityLocked(k, nil)
	}
	for _, w := range sc.GetWindows() {
		for _, id := range w.GetMachineIds() {
			if _, ok := s.op.machines[machineKeyOf(id)]; ok {
				continue
			}
			s.op.machines[machineKeyOf(id)] = &machine{id: proto.CloneOf(id)}
			s.machineUnavailabilityLocked(machineKeyOf(id), w.GetUnavailability())
		}
	}
	s.op.schedule = proto.CloneOf(sc)
	return http.StatusOK, ""
}

// machineUnavailabilityLocked is Master::updateUnavailability: every
// registered agent of the machine.
func (s *Server) machineUnavailabilityLocked(k machineKey, u *mesosproto.Unavailability) {
	for _, a := range s.agents {
		if a.unreachable == nil && agentMachine(a) == k {
			s.updateUnavailabilityLocked(a, proto.CloneOf(u))
		}
	}
}

// stopMaintenanceLocked is Master::Http::_stopMaintenance: DOWN machines go
// UP and leave the schedule.
func (s *Server) stopMaintenanceLocked(ids []*mesosproto.MachineID) (int, string) {
	if msg := validateMachines(ids); msg != "" {
		return http.StatusBadRequest, msg
	}
	for _, id := range ids {
		mc, ok := s.op.machines[machineKeyOf(id)]
		if !ok {
			return http.StatusBadRequest, "Machine '" + machineString(id) + "' is not part of a maintenance schedule"
		}
		if !mc.down {
			return http.StatusBadRequest, "Machine '" + machineString(id) + "' is not in DOWN mode and cannot be brought up"
		}
	}
	gone := map[machineKey]bool{}
	for _, id := range ids {
		delete(s.op.machines, machineKeyOf(id))
		gone[machineKeyOf(id)] = true
	}
	var windows []*maintenancepb.Window
	for _, w := range s.op.schedule.GetWindows() {
		var keep []*mesosproto.MachineID
		for _, id := range w.GetMachineIds() {
			if !gone[machineKeyOf(id)] {
				keep = append(keep, id)
			}
		}
		if len(keep) > 0 {
			windows = append(windows, &maintenancepb.Window{MachineIds: keep, Unavailability: w.GetUnavailability()})
		}
	}
	s.op.schedule = &maintenancepb.Schedule{Windows: windows}
	return http.StatusOK, ""
}

// validateMachines is maintenance::validation::machines.
func validateMachines(ids []*mesosproto.MachineID) string {
	if len(ids) == 0 {
		return "List of machines is empty"
	}
	seen := map[machineKey]bool{}
	for _, id := range ids {
		if msg := validateMachine(id); msg != "" {
			return msg
		}
		if seen[machineKeyOf(id)] {
			return "Machine '" + machineString(id) + "' appears more than once in the schedule"
		}
		seen[machineKeyOf(id)] = true
	}
	return ""
}

// maintenanceStatusLocked is Master::Http::_getMaintenanceStatus: DRAINING
// machines with the frameworks' latest answers to the inverse offers of
// their agents, and DOWN machines.
func (s *Server) maintenanceStatusLocked() *maintenancepb.ClusterStatus {
	out := &maintenancepb.ClusterStatus{}
	keys := make([]machineKey, 0, len(s.op.machines))
	for k := range s.op.machines {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].hostname != keys[j].hostname {
			return keys[i].hostname < keys[j].hostname
		}
		return keys[i].ip < keys[j].ip
	})
	for _, k := range keys {
		mc := s.op.machines[k]
		if mc.down {
			out.DownMachines = append(out.DownMachines, proto.CloneOf(mc.id))
			continue
		}
		dm := &maintenancepb.ClusterStatus_DrainingMachine{Id: proto.CloneOf(mc.id)}
		for _, a := range s.agents {
			if agentMachine(a) != k || a.maintenance == nil {
				continue
			}
			fws := make([]string, 0, len(a.maintenance.responses))
			for id := range a.maintenance.responses {
				fws = append(fws, id)
			}
			sort.Strings(fws)
			for _, id := range fws {
				r := a.maintenance.responses[id]
				st := allocatorpb.InverseOfferStatus_DECLINE
				if r.Accepted {
					st = allocatorpb.InverseOfferStatus_ACCEPT
				}
				dm.Statuses = append(dm.Statuses, &allocatorpb.InverseOfferStatus{
					Status:      st.Enum(),
					FrameworkId: &mesosproto.FrameworkID{Value: proto.String(id)},
					Timestamp:   &mesosproto.TimeInfo{Nanoseconds: proto.Int64(r.Time.UnixNano())},
				})
			}
		}
		out.DrainingMachines = append(out.DrainingMachines, dm)
	}
	return out
}

// operatorMaintenanceLocked answers the maintenance calls.
func (m *master) operatorMaintenanceLocked(call *masterpb.Call) (*masterpb.Response, int, string, bool) {
	s := m.s
	switch call.GetType() {
	case masterpb.Call_UPDATE_MAINTENANCE_SCHEDULE:
		status, body := s.updateMaintenanceScheduleLocked(call.GetUpdateMaintenanceSchedule().GetSchedule())
		return nil, status, body, true
	case masterpb.Call_GET_MAINTENANCE_SCHEDULE:
		sc := proto.CloneOf(s.op.schedule)
		if sc == nil {
			sc = &maintenancepb.Schedule{}
		}
		return &masterpb.Response{
			Type:                   masterpb.Response_GET_MAINTENANCE_SCHEDULE.Enum(),
			GetMaintenanceSchedule: &masterpb.Response_GetMaintenanceSchedule{Schedule: sc},
		}, http.StatusOK, "", true
	case masterpb.Call_GET_MAINTENANCE_STATUS:
		return &masterpb.Response{
			Type:                 masterpb.Response_GET_MAINTENANCE_STATUS.Enum(),
			GetMaintenanceStatus: &masterpb.Response_GetMaintenanceStatus{Status: s.maintenanceStatusLocked()},
		}, http.StatusOK, "", true
	case masterpb.Call_STOP_MAINTENANCE:
		status, body := s.stopMaintenanceLocked(call.GetStopMaintenance().GetMachines())
		return nil, status, body, true
	}
	return nil, 0, "", false
}
