// SPDX-License-Identifier: Apache-2.0

package scheduler

import (
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/schedulerpb"
)

// Field numbers of the messages an ACKNOWLEDGE call is made of
// (mesosproto/schedulerpb/scheduler.proto, mesosproto/mesos.proto).
const (
	fieldCallFrameworkID protowire.Number = 1 // Call.framework_id
	fieldCallType        protowire.Number = 2 // Call.type
	fieldCallAcknowledge protowire.Number = 8 // Call.acknowledge
	fieldAckAgentID      protowire.Number = 1 // Call.Acknowledge.agent_id
	fieldAckTaskID       protowire.Number = 2 // Call.Acknowledge.task_id
	fieldAckUUID         protowire.Number = 3 // Call.Acknowledge.uuid
	fieldIDValue         protowire.Number = 1 // FrameworkID/AgentID/TaskID.value

	callTypeAcknowledge = schedulerpb.Call_ACKNOWLEDGE
)

// appendAckProto appends the protobuf encoding of the ACKNOWLEDGE call of
// framework frameworkID for the update (agentID, taskID, uuid): the bytes
// proto.Marshal produces for that schedulerpb.Call, in one allocation and
// without reflection. Automatic acknowledgements are encoded on the Run
// goroutine, between two events, so this is on the path of every update.
func appendAckProto(b []byte, frameworkID, agentID, taskID string, uuid []byte) []byte {
	ack := sizeIDField(fieldAckAgentID, agentID) + sizeIDField(fieldAckTaskID, taskID) +
		protowire.SizeTag(fieldAckUUID) + protowire.SizeBytes(len(uuid))
	n := sizeIDField(fieldCallFrameworkID, frameworkID) +
		protowire.SizeTag(fieldCallType) + protowire.SizeVarint(uint64(callTypeAcknowledge)) +
		protowire.SizeTag(fieldCallAcknowledge) + protowire.SizeBytes(ack)
	if b == nil {
		b = make([]byte, 0, n)
	}
	b = appendIDField(b, fieldCallFrameworkID, frameworkID)
	b = protowire.AppendTag(b, fieldCallType, protowire.VarintType)
	b = protowire.AppendVarint(b, uint64(callTypeAcknowledge))
	b = protowire.AppendTag(b, fieldCallAcknowledge, protowire.BytesType)
	b = protowire.AppendVarint(b, uint64(ack))
	b = appendIDField(b, fieldAckAgentID, agentID)
	b = appendIDField(b, fieldAckTaskID, taskID)
	b = protowire.AppendTag(b, fieldAckUUID, protowire.BytesType)
	return protowire.AppendBytes(b, uuid)
}

// sizeIDField is the encoded size of field num holding an ID message
// (FrameworkID, AgentID, TaskID: one string, value).
func sizeIDField(num protowire.Number, value string) int {
	return protowire.SizeTag(num) + protowire.SizeBytes(sizeID(value))
}

func sizeID(value string) int {
	return protowire.SizeTag(fieldIDValue) + protowire.SizeBytes(len(value))
}

func appendIDField(b []byte, num protowire.Number, value string) []byte {
	b = protowire.AppendTag(b, num, protowire.BytesType)
	b = protowire.AppendVarint(b, uint64(sizeID(value)))
	b = protowire.AppendTag(b, fieldIDValue, protowire.BytesType)
	return protowire.AppendString(b, value)
}

// exactAckIDs reports whether appendAckProto, given the values of st's
// agent and task IDs, produces what the codec would for the call that
// carries those messages: both are present, have their value set and carry
// no unknown fields. Otherwise (a malformed or newer peer's status) the
// acknowledgement goes through the codec.
func exactAckIDs(st *mesosproto.TaskStatus) bool {
	return exactIDs(st.GetAgentId(), st.GetTaskId())
}

// exactIDs is exactAckIDs for the IDs themselves.
func exactIDs(a *mesosproto.AgentID, t *mesosproto.TaskID) bool {
	return a != nil && a.Value != nil && len(a.ProtoReflect().GetUnknown()) == 0 &&
		t != nil && t.Value != nil && len(t.ProtoReflect().GetUnknown()) == 0
}
