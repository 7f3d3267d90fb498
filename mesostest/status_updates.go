// SPDX-License-Identifier: Apache-2.0

package mesostest

import (
	"bytes"
	"time"

	"go.uber.org/zap"

	"github.com/mesoskit/mesoskit/mesosproto"
)

// updateStream is the agent's status update stream for one task
// (src/slave/task_status_update_manager.cpp): updates in order, of which only
// the head is sent; the next one goes out once the head is acknowledged. An
// unacknowledged head is re-sent after the retry interval, which doubles up
// to the maximum and never gives up.
type updateStream struct {
	pending  []*pendingUpdate // update.go
	interval time.Duration
	owner    *task     // set by enqueueUpdateLocked
	due      time.Time // when the head is re-sent, while queued in Server.retries (retry.go)
	idx      int       // 1 + index in Server.retries; 0 when not queued
}

// stopLocked cancels the retry of the head (it was acknowledged, or the
// stream ends).
func (u *updateStream) stopLocked() {
	if u.owner != nil {
		u.owner.s.cancelRetryLocked(u)
	}
}

// enqueueUpdateLocked adds a new update; if the stream was idle it is sent at once.
func (t *task) enqueueUpdateLocked(p *pendingUpdate) {
	t.agent.countUpdateLocked(p.GetState()) // the agent's metrics (agent_http_metrics.go)
	t.updates.owner = t
	t.updates.pending = append(t.updates.pending, p)
	if len(t.updates.pending) == 1 {
		t.forwardHeadLocked(true)
	}
}

// forwardHeadLocked sends the head to the master and arms the retry timer;
// reset starts again from the base interval.
func (t *task) forwardHeadLocked(reset bool) {
	u := &t.updates
	if len(u.pending) == 0 || t.gone {
		return
	}
	s := t.s
	if reset || u.interval == 0 {
		u.interval = s.cfg.updateRetryInterval
	}
	s.forwardUpdateLocked(t, u.pending[0])
	s.scheduleRetryLocked(u, time.Now().Add(u.interval)) // retry.go
}

// forwardUpdateLocked is the master receiving an update from an agent and
// forwarding it to the framework (Master::statusUpdate, Master::forward).
// With no leader, or a framework the leader does not know or that is not
// connected, the update goes nowhere and the agent retries later.
func (s *Server) forwardUpdateLocked(t *task, p *pendingUpdate) {
	m := s.leaderLocked()
	if m == nil {
		return
	}
	if !m.registeredLocked(t.agent) {
		return // the agent has not re-registered with this master yet
	}
	fw := m.st.frameworks[t.key.framework]
	if fw == nil {
		return
	}
	s.operatorTaskUpdatedLocked(t, p)          // operator_events.go
	t.updateState = taskStatePtr(p.GetState()) // shared, never written
	t.updateUUID = p.GetUuid()
	t.forwardedLocked(p)   // for reconciliation (agent_health.go)
	fw.sendUpdateLocked(p) // encoded from p by the stream's writer (stream.go)
}

// resumeUpdatesLocked re-sends the head of every pending stream at once (of
// one framework, or of all for ""), as the agent does when the master tells
// it that a framework re-subscribed or when it re-registers with a new master.
func (s *Server) resumeUpdatesLocked(fwID string) {
	for k, t := range s.tasks {
		if (fwID == "" || k.framework == fwID) && len(t.updates.pending) > 0 {
			t.forwardHeadLocked(true)
		}
	}
}

// acknowledgeLocked is an ACKNOWLEDGE reaching the master and then the agent
// (Master::acknowledge, TaskStatusUpdateManager::acknowledgement).
func (m *master) acknowledgeLocked(fw *framework, agentID, taskID string, uuid []byte) {
	if m.ackInjectedLocked(fw, agentID, taskID, uuid) { // SendStatusUpdates (inject.go)
		return
	}
	s := m.s
	rec := s.recordLocked(fw.id)
	a := s.agentByID[agentID]
	if !m.registeredLocked(a) {
		// Unknown, recovered or unreachable agent: dropped silently.
		s.countDupAckLocked(rec, taskID)
		return
	}
	t := s.tasks[taskKey{fw.id, taskID}]
	if t == nil || t.agent != a || t.gone {
		s.countDupAckLocked(rec, taskID)
		return
	}
	if t.updateState == nil {
		// "the update was not sent by this master"
		s.countDupAckLocked(rec, taskID)
		return
	}
	u := &t.updates
	if len(u.pending) == 0 || !bytes.Equal(u.pending[0].GetUuid(), uuid) {
		// The agent ignores acknowledgements of anything but the head.
		s.countDupAckLocked(rec, taskID)
		return
	}
	rec.acked[taskID]++
	head := u.pending[0]
	u.pending[0] = nil
	u.pending = u.pending[1:]
	u.stopLocked()
	if bytes.Equal(t.updateUUID, uuid) {
		t.updateState, t.updateUUID = nil, nil
	}
	s.notifyLocked()
	if len(u.pending) > 0 {
		t.forwardHeadLocked(true)
		return
	}
	if mesosproto.IsTerminalState(head.GetState()) {
		// The terminal update is acknowledged: master and agent forget the task.
		s.removeTaskLocked(t) // enters the framework's completed tasks (completed.go)
		// Once per task: build the fields only when debug logging is on.
		if ce := s.log.Check(zap.DebugLevel, "task removed"); ce != nil {
			ce.Write(zap.String("framework_id", fw.id), zap.String("task_id", taskID))
		}
	}
	m.checkDrainedLocked(a) // Master::acknowledge (operator_drain.go)
}
