// SPDX-License-Identifier: Apache-2.0

package fastpb

import (
	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/executorpb"
	"github.com/mesoskit/mesoskit/mesosproto/schedulerpb"
)

// realMessages are events and calls shaped as Mesos and schedulers send
// them, including the messages left to proto.Unmarshal (maps, oneofs).
func realMessages() []proto.Message {
	s := proto.String
	fwID := &mesosproto.FrameworkID{Value: s("5f6c2a30-0d0b-4c8e-9a52-0c4f2f1f6e11-0000")}
	agentID := &mesosproto.AgentID{Value: s("5f6c2a30-0d0b-4c8e-9a52-0c4f2f1f6e11-S0")}
	status := &mesosproto.TaskStatus{
		TaskId:     &mesosproto.TaskID{Value: s("task-1")},
		State:      mesosproto.TaskState_TASK_RUNNING.Enum(),
		Source:     mesosproto.TaskStatus_SOURCE_EXECUTOR.Enum(),
		AgentId:    agentID,
		ExecutorId: &mesosproto.ExecutorID{Value: s("task-1")},
		Timestamp:  proto.Float64(1.7e9),
		Uuid:       []byte("0123456789abcdef"),
		Healthy:    proto.Bool(true),
		Labels:     &mesosproto.Labels{Labels: []*mesosproto.Label{{Key: s("k"), Value: s("v")}}},
		Data:       []byte{},
	}
	task := &mesosproto.TaskInfo{
		Name:    s("web"),
		TaskId:  &mesosproto.TaskID{Value: s("task-1")},
		AgentId: agentID,
		Resources: []*mesosproto.Resource{{
			Name: s("cpus"), Type: mesosproto.Value_SCALAR.Enum(), Scalar: &mesosproto.Value_Scalar{Value: proto.Float64(0.5)},
		}},
		Limits:  map[string]*mesosproto.Value_Scalar{"cpus": {Value: proto.Float64(1)}},
		Command: &mesosproto.CommandInfo{Value: s("sleep 1"), Shell: proto.Bool(true), Arguments: []string{"a", "", "b"}},
	}
	return []proto.Message{
		offersEvent(100),
		&schedulerpb.Event{Type: schedulerpb.Event_HEARTBEAT.Enum()},
		&schedulerpb.Event{
			Type: schedulerpb.Event_SUBSCRIBED.Enum(),
			Subscribed: &schedulerpb.Event_Subscribed{
				FrameworkId: fwID, HeartbeatIntervalSeconds: proto.Float64(15),
				MasterInfo: &mesosproto.MasterInfo{Id: s("m"), Ip: proto.Uint32(0x0100007f), Port: proto.Uint32(5050), Version: s("1.11.0")},
			},
		},
		&schedulerpb.Event{Type: schedulerpb.Event_UPDATE.Enum(), Update: &schedulerpb.Event_Update{Status: status}},
		&schedulerpb.Event{Type: schedulerpb.Event_RESCIND.Enum(), Rescind: &schedulerpb.Event_Rescind{OfferId: &mesosproto.OfferID{Value: s("o1")}}},
		&schedulerpb.Event{Type: schedulerpb.Event_MESSAGE.Enum(), Message: &schedulerpb.Event_Message{AgentId: agentID, ExecutorId: &mesosproto.ExecutorID{Value: s("e")}, Data: []byte("hello")}},
		&schedulerpb.Event{Type: schedulerpb.Event_FAILURE.Enum(), Failure: &schedulerpb.Event_Failure{AgentId: agentID, Status: proto.Int32(-9)}},
		&schedulerpb.Event{Type: schedulerpb.Event_ERROR.Enum(), Error: &schedulerpb.Event_Error{Message: s("Framework has been removed")}},
		&schedulerpb.Call{
			Type: schedulerpb.Call_SUBSCRIBE.Enum(),
			Subscribe: &schedulerpb.Call_Subscribe{FrameworkInfo: &mesosproto.FrameworkInfo{
				User: s("u"), Name: s("n"), Roles: []string{"web", "batch"},
				OfferFilters: map[string]*mesosproto.OfferFilters{"web": {}},
				Capabilities: []*mesosproto.FrameworkInfo_Capability{{Type: mesosproto.FrameworkInfo_Capability_MULTI_ROLE.Enum()}},
			}},
		},
		&schedulerpb.Call{
			FrameworkId: fwID,
			Type:        schedulerpb.Call_ACCEPT.Enum(),
			Accept: &schedulerpb.Call_Accept{
				OfferIds:   []*mesosproto.OfferID{{Value: s("o1")}, {Value: s("o2")}},
				Operations: []*mesosproto.Offer_Operation{{Type: mesosproto.Offer_Operation_LAUNCH.Enum(), Launch: &mesosproto.Offer_Operation_Launch{TaskInfos: []*mesosproto.TaskInfo{task}}}},
				Filters:    &mesosproto.Filters{RefuseSeconds: proto.Float64(5)},
			},
		},
		&schedulerpb.Call{
			FrameworkId: fwID, Type: schedulerpb.Call_ACKNOWLEDGE.Enum(),
			Acknowledge: &schedulerpb.Call_Acknowledge{AgentId: agentID, TaskId: status.TaskId, Uuid: status.Uuid},
		},
		&executorpb.Event{Type: executorpb.Event_LAUNCH.Enum(), Launch: &executorpb.Event_Launch{Task: task}},
		&executorpb.Call{
			Type:        executorpb.Call_UPDATE.Enum(),
			FrameworkId: fwID, ExecutorId: &mesosproto.ExecutorID{Value: s("e")},
			Update: &executorpb.Call_Update{Status: status},
		},
	}
}
