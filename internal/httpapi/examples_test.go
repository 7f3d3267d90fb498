// SPDX-License-Identifier: Apache-2.0

package httpapi

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/testing/protocmp"

	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/executorpb"
	"github.com/mesoskit/mesoskit/mesosproto/schedulerpb"
)

// The example documents of docs/PROTOCOL.md §6, as Mesos writes them.
const (
	docSubscribeCall = `{"type":"SUBSCRIBE","subscribe":{"framework_info":{"user":"svc","name":"demo","failover_timeout":604800.0,"checkpoint":true,"roles":["web"],"capabilities":[{"type":"MULTI_ROLE"},{"type":"PARTITION_AWARE"},{"type":"TASK_KILLING_STATE"}]},"suppressed_roles":[]}}`
	docSubscribed    = `{"type":"SUBSCRIBED","subscribed":{"framework_id":{"value":"5f6c2a30-0d0b-4c8e-9a52-0c4f2f1f6e11-0000"},"heartbeat_interval_seconds":15.0,"master_info":{"id":"5f6c2a30-0d0b-4c8e-9a52-0c4f2f1f6e11","ip":16777226,"port":5050,"pid":"master@10.0.0.1:5050","hostname":"m1.example","version":"1.12.0","address":{"hostname":"m1.example","ip":"10.0.0.1","port":5050},"capabilities":[{"type":"AGENT_UPDATE"},{"type":"AGENT_DRAINING"},{"type":"QUOTA_V2"}]}}}`
	docOffers        = `{"type":"OFFERS","offers":{"offers":[{"id":{"value":"5f6c2a30-0d0b-4c8e-9a52-0c4f2f1f6e11-O7"},"framework_id":{"value":"5f6c2a30-0d0b-4c8e-9a52-0c4f2f1f6e11-0000"},"agent_id":{"value":"5f6c2a30-0d0b-4c8e-9a52-0c4f2f1f6e11-S0"},"hostname":"a1.example","url":{"scheme":"http","address":{"hostname":"a1.example","ip":"10.0.0.2","port":5051},"path":"/slave(1)"},"resources":[{"name":"cpus","type":"SCALAR","scalar":{"value":4.0},"role":"*","allocation_info":{"role":"web"}},{"name":"ports","type":"RANGES","ranges":{"range":[{"begin":31000,"end":32000}]},"role":"*","allocation_info":{"role":"web"}}],"attributes":[{"name":"rack","type":"TEXT","text":{"value":"r1"}}],"allocation_info":{"role":"web"}}]}}`
	docUpdate        = `{"type":"UPDATE","update":{"status":{"task_id":{"value":"web-1"},"state":"TASK_RUNNING","source":"SOURCE_EXECUTOR","agent_id":{"value":"5f6c2a30-0d0b-4c8e-9a52-0c4f2f1f6e11-S0"},"executor_id":{"value":"web-1"},"timestamp":1724434740.25,"uuid":"jxx+Cjt9Sn6cHi1banyNng=="}}}`
	docAcknowledge   = `{"framework_id":{"value":"5f6c2a30-0d0b-4c8e-9a52-0c4f2f1f6e11-0000"},"type":"ACKNOWLEDGE","acknowledge":{"agent_id":{"value":"5f6c2a30-0d0b-4c8e-9a52-0c4f2f1f6e11-S0"},"task_id":{"value":"web-1"},"uuid":"jxx+Cjt9Sn6cHi1banyNng=="}}`
	docError         = `{"type":"ERROR","error":{"message":"Framework failed over"}}`
	docExecutorCall  = `{"executor_id":{"value":"web-1"},"framework_id":{"value":"5f6c2a30-0d0b-4c8e-9a52-0c4f2f1f6e11-0000"},"type":"UPDATE","update":{"status":{"task_id":{"value":"web-1"},"state":"TASK_RUNNING","source":"SOURCE_EXECUTOR","executor_id":{"value":"web-1"},"uuid":"jxx+Cjt9Sn6cHi1banyNng=="}}}`
)

var exampleDocs = []struct {
	name string
	doc  string
	size int // byte count stated in the protocol sheet, 0 if none
	new  func() proto.Message
	// want is our exact output where it differs from doc.
	want string
}{
	{name: "SUBSCRIBE call", doc: docSubscribeCall, new: func() proto.Message { return &schedulerpb.Call{} },
		// The empty repeated suppressed_roles is left out, as Mesos leaves it out.
		want: strings.Replace(docSubscribeCall, `,"suppressed_roles":[]`, "", 1)},
	{name: "SUBSCRIBED", doc: docSubscribed, size: 448, new: func() proto.Message { return &schedulerpb.Event{} }},
	{name: "OFFERS", doc: docOffers, size: 700, new: func() proto.Message { return &schedulerpb.Event{} }},
	{name: "UPDATE", doc: docUpdate, size: 272, new: func() proto.Message { return &schedulerpb.Event{} }},
	{name: "ACKNOWLEDGE", doc: docAcknowledge, new: func() proto.Message { return &schedulerpb.Call{} }},
	{name: "ERROR", doc: docError, size: 60, new: func() proto.Message { return &schedulerpb.Event{} }},
	{name: "executor UPDATE", doc: docExecutorCall, new: func() proto.Message { return &executorpb.Call{} }},
}

