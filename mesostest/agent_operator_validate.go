// SPDX-License-Identifier: Apache-2.0

//lint:file-ignore SA1019 an agent still serves the deprecated nested-container calls

package mesostest

import (
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/agentpb"
)

// agentPayloads names the payload field each agent call type must carry
// (validation::agent::call::validate, src/slave/validation.cpp).
var agentPayloads = map[agentpb.Call_Type]protoreflect.Name{
	agentpb.Call_GET_METRICS:                     "get_metrics",
	agentpb.Call_SET_LOGGING_LEVEL:               "set_logging_level",
	agentpb.Call_LIST_FILES:                      "list_files",
	agentpb.Call_READ_FILE:                       "read_file",
	agentpb.Call_LAUNCH_NESTED_CONTAINER:         "launch_nested_container",
	agentpb.Call_WAIT_NESTED_CONTAINER:           "wait_nested_container",
	agentpb.Call_KILL_NESTED_CONTAINER:           "kill_nested_container",
	agentpb.Call_REMOVE_NESTED_CONTAINER:         "remove_nested_container",
	agentpb.Call_LAUNCH_NESTED_CONTAINER_SESSION: "launch_nested_container_session",
	agentpb.Call_ATTACH_CONTAINER_INPUT:          "attach_container_input",
	agentpb.Call_ATTACH_CONTAINER_OUTPUT:         "attach_container_output",
	agentpb.Call_LAUNCH_CONTAINER:                "launch_container",
	agentpb.Call_WAIT_CONTAINER:                  "wait_container",
	agentpb.Call_KILL_CONTAINER:                  "kill_container",
	agentpb.Call_REMOVE_CONTAINER:                "remove_container",
	agentpb.Call_ADD_RESOURCE_PROVIDER_CONFIG:    "add_resource_provider_config",
	agentpb.Call_UPDATE_RESOURCE_PROVIDER_CONFIG: "update_resource_provider_config",
	agentpb.Call_REMOVE_RESOURCE_PROVIDER_CONFIG: "remove_resource_provider_config",
	agentpb.Call_MARK_RESOURCE_PROVIDER_GONE:     "mark_resource_provider_gone",
}

// validateAgentCall is validation::agent::call::validate: the message after
// "Failed to validate agent::Call: ", or "" when the call is valid. It checks
// the type, the payload, the parent of nested containers' ids, the
// ContainerID rules (validateContainerId) and the resource provider
// configs' unset id; the CommandInfo, ContainerInfo and resources checks of
// the launch calls are not applied (docs/MESOSTEST-DEVIATIONS.md).
func validateAgentCall(call *agentpb.Call) string {
	if call.Type == nil {
		return "Expecting 'type' to be present"
	}
	name, ok := agentPayloads[call.GetType()]
	if !ok {
		return ""
	}
	m := call.ProtoReflect()
	if !m.Has(m.Descriptor().Fields().ByName(name)) {
		return "Expecting '" + string(name) + "' to be present"
	}
	var id *mesosproto.ContainerID
	nested := false
	switch call.GetType() {
	case agentpb.Call_LAUNCH_NESTED_CONTAINER:
		id, nested = call.GetLaunchNestedContainer().GetContainerId(), true
	case agentpb.Call_WAIT_NESTED_CONTAINER:
		id, nested = call.GetWaitNestedContainer().GetContainerId(), true
	case agentpb.Call_KILL_NESTED_CONTAINER:
		id, nested = call.GetKillNestedContainer().GetContainerId(), true
	case agentpb.Call_REMOVE_NESTED_CONTAINER:
		id, nested = call.GetRemoveNestedContainer().GetContainerId(), true
	case agentpb.Call_LAUNCH_NESTED_CONTAINER_SESSION:
		id, nested = call.GetLaunchNestedContainerSession().GetContainerId(), true
	case agentpb.Call_ATTACH_CONTAINER_INPUT:
		in := call.GetAttachContainerInput()
		switch {
		case in.Type == nil:
			return "Expecting 'attach_container_input.type' to be present"
		case in.GetType() == agentpb.Call_AttachContainerInput_UNKNOWN:
			return "'attach_container_input.type' is unknown"
		case in.GetType() == agentpb.Call_AttachContainerInput_CONTAINER_ID:
			id = in.GetContainerId()
		}
	case agentpb.Call_ATTACH_CONTAINER_OUTPUT:
		id = call.GetAttachContainerOutput().GetContainerId()
	case agentpb.Call_LAUNCH_CONTAINER:
		id = call.GetLaunchContainer().GetContainerId()
	case agentpb.Call_WAIT_CONTAINER:
		id = call.GetWaitContainer().GetContainerId()
	case agentpb.Call_KILL_CONTAINER:
		id = call.GetKillContainer().GetContainerId()
	case agentpb.Call_REMOVE_CONTAINER:
		id = call.GetRemoveContainer().GetContainerId()
	case agentpb.Call_ADD_RESOURCE_PROVIDER_CONFIG:
		if call.GetAddResourceProviderConfig().GetInfo().Id != nil {
			return "Expecting 'add_resource_provider_config.info.id' to be unset"
		}
	case agentpb.Call_UPDATE_RESOURCE_PROVIDER_CONFIG:
		if call.GetUpdateResourceProviderConfig().GetInfo().Id != nil {
			return "Expecting 'update_resource_provider_config.info.id' to be unset"
		}
	}
	if id == nil {
		return ""
	}
	if err := validateContainerID(id); err != "" {
		return "'" + string(name) + ".container_id' is invalid: " + err
	}
	if nested && id.Parent == nil {
		return "Expecting '" + string(name) + ".container_id.parent' to be present"
	}
	return ""
}

// validateContainerID is validation::container::validateContainerId
// (src/slave/validation.cpp): the common ID rules, at most 242 characters
// (MAX_CONTAINER_ID_LENGTH), no '.' or ' ', and a valid parent.
func validateContainerID(id *mesosproto.ContainerID) string {
	v := id.GetValue()
	if err := validateID(v); err != nil {
		return err.Error()
	}
	if len(v) > 242 {
		return "'ContainerID.value' '" + v + "' exceeds the maximum length (242)"
	}
	for _, c := range v {
		if c == '.' || c == ' ' {
			return "'ContainerID.value' '" + v + "' contains invalid characters"
		}
	}
	if id.Parent != nil {
		if err := validateContainerID(id.Parent); err != "" {
			return "'ContainerID.parent' is invalid: " + err
		}
	}
	return ""
}
