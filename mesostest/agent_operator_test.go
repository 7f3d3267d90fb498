// SPDX-License-Identifier: Apache-2.0

//lint:file-ignore SA1019 an agent still serves the deprecated nested-container calls

package mesostest

import (
	"net/http"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/internal/httpapi"
	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/agentpb"
	"github.com/mesoskit/mesoskit/mesosproto/schedulerpb"
)

// agentOpRaw posts an agent operator call to the agent at base.
func agentOpRaw(t *testing.T, srv *Server, codec httpapi.Codec, base string, call *agentpb.Call) response {
	t.Helper()
	b, err := codec.Marshal(call)
	if err != nil {
		t.Fatal(err)
	}
	c := &client{t: t, srv: srv, codec: codec, url: base}
	return c.raw(http.MethodPost, "/api/v1", b, "Content-Type", codec.MediaType(), "Accept", codec.MediaType())
}

// agentOp posts a call that must answer 200 with a Response.
func agentOp(t *testing.T, srv *Server, codec httpapi.Codec, base string, call *agentpb.Call) *agentpb.Response {
	t.Helper()
	r := agentOpRaw(t, srv, codec, base, call)
	if r.status != http.StatusOK {
		t.Fatalf("%v: %d %q", call.GetType(), r.status, r.body)
	}
	if ct := r.header.Get("Content-Type"); ct != codec.MediaType() {
		t.Fatalf("%v: Content-Type %q", call.GetType(), ct)
	}
	resp := &agentpb.Response{}
	if err := codec.Unmarshal([]byte(r.body), resp); err != nil {
		t.Fatalf("%v: %v in %q", call.GetType(), err, r.body)
	}
	if resp.GetType().String() != call.GetType().String() {
		t.Fatalf("%v answered %v", call.GetType(), resp.GetType())
	}
	return resp
}

func agentCallOf(typ agentpb.Call_Type) *agentpb.Call { return &agentpb.Call{Type: typ.Enum()} }

