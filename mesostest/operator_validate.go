// SPDX-License-Identifier: Apache-2.0

package mesostest

import (
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/mesoskit/mesoskit/mesosproto/masterpb"
)

// operatorPayloads names the payload field each call type must carry
// (validation::master::call::validate, src/master/validation.cpp); types
// not listed need none.
var operatorPayloads = map[masterpb.Call_Type]protoreflect.Name{
	masterpb.Call_GET_METRICS:                 "get_metrics",
	masterpb.Call_SET_LOGGING_LEVEL:           "set_logging_level",
	masterpb.Call_LIST_FILES:                  "list_files",
	masterpb.Call_READ_FILE:                   "read_file",
	masterpb.Call_UPDATE_WEIGHTS:              "update_weights",
	masterpb.Call_RESERVE_RESOURCES:           "reserve_resources",
	masterpb.Call_UNRESERVE_RESOURCES:         "unreserve_resources",
	masterpb.Call_CREATE_VOLUMES:              "create_volumes",
	masterpb.Call_DESTROY_VOLUMES:             "destroy_volumes",
	masterpb.Call_GROW_VOLUME:                 "grow_volume",
	masterpb.Call_SHRINK_VOLUME:               "shrink_volume",
	masterpb.Call_UPDATE_MAINTENANCE_SCHEDULE: "update_maintenance_schedule",
	masterpb.Call_START_MAINTENANCE:           "start_maintenance",
	masterpb.Call_STOP_MAINTENANCE:            "stop_maintenance",
	masterpb.Call_DRAIN_AGENT:                 "drain_agent",
	masterpb.Call_DEACTIVATE_AGENT:            "deactivate_agent",
	masterpb.Call_REACTIVATE_AGENT:            "reactivate_agent",
	masterpb.Call_UPDATE_QUOTA:                "update_quota",
	//lint:ignore SA1019 a master still validates the deprecated quota calls
	masterpb.Call_SET_QUOTA: "set_quota",
	//lint:ignore SA1019 a master still validates the deprecated quota calls
	masterpb.Call_REMOVE_QUOTA:    "remove_quota",
	masterpb.Call_TEARDOWN:        "teardown",
	masterpb.Call_MARK_AGENT_GONE: "mark_agent_gone",
}

// validateOperatorCall is validation::master::call::validate: the message
// after "Failed to validate master::Call: ", or "" when the call is valid.
// Required fields were checked by the parser already (a protobuf body
// missing one does not parse; a JSON one fails the conversion), so the
// "Not initialized" case cannot happen here. The Resources::validate checks
// of RESERVE_RESOURCES and UNRESERVE_RESOURCES are not applied.
func validateOperatorCall(call *masterpb.Call) string {
	if call.Type == nil {
		return "Expecting 'type' to be present"
	}
	if name, ok := operatorPayloads[call.GetType()]; ok {
		m := call.ProtoReflect()
		if !m.Has(m.Descriptor().Fields().ByName(name)) {
			return "Expecting '" + string(name) + "' to be present"
		}
	}
	switch call.GetType() {
	case masterpb.Call_GROW_VOLUME, masterpb.Call_SHRINK_VOLUME:
		has := call.GetGrowVolume().GetAgentId() != nil
		if call.GetType() == masterpb.Call_SHRINK_VOLUME {
			has = call.GetShrinkVolume().GetAgentId() != nil
		}
		if !has {
			return "Expecting 'agent_id' to be present; only agent default resources are supported right now"
		}
	}
	return ""
}
