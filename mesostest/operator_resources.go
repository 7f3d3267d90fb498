// SPDX-License-Identifier: Apache-2.0

package mesostest

import (
	"encoding/json"
	"net/http"
	"net/url"
	"sort"

	"go.uber.org/zap"

	"github.com/mesoskit/mesoskit/internal/httpapi"
	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/masterpb"
)

// operatorResourceOperationLocked applies an operator's RESERVE, UNRESERVE,
// CREATE, DESTROY, GROW_VOLUME or SHRINK_VOLUME to agent agentID's
// resources, as Master::Http::_reserve, _unreserve, _createVolumes,
// _destroyVolumes, growVolume, shrinkVolume and _operation do
// (src/master/http.cpp), for both the v1 calls and the /reserve,
// /unreserve, /create-volumes and /destroy-volumes endpoints:
//
//  1. the agent must be registered: 400 "No agent found with specified ID";
//  2. the operation is validated (validation::operation::validate, through
//     conversionLocked of operations.go, without a framework): 400 "Invalid
//     <TYPE> operation on agent <agent>: ..." ("Invalid UNRESERVE
//     operation: ...", "Invalid DESTROY operation: ..." name no agent);
//  3. the agent's outstanding offers are rescinded one at a time, while
//     they hold some of what the operation consumes, until the rescinded
//     resources cover it;
//  4. the allocator applies it to what it has available, the agent's total
//     minus what is used and offered (Master::apply,
//     HierarchicalAllocatorProcess::updateAvailable): when that does not
//     contain what the operation consumes, 409 Conflict "<available> does
//     not contain <consumed>" (ResourceConversion::apply,
//     src/common/resources.cpp); otherwise the agent's total changes and the
//     answer is 202 Accepted with no body.
func (m *master) operatorResourceOperationLocked(agentID string, op *mesosproto.Offer_Operation) (int, string) {
	s := m.s
	a := s.agentByID[agentID]
	if m.st == nil || a == nil || !m.registeredLocked(a) {
		return http.StatusBadRequest, "No agent found with specified ID"
	}
	typ := op.GetType()
	consumed, converted, err := m.conversionLocked(nil, a, "", op)
	if err != nil {
		switch typ {
		case mesosproto.Offer_Operation_UNRESERVE, mesosproto.Offer_Operation_DESTROY:
			return http.StatusBadRequest, "Invalid " + typ.String() + " operation: " + err.Error()
		}
		return http.StatusBadRequest, "Invalid " + typ.String() + " operation on agent " + agentPID(a) + ": " + err.Error()
	}

	required := consumed
	var offers []*offer
	for _, o := range m.st.offers {
		if o.agent == a {
			offers = append(offers, o)
		}
	}
	sort.Slice(offers, func(i, j int) bool { return offers[i].id < offers[j].id })
	var recovered resources
	for _, o := range offers {
		if required.minus(o.res).equal(required) {
			continue // rescinding it would not help
		}
		recovered = recovered.plus(o.res)
		required = required.minus(o.res)
		m.rescindOfferLocked(o)
		if recovered.contains(consumed) {
			break
		}
	}

	available := a.freeLocked()
	if !available.contains(consumed) {
		return http.StatusConflict, available.String() + " does not contain " + consumed.String()
	}
	a.setTotal(a.total.minus(consumed).plus(converted))
	s.log.Info("applied operator operation", zap.Stringer("type", typ), zap.String("agent_id", a.id),
		zap.String("consumed", consumed.String()), zap.String("converted", converted.String()))
	s.notifyLocked()
	s.kickAllocator()
	return http.StatusAccepted, ""
}

