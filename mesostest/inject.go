// SPDX-License-Identifier: Apache-2.0

package mesostest

import (
	"context"
	"fmt"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/mesosproto"
)

// UpdateBatch is a set of status updates sent by SendStatusUpdates and the
// acknowledgements the master has received for them. Its methods are safe
// for concurrent use.
type UpdateBatch struct {
	s        *Server
	statuses []*mesosproto.TaskStatus
	done     chan struct{} // closed when every update is acknowledged

	// Guarded by s.mu.
	acked int
	last  time.Time
}

// injectedUpdate is an update of a batch waiting for its ACKNOWLEDGE.
type injectedUpdate struct {
	batch   *UpdateBatch
	fwID    string
	agentID string
	taskID  string
}

// injectState is a Server's injected updates awaiting acknowledgement, by
// uuid. It is guarded by the Server's mu.
type injectState struct {
	pending map[string]injectedUpdate
}

// injectStateLocked returns the Server's injected updates awaiting
// acknowledgement, creating them when create is set.
func (s *Server) injectStateLocked(create bool) *injectState {
	if s.injected == nil && create {
		s.injected = &injectState{pending: map[string]injectedUpdate{}}
	}
	return s.injected
}

// SendStatusUpdates makes the leading master send one UPDATE event per
// status to the framework frameworkID, in order, as if agents had sent them
// (for example the updates agents send again after a master failover). Each
// status needs task_id, a known state and agent_id; a missing uuid is
// filled in with a random one and a missing timestamp with the current
// time. Every update thus carries a uuid and expects an acknowledgement, as
// an agent's update does (the master's own updates, such as TASK_LOST for
// a removed agent, carry none in Mesos: LoseAgent sends those). The
// statuses are copied, never modified.
//
// The master then expects one ACKNOWLEDGE per update (same framework, agent
// id, task id and uuid) and counts them in the returned UpdateBatch, and in
// Framework's Acknowledged; an ACKNOWLEDGE that matches no pending update is
// counted in DuplicateAcks as usual. The updates are sent once and never
// resent, and they do not change the state of any task the cluster runs:
// they exist only on the event stream.
//
// It fails with ErrNotConnected when the framework is not subscribed to the
// leading master, with ErrClosed after Close, and for a status that lacks
// a required field or carries a uuid that is invalid (see ACKNOWLEDGE
// validation) or already pending. On error nothing is sent.
func (s *Server) SendStatusUpdates(frameworkID string, statuses ...*mesosproto.TaskStatus) (*UpdateBatch, error) {
	b := &UpdateBatch{s: s, statuses: make([]*mesosproto.TaskStatus, len(statuses)), done: make(chan struct{})}
	seen := make(map[string]struct{}, len(statuses))
	now := nowSeconds()
	for i, st := range statuses {
		switch {
		case st.GetTaskId().GetValue() == "":
			return nil, fmt.Errorf("mesostest: SendStatusUpdates: status %d has no task_id", i)
		case st.State == nil:
			return nil, fmt.Errorf("mesostest: SendStatusUpdates: status %d has no state", i)
		case mesosproto.TaskState_name[int32(st.GetState())] == "":
			// A client would decode an unknown value of the closed enum
			// as no state at all.
			return nil, fmt.Errorf("mesostest: SendStatusUpdates: status %d has an unknown state %d", i, int32(st.GetState()))
		case st.GetAgentId().GetValue() == "":
			return nil, fmt.Errorf("mesostest: SendStatusUpdates: status %d has no agent_id", i)
		}
		st = proto.Clone(st).(*mesosproto.TaskStatus)
		if st.Uuid == nil {
			st.Uuid = newUUIDBytes()
		} else if !validUUIDBytes(st.Uuid) {
			return nil, fmt.Errorf("mesostest: SendStatusUpdates: status %d: uuid is not a valid UUID", i)
		}
		if st.Timestamp == nil {
			st.Timestamp = proto.Float64(now)
		}
		if _, dup := seen[string(st.Uuid)]; dup {
			return nil, fmt.Errorf("mesostest: SendStatusUpdates: status %d repeats uuid %s", i, uuidString(st.Uuid))
		}
		seen[string(st.Uuid)] = struct{}{}
		b.statuses[i] = st
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, ErrClosed
	}
	m := s.leaderLocked()
	if m == nil || m.st == nil {
		return nil, fmt.Errorf("%w: %s (no leading master)", ErrNotConnected, frameworkID)
	}
	fw := m.st.frameworks[frameworkID]
	if fw == nil || fw.conn != frameworkConnected || fw.stream == nil {
		return nil, fmt.Errorf("%w: %s", ErrNotConnected, frameworkID)
	}
	if len(b.statuses) == 0 {
		close(b.done)
		b.last = time.Now()
		return b, nil
	}
	inj := s.injectStateLocked(true)
	for i, st := range b.statuses {
		if _, dup := inj.pending[string(st.Uuid)]; dup {
			return nil, fmt.Errorf("mesostest: SendStatusUpdates: status %d: uuid %s is already pending", i, uuidString(st.Uuid))
		}
	}
	for _, st := range b.statuses {
		inj.pending[string(st.Uuid)] = injectedUpdate{
			batch:   b,
			fwID:    frameworkID,
			agentID: st.GetAgentId().GetValue(),
			taskID:  st.GetTaskId().GetValue(),
		}
		fw.sendLocked(updateEvent(st))
	}
	return b, nil
}

