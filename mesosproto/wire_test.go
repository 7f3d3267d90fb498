// SPDX-License-Identifier: Apache-2.0

package mesosproto_test

import (
	"bytes"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/executorpb"
	"github.com/mesoskit/mesoskit/mesosproto/schedulerpb"
)

func fwID(s string) *mesosproto.FrameworkID { return &mesosproto.FrameworkID{Value: proto.String(s)} }
func agentID(s string) *mesosproto.AgentID  { return &mesosproto.AgentID{Value: proto.String(s)} }
func taskID(s string) *mesosproto.TaskID    { return &mesosproto.TaskID{Value: proto.String(s)} }
func execID(s string) *mesosproto.ExecutorID {
	return &mesosproto.ExecutorID{Value: proto.String(s)}
}
func opID(s string) *mesosproto.OperationID { return &mesosproto.OperationID{Value: proto.String(s)} }
func offerID(s string) *mesosproto.OfferID  { return &mesosproto.OfferID{Value: proto.String(s)} }

func scalar(name string, v float64) *mesosproto.Resource {
	return &mesosproto.Resource{
		Name:   proto.String(name),
		Type:   mesosproto.Value_SCALAR.Enum(),
		Scalar: &mesosproto.Value_Scalar{Value: proto.Float64(v)},
	}
}

func framework() *mesosproto.FrameworkInfo {
	return &mesosproto.FrameworkInfo{
		User:            proto.String("nobody"),
		Name:            proto.String("roundtrip"),
		Id:              fwID("f-1"),
		FailoverTimeout: proto.Float64(3600),
		Checkpoint:      proto.Bool(true),
		Roles:           []string{"a", "b"},
		Principal:       proto.String("p"),
		Capabilities: []*mesosproto.FrameworkInfo_Capability{
			{Type: mesosproto.FrameworkInfo_Capability_MULTI_ROLE.Enum()},
		},
		Labels: &mesosproto.Labels{Labels: []*mesosproto.Label{{Key: proto.String("k"), Value: proto.String("v")}}},
		OfferFilters: map[string]*mesosproto.OfferFilters{
			"a": {MinAllocatableResources: &mesosproto.OfferFilters_MinAllocatableResources{
				Quantities: []*mesosproto.OfferFilters_ResourceQuantities{
					{Quantities: map[string]*mesosproto.Value_Scalar{"cpus": {Value: proto.Float64(0.5)}}},
				},
			}},
		},
	}
}

func task() *mesosproto.TaskInfo {
	return &mesosproto.TaskInfo{
		Name:      proto.String("t"),
		TaskId:    taskID("t-1"),
		AgentId:   agentID("s-1"),
		Resources: []*mesosproto.Resource{scalar("cpus", 0.1), scalar("mem", 32)},
		Command: &mesosproto.CommandInfo{
			Shell:     proto.Bool(false),
			Value:     proto.String("/bin/echo"),
			Arguments: []string{"echo", "hi"},
		},
		KillPolicy: &mesosproto.KillPolicy{GracePeriod: &mesosproto.DurationInfo{Nanoseconds: proto.Int64(3e9)}},
		Limits:     map[string]*mesosproto.Value_Scalar{"cpus": {Value: proto.Float64(1)}},
		Data:       []byte{0, 1, 2},
	}
}

func taskStatus() *mesosproto.TaskStatus {
	return &mesosproto.TaskStatus{
		TaskId:     taskID("t-1"),
		State:      mesosproto.TaskState_TASK_RUNNING.Enum(),
		AgentId:    agentID("s-1"),
		ExecutorId: execID("e-1"),
		Timestamp:  proto.Float64(1.5e9),
		Source:     mesosproto.TaskStatus_SOURCE_EXECUTOR.Enum(),
		Reason:     mesosproto.TaskStatus_REASON_TASK_CHECK_STATUS_UPDATED.Enum(),
		Uuid:       bytes.Repeat([]byte{0xab}, 16),
		Healthy:    proto.Bool(true),
	}
}

