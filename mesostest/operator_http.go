// SPDX-License-Identifier: Apache-2.0

package mesostest

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/internal/httpapi"
	"github.com/mesoskit/mesoskit/mesosproto/masterpb"
)

// The master's v1 operator endpoint. libprocess serves it at both paths: the
// second is the master process's own id ("master") as prefix.
const (
	operatorPath       = "/api/v1"
	masterOperatorPath = "/master/api/v1"
)

// serveOperator is Master::Http::api (src/master/http.cpp): the checks in
// Mesos's order, then the call.
//
//  1. not the leader: 307 to the leader, or 503 "No leader elected"
//     (Master::Http::redirect); still recovering: 503;
//  2. not POST: 405 with Allow: POST;
//  3. no Content-Type: 400; neither JSON nor protobuf: 415;
//  4. the body does not parse: 400 "Failed to parse body into Call protobuf",
//     "Failed to parse body into JSON: ..." or "Failed to convert JSON into
//     Call protobuf: ...";
//  5. validation::master::call::validate (src/master/validation.cpp): 400
//     "Failed to validate master::Call: ...";
//  6. Accept allows neither JSON nor protobuf: 406 (JSON wins when both are
//     acceptable: Request::acceptsMediaType is asked for JSON first);
//  7. the call: UNKNOWN is 501 Not Implemented with no body.
//
// With WithOperatorAuthentication the request is authenticated first, as
// --authenticate_http_readwrite does (acl_http.go).
func (m *master) serveOperator(w http.ResponseWriter, r *http.Request) {
	s := m.s
	r, authed := m.withOperatorPrincipal(w, r) // WithOperatorAuthentication (acl_http.go)
	if !authed {
		return
	}
	rp := &reply{rec: Call{Master: m.idx, Time: time.Now()}}

	// Master::Http::redirect keeps the path as the master process saw it.
	lr := *r
	u := *r.URL
	if u.Path == operatorPath {
		u.Path, u.RawPath = masterOperatorPath, ""
	}
	lr.URL = &u
	s.mu.Lock()
	ok := m.leadershipLocked(&lr, rp)
	s.mu.Unlock()
	if !ok {
		rp.write(w)
		return
	}

	if r.Method != http.MethodPost {
		rp.status, rp.allow = http.StatusMethodNotAllowed, true
		rp.body = "405 Method Not Allowed. Expecting one of { 'POST' }, but received '" + r.Method + "'."
		rp.write(w)
		return
	}
	cts, present := r.Header[httpapi.HeaderContentType]
	if !present {
		rp.status, rp.body = http.StatusBadRequest, "Expecting 'Content-Type' to be present"
		rp.write(w)
		return
	}
	contentType := cts[0]
	if contentType != httpapi.MediaTypeJSON && contentType != httpapi.MediaTypeProtobuf {
		rp.status = http.StatusUnsupportedMediaType
		rp.body = "Expecting 'Content-Type' of " + httpapi.MediaTypeJSON + " or " + httpapi.MediaTypeProtobuf
		rp.write(w)
		return
	}
	body, err := readBody(r, maxRequestBody)
	if err != nil {
		return // the client went away
	}
	if len(body) > maxRequestBody {
		rp.status, rp.body = http.StatusRequestEntityTooLarge, "Request body is too large"
		rp.write(w)
		return
	}
	call := &masterpb.Call{}
	if err := httpapi.UnmarshalStrict(contentType, body, call); err != nil {
		rp.status, rp.body = http.StatusBadRequest, err.Error()
		var pe *httpapi.ParseError
		if errors.As(err, &pe) {
			rp.body = pe.Body()
		}
		rp.write(w)
		return
	}
	if msg := validateOperatorCall(call); msg != "" {
		rp.status, rp.body = http.StatusBadRequest, "Failed to validate master::Call: "+msg
		rp.write(w)
		return
	}
	mediaType, ok := httpapi.NegotiateAcceptHeader(r.Header)
	if !ok {
		rp.status = http.StatusNotAcceptable
		rp.body = "Expecting 'Accept' to allow '" + httpapi.MediaTypeProtobuf + "' or '" + httpapi.MediaTypeJSON + "'"
		rp.write(w)
		return
	}
	codec, _ := httpapi.CodecFor(mediaType)
	if call.GetType() == masterpb.Call_SUBSCRIBE {
		m.serveOperatorSubscribe(w, r, codec) // operator_events.go
		return
	}
	if call.GetType() == masterpb.Call_GET_STATE {
		m.serveOperatorGetState(w, rp, &lr, mediaType) // encoded as it is read (operator_state_stream.go)
		return
	}

	s.mu.Lock()
	if !m.leadershipLocked(&lr, rp) {
		s.mu.Unlock()
		rp.write(w)
		return
	}
	var resp *masterpb.Response
	status, text := http.StatusForbidden, "" // Forbidden(): WithACLs (acl_http.go)
	if !m.teardownForbiddenLocked(call, operatorPrincipal(r)) {
		resp, status, text = m.operatorCallLocked(call)
	}
	s.mu.Unlock()
	if resp == nil {
		rp.status, rp.body = status, text
		rp.write(w)
		return
	}
	out, err := codec.Marshal(resp)
	if err != nil {
		w.WriteHeader(http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set(httpapi.HeaderContentType, mediaType)
	h.Set("Content-Length", strconv.Itoa(len(out)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(out)
}

// operatorCallLocked answers one validated call: a Response for a 200, or a
// status with a plain text body (none for OK()).
func (m *master) operatorCallLocked(call *masterpb.Call) (*masterpb.Response, int, string) {
	if resp, status, text, ok := m.operatorWriteLocked(call); ok { // operator_calls.go
		return resp, status, text
	}
	switch call.GetType() {
	case masterpb.Call_GET_HEALTH:
		// Master::Http::getHealth: a master that answers is healthy.
		return &masterpb.Response{
			Type:      masterpb.Response_GET_HEALTH.Enum(),
			GetHealth: &masterpb.Response_GetHealth{Healthy: proto.Bool(true)},
		}, http.StatusOK, ""
	case masterpb.Call_GET_VERSION:
		return &masterpb.Response{
			Type:       masterpb.Response_GET_VERSION.Enum(),
			GetVersion: &masterpb.Response_GetVersion{VersionInfo: versionInfo()},
		}, http.StatusOK, ""
	case masterpb.Call_GET_MASTER:
		return &masterpb.Response{Type: masterpb.Response_GET_MASTER.Enum(), GetMaster: m.getMasterLocked()}, http.StatusOK, ""
	case masterpb.Call_GET_FLAGS:
		return m.getFlagsLocked(), http.StatusOK, "" // operator_flags_metrics.go
	case masterpb.Call_GET_METRICS:
		return m.getMetricsLocked(), http.StatusOK, "" // operator_flags_metrics.go
	case masterpb.Call_GET_STATE:
		return &masterpb.Response{Type: masterpb.Response_GET_STATE.Enum(), GetState: m.getStateLocked()}, http.StatusOK, ""
	case masterpb.Call_GET_AGENTS:
		return &masterpb.Response{Type: masterpb.Response_GET_AGENTS.Enum(), GetAgents: m.getAgentsLocked()}, http.StatusOK, ""
	case masterpb.Call_GET_FRAMEWORKS:
		return &masterpb.Response{Type: masterpb.Response_GET_FRAMEWORKS.Enum(), GetFrameworks: m.getFrameworksLocked()}, http.StatusOK, ""
	case masterpb.Call_GET_TASKS:
		return &masterpb.Response{Type: masterpb.Response_GET_TASKS.Enum(), GetTasks: m.getTasksLocked()}, http.StatusOK, ""
	case masterpb.Call_GET_OPERATIONS:
		return &masterpb.Response{Type: masterpb.Response_GET_OPERATIONS.Enum(), GetOperations: m.getOperationsLocked()}, http.StatusOK, "" // operator_roles.go
	case masterpb.Call_GET_ROLES:
		return &masterpb.Response{Type: masterpb.Response_GET_ROLES.Enum(), GetRoles: m.getRolesLocked()}, http.StatusOK, "" // operator_roles.go
	case masterpb.Call_GET_EXECUTORS:
		return &masterpb.Response{Type: masterpb.Response_GET_EXECUTORS.Enum(), GetExecutors: m.getExecutorsLocked()}, http.StatusOK, ""
	}
	// UNKNOWN: Master::Http::api answers NotImplemented().
	return nil, http.StatusNotImplemented, ""
}
