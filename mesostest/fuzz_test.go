// SPDX-License-Identifier: Apache-2.0

package mesostest

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/mesoskit/mesoskit/internal/httpapi"
	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/executorpb"
)

// FuzzParseResources: an agent's --resources string never panics the
// parser, and what it accepts is a list of named resources of a known type
// whose values are set for that type.
func FuzzParseResources(f *testing.F) {
	for _, s := range []string{
		"cpus:4;mem:4096;disk:10000;ports:[31000-32000]",
		"cpus(role1):2;cpus:1;gpus:1;disks:{a,b,c}",
		"ports:[1-2,5-10];mem(*):512.5", "cpus:-1", "mem:1e400", "ports:[5-1]", "x:{}", ";;", "cpus(", "",
		`[{"name":"cpus","type":"SCALAR","scalar":{"value":1}}]`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		rs, err := ParseResources(text)
		if err != nil {
			return
		}
		for _, r := range rs {
			if r.GetName() == "" {
				t.Fatalf("%q: a resource without a name: %v", text, r)
			}
			switch r.GetType() {
			case mesosproto.Value_SCALAR:
				if r.Scalar == nil {
					t.Fatalf("%q: scalar %q without a value", text, r.GetName())
				}
			case mesosproto.Value_RANGES:
				if r.Ranges == nil {
					t.Fatalf("%q: ranges %q without ranges", text, r.GetName())
				}
			case mesosproto.Value_SET:
				if r.Set == nil {
					t.Fatalf("%q: set %q without items", text, r.GetName())
				}
			default:
				t.Fatalf("%q: resource %q of type %v", text, r.GetName(), r.GetType())
			}
		}
	})
}

// FuzzExecutorAPI: any request body, in either media type, sent to an
// agent's executor endpoint gets one of the answers Mesos's Http::executor
// gives (src/slave/http.cpp) and never a panic or a 500.
func FuzzExecutorAPI(f *testing.F) {
	srv, err := NewServer(fastOpts(WithAgent(AgentConfig{Resources: "cpus:1;mem:128"}))...)
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(srv.Close)
	srv.mu.Lock()
	a := srv.agents[0]
	srv.mu.Unlock()
	seed := func(c *executorpb.Call) {
		if b, err := httpapi.Protobuf.Marshal(c); err == nil {
			f.Add(false, b)
		}
		if b, err := httpapi.JSON.Marshal(c); err == nil {
			f.Add(true, b)
		}
	}
	fw := &mesosproto.FrameworkID{Value: fuzzString("fw-1")}
	ex := &mesosproto.ExecutorID{Value: fuzzString("ex-1")}
	for _, typ := range []executorpb.Call_Type{executorpb.Call_SUBSCRIBE, executorpb.Call_UPDATE, executorpb.Call_MESSAGE,
		executorpb.Call_HEARTBEAT, executorpb.Call_UNKNOWN} {
		seed(&executorpb.Call{Type: typ.Enum(), FrameworkId: fw, ExecutorId: ex})
	}
	seed(&executorpb.Call{Type: executorpb.Call_UPDATE.Enum(), FrameworkId: fw, ExecutorId: ex,
		Update: &executorpb.Call_Update{Status: &mesosproto.TaskStatus{
			TaskId: &mesosproto.TaskID{Value: fuzzString("t-1")}, State: mesosproto.TaskState_TASK_RUNNING.Enum(),
			Source: mesosproto.TaskStatus_SOURCE_EXECUTOR.Enum(), Uuid: bytes.Repeat([]byte{7}, 16)}}})
	f.Add(true, []byte(`{"type":"SUBSCRIBE"}`))
	f.Add(false, []byte{0xff, 0x01})
	allowed := map[int]bool{200: true, 202: true, 400: true, 401: true, 403: true, 404: true, 405: true, 406: true,
		409: true, 415: true, 503: true}
	f.Fuzz(func(t *testing.T, asJSON bool, body []byte) {
		ct := httpapi.MediaTypeProtobuf
		if asJSON {
			ct = httpapi.MediaTypeJSON
		}
		req := httptest.NewRequest(http.MethodPost, executorPath, bytes.NewReader(body))
		req.Header.Set("Content-Type", ct)
		w := httptest.NewRecorder()
		srv.serveExecutorAPI(a, w, req)
		if !allowed[w.Code] {
			t.Fatalf("status %d for %q (%s): %s", w.Code, body, ct, strings.TrimSpace(w.Body.String()))
		}
	})
}

func fuzzString(s string) *string { return &s }