// TestRoundTrip marshals populated messages (nested messages, maps, oneofs,
// bytes, enums, explicit default values) and checks that decoding gives them
// back unchanged.
func TestRoundTrip(t *testing.T) {
	cases := []struct {
		name string
		msg  proto.Message
	}{
		{"scheduler subscribe", &schedulerpb.Call{
			Type: schedulerpb.Call_SUBSCRIBE.Enum(),
			Subscribe: &schedulerpb.Call_Subscribe{
				FrameworkInfo:   framework(),
				SuppressedRoles: []string{"b"},
				OfferConstraints: &schedulerpb.OfferConstraints{
					RoleConstraints: map[string]*schedulerpb.OfferConstraints_RoleConstraints{
						"a": {Groups: []*schedulerpb.OfferConstraints_RoleConstraints_Group{{
							AttributeConstraints: []*schedulerpb.AttributeConstraint{
								{
									Selector: &schedulerpb.AttributeConstraint_Selector{
										Selector: &schedulerpb.AttributeConstraint_Selector_AttributeName{AttributeName: "rack"},
									},
									Predicate: &schedulerpb.AttributeConstraint_Predicate{
										Predicate: &schedulerpb.AttributeConstraint_Predicate_TextEquals_{
											TextEquals: &schedulerpb.AttributeConstraint_Predicate_TextEquals{Value: proto.String("r1")},
										},
									},
								},
								{
									Selector: &schedulerpb.AttributeConstraint_Selector{
										Selector: &schedulerpb.AttributeConstraint_Selector_PseudoattributeType_{
											PseudoattributeType: schedulerpb.AttributeConstraint_Selector_HOSTNAME,
										},
									},
									Predicate: &schedulerpb.AttributeConstraint_Predicate{
										Predicate: &schedulerpb.AttributeConstraint_Predicate_Exists_{
											Exists: &schedulerpb.AttributeConstraint_Predicate_Exists{},
										},
									},
								},
							},
						}}},
					},
				},
			},
		}},
		{"scheduler accept", &schedulerpb.Call{
			FrameworkId: fwID("f-1"),
			Type:        schedulerpb.Call_ACCEPT.Enum(),
			Accept: &schedulerpb.Call_Accept{
				OfferIds: []*mesosproto.OfferID{offerID("o-1"), offerID("o-2")},
				Operations: []*mesosproto.Offer_Operation{{
					Type:   mesosproto.Offer_Operation_LAUNCH.Enum(),
					Id:     opID("op-1"),
					Launch: &mesosproto.Offer_Operation_Launch{TaskInfos: []*mesosproto.TaskInfo{task()}},
				}},
				// Explicitly set to the default value: presence must survive.
				Filters: &mesosproto.Filters{RefuseSeconds: proto.Float64(5)},
			},
		}},
		{"scheduler ack operation", &schedulerpb.Call{
			FrameworkId: fwID("f-1"),
			Type:        schedulerpb.Call_ACKNOWLEDGE_OPERATION_STATUS.Enum(),
			AcknowledgeOperationStatus: &schedulerpb.Call_AcknowledgeOperationStatus{
				AgentId:     agentID("s-1"),
				Uuid:        []byte("0123456789abcdef"),
				OperationId: opID("op-1"),
			},
		}},
		{"scheduler offers event", &schedulerpb.Event{
			Type: schedulerpb.Event_OFFERS.Enum(),
			Offers: &schedulerpb.Event_Offers{Offers: []*mesosproto.Offer{{
				Id:          offerID("o-1"),
				FrameworkId: fwID("f-1"),
				AgentId:     agentID("s-1"),
				Hostname:    proto.String("agent1"),
				Resources: []*mesosproto.Resource{scalar("cpus", 4), {
					Name: proto.String("ports"),
					Type: mesosproto.Value_RANGES.Enum(),
					Ranges: &mesosproto.Value_Ranges{Range: []*mesosproto.Value_Range{
						{Begin: proto.Uint64(31000), End: proto.Uint64(32000)},
					}},
				}},
				Attributes: []*mesosproto.Attribute{{
					Name: proto.String("rack"),
					Type: mesosproto.Value_TEXT.Enum(),
					Text: &mesosproto.Value_Text{Value: proto.String("r1")},
				}},
			}}},
		}},
		{"scheduler update event", &schedulerpb.Event{
			Type:   schedulerpb.Event_UPDATE.Enum(),
			Update: &schedulerpb.Event_Update{Status: taskStatus()},
		}},
		{"scheduler subscribed event", &schedulerpb.Event{
			Type: schedulerpb.Event_SUBSCRIBED.Enum(),
			Subscribed: &schedulerpb.Event_Subscribed{
				FrameworkId:              fwID("f-1"),
				HeartbeatIntervalSeconds: proto.Float64(15),
				MasterInfo: &mesosproto.MasterInfo{
					Id:       proto.String("m-1"),
					Ip:       proto.Uint32(0x0100007f),
					Port:     proto.Uint32(5050),
					Hostname: proto.String("localhost"),
				},
			},
		}},
		{"scheduler failure event", &schedulerpb.Event{
			Type:    schedulerpb.Event_FAILURE.Enum(),
			Failure: &schedulerpb.Event_Failure{AgentId: agentID("s-1"), ExecutorId: execID("e-1"), Status: proto.Int32(256)},
		}},
		{"executor subscribe", &executorpb.Call{
			ExecutorId:  execID("e-1"),
			FrameworkId: fwID("f-1"),
			Type:        executorpb.Call_SUBSCRIBE.Enum(),
			Subscribe: &executorpb.Call_Subscribe{
				UnacknowledgedTasks:   []*mesosproto.TaskInfo{task()},
				UnacknowledgedUpdates: []*executorpb.Call_Update{{Status: taskStatus()}},
			},
		}},
		{"executor subscribed event", &executorpb.Event{
			Type: executorpb.Event_SUBSCRIBED.Enum(),
			Subscribed: &executorpb.Event_Subscribed{
				ExecutorInfo: &mesosproto.ExecutorInfo{
					ExecutorId: execID("e-1"),
					Command:    &mesosproto.CommandInfo{Value: proto.String("./executor")},
				},
				FrameworkInfo: framework(),
				AgentInfo:     &mesosproto.AgentInfo{Hostname: proto.String("agent1"), Id: agentID("s-1")},
				ContainerId:   &mesosproto.ContainerID{Value: proto.String("c-1")},
			},
		}},
		{"executor launch event", &executorpb.Event{
			Type:   executorpb.Event_LAUNCH.Enum(),
			Launch: &executorpb.Event_Launch{Task: task()},
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b, err := proto.MarshalOptions{Deterministic: true}.Marshal(tc.msg)
			if err != nil {
				t.Fatalf("marshal: %v", err)
			}
			if len(b) == 0 {
				t.Fatal("marshal produced no bytes")
			}
			got := tc.msg.ProtoReflect().New().Interface()
			if err := proto.Unmarshal(b, got); err != nil {
				t.Fatalf("unmarshal: %v", err)
			}
			if !proto.Equal(got, tc.msg) {
				t.Errorf("round trip changed the message:\n got  %v\n want %v", got, tc.msg)
			}
			if n := len(got.ProtoReflect().GetUnknown()); n != 0 {
				t.Errorf("%d unknown bytes after round trip", n)
			}
			again, err := proto.MarshalOptions{Deterministic: true}.Marshal(got)
			if err != nil {
				t.Fatalf("re-marshal: %v", err)
			}
			if !bytes.Equal(again, b) {
				t.Errorf("re-encoding differs:\n%x\n%x", again, b)
			}
		})
	}
}

