// SPDX-License-Identifier: Apache-2.0

package mesostest

import (
	"fmt"
	"sort"
	"time"

	"go.uber.org/zap"
	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/schedulerpb"
)

// LoseAgent makes the leading master mark agentID unreachable, as when the
// agent fails its health checks (Master::markUnreachable, _markUnreachable
// and __removeSlave in src/master/master.cpp). In the master's order:
//
//   - every framework with an operation awaiting acknowledgement on the
//     agent gets UPDATE_OPERATION_STATUS OPERATION_UNREACHABLE ("Agent was
//     marked unreachable", no uuid) for it (sendBulkOperationFeedback);
//   - every task the master knows there gets an UPDATE without uuid: source
//     MASTER, reason REASON_AGENT_REMOVED (v0 REASON_SLAVE_REMOVED), message "health check timed
//     out", unreachable_time set, state TASK_UNREACHABLE for PARTITION_AWARE
//     frameworks and TASK_LOST for the others; the master moves the task to
//     its framework's bounded unreachable tasks, whose ids new tasks cannot
//     reuse (WithMaxUnreachableTasksPerFramework);
//   - the agent's offers are rescinded (RESCIND) and its inverse offers too
//     (RESCIND_INVERSE_OFFER);
//   - every connected framework gets FAILURE with only agent_id
//     (sendSlaveLost).
//
// The agent is gone for good here: it is never offered again, explicit
// reconciliation of its tasks answers TASK_UNREACHABLE (TASK_LOST) with
// the unreachable time, and RECONCILE_OPERATIONS naming it
// OPERATION_UNREACHABLE. Its task and executor processes are killed
// without further updates (a partitioned agent would keep them running,
// unseen).
func (s *Server) LoseAgent(agentID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	a := s.agentByID[agentID]
	if a == nil {
		return fmt.Errorf("mesostest: LoseAgent: unknown agent %q", agentID)
	}
	s.loseAgentLocked(a, agentLoss{message: "health check timed out", unreachable: true})
	return nil
}

// agentLoss says how an agent leaves: marked unreachable (Master::
// markUnreachable) or removed by the operator (Master::markGone,
// Master::Http::_startMaintenance: __removeSlave without unreachable time).
type agentLoss struct {
	message     string // the tasks' status message
	unreachable bool
	opMessage   string // operations' feedback message when removed by the operator; none when empty
	lostOnly    bool   // TASK_LOST for every framework (Master::_removeSlave)
}

