// SPDX-License-Identifier: Apache-2.0

package mesostest

import (
	"encoding/json"
	"net/http"
	"net/url"
	"sort"
	"strconv"

	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/mesosproto"
)

// Maintenance endpoints (src/master/http.cpp, validation in
// src/master/maintenance.cpp) over the fake's per-agent schedule
// (inverse_offers.go). A machine is (hostname, ip); an agent is on the
// machine {hostname: its hostname, ip: its IP}, and a scheduled machine
// applies to the agents whose machine equals it exactly, as Master's
// machines map matches MachineIDs. Every scheduled machine is DRAINING:
// the fake never brings a machine DOWN.

type machineID struct {
	Hostname string `json:"hostname,omitempty"`
	IP       string `json:"ip,omitempty"`
}

func (s *Server) machineOfLocked(a *agent) machineID {
	return machineID{Hostname: a.hostname, IP: s.agentIPLocked(a)}
}

// jsonText is stringify(JSON::protobuf(id)) of a MachineID.
func (id machineID) jsonText() string {
	b := []byte{'{'}
	if id.Hostname != "" {
		b = append(b, `"hostname":`...)
		b = strconv.AppendQuote(b, id.Hostname)
	}
	if id.IP != "" {
		if id.Hostname != "" {
			b = append(b, ',')
		}
		b = append(b, `"ip":`...)
		b = strconv.AppendQuote(b, id.IP)
	}
	return string(append(b, '}'))
}

func (w *jsonWriter) machineElem(id machineID) {
	w.beginObject()
	if id.Hostname != "" {
		w.str("hostname", id.Hostname)
	}
	if id.IP != "" {
		w.str("ip", id.IP)
	}
	w.endObject()
}

// scheduleWindowsLocked returns the agents with a maintenance schedule,
// grouped into windows of equal unavailability, by start.
func (s *Server) scheduleWindowsLocked() [][]*agent {
	var windows [][]*agent
	for _, a := range s.agents {
		if a.maintenance == nil {
			continue
		}
		placed := false
		for i, win := range windows {
			if proto.Equal(win[0].maintenance.unavailability, a.maintenance.unavailability) {
				windows[i] = append(win, a)
				placed = true
				break
			}
		}
		if !placed {
			windows = append(windows, []*agent{a})
		}
	}
	sort.SliceStable(windows, func(i, j int) bool {
		return windows[i][0].maintenance.unavailability.GetStart().GetNanoseconds() <
			windows[j][0].maintenance.unavailability.GetStart().GetNanoseconds()
	})
	return windows
}

// serveMaintenanceSchedule is Master::Http::maintenanceSchedule: GET
// answers the Schedule as JSON::protobuf ("{}" when empty); POST replaces
// it.
func (m *master) serveMaintenanceSchedule(w http.ResponseWriter, r *http.Request, q url.Values) {
	switch r.Method {
	case http.MethodGet:
		m.render(w, q, func(jw *jsonWriter) {
			jw.beginObject()
			if windows := m.s.scheduleWindowsLocked(); len(windows) > 0 {
				jw.arrayField("windows")
				for _, win := range windows {
					jw.beginObject()
					jw.arrayField("machine_ids")
					for _, a := range win {
						jw.machineElem(m.s.machineOfLocked(a))
					}
					jw.endArray()
					jw.protobuf("unavailability", win[0].maintenance.unavailability)
					jw.endObject()
				}
				jw.endArray()
			}
			jw.endObject()
		})
	case http.MethodPost:
		m.updateSchedule(w, r)
	default:
		methodNotAllowed(w, r.Method, "GET", "POST")
	}
}

type scheduleBody struct {
	Windows []struct {
		MachineIDs     []machineID `json:"machine_ids"`
		Unavailability *struct {
			Start *struct {
				Nanoseconds *int64 `json:"nanoseconds"`
			} `json:"start"`
			Duration *struct {
				Nanoseconds *int64 `json:"nanoseconds"`
			} `json:"duration"`
		} `json:"unavailability"`
	} `json:"windows"`
}

