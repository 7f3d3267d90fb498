// SPDX-License-Identifier: Apache-2.0

package httpapi

import (
	"errors"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/schedulerpb"
)

func TestCodecFor(t *testing.T) {
	tests := []struct {
		mediaType string
		want      Codec
	}{
		{"application/json", JSON},
		{"application/x-protobuf", Protobuf},
		{"application/json; charset=utf-8", nil}, // exact comparison, as Mesos
		{"Application/JSON", nil},
		{" application/json", nil},
		{"application/recordio", nil},
		{"application/protobuf", nil},
		{"", nil},
	}
	for _, tt := range tests {
		c, err := CodecFor(tt.mediaType)
		if tt.want == nil {
			if !errors.Is(err, ErrUnsupportedMediaType) || c != nil {
				t.Errorf("CodecFor(%q) = %v, %v; want ErrUnsupportedMediaType", tt.mediaType, c, err)
			}
			continue
		}
		if err != nil || c != tt.want || c.MediaType() != tt.mediaType {
			t.Errorf("CodecFor(%q) = %v, %v", tt.mediaType, c, err)
		}
	}
}

// TestUnmarshalDoesNotRetainInput decodes from a buffer, scribbles over the
// buffer, and checks the message is unchanged: frame buffers can be reused.
func TestUnmarshalDoesNotRetainInput(t *testing.T) {
	ev := offersEvent(3)
	ev.Update = &schedulerpb.Event_Update{Status: &mesosproto.TaskStatus{
		TaskId: &mesosproto.TaskID{Value: proto.String("t")},
		State:  mesosproto.TaskState_TASK_RUNNING.Enum(),
		Uuid:   []byte("0123456789abcdef"),
		Data:   []byte("payload bytes"),
	}}
	for _, c := range []Codec{Protobuf, JSON} {
		t.Run(c.MediaType(), func(t *testing.T) {
			b, err := c.Marshal(ev)
			if err != nil {
				t.Fatal(err)
			}
			// Unknown fields too (protobuf keeps them).
			if c == Protobuf {
				b = append(b, 0xa2, 0x06, 0x03, 'x', 'y', 'z') // field 100, bytes "xyz"
			}
			var got schedulerpb.Event
			if err := c.Unmarshal(b, &got); err != nil {
				t.Fatal(err)
			}
			want := proto.Clone(&got)
			for i := range b {
				b[i] = 0xAA
			}
			if !proto.Equal(&got, want) {
				t.Error("message changed when the input buffer was overwritten")
			}
			if c == Protobuf && len(got.ProtoReflect().GetUnknown()) == 0 {
				t.Error("unknown field not kept")
			}
		})
	}
}

func TestProtobufCodec(t *testing.T) {
	// Partial messages pass both ways.
	partial := &mesosproto.Offer{Hostname: proto.String("h")}
	b, err := Protobuf.Marshal(partial)
	if err != nil {
		t.Fatal(err)
	}
	var got mesosproto.Offer
	if err := Protobuf.Unmarshal(b, &got); err != nil || !proto.Equal(partial, &got) {
		t.Fatalf("partial round trip: %v", err)
	}
	// Unmarshal replaces earlier contents.
	got.AgentId = &mesosproto.AgentID{Value: proto.String("a")}
	if err := Protobuf.Unmarshal(b, &got); err != nil || got.AgentId != nil {
		t.Errorf("not reset: %v", &got)
	}
	if err := Protobuf.Unmarshal([]byte{0xff}, &got); err == nil {
		t.Error("garbage accepted")
	}
}
