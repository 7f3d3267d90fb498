// SPDX-License-Identifier: Apache-2.0

package mesostest

import (
	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/mesosproto"
)

// containerStatus is what Slave::_statusUpdate (src/slave/slave.cpp) merges
// into an update that an executor sent for a task it runs: the
// containerizer's status of the container (MesosContainerizerProcess::status:
// the container id, the launcher's executor_pid, the isolators' parts) and,
// when no isolator reported a NetworkInfo, one NetworkInfo with the IP of
// the agent's libprocess address. emulated carries the NetworkInfos of an
// emulated container image (agent_containers.go).
func containerStatus(containerID string, pid int, agentHostname string, emulated []*mesosproto.NetworkInfo) *mesosproto.ContainerStatus {
	cs := &mesosproto.ContainerStatus{ContainerId: &mesosproto.ContainerID{Value: proto.String(containerID)}}
	if pid > 0 {
		cs.ExecutorPid = proto.Uint32(uint32(pid))
	}
	ip := agentIP(agentHostname)
	for _, ni := range emulated {
		ni = proto.Clone(ni).(*mesosproto.NetworkInfo)
		if len(ni.GetIpAddresses()) == 0 {
			ni.IpAddresses = []*mesosproto.NetworkInfo_IPAddress{{IpAddress: proto.String(ip)}}
		}
		cs.NetworkInfos = append(cs.NetworkInfos, ni)
	}
	if len(cs.NetworkInfos) == 0 {
		// The protocol is left unset: IPv4 is its default.
		cs.NetworkInfos = []*mesosproto.NetworkInfo{{IpAddresses: []*mesosproto.NetworkInfo_IPAddress{{IpAddress: proto.String(ip)}}}}
	}
	return cs
}

// decorateExecutorUpdateLocked adds the container status to an update of
// the command executor (statusLocked, task.go): every update it sends goes
// through Slave::_statusUpdate while its container lives.
func (t *task) decorateExecutorUpdateLocked(p *pendingUpdate, source mesosproto.TaskStatus_Source) {
	if source != mesosproto.TaskStatus_SOURCE_EXECUTOR || t.containerID == "" || t.simulated {
		return
	}
	pid := 0
	if t.proc != nil {
		pid = t.proc.Pid
	}
	st := p.toProto()
	st.ContainerStatus = containerStatus(t.containerID, pid, t.agent.hostname, t.emulatedNetworkInfos())
	p.full = st
}

// mergeContainerStatusLocked is the same for an update from a custom
// executor: what the executor set stays (a container id it names is the
// container whose status is asked for, a nested one), the agent's status
// is merged in, and the agent's IP fills in when no NetworkInfo is there.
func (run *executorRun) mergeContainerStatusLocked(st *mesosproto.TaskStatus) {
	pid := 0
	if run.proc != nil {
		pid = run.proc.Pid
	}
	containerID := run.containerID
	if id := st.GetContainerStatus().GetContainerId(); id != nil {
		containerID = id.GetValue()
	}
	agentCS := containerStatus(containerID, pid, run.a.hostname, run.s.emulatedNetworkInfos(run.info.GetContainer()))
	if st.ContainerStatus == nil {
		st.ContainerStatus = agentCS
		return
	}
	own := st.ContainerStatus
	if own.ContainerId == nil {
		own.ContainerId = agentCS.ContainerId
	}
	if own.ExecutorPid == nil {
		own.ExecutorPid = agentCS.ExecutorPid
	}
	if len(own.NetworkInfos) == 0 {
		own.NetworkInfos = agentCS.NetworkInfos
	}
}
