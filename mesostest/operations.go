// SPDX-License-Identifier: Apache-2.0

package mesostest

import (
	"bytes"
	"sort"
	"strconv"
	"time"

	"go.uber.org/zap"
	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/schedulerpb"
)

// Resource operations in ACCEPT: RESERVE, UNRESERVE, CREATE, DESTROY,
// GROW_VOLUME and SHRINK_VOLUME on the agents' default resources
// (Master::_accept in src/master/master.cpp, validation in
// src/master/validation.cpp). An invalid operation is dropped: if it has an
// id the framework gets UPDATE_OPERATION_STATUS OPERATION_ERROR, without
// uuid or agent id (Master::drop). A valid one converts resources at once;
// the agents here have the RESOURCE_PROVIDER and AGENT_OPERATION_FEEDBACK
// capabilities of every current agent, so the master sends the operation to
// the agent (Master::_apply), which applies it and reports OPERATION_FINISHED
// with a status uuid, agent_id and the operation id through its operation
// status update manager (Slave::applyOperation,
// src/slave/operation_status_update_manager.cpp): only for operations whose
// Offer.Operation.id is set, retried like task status updates until the
// framework sends ACKNOWLEDGE_OPERATION_STATUS, after which master and agent
// forget the operation. No OPERATION_PENDING reaches the framework.
// CREATE_DISK and DESTROY_DISK need resource providers, which these agents
// do not have: they are dropped.

type opKey struct{ framework, id string }

// operationRun is an operation with feedback on an agent: its latest status
// and the agent's retries until it is acknowledged.
type operationRun struct {
	s        *Server
	key      opKey
	agent    *agent
	info     *mesosproto.Offer_Operation
	latest   *mesosproto.OperationStatus // carries the uuid to acknowledge
	uuid     []byte                      // the master's id of the operation (Operation.uuid, operator GET_OPERATIONS)
	interval time.Duration
	timer    *time.Timer
	gen      int
}

// agentPID is how stringify(Slave) names an agent in Mesos's messages.
func agentPID(a *agent) string {
	return a.id + " at slave(1)@" + agentIP(a.hostname) + ":" + strconv.Itoa(a.port) + " (" + a.hostname + ")"
}

// applyOperationLocked validates and applies one resource operation of an
// ACCEPT on agent a, whose offers were allocated to role; remaining is what
// is left of the offers. It returns what is left after the operation.
func (m *master) applyOperationLocked(fw *framework, a *agent, role string, op *mesosproto.Offer_Operation, remaining resources) resources {
	s := m.s
	typ := op.GetType()
	consumed, converted, err := m.conversionLocked(fw, a, role, op)
	if err != nil {
		m.operationErrorLocked(fw, op, err.Error()+"; on agent "+agentPID(a))
		return remaining
	}
	resized := typ == mesosproto.Offer_Operation_GROW_VOLUME || typ == mesosproto.Offer_Operation_SHRINK_VOLUME
	if !remaining.contains(consumed) {
		msg := remaining.String() + " does not contain " + consumed.String()
		if resized {
			msg = "Invalid " + typ.String() + " operation: " + msg
		}
		m.operationErrorLocked(fw, op, msg)
		return remaining
	}
	remaining = remaining.minus(consumed)
	if !resized {
		// Resized volumes go back to the allocator, not to later operations.
		remaining = remaining.plus(converted)
	}
	a.setTotal(a.total.minus(consumed).plus(converted))
	s.log.Info("applied operation", zap.String("framework_id", fw.id), zap.Stringer("operation_type", typ),
		zap.String("agent_id", a.id), zap.String("consumed", consumed.String()), zap.String("converted", converted.String()))
	if typ == mesosproto.Offer_Operation_DESTROY {
		// Other offers still holding the destroyed volumes are rescinded.
		for _, o := range m.st.offers {
			if o.agent == a && o.res.contains(consumed) {
				m.rescindOfferLocked(o)
			}
		}
	}
	if op.Id != nil {
		m.startOperationLocked(fw, a, op)
	}
	s.notifyLocked()
	return remaining
}