// operatorResourceCallLocked answers the v1 resource calls, each turned
// into its offer operation (Master::Http::reserveResources and the others).
func (m *master) operatorResourceCallLocked(call *masterpb.Call) (int, string, bool) {
	var agentID string
	op := &mesosproto.Offer_Operation{}
	switch call.GetType() {
	case masterpb.Call_RESERVE_RESOURCES:
		c := call.GetReserveResources()
		agentID = c.GetAgentId().GetValue()
		op.Type = mesosproto.Offer_Operation_RESERVE.Enum()
		op.Reserve = &mesosproto.Offer_Operation_Reserve{Source: c.GetSource(), Resources: c.GetResources()}
	case masterpb.Call_UNRESERVE_RESOURCES:
		c := call.GetUnreserveResources()
		agentID = c.GetAgentId().GetValue()
		op.Type = mesosproto.Offer_Operation_UNRESERVE.Enum()
		op.Unreserve = &mesosproto.Offer_Operation_Unreserve{Resources: c.GetResources()}
	case masterpb.Call_CREATE_VOLUMES:
		c := call.GetCreateVolumes()
		agentID = c.GetAgentId().GetValue()
		op.Type = mesosproto.Offer_Operation_CREATE.Enum()
		op.Create = &mesosproto.Offer_Operation_Create{Volumes: c.GetVolumes()}
	case masterpb.Call_DESTROY_VOLUMES:
		c := call.GetDestroyVolumes()
		agentID = c.GetAgentId().GetValue()
		op.Type = mesosproto.Offer_Operation_DESTROY.Enum()
		op.Destroy = &mesosproto.Offer_Operation_Destroy{Volumes: c.GetVolumes()}
	case masterpb.Call_GROW_VOLUME:
		c := call.GetGrowVolume()
		agentID = c.GetAgentId().GetValue()
		op.Type = mesosproto.Offer_Operation_GROW_VOLUME.Enum()
		op.GrowVolume = &mesosproto.Offer_Operation_GrowVolume{Volume: c.GetVolume(), Addition: c.GetAddition()}
	case masterpb.Call_SHRINK_VOLUME:
		c := call.GetShrinkVolume()
		agentID = c.GetAgentId().GetValue()
		op.Type = mesosproto.Offer_Operation_SHRINK_VOLUME.Enum()
		op.ShrinkVolume = &mesosproto.Offer_Operation_ShrinkVolume{Volume: c.GetVolume(), Subtract: c.GetSubtract()}
	default:
		return 0, "", false
	}
	status, body := m.operatorResourceOperationLocked(agentID, op)
	return status, body, true
}

// resourceOperationFromForm builds the offer operation of a /reserve,
// /unreserve, /create-volumes or /destroy-volumes request whose parameters
// passed their checks: param holds a JSON array of Resource objects
// (protobuf::parse of RepeatedPtrField<Resource>); a Resource that does not
// convert is 400 "<parseMsg>: <error>".
func resourceOperationFromForm(typ mesosproto.Offer_Operation_Type, vals url.Values, param, parseMsg string) (*mesosproto.Offer_Operation, string) {
	v := vals[param]
	var elems []json.RawMessage
	if err := json.Unmarshal([]byte(v[len(v)-1]), &elems); err != nil {
		return nil, parseMsg + ": " + err.Error()
	}
	list := make([]*mesosproto.Resource, 0, len(elems))
	for _, e := range elems {
		r := &mesosproto.Resource{}
		if err := httpapi.UnmarshalStrict(httpapi.MediaTypeJSON, e, r); err != nil {
			return nil, parseMsg + ": " + err.Error()
		}
		list = append(list, r)
	}
	op := &mesosproto.Offer_Operation{Type: typ.Enum()}
	switch typ {
	case mesosproto.Offer_Operation_RESERVE:
		op.Reserve = &mesosproto.Offer_Operation_Reserve{Resources: list}
	case mesosproto.Offer_Operation_UNRESERVE:
		op.Unreserve = &mesosproto.Offer_Operation_Unreserve{Resources: list}
	case mesosproto.Offer_Operation_CREATE:
		op.Create = &mesosproto.Offer_Operation_Create{Volumes: list}
	case mesosproto.Offer_Operation_DESTROY:
		op.Destroy = &mesosproto.Offer_Operation_Destroy{Volumes: list}
	}
	return op, ""
}
