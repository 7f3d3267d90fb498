// SPDX-License-Identifier: Apache-2.0

package mesostest

import (
	"net/http"
	"time"

	"go.uber.org/zap"
	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/schedulerpb"
)

// dispatchLocked performs a validated non-SUBSCRIBE call of a connected
// framework and returns the HTTP answer (the switch at the end of
// Master::Http::scheduler, src/master/http.cpp).
func (m *master) dispatchLocked(fw *framework, c *schedulerpb.Call) (int, string) {
	switch c.GetType() {
	case schedulerpb.Call_TEARDOWN:
		m.removeFrameworkLocked(fw)
	case schedulerpb.Call_ACCEPT:
		m.acceptLocked(fw, c.GetAccept())
	case schedulerpb.Call_DECLINE:
		m.declineLocked(fw, c.GetDecline())
	case schedulerpb.Call_ACCEPT_INVERSE_OFFERS:
		a := c.GetAcceptInverseOffers()
		m.answerInverseOffersLocked(fw, a.GetInverseOfferIds(), a.GetFilters(), true) // inverse_offers.go
	case schedulerpb.Call_DECLINE_INVERSE_OFFERS:
		d := c.GetDeclineInverseOffers()
		m.answerInverseOffersLocked(fw, d.GetInverseOfferIds(), d.GetFilters(), false)
	case schedulerpb.Call_REVIVE:
		m.reviveLocked(fw, c.GetRevive().GetRoles())
	case schedulerpb.Call_SUPPRESS:
		m.suppressLocked(fw, c.GetSuppress().GetRoles())
	case schedulerpb.Call_KILL:
		m.killLocked(fw, c.GetKill())
	case schedulerpb.Call_SHUTDOWN:
		m.shutdownLocked(fw, c.GetShutdown())
	case schedulerpb.Call_ACKNOWLEDGE:
		a := c.GetAcknowledge()
		m.acknowledgeLocked(fw, a.GetAgentId().GetValue(), a.GetTaskId().GetValue(), a.GetUuid())
	case schedulerpb.Call_ACKNOWLEDGE_OPERATION_STATUS:
		m.acknowledgeOperationLocked(fw, c.GetAcknowledgeOperationStatus()) // operations.go
	case schedulerpb.Call_RECONCILE:
		m.reconcileLocked(fw, c.GetReconcile().GetTasks())
	case schedulerpb.Call_RECONCILE_OPERATIONS:
		m.reconcileOperationsLocked(fw, c.GetReconcileOperations())
	case schedulerpb.Call_MESSAGE:
		// Best effort to a custom executor; command executors drop framework messages.
		m.s.frameworkMessageLocked(fw, c.GetMessage())
	case schedulerpb.Call_REQUEST:
		// The built-in allocator ignores requests.
	case schedulerpb.Call_UPDATE_FRAMEWORK:
		return m.updateFrameworkCallLocked(fw, c.GetUpdateFramework())
	case schedulerpb.Call_UNKNOWN:
		return http.StatusNotImplemented, "501 Not Implemented."
	}
	return http.StatusAccepted, ""
}

// masterUpdateLocked sends a master-generated status update for a task
// the master refused in an ACCEPT: source MASTER, no uuid, never
// acknowledged, and no executor_id even when a live task has that id
// (protobuf::createStatusUpdate with an empty UPID and no executor, as
// Master::accept and Master::_accept make them).
func (m *master) masterUpdateLocked(fw *framework, taskID, agentID string, state mesosproto.TaskState, reason mesosproto.TaskStatus_Reason, msg string, record bool) {
	st := masterStatus(taskID, agentID, nil, state, reason, msg)
	if record {
		m.s.recordStatusLocked(fw.id, st)
		m.s.masterTerminalLocked(fw.id, taskID, state) // completed.go
	}
	fw.sendLocked(updateEvent(st))
}

// masterStatus is a status update the master makes up (source MASTER, now,
// no uuid): for task taskID, on agentID ("" for none), with the executor of
// t when the master knows the task.
func masterStatus(taskID, agentID string, t *task, state mesosproto.TaskState, reason mesosproto.TaskStatus_Reason, msg string) *mesosproto.TaskStatus {
	st := &mesosproto.TaskStatus{
		TaskId:    &mesosproto.TaskID{Value: proto.String(taskID)},
		State:     state.Enum(),
		Message:   proto.String(msg),
		Source:    mesosproto.TaskStatus_SOURCE_MASTER.Enum(),
		Reason:    reason.Enum(),
		Timestamp: proto.Float64(nowSeconds()),
	}
	if agentID != "" {
		st.AgentId = &mesosproto.AgentID{Value: proto.String(agentID)}
	}
	if t.hasExecutorInfo() {
		// Only tasks of an ExecutorInfo have an executor_id in the master's
		// Task (protobuf::createTask); command tasks' updates carry none.
		st.ExecutorId = &mesosproto.ExecutorID{Value: proto.String(t.executorID)}
	}
	return st
}