// topLevel returns the top-level field numbers of an encoded message and the
// varint value of field typeNum.
func topLevel(t *testing.T, b []byte, typeNum protowire.Number) (fields []protowire.Number, typ uint64) {
	t.Helper()
	for len(b) > 0 {
		num, wt, n := protowire.ConsumeTag(b)
		if n < 0 {
			t.Fatalf("bad tag: %v", protowire.ParseError(n))
		}
		b = b[n:]
		if num == typeNum && wt == protowire.VarintType {
			v, m := protowire.ConsumeVarint(b)
			if m < 0 {
				t.Fatalf("bad varint: %v", protowire.ParseError(m))
			}
			typ = v
		}
		m := protowire.ConsumeFieldValue(num, wt, b)
		if m < 0 {
			t.Fatalf("bad field %d: %v", num, protowire.ParseError(m))
		}
		b = b[m:]
		fields = append(fields, num)
	}
	return fields, typ
}

// TestSchedulerCallWire encodes each call type and checks the raw bytes: type
// goes in field 2 with the enum number, the payload in its own field number
// (which differs from the enum number for several calls).
func TestSchedulerCallWire(t *testing.T) {
	fid := fwID("f-1")
	cases := []struct {
		call      *schedulerpb.Call
		wantType  uint64
		wantField protowire.Number // 0: no payload
	}{
		{&schedulerpb.Call{Type: schedulerpb.Call_SUBSCRIBE.Enum(), Subscribe: &schedulerpb.Call_Subscribe{FrameworkInfo: framework()}}, 1, 3},
		{&schedulerpb.Call{FrameworkId: fid, Type: schedulerpb.Call_TEARDOWN.Enum()}, 2, 0},
		{&schedulerpb.Call{FrameworkId: fid, Type: schedulerpb.Call_ACCEPT.Enum(), Accept: &schedulerpb.Call_Accept{}}, 3, 4},
		{&schedulerpb.Call{FrameworkId: fid, Type: schedulerpb.Call_DECLINE.Enum(), Decline: &schedulerpb.Call_Decline{}}, 4, 5},
		{&schedulerpb.Call{FrameworkId: fid, Type: schedulerpb.Call_REVIVE.Enum(), Revive: &schedulerpb.Call_Revive{}}, 5, 15},
		{&schedulerpb.Call{FrameworkId: fid, Type: schedulerpb.Call_KILL.Enum(), Kill: &schedulerpb.Call_Kill{TaskId: taskID("t")}}, 6, 6},
		{&schedulerpb.Call{FrameworkId: fid, Type: schedulerpb.Call_SHUTDOWN.Enum(), Shutdown: &schedulerpb.Call_Shutdown{ExecutorId: execID("e"), AgentId: agentID("s")}}, 7, 7},
		{&schedulerpb.Call{FrameworkId: fid, Type: schedulerpb.Call_ACKNOWLEDGE.Enum(), Acknowledge: &schedulerpb.Call_Acknowledge{AgentId: agentID("s"), TaskId: taskID("t"), Uuid: []byte{1}}}, 8, 8},
		{&schedulerpb.Call{FrameworkId: fid, Type: schedulerpb.Call_RECONCILE.Enum(), Reconcile: &schedulerpb.Call_Reconcile{}}, 9, 9},
		{&schedulerpb.Call{FrameworkId: fid, Type: schedulerpb.Call_MESSAGE.Enum(), Message: &schedulerpb.Call_Message{AgentId: agentID("s"), ExecutorId: execID("e"), Data: []byte{}}}, 10, 10},
		{&schedulerpb.Call{FrameworkId: fid, Type: schedulerpb.Call_REQUEST.Enum(), Request: &schedulerpb.Call_Request{}}, 11, 11},
		{&schedulerpb.Call{FrameworkId: fid, Type: schedulerpb.Call_SUPPRESS.Enum(), Suppress: &schedulerpb.Call_Suppress{}}, 12, 16},
		{&schedulerpb.Call{FrameworkId: fid, Type: schedulerpb.Call_ACCEPT_INVERSE_OFFERS.Enum(), AcceptInverseOffers: &schedulerpb.Call_AcceptInverseOffers{}}, 13, 13},
		{&schedulerpb.Call{FrameworkId: fid, Type: schedulerpb.Call_DECLINE_INVERSE_OFFERS.Enum(), DeclineInverseOffers: &schedulerpb.Call_DeclineInverseOffers{}}, 14, 14},
		{&schedulerpb.Call{FrameworkId: fid, Type: schedulerpb.Call_ACKNOWLEDGE_OPERATION_STATUS.Enum(), AcknowledgeOperationStatus: &schedulerpb.Call_AcknowledgeOperationStatus{Uuid: []byte{1}, OperationId: opID("o")}}, 15, 17},
		{&schedulerpb.Call{FrameworkId: fid, Type: schedulerpb.Call_RECONCILE_OPERATIONS.Enum(), ReconcileOperations: &schedulerpb.Call_ReconcileOperations{}}, 16, 18},
		{&schedulerpb.Call{FrameworkId: fid, Type: schedulerpb.Call_UPDATE_FRAMEWORK.Enum(), UpdateFramework: &schedulerpb.Call_UpdateFramework{FrameworkInfo: framework()}}, 17, 19},
	}
	for _, tc := range cases {
		t.Run(tc.call.GetType().String(), func(t *testing.T) {
			b, err := proto.Marshal(tc.call)
			if err != nil {
				t.Fatalf("marshal: %v", err)
			}
			fields, typ := topLevel(t, b, 2)
			if typ != tc.wantType {
				t.Errorf("type varint %d, want %d", typ, tc.wantType)
			}
			want := []protowire.Number{2}
			if tc.call.FrameworkId != nil {
				want = []protowire.Number{1, 2}
			}
			if tc.wantField != 0 {
				want = append(want, tc.wantField)
			}
			if !equalNums(fields, want) {
				t.Errorf("top-level fields %v, want %v", fields, want)
			}
		})
	}
}

