// SPDX-License-Identifier: Apache-2.0

package mesostest

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mesoskit/mesoskit/internal/httpapi"
	"github.com/mesoskit/mesoskit/mesosproto"
)

// TestTeardownEndpoint follows Master::Http::teardown: POST, "frameworkId" in the
// url-encoded body; a missing parameter or unknown framework is 400; a
// known one is removed (200, no body) and shows in completed_frameworks
// with unregistered_time set, its task among its completed tasks.
func TestTeardownEndpoint(t *testing.T) {
	rc := newROCluster(t, httpapi.JSON)
	form := "application/x-www-form-urlencoded"
	expect(t, rc.c.raw(http.MethodPost, "/teardown", []byte("x=1"), "Content-Type", form),
		http.StatusBadRequest, "Missing 'frameworkId' query parameter in the request body")
	expect(t, rc.c.raw(http.MethodPost, "/teardown", []byte("frameworkId=nope"), "Content-Type", form),
		http.StatusBadRequest, "No framework found with specified ID")
	expect(t, rc.c.raw(http.MethodPost, "/master/teardown", []byte("frameworkId="+rc.sub.fwID), "Content-Type", form),
		http.StatusOK, "")
	if _, err := rc.srv.WaitFramework(testCtx(t), rc.sub.fwID, FrameworkRemoved); err != nil {
		t.Fatal(err)
	}
	st := getJSON(t, rc.c, http.MethodGet, "/state")
	if n := len(at(t, st, "frameworks").([]any)); n != 0 {
		t.Errorf("%d frameworks after teardown", n)
	}
	done := at(t, st, "completed_frameworks", 0)
	wantEq(t, "id", at(t, done, "id"), rc.sub.fwID)
	wantEq(t, "active", at(t, done, "active"), false)
	if u := at(t, done, "unregistered_time").(float64); u <= 0 {
		t.Errorf("unregistered_time %v", u)
	}
	wantEq(t, "completed task", at(t, done, "completed_tasks", 0, "id"), rc.taskID)
	if got := getJSON(t, rc.c, http.MethodGet, "/frameworks?framework_id="+rc.sub.fwID); len(at(t, got, "completed_frameworks").([]any)) != 1 {
		t.Errorf("/frameworks?framework_id: %v", got)
	}
	expect(t, rc.c.raw(http.MethodPost, "/teardown", []byte("frameworkId="+rc.sub.fwID), "Content-Type", form),
		http.StatusBadRequest, "No framework found with specified ID")
}

// TestResourceOperationChecks follows the parameter checks of
// Master::Http::reserve, unreserve, createVolumes and destroyVolumes.
func TestResourceOperationChecks(t *testing.T) {
	srv := newServer(t)
	c := newClient(t, srv, httpapi.JSON)
	agent := srv.AgentIDs()[0]
	res := `[{"name":"cpus","type":"SCALAR","scalar":{"value":1},"reservations":[{"type":"DYNAMIC","role":"web"}]}]`
	for _, tc := range []struct{ path, body, status, msg string }{
		{"/reserve", "resources=" + res, "400", "Missing 'slaveId' query parameter in the request body"},
		{"/reserve", "slaveId=" + agent, "400", "Missing 'resources' query parameter in the request body"},
		{"/reserve", "slaveId=" + agent + "&resources=nope", "400", "Error parsing 'resources' query parameter in the request body: "},
		{"/unreserve", "slaveId=" + agent + "&resources=nope", "400", "Error in parsing 'resources' query parameter in the request body: "},
		{"/create-volumes", "slaveId=" + agent, "400", "Missing 'volumes' query parameter in the request body"},
		{"/destroy-volumes", "slaveId=" + agent + "&volumes={", "400", "Error in parsing 'volumes' query parameter in the request body: "},
		{"/reserve", "slaveId=nope&resources=" + res, "400", "No agent found with specified ID"},
		{"/reserve", "slaveId=%zz", "400", "Unable to decode query string: "},
		{"/reserve", "slaveId=" + agent + "&resources=" + res, "202", ""}, // applied: operator_resources_test.go
	} {
		r := c.raw(http.MethodPost, tc.path, []byte(tc.body))
		if strconv.Itoa(r.status) != tc.status || !strings.HasPrefix(r.body, tc.msg) {
			t.Errorf("%s %s: %d %q, want %s %q...", tc.path, tc.body, r.status, r.body, tc.status, tc.msg)
		}
	}
}

