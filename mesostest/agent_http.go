// SPDX-License-Identifier: Apache-2.0

//lint:file-ignore SA1019 Mesos's endpoints still write the deprecated role field

package mesostest

import (
	"encoding/json"
	"net"
	"net/http"
	"path"
	"strconv"
	"strings"

	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/mesosproto"
)

// The read-only endpoints of every agent, on the agent's own port (see
// agentServer): routed as libprocess routes them
// (3rdparty/libprocess/src/process.cpp, ProcessManager::handle and
// ProcessBase::consume). The first path segment names a process ("files",
// "metrics", "version", "slave(1)"); any other path belongs to the agent's
// process, the delegate, so /state is /slave(1)/state. Within a process the
// longest route that is a prefix of the rest answers (/state/x is /state);
// nothing matches: 404 "404 Not Found.". None of these endpoints checks the
// method (Http::flags and Http::containers only with an authorizer), and
// none needs authentication (--authenticate_http_readonly defaults to false).

// agentProcessID is the agent's libprocess id.
const agentProcessID = "slave(1)"

// agentRoute answers one route of the agent's process.
type agentRoute func(s *Server, as *agentServer, w http.ResponseWriter, r *http.Request)

// agentRoutes are the routes of the agent's process (Slave::initialize,
// src/slave/slave.cpp) that mesostest serves, besides /api/v1/executor.
var agentRoutes = map[string]agentRoute{
	"state": (*Server).serveAgentState,
	"flags": (*Server).serveAgentFlags,
	"health": func(_ *Server, _ *agentServer, w http.ResponseWriter, _ *http.Request) {
		writeEmpty(w, http.StatusOK) // OK()
	},
	"containers":         (*Server).serveAgentContainers,
	"monitor/statistics": (*Server).serveAgentStatistics,
	"api/v1":             (*Server).serveAgentOperator, // agent_operator_http.go
}

// serveAgentHTTP routes a request to the agent's endpoint that is not for
// the executor API.
func (s *Server) serveAgentHTTP(as *agentServer, w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	s.handlers.Add(1)
	s.mu.Unlock()
	defer s.handlers.Done()

	var tokens []string // strings::tokenize: empty segments dropped
	for _, t := range strings.Split(r.URL.Path, "/") {
		if t != "" {
			tokens = append(tokens, t)
		}
	}
	if len(tokens) == 0 || !isAgentProcess(tokens[0]) {
		tokens = append([]string{agentProcessID}, tokens...) // the delegate
	}
	name := strings.Join(tokens[1:], "/")
	for {
		if s.serveAgentRoute(as, tokens[0], name, w, r) {
			return
		}
		parent := path.Dir(name)
		if parent == name {
			break
		}
		name = parent
	}
	writeText(w, http.StatusNotFound, "404 Not Found.")
}

func isAgentProcess(id string) bool {
	switch id {
	case agentProcessID, "files", "metrics", "version":
		return true
	}
	return false
}

// serveAgentRoute answers route name of process proc, if it exists.
func (s *Server) serveAgentRoute(as *agentServer, proc, name string, w http.ResponseWriter, r *http.Request) bool {
	switch proc {
	case "files":
		switch name {
		case "browse", "read", "download", "debug":
			serveFiles(w, r, name, s.agentFiles(as.a.id))
			return true
		}
	case "metrics":
		if name == "snapshot" {
			s.serveAgentMetrics(as, w, r) // agent_http_metrics.go
			return true
		}
	case "version":
		if name == "" {
			// VersionProcess::version (src/version/version.cpp).
			writeJSONValue(w, r.URL.Query(), versionModel())
			return true
		}
	default:
		if route, ok := agentRoutes[name]; ok {
			route(s, as, w, r)
			return true
		}
	}
	return false
}

// versionModel is internal::version() (src/version/version.hpp).
func versionModel() jsonObject {
	return jsonObject{"version": mesosVersion, "build_date": buildDate, "build_time": float64(buildTime), "build_user": buildUser}
}

// agentUPID is the agent's libprocess pid, "slave(1)@ip:port".
func agentUPID(a *agent) string {
	return agentProcessID + "@" + net.JoinHostPort(agentIP(a.hostname), strconv.Itoa(a.port))
}

// serveAgentState is Http::state (src/slave/http.cpp).
func (s *Server) serveAgentState(as *agentServer, w http.ResponseWriter, r *http.Request) {
	st, recovering := func() (jsonObject, bool) {
		s.mu.Lock()
		defer s.mu.Unlock()
		// RestartAgent: back on its port but not recovered yet.
		if a := as.a; a.ex != nil && (a.ex.down || a.ex.recovering) {
			return nil, true
		}
		return s.agentStateLocked(as), false
	}()
	if recovering {
		writeText(w, http.StatusServiceUnavailable, "Agent has not finished recovery")
		return
	}
	writeJSONValue(w, r.URL.Query(), st)
}