// conversionLocked validates op and returns the resources it consumes and
// what they become (getResourceConversions, src/common/resources_utils.cpp).
func (m *master) conversionLocked(fw *framework, a *agent, role string, op *mesosproto.Offer_Operation) (consumed, converted resources, err error) {
	var principal *string
	if fw != nil { // nil: an operator's operation (the operator API is not authenticated here)
		principal = fw.info.Principal
	}
	switch op.GetType() {
	case mesosproto.Offer_Operation_RESERVE:
		return reserveConversion(fw, role, principal, op.GetReserve())
	case mesosproto.Offer_Operation_UNRESERVE:
		return unreserveConversion(op.GetUnreserve())
	case mesosproto.Offer_Operation_CREATE:
		return createConversion(fw, a, principal, op.GetCreate())
	case mesosproto.Offer_Operation_DESTROY:
		return destroyConversion(a, op.GetDestroy())
	case mesosproto.Offer_Operation_GROW_VOLUME:
		return growConversion(op.GetGrowVolume())
	case mesosproto.Offer_Operation_SHRINK_VOLUME:
		return shrinkConversion(op.GetShrinkVolume())
	case mesosproto.Offer_Operation_CREATE_DISK, mesosproto.Offer_Operation_DESTROY_DISK:
		return nil, nil, mesosErr(op.GetType().String() + " needs a resource provider, and agent " + a.id + " has none")
	}
	return nil, nil, mesosErr("Unknown operation " + op.GetType().String())
}

// parseOperationResources parses an operation's resources, which must not be empty.
func parseOperationResources(what string, list []*mesosproto.Resource) (resources, error) {
	rs, err := resourcesFromProto(list)
	if err != nil {
		return nil, mesosErr("Invalid " + what + ": " + err.Error())
	}
	if rs.empty() {
		return nil, mesosErr("Invalid " + what + ": Resource cannot be empty")
	}
	return rs, nil
}

// reserveConversion is RESERVE: unreserved (or the source) resources become the target reservations.
func reserveConversion(fw *framework, role string, principal *string, op *mesosproto.Offer_Operation_Reserve) (consumed, converted resources, err error) {
	target, err := parseOperationResources("resources", op.GetResources())
	if err != nil {
		return nil, nil, err
	}
	for k := range target {
		if !k.dynamic() {
			return nil, nil, mesosErr("Resource " + k.describe() + " is not dynamically reserved")
		}
		rs := k.template().GetReservations()
		last := rs[len(rs)-1]
		if principal != nil {
			if last.Principal == nil {
				return nil, nil, mesosErr("A reserve operation was attempted by principal '" + *principal +
					"', but there is a reserved resource in the request with no principal set")
			}
			if last.GetPrincipal() != *principal {
				return nil, nil, mesosErr("A reserve operation was attempted by authenticated principal '" + *principal +
					"', which does not match a reserved resource in the request with principal '" + last.GetPrincipal() + "'")
			}
		}
		if fw != nil && k.role != role {
			return nil, nil, mesosErr("A reserve operation was attempted for a resource with role '" + k.role +
				"', but the resource was allocated to role '" + role + "'")
		}
	}
	if src := op.GetSource(); len(src) > 0 {
		source, err := parseOperationResources("source", src)
		if err != nil {
			return nil, nil, err
		}
		if !source.unreserved().equal(target.unreserved()) {
			return nil, nil, mesosErr("Source and target resources should refer to identical resource quantities: " +
				source.unreserved().String() + " vs. " + target.unreserved().String())
		}
		return source, target, nil
	}
	return target.mapKeys(rkey.popReservation), target, nil
}

// unreserveConversion is UNRESERVE: dynamically reserved resources lose their last reservation.
func unreserveConversion(op *mesosproto.Offer_Operation_Unreserve) (consumed, converted resources, err error) {
	rs, err := parseOperationResources("resources", op.GetResources())
	if err != nil {
		return nil, nil, err
	}
	for k := range rs {
		if !k.dynamic() {
			return nil, nil, mesosErr("Resource " + k.describe() + " is not dynamically reserved")
		}
		if k.persistentVolume() {
			return nil, nil, mesosErr("A dynamically reserved persistent volume " + k.describe() +
				" cannot be unreserved directly. Please destroy the persistent volume first then unreserve the resource")
		}
	}
	return rs, rs.mapKeys(rkey.popReservation), nil
}