// updateSchedule parses and validates a posted Schedule
// (maintenance::validation::schedule) and applies it: agents on a machine
// of the new schedule get its unavailability, the others lose theirs
// (inverse offers are rescinded either way, as Master::updateUnavailability
// does).
func (m *master) updateSchedule(w http.ResponseWriter, r *http.Request) {
	body, err := readBody(r, maxOperatorBody)
	if err != nil {
		return
	}
	if msg := checkJSONType(body, '{'); msg != "" {
		writeText(w, http.StatusBadRequest, msg)
		return
	}
	var sch scheduleBody
	if err := json.Unmarshal(body, &sch); err != nil {
		writeText(w, http.StatusBadRequest, err.Error())
		return
	}
	want := map[machineID]*mesosproto.Unavailability{}
	for i, win := range sch.Windows {
		u := win.Unavailability
		if u == nil || u.Start == nil || u.Start.Nanoseconds == nil {
			writeText(w, http.StatusBadRequest, "Missing required fields: windows["+strconv.Itoa(i)+"].unavailability.start")
			return
		}
		if len(win.MachineIDs) == 0 {
			writeText(w, http.StatusBadRequest, "List of machines in the maintenance window is empty")
			return
		}
		un := &mesosproto.Unavailability{Start: &mesosproto.TimeInfo{Nanoseconds: proto.Int64(*u.Start.Nanoseconds)}}
		if u.Duration != nil && u.Duration.Nanoseconds != nil {
			if *u.Duration.Nanoseconds < 0 {
				writeText(w, http.StatusBadRequest, "Unavailability 'duration' is negative")
				return
			}
			un.Duration = &mesosproto.DurationInfo{Nanoseconds: proto.Int64(*u.Duration.Nanoseconds)}
		}
		for _, id := range win.MachineIDs {
			if msg := validateMachineID(id); msg != "" {
				writeText(w, http.StatusBadRequest, msg)
				return
			}
			if _, dup := want[id]; dup {
				writeText(w, http.StatusBadRequest, "Machine '"+id.jsonText()+"' appears more than once in the schedule")
				return
			}
			want[id] = un
		}
	}
	s := m.s
	s.mu.Lock()
	var ids []string
	var uns []*mesosproto.Unavailability
	for _, a := range s.agents {
		u := want[s.machineOfLocked(a)]
		if a.maintenance == nil && u == nil {
			continue
		}
		if a.maintenance != nil && u != nil && proto.Equal(a.maintenance.unavailability, u) {
			continue
		}
		ids, uns = append(ids, a.id), append(uns, u)
	}
	s.mu.Unlock()
	for i, id := range ids {
		_ = s.updateUnavailability(id, uns[i])
	}
	writeEmpty(w, http.StatusOK) // OK()
}

// validateMachineID is maintenance::validation::machine for a machine read from JSON (operator_maintenance.go).
func validateMachineID(id machineID) string {
	return validateMachine(&mesosproto.MachineID{Hostname: proto.String(id.Hostname), Ip: proto.String(id.IP)})
}

// serveMaintenanceStatus is Master::Http::maintenanceStatus (GET only):
// ClusterStatus as JSON::protobuf, the scheduled machines as
// draining_machines with the frameworks' answers to their inverse offers
// (statuses; the fake records answers, not the UNKNOWN status of an
// unanswered inverse offer).
func (m *master) serveMaintenanceStatus(w http.ResponseWriter, r *http.Request, q url.Values) {
	if r.Method != http.MethodGet {
		methodNotAllowed(w, r.Method, "GET")
		return
	}
	m.render(w, q, func(jw *jsonWriter) {
		s := m.s
		jw.beginObject()
		first := true
		for _, win := range s.scheduleWindowsLocked() {
			for _, a := range win {
				if first {
					jw.arrayField("draining_machines")
					first = false
				}
				jw.beginObject()
				jw.key("id")
				jw.machineValue(s.machineOfLocked(a))
				if rs := a.maintenance.responses; len(rs) > 0 {
					jw.arrayField("statuses")
					for _, fwID := range sortedKeys(rs) {
						resp := rs[fwID]
						status := "DECLINE"
						if resp.Accepted {
							status = "ACCEPT"
						}
						jw.beginObject()
						jw.str("status", status)
						jw.objectField("framework_id")
						jw.str("value", fwID)
						jw.endObject()
						jw.objectField("timestamp")
						jw.int("nanoseconds", resp.Time.UnixNano())
						jw.endObject()
						jw.endObject()
					}
					jw.endArray()
				}
				jw.endObject()
			}
		}
		if !first {
			jw.endArray()
		}
		jw.endObject()
	})
}

// machineValue writes a MachineID object as a field value.
func (w *jsonWriter) machineValue(id machineID) {
	w.open('{')
	if id.Hostname != "" {
		w.str("hostname", id.Hostname)
	}
	if id.IP != "" {
		w.str("ip", id.IP)
	}
	w.close('}')
}