// TestAgentOperatorChecks: the checks of Http::api and Http::_api
// (src/slave/http.cpp) in their order, and validation::agent::call::validate
// (src/slave/validation.cpp).
func TestAgentOperatorChecks(t *testing.T) {
	srv := newServer(t)
	base := srv.AgentURL(srv.AgentIDs()[0])
	c := &client{t: t, srv: srv, codec: httpapi.JSON, url: base}
	health := []byte(`{"type":"GET_HEALTH"}`)
	json, pb := httpapi.MediaTypeJSON, httpapi.MediaTypeProtobuf
	r := c.raw(http.MethodGet, "/api/v1", nil)
	expect(t, r, http.StatusMethodNotAllowed, "405 Method Not Allowed. Expecting one of { 'POST' }, but received 'GET'.")
	if r.header.Get("Allow") != "POST" {
		t.Fatalf("Allow %q", r.header.Get("Allow"))
	}
	expect(t, c.raw(http.MethodPost, "/api/v1", health), http.StatusBadRequest, "Expecting 'Content-Type' to be present")
	expect(t, c.raw(http.MethodPost, "/api/v1", health, "Content-Type", "text/plain"), http.StatusUnsupportedMediaType,
		"Expecting 'Content-Type' of application/json or application/x-protobuf or application/recordio")
	expect(t, c.raw(http.MethodPost, "/api/v1", health, "Content-Type", json, "Message-Content-Type", json), http.StatusUnsupportedMediaType,
		"Expecting 'Message-Content-Type' to be not set for non-streaming requests")
	expect(t, c.raw(http.MethodPost, "/api/v1", health, "Content-Type", "application/recordio"), http.StatusBadRequest,
		"Expecting 'Message-Content-Type' to be set for streaming requests")
	expect(t, c.raw(http.MethodPost, "/api/v1", health, "Content-Type", json, "Accept", "text/html"), http.StatusNotAcceptable,
		"Expecting 'Accept' to allow application/json or application/x-protobuf or application/recordio")
	expect(t, c.raw(http.MethodPost, "/api/v1", health, "Content-Type", json, "Message-Accept", json), http.StatusNotAcceptable,
		"Expecting 'Message-Accept' to be not set for non-streaming responses")
	if r := c.raw(http.MethodPost, "/api/v1", []byte("{"), "Content-Type", json); r.status != http.StatusBadRequest ||
		!strings.HasPrefix(r.body, "Failed to parse body into JSON: ") {
		t.Fatalf("bad JSON: %d %q", r.status, r.body)
	}
	expect(t, c.raw(http.MethodPost, "/api/v1", []byte{0xff}, "Content-Type", pb), http.StatusBadRequest, "Failed to parse body into Call protobuf")
	expect(t, c.raw(http.MethodPost, "/api/v1", []byte(`{"type":"GET_METRICS"}`), "Content-Type", json), http.StatusBadRequest,
		"Failed to validate agent::Call: Expecting 'get_metrics' to be present")
	expect(t, c.raw(http.MethodPost, "/api/v1", []byte(`{"type":"WAIT_NESTED_CONTAINER","wait_nested_container":{"container_id":{"value":"a"}}}`),
		"Content-Type", json), http.StatusBadRequest,
		"Failed to validate agent::Call: Expecting 'wait_nested_container.container_id.parent' to be present")
	expect(t, c.raw(http.MethodPost, "/api/v1", []byte(`{"type":"KILL_CONTAINER","kill_container":{"container_id":{"value":"a.b"}}}`),
		"Content-Type", json), http.StatusBadRequest,
		"Failed to validate agent::Call: 'kill_container.container_id' is invalid: 'ContainerID.value' 'a.b' contains invalid characters")
	// A streaming request carries its call as the first RecordIO record.
	rec := func(b string) []byte { return []byte(strconvItoa(len(b)) + "\n" + b) }
	expect(t, c.raw(http.MethodPost, "/api/v1", rec(`{"type":"GET_HEALTH"}`), "Content-Type", "application/recordio", "Message-Content-Type", json),
		http.StatusUnsupportedMediaType, "Streaming 'Content-Type' application/recordio is not supported for GET_HEALTH call")
	expect(t, c.raw(http.MethodPost, "/api/v1", nil, "Content-Type", "application/recordio", "Message-Content-Type", json),
		http.StatusBadRequest, "Received EOF while reading request body")
	attach := `{"type":"ATTACH_CONTAINER_INPUT","attach_container_input":{"type":"CONTAINER_ID","container_id":{"value":"nope"}}}`
	expect(t, c.raw(http.MethodPost, "/api/v1", []byte(attach), "Content-Type", json), http.StatusUnsupportedMediaType,
		"Expecting 'Content-Type' to be application/recordio for ATTACH_CONTAINER_INPUT call")
	expect(t, c.raw(http.MethodPost, "/api/v1", rec(attach), "Content-Type", "application/recordio", "Message-Content-Type", json),
		http.StatusNotFound, "Container nope cannot be found")
	expect(t, c.raw(http.MethodPost, "/api/v1", []byte(`{"type":"UNKNOWN"}`), "Content-Type", json), http.StatusNotImplemented, "")
	// The agent process's own path serves it too.
	expect(t, c.raw(http.MethodPost, "/slave(1)/api/v1", health, "Content-Type", json), http.StatusOK, `{"type":"GET_HEALTH","get_health":{"healthy":true}}`)
}

func strconvItoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return strconvItoa(n/10) + string(rune('0'+n%10))
}

