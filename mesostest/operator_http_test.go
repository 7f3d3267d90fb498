// SPDX-License-Identifier: Apache-2.0

package mesostest

import (
	"net/http"
	"strconv"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/internal/httpapi"
	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/masterpb"
	"github.com/mesoskit/mesoskit/mesosproto/schedulerpb"
)

// operator posts an operator call in the client's content type (Accept the
// same) to path and decodes a 200 answer.
func (c *client) operator(path string, call *masterpb.Call) *masterpb.Response {
	c.t.Helper()
	b, err := c.codec.Marshal(call)
	if err != nil {
		c.t.Fatal(err)
	}
	r := c.raw(http.MethodPost, path, b, "Content-Type", c.codec.MediaType(), "Accept", c.codec.MediaType())
	if r.status != http.StatusOK {
		c.t.Fatalf("%v: %d %q", call.GetType(), r.status, r.body)
	}
	if got := r.header.Get("Content-Type"); got != c.codec.MediaType() {
		c.t.Fatalf("%v: Content-Type %q, want %q", call.GetType(), got, c.codec.MediaType())
	}
	resp := &masterpb.Response{}
	if err := c.codec.Unmarshal([]byte(r.body), resp); err != nil {
		c.t.Fatalf("%v: %v in %q", call.GetType(), err, r.body)
	}
	return resp
}

func opCall(t masterpb.Call_Type) *masterpb.Call { return &masterpb.Call{Type: t.Enum()} }

// TestOperatorReadCalls runs a task and reads it back with GET_STATE,
// GET_TASKS, GET_AGENTS, GET_FRAMEWORKS, plus GET_HEALTH, GET_VERSION and
// GET_MASTER, at both paths and in both content types.
func TestOperatorReadCalls(t *testing.T) {
	srv := newServer(t)
	sched := newClient(t, srv, httpapi.Protobuf).subscribe(frameworkInfo("op"))
	o := sched.offers()[0]
	sched.mustCall(withFW(launchCall(o, nil, shellTask("t1", o, "sleep 30")), sched.fwID), http.StatusAccepted)
	for {
		st := sched.nextSkip(schedulerpb.Event_UPDATE).GetUpdate().GetStatus()
		sched.ack(st)
		if st.GetState() == mesosproto.TaskState_TASK_RUNNING {
			break
		}
	}
	for _, codec := range codecs {
		for _, path := range []string{operatorPath, masterOperatorPath} {
			t.Run(codecName(codec)+path, func(t *testing.T) {
				c := newClient(t, srv, codec)
				if r := c.operator(path, opCall(masterpb.Call_GET_HEALTH)); r.GetType() != masterpb.Response_GET_HEALTH || !r.GetGetHealth().GetHealthy() {
					t.Errorf("GET_HEALTH: %v", r)
				}
				if r := c.operator(path, opCall(masterpb.Call_GET_VERSION)); r.GetGetVersion().GetVersionInfo().GetVersion() != mesosVersion {
					t.Errorf("GET_VERSION: %v", r)
				}
				if r := c.operator(path, opCall(masterpb.Call_GET_MASTER)); !proto.Equal(r.GetGetMaster().GetMasterInfo(), srv.masters[0].info) {
					t.Errorf("GET_MASTER: %v", r)
				}
				state := c.operator(path, opCall(masterpb.Call_GET_STATE)).GetGetState()
				tasks := c.operator(path, opCall(masterpb.Call_GET_TASKS)).GetGetTasks()
				if !proto.Equal(state.GetGetTasks(), tasks) {
					t.Errorf("GET_STATE tasks differ from GET_TASKS")
				}
				if n := len(tasks.GetTasks()); n != 1 {
					t.Fatalf("GET_TASKS: %d tasks, want 1: %v", n, tasks)
				}
				task := tasks.GetTasks()[0]
				if task.GetTaskId().GetValue() != "t1" || task.GetName() != "t1" || task.GetState() != mesosproto.TaskState_TASK_RUNNING ||
					task.GetAgentId().GetValue() != o.GetAgentId().GetValue() || task.GetFrameworkId().GetValue() != sched.fwID {
					t.Errorf("task: %v", task)
				}
				if len(task.GetStatuses()) == 0 || task.GetStatuses()[len(task.GetStatuses())-1].GetState() != mesosproto.TaskState_TASK_RUNNING {
					t.Errorf("task statuses: %v", task.GetStatuses())
				}
				agents := c.operator(path, opCall(masterpb.Call_GET_AGENTS)).GetGetAgents()
				if !proto.Equal(state.GetGetAgents(), agents) || len(agents.GetAgents()) != 1 {
					t.Fatalf("GET_AGENTS: %v", agents)
				}
				if a := agents.GetAgents()[0]; a.GetAgentInfo().GetId().GetValue() != o.GetAgentId().GetValue() || !a.GetActive() || len(a.GetAllocatedResources()) == 0 {
					t.Errorf("agent: %v", a)
				}
				fws := c.operator(path, opCall(masterpb.Call_GET_FRAMEWORKS)).GetGetFrameworks()
				if len(fws.GetFrameworks()) != 1 || fws.GetFrameworks()[0].GetFrameworkInfo().GetId().GetValue() != sched.fwID ||
					!fws.GetFrameworks()[0].GetConnected() || fws.GetFrameworks()[0].GetRecovered() {
					t.Errorf("GET_FRAMEWORKS: %v", fws)
				}
				if ex := c.operator(path, opCall(masterpb.Call_GET_EXECUTORS)); ex.GetType() != masterpb.Response_GET_EXECUTORS || len(ex.GetGetExecutors().GetExecutors()) != 0 {
					t.Errorf("GET_EXECUTORS (command tasks only): %v", ex)
				}
			})
		}
	}
}