func equalNums(a, b []protowire.Number) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestGoldenBytes pins exact encodings of small messages.
func TestGoldenBytes(t *testing.T) {
	cases := []struct {
		name string
		msg  proto.Message
		want []byte
	}{
		{"scheduler REVIVE", &schedulerpb.Call{
			FrameworkId: fwID("f"),
			Type:        schedulerpb.Call_REVIVE.Enum(),
			Revive:      &schedulerpb.Call_Revive{Roles: []string{"a"}},
		}, []byte{
			0x0a, 0x03, 0x0a, 0x01, 'f', // framework_id = 1 {value = 1}
			0x10, 0x05, // type = 2: REVIVE (5)
			0x7a, 0x03, 0x0a, 0x01, 'a', // revive = 15 {roles = 1}
		}},
		{"scheduler SUPPRESS", &schedulerpb.Call{
			Type:     schedulerpb.Call_SUPPRESS.Enum(),
			Suppress: &schedulerpb.Call_Suppress{Roles: []string{"a"}},
		}, []byte{
			0x10, 0x0c, // type = 2: SUPPRESS (12)
			0x82, 0x01, 0x03, 0x0a, 0x01, 'a', // suppress = 16 {roles = 1}
		}},
		{"scheduler ERROR event", &schedulerpb.Event{
			Type:  schedulerpb.Event_ERROR.Enum(),
			Error: &schedulerpb.Event_Error{Message: proto.String("x")},
		}, []byte{
			0x08, 0x07, // type = 1: ERROR (7)
			0x42, 0x03, 0x0a, 0x01, 'x', // error = 8 {message = 1}
		}},
		{"executor MESSAGE call", &executorpb.Call{
			ExecutorId:  execID("e"),
			FrameworkId: fwID("f"),
			Type:        executorpb.Call_MESSAGE.Enum(),
			Message:     &executorpb.Call_Message{Data: []byte("x")},
		}, []byte{
			0x0a, 0x03, 0x0a, 0x01, 'e', // executor_id = 1
			0x12, 0x03, 0x0a, 0x01, 'f', // framework_id = 2
			0x18, 0x03, // type = 3: MESSAGE (3)
			0x32, 0x03, 0x12, 0x01, 'x', // message = 6 {data = 2}
		}},
		{"executor MESSAGE event", &executorpb.Event{
			Type:    executorpb.Event_MESSAGE.Enum(),
			Message: &executorpb.Event_Message{Data: []byte("x")},
		}, []byte{
			0x08, 0x05, // type = 1: MESSAGE (5)
			0x32, 0x03, 0x0a, 0x01, 'x', // message = 6 {data = 1}
		}},
		{"executor LAUNCH_GROUP event type", &executorpb.Event{
			Type: executorpb.Event_LAUNCH_GROUP.Enum(),
		}, []byte{0x08, 0x08}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b, err := proto.Marshal(tc.msg)
			if err != nil {
				t.Fatalf("marshal: %v", err)
			}
			if !bytes.Equal(b, tc.want) {
				t.Errorf("encoding\n got  % x\n want % x", b, tc.want)
			}
		})
	}
}

