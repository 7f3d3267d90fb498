// SPDX-License-Identifier: Apache-2.0

package mesostest

import (
	"net/http"

	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/internal/httpapi"
	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/masterpb"
)

// operatorSubscriber is one operator SUBSCRIBE stream of the leading master
// (Master::Subscribers::Subscriber, src/master/master.cpp). Events are
// queued under s.mu where the cluster model changes, so in Mesos's order.
type operatorSubscriber struct {
	eventQueue[*masterpb.Event]
	codec httpapi.Codec
}

// serveOperatorSubscribe is Master::ReadOnlyHandler::subscribe
// (src/master/readonly_handler.cpp): 200 with the negotiated Content-Type
// (no Mesos-Stream-Id), SUBSCRIBED with the whole state and the heartbeat
// interval, one HEARTBEAT at once, then the events of the master
// (Master::subscribe adds the subscriber after the state was taken, under
// the same lock here) and a HEARTBEAT every interval.
func (m *master) serveOperatorSubscribe(w http.ResponseWriter, r *http.Request, codec httpapi.Codec) {
	s := m.s
	sub := &operatorSubscriber{eventQueue: newEventQueue[*masterpb.Event](), codec: codec}
	s.mu.Lock()
	if m.st == nil { // lost leadership since the checks
		s.mu.Unlock()
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	// SUBSCRIBED is encoded here, element by element, and written before
	// the queued events (operator_state_stream.go).
	subscribed := m.encodeSubscribedLocked(codec.MediaType() == httpapi.MediaTypeJSON, s.cfg.heartbeatInterval.Seconds())
	sub.sendLocked(operatorHeartbeat())
	if m.st.operators == nil {
		m.st.operators = map[*operatorSubscriber]struct{}{}
	}
	ls := m.st
	ls.operators[sub] = struct{}{}
	s.mu.Unlock()

	rc := http.NewResponseController(w)
	w.Header().Set(httpapi.HeaderContentType, codec.MediaType())
	w.WriteHeader(http.StatusOK)
	remove := func() { // Master::exited
		s.mu.Lock()
		delete(ls.operators, sub)
		s.mu.Unlock()
	}
	if !writeRecordChunks(w, subscribed) {
		remove()
		return
	}
	writeEvents(s, r, rc, w, codec, &sub.eventQueue, func(ev *masterpb.Event) proto.Message { return ev },
		s.cfg.heartbeatInterval, func() { sub.sendLocked(operatorHeartbeat()) }, remove)
	remove()
}

func operatorHeartbeat() *masterpb.Event {
	return &masterpb.Event{Type: masterpb.Event_HEARTBEAT.Enum()}
}

// closeOperatorsLocked ends the operator streams of a master that stops
// leading: the process aborts, the connections break.
func (ls *leaderState) closeOperatorsLocked() {
	for sub := range ls.operators {
		sub.closeLocked(true)
	}
	ls.operators = nil
}

// operatorEventLocked sends the event that build makes to every operator
// subscriber of the leader; build runs only when there is one
// (Master::Subscribers::send is guarded by !subscribers.subscribed.empty()).
func (s *Server) operatorEventLocked(build func(m *master) *masterpb.Event) {
	m := s.leaderLocked()
	if m == nil || m.st == nil || len(m.st.operators) == 0 {
		return
	}
	ev := build(m) // shared by the subscribers, never modified
	for sub := range m.st.operators {
		sub.sendLocked(ev)
	}
}

// operatorTaskAddedLocked is TASK_ADDED (Framework::addTask,
// src/master/framework.cpp): the task as the master tracks it, TASK_STAGING.
func (s *Server) operatorTaskAddedLocked(t *task) {
	s.operatorEventLocked(func(*master) *masterpb.Event {
		return &masterpb.Event{
			Type:      masterpb.Event_TASK_ADDED.Enum(),
			TaskAdded: &masterpb.Event_TaskAdded{Task: operatorTask(t, nil)},
		}
	})
}

// operatorTaskUpdatedLocked is TASK_UPDATED (Master::updateTask): sent when
// the status the master receives is of another state than the last one it
// recorded for the task (a retried update is not), with the task's latest
// state.
func (s *Server) operatorTaskUpdatedLocked(t *task, p *pendingUpdate) {
	if t.updateState != nil && *t.updateState == p.GetState() {
		return
	}
	s.operatorTaskStatusLocked(t.key.framework, t.state, p.toProto)
}

// operatorTaskStatusLocked sends TASK_UPDATED for a status of a task of
// framework fwID whose latest state is now state.
func (s *Server) operatorTaskStatusLocked(fwID string, state mesosproto.TaskState, status func() *mesosproto.TaskStatus) {
	s.operatorEventLocked(func(*master) *masterpb.Event {
		return &masterpb.Event{
			Type: masterpb.Event_TASK_UPDATED.Enum(),
			TaskUpdated: &masterpb.Event_TaskUpdated{
				FrameworkId: &mesosproto.FrameworkID{Value: proto.String(fwID)},
				Status:      status(),
				State:       state.Enum(),
			},
		}
	})
}

// operatorAgentAddedLocked is AGENT_ADDED (Master::addSlave).
func (s *Server) operatorAgentAddedLocked(a *agent) {
	s.operatorEventLocked(func(*master) *masterpb.Event {
		return &masterpb.Event{
			Type:       masterpb.Event_AGENT_ADDED.Enum(),
			AgentAdded: &masterpb.Event_AgentAdded{Agent: operatorAgent(a)},
		}
	})
}

// operatorAgentRemovedLocked is AGENT_REMOVED (Master::__removeSlave, for
// unreachable and gone agents alike).
func (s *Server) operatorAgentRemovedLocked(a *agent) {
	s.operatorEventLocked(func(*master) *masterpb.Event {
		return &masterpb.Event{
			Type:         masterpb.Event_AGENT_REMOVED.Enum(),
			AgentRemoved: &masterpb.Event_AgentRemoved{AgentId: a.idProto()},
		}
	})
}

// operatorFrameworkLocked is FRAMEWORK_ADDED (Master::_subscribe for a new
// framework, Master::recoverFramework) or FRAMEWORK_UPDATED
// (Master::sendFrameworkUpdates: re-subscription and UPDATE_FRAMEWORK). As
// in protobuf::master::event::createFrameworkAdded/Updated
// (src/common/protobuf_utils.cpp), the resources are not filled in.
func (s *Server) operatorFrameworkLocked(fw *framework, added bool) {
	s.operatorEventLocked(func(*master) *masterpb.Event {
		f := operatorFramework(fw)
		f.AllocatedResources, f.OfferedResources, f.OfferConstraints = nil, nil, nil
		if added {
			return &masterpb.Event{
				Type:           masterpb.Event_FRAMEWORK_ADDED.Enum(),
				FrameworkAdded: &masterpb.Event_FrameworkAdded{Framework: f},
			}
		}
		return &masterpb.Event{
			Type:             masterpb.Event_FRAMEWORK_UPDATED.Enum(),
			FrameworkUpdated: &masterpb.Event_FrameworkUpdated{Framework: f},
		}
	})
}

// operatorFrameworkRemovedLocked is FRAMEWORK_REMOVED (Master::removeFramework).
func (s *Server) operatorFrameworkRemovedLocked(fw *framework) {
	s.operatorEventLocked(func(*master) *masterpb.Event {
		return &masterpb.Event{
			Type:             masterpb.Event_FRAMEWORK_REMOVED.Enum(),
			FrameworkRemoved: &masterpb.Event_FrameworkRemoved{FrameworkInfo: proto.CloneOf(fw.info)},
		}
	})
}