// lostState is TASK_DROPPED for PARTITION_AWARE frameworks, else TASK_LOST.
func lostState(fw *framework, aware mesosproto.TaskState) mesosproto.TaskState {
	if fw.partitionAware() {
		return aware
	}
	return mesosproto.TaskState_TASK_LOST
}

// operationTasks returns the tasks of a LAUNCH or LAUNCH_GROUP operation.
func operationTasks(op *mesosproto.Offer_Operation) []*mesosproto.TaskInfo {
	switch op.GetType() {
	case mesosproto.Offer_Operation_LAUNCH:
		return op.GetLaunch().GetTaskInfos()
	case mesosproto.Offer_Operation_LAUNCH_GROUP:
		return op.GetLaunchGroup().GetTaskGroup().GetTasks()
	}
	return nil
}

// validateOffersLocked is validation::offer::validate: unique ids, all
// outstanding, all of this framework, one allocation role, one agent.
func (m *master) validateOffersLocked(fw *framework, ids []*mesosproto.OfferID) error {
	seen := map[string]bool{}
	for _, id := range ids {
		if seen[id.GetValue()] {
			return mesosErr("Duplicate offer " + id.GetValue() + " in offer list")
		}
		seen[id.GetValue()] = true
	}
	for _, id := range ids {
		if m.st.offers[id.GetValue()] == nil {
			return mesosErr("Offer " + id.GetValue() + " is no longer valid")
		}
	}
	for _, id := range ids {
		o := m.st.offers[id.GetValue()]
		if o.fw != fw {
			return mesosErr("Offer " + id.GetValue() + " has invalid framework " + o.fw.id + " while framework " + fw.id + " is expected")
		}
	}
	first := m.st.offers[ids[0].GetValue()]
	for _, id := range ids {
		o := m.st.offers[id.GetValue()]
		if o.role != first.role {
			return mesosErr("Aggregated offers must be allocated to the same role. Offer " + id.GetValue() + " uses role '" + o.role + " but another is using role '" + first.role)
		}
	}
	for _, id := range ids {
		o := m.st.offers[id.GetValue()]
		if o.agent != first.agent {
			return mesosErr("Aggregated offers must belong to one single agent. Offer " + id.GetValue() + " uses agent " + o.agent.id + " and agent " + first.agent.id)
		}
	}
	return nil
}

// acceptLocked is Master::accept: LAUNCH, LAUNCH_GROUP and the resource
// operations (operations.go), in order. Unused resources
// are declined with accept.filters.
func (m *master) acceptLocked(fw *framework, acc *schedulerpb.Call_Accept) {
	s := m.s
	ids := acc.GetOfferIds()
	var err error
	if len(ids) == 0 {
		err = mesosErr("No offers specified")
	} else {
		err = m.validateOffersLocked(fw, ids)
	}
	if err != nil {
		for _, id := range ids {
			if o := m.st.offers[id.GetValue()]; o != nil {
				m.removeOfferLocked(o, nil)
			}
		}
		s.log.Info("ACCEPT with invalid offers", zap.String("framework_id", fw.id), zap.Error(err))
		for _, op := range acc.GetOperations() {
			tasks := operationTasks(op)
			if tasks == nil {
				m.operationErrorLocked(fw, op, "Operation attempted with invalid offers: "+err.Error())
				continue
			}
			for _, ti := range tasks {
				m.masterUpdateLocked(fw, ti.GetTaskId().GetValue(), ti.GetAgentId().GetValue(),
					lostState(fw, mesosproto.TaskState_TASK_DROPPED), mesosproto.TaskStatus_REASON_INVALID_OFFERS,
					"Task launched with invalid offers: "+err.Error(), true)
			}
		}
		s.notifyLocked()
		return
	}

	first := m.st.offers[ids[0].GetValue()]
	a, role := first.agent, first.role
	offered := resources{}
	for _, id := range ids {
		o := m.st.offers[id.GetValue()]
		offered = offered.plus(o.res)
		if o.timer != nil {
			o.timer.Stop()
		}
		delete(m.st.offers, o.id)
		delete(fw.offers, o.id)
		a.setOffered(a.offered.minus(o.res))
	}
	remaining := offered.clone()
	owned := true // remaining is this call's own map: tasks may subtract in place
	for _, op := range m.screenOperationsLocked(fw, acc.GetOperations()) {
		switch op.GetType() {
		case mesosproto.Offer_Operation_LAUNCH:
			for _, ti := range op.GetLaunch().GetTaskInfos() {
				if m.refuseLaunchLocked(fw, ti) { // WithACLs: authorized before validated (acl_enforce.go)
					continue
				}
				res, execRes, verr := m.validateLaunchTaskLocked(fw, a, role, ti, remaining) // validate_task.go
				if verr != nil {
					m.masterUpdateLocked(fw, ti.GetTaskId().GetValue(), ti.GetAgentId().GetValue(), mesosproto.TaskState_TASK_ERROR,
						mesosproto.TaskStatus_REASON_TASK_INVALID, verr.Error(), true)
					continue
				}
				if !owned {
					remaining, owned = remaining.clone(), true
				}
				remaining.subtract(res) // one map per ACCEPT, not one per task
				if execRes != nil {
					remaining.subtract(execRes)
				}
				ti = normalizeLaunchTask(fw, ti)
				s.launchTaskLocked(fw, a, role, ti, res)
				s.chargeExecutorLocked(fw, a, ti.GetExecutor(), execRes) // executor_accounting.go
			}
		case mesosproto.Offer_Operation_LAUNCH_GROUP:
			if m.refuseGroupLocked(fw, op.GetLaunchGroup()) { // WithACLs (acl_enforce.go)
				continue
			}
			remaining, owned = m.launchGroupLocked(fw, a, role, op.GetLaunchGroup(), remaining), false // executor_launch_group.go
		case mesosproto.Offer_Operation_UNKNOWN:
			// Master::accept: "Ignoring unknown operation".
		default:
			remaining, owned = m.applyOperationLocked(fw, a, role, op, remaining), false // operations.go
		}
	}
	// The unused resources are declined with the ACCEPT's filters.
	if !remaining.empty() {
		filters := acc.GetFilters()
		if filters == nil {
			filters = &mesosproto.Filters{}
		}
		if d := s.filterDuration(filters); d > 0 {
			fw.filters = append(fw.filters, &offerFilter{role: role, agent: a, res: remaining, expires: time.Now().Add(d)})
		}
	}
	s.notifyLocked()
}