// TestUnknownEventType: a type number this SDK does not know (sent by a newer
// Mesos) decodes without error. Unlike C++, Go protobuf treats proto2 enums as
// open: the raw number is kept in the field and re-encoded unchanged, so a
// switch on GetType() needs a default case.
func TestUnknownEventType(t *testing.T) {
	in := []byte{0x08, 0x63} // type = 99
	var ev schedulerpb.Event
	if err := proto.Unmarshal(in, &ev); err != nil {
		t.Fatalf("unmarshal: %v", err)
	}
	if ev.Type == nil || ev.GetType() != schedulerpb.Event_Type(99) {
		t.Errorf("Type = %v, want the raw number 99", ev.Type)
	}
	if got := ev.GetType().String(); got != "99" {
		t.Errorf("String() = %q, want %q", got, "99")
	}
	out, err := proto.Marshal(&ev)
	if err != nil {
		t.Fatalf("marshal: %v", err)
	}
	if !bytes.Equal(out, in) {
		t.Errorf("re-encoded % x, want % x", out, in)
	}
}

// TestRequiredFields: proto2 required fields are enforced on marshal.
func TestRequiredFields(t *testing.T) {
	cases := []struct {
		name string
		msg  proto.Message
	}{
		{"executor call without ids", &executorpb.Call{Type: executorpb.Call_HEARTBEAT.Enum()}},
		{"framework info without user", &mesosproto.FrameworkInfo{Name: proto.String("n")}},
		{"acknowledge without uuid", &schedulerpb.Call{
			Type:        schedulerpb.Call_ACKNOWLEDGE.Enum(),
			Acknowledge: &schedulerpb.Call_Acknowledge{AgentId: agentID("s"), TaskId: taskID("t")},
		}},
		{"task status without state", &mesosproto.TaskStatus{TaskId: taskID("t")}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := proto.Marshal(tc.msg); err == nil {
				t.Error("marshal succeeded, want a missing required field error")
			}
			if _, err := (proto.MarshalOptions{AllowPartial: true}).Marshal(tc.msg); err != nil {
				t.Errorf("marshal with AllowPartial: %v", err)
			}
		})
	}
}