// agentStateLocked builds the /state object of the agent.
func (s *Server) agentStateLocked(as *agentServer) jsonObject {
	a := as.a
	total := a.total.toProto("", true)
	reserved, reservedFull := jsonObject{}, jsonObject{}
	var unreserved []*mesosproto.Resource
	byRole := map[string][]*mesosproto.Resource{}
	for _, k := range a.total.sortedKeys() {
		one := resources{k: a.total[k]}
		for _, r := range one.toProto("", true) {
			if k.role == "*" {
				unreserved = append(unreserved, r)
			} else {
				byRole[k.role] = append(byRole[k.role], r)
			}
		}
	}
	for role, rs := range byRole {
		reserved[role] = resourcesModel(rs)
		full := make([]json.RawMessage, 0, len(rs))
		for _, r := range rs {
			full = append(full, endpointResource(r))
		}
		reservedFull[role] = full
	}
	unreservedFull := make([]json.RawMessage, 0, len(unreserved))
	for _, r := range unreserved {
		unreservedFull = append(unreservedFull, endpointResource(r))
	}
	allocated, allocatedReserved := []*mesosproto.Resource{}, map[string][]*mesosproto.Resource{}
	for _, k := range a.used.sortedKeys() {
		for _, r := range (resources{k: a.used[k]}).toProto("", true) {
			if k.role == "*" {
				allocated = append(allocated, r)
			} else {
				allocatedReserved[k.role] = append(allocatedReserved[k.role], r)
			}
		}
	}
	reservedAllocated := jsonObject{}
	for role, rs := range allocatedReserved {
		reservedAllocated[role] = resourcesModel(rs)
	}

	out := jsonObject{
		"version":                        mesosVersion,
		"build_date":                     buildDate,
		"build_time":                     float64(buildTime),
		"build_user":                     buildUser,
		"start_time":                     float64(as.start.UnixNano()) / 1e9,
		"id":                             a.id,
		"pid":                            agentUPID(a),
		"hostname":                       a.hostname,
		"capabilities":                   agentCapabilities,
		"resources":                      resourcesModel(total),
		"reserved_resources":             reserved,
		"unreserved_resources":           resourcesModel(unreserved),
		"reserved_resources_full":        reservedFull,
		"unreserved_resources_full":      unreservedFull,
		"reserved_resources_allocated":   reservedAllocated,
		"unreserved_resources_allocated": resourcesModel(allocated),
		"resource_providers":             []any{},
		"attributes":                     attributesModel(a.attributes),
		"flags":                          s.agentFlagsLocked(as),
	}
	if m := s.leaderLocked(); m != nil {
		out["master_hostname"] = m.host
	}
	out["frameworks"], out["completed_frameworks"] = s.agentFrameworksLocked(a)
	return out
}

// endpointResource is a Resource in the ENDPOINT format
// (convertResourceFormat, src/common/resources_utils.cpp): the reservations
// stack, plus the pre-refinement role ("*" when unreserved) and, for a single
// dynamic reservation, its principal and labels as `reservation`; a refined
// reservation stack gets nothing more.
func endpointResource(r *mesosproto.Resource) json.RawMessage {
	c := proto.Clone(r).(*mesosproto.Resource)
	switch rs := c.GetReservations(); len(rs) {
	case 0:
		c.Role = proto.String("*")
	case 1:
		if rs[0].GetType() == mesosproto.Resource_ReservationInfo_DYNAMIC {
			c.Reservation = &mesosproto.Resource_ReservationInfo{Principal: rs[0].Principal, Labels: rs[0].GetLabels()}
		}
		c.Role = proto.String(rs[0].GetRole())
	}
	return rawProtoJSON(c)
}

// AgentURL returns the base URL of agent agentID ("http://127.0.0.1:port"),
// where it serves /state, /flags, /version, /health, /containers,
// /metrics/snapshot, the files API (/files/browse, /files/read,
// /files/download, /files/debug) and the executor API. It returns "" for an
// unknown agent.
func (s *Server) AgentURL(agentID string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.agentByID[agentID]
	if a == nil || a.ex == nil || a.ex.srv == nil {
		return ""
	}
	return "http://" + net.JoinHostPort("127.0.0.1", strconv.Itoa(a.ex.srv.port))
}
