// SPDX-License-Identifier: Apache-2.0

package mesostest

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mesoskit/mesoskit/internal/httpapi"
)

// TestStateShape checks /state against the writers of
// src/master/readonly_handler.cpp (Master::ReadOnlyHandler::state,
// SlaveWriter, FullFrameworkWriter) and the json() models of
// src/common/http.cpp (Task, TaskStatus, Resources, SlaveInfo,
// MasterInfo), for a framework subscribed in either content type.
func TestStateShape(t *testing.T) {
	for _, codec := range []httpapi.Codec{httpapi.JSON, httpapi.Protobuf} {
		t.Run(codecName(codec), func(t *testing.T) {
			rc := newROCluster(t, codec)
			mi := rc.srv.MasterInfo()
			for _, path := range []string{"/state", "/master/state", "/state/", "/master/state/anything"} {
				for _, method := range []string{http.MethodGet, http.MethodPost} {
					st := getJSON(t, rc.c, method, path)
					wantKeys(t, st, "version", "build_date", "build_time", "build_user", "start_time", "elected_time",
						"id", "pid", "hostname", "capabilities", "activated_slaves", "deactivated_slaves",
						"unreachable_slaves", "leader", "leader_info", "flags", "slaves", "recovered_slaves",
						"frameworks", "completed_frameworks", "orphan_tasks", "unregistered_frameworks")
					wantEq(t, "version", st["version"], mesosVersion)
					wantEq(t, "id", st["id"], mi.GetId())
					wantEq(t, "pid", st["pid"], mi.GetPid())
					wantEq(t, "leader", st["leader"], mi.GetPid())
					wantKeys(t, st["leader_info"], "id", "pid", "port", "hostname")
					wantEq(t, "leader_info.port", at(t, st, "leader_info", "port"), float64(mi.GetPort()))
					wantEq(t, "activated_slaves", st["activated_slaves"], 1.0)
					wantEq(t, "flags.max_completed_tasks_per_framework", at(t, st, "flags", "max_completed_tasks_per_framework"), "1000")
				}
			}
			st := getJSON(t, rc.c, http.MethodGet, "/state")
			checkSlave(t, rc, at(t, st, "slaves", 0))
			fw := at(t, st, "frameworks", 0)
			wantKeys(t, fw, "id", "name", "used_resources", "offered_resources", "capabilities", "hostname",
				"webui_url", "active", "connected", "recovered", "user", "failover_timeout", "checkpoint",
				"registered_time", "unregistered_time", "resources", "role", "tasks", "unreachable_tasks",
				"completed_tasks", "offers", "executors", "offer_constraints")
			wantEq(t, "framework id", at(t, fw, "id"), rc.sub.fwID)
			wantEq(t, "role", at(t, fw, "role"), "*")
			wantEq(t, "active", at(t, fw, "active"), true)
			wantEq(t, "unregistered_time", at(t, fw, "unregistered_time"), 0.0)
			wantEq(t, "used cpus", at(t, fw, "used_resources", "cpus"), 0.1)
			checkTask(t, rc, at(t, fw, "tasks", 0))
		})
	}
}

// checkSlave checks one agent as SlaveWriter writes it.
func checkSlave(t *testing.T, rc *roCluster, sl any) {
	t.Helper()
	wantKeys(t, sl, "id", "hostname", "port", "attributes", "pid", "registered_time", "resources",
		"used_resources", "offered_resources", "reserved_resources", "unreserved_resources", "active",
		"deactivated", "version", "capabilities")
	wantEq(t, "agent id", at(t, sl, "id"), rc.srv.AgentIDs()[0])
	hostPort := strings.TrimPrefix(rc.srv.AgentURL(rc.srv.AgentIDs()[0]), "http://")
	wantEq(t, "pid", at(t, sl, "pid"), "slave(1)@"+hostPort)
	_, port, _ := strings.Cut(hostPort, ":")
	wantEq(t, "port", at(t, sl, "port"), mustFloat(t, port))
	// json(JSON::ObjectWriter*, const Resources&): cpus, gpus, mem, disk
	// always, ranges stringified.
	wantKeys(t, at(t, sl, "resources"), "cpus", "gpus", "mem", "disk", "ports")
	wantEq(t, "cpus", at(t, sl, "resources", "cpus"), 4.0)
	wantEq(t, "ports", at(t, sl, "resources", "ports"), "[31000-32000]")
	wantEq(t, "used mem", at(t, sl, "used_resources", "mem"), 32.0)
	wantEq(t, "deactivated", at(t, sl, "deactivated"), false)
}