// loseAgentLocked is LoseAgent's work (see there) for an agent that is
// marked unreachable, or, by the operator, removed: then its tasks get
// TASK_GONE_BY_OPERATOR (REASON_AGENT_REMOVED_BY_OPERATOR) for
// PARTITION_AWARE frameworks and TASK_LOST (REASON_AGENT_REMOVED) for the
// others (TASK_LOST, REASON_AGENT_REMOVED for all with lostOnly), with no
// unreachable_time, and complete instead of becoming unreachable; its
// operations get OPERATION_GONE_BY_OPERATOR when opMessage is set.
func (s *Server) loseAgentLocked(a *agent, how agentLoss) {
	agentID := a.id
	if a.unreachable != nil {
		return
	}
	now := time.Now()
	a.unreachable = &mesosproto.TimeInfo{Nanoseconds: proto.Int64(now.UnixNano())}
	m := s.leaderLocked()
	registered := m != nil && !m.st.recovered[a.id]
	if m != nil {
		delete(m.st.recovered, a.id)
	}
	s.log.Info("agent marked unreachable", zap.String("agent_id", agentID), zap.Bool("was_registered", registered))

	// Operation feedback first.
	var ops []*operationRun
	for _, run := range a.operations {
		ops = append(ops, run)
	}
	sort.Slice(ops, func(i, j int) bool { return ops[i].key.id < ops[j].key.id })
	for _, run := range ops {
		run.stopLocked()
		delete(a.operations, run.key)
		if !registered || (!how.unreachable && how.opMessage == "") {
			continue
		}
		if fw := m.st.frameworks[run.key.framework]; fw != nil {
			state, msg := mesosproto.OperationState_OPERATION_UNREACHABLE, "Agent was marked unreachable"
			if !how.unreachable {
				state, msg = mesosproto.OperationState_OPERATION_GONE_BY_OPERATOR, how.opMessage
			}
			fw.sendLocked(operationUpdateEvent(&mesosproto.OperationStatus{
				OperationId: proto.Clone(run.latest.GetOperationId()).(*mesosproto.OperationID),
				State:       state.Enum(),
				Message:     proto.String(msg),
				AgentId:     &mesosproto.AgentID{Value: proto.String(a.id)},
			}))
		}
	}

	// Tasks.
	var tasks []*task
	for _, t := range s.tasks {
		if t.agent == a {
			tasks = append(tasks, t)
		}
	}
	sort.Slice(tasks, func(i, j int) bool {
		if tasks[i].key.framework != tasks[j].key.framework {
			return tasks[i].key.framework < tasks[j].key.framework
		}
		return tasks[i].key.task < tasks[j].key.task
	})
	for _, t := range tasks {
		if registered && !t.gone {
			if fw := m.st.frameworks[t.key.framework]; fw != nil {
				st := &mesosproto.TaskStatus{
					TaskId:          &mesosproto.TaskID{Value: proto.String(t.key.task)},
					State:           lostState(fw, mesosproto.TaskState_TASK_UNREACHABLE).Enum(),
					Message:         proto.String(how.message),
					Source:          mesosproto.TaskStatus_SOURCE_MASTER.Enum(),
					Reason:          mesosproto.TaskStatus_REASON_AGENT_REMOVED.Enum(),
					AgentId:         &mesosproto.AgentID{Value: proto.String(a.id)},
					Timestamp:       proto.Float64(nowSeconds()),
					UnreachableTime: proto.Clone(a.unreachable).(*mesosproto.TimeInfo),
				}
				if !how.unreachable {
					st.UnreachableTime = nil
					st.State = mesosproto.TaskState_TASK_LOST.Enum()
					if fw.partitionAware() && !how.lostOnly {
						st.State = mesosproto.TaskState_TASK_GONE_BY_OPERATOR.Enum()
						st.Reason = mesosproto.TaskStatus_REASON_AGENT_REMOVED_BY_OPERATOR.Enum()
					}
				}
				if t.hasExecutorInfo() { // command tasks have no executor_id in the master
					st.ExecutorId = &mesosproto.ExecutorID{Value: proto.String(t.executorID)}
				}
				s.recordStatusLocked(fw.id, st)
				fw.sendLocked(updateEvent(st))
				s.operatorTaskStatusLocked(fw.id, st.GetState(), func() *mesosproto.TaskStatus { return st }) // Master::updateTask
			}
		}
		if registered && !t.gone && how.unreachable {
			m.addUnreachableTaskLocked(t.key.framework, t.key.task) // unreachable.go
		}
		t.stopLocked()
		t.releaseResourcesLocked()
		s.removeTaskLocked(t) // completed.go
	}
	if ex := a.ex; ex != nil {
		for _, run := range ex.runs {
			run.killLocked()
		}
	}

	if m != nil {
		for _, o := range m.st.offers {
			if o.agent == a {
				m.rescindOfferLocked(o)
			}
		}
		for _, io := range m.st.inverseOffers {
			if io.agent == a {
				m.removeInverseOfferLocked(io, true)
			}
		}
		for _, fw := range m.connectedFrameworksLocked() {
			fw.sendLocked(&schedulerpb.Event{
				Type:    schedulerpb.Event_FAILURE.Enum(),
				Failure: &schedulerpb.Event_Failure{AgentId: &mesosproto.AgentID{Value: proto.String(a.id)}},
			})
		}
		if registered {
			s.operatorAgentRemovedLocked(a) // Master::__removeSlave, last (operator_events.go)
		}
	}
	s.notifyLocked()
}