func withFW(c *schedulerpb.Call, fwID string) *schedulerpb.Call {
	c.FrameworkId = &mesosproto.FrameworkID{Value: proto.String(fwID)}
	return c
}

// TestOperatorBadInput: Master::Http::api's checks, in its order, with
// Mesos's status codes and bodies.
func TestOperatorBadInput(t *testing.T) {
	srv := newServer(t)
	c := newClient(t, srv, httpapi.JSON)
	pbUnknown, _ := proto.Marshal(&masterpb.Call{Type: masterpb.Call_UNKNOWN.Enum()})
	pbNoPayload, _ := proto.Marshal(&masterpb.Call{Type: masterpb.Call_UPDATE_WEIGHTS.Enum()})
	for _, tc := range []struct {
		name, method, ct, accept, body string
		status                         int
		want                           string
	}{
		{"GET", http.MethodGet, "", "", "", 405, "405 Method Not Allowed. Expecting one of { 'POST' }, but received 'GET'."},
		{"no content type", http.MethodPost, "", "", `{"type":"GET_HEALTH"}`, 400, "Expecting 'Content-Type' to be present"},
		{"text", http.MethodPost, "text/plain", "", `x`, 415, "Expecting 'Content-Type' of application/json or application/x-protobuf"},
		{"bad json", http.MethodPost, "application/json", "", `{`, 400, "Failed to parse body into JSON: "},
		{"json array", http.MethodPost, "application/json", "", `[]`, 400, "Failed to convert JSON into Call protobuf: "},
		{"bad protobuf", http.MethodPost, "application/x-protobuf", "", "\xff\xff", 400, "Failed to parse body into Call protobuf"},
		{"no type json", http.MethodPost, "application/json", "", `{}`, 400, "Failed to validate master::Call: Expecting 'type' to be present"},
		{"unknown type name", http.MethodPost, "application/json", "", `{"type":"NO_SUCH_CALL"}`, 400, "Failed to validate master::Call: Expecting 'type' to be present"},
		{"missing payload pb", http.MethodPost, "application/x-protobuf", "", string(pbNoPayload), 400, "Failed to validate master::Call: Expecting 'update_weights' to be present"},
		{"missing payload json", http.MethodPost, "application/json", "", `{"type":"DRAIN_AGENT"}`, 400, "Failed to validate master::Call: Expecting 'drain_agent' to be present"},
		{"grow without agent", http.MethodPost, "application/json", "", `{"type":"GROW_VOLUME","grow_volume":{"volume":{"name":"disk","type":"SCALAR","scalar":{"value":1}},"addition":{"name":"disk","type":"SCALAR","scalar":{"value":1}}}}`, 400,
			"Failed to validate master::Call: Expecting 'agent_id' to be present; only agent default resources are supported right now"},
		{"not acceptable", http.MethodPost, "application/json", "text/html", `{"type":"GET_HEALTH"}`, 406, "Expecting 'Accept' to allow 'application/x-protobuf' or 'application/json'"},
		{"unknown", http.MethodPost, "application/x-protobuf", "", string(pbUnknown), 501, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hdr := []string{}
			if tc.ct != "" {
				hdr = append(hdr, "Content-Type", tc.ct)
			}
			if tc.accept != "" {
				hdr = append(hdr, "Accept", tc.accept)
			}
			r := c.raw(tc.method, operatorPath, []byte(tc.body), hdr...)
			if r.status != tc.status || !hasPrefix(r.body, tc.want) || (tc.want == "" && r.body != "") {
				t.Fatalf("got %d %q, want %d %q...", r.status, r.body, tc.status, tc.want)
			}
			if tc.status == 405 && r.header.Get("Allow") != "POST" {
				t.Errorf("Allow %q", r.header.Get("Allow"))
			}
		})
	}
}

