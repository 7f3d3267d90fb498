// SPDX-License-Identifier: Apache-2.0

package mesostest

import (
	"net"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
)

// The master's read-only and operator HTTP endpoints (the routes of
// Master::initialize, src/master/master.cpp, handled in src/master/http.cpp
// and src/master/readonly_handler.cpp), plus /version and /metrics/snapshot,
// which are separate libprocess processes of the master's OS process.
// Everything is rendered from the cluster model under Server.mu.

// roHandler answers one endpoint. It runs without the cluster lock.
type roHandler func(m *master, w http.ResponseWriter, r *http.Request, q url.Values)

// roEndpoint is a route of the master process: its handler, and whether a
// non-leading master redirects it to the leader before anything else (the
// `if (!master->elected()) return redirect(request);` that opens most
// handlers of src/master/http.cpp).
type roEndpoint struct {
	handle   roHandler
	redirect bool
}

// masterRoutes are the master process's routes by name (the path below
// /master), except /api/v1 and /api/v1/scheduler, which ServeHTTP routes.
var masterRoutes map[string]roEndpoint

func init() {
	masterRoutes = map[string]roEndpoint{
		"state":                {(*master).serveState, true},
		"state-summary":        {(*master).serveStateSummary, true},
		"frameworks":           {(*master).serveFrameworks, true},
		"slaves":               {(*master).serveSlaves, true},
		"tasks":                {(*master).serveTasks, true},
		"roles":                {(*master).serveRoles, true},
		"flags":                {(*master).serveFlags, false},
		"health":               {(*master).serveHealth, false},
		"redirect":             {(*master).serveRedirect, false},
		"maintenance/schedule": {(*master).serveMaintenanceSchedule, true},
		"maintenance/status":   {(*master).serveMaintenanceStatus, true},
		"machine/down":         {(*master).serveMachineDown, true},
		"machine/up":           {(*master).serveMachineUp, true},
		"quota":                {(*master).serveQuota, true},
		"weights":              {(*master).serveWeights, true},
		"teardown":             {(*master).serveTeardown, true},
		"reserve":              {(*master).serveReserve, true},
		"unreserve":            {(*master).serveUnreserve, true},
		"create-volumes":       {(*master).serveCreateVolumes, true},
		"destroy-volumes":      {(*master).serveDestroyVolumes, true},
	}
}

// otherProcesses are the libprocess processes besides "master" that answer
// HTTP on a master's address and that the fake serves: the VersionProcess
// (route "/", src/version/version.cpp) and the MetricsProcess (route
// "/snapshot", 3rdparty/libprocess/src/metrics/metrics.cpp).
var otherProcesses = map[string]map[string]roHandler{
	"version": {"": (*master).serveVersion},
	"metrics": {"snapshot": (*master).serveMetrics},
}

// serveReadonly routes a request as libprocess does
// (ProcessManager::handle and ProcessBase::consume in
// 3rdparty/libprocess/src/process.cpp): the first path segment names the
// process, and a path whose first segment is no process is delegated to
// the master (the request path becomes "/master" + path); below the
// process, the longest route that is a prefix of the rest, by whole
// segments, handles it ("/slaves/<id>" is served by "/slaves"; a trailing
// "/" is ignored). It reports false when no route matched.
func (m *master) serveReadonly(w http.ResponseWriter, r *http.Request) bool {
	p := r.URL.Path
	tokens := strings.FieldsFunc(p, func(c rune) bool { return c == '/' })
	if len(tokens) > 0 {
		if routes, ok := otherProcesses[tokens[0]]; ok {
			name := strings.Trim(strings.TrimPrefix(p, "/"+tokens[0]), "/")
			if h, ok := longestRoute(routes, name); ok {
				h(m, w, r, queryOf(r))
				return true
			}
			return false
		}
	}
	name := p
	if len(tokens) > 0 && tokens[0] == "master" {
		name = strings.TrimPrefix(p, "/master")
	}
	name = strings.Trim(name, "/")
	ep, ok := longestRoute(masterRoutes, name)
	if !ok {
		return false
	}
	if rw, _ := longestRoute(readwriteRoutes, name); rw {
		var authed bool
		if r, authed = m.withOperatorPrincipal(w, r); !authed { // acl_http.go
			return true
		}
	}
	q := queryOf(r)
	if ep.redirect && !m.redirectIfNotLeader(w, r) {
		return true
	}
	ep.handle(m, w, r, q)
	return true
}

// masterRoutesPath reports whether the master's endpoints route p
// (WithHTTPHandler may not shadow them).
func masterRoutesPath(p string) bool {
	tokens := strings.FieldsFunc(p, func(c rune) bool { return c == '/' })
	if len(tokens) > 0 {
		if routes, ok := otherProcesses[tokens[0]]; ok {
			_, found := longestRoute(routes, strings.Trim(strings.TrimPrefix(p, "/"+tokens[0]), "/"))
			return found
		}
	}
	_, found := longestRoute(masterRoutes, strings.Trim(p, "/"))
	return found
}

// longestRoute looks name up, then its parents ("a/b/c", "a/b", "a"), as
// ProcessBase::consume does with Path::dirname.
func longestRoute[V any](routes map[string]V, name string) (V, bool) {
	for {
		if v, ok := routes[name]; ok {
			return v, true
		}
		parent := path.Dir(name)
		if parent == name || parent == "." {
			var zero V
			return zero, false
		}
		name = parent
	}
}