// createConversion is CREATE: disk becomes persistent volumes with unique persistence IDs.
func createConversion(fw *framework, a *agent, principal *string, op *mesosproto.Offer_Operation_Create) (consumed, converted resources, err error) {
	vols, err := parseOperationResources("resources", op.GetVolumes())
	if err != nil {
		return nil, nil, err
	}
	if err := validatePersistentVolumes(op.GetVolumes()); err != nil {
		return nil, nil, err
	}
	ids := map[[2]string]bool{}
	// Non-shared volumes never merge in Mesos's Resources sum, so a
	// volume equal to one the agent has collides with it.
	for _, k := range append(a.total.sortedKeys(), vols.sortedKeys()...) {
		if !k.persistentVolume() {
			continue
		}
		id := [2]string{k.role, k.template().GetDisk().GetPersistence().GetId()}
		if ids[id] {
			return nil, nil, mesosErr("Persistence ID '" + id[1] + "' is not unique")
		}
		ids[id] = true
	}
	for _, v := range op.GetVolumes() {
		if fw != nil && v.Shared != nil && !hasCapability(fw.info, mesosproto.FrameworkInfo_Capability_SHARED_RESOURCES) {
			return nil, nil, mesosErr("Create volume operation for '" + keyOf(v).describe() + "' has been attempted by framework '" +
				fw.id + "' with no SHARED_RESOURCES capability")
		}
		if principal != nil {
			p := v.GetDisk().GetPersistence()
			if p.Principal == nil {
				return nil, nil, mesosErr("Create volume operation attempted by principal '" + *principal +
					"', but there is a volume in the operation with no principal set in 'disk.persistence'")
			}
			if p.GetPrincipal() != *principal {
				return nil, nil, mesosErr("Create volume operation attempted by authenticated principal '" + *principal +
					"', which does not match a volume in the operation with principal '" + p.GetPrincipal() + "' set in 'disk.persistence'")
			}
		}
	}
	return vols.mapKeys(rkey.stripVolume), vols, nil
}

// destroyConversion is DESTROY: unused persistent volumes of the agent become disk again.
func destroyConversion(a *agent, op *mesosproto.Offer_Operation_Destroy) (consumed, converted resources, err error) {
	vols, err := parseOperationResources("resources", op.GetVolumes())
	if err != nil {
		return nil, nil, err
	}
	if err := validatePersistentVolumes(op.GetVolumes()); err != nil {
		return nil, nil, err
	}
	if !a.total.contains(vols) {
		return nil, nil, mesosErr("Persistent volumes not found")
	}
	for k, v := range vols {
		if a.used.contains(resources{k: v}) {
			return nil, nil, mesosErr("Persistent volumes in use")
		}
	}
	return vols, vols.mapKeys(rkey.stripVolume), nil
}

// growConversion is GROW_VOLUME: a volume and the addition become one larger volume.
func growConversion(g *mesosproto.Offer_Operation_GrowVolume) (consumed, converted resources, err error) {
	if add := g.GetAddition().GetScalar().GetValue(); toMilli(add) <= 0 {
		return nil, nil, mesosErr("The size of 'GrowVolume.addition' field must be greater than zero")
	}
	if err := validatePersistentVolumes([]*mesosproto.Resource{g.GetVolume()}); err != nil {
		return nil, nil, mesosErr("Invalid persistent volume in the 'GrowVolume.volume' field: " + err.Error())
	}
	if g.GetVolume().Shared != nil {
		return nil, nil, mesosErr("Growing a shared persistent volume is not supported")
	}
	vk, ak := keyOf(g.GetVolume()), keyOf(g.GetAddition())
	if vk.stripVolume() != ak || g.GetVolume().GetType() != mesosproto.Value_SCALAR || g.GetAddition().GetType() != mesosproto.Value_SCALAR {
		return nil, nil, mesosErr("Incompatible resources in the 'GrowVolume.volume' and 'GrowVolume.addition' fields")
	}
	vol := toMilli(g.GetVolume().GetScalar().GetValue())
	add := toMilli(g.GetAddition().GetScalar().GetValue())
	consumed = resources{vk: {typ: mesosproto.Value_SCALAR, scalar: vol}, ak: {typ: mesosproto.Value_SCALAR, scalar: add}}
	converted = resources{vk: {typ: mesosproto.Value_SCALAR, scalar: vol + add}}
	return consumed, converted, nil
}