// ackInjectedLocked takes an ACKNOWLEDGE carrying the uuid of a pending
// injected update: it counts for the update when framework, agent and task
// match too, else as a duplicate. It reports false, leaving the call to the
// agents' status update streams, for any other uuid.
func (m *master) ackInjectedLocked(fw *framework, agentID, taskID string, uuid []byte) bool {
	s := m.s
	inj := s.injectStateLocked(false)
	if inj == nil {
		return false
	}
	p, ok := inj.pending[string(uuid)]
	if !ok {
		return false
	}
	if p.fwID != fw.id || p.agentID != agentID || p.taskID != taskID {
		// The uuid of a pending update with another framework, agent or
		// task: no agent takes it.
		rec := s.recordLocked(fw.id)
		if p.fwID == fw.id && p.taskID == taskID {
			rec.dupAcks[taskID]++
		} else {
			s.countDupAckLocked(rec, taskID)
		}
		return true
	}
	delete(inj.pending, string(uuid))
	s.recordLocked(fw.id).acked[taskID]++
	b := p.batch
	b.acked++
	if b.acked == len(b.statuses) {
		b.last = time.Now()
		close(b.done)
		s.notifyLocked()
	}
	return true
}

// Len is the number of updates in the batch.
func (b *UpdateBatch) Len() int { return len(b.statuses) }

// Statuses returns the updates as sent, uuids and timestamps filled in. The
// slice and the statuses must not be modified.
func (b *UpdateBatch) Statuses() []*mesosproto.TaskStatus { return b.statuses }

// Acknowledged returns how many updates of the batch have been acknowledged.
func (b *UpdateBatch) Acknowledged() int {
	b.s.mu.Lock()
	defer b.s.mu.Unlock()
	return b.acked
}

// Done returns a channel closed when every update of the batch has been
// acknowledged.
func (b *UpdateBatch) Done() <-chan struct{} { return b.done }

// AcknowledgedAt returns when the master received the last missing
// acknowledgement; zero until every update is acknowledged.
func (b *UpdateBatch) AcknowledgedAt() time.Time {
	b.s.mu.Lock()
	defer b.s.mu.Unlock()
	return b.last
}

// Wait waits until every update of the batch has been acknowledged. It
// returns ctx's error, or ErrClosed when the server closes first, wrapped
// with the count acknowledged so far.
func (b *UpdateBatch) Wait(ctx context.Context) error {
	select {
	case <-b.done:
		return nil
	default:
	}
	select {
	case <-b.done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("mesostest: %d of %d updates acknowledged: %w", b.Acknowledged(), b.Len(), ctx.Err())
	case <-b.s.closeCh:
		select {
		case <-b.done:
			return nil
		default:
		}
		return fmt.Errorf("mesostest: %d of %d updates acknowledged: %w", b.Acknowledged(), b.Len(), ErrClosed)
	}
}
