// SPDX-License-Identifier: Apache-2.0

package mesostest

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/internal/httpapi"
	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/schedulerpb"
)

// httpResult is one answer of an agent endpoint.
type httpResult struct {
	status int
	header http.Header
	body   string
}

func agentDo(t *testing.T, method, u string) httpResult {
	t.Helper()
	req, err := http.NewRequest(method, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	tr := &http.Transport{Proxy: nil}
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return httpResult{resp.StatusCode, resp.Header, string(b)}
}

func agentGet(t *testing.T, u string) httpResult { t.Helper(); return agentDo(t, http.MethodGet, u) }

// decodeJSON decodes an application/json answer of status 200.
func decodeJSON(t *testing.T, r httpResult, v any) {
	t.Helper()
	if r.status != http.StatusOK || r.header.Get("Content-Type") != "application/json" {
		t.Fatalf("status %d, Content-Type %q: %q", r.status, r.header.Get("Content-Type"), r.body)
	}
	if err := json.Unmarshal([]byte(r.body), v); err != nil {
		t.Fatalf("%v: %q", err, r.body)
	}
}

// expectText checks a text/plain answer, as libprocess writes them.
func expectText(t *testing.T, r httpResult, status int, body string) {
	t.Helper()
	if r.status != status || r.body != body {
		t.Errorf("got %d %q, want %d %q", r.status, r.body, status, body)
	}
	if ct := r.header.Get("Content-Type"); ct != "text/plain; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
}

// Agent /state JSON, written from src/slave/http.cpp (Http::state,
// FrameworkWriter, ExecutorWriter) and src/common/http.cpp (json of Task,
// TaskStatus, Resources).
type agentStateJSON struct {
	Version      string            `json:"version"`
	ID           string            `json:"id"`
	PID          string            `json:"pid"`
	Hostname     string            `json:"hostname"`
	StartTime    float64           `json:"start_time"`
	Capabilities []string          `json:"capabilities"`
	Resources    map[string]any    `json:"resources"`
	Unreserved   map[string]any    `json:"unreserved_resources"`
	UnresFull    []map[string]any  `json:"unreserved_resources_full"`
	Allocated    map[string]any    `json:"unreserved_resources_allocated"`
	Attributes   map[string]any    `json:"attributes"`
	MasterHost   string            `json:"master_hostname"`
	Flags        map[string]string `json:"flags"`
	Frameworks   []agentFwJSON     `json:"frameworks"`
	Completed    []agentFwJSON     `json:"completed_frameworks"`
	Providers    []json.RawMessage `json:"resource_providers"`
	Reserved     map[string]any    `json:"reserved_resources"`
	ReservedFull map[string][]any  `json:"reserved_resources_full"`
	ResAllocated map[string]any    `json:"reserved_resources_allocated"`
}

type agentFwJSON struct {
	ID                 string          `json:"id"`
	Name               string          `json:"name"`
	User               string          `json:"user"`
	FailoverTimeout    float64         `json:"failover_timeout"`
	Checkpoint         bool            `json:"checkpoint"`
	Hostname           string          `json:"hostname"`
	Role               *string         `json:"role"`
	Roles              []string        `json:"roles"`
	Executors          []agentExecJSON `json:"executors"`
	CompletedExecutors []agentExecJSON `json:"completed_executors"`
}

type agentExecJSON struct {
	ID             string           `json:"id"`
	Name           string           `json:"name"`
	Source         string           `json:"source"`
	Container      string           `json:"container"`
	Directory      string           `json:"directory"`
	Resources      map[string]any   `json:"resources"`
	Type           string           `json:"type"`
	Labels         []map[string]any `json:"labels"`
	Tasks          []agentTaskJSON  `json:"tasks"`
	QueuedTasks    []agentTaskJSON  `json:"queued_tasks"`
	CompletedTasks []agentTaskJSON  `json:"completed_tasks"`
}

type agentTaskJSON struct {
	ID          string           `json:"id"`
	Name        string           `json:"name"`
	FrameworkID string           `json:"framework_id"`
	ExecutorID  *string          `json:"executor_id"`
	SlaveID     string           `json:"slave_id"`
	State       string           `json:"state"`
	Role        string           `json:"role"`
	Resources   map[string]any   `json:"resources"`
	Labels      []map[string]any `json:"labels"`
	Statuses    []struct {
		State     string  `json:"state"`
		Timestamp float64 `json:"timestamp"`
	} `json:"statuses"`
}

// A command task that really ran: the agent's /state shows its framework,
// its command executor with the real sandbox as directory and the task with
// its statuses; once its terminal update is acknowledged the executor and
// the framework are completed. The agent listens on its own port, which is
// the port of its pid and of the offers' agent URL.
func TestAgentStateCommandTask(t *testing.T) {
	srv := newServer(t, WithAgents(1, "cpus:2;mem:1024;disk:100;ports:[31000-31009]"))
	agentID := srv.AgentIDs()[0]
	base := srv.AgentURL(agentID)
	u, err := url.Parse(base)
	if err != nil || base == "" {
		t.Fatalf("AgentURL %q: %v", base, err)
	}
	if srv.AgentURL("nope") != "" {
		t.Error("AgentURL of an unknown agent")
	}
	port, _ := strconv.Atoi(u.Port())

	s := newClient(t, srv, httpapi.JSON).subscribe(frameworkInfo("state"))
	o := s.offers()[0]
	if o.GetUrl().GetAddress().GetPort() != int32(port) {
		t.Errorf("offer URL port %d, agent listens on %d", o.GetUrl().GetAddress().GetPort(), port)
	}
	ti := shellTask("hello", o, "echo hello-stdout; echo hello-stderr >&2")
	ti.Labels = &mesosproto.Labels{Labels: []*mesosproto.Label{{Key: proto.String("k"), Value: proto.String("v")}}}
	s.mustCall(launchCall(o, nil, ti), http.StatusAccepted)
	if _, err := srv.WaitTask(testCtx(t), "hello", mesosproto.TaskState_TASK_FINISHED); err != nil {
		t.Fatal(err)
	}

	var st agentStateJSON
	decodeJSON(t, agentGet(t, base+"/state"), &st)
	if st.ID != agentID || st.PID != "slave(1)@127.0.0.1:"+u.Port() || st.Hostname != "127.0.0.1" ||
		st.Version != mesosVersion || st.StartTime <= 0 || st.Flags["port"] != u.Port() || st.MasterHost == "" {
		t.Errorf("state header: %+v", st)
	}
	if st.Resources["cpus"] != 2.0 || st.Resources["mem"] != 1024.0 || st.Resources["gpus"] != 0.0 ||
		st.Resources["ports"] != "[31000-31009]" || st.Unreserved["cpus"] != 2.0 || len(st.UnresFull) != 4 ||
		st.UnresFull[0]["role"] != "*" || len(st.Providers) != 0 || len(st.Reserved) != 0 || st.Attributes == nil {
		t.Errorf("state resources: %+v", st)
	}
	if len(st.Capabilities) == 0 || st.Capabilities[1] != "MULTI_ROLE" {
		t.Errorf("capabilities %v", st.Capabilities)
	}
	if len(st.Frameworks) != 1 || len(st.Completed) != 0 {
		t.Fatalf("frameworks %+v, completed %+v", st.Frameworks, st.Completed)
	}
	fw := st.Frameworks[0]
	if fw.ID != s.fwID || fw.Name != "state" || fw.Role == nil || *fw.Role != "*" || fw.Roles != nil ||
		len(fw.Executors) != 1 || len(fw.CompletedExecutors) != 0 {
		t.Fatalf("framework %+v", fw)
	}
	ex := fw.Executors[0]
	if ex.ID != "hello" || ex.Source != "hello" || ex.Name != "Command Executor (Task: hello) (Command: sh -c 'echo hello-s...')" ||
		ex.Container == "" || ex.Type != "" || len(ex.Labels) != 1 || ex.Labels[0]["key"] != "k" {
		t.Errorf("executor %+v", ex)
	}
	if ex.Directory != filepath.Join(srv.SandboxDir(), "slaves", agentID, "frameworks", s.fwID, "executors", "hello", "runs", ex.Container) {
		t.Errorf("directory %q", ex.Directory)
	}
	if b, err := os.ReadFile(filepath.Join(ex.Directory, "stdout")); err != nil || string(b) != "hello-stdout\n" {
		t.Errorf("sandbox stdout %q, %v", b, err)
	}
	// The terminal update is not acknowledged: the task is a completed task
	// of a live executor (ExecutorWriter adds terminatedTasks there).
	if len(ex.Tasks) != 0 || len(ex.QueuedTasks) != 0 || len(ex.CompletedTasks) != 1 {
		t.Fatalf("executor tasks %+v", ex)
	}
	task := ex.CompletedTasks[0]
	var states []string
	for _, x := range task.Statuses {
		states = append(states, x.State)
		if x.Timestamp <= 0 {
			t.Errorf("status timestamp %v", x.Timestamp)
		}
	}
	if task.ID != "hello" || task.Name != "hello" || task.FrameworkID != s.fwID || task.ExecutorID == nil || *task.ExecutorID != "" ||
		task.SlaveID != agentID || task.State != "TASK_FINISHED" || task.Role != "*" || task.Resources["cpus"] != 0.1 ||
		task.Resources["mem"] != 32.0 || len(task.Labels) != 1 ||
		strings.Join(states, ",") != "TASK_STARTING,TASK_RUNNING,TASK_FINISHED" {
		t.Errorf("task %+v", task)
	}

	// Acknowledged: the executor and its framework are completed.
	s.ack(s.update("hello", mesosproto.TaskState_TASK_STARTING))
	s.ack(s.update("hello", mesosproto.TaskState_TASK_RUNNING))
	s.ack(s.update("hello", mesosproto.TaskState_TASK_FINISHED))
	deadline := time.Now().Add(10 * time.Second)
	for {
		st = agentStateJSON{}
		decodeJSON(t, agentGet(t, base+"/slave(1)/state"), &st) // the agent's process id works too
		if len(st.Completed) == 1 || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if len(st.Frameworks) != 0 || len(st.Completed) != 1 || len(st.Completed[0].CompletedExecutors) != 1 ||
		st.Completed[0].CompletedExecutors[0].Directory != ex.Directory ||
		len(st.Completed[0].CompletedExecutors[0].CompletedTasks) != 1 {
		t.Errorf("after acknowledgement: frameworks %+v, completed %+v", st.Frameworks, st.Completed)
	}
}

// Routing as libprocess does it: /state.json is gone since Mesos 1.8
// (MESOS-4509), the longest route prefix answers, jsonp wraps JSON, every
// method is taken, and unknown paths get libprocess's 404.
func TestAgentEndpointsRouting(t *testing.T) {
	srv := newServer(t)
	base := srv.AgentURL(srv.AgentIDs()[0])

	expectText(t, agentGet(t, base+"/state.json"), http.StatusNotFound, "404 Not Found.")
	expectText(t, agentGet(t, base+"/nope"), http.StatusNotFound, "404 Not Found.")
	expectText(t, agentGet(t, base+"/"), http.StatusNotFound, "404 Not Found.")
	expectText(t, agentGet(t, base+"/version/x"), http.StatusNotFound, "404 Not Found.")
	expectText(t, agentGet(t, base+"/files/browse/deeper"), http.StatusBadRequest, "Expecting 'path=value' in query.\n")

	var st map[string]any
	decodeJSON(t, agentGet(t, base+"/state/anything"), &st)
	if st["id"] != srv.AgentIDs()[0] {
		t.Errorf("/state/anything: %v", st["id"])
	}
	st = nil
	decodeJSON(t, agentDo(t, http.MethodPost, base+"/state"), &st)
	if st["id"] != srv.AgentIDs()[0] {
		t.Errorf("POST /state: %v", st["id"])
	}

	r := agentGet(t, base+"/state?jsonp=cb")
	if r.status != http.StatusOK || r.header.Get("Content-Type") != "text/javascript" ||
		!strings.HasPrefix(r.body, "cb({") || !strings.HasSuffix(r.body, "})") || r.header.Get("Content-Length") != strconv.Itoa(len(r.body)) {
		t.Errorf("jsonp: %d %q %.40q", r.status, r.header.Get("Content-Type"), r.body)
	}

	// Http::health: OK(), 200 with no body and no Content-Type.
	for _, r := range []httpResult{agentGet(t, base+"/health"), agentDo(t, http.MethodPost, base+"/slave(1)/health")} {
		if r.status != http.StatusOK || r.body != "" || r.header.Get("Content-Type") != "" {
			t.Errorf("/health: %d %q Content-Type %q, want 200, no body, no Content-Type", r.status, r.body, r.header.Get("Content-Type"))
		}
	}

	// VersionProcess::version.
	var v map[string]any
	decodeJSON(t, agentGet(t, base+"/version"), &v)
	if v["version"] != mesosVersion || v["build_user"] == nil || v["build_date"] == nil || v["build_time"] == nil {
		t.Errorf("/version %v", v)
	}

	// Http::flags: {"flags": {name: value}}, the values as flag.stringify writes them.
	var f struct {
		Flags map[string]string `json:"flags"`
	}
	decodeJSON(t, agentGet(t, base+"/flags"), &f)
	if f.Flags["work_dir"] != srv.SandboxDir() || f.Flags["executor_registration_timeout"] != "1mins" ||
		f.Flags["executor_shutdown_grace_period"] != "5secs" || f.Flags["recovery_timeout"] != "15mins" ||
		f.Flags["master"] != strings.TrimPrefix(srv.URL(), "http://") || f.Flags["authenticate_http_executors"] != "false" {
		t.Errorf("/flags %v", f.Flags)
	}
}

// A sleeping command task in /containers and /metrics/snapshot, then its
// end in the counters.
func TestAgentContainersAndMetrics(t *testing.T) {
	srv := newServer(t, WithAgents(1, "cpus:2;mem:1024;disk:100"))
	agentID := srv.AgentIDs()[0]
	base := srv.AgentURL(agentID)
	s := newClient(t, srv, httpapi.Protobuf).subscribe(frameworkInfo("metrics"))
	o := s.offers()[0]
	s.mustCall(launchCall(o, nil, shellTask("sleeper", o, "sleep 60")), http.StatusAccepted)
	s.ack(s.update("sleeper", mesosproto.TaskState_TASK_STARTING))
	s.ack(s.update("sleeper", mesosproto.TaskState_TASK_RUNNING))

	var m map[string]float64
	decodeJSON(t, agentGet(t, base+"/metrics/snapshot"), &m)
	want := map[string]float64{"slave/registered": 1, "slave/tasks_running": 1, "slave/tasks_staging": 0,
		"slave/tasks_finished": 0, "slave/executors_running": 1, "slave/frameworks_active": 1,
		"slave/cpus_total": 2, "slave/cpus_used": 0.1, "slave/mem_total": 1024, "slave/mem_used": 32,
		"slave/cpus_percent": 0.05, "slave/valid_status_updates": 2}
	for k, v := range want {
		if got, ok := m[k]; !ok || got != v {
			t.Errorf("%s = %v (present %v), want %v", k, got, ok, v)
		}
	}
	if m["slave/uptime_secs"] <= 0 {
		t.Errorf("uptime %v", m["slave/uptime_secs"])
	}

	var cs []struct {
		FrameworkID  string `json:"framework_id"`
		ExecutorID   string `json:"executor_id"`
		ExecutorName string `json:"executor_name"`
		Source       string `json:"source"`
		ContainerID  string `json:"container_id"`
		Status       struct {
			ContainerID struct {
				Value string `json:"value"`
			} `json:"container_id"`
			ExecutorPid int `json:"executor_pid"`
		} `json:"status"`
		Statistics map[string]float64 `json:"statistics"`
	}
	decodeJSON(t, agentGet(t, base+"/containers"), &cs)
	if len(cs) != 1 || cs[0].FrameworkID != s.fwID || cs[0].ExecutorID != "sleeper" || cs[0].Source != "sleeper" ||
		cs[0].Status.ContainerID.Value != cs[0].ContainerID || cs[0].Status.ExecutorPid <= 0 ||
		cs[0].Statistics["mem_limit_bytes"] != 32<<20 || cs[0].Statistics["cpus_soft_limit"] != 0.1 || cs[0].Statistics["timestamp"] <= 0 {
		t.Fatalf("/containers %+v", cs)
	}
	var stats []struct {
		ExecutorID string             `json:"executor_id"`
		Source     string             `json:"source"`
		Statistics map[string]float64 `json:"statistics"`
	}
	decodeJSON(t, agentGet(t, base+"/monitor/statistics"), &stats)
	if len(stats) != 1 || stats[0].ExecutorID != "sleeper" || stats[0].Source != "sleeper" || stats[0].Statistics["mem_soft_limit_bytes"] != 32<<20 {
		t.Errorf("/monitor/statistics %+v", stats)
	}
	cs = nil
	decodeJSON(t, agentGet(t, base+"/containers?framework_id=other"), &cs)
	if len(cs) != 0 {
		t.Errorf("filtered /containers %+v", cs)
	}
	const badFilter = "Supported query parameters are container_id only, framework_id only, or executor_id and framework_id only"
	expectText(t, agentGet(t, base+"/containers?executor_id=sleeper"), http.StatusBadRequest, badFilter)
	expectText(t, agentGet(t, base+"/containers?container_id=x&framework_id=y"), http.StatusBadRequest, badFilter)

	s.mustCall(&schedulerpb.Call{Type: schedulerpb.Call_KILL.Enum(), Kill: &schedulerpb.Call_Kill{
		TaskId: &mesosproto.TaskID{Value: proto.String("sleeper")}}}, http.StatusAccepted)
	if _, err := srv.WaitTask(testCtx(t), "sleeper", mesosproto.TaskState_TASK_KILLED); err != nil {
		t.Fatal(err)
	}
	m = nil
	decodeJSON(t, agentGet(t, base+"/metrics/snapshot"), &m)
	if m["slave/tasks_killed"] != 1 || m["slave/tasks_running"] != 0 || m["slave/cpus_used"] != 0 {
		t.Errorf("after the kill: killed %v running %v cpus_used %v", m["slave/tasks_killed"], m["slave/tasks_running"], m["slave/cpus_used"])
	}
}

// A custom executor that has not subscribed: its task is queued
// (ExecutorWriter's queued_tasks, json of TaskInfo), the executor shows its
// type and its sandbox is served under runs/latest while it runs.
func TestAgentStateCustomExecutor(t *testing.T) {
	srv := newServer(t)
	s, es, _ := execEnv(t, srv, frameworkInfo("custom"), "ex1", "queued")
	base := srv.AgentURL(srv.AgentIDs()[0])
	var st agentStateJSON
	decodeJSON(t, agentGet(t, base+"/state"), &st)
	if len(st.Frameworks) != 1 || len(st.Frameworks[0].Executors) != 1 {
		t.Fatalf("state %+v", st)
	}
	ex := st.Frameworks[0].Executors[0]
	if ex.ID != "ex1" || ex.Type != "CUSTOM" || ex.Directory != es.Sandbox || len(ex.Tasks) != 0 ||
		len(ex.QueuedTasks) != 1 || ex.QueuedTasks[0].ID != "queued" || ex.QueuedTasks[0].ExecutorID == nil ||
		*ex.QueuedTasks[0].ExecutorID != "ex1" || ex.QueuedTasks[0].Resources["mem"] != 32.0 || ex.Resources["mem"] != 32.0 {
		t.Errorf("executor %+v", ex)
	}
	var r readJSON
	decodeJSON(t, agentGet(t, filesURL(base, "read", "path", "/frameworks/"+s.fwID+"/executors/ex1/runs/latest/env.txt", "offset", "0")), &r)
	if !strings.Contains(r.Data, "MESOS_EXECUTOR_ID=ex1\n") {
		t.Errorf("env.txt through the files API: %q", r.Data)
	}
	// The executor's environment names the agent's real port.
	if !strings.Contains(r.Data, "MESOS_AGENT_ENDPOINT="+strings.TrimPrefix(base, "http://")+"\n") {
		t.Errorf("MESOS_AGENT_ENDPOINT is not the agent's port %s", base)
	}
}

// Static reservations in the agent's /state: reserved_resources by role,
// and the *_full lists in the ENDPOINT format (convertResourceFormat,
// src/common/resources_utils.cpp: the reservations stack plus the
// pre-refinement role).
func TestAgentStateReservations(t *testing.T) {
	srv := newServer(t, WithAgents(1, "cpus(web):1;cpus:2;mem:512"))
	base := srv.AgentURL(srv.AgentIDs()[0])
	var st agentStateJSON
	decodeJSON(t, agentGet(t, base+"/state"), &st)
	web, _ := st.Reserved["web"].(map[string]any)
	if web["cpus"] != 1.0 || web["mem"] != 0.0 || st.Unreserved["cpus"] != 2.0 || st.Unreserved["mem"] != 512.0 ||
		st.Resources["cpus"] != 3.0 {
		t.Errorf("reserved %v unreserved %v total %v", st.Reserved, st.Unreserved, st.Resources)
	}
	full := st.ReservedFull["web"]
	if len(full) != 1 {
		t.Fatalf("reserved_resources_full %v", st.ReservedFull)
	}
	r, _ := full[0].(map[string]any)
	rs, _ := r["reservations"].([]any)
	if r["name"] != "cpus" || r["role"] != "web" || len(rs) != 1 || rs[0].(map[string]any)["role"] != "web" ||
		rs[0].(map[string]any)["type"] != "STATIC" {
		t.Errorf("reserved resource %v", r)
	}
	for _, u := range st.UnresFull {
		if u["role"] != "*" || u["reservations"] != nil {
			t.Errorf("unreserved resource %v", u)
		}
	}
}

// After RestartAgent the agent is unreachable, then answers /state 503
// "Agent has not finished recovery" (Http::state while RECOVERING), then
// serves its state again on the same port.
func TestAgentStateDuringRestart(t *testing.T) {
	srv := newServer(t)
	agentID := srv.AgentIDs()[0]
	base := srv.AgentURL(agentID)
	if err := srv.RestartAgent(agentID, 2*time.Second); err != nil {
		t.Fatal(err)
	}
	tr := &http.Transport{Proxy: nil, DisableKeepAlives: true}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr}
	saw503 := false
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := hc.Get(base + "/state")
		if err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusServiceUnavailable {
				if string(b) != "Agent has not finished recovery" {
					t.Fatalf("503 body %q", b)
				}
				saw503 = true
			} else if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("the agent did not come back")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if !saw503 {
		t.Error("no 503 while the agent recovered")
	}
	if srv.AgentURL(agentID) != base {
		t.Errorf("the agent moved from %s to %s", base, srv.AgentURL(agentID))
	}
}

// The agent remembers at most 150 completed executors per framework
// (DEFAULT_MAX_COMPLETED_EXECUTORS_PER_FRAMEWORK, src/slave/constants.hpp):
// older runs are dropped from /state and their sandboxes detached.
func TestAgentCompletedExecutorsBound(t *testing.T) {
	srv := newServer(t)
	agentID := srv.AgentIDs()[0]
	srv.mu.Lock()
	a := srv.agentByID[agentID]
	a.frameworks["fw"] = frameworkInfo("bound")
	for i := range 400 {
		id := "t" + strconv.Itoa(i)
		srv.recordAgentTaskLocked(&task{s: srv, key: taskKey{"fw", id}, agent: a, executorID: id, containerID: id,
			sandbox: filepath.Join(srv.SandboxDir(), id), state: mesosproto.TaskState_TASK_FINISHED, role: "*",
			info: &mesosproto.TaskInfo{TaskId: &mesosproto.TaskID{Value: proto.String(id)}, Command: &mesosproto.CommandInfo{Value: proto.String("true")}}})
	}
	runs := len(a.ex.srv.runs.runs)
	delete(a.frameworks, "fw")
	srv.mu.Unlock()
	if runs > 2*maxCompletedExecutorsPerFramework {
		t.Errorf("%d runs kept", runs)
	}
	var st agentStateJSON
	decodeJSON(t, agentGet(t, srv.AgentURL(agentID)+"/state"), &st)
	if len(st.Frameworks) != 0 || len(st.Completed) != 1 || len(st.Completed[0].CompletedExecutors) != maxCompletedExecutorsPerFramework ||
		st.Completed[0].CompletedExecutors[maxCompletedExecutorsPerFramework-1].ID != "t399" {
		t.Fatalf("frameworks %d, completed %d", len(st.Frameworks), len(st.Completed))
	}
	if st.Completed[0].CompletedExecutors[0].ID != "t250" {
		t.Errorf("oldest completed executor shown: %s", st.Completed[0].CompletedExecutors[0].ID)
	}
}