// operationErrorLocked sends OPERATION_ERROR for an operation that asked
// for feedback (Master::drop); operations without an id are dropped silently.
func (m *master) operationErrorLocked(fw *framework, op *mesosproto.Offer_Operation, msg string) {
	if op.Id == nil {
		return
	}
	fw.sendLocked(&schedulerpb.Event{
		Type: schedulerpb.Event_UPDATE_OPERATION_STATUS.Enum(),
		UpdateOperationStatus: &schedulerpb.Event_UpdateOperationStatus{Status: &mesosproto.OperationStatus{
			OperationId: op.Id,
			State:       mesosproto.OperationState_OPERATION_ERROR.Enum(),
			Message:     proto.String(msg),
		}},
	})
}

// declineLocked is Master::decline: unknown offers are ignored; a missing
// `filters` means the default 5 s filter.
func (m *master) declineLocked(fw *framework, d *schedulerpb.Call_Decline) {
	filters := d.GetFilters()
	if filters == nil {
		filters = &mesosproto.Filters{}
	}
	for _, id := range d.GetOfferIds() {
		if o := m.st.offers[id.GetValue()]; o != nil { // any framework's offer, as Master::decline does
			m.removeOfferLocked(o, filters)
		}
	}
	m.s.notifyLocked()
}

// validRoleList checks REVIVE/SUPPRESS roles: one invalid or foreign role
// drops the whole call (Master::revive, Master::suppress).
func (m *master) validRoleList(fw *framework, roles []string) bool {
	for _, r := range roles {
		if validateRole(r) != nil || !contains(fw.roles(), r) {
			m.s.log.Info("dropping call with an invalid role", zap.String("framework_id", fw.id), zap.String("role", r))
			return false
		}
	}
	return true
}

// reviveLocked un-suppresses the roles (all when empty) and clears their
// refusal filters; an allocation follows.
func (m *master) reviveLocked(fw *framework, roles []string) {
	if !m.validRoleList(fw, roles) {
		return
	}
	if len(roles) == 0 {
		roles = fw.roles()
	}
	for _, r := range roles {
		delete(fw.suppressed, r)
	}
	kept := fw.filters[:0]
	for _, f := range fw.filters {
		if !contains(roles, f.role) {
			kept = append(kept, f)
		}
	}
	clear(fw.filters[len(kept):])
	fw.filters = kept
	m.s.kickAllocator()
}

// suppressLocked stops offers for the roles (all when empty). Outstanding
// offers are not rescinded.
func (m *master) suppressLocked(fw *framework, roles []string) {
	if !m.validRoleList(fw, roles) {
		return
	}
	if len(roles) == 0 {
		roles = fw.roles()
	}
	for _, r := range roles {
		fw.suppressed[r] = true
	}
}

