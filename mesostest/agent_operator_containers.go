// SPDX-License-Identifier: Apache-2.0

//lint:file-ignore SA1019 an agent still serves the deprecated nested-container calls

package mesostest

import (
	"net/http"

	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/agentpb"
)

// agentContainerCallLocked answers the agent operator API's container,
// resource provider and image calls. The fake agent runs its executors as
// host processes and has no container API of its own: it answers as an
// agent whose containerizer (src/slave/containerizer/containerizer.hpp,
// with DockerContainerizer's choices, src/slave/containerizer/docker.cpp)
// supports neither nested nor standalone containers, attach nor remove, and
// started without --resource_provider_config_dir:
//
//   - LAUNCH_NESTED_CONTAINER, LAUNCH_NESTED_CONTAINER_SESSION and
//     LAUNCH_CONTAINER of a nested container: the launch fails "Nested
//     containers are not supported" (DockerContainerizerProcess::launch), which
//     Http::_launchContainer answers 400 with the failure;
//   - LAUNCH_CONTAINER of a standalone container: NOT_SUPPORTED, 400 "The
//     provided ContainerInfo is not supported" (Http::_launchContainer);
//   - WAIT_NESTED_CONTAINER, WAIT_CONTAINER: no such container, 404
//     "Container <id> cannot be found" (Http::_waitContainer);
//   - KILL_NESTED_CONTAINER, KILL_CONTAINER: 404 "Container '<id>' cannot be
//     found (or is already killed)" (Http::_killContainer);
//   - REMOVE_NESTED_CONTAINER, REMOVE_CONTAINER: Containerizer::remove fails
//     "Unsupported", a 500 with that body (Http::_removeContainer; libprocess
//     answers a failed response future with InternalServerError(failure));
//   - ATTACH_CONTAINER_INPUT (CONTAINER_ID), ATTACH_CONTAINER_OUTPUT: 404
//     "Container <id> cannot be found" unless the container's root is a live
//     executor's, then Containerizer::attach fails "Unsupported": 500
//     (Http::attachContainerInput, attachContainerOutput); an
//     ATTACH_CONTAINER_INPUT of PROCESS_IO first is 400 "Expecting
//     'attach_container_input.type' to be CONTAINER_ID";
//   - ADD_, UPDATE_, REMOVE_RESOURCE_PROVIDER_CONFIG: the daemon fails
//     "Missing required flag --resource_provider_config_dir": 500
//     (LocalResourceProviderDaemonProcess::add, update, remove in
//     src/resource_provider/daemon.cpp);
//   - MARK_RESOURCE_PROVIDER_GONE: OK (Slave::markResourceProviderGone of a
//     provider the agent does not hold, src/slave/slave.cpp);
//   - PRUNE_IMAGES: OK (DockerContainerizer::pruneImages does nothing);
//   - UNKNOWN: 501 with no body (Http::_api).
//
// The top-level containers of the executors are not found by WAIT_, KILL_
// and REMOVE_CONTAINER (docs/MESOSTEST-DEVIATIONS.md).
func (s *Server) agentContainerCallLocked(as *agentServer, call *agentpb.Call) (*agentpb.Response, int, string) {
	const unsupported = "Unsupported"
	switch call.GetType() {
	case agentpb.Call_LAUNCH_NESTED_CONTAINER, agentpb.Call_LAUNCH_NESTED_CONTAINER_SESSION:
		return nil, http.StatusBadRequest, "Nested containers are not supported"
	case agentpb.Call_LAUNCH_CONTAINER:
		if call.GetLaunchContainer().GetContainerId().GetParent() != nil {
			return nil, http.StatusBadRequest, "Nested containers are not supported"
		}
		return nil, http.StatusBadRequest, "The provided ContainerInfo is not supported"
	case agentpb.Call_WAIT_NESTED_CONTAINER, agentpb.Call_WAIT_CONTAINER:
		id := call.GetWaitContainer().GetContainerId()
		if call.GetType() == agentpb.Call_WAIT_NESTED_CONTAINER {
			id = call.GetWaitNestedContainer().GetContainerId()
		}
		return nil, http.StatusNotFound, "Container " + containerIDString(id) + " cannot be found"
	case agentpb.Call_KILL_NESTED_CONTAINER, agentpb.Call_KILL_CONTAINER:
		id := call.GetKillContainer().GetContainerId()
		if call.GetType() == agentpb.Call_KILL_NESTED_CONTAINER {
			id = call.GetKillNestedContainer().GetContainerId()
		}
		return nil, http.StatusNotFound, "Container '" + containerIDString(id) + "' cannot be found (or is already killed)"
	case agentpb.Call_REMOVE_NESTED_CONTAINER, agentpb.Call_REMOVE_CONTAINER:
		return nil, http.StatusInternalServerError, unsupported
	case agentpb.Call_ATTACH_CONTAINER_INPUT, agentpb.Call_ATTACH_CONTAINER_OUTPUT:
		id := call.GetAttachContainerOutput().GetContainerId()
		if call.GetType() == agentpb.Call_ATTACH_CONTAINER_INPUT {
			if call.GetAttachContainerInput().GetType() != agentpb.Call_AttachContainerInput_CONTAINER_ID {
				return nil, http.StatusBadRequest, "Expecting 'attach_container_input.type' to be CONTAINER_ID"
			}
			id = call.GetAttachContainerInput().GetContainerId()
		}
		root := id
		for root.GetParent() != nil {
			root = root.GetParent()
		}
		if r := as.runs.byContainer[root.GetValue()]; r != nil && r.liveLocked(s, as.a) { // Slave::getExecutor
			return nil, http.StatusInternalServerError, unsupported
		}
		return nil, http.StatusNotFound, "Container " + containerIDString(id) + " cannot be found"
	case agentpb.Call_ADD_RESOURCE_PROVIDER_CONFIG, agentpb.Call_UPDATE_RESOURCE_PROVIDER_CONFIG,
		agentpb.Call_REMOVE_RESOURCE_PROVIDER_CONFIG:
		return nil, http.StatusInternalServerError, "Missing required flag --resource_provider_config_dir"
	case agentpb.Call_MARK_RESOURCE_PROVIDER_GONE, agentpb.Call_PRUNE_IMAGES:
		return nil, http.StatusOK, ""
	}
	return nil, http.StatusNotImplemented, "" // UNKNOWN
}

// containerIDString is stringify(ContainerID) (src/common/type_utils.cpp):
// the parents' values first, joined by '.'.
func containerIDString(id *mesosproto.ContainerID) string {
	if id.GetParent() != nil {
		return containerIDString(id.GetParent()) + "." + id.GetValue()
	}
	return id.GetValue()
}