// TestOperatorAcceptPrefersJSON: with both acceptable, the answer is JSON
// (Request::acceptsMediaType is asked for JSON first), even when protobuf
// is listed first.
func TestOperatorAcceptPrefersJSON(t *testing.T) {
	srv := newServer(t)
	c := newClient(t, srv, httpapi.Protobuf)
	b, _ := proto.Marshal(opCall(masterpb.Call_GET_HEALTH))
	r := c.raw(http.MethodPost, operatorPath, b, "Content-Type", httpapi.MediaTypeProtobuf, "Accept", "application/x-protobuf, application/json")
	if r.status != 200 || r.header.Get("Content-Type") != httpapi.MediaTypeJSON || r.body != `{"type":"GET_HEALTH","get_health":{"healthy":true}}` {
		t.Fatalf("got %d %q %q", r.status, r.header.Get("Content-Type"), r.body)
	}
}

// TestOperatorNotLeader: a master that does not lead redirects operator
// calls to the leader's /master/api/v1 (Master::Http::redirect), before
// looking at the method or the body; with no leader it answers 503.
func TestOperatorNotLeader(t *testing.T) {
	srv := newServer(t, WithMasters(2))
	leader := srv.LeaderIndex()
	other := srv.MasterURLs()[1-leader]
	c := newClient(t, srv, httpapi.JSON)
	c.url = other
	info := srv.masters[leader].info
	want := "//" + info.GetHostname() + ":" + strconv.Itoa(int(info.GetPort())) + masterOperatorPath
	for _, path := range []string{operatorPath, masterOperatorPath} {
		r := c.raw(http.MethodGet, path, nil)
		if r.status != http.StatusTemporaryRedirect || r.header.Get("Location") != want {
			t.Fatalf("%s: %d Location %q, want 307 %q", path, r.status, r.header.Get("Location"), want)
		}
	}
	srv.SetNoLeader()
	r := c.raw(http.MethodPost, operatorPath, []byte(`{"type":"GET_HEALTH"}`), "Content-Type", "application/json")
	expect(t, r, http.StatusServiceUnavailable, "No leader elected")
}