// killLocked is Master::kill: an unknown task gets an explicit
// reconciliation instead; a task on another agent than the one named is
// left alone.
func (m *master) killLocked(fw *framework, k *schedulerpb.Call_Kill) {
	id := k.GetTaskId().GetValue()
	t := m.s.tasks[taskKey{fw.id, id}]
	if t == nil || t.gone || !m.registeredLocked(t.agent) {
		m.reconcileLocked(fw, []*schedulerpb.Call_Reconcile_Task{{TaskId: k.GetTaskId(), AgentId: k.GetAgentId()}})
		return
	}
	if k.AgentId != nil && k.GetAgentId().GetValue() != t.agent.id {
		return
	}
	t.killLocked(k.GetKillPolicy())
}

// updateFrameworkCallLocked is Master::updateFramework for UPDATE_FRAMEWORK.
func (m *master) updateFrameworkCallLocked(fw *framework, u *schedulerpb.Call_UpdateFramework) (int, string) {
	fi := proto.Clone(u.GetFrameworkInfo()).(*mesosproto.FrameworkInfo)
	if err := validateFrameworkInfo(fi); err != nil {
		return http.StatusBadRequest, "Supplied FrameworkInfo is not valid: " + err.Error()
	}
	if err := validateFrameworkUpdate(fw.info, fi); err != nil {
		return http.StatusBadRequest, "FrameworkInfo update is not valid: " + err.Error()
	}
	filter, err := validateSuppressedAndConstraints(frameworkRoles(fi), u.GetSuppressedRoles(), u.GetOfferConstraints(), m.s.re2MaxProgramSize())
	if err != nil {
		return http.StatusBadRequest, "'UpdateFramework' call is not valid: " + err.Error()
	}
	if msg := m.s.cfg.auth.registrationRefusal(principalOf(fw.info), fi); msg != "" { // WithACLs (acl_enforce.go)
		return http.StatusForbidden, msg
	}
	m.updateFrameworkLocked(fw, fi)
	m.s.operatorFrameworkLocked(fw, false) // Master::sendFrameworkUpdates (operator_events.go)
	newSuppressed := map[string]bool{}
	for _, r := range u.GetSuppressedRoles() {
		newSuppressed[r] = true
	}
	var revived []string
	for r := range fw.suppressed {
		if !newSuppressed[r] {
			revived = append(revived, r)
		}
	}
	fw.suppressed = newSuppressed
	fw.constraints = u.GetOfferConstraints()
	fw.constraintFilter = filter
	if len(revived) > 0 {
		kept := fw.filters[:0]
		for _, f := range fw.filters {
			if !contains(revived, f.role) {
				kept = append(kept, f)
			}
		}
		clear(fw.filters[len(kept):])
		fw.filters = kept
	}
	m.s.recordLocked(fw.id).info = proto.Clone(fi).(*mesosproto.FrameworkInfo)
	m.s.updateAgentFrameworkInfoLocked(fi)
	m.s.kickAllocator()
	m.s.notifyLocked()
	return http.StatusOK, ""
}

// commandShutdownReserve is what the command executor keeps of the agent's
// shutdown grace period for the forced kill: process::MAX_REAP_INTERVAL()
// (1 s, 3rdparty/libprocess/src/reap.cpp) plus one second
// (src/launcher/executor.cpp, shutdown).
const commandShutdownReserve = 2 * time.Second

// shutdownLocked is Master::shutdown: the agent shuts the executor down
// (Slave::shutdownExecutor). A command executor, named after its task, gets
// SHUTDOWN and kills its task (executor.cpp shutdown(): kill with the
// agent's --executor_shutdown_grace_period less commandShutdownReserve), so
// the task ends TASK_KILLED; a custom executor is shut down by the agent.
func (m *master) shutdownLocked(fw *framework, sh *schedulerpb.Call_Shutdown) {
	s := m.s
	a := s.agentByID[sh.GetAgentId().GetValue()]
	if a == nil || !m.registeredLocked(a) {
		return
	}
	t := s.tasks[taskKey{fw.id, sh.GetExecutorId().GetValue()}]
	if t == nil || t.agent != a || t.hasExecutorInfo() {
		s.shutdownExecutorCallLocked(fw, sh)
		return
	}
	if t.terminated || t.gone {
		return
	}
	grace := orDefault(s.cfg.exec.shutdownGracePeriod, DefaultExecutorShutdownGracePeriod) - commandShutdownReserve
	s.log.Info("shutting down command executor", zap.String("framework_id", fw.id), zap.String("executor_id", t.executorID))
	t.killWithGraceLocked(max(grace, 0))
}
