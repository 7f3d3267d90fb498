// SPDX-License-Identifier: Apache-2.0

package mesostest

import (
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/maintenancepb"
	"github.com/mesoskit/mesoskit/mesosproto/masterpb"
	"github.com/mesoskit/mesoskit/mesosproto/quotapb"
)

// operatorState is what the operator API changes: role weights, kept in the
// registry by Mesos so they survive a master failover (cluster-wide here),
// and each master process's logging level.
type operatorState struct {
	weights   map[string]float64
	logLevel  map[int]uint32 // by master index; absent is 0 (glog's FLAGS_v default)
	logRevert map[int]*time.Timer

	schedule *maintenancepb.Schedule // the maintenance schedule (operator_maintenance.go)
	machines map[machineKey]*machine // its machines, DRAINING or DOWN

	quotas map[string]*quotapb.QuotaConfig // by role (operator_quota.go)

	deactivated map[string]bool // agent ids (operator_agents.go)

	draining map[string]*agentDrain // DrainInfo by agent id (operator_drain.go)

	gone map[string]bool // agents marked gone (operator_gone.go)

	agentLogLevel  map[string]uint32      // by agent id (agent_operator_calls.go)
	agentLogRevert map[string]*time.Timer // by agent id
}

// operatorWriteLocked answers the calls that change state. A nil Response
// with status 200 is Mesos's OK() with no body.
func (m *master) operatorWriteLocked(call *masterpb.Call) (*masterpb.Response, int, string, bool) {
	s := m.s
	if resp, status, text, ok := m.operatorMaintenanceLocked(call); ok { // operator_maintenance.go
		return resp, status, text, true
	}
	if status, body, ok := m.operatorResourceCallLocked(call); ok { // operator_resources.go
		return nil, status, body, true
	}
	if status, body, ok := m.operatorRemovalLocked(call); ok { // operator_gone.go
		return nil, status, body, true
	}
	switch call.GetType() {
	case masterpb.Call_UPDATE_WEIGHTS:
		status, body := s.updateWeightsLocked(call.GetUpdateWeights().GetWeightInfos())
		return nil, status, body, true
	case masterpb.Call_LIST_FILES, masterpb.Call_READ_FILE:
		// A master's files API serves only what it attached: its log file as
		// /master/log, and only with --log_dir (Master::initialize). A
		// mesostest master has no log directory, so every path resolves to
		// nothing: FilesError NOT_FOUND without a message, NotFound("")
		// (Master::Http::listFiles and readFile, FilesProcess::resolve in
		// src/files/files.cpp).
		return nil, http.StatusNotFound, "", true
	case masterpb.Call_DEACTIVATE_AGENT:
		status, body := m.deactivateAgentLocked(call.GetDeactivateAgent().GetAgentId().GetValue())
		return nil, status, body, true
	case masterpb.Call_DRAIN_AGENT:
		status, body := m.drainAgentLocked(call.GetDrainAgent()) // operator_drain.go
		return nil, status, body, true
	case masterpb.Call_REACTIVATE_AGENT:
		status, body := m.reactivateAgentLocked(call.GetReactivateAgent().GetAgentId().GetValue())
		return nil, status, body, true
	case masterpb.Call_REMOVE_QUOTA: //lint:ignore SA1019 a master still serves the deprecated call
		status, body := s.removeQuotaLocked(call.GetRemoveQuota().GetRole()) //lint:ignore SA1019 see above
		return nil, status, body, true
	case masterpb.Call_GET_QUOTA:
		return &masterpb.Response{Type: masterpb.Response_GET_QUOTA.Enum(), GetQuota: s.getQuotaLocked()}, http.StatusOK, "", true
	case masterpb.Call_UPDATE_QUOTA:
		status, body := s.updateQuotaLocked(call.GetUpdateQuota())
		return nil, status, body, true
	case masterpb.Call_SET_QUOTA: //lint:ignore SA1019 a master still serves the deprecated call
		status, body := m.setQuotaLocked(call.GetSetQuota().GetQuotaRequest()) //lint:ignore SA1019 see above (operator_setquota.go)
		return nil, status, body, true
	case masterpb.Call_GET_WEIGHTS:
		return &masterpb.Response{Type: masterpb.Response_GET_WEIGHTS.Enum(), GetWeights: s.getWeightsLocked()}, http.StatusOK, "", true
	case masterpb.Call_GET_LOGGING_LEVEL:
		return &masterpb.Response{
			Type:            masterpb.Response_GET_LOGGING_LEVEL.Enum(),
			GetLoggingLevel: &masterpb.Response_GetLoggingLevel{Level: proto.Uint32(s.op.logLevel[m.idx])},
		}, http.StatusOK, "", true
	case masterpb.Call_SET_LOGGING_LEVEL:
		m.setLoggingLevelLocked(call.GetSetLoggingLevel())
		return nil, http.StatusOK, "", true
	case masterpb.Call_TEARDOWN:
		// Master::Http::_teardown, then __teardown: removeFramework, OK().
		fw := m.st.frameworks[call.GetTeardown().GetFrameworkId().GetValue()]
		if fw == nil {
			return nil, http.StatusBadRequest, "No framework found with specified ID", true
		}
		m.removeFrameworkLocked(fw)
		return nil, http.StatusOK, "", true
	}
	return nil, 0, "", false
}

