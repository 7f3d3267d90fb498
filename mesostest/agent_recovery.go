// SPDX-License-Identifier: Apache-2.0

package mesostest

import (
	"go.uber.org/zap"
	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/mesosproto"
)

// Agent recovery after a master failover (Master::recover and
// Master::reregisterSlave, src/master/master.cpp): a new leader knows the
// agents only from the registry until each re-registers. Such a
// "recovered" agent gets no offers, its tasks, executors and operations are
// unknown to the master, its status updates are not forwarded (the agent
// keeps retrying), acknowledgements and messages for it are dropped, and
// explicit reconciliation keeps quiet about tasks that could be on it
// (Master::reconcile; Master::reconcileOperations answers
// OPERATION_RECOVERING). With WithAgentReregisterDelay(0), the default,
// agents re-register at once.

// startAgentRecoveryLocked marks every reachable agent recovered when
// agents re-register with a delay, and schedules their re-registration.
func (m *master) startAgentRecoveryLocked() {
	s := m.s
	d := s.cfg.fidelity.agentReregisterDelay
	for _, a := range s.agents {
		if a.maintenance != nil {
			a.maintenance.resetAllocatorState() // the allocator's state died with the old leader
		}
		if d > 0 && a.unreachable == nil {
			m.st.recovered[a.id] = true
		}
	}
	if len(m.st.recovered) == 0 {
		return
	}
	st := m.st
	s.log.Info("agents will re-register", zap.Int("agents", len(st.recovered)), zap.Duration("delay", d))
	s.afterLocked(d, func() {
		if m.st == st {
			m.reregisterAgentsLocked()
		}
	})
}

// registeredLocked reports whether agent a is registered with this leading
// master: neither recovered (waiting to re-register) nor unreachable.
func (m *master) registeredLocked(a *agent) bool {
	return a != nil && a.unreachable == nil && !m.st.recovered[a.id]
}

// anyRecoveredLocked reports whether some agent has not re-registered yet.
func (m *master) anyRecoveredLocked() bool { return len(m.st.recovered) > 0 }

// recoverFrameworksLocked adds a "recovered" Framework for every framework
// that has live tasks on a registered agent (only on agent a, if not nil)
// and is unknown to the master (Master::recoverFramework).
func (m *master) recoverFrameworksLocked(a *agent) {
	for _, t := range m.s.tasks {
		if t.gone || (a != nil && t.agent != a) || !m.registeredLocked(t.agent) {
			continue
		}
		if _, ok := m.st.frameworks[t.key.framework]; ok {
			continue
		}
		fi := t.agent.frameworks[t.key.framework]
		if fi == nil || m.st.isCompleted(t.key.framework) {
			continue
		}
		m.st.frameworks[t.key.framework] = newFramework(m, proto.Clone(fi).(*mesosproto.FrameworkInfo), frameworkRecovered)
	}
}

// reregisterAgentsLocked re-registers every recovered agent: the master
// learns its tasks and operations, pending status updates and operation
// updates are sent again at once, and it is offered again.
func (m *master) reregisterAgentsLocked() {
	s := m.s
	for _, a := range s.agents {
		if !m.st.recovered[a.id] {
			continue
		}
		delete(m.st.recovered, a.id)
		s.log.Info("agent re-registered", zap.String("agent_id", a.id))
		m.recoverFrameworksLocked(a)
		for _, t := range s.tasks {
			if t.agent == a && len(t.updates.pending) > 0 {
				t.forwardHeadLocked(true)
			}
		}
		for _, op := range a.operations {
			op.forwardLocked(true)
		}
		// Master::reregisterSlave sends a draining agent its DrainConfig again
		// and checks whether it is drained (operator_drain.go).
		if dr := s.op.draining[a.id]; dr != nil {
			s.drainAgentTasksLocked(a, dr.info.GetConfig())
			m.checkDrainedLocked(a)
		}
	}
	s.kickAllocator()
	s.notifyLocked()
}

// ReregisterAgents makes every agent that waits to re-register with the
// leading master (see WithAgentReregisterDelay) do so now.
func (s *Server) ReregisterAgents() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if m := s.leaderLocked(); m != nil && !s.closed {
		m.reregisterAgentsLocked()
	}
}