// shrinkConversion is SHRINK_VOLUME: a volume becomes a smaller one and freed disk.
func shrinkConversion(sh *mesosproto.Offer_Operation_ShrinkVolume) (consumed, converted resources, err error) {
	sub := toMilli(sh.GetSubtract().GetValue())
	vol := toMilli(sh.GetVolume().GetScalar().GetValue())
	switch {
	case sub <= 0:
		return nil, nil, mesosErr("Value of 'ShrinkVolume.subtract' must be greater than zero")
	case vol <= sub:
		return nil, nil, mesosErr("Value of 'ShrinkVolume.subtract' must be smaller than the size of 'ShrinkVolume.volume'")
	case sh.GetVolume().GetDisk().GetSource().GetType() == mesosproto.Resource_DiskInfo_Source_MOUNT:
		return nil, nil, mesosErr("Shrinking a volume on a MOUNT disk is not supported")
	}
	if err := validatePersistentVolumes([]*mesosproto.Resource{sh.GetVolume()}); err != nil {
		return nil, nil, mesosErr("Invalid persistent volume in the 'ShrinkVolume.volume' field: " + err.Error())
	}
	if sh.GetVolume().Shared != nil {
		return nil, nil, mesosErr("Shrinking a shared persistent volume is not supported")
	}
	vk := keyOf(sh.GetVolume())
	consumed = resources{vk: {typ: mesosproto.Value_SCALAR, scalar: vol}}
	converted = resources{vk: {typ: mesosproto.Value_SCALAR, scalar: vol - sub}, vk.stripVolume(): {typ: mesosproto.Value_SCALAR, scalar: sub}}
	return consumed, converted, nil
}

// validatePersistentVolumes is resource::validatePersistentVolume.
func validatePersistentVolumes(vols []*mesosproto.Resource) error {
	for _, v := range vols {
		switch d := v.GetDisk(); {
		case d == nil:
			return mesosErr("Not a persistent volume: Resource " + keyOf(v).describe() + " does not have DiskInfo")
		case d.Persistence == nil:
			return mesosErr("Not a persistent volume: 'persistence' is not set in DiskInfo")
		case d.Volume == nil:
			return mesosErr("Not a persistent volume: Expecting 'volume' to be set for persistent volume")
		case d.GetVolume().GetMode() == mesosproto.Volume_RO:
			return mesosErr("Not a persistent volume: Read-only persistent volume not supported")
		}
	}
	return nil
}

// popReservation removes the last reservation (Resources::popReservation).
func (k rkey) popReservation() rkey {
	tmpl := k.template()
	if n := len(tmpl.Reservations); n > 0 {
		tmpl.Reservations = tmpl.Reservations[:n-1]
	}
	return keyFromTemplate(k.name, tmpl)
}

// stripVolume removes persistence and volume from a disk: the disk the
// volume was created from.
func (k rkey) stripVolume() rkey {
	tmpl := k.template()
	if d := tmpl.Disk; d != nil {
		if d.Source == nil {
			tmpl.Disk = nil
		} else {
			d.Persistence, d.Volume = nil, nil
		}
	}
	return keyFromTemplate(k.name, tmpl)
}

// mapKeys returns rs with every key replaced by f(key), values added up.
func (rs resources) mapKeys(f func(rkey) rkey) resources {
	out := resources{}
	for k, v := range rs {
		_ = out.addOne(f(k), v)
	}
	return out
}

