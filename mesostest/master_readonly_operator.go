// SPDX-License-Identifier: Apache-2.0

package mesostest

import (
	"encoding/json"
	"net/http"
	"net/url"

	"github.com/mesoskit/mesoskit/mesosproto"
)

// The operator's write endpoints of src/master/http.cpp. Each opens with
// the leader redirect (done by serveReadonly) and a POST-only check, then
// reads its parameters from the request body, url-encoded like a query.

// maxOperatorBody bounds the body of an operator request.
const maxOperatorBody = 4 << 20

// postForm applies the checks every POST-only operator endpoint opens
// with: the method, then the body decoded as a query string
// (process::http::query::decode). It answers and returns false on failure.
func postForm(w http.ResponseWriter, r *http.Request) (url.Values, bool) {
	if r.Method != http.MethodPost {
		methodNotAllowed(w, r.Method, "POST")
		return nil, false
	}
	body, err := readBody(r, maxOperatorBody)
	if err != nil {
		return nil, false
	}
	if len(body) > maxOperatorBody {
		writeText(w, http.StatusRequestEntityTooLarge, "Request body is too large")
		return nil, false
	}
	vals, err := url.ParseQuery(string(body))
	if err != nil {
		writeText(w, http.StatusBadRequest, "Unable to decode query string: "+err.Error())
		return nil, false
	}
	return vals, true
}

// serveTeardown is Master::Http::teardown: POST with "frameworkId" in the
// body; an unknown framework is 400 "No framework found with specified
// ID"; otherwise the framework is removed (Master::removeFramework) and
// the answer is 200 with no body.
func (m *master) serveTeardown(w http.ResponseWriter, r *http.Request, _ url.Values) {
	vals, ok := postForm(w, r)
	if !ok {
		return
	}
	id, present := vals["frameworkId"]
	if !present {
		writeText(w, http.StatusBadRequest, "Missing 'frameworkId' query parameter in the request body")
		return
	}
	s := m.s
	s.mu.Lock()
	var fw *framework
	if m.st != nil {
		fw = m.st.frameworks[id[len(id)-1]]
	}
	forbidden := fw != nil && s.cfg.auth.teardownForbidden(operatorPrincipal(r), fw) // WithACLs (acl_enforce.go)
	if fw != nil && !forbidden {
		m.removeFrameworkLocked(fw)
	}
	s.mu.Unlock()
	if forbidden {
		writeEmpty(w, http.StatusForbidden) // Forbidden()
		return
	}
	if fw == nil {
		writeText(w, http.StatusBadRequest, "No framework found with specified ID")
		return
	}
	writeEmpty(w, http.StatusOK) // OK()
}

// resourceListParam checks a body parameter holding a JSON array of
// Resource objects (the parseResourcesList of Master::Http::reserve).
func resourceListParam(vals url.Values, key string) string {
	v, ok := vals[key]
	if !ok {
		return "Missing '" + key + "' query parameter in the request body"
	}
	if msg := checkJSONType([]byte(v[len(v)-1]), '['); msg != "" {
		return "Error parsing '" + key + "' query parameter in the request body: " + msg
	}
	return ""
}

// checkJSONType is JSON::parse<T> (3rdparty/stout/include/stout/json.hpp):
// the text must be JSON, of the wanted type ('{' object, '[' array), else
// "Unexpected JSON type parsed". Syntax errors are described by
// encoding/json, not by picojson as in Mesos.
func checkJSONType(b []byte, want byte) string {
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return err.Error()
	}
	switch v.(type) {
	case map[string]any:
		if want == '{' {
			return ""
		}
	case []any:
		if want == '[' {
			return ""
		}
	}
	return "Unexpected JSON type parsed"
}

// serveResourceOperation answers /reserve, /unreserve, /create-volumes and
// /destroy-volumes: the method and parameter checks of their handlers in
// src/master/http.cpp, then the operation as the v1 calls apply it
// (operatorResourceOperationLocked, operator_resources.go).
func (m *master) serveResourceOperation(w http.ResponseWriter, r *http.Request, typ mesosproto.Offer_Operation_Type, params []string, parseMsg string) {
	vals, ok := postForm(w, r)
	if !ok {
		return
	}
	agentID, present := vals["slaveId"]
	if !present {
		writeText(w, http.StatusBadRequest, "Missing 'slaveId' query parameter in the request body")
		return
	}
	for _, p := range params {
		if msg := resourceListParam(vals, p); msg != "" {
			if parseMsg != "" && msg[0] == 'E' {
				msg = parseMsg + msg[len("Error parsing '"+p+"' query parameter in the request body"):]
			}
			writeText(w, http.StatusBadRequest, msg)
			return
		}
	}
	msg := parseMsg
	if msg == "" {
		msg = "Error parsing '" + params[0] + "' query parameter in the request body"
	}
	op, perr := resourceOperationFromForm(typ, vals, params[0], msg)
	if perr != "" {
		writeText(w, http.StatusBadRequest, perr)
		return
	}
	m.s.mu.Lock()
	status, body := m.operatorResourceOperationLocked(agentID[len(agentID)-1], op)
	m.s.mu.Unlock()
	writeText(w, status, body)
}

func (m *master) serveReserve(w http.ResponseWriter, r *http.Request, _ url.Values) {
	m.serveResourceOperation(w, r, mesosproto.Offer_Operation_RESERVE, []string{"resources"}, "")
}

func (m *master) serveUnreserve(w http.ResponseWriter, r *http.Request, _ url.Values) {
	m.serveResourceOperation(w, r, mesosproto.Offer_Operation_UNRESERVE, []string{"resources"}, "Error in parsing 'resources' query parameter in the request body")
}

func (m *master) serveCreateVolumes(w http.ResponseWriter, r *http.Request, _ url.Values) {
	m.serveResourceOperation(w, r, mesosproto.Offer_Operation_CREATE, []string{"volumes"}, "Error in parsing 'volumes' query parameter in the request body")
}

func (m *master) serveDestroyVolumes(w http.ResponseWriter, r *http.Request, _ url.Values) {
	m.serveResourceOperation(w, r, mesosproto.Offer_Operation_DESTROY, []string{"volumes"}, "Error in parsing 'volumes' query parameter in the request body")
}