// TestMaintenanceEndpoints: a posted Schedule applies to the agents on its
// machines (the fake's per-agent schedule, whose offers then carry the
// unavailability), GET /maintenance/schedule and /maintenance/status show
// it as JSON::protobuf of Schedule and ClusterStatus, and the validation
// of src/master/maintenance.cpp answers bad schedules and machine lists.
func TestMaintenanceEndpoints(t *testing.T) {
	srv := newServer(t)
	c := newClient(t, srv, httpapi.JSON)
	expect(t, c.raw(http.MethodGet, "/maintenance/schedule", nil), http.StatusOK, "{}")
	expect(t, c.raw(http.MethodGet, "/maintenance/status", nil), http.StatusOK, "{}")
	start := time.Now().Add(time.Hour).UnixNano()
	sched := `{"windows":[{"machine_ids":[{"hostname":"127.0.0.1","ip":"127.0.0.1"}],"unavailability":{"start":{"nanoseconds":` +
		strconv.FormatInt(start, 10) + `},"duration":{"nanoseconds":3600000000000}}}]}`
	expect(t, c.raw(http.MethodPost, "/maintenance/schedule", []byte(sched)), http.StatusOK, "")
	want := `{"windows":[{"machine_ids":[{"hostname":"127.0.0.1","ip":"127.0.0.1"}],"unavailability":{"start":{"nanoseconds":` +
		strconv.FormatInt(start, 10) + `},"duration":{"nanoseconds":3600000000000}}}]}`
	expect(t, c.raw(http.MethodGet, "/master/maintenance/schedule", nil), http.StatusOK, want)
	expect(t, c.raw(http.MethodGet, "/maintenance/status", nil), http.StatusOK,
		`{"draining_machines":[{"id":{"hostname":"127.0.0.1","ip":"127.0.0.1"}}]}`)
	sb := c.subscribe(frameworkInfo("maint"))
	if o := sb.offers()[0]; o.GetUnavailability().GetStart().GetNanoseconds() != start {
		t.Errorf("offer unavailability %v", o.GetUnavailability())
	}

	machine := `[{"hostname":"127.0.0.1","ip":"127.0.0.1"}]`
	expect(t, c.raw(http.MethodPost, "/machine/up", []byte(machine)), http.StatusBadRequest,
		`Machine '{"hostname":"127.0.0.1","ip":"127.0.0.1"}' is not in DOWN mode and cannot be brought up`)
	expect(t, c.raw(http.MethodPost, "/machine/down", []byte(`[{"hostname":"other"}]`)), http.StatusBadRequest,
		`Machine '{"hostname":"other"}' is not part of a maintenance schedule`)
	expect(t, c.raw(http.MethodPost, "/machine/down", []byte(`[]`)), http.StatusBadRequest, "List of machines is empty")
	expect(t, c.raw(http.MethodPost, "/machine/down", []byte(`[{}]`)), http.StatusBadRequest,
		"Both 'hostname' and 'ip' for a machine are empty")
	expect(t, c.raw(http.MethodPost, "/machine/down", []byte(`[{"ip":"a"},{"ip":"a"}]`)), http.StatusBadRequest,
		"Failed to parse IPv4: a") // net::IP::parse(ip, AF_INET), 3rdparty/stout/include/stout/ip.hpp
	expect(t, c.raw(http.MethodPost, "/machine/down", []byte(`[{"hostname":"a"},{"hostname":"a"}]`)), http.StatusBadRequest,
		`Machine '{"hostname":"a"}' appears more than once in the schedule`)
	expect(t, c.raw(http.MethodPost, "/maintenance/schedule", []byte(`{"windows":[{"machine_ids":[],"unavailability":{"start":{"nanoseconds":1}}}]}`)),
		http.StatusBadRequest, "List of machines in the maintenance window is empty")
	expect(t, c.raw(http.MethodPost, "/maintenance/schedule", []byte(`{"windows":[{"machine_ids":[{"hostname":"a"}],"unavailability":{"start":{"nanoseconds":1},"duration":{"nanoseconds":-1}}}]}`)),
		http.StatusBadRequest, "Unavailability 'duration' is negative")
	if r := c.raw(http.MethodPost, "/maintenance/schedule", []byte(`{`)); r.status != http.StatusBadRequest {
		t.Errorf("malformed schedule: %d", r.status)
	}

	// An empty schedule cancels the maintenance.
	expect(t, c.raw(http.MethodPost, "/maintenance/schedule", []byte(`{}`)), http.StatusOK, "")
	expect(t, c.raw(http.MethodGet, "/maintenance/schedule", nil), http.StatusOK, "{}")
}

