// SPDX-License-Identifier: Apache-2.0

package mesostest

import (
	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/mesosproto"
)

// pendingUpdate is one status update in a task's update stream: either a
// TaskStatus made elsewhere (an executor's, or one the history also keeps),
// or, for the updates the agent makes itself, the few fields that differ
// between them, from which the TaskStatus is built each time the update is
// forwarded (toProto). A stream of 100,000 simulated tasks thus holds about
// 100 bytes per update instead of a TaskStatus with its submessages; the
// UPDATE event carries the pendingUpdate and is encoded from it by the
// stream's writer. A pendingUpdate never changes once made, so events and
// the writer goroutine may read it without the lock.
type pendingUpdate struct {
	full *mesosproto.TaskStatus // when set, the update; the fields below are unused

	taskID     *mesosproto.TaskID // shared with the task's other updates
	agentID    *mesosproto.AgentID
	executorID *mesosproto.ExecutorID
	message    string
	timestamp  float64
	state      mesosproto.TaskState
	source     mesosproto.TaskStatus_Source
	reason     mesosproto.TaskStatus_Reason
	hasReason  bool
	uuid       [16]byte
}

// GetState is the update's state.
func (p *pendingUpdate) GetState() mesosproto.TaskState {
	if p.full != nil {
		return p.full.GetState()
	}
	return p.state
}

// GetUuid is the update's uuid (the acknowledgement must name it).
func (p *pendingUpdate) GetUuid() []byte {
	if p.full != nil {
		return p.full.GetUuid()
	}
	return p.uuid[:]
}

// toProto returns the update as a TaskStatus, which must not be modified.
func (p *pendingUpdate) toProto() *mesosproto.TaskStatus {
	if p.full != nil {
		return p.full
	}
	st := &mesosproto.TaskStatus{
		TaskId:     p.taskID,
		State:      taskStatePtr(p.state),
		Source:     statusSourcePtr(p.source),
		AgentId:    p.agentID,
		ExecutorId: p.executorID,
		Timestamp:  proto.Float64(p.timestamp),
		Uuid:       p.uuid[:],
	}
	if p.hasReason {
		st.Reason = p.reason.Enum()
	}
	if p.message != "" {
		st.Message = proto.String(p.message)
	}
	return st
}