// unreserved drops every reservation (Resources::toUnreserved).
func (rs resources) unreserved() resources {
	return rs.mapKeys(func(k rkey) rkey {
		tmpl := k.template()
		tmpl.Reservations = nil
		return keyFromTemplate(k.name, tmpl)
	})
}

func (rs resources) equal(o resources) bool { return rs.contains(o) && o.contains(rs) }

// startOperationLocked records an applied operation with feedback and
// sends its OPERATION_FINISHED.
func (m *master) startOperationLocked(fw *framework, a *agent, op *mesosproto.Offer_Operation) {
	key := opKey{fw.id, op.GetId().GetValue()}
	if old := a.operations[key]; old != nil {
		old.stopLocked()
	}
	run := &operationRun{
		s:     m.s,
		key:   key,
		agent: a,
		uuid:  newUUIDBytes(),
		info:  proto.Clone(op).(*mesosproto.Offer_Operation),
		latest: &mesosproto.OperationStatus{
			OperationId: proto.Clone(op.GetId()).(*mesosproto.OperationID),
			State:       mesosproto.OperationState_OPERATION_FINISHED.Enum(),
			Uuid:        &mesosproto.UUID{Value: newUUIDBytes()},
			AgentId:     &mesosproto.AgentID{Value: proto.String(a.id)},
		},
	}
	a.operations[key] = run
	run.forwardLocked(true)
}

func (run *operationRun) stopLocked() {
	if run.timer != nil {
		run.timer.Stop()
		run.timer = nil
	}
	run.gen++
}

// forwardLocked sends the unacknowledged status to the framework through
// the leading master, if the agent is registered with it and the framework
// is connected, and arms the retry timer; reset starts again from the base
// interval.
func (run *operationRun) forwardLocked(reset bool) {
	s := run.s
	if reset || run.interval == 0 {
		run.interval = s.cfg.updateRetryInterval
	}
	if m := s.leaderLocked(); m != nil && m.registeredLocked(run.agent) {
		if fw := m.st.frameworks[run.key.framework]; fw != nil {
			fw.sendLocked(operationUpdateEvent(proto.Clone(run.latest).(*mesosproto.OperationStatus)))
		}
	}
	run.stopLocked()
	gen := run.gen
	run.timer = s.afterLocked(run.interval, func() {
		if run.gen != gen || run.agent.operations[run.key] != run {
			return
		}
		run.interval = min(2*run.interval, s.cfg.updateRetryMax)
		run.forwardLocked(false)
	})
}

func operationUpdateEvent(st *mesosproto.OperationStatus) *schedulerpb.Event {
	return &schedulerpb.Event{
		Type:                  schedulerpb.Event_UPDATE_OPERATION_STATUS.Enum(),
		UpdateOperationStatus: &schedulerpb.Event_UpdateOperationStatus{Status: st},
	}
}

// acknowledgeOperationLocked is Master::acknowledgeOperationStatus and the
// agent's acknowledgement: unknown or unregistered agents, unknown
// operations and unknown status uuids are ignored; acknowledging the
// terminal status removes the operation.
func (m *master) acknowledgeOperationLocked(fw *framework, ack *schedulerpb.Call_AcknowledgeOperationStatus) {
	a := m.s.agentByID[ack.GetAgentId().GetValue()]
	if !m.registeredLocked(a) {
		return
	}
	run := a.operations[opKey{fw.id, ack.GetOperationId().GetValue()}]
	if run == nil || !bytes.Equal(run.latest.GetUuid().GetValue(), ack.GetUuid()) {
		return
	}
	run.stopLocked()
	delete(a.operations, run.key) // OPERATION_FINISHED is terminal
	m.checkDrainedLocked(a)       // Master::acknowledgeOperationStatus (operator_drain.go)
	m.s.log.Debug("operation acknowledged", zap.String("framework_id", fw.id), zap.String("operation_id", run.key.id))
	m.s.notifyLocked()
}