// TestGetterDefaults checks the defaults users observe through generated getters.
func TestGetterDefaults(t *testing.T) {
	cases := []struct {
		name      string
		got, want any
	}{
		{"CommandInfo.shell", (&mesosproto.CommandInfo{}).GetShell(), true},
		{"Filters.refuse_seconds", (&mesosproto.Filters{}).GetRefuseSeconds(), 5.0},
		{"FrameworkInfo.failover_timeout", (&mesosproto.FrameworkInfo{}).GetFailoverTimeout(), 0.0},
		{"MasterInfo.port", (&mesosproto.MasterInfo{}).GetPort(), uint32(5050)},
		{"AgentInfo.port", (&mesosproto.AgentInfo{}).GetPort(), int32(5051)},
		{"TaskStatus.state", (&mesosproto.TaskStatus{}).GetState(), mesosproto.TaskState_TASK_STAGING},
		{"nil TaskStatus.state", (*mesosproto.TaskStatus)(nil).GetState(), mesosproto.TaskState_TASK_STAGING},
		{"TaskStatus.source", (&mesosproto.TaskStatus{}).GetSource(), mesosproto.TaskStatus_SOURCE_MASTER},
		{"scheduler Call.type", (&schedulerpb.Call{}).GetType(), schedulerpb.Call_UNKNOWN},
		{"executor Event.type", (&executorpb.Event{}).GetType(), executorpb.Event_UNKNOWN},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.got != tc.want {
				t.Errorf("got %v, want %v", tc.got, tc.want)
			}
		})
	}
}