// TestRolesQuotaWeights: /roles lists the known roles (Master::knownRoles:
// framework roles, reservation roles and their ancestors) with weight
// 1.0, an empty quota and the RoleResourceBreakdown; GET /quota is an
// empty QuotaStatus and GET /weights an empty list.
func TestRolesQuotaWeights(t *testing.T) {
	srv := newServer(t, WithAgent(AgentConfig{Resources: "cpus(eng/web):2;cpus:2;mem:1024"}))
	c := newClient(t, srv, httpapi.JSON)
	fi := frameworkInfo("roles") // role "*" by default
	sb := c.subscribe(fi)
	o := sb.offers()[0]
	sb.mustCall(launchCall(o, nil, shellTask("r1", o, "sleep 30")), http.StatusAccepted)
	sb.update("r1", mesosproto.TaskState_TASK_STARTING)
	roles := at(t, getJSON(t, c, http.MethodGet, "/roles"), "roles").([]any)
	var names []string
	for _, r := range roles {
		names = append(names, at(t, r, "name").(string))
	}
	if strings.Join(names, ",") != "*,eng,eng/web" {
		t.Fatalf("roles %v, want *, eng, eng/web", names)
	}
	star := roles[0]
	wantKeys(t, star, "name", "weight", "quota", "resources", "allocated", "offered", "reserved", "frameworks")
	wantKeys(t, at(t, star, "quota"), "role", "guarantee", "limit", "consumed")
	wantEq(t, "weight", at(t, star, "weight"), 1.0)
	wantEq(t, "allocated cpus", at(t, star, "allocated", "cpus"), 0.1)
	wantEq(t, "framework", at(t, star, "frameworks", 0), sb.fwID)
	wantEq(t, "eng reserved", at(t, roles[1], "reserved", "cpus"), 2.0)
	wantEq(t, "eng/web consumed", at(t, roles[2], "quota", "consumed", "cpus"), 2.0)
	expect(t, c.raw(http.MethodGet, "/quota", nil), http.StatusOK, "{}")
	expect(t, c.raw(http.MethodGet, "/weights", nil), http.StatusOK, "[]")
}

// TestMetricsSnapshot: the gauges of src/master/metrics.cpp the fake
// counts, computed as the Master::_* functions do.
func TestMetricsSnapshot(t *testing.T) {
	rc := newROCluster(t, httpapi.JSON)
	m := getJSON(t, rc.c, http.MethodGet, "/metrics/snapshot")
	for name, want := range map[string]float64{
		"master/elected": 1, "master/slaves_active": 1, "master/slaves_connected": 1, "master/slaves_unreachable": 0,
		"master/frameworks_active": 1, "master/frameworks_connected": 1, "master/frameworks_disconnected": 0,
		"master/tasks_running": 1, "master/tasks_staging": 0, "master/cpus_total": 4, "master/cpus_used": 0.1,
		"master/mem_used": 32, "master/cpus_percent": 0.025,
	} {
		wantEq(t, name, m[name], want)
	}
	if up, _ := m["master/uptime_secs"].(float64); up <= 0 {
		t.Errorf("uptime %v", m["master/uptime_secs"])
	}
}

// TestFlagsVersionHealthSummary: /flags is {"flags":{...}} of strings,
// /version is VersionProcess's object, /health is 200 with no body, and
// /state-summary has the SlaveWriter fields plus the per-state counts and
// framework ids (Master::ReadOnlyHandler::stateSummary).
func TestFlagsVersionHealthSummary(t *testing.T) {
	rc := newROCluster(t, httpapi.JSON)
	flags := getJSON(t, rc.c, http.MethodGet, "/master/flags")
	wantKeys(t, flags, "flags")
	wantEq(t, "allocation_interval", at(t, flags, "flags", "allocation_interval"), "20ms")
	wantEq(t, "authenticate_http_frameworks", at(t, flags, "flags", "authenticate_http_frameworks"), "false")
	v := getJSON(t, rc.c, http.MethodGet, "/version")
	wantKeys(t, v, "version", "build_date", "build_time", "build_user")
	r := rc.get(t, http.MethodGet, "/master/health")
	if r.status != http.StatusOK || r.body != "" {
		t.Errorf("/health: %d %q", r.status, r.body)
	}
	sum := getJSON(t, rc.c, http.MethodGet, "/state-summary")
	wantKeys(t, sum, "hostname", "slaves", "frameworks")
	sl := at(t, sum, "slaves", 0)
	wantEq(t, "TASK_RUNNING", at(t, sl, "TASK_RUNNING"), 1.0)
	wantEq(t, "framework_ids", at(t, sl, "framework_ids", 0), rc.sub.fwID)
	wantEq(t, "pid", at(t, sl, "pid"), "slave(1)@"+strings.TrimPrefix(rc.srv.AgentURL(rc.srv.AgentIDs()[0]), "http://"))
	fw := at(t, sum, "frameworks", 0)
	wantKeys(t, fw, "id", "name", "used_resources", "offered_resources", "capabilities", "hostname", "webui_url",
		"active", "connected", "recovered", "TASK_STAGING", "TASK_STARTING", "TASK_RUNNING", "TASK_KILLING",
		"TASK_FINISHED", "TASK_KILLED", "TASK_FAILED", "TASK_LOST", "TASK_ERROR", "TASK_UNREACHABLE", "slave_ids")
	wantEq(t, "slave_ids", at(t, fw, "slave_ids", 0), rc.srv.AgentIDs()[0])
}