// queryOf decodes the query; a key given twice keeps its last value, as
// process::http::query::decode does.
func queryOf(r *http.Request) url.Values {
	q, _ := url.ParseQuery(r.URL.RawQuery)
	for k, vs := range q {
		if len(vs) > 1 {
			q[k] = vs[len(vs)-1:]
		}
	}
	return q
}

// redirectIfNotLeader answers for a master that does not lead as
// Master::Http::redirect does, and reports whether m leads.
func (m *master) redirectIfNotLeader(w http.ResponseWriter, r *http.Request) bool {
	s := m.s
	s.mu.Lock()
	leading := s.leader == m.idx
	var loc string
	if !leading && s.leader >= 0 {
		loc = leaderBase(s.masters[s.leader]) + delegatedURI(r)
	}
	s.mu.Unlock()
	switch {
	case leading:
		return true
	case loc == "":
		writeText(w, http.StatusServiceUnavailable, "No leader elected")
	default:
		w.Header().Set("Location", loc)
		w.WriteHeader(http.StatusTemporaryRedirect)
	}
	return false
}

// leaderBase is the protocol-relative base URL of a master,
// "//hostname:port" (Master::Http::redirect).
func leaderBase(l *master) string {
	return "//" + net.JoinHostPort(l.info.GetHostname(), strconv.Itoa(int(l.info.GetPort())))
}

// delegatedURI is the request's path and query as the master process saw
// it: libprocess prefixes "/master" to a delegated path.
func delegatedURI(r *http.Request) string {
	u := *r.URL
	if u.Path != "/master" && !strings.HasPrefix(u.Path, "/master/") {
		u.Path, u.RawPath = "/master"+u.Path, ""
	}
	return u.RequestURI()
}

// serveRedirect is Master::Http::redirect for /redirect itself: every
// master, the leader included, sends the client to the leader's base URL;
// /redirect/<anything> is 404 to avoid a loop.
func (m *master) serveRedirect(w http.ResponseWriter, r *http.Request, _ url.Values) {
	s := m.s
	s.mu.Lock()
	var base string
	if s.leader >= 0 {
		base = leaderBase(s.masters[s.leader])
	}
	s.mu.Unlock()
	if base == "" {
		writeText(w, http.StatusServiceUnavailable, "No leader elected")
		return
	}
	p := strings.TrimPrefix(r.URL.Path, "/master")
	if p != "/redirect" {
		w.Header().Set("Content-Length", "0")
		w.WriteHeader(http.StatusNotFound)
		return
	}
	w.Header().Set("Location", base)
	w.WriteHeader(http.StatusTemporaryRedirect)
}

// serveHealth is Master::Http::health: 200 with no body, for any method.
func (m *master) serveHealth(w http.ResponseWriter, _ *http.Request, _ url.Values) {
	writeEmpty(w, http.StatusOK)
}

// writeText writes a libprocess Response(body, status): text/plain, even
// when body is empty (3rdparty/libprocess/include/process/http.hpp).
func writeText(w http.ResponseWriter, status int, body string) {
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write([]byte(body))
}

// writeEmpty writes a libprocess Response(status), such as OK(): no body and
// no Content-Type.
func writeEmpty(w http.ResponseWriter, status int) {
	w.Header().Set("Content-Length", "0")
	w.WriteHeader(status)
}

// methodNotAllowed is libprocess's MethodNotAllowed(allowed, method).
func methodNotAllowed(w http.ResponseWriter, method string, allowed ...string) {
	w.Header().Set("Allow", strings.Join(allowed, ", "))
	writeText(w, http.StatusMethodNotAllowed,
		"405 Method Not Allowed. Expecting one of { '"+strings.Join(allowed, "', '")+"' }, but received '"+method+"'.")
}

// writeJSON writes OK(JSON, jsonp) (3rdparty/libprocess/src/http.cpp): the
// JSON as application/json or, with a jsonp query parameter, wrapped as
// "<jsonp>(<json>)" as text/javascript; Content-Length either way.
func writeJSON(w http.ResponseWriter, q url.Values, body []byte) {
	writeJSONChunks(w, q, len(body), [][]byte{body})
}

func writeJSONChunks(w http.ResponseWriter, q url.Values, size int, body [][]byte) {
	h := w.Header()
	cb, jsonp := q["jsonp"]
	if jsonp {
		h.Set("Content-Type", "text/javascript")
		size += len(cb[0]) + 2
	} else {
		h.Set("Content-Type", "application/json")
	}
	h.Set("Content-Length", strconv.Itoa(size))
	w.WriteHeader(http.StatusOK)
	if jsonp {
		_, _ = w.Write([]byte(cb[0] + "("))
	}
	for _, b := range body {
		if _, err := w.Write(b); err != nil {
			return // the client went away
		}
	}
	if jsonp {
		_, _ = w.Write([]byte(")"))
	}
}

// render renders a JSON answer under the cluster lock with f and writes
// it after unlocking. The lock is given up before the client reads
// the answer, so a slow client stalls nothing.
func (m *master) render(w http.ResponseWriter, q url.Values, f func(jw *jsonWriter)) {
	jw := &jsonWriter{b: make([]byte, 0, 4<<10)}
	func() {
		m.s.mu.Lock()
		defer m.s.mu.Unlock()
		f(jw)
	}()
	writeJSONChunks(w, q, jw.size(), jw.bytes())
}