// findOperationLocked returns the framework's operation with feedback that
// the master knows (on a registered agent), if any.
func (m *master) findOperationLocked(fwID, opID string) *operationRun {
	for _, a := range m.s.agents {
		if run := a.operations[opKey{fwID, opID}]; run != nil && m.registeredLocked(a) {
			return run
		}
	}
	return nil
}

// reconcileOperationsLocked is Master::reconcileOperations: answers are
// UPDATE_OPERATION_STATUS events without uuid. Implicit (no operation
// listed): the latest status of every operation the master knows for the
// framework. Explicit, per operation: known → its latest status; unknown
// on a recovered agent → OPERATION_RECOVERING; on a registered agent →
// OPERATION_UNKNOWN; on an unreachable agent → OPERATION_UNREACHABLE;
// agent unknown or not named → OPERATION_UNKNOWN.
func (m *master) reconcileOperationsLocked(fw *framework, ro *schedulerpb.Call_ReconcileOperations) {
	s := m.s
	send := func(st *mesosproto.OperationStatus) { fw.sendLocked(operationUpdateEvent(st)) }
	latest := func(run *operationRun) *mesosproto.OperationStatus {
		st := proto.Clone(run.latest).(*mesosproto.OperationStatus)
		st.Uuid = nil // not sent reliably
		return st
	}
	if len(ro.GetOperations()) == 0 {
		var runs []*operationRun
		for _, a := range s.agents {
			if !m.registeredLocked(a) {
				continue
			}
			for k, run := range a.operations {
				if k.framework == fw.id {
					runs = append(runs, run)
				}
			}
		}
		sort.Slice(runs, func(i, j int) bool { return runs[i].key.id < runs[j].key.id })
		for _, run := range runs {
			send(latest(run))
		}
		return
	}
	for _, op := range ro.GetOperations() {
		if run := m.findOperationLocked(fw.id, op.GetOperationId().GetValue()); run != nil {
			send(latest(run))
			continue
		}
		agentID := op.GetAgentId().GetValue()
		a := s.agentByID[agentID]
		st := &mesosproto.OperationStatus{OperationId: op.GetOperationId(), AgentId: op.GetAgentId(), ResourceProviderId: op.GetResourceProviderId()}
		set := func(state mesosproto.OperationState, msg string) {
			st.State, st.Message = state.Enum(), proto.String(msg)
		}
		switch {
		case op.AgentId != nil && m.st.recovered[agentID]:
			set(mesosproto.OperationState_OPERATION_RECOVERING, "Reconciliation: Agent is recovered but has not re-registered")
		case op.AgentId != nil && m.registeredLocked(a):
			set(mesosproto.OperationState_OPERATION_UNKNOWN, "Reconciliation: Operation is unknown")
		case op.AgentId != nil && a != nil && a.unreachable != nil:
			set(mesosproto.OperationState_OPERATION_UNREACHABLE, "Reconciliation: Agent is unreachable")
		case op.AgentId != nil:
			set(mesosproto.OperationState_OPERATION_UNKNOWN, "Reconciliation: Both operation and agent are unknown")
		default:
			set(mesosproto.OperationState_OPERATION_UNKNOWN, "Reconciliation: Operation is unknown and no 'agent_id' was provided")
		}
		send(st)
	}
}

// dropFrameworkOperationsLocked forgets the operations of a removed
// framework (the master acknowledges orphaned operations itself).
func (s *Server) dropFrameworkOperationsLocked(fwID string) {
	for _, a := range s.agents {
		for k, run := range a.operations {
			if k.framework == fwID {
				run.stopLocked()
				delete(a.operations, k)
			}
		}
	}
}

// Operation returns the latest status of an operation with feedback
// (Offer.Operation.id set) of a framework, while the master still tracks it:
// ok is false once its terminal status has been acknowledged, or if there
// never was such an operation.
func (s *Server) Operation(frameworkID, operationID string) (status *mesosproto.OperationStatus, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, a := range s.agents {
		if run := a.operations[opKey{frameworkID, operationID}]; run != nil {
			return proto.Clone(run.latest).(*mesosproto.OperationStatus), true
		}
	}
	return nil, false
}