// TestExampleDocuments decodes each document with our codec, checks it
// against protojson's reading, re-encodes it and compares: byte for byte
// (the documents list keys in declaration order and miss no default), and
// semantically.
func TestExampleDocuments(t *testing.T) {
	for _, tt := range exampleDocs {
		t.Run(tt.name, func(t *testing.T) {
			if tt.size != 0 && len(tt.doc) != tt.size {
				t.Errorf("document is %d bytes, the sheet says %d", len(tt.doc), tt.size)
			}
			m := tt.new()
			if err := JSON.Unmarshal([]byte(tt.doc), m); err != nil {
				t.Fatal(err)
			}
			ref := tt.new()
			if err := protojson.Unmarshal([]byte(tt.doc), ref); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(ref, m, protocmp.Transform()); diff != "" {
				t.Errorf("decoded message differs from protojson's (-protojson +ours):\n%s", diff)
			}
			if err := UnmarshalStrict(MediaTypeJSON, []byte(tt.doc), tt.new()); err != nil {
				t.Errorf("UnmarshalStrict: %v", err)
			}

			out, err := JSON.Marshal(m)
			if err != nil {
				t.Fatal(err)
			}
			want := tt.want
			if want == "" {
				want = tt.doc
			}
			if string(out) != want {
				t.Errorf("re-encoded:\n got %s\nwant %s", out, want)
			}
			var a, b any
			if err := json.Unmarshal(out, &a); err != nil {
				t.Fatalf("output is not JSON: %v", err)
			}
			if err := json.Unmarshal([]byte(want), &b); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(b, a); diff != "" {
				t.Errorf("semantic difference (-want +got):\n%s", diff)
			}

			// Through protobuf and back gives the same message.
			pb, err := Protobuf.Marshal(m)
			if err != nil {
				t.Fatal(err)
			}
			m2 := tt.new()
			if err := Protobuf.Unmarshal(pb, m2); err != nil {
				t.Fatal(err)
			}
			if !proto.Equal(m, m2) {
				t.Error("protobuf round trip changed the message")
			}
		})
	}
}

// TestExampleUpdateFields pins the decoded values of the UPDATE document.
func TestExampleUpdateFields(t *testing.T) {
	var ev schedulerpb.Event
	if err := JSON.Unmarshal([]byte(docUpdate), &ev); err != nil {
		t.Fatal(err)
	}
	st := ev.GetUpdate().GetStatus()
	if ev.GetType() != schedulerpb.Event_UPDATE || st.GetState() != mesosproto.TaskState_TASK_RUNNING ||
		st.GetSource() != mesosproto.TaskStatus_SOURCE_EXECUTOR || st.GetTimestamp() != 1724434740.25 ||
		len(st.GetUuid()) != 16 || st.GetTaskId().GetValue() != "web-1" {
		t.Errorf("decoded %v", &ev)
	}
}

// TestDefaultsRendered: where a document leaves out fields with explicit
// defaults, our output includes them, as a Mesos master's would.
func TestDefaultsRendered(t *testing.T) {
	tests := []struct {
		name string
		in   string
		new  func() proto.Message
		want string
	}{
		{
			name: "FrameworkInfo without failover_timeout and checkpoint; deprecated role stays out",
			in:   `{"type":"SUBSCRIBE","subscribe":{"framework_info":{"user":"svc","name":"demo"}}}`,
			new:  func() proto.Message { return &schedulerpb.Call{} },
			want: `{"type":"SUBSCRIBE","subscribe":{"framework_info":{"user":"svc","name":"demo","failover_timeout":0.0,"checkpoint":false}}}`,
		},
		{
			name: "deprecated role shown when set",
			in:   `{"user":"svc","name":"demo","role":"web"}`,
			new:  func() proto.Message { return &mesosproto.FrameworkInfo{} },
			want: `{"user":"svc","name":"demo","failover_timeout":0.0,"checkpoint":false,"role":"web"}`,
		},
		{
			name: "CommandInfo shell and URI extract",
			in:   `{"uris":[{"value":"http://x/a.tgz"}],"value":"sleep 1"}`,
			new:  func() proto.Message { return &mesosproto.CommandInfo{} },
			want: `{"uris":[{"value":"http://x/a.tgz","extract":true}],"shell":true,"value":"sleep 1"}`,
		},
		{
			name: "Resource without role: deprecated default not shown",
			in:   `{"name":"cpus","type":"SCALAR","scalar":{"value":0.5}}`,
			new:  func() proto.Message { return &mesosproto.Resource{} },
			want: `{"name":"cpus","type":"SCALAR","scalar":{"value":0.5}}`,
		},
		{
			name: "Filters.refuse_seconds",
			in:   `{}`,
			new:  func() proto.Message { return &mesosproto.Filters{} },
			want: `{"refuse_seconds":5.0}`,
		},
		{
			name: "explicit default value is written once",
			in:   `{"refuse_seconds":5}`,
			new:  func() proto.Message { return &mesosproto.Filters{} },
			want: `{"refuse_seconds":5.0}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := tt.new()
			if err := JSON.Unmarshal([]byte(tt.in), m); err != nil {
				t.Fatal(err)
			}
			out, err := JSON.Marshal(m)
			if err != nil {
				t.Fatal(err)
			}
			if string(out) != tt.want {
				t.Errorf("got  %s\nwant %s", out, tt.want)
			}
		})
	}
}