// getWeightsLocked is Master::WeightsHandler::_getWeights: every role with a
// weight set (Mesos iterates a hashmap; sorted by role here).
func (s *Server) getWeightsLocked() *masterpb.Response_GetWeights {
	out := &masterpb.Response_GetWeights{}
	roles := make([]string, 0, len(s.op.weights))
	for r := range s.op.weights {
		roles = append(roles, r)
	}
	sort.Strings(roles)
	for _, r := range roles {
		out.WeightInfos = append(out.WeightInfos, &mesosproto.WeightInfo{Weight: proto.Float64(s.op.weights[r]), Role: proto.String(r)})
	}
	return out
}

// updateWeightsLocked is Master::WeightsHandler::_updateWeights
// (src/master/weights_handler.cpp): every role is trimmed and validated
// (roles::validate; with no --roles every valid role is whitelisted), every
// weight must be positive; then all are stored at once.
func (s *Server) updateWeightsLocked(infos []*mesosproto.WeightInfo) (int, string) {
	valid := make(map[string]float64, len(infos))
	var order []string
	for _, wi := range infos {
		role := strings.Trim(wi.GetRole(), " \t\n\r")
		if err := validateRole(role); err != nil {
			return http.StatusBadRequest, "Failed to validate update weights request JSON: Invalid role '" + role + "': " + err.Error()
		}
		if wi.GetWeight() <= 0 {
			return http.StatusBadRequest, "Failed to validate update weights request JSON for role '" + role +
				"': Invalid weight '" + strconv.FormatFloat(wi.GetWeight(), 'g', 6, 64) + "': Weights must be positive"
		}
		valid[role] = wi.GetWeight()
		order = append(order, role)
	}
	if s.op.weights == nil {
		s.op.weights = map[string]float64{}
	}
	for _, r := range order {
		s.op.weights[r] = valid[r]
	}
	return http.StatusOK, ""
}

// setLoggingLevelLocked is Master::Http::setLoggingLevel, which asks
// libprocess's Logging::set_level: the level holds for the duration, then
// the original level (0) comes back.
func (m *master) setLoggingLevelLocked(sl *masterpb.Call_SetLoggingLevel) {
	s := m.s
	if s.op.logLevel == nil {
		s.op.logLevel, s.op.logRevert = map[int]uint32{}, map[int]*time.Timer{}
	}
	if t := s.op.logRevert[m.idx]; t != nil {
		t.Stop()
		delete(s.op.logRevert, m.idx)
	}
	s.op.logLevel[m.idx] = sl.GetLevel()
	if sl.GetLevel() == 0 {
		return
	}
	idx := m.idx
	s.op.logRevert[idx] = s.afterLocked(time.Duration(sl.GetDuration().GetNanoseconds()), func() {
		delete(s.op.logLevel, idx)
		delete(s.op.logRevert, idx)
	})
}
