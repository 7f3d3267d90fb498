// SPDX-License-Identifier: Apache-2.0

package mesostest

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/mesoskit/mesoskit/internal/httpapi"
)

// TestFrameworksAndSlavesFilters: framework_id and slave_id select with
// IDAcceptor (present but empty selects nothing); libprocess serves
// "/slaves/<id>" and "/frameworks/" with the /slaves and /frameworks
// routes (ProcessBase::consume, longest prefix). /slaves adds the *_full
// resources of SlavesWriter::writeSlave.
func TestFrameworksAndSlavesFilters(t *testing.T) {
	rc := newROCluster(t, httpapi.JSON)
	agentID := rc.srv.AgentIDs()[0]
	fws := getJSON(t, rc.c, http.MethodGet, "/frameworks/?framework_id="+rc.sub.fwID)
	wantKeys(t, fws, "frameworks", "completed_frameworks", "unregistered_frameworks")
	wantEq(t, "framework", at(t, fws, "frameworks", 0, "id"), rc.sub.fwID)
	for _, q := range []string{"framework_id=nope", "framework_id="} {
		if n := len(at(t, getJSON(t, rc.c, http.MethodGet, "/master/frameworks?"+q), "frameworks").([]any)); n != 0 {
			t.Errorf("%s: %d frameworks", q, n)
		}
	}
	for _, path := range []string{"/slaves/" + agentID, "/master/slaves", "/slaves?slave_id=" + agentID} {
		sl := getJSON(t, rc.c, http.MethodPost, path)
		wantKeys(t, sl, "slaves", "recovered_slaves")
		agent := at(t, sl, "slaves", 0)
		wantEq(t, "id", at(t, agent, "id"), agentID)
		wantEq(t, "pid", at(t, agent, "pid"), "slave(1)@"+strings.TrimPrefix(rc.srv.AgentURL(agentID), "http://"))
		full := at(t, agent, "unreserved_resources_full").([]any)
		if len(full) != 4 {
			t.Fatalf("unreserved_resources_full %v", full)
		}
		// JSON::Protobuf of a Resource in the ENDPOINT format: role "*".
		wantEq(t, "name", at(t, full, 0, "name"), "cpus")
		wantEq(t, "role", at(t, full, 0, "role"), "*")
		wantEq(t, "scalar", at(t, full, 0, "scalar", "value"), 4.0)
		wantEq(t, "ranges", at(t, full, 3, "ranges", "range", 0, "begin"), 31000.0)
		wantEq(t, "used full", at(t, agent, "used_resources_full", 0, "scalar", "value"), 0.1)
	}
	if n := len(at(t, getJSON(t, rc.c, http.MethodGet, "/slaves?slave_id=nope"), "slaves").([]any)); n != 0 {
		t.Errorf("slave_id=nope: %d agents", n)
	}
}

// TestJSONP: OK(JSON, jsonp) (3rdparty/libprocess/src/http.cpp) wraps the
// JSON as "<jsonp>(<json>)" with Content-Type text/javascript.
func TestJSONP(t *testing.T) {
	rc := newROCluster(t, httpapi.JSON)
	plain := rc.get(t, http.MethodGet, "/version")
	for _, path := range []string{"/master/state", "/frameworks", "/slaves", "/tasks", "/roles", "/flags",
		"/state-summary", "/version", "/metrics/snapshot", "/maintenance/schedule", "/maintenance/status", "/quota", "/weights"} {
		r := rc.get(t, http.MethodGet, path+"?jsonp=JSON_CALLBACK")
		if r.status != http.StatusOK || r.header.Get("Content-Type") != "text/javascript" ||
			!strings.HasPrefix(r.body, "JSON_CALLBACK(") || !strings.HasSuffix(r.body, ")") {
			t.Errorf("%s: %d %q %.80q", path, r.status, r.header.Get("Content-Type"), r.body)
			continue
		}
		inner := strings.TrimSuffix(strings.TrimPrefix(r.body, "JSON_CALLBACK("), ")")
		if !json.Valid([]byte(inner)) {
			t.Errorf("%s: not JSON inside: %.200s", path, inner)
		}
	}
	if r := rc.get(t, http.MethodGet, "/version?jsonp="); r.body != "("+plain.body+")" {
		t.Errorf("empty jsonp: %q, want (%s)", r.body, plain.body)
	}
}