// TestAgentOperatorReadCalls runs a finished and a running command task and
// reads the agent back through every GET_* call, LIST_FILES and READ_FILE,
// in both content types, comparing with the agent's /flags,
// /metrics/snapshot and /containers (one model for both surfaces).
func TestAgentOperatorReadCalls(t *testing.T) {
	for _, codec := range codecs {
		t.Run(codecName(codec), func(t *testing.T) {
			srv := newServer(t)
			agentID := srv.AgentIDs()[0]
			base := srv.AgentURL(agentID)
			s := newClient(t, srv, httpapi.JSON).subscribe(frameworkInfo("agentop"))
			o := s.offers()[0]
			s.mustCall(launchCall(o, nil, shellTask("done", o, `printf 'hello\n'`), shellTask("busy", o, "sleep 60")), http.StatusAccepted)
			if _, err := srv.WaitTask(testCtx(t), "done", mesosproto.TaskState_TASK_FINISHED); err != nil {
				t.Fatal(err)
			}
			if _, err := srv.WaitTask(testCtx(t), "busy", mesosproto.TaskState_TASK_RUNNING); err != nil {
				t.Fatal(err)
			}
			op := func(call *agentpb.Call) *agentpb.Response { t.Helper(); return agentOp(t, srv, codec, base, call) }

			if !op(agentCallOf(agentpb.Call_GET_HEALTH)).GetGetHealth().GetHealthy() {
				t.Fatal("not healthy")
			}
			if v := op(agentCallOf(agentpb.Call_GET_VERSION)).GetGetVersion().GetVersionInfo(); v.GetVersion() != mesosVersion {
				t.Fatalf("version %v", v)
			}
			var flags struct{ Flags map[string]string }
			decodeJSON(t, agentGet(t, base+"/flags"), &flags)
			gf := op(agentCallOf(agentpb.Call_GET_FLAGS)).GetGetFlags().GetFlags()
			if len(gf) != len(flags.Flags) || len(gf) == 0 {
				t.Fatalf("%d flags, /flags has %d", len(gf), len(flags.Flags))
			}
			for i, f := range gf {
				if flags.Flags[f.GetName()] != f.GetValue() || (i > 0 && gf[i-1].GetName() >= f.GetName()) {
					t.Fatalf("flag %d %v (/flags %q)", i, f, flags.Flags[f.GetName()])
				}
			}
			var snap map[string]float64
			decodeJSON(t, agentGet(t, base+"/metrics/snapshot"), &snap)
			gm := op(&agentpb.Call{Type: agentpb.Call_GET_METRICS.Enum(), GetMetrics: &agentpb.Call_GetMetrics{}}).GetGetMetrics().GetMetrics()
			got := map[string]float64{}
			for _, m := range gm {
				if _, ok := snap[m.GetName()]; !ok {
					t.Fatalf("metric %s not in /metrics/snapshot", m.GetName())
				}
				got[m.GetName()] = m.GetValue()
			}
			if len(got) != len(snap) || got["slave/tasks_running"] != 1 || got["slave/tasks_finished"] != 1 {
				t.Fatalf("metrics %v", got)
			}

			// GET_LOGGING_LEVEL / SET_LOGGING_LEVEL (Http::setLoggingLevel: OK()).
			if l := op(agentCallOf(agentpb.Call_GET_LOGGING_LEVEL)).GetGetLoggingLevel(); l.Level == nil || l.GetLevel() != 0 {
				t.Fatalf("level %v", l)
			}
			expect(t, agentOpRaw(t, srv, codec, base, &agentpb.Call{Type: agentpb.Call_SET_LOGGING_LEVEL.Enum(),
				SetLoggingLevel: &agentpb.Call_SetLoggingLevel{Level: proto.Uint32(2), Duration: &mesosproto.DurationInfo{Nanoseconds: proto.Int64(60e9)}}}),
				http.StatusOK, "")
			if l := op(agentCallOf(agentpb.Call_GET_LOGGING_LEVEL)).GetGetLoggingLevel().GetLevel(); l != 2 {
				t.Fatalf("level %d, want 2", l)
			}

			// Until its terminal update is acknowledged a task stays in its
			// executor's terminated tasks and the executor with its framework
			// (Executor::incompleteTasks, Slave::executorTerminated); then it
			// is completed with its executor.
			state := func() (*agentpb.Response_GetTasks, *agentpb.Response_GetExecutors, *agentpb.Response_GetFrameworks) {
				st := op(agentCallOf(agentpb.Call_GET_STATE)).GetGetState()
				return st.GetGetTasks(), st.GetGetExecutors(), st.GetGetFrameworks()
			}
			ids := func(ts []*mesosproto.Task) (out []string) {
				for _, x := range ts {
					out = append(out, x.GetTaskId().GetValue()+"/"+x.GetState().String())
				}
				return out
			}
			exIDs := func(es []*agentpb.Response_GetExecutors_Executor) (out []string) {
				for _, e := range es {
					out = append(out, e.GetExecutorInfo().GetExecutorId().GetValue())
				}
				return out
			}
			tasks, exs, fws := state()
			if got := ids(tasks.GetLaunchedTasks()); len(got) != 1 || got[0] != "busy/TASK_RUNNING" {
				t.Fatalf("launched %v", got)
			}
			if got := ids(tasks.GetTerminatedTasks()); len(got) != 1 || got[0] != "done/TASK_FINISHED" {
				t.Fatalf("terminated %v", got)
			}
			if len(tasks.GetCompletedTasks())+len(tasks.GetPendingTasks())+len(tasks.GetQueuedTasks()) != 0 || len(exs.GetExecutors()) != 2 {
				t.Fatalf("tasks %v executors %v", tasks, exIDs(exs.GetExecutors()))
			}
			if len(fws.GetFrameworks()) != 1 || fws.GetFrameworks()[0].GetFrameworkInfo().GetId().GetValue() != s.fwID ||
				fws.GetFrameworks()[0].GetFrameworkInfo().GetName() != "agentop" || len(fws.GetCompletedFrameworks()) != 0 {
				t.Fatalf("frameworks %v", fws)
			}
			for {
				st := s.nextSkip(schedulerpb.Event_UPDATE).GetUpdate().GetStatus()
				s.ack(st) // the next update of a task comes once this one is acknowledged
				if st.GetTaskId().GetValue() == "done" && st.GetState() == mesosproto.TaskState_TASK_FINISHED {
					break
				}
			}
			eventually(t, "done completed", func() bool {
				tasks, _, _ := state()
				return len(tasks.GetCompletedTasks()) == 1
			})
			tasks, exs, _ = state()
			if got := ids(tasks.GetCompletedTasks()); got[0] != "done/TASK_FINISHED" || len(tasks.GetTerminatedTasks()) != 0 || len(tasks.GetLaunchedTasks()) != 1 {
				t.Fatalf("tasks after ack %v", tasks)
			}
			if e, c := exIDs(exs.GetExecutors()), exIDs(exs.GetCompletedExecutors()); len(e) != 1 || e[0] != "busy" || len(c) != 1 || c[0] != "done" {
				t.Fatalf("executors %v, completed %v", e, c)
			}
			// The single calls render the same model as GET_STATE.
			if got := ids(op(agentCallOf(agentpb.Call_GET_TASKS)).GetGetTasks().GetLaunchedTasks()); len(got) != 1 || got[0] != "busy/TASK_RUNNING" {
				t.Fatalf("GET_TASKS launched %v", got)
			}
			if got := exIDs(op(agentCallOf(agentpb.Call_GET_EXECUTORS)).GetGetExecutors().GetCompletedExecutors()); len(got) != 1 || got[0] != "done" {
				t.Fatalf("GET_EXECUTORS completed %v", got)
			}
			if got := op(agentCallOf(agentpb.Call_GET_FRAMEWORKS)).GetGetFrameworks().GetFrameworks(); len(got) != 1 || got[0].GetFrameworkInfo().GetId().GetValue() != s.fwID {
				t.Fatalf("GET_FRAMEWORKS %v", got)
			}

			var containers []struct {
				ContainerID string `json:"container_id"`
				ExecutorID  string `json:"executor_id"`
			}
			decodeJSON(t, agentGet(t, base+"/containers"), &containers)
			gc := op(agentCallOf(agentpb.Call_GET_CONTAINERS)).GetGetContainers().GetContainers()
			if len(gc) != 1 || len(containers) != 1 || gc[0].GetContainerId().GetValue() != containers[0].ContainerID ||
				gc[0].GetExecutorId().GetValue() != "busy" || gc[0].GetFrameworkId().GetValue() != s.fwID ||
				gc[0].GetResourceStatistics().GetMemLimitBytes() != 32<<20 || gc[0].GetContainerStatus().GetExecutorPid() == 0 {
				t.Fatalf("containers %v, /containers %v", gc, containers)
			}

			ga := op(agentCallOf(agentpb.Call_GET_AGENT)).GetGetAgent()
			if ga.GetAgentInfo().GetId().GetValue() != agentID || ga.GetAgentInfo().GetHostname() == "" || len(ga.GetAgentInfo().GetResources()) == 0 {
				t.Fatalf("agent %v", ga)
			}
			if rp := op(agentCallOf(agentpb.Call_GET_RESOURCE_PROVIDERS)).GetGetResourceProviders(); rp == nil || len(rp.GetResourceProviders()) != 0 {
				t.Fatalf("resource providers %v", rp)
			}
			if ops := op(agentCallOf(agentpb.Call_GET_OPERATIONS)).GetGetOperations(); ops == nil || len(ops.GetOperations()) != 0 {
				t.Fatalf("operations %v", ops)
			}

			// LIST_FILES and READ_FILE over the runs/latest alias
			// (Http::listFiles, Http::readFile over Files::browse, Files::read).
			latest := "/frameworks/" + s.fwID + "/executors/done/runs/latest"
			lf := op(&agentpb.Call{Type: agentpb.Call_LIST_FILES.Enum(), ListFiles: &agentpb.Call_ListFiles{Path: proto.String(latest)}}).GetListFiles()
			found := false
			for _, fi := range lf.GetFileInfos() {
				if fi.GetPath() == latest+"/stdout" && fi.GetSize() == 6 && fi.GetMtime().GetNanoseconds()%1e9 == 0 {
					found = true
				}
			}
			if !found {
				t.Fatalf("LIST_FILES %v", lf)
			}
			read := func(path string, offset uint64, length *uint64) response {
				return agentOpRaw(t, srv, codec, base, &agentpb.Call{Type: agentpb.Call_READ_FILE.Enum(),
					ReadFile: &agentpb.Call_ReadFile{Path: proto.String(path), Offset: proto.Uint64(offset), Length: length}})
			}
			rf := op(&agentpb.Call{Type: agentpb.Call_READ_FILE.Enum(), ReadFile: &agentpb.Call_ReadFile{
				Path: proto.String(latest + "/stdout"), Offset: proto.Uint64(1), Length: proto.Uint64(3)}}).GetReadFile()
			if rf.GetSize() != 6 || string(rf.GetData()) != "ell" {
				t.Fatalf("READ_FILE %v", rf)
			}
			rf = op(&agentpb.Call{Type: agentpb.Call_READ_FILE.Enum(), ReadFile: &agentpb.Call_ReadFile{
				Path: proto.String(latest + "/stdout"), Offset: proto.Uint64(0), Length: proto.Uint64(1 << 63)}}).GetReadFile()
			if string(rf.GetData()) != "hello\n" {
				t.Fatalf("READ_FILE huge length %v", rf)
			}
			expect(t, read(latest+"/nothing", 0, nil), http.StatusNotFound, "")
			expect(t, read(latest, 0, nil), http.StatusBadRequest, "Cannot read a directory.\n")
			expect(t, read(latest+"/../../../../../../../etc/passwd", 0, nil), http.StatusNotFound, "")
		})
	}
}