// machineIDsBody parses the JSON array of MachineIDs of /machine/down and
// /machine/up and validates it (maintenance::validation::machines).
func machineIDsBody(w http.ResponseWriter, r *http.Request) ([]machineID, bool) {
	if r.Method != http.MethodPost {
		methodNotAllowed(w, r.Method, "POST")
		return nil, false
	}
	body, err := readBody(r, maxOperatorBody)
	if err != nil {
		return nil, false
	}
	if msg := checkJSONType(body, '['); msg != "" {
		writeText(w, http.StatusBadRequest, msg)
		return nil, false
	}
	var ids []machineID
	if err := json.Unmarshal(body, &ids); err != nil {
		writeText(w, http.StatusBadRequest, err.Error())
		return nil, false
	}
	if len(ids) == 0 {
		writeText(w, http.StatusBadRequest, "List of machines is empty")
		return nil, false
	}
	seen := map[machineID]bool{}
	for _, id := range ids {
		if msg := validateMachineID(id); msg != "" {
			writeText(w, http.StatusBadRequest, msg)
			return nil, false
		}
		if seen[id] {
			writeText(w, http.StatusBadRequest, "Machine '"+id.jsonText()+"' appears more than once in the schedule")
			return nil, false
		}
		seen[id] = true
	}
	return ids, true
}

// scheduledLocked reports whether a machine is in the schedule.
func (s *Server) scheduledLocked(id machineID) bool {
	for _, a := range s.agents {
		if a.maintenance != nil && s.machineOfLocked(a) == id {
			return true
		}
	}
	return false
}

// serveMachineDown is Master::Http::machineDown: every machine must be in
// the schedule and DRAINING; then START_MAINTENANCE's work brings them
// DOWN (startMaintenanceLocked, operator_gone.go). A machine scheduled
// through /maintenance/schedule joins the operator API's machines as
// DRAINING first.
func (m *master) serveMachineDown(w http.ResponseWriter, r *http.Request, _ url.Values) {
	ids, ok := machineIDsBody(w, r)
	if !ok {
		return
	}
	if msg := m.s.unscheduled(ids); msg != "" {
		writeText(w, http.StatusBadRequest, msg)
		return
	}
	s := m.s
	s.mu.Lock()
	pb := make([]*mesosproto.MachineID, 0, len(ids))
	for _, id := range ids {
		mid := id.proto()
		if _, ok := s.op.machines[machineKeyOf(mid)]; !ok {
			if s.op.machines == nil {
				s.op.machines = map[machineKey]*machine{}
			}
			s.op.machines[machineKeyOf(mid)] = &machine{id: mid}
		}
		pb = append(pb, mid)
	}
	status, body := m.startMaintenanceLocked(pb)
	s.mu.Unlock()
	writeText(w, status, body)
}

// serveMachineUp is Master::Http::machineUp: every machine must be in the
// schedule and DOWN (STOP_MAINTENANCE's work, stopMaintenanceLocked); a
// machine only the agents' schedule knows is DRAINING.
func (m *master) serveMachineUp(w http.ResponseWriter, r *http.Request, _ url.Values) {
	ids, ok := machineIDsBody(w, r)
	if !ok {
		return
	}
	if msg := m.s.unscheduled(ids); msg != "" {
		writeText(w, http.StatusBadRequest, msg)
		return
	}
	s := m.s
	s.mu.Lock()
	pb := make([]*mesosproto.MachineID, 0, len(ids))
	for _, id := range ids {
		mid := id.proto()
		if mc := s.op.machines[machineKeyOf(mid)]; mc == nil || !mc.down {
			s.mu.Unlock()
			writeText(w, http.StatusBadRequest, "Machine '"+id.jsonText()+"' is not in DOWN mode and cannot be brought up")
			return
		}
		pb = append(pb, mid)
	}
	status, body := s.stopMaintenanceLocked(pb)
	s.mu.Unlock()
	writeText(w, status, body)
}

// proto is the MachineID of id.
func (id machineID) proto() *mesosproto.MachineID {
	out := &mesosproto.MachineID{}
	if id.Hostname != "" {
		out.Hostname = proto.String(id.Hostname)
	}
	if id.IP != "" {
		out.Ip = proto.String(id.IP)
	}
	return out
}

// unscheduled returns Mesos's answer for the first machine that is not in
// the schedule, "" when all are.
func (s *Server) unscheduled(ids []machineID) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, id := range ids {
		if !s.scheduledLocked(id) {
			return "Machine '" + id.jsonText() + "' is not part of a maintenance schedule"
		}
	}
	return ""
}