// TestNonLeader: a master that does not lead redirects every endpoint
// whose handler opens with `if (!master->elected()) return
// redirect(request);` (src/master/http.cpp) to "//leader:port/master/<path>?query"
// (Master::Http::redirect); /redirect sends to the leader's base URL from
// every master; /health, /flags, /version and /metrics/snapshot answer
// locally; with no leader known, the redirecting endpoints answer 503.
func TestNonLeader(t *testing.T) {
	srv := newServer(t, WithMasters(2))
	urls := srv.MasterURLs()
	follower := &client{t: t, srv: srv, codec: httpapi.JSON, url: urls[1]}
	leader, _ := url.Parse(urls[0])
	for _, path := range []string{"/state", "/master/state", "/state-summary", "/frameworks?framework_id=x", "/slaves/abc",
		"/tasks?limit=1", "/roles", "/maintenance/schedule", "/maintenance/status", "/machine/down", "/machine/up",
		"/quota", "/weights", "/teardown", "/reserve", "/unreserve", "/create-volumes", "/destroy-volumes"} {
		r := follower.raw(http.MethodGet, path, nil)
		want := "//" + leader.Host + "/master" + strings.TrimPrefix(path, "/master")
		if r.status != http.StatusTemporaryRedirect || r.header.Get("Location") != want {
			t.Errorf("%s: %d Location %q, want 307 %q", path, r.status, r.header.Get("Location"), want)
		}
	}
	for _, path := range []string{"/redirect", "/master/redirect"} {
		for _, c := range []*client{follower, {t: t, srv: srv, url: urls[0]}} {
			if r := c.raw(http.MethodGet, path, nil); r.status != http.StatusTemporaryRedirect || r.header.Get("Location") != "//"+leader.Host {
				t.Errorf("%s on %s: %d %q", path, c.url, r.status, r.header.Get("Location"))
			}
		}
	}
	if r := follower.raw(http.MethodGet, "/redirect/x", nil); r.status != http.StatusNotFound {
		t.Errorf("/redirect/x: %d, want 404", r.status)
	}
	expect(t, follower.raw(http.MethodGet, "/health", nil), http.StatusOK, "")
	if v := getJSON(t, follower, http.MethodGet, "/version"); v["version"] != mesosVersion {
		t.Errorf("/version on a follower: %v", v)
	}
	// Each master shows its own flags.
	wantEq(t, "follower's port flag", at(t, getJSON(t, follower, http.MethodGet, "/flags"), "flags", "port"), strings.TrimPrefix(urls[1], "http://127.0.0.1:"))
	wantEq(t, "master/elected (follower)", getJSON(t, follower, http.MethodGet, "/metrics/snapshot")["master/elected"], 0.0)
	wantEq(t, "master/elected (leader)", getJSON(t, newClient(t, srv, httpapi.JSON), http.MethodGet, "/metrics/snapshot")["master/elected"], 1.0)

	srv.SetNoLeader()
	expect(t, follower.raw(http.MethodGet, "/state", nil), http.StatusServiceUnavailable, "No leader elected")
	expect(t, follower.raw(http.MethodGet, "/redirect", nil), http.StatusServiceUnavailable, "No leader elected")
	expect(t, follower.raw(http.MethodGet, "/health", nil), http.StatusOK, "")
}

// TestRoutesMesosDoesNotHave: /state.json was removed after Mesos 0.25
// (docs/upgrades.md; Master::initialize routes /state only), /version and
// /metrics/snapshot are not master routes, and a path nested below no
// route is 404. ("/" is the web UI, src/master/master.cpp provide(""): the
// console, tested in mesostest/console.)
func TestRoutesMesosDoesNotHave(t *testing.T) {
	srv := newServer(t)
	c := newClient(t, srv, httpapi.JSON)
	for _, path := range []string{"/state.json", "/master/state.json", "/master/version", "/master/metrics/snapshot",
		"/version/x", "/nope", "/master", "/metrics"} {
		if r := c.raw(http.MethodGet, path, nil); r.status != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", path, r.status)
		}
	}
}