// checkTask checks the running shell task as json(Task) writes it.
func checkTask(t *testing.T, rc *roCluster, task any) {
	t.Helper()
	wantKeys(t, task, "id", "name", "framework_id", "executor_id", "slave_id", "state", "resources", "role", "statuses")
	wantEq(t, "id", at(t, task, "id"), rc.taskID)
	wantEq(t, "name", at(t, task, "name"), rc.taskID)
	wantEq(t, "framework_id", at(t, task, "framework_id"), rc.sub.fwID)
	// protobuf::createTask sets executor_id only for tasks with an ExecutorInfo.
	wantEq(t, "executor_id", at(t, task, "executor_id"), "")
	wantEq(t, "slave_id", at(t, task, "slave_id"), rc.srv.AgentIDs()[0])
	wantEq(t, "state", at(t, task, "state"), "TASK_RUNNING")
	wantKeys(t, at(t, task, "resources"), "cpus", "gpus", "mem", "disk")
	wantEq(t, "cpus", at(t, task, "resources", "cpus"), 0.1)
	sts := at(t, task, "statuses").([]any)
	if len(sts) != 2 {
		t.Fatalf("statuses %v, want STARTING and RUNNING", sts)
	}
	for i, want := range []string{"TASK_STARTING", "TASK_RUNNING"} {
		wantKeys(t, sts[i], "state", "timestamp", "container_status")
		wantEq(t, "state", at(t, sts[i], "state"), want)
		wantKeys(t, at(t, sts[i], "container_status"), "container_id", "network_infos")
		wantEq(t, "ip", at(t, sts[i], "container_status", "network_infos", 0, "ip_addresses", 0, "ip_address"), "127.0.0.1")
		wantEq(t, "protocol", at(t, sts[i], "container_status", "network_infos", 0, "ip_addresses", 0, "protocol"), "IPv4")
	}
	wantEq(t, "timestamp", at(t, sts[1], "timestamp"), rc.status.GetTimestamp())
	if id, _ := at(t, sts[1], "container_status", "container_id", "value").(string); id == "" {
		t.Error("no container id")
	}
}

// TestStateNumbersAsMesosWritesThem checks the raw rendering: doubles in
// rapidjson's form ("4.0", "0.1"), integers as integers, compact output,
// no pid for an HTTP framework.
func TestStateNumbersAsMesosWritesThem(t *testing.T) {
	rc := newROCluster(t, httpapi.JSON)
	r := rc.get(t, http.MethodGet, "/state")
	for _, s := range []string{`"cpus":4.0`, `"gpus":0.0`, `"cpus":0.1`, `"port":` + portOf(rc), `"ports":"[31000-32000]"`,
		`"activated_slaves":1.0`, `"orphan_tasks":[]`, `"failover_timeout":0.0`, `"offer_constraints":{}`} {
		wantContains(t, r.body, s)
	}
	if strings.Contains(r.body, `"pid":"scheduler`) || strings.Contains(r.body, "\n") {
		t.Errorf("unexpected framework pid or newline in %.300s", r.body)
	}
	if r.header.Get("Content-Length") == "" {
		t.Error("no Content-Length")
	}
}

// TestStateExecutors: a task with an ExecutorInfo shows its executor id,
// and the framework's executors list the ExecutorInfo as
// json(JSON::ObjectWriter*, const ExecutorInfo&) writes it, with the
// agent id (FullFrameworkWriter).
func TestStateExecutors(t *testing.T) {
	srv := newServer(t)
	c := newClient(t, srv, httpapi.JSON)
	sb := c.subscribe(frameworkInfo("exec"))
	o := sb.offers()[0]
	sb.mustCall(launchCall(o, nil, executorTask("e-task", o, customExecutor("ex1"))), http.StatusAccepted)
	if _, err := srv.WaitExecutor(testCtx(t), sb.fwID, "ex1", func(st ExecutorStatus) bool { return st.PID != 0 }); err != nil {
		t.Fatal(err)
	}
	fw := at(t, getJSON(t, c, http.MethodGet, "/state"), "frameworks", 0)
	ex := at(t, fw, "executors", 0)
	wantKeys(t, ex, "executor_id", "name", "framework_id", "command", "resources", "type", "slave_id")
	wantEq(t, "executor_id", at(t, ex, "executor_id"), "ex1")
	wantEq(t, "framework_id", at(t, ex, "framework_id"), sb.fwID)
	wantEq(t, "type", at(t, ex, "type"), "CUSTOM")
	wantEq(t, "slave_id", at(t, ex, "slave_id"), srv.AgentIDs()[0])
	// The JSON codec sends CommandInfo.shell's default (true), so the
	// master has it set and writes it.
	wantKeys(t, at(t, ex, "command"), "shell", "value", "argv", "uris")
	wantEq(t, "shell", at(t, ex, "command", "shell"), true)
	wantEq(t, "command", at(t, ex, "command", "value"), fakeExecutorCmd)
	wantEq(t, "task executor_id", at(t, fw, "tasks", 0, "executor_id"), "ex1")
}

// TestStateRecoveredSlaves: after a failover, agents that have not
// re-registered yet are listed as recovered_slaves with their SlaveInfo
// only (json(JSON::ObjectWriter*, const SlaveInfo&)), not as slaves.
func TestStateRecoveredSlaves(t *testing.T) {
	srv := newServer(t, WithMasters(2), WithAgentReregisterDelay(time.Hour))
	if err := srv.Failover(); err != nil {
		t.Fatal(err)
	}
	c := newClient(t, srv, httpapi.JSON)
	for _, path := range []string{"/state", "/slaves"} {
		st := getJSON(t, c, http.MethodGet, path)
		if n := len(at(t, st, "slaves").([]any)); n != 0 {
			t.Errorf("%s: %d registered agents", path, n)
		}
		rec := at(t, st, "recovered_slaves", 0)
		wantKeys(t, rec, "id", "hostname", "port", "attributes")
		wantEq(t, "id", at(t, rec, "id"), srv.AgentIDs()[0])
	}
}

// portOf is the port of rc's first agent, as /state writes it.
func portOf(rc *roCluster) string {
	_, port, _ := strings.Cut(strings.TrimPrefix(rc.srv.AgentURL(rc.srv.AgentIDs()[0]), "http://"), ":")
	return port
}

func mustFloat(t *testing.T, s string) float64 {
	t.Helper()
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatal(err)
	}
	return f
}