// TestAgentOperatorContainerCalls: the calls the fake agent cannot honour
// answer as an agent without nested containers, attach, remove or a
// resource provider config directory does (agent_operator_containers.go).
func TestAgentOperatorContainerCalls(t *testing.T) {
	for _, codec := range codecs {
		t.Run(codecName(codec), func(t *testing.T) {
			srv := newServer(t)
			base := srv.AgentURL(srv.AgentIDs()[0])
			nested := &mesosproto.ContainerID{Value: proto.String("child"), Parent: &mesosproto.ContainerID{Value: proto.String("root")}}
			top := &mesosproto.ContainerID{Value: proto.String("root")}
			cmd := &mesosproto.CommandInfo{Value: proto.String("true")}
			cases := []struct {
				call   *agentpb.Call
				status int
				body   string
			}{
				{&agentpb.Call{Type: agentpb.Call_LAUNCH_NESTED_CONTAINER.Enum(), LaunchNestedContainer: &agentpb.Call_LaunchNestedContainer{ContainerId: nested, Command: cmd}},
					http.StatusBadRequest, "Nested containers are not supported"},
				{&agentpb.Call{Type: agentpb.Call_LAUNCH_NESTED_CONTAINER_SESSION.Enum(), LaunchNestedContainerSession: &agentpb.Call_LaunchNestedContainerSession{ContainerId: nested, Command: cmd}},
					http.StatusBadRequest, "Nested containers are not supported"},
				{&agentpb.Call{Type: agentpb.Call_LAUNCH_CONTAINER.Enum(), LaunchContainer: &agentpb.Call_LaunchContainer{ContainerId: top, Command: cmd}},
					http.StatusBadRequest, "The provided ContainerInfo is not supported"},
				{&agentpb.Call{Type: agentpb.Call_WAIT_CONTAINER.Enum(), WaitContainer: &agentpb.Call_WaitContainer{ContainerId: nested}},
					http.StatusNotFound, "Container root.child cannot be found"},
				{&agentpb.Call{Type: agentpb.Call_KILL_NESTED_CONTAINER.Enum(), KillNestedContainer: &agentpb.Call_KillNestedContainer{ContainerId: nested}},
					http.StatusNotFound, "Container 'root.child' cannot be found (or is already killed)"},
				{&agentpb.Call{Type: agentpb.Call_REMOVE_CONTAINER.Enum(), RemoveContainer: &agentpb.Call_RemoveContainer{ContainerId: nested}},
					http.StatusInternalServerError, "Unsupported"},
				{&agentpb.Call{Type: agentpb.Call_ATTACH_CONTAINER_OUTPUT.Enum(), AttachContainerOutput: &agentpb.Call_AttachContainerOutput{ContainerId: nested}},
					http.StatusNotFound, "Container root.child cannot be found"},
				{&agentpb.Call{Type: agentpb.Call_ADD_RESOURCE_PROVIDER_CONFIG.Enum(), AddResourceProviderConfig: &agentpb.Call_AddResourceProviderConfig{
					Info: &mesosproto.ResourceProviderInfo{Type: proto.String("org.apache.mesos.rp.local.storage"), Name: proto.String("lvm")}}},
					http.StatusInternalServerError, "Missing required flag --resource_provider_config_dir"},
				{&agentpb.Call{Type: agentpb.Call_PRUNE_IMAGES.Enum(), PruneImages: &agentpb.Call_PruneImages{}}, http.StatusOK, ""},
			}
			for _, tc := range cases {
				r := agentOpRaw(t, srv, codec, base, tc.call)
				if r.status != tc.status || r.body != tc.body {
					t.Errorf("%v: %d %q, want %d %q", tc.call.GetType(), r.status, r.body, tc.status, tc.body)
				}
			}
		})
	}
}