// TestMethods: the handlers that check the method answer libprocess's
// MethodNotAllowed (405, Allow, "Expecting one of { ... }"); the read-only
// ones answer any method.
func TestMethods(t *testing.T) {
	srv := newServer(t)
	c := newClient(t, srv, httpapi.JSON)
	for _, tc := range []struct{ method, path, allow string }{
		{http.MethodGet, "/teardown", "POST"},
		{http.MethodGet, "/reserve", "POST"},
		{http.MethodPut, "/unreserve", "POST"},
		{http.MethodGet, "/create-volumes", "POST"},
		{http.MethodGet, "/destroy-volumes", "POST"},
		{http.MethodGet, "/machine/down", "POST"},
		{http.MethodGet, "/machine/up", "POST"},
		{http.MethodPost, "/maintenance/status", "GET"},
		{http.MethodPut, "/maintenance/schedule", "GET, POST"},
		{http.MethodPut, "/quota", "GET, POST, DELETE"},
		{http.MethodPost, "/weights", "GET, PUT"},
	} {
		r := c.raw(tc.method, tc.path, nil)
		body := "405 Method Not Allowed. Expecting one of { '" + strings.ReplaceAll(tc.allow, ", ", "', '") + "' }, but received '" + tc.method + "'."
		if r.status != http.StatusMethodNotAllowed || r.header.Get("Allow") != tc.allow || r.body != body {
			t.Errorf("%s %s: %d Allow %q %q", tc.method, tc.path, r.status, r.header.Get("Allow"), r.body)
		}
	}
	for _, method := range []string{http.MethodPut, http.MethodDelete, http.MethodPatch} {
		for _, path := range []string{"/state", "/state-summary", "/frameworks", "/slaves", "/tasks", "/roles", "/flags", "/health"} {
			if r := c.raw(method, path, nil); r.status != http.StatusOK {
				t.Errorf("%s %s: %d", method, path, r.status)
			}
		}
	}
}

// TestWithHTTPHandlerCannotShadowEndpoints: an extra handler may not take
// a path the master's endpoints route.
func TestWithHTTPHandlerCannotShadowEndpoints(t *testing.T) {
	h := http.NotFoundHandler()
	for _, p := range []string{"/state", "/slaves/x", "/metrics/snapshot", "/version"} {
		if _, err := NewServer(WithHTTPHandler(p, h)); !errors.Is(err, ErrInvalidOption) {
			t.Errorf("WithHTTPHandler(%q): %v, want ErrInvalidOption", p, err)
		}
	}
	srv, err := NewServer(WithHTTPHandler("/mesos-local/kill-leader", h))
	if err != nil {
		t.Fatal(err)
	}
	srv.Close()
}

// TestOddRequests: odd paths and query values get an answer (200, 404 or
// 400 as routed), never a dropped connection.
func TestOddRequests(t *testing.T) {
	rc := newROCluster(t, httpapi.JSON)
	for _, p := range []string{
		"/tasks?limit=99999999999999999999", "/tasks?offset=2147483647&limit=2147483647", "/tasks?limit=-0x80000000",
		"/tasks?order=asc&order=desc", "/tasks?%zz", "/state?jsonp=%3Cscript%3E", "//state", "/master//slaves//x/",
		"/slaves?slave_id=%00", "/frameworks?framework_id=" + strings.Repeat("x", 4096), "/roles/x/y/z",
		"/maintenance", "/maintenance/status/x", "/machine", "/metrics/snapshot/x?timeout=abc",
	} {
		r := rc.c.raw(http.MethodGet, p, nil)
		if r.status != http.StatusOK && r.status != http.StatusNotFound {
			t.Errorf("%s: %d %q", p, r.status, r.body)
		}
	}
	for _, body := range []string{"", "frameworkId", "frameworkId=%", strings.Repeat("a=b&", 10000)} {
		if r := rc.c.raw(http.MethodPost, "/teardown", []byte(body)); r.status != http.StatusBadRequest {
			t.Errorf("teardown %.40q: %d %q", body, r.status, r.body)
		}
	}
	for _, body := range []string{"", "null", "[1]", `{"windows":[{}]}`, `{"windows":"x"}`, strings.Repeat("[", 100000)} {
		r := rc.c.raw(http.MethodPost, "/maintenance/schedule", []byte(body))
		if r.status != http.StatusBadRequest {
			t.Errorf("schedule %.40q: %d %q", body, r.status, r.body)
		}
	}
	expect(t, rc.c.raw(http.MethodPost, "/maintenance/schedule", []byte("[]")), http.StatusBadRequest, "Unexpected JSON type parsed")
	expect(t, rc.c.raw(http.MethodPost, "/machine/up", []byte("{}")), http.StatusBadRequest, "Unexpected JSON type parsed")
}
