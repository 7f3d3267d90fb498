// SPDX-License-Identifier: Apache-2.0

package scheduler

import (
	"bytes"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/schedulerpb"
)

// appendAckProto produces exactly proto.Marshal's bytes, for short and
// long values (multi-byte lengths) and empty ones.
func TestAppendAckProto(t *testing.T) {
	uuid := []byte{0x8f, 0x1e, 0x2d, 0x3c, 0x4b, 0x5a, 0x49, 0x78, 0x97, 0xa6, 0xb5, 0xc4, 0xd3, 0xe2, 0xf1, 0x00}
	long := strings.Repeat("x", 300)
	for _, tc := range []struct{ fw, agent, task string }{
		{"5e7a-0000", "5e7a-S1", "task-0000001"},
		{long, long + "a", long + "t"},
		{"", "", ""},
	} {
		want, err := proto.Marshal(&schedulerpb.Call{
			FrameworkId: &mesosproto.FrameworkID{Value: proto.String(tc.fw)},
			Type:        schedulerpb.Call_ACKNOWLEDGE.Enum(),
			Acknowledge: &schedulerpb.Call_Acknowledge{
				AgentId: &mesosproto.AgentID{Value: proto.String(tc.agent)},
				TaskId:  &mesosproto.TaskID{Value: proto.String(tc.task)},
				Uuid:    uuid,
			},
		})
		if err != nil {
			t.Fatal(err)
		}
		got := appendAckProto(nil, tc.fw, tc.agent, tc.task, uuid)
		if !bytes.Equal(got, want) {
			t.Fatalf("appendAckProto(%d-byte values)\n got %x\nwant %x", len(tc.fw), got, want)
		}
		if cap(got) != len(got) {
			t.Errorf("capacity %d for %d bytes: want one exact allocation", cap(got), len(got))
		}
	}
}
