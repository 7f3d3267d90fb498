// SPDX-License-Identifier: Apache-2.0

package mesostest

import (
	"errors"
	"syscall"

	"go.uber.org/zap"
	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/schedulerpb"
)

// An agent of mesostest is a Mesos agent started with
// --containerizers=mesos and no --image_providers: it runs MESOS
// containers on the host file system and nothing else, unless
// WithImageEmulation is given.

// WithImageEmulation lets agents run tasks and executors whose ContainerInfo
// is DOCKER, or MESOS with an image, which a default agent cannot launch
// (see containerUnsupported). The image is not used: the command runs on the
// host, in the sandbox, under the container's argv rules (Docker with
// shell=false runs CommandInfo.value followed by its arguments; Mesos with
// shell=false runs value with arguments as the whole argv; shell=true is
// "/bin/sh -c value" for both), and the agent logs a warning naming the
// image it did not use. The executors' status updates show the container's
// network (ContainerInfo.network_infos, the Docker port mappings) in
// container_status.network_infos, with the agent's IP. So frameworks whose
// tasks all name an image can run locally, as long as the host has the
// programs they run.
func WithImageEmulation() Option { return func(c *config) { c.agent.emulateImages = true } }

// containerUnsupported is how a default agent (--containerizers=mesos, no
// image providers) ends a launch it cannot do, or nil when it can:
//
//   - a container that is not MESOS (DOCKER): MesosContainerizerProcess::launch
//     answers NOT_SUPPORTED (src/slave/containerizer/mesos/containerizer.cpp);
//     Slave::executorLaunched only logs it, and the containerizer's wait for
//     the unknown container returns None at once, so Slave::executorTerminated
//     fails the executor's tasks through sendExecutorTerminatedStatusUpdate:
//     TASK_FAILED, REASON_EXECUTOR_TERMINATED, "Abnormal executor
//     termination: unknown container";
//   - a MESOS container with an image: the provisioner has no store for its
//     type (ProvisionerProcess::provision, provisioner.cpp), the launch fails
//     and Slave::executorLaunched sets the pending termination: TASK_FAILED,
//     REASON_CONTAINER_LAUNCH_FAILED, "Failed to launch container:
//     Unsupported container image type: <type>".
//
// Either way the update comes from the agent and no executor ever ran; for
// a custom executor the master tells the framework with a FAILURE of
// status -1 (Slave::executorTerminated's "unknown status").
func containerUnsupported(ci *mesosproto.ContainerInfo) *termination {
	switch {
	case ci == nil:
		return nil
	case ci.GetType() != mesosproto.ContainerInfo_MESOS:
		return &termination{mesosproto.TaskState_TASK_FAILED, mesosproto.TaskStatus_REASON_EXECUTOR_TERMINATED,
			"Abnormal executor termination: unknown container"}
	case ci.GetMesos().GetImage() != nil:
		return &termination{mesosproto.TaskState_TASK_FAILED, mesosproto.TaskStatus_REASON_CONTAINER_LAUNCH_FAILED,
			"Failed to launch container: Unsupported container image type: " + ci.GetMesos().GetImage().GetType().String()}
	}
	return nil
}

// imageName names the image of a container, "" when it has none.
func imageName(ci *mesosproto.ContainerInfo) string {
	if ci.GetType() == mesosproto.ContainerInfo_DOCKER {
		return ci.GetDocker().GetImage()
	}
	img := ci.GetMesos().GetImage()
	if img.GetType() == mesosproto.Image_APPC {
		return img.GetAppc().GetName()
	}
	return img.GetDocker().GetName()
}

// emulated reports whether the server emulates ci's image.
func (s *Server) emulated(ci *mesosproto.ContainerInfo) bool {
	return s.cfg.agent.emulateImages && containerUnsupported(ci) != nil
}

// containerCheckLocked decides whether the container ci can be launched:
// the termination of containerUnsupported, or nil (after a warning naming
// the image, when it is emulated).
func (s *Server) containerCheckLocked(ci *mesosproto.ContainerInfo, fields ...zap.Field) *termination {
	term := containerUnsupported(ci)
	if term == nil {
		return nil
	}
	if !s.cfg.agent.emulateImages {
		s.log.Info("container cannot be launched", append(fields, zap.String("message", term.message))...)
		return term
	}
	s.log.Warn("image emulation: running the command on the host, without its image",
		append(fields, zap.String("image", imageName(ci)), zap.Stringer("container_type", ci.GetType()))...)
	return nil
}

// launchContainer prepares a command task's container before its command
// executor starts: the containerizer's checks, then the fetcher (without
// s.mu). It returns the command to run, or false when the launch failed
// and the task got its terminal update from the agent.
func (t *task) launchContainer() (*mesosproto.CommandInfo, bool) {
	s := t.s
	s.mu.Lock()
	if t.gone || t.terminated {
		s.mu.Unlock()
		return nil, false
	}
	ci := t.info.GetContainer()
	fail := func(term *termination) {
		t.statusLocked(term.state, term.message, term.reason.Enum(), mesosproto.TaskStatus_SOURCE_AGENT)
	}
	if term := s.containerCheckLocked(ci, zap.String("task_id", t.key.task)); term != nil {
		fail(term)
		s.mu.Unlock()
		return nil, false
	}
	cmd, err := s.containerCommand(ci, t.info.GetCommand())
	if err != nil {
		fail(&termination{mesosproto.TaskState_TASK_FAILED, mesosproto.TaskStatus_REASON_CONTAINER_LAUNCH_FAILED,
			"Failed to launch container: " + err.Error()})
		s.mu.Unlock()
		return nil, false
	}
	uris, ctx := t.info.GetCommand().GetUris(), t.agent.exec().ctx
	s.mu.Unlock()

	err = s.fetchURIs(ctx, t.containerID, t.sandbox, uris) // agent_fetcher.go
	if err == nil {
		return cmd, true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.log.Info("fetch failed", zap.String("task_id", t.key.task), zap.Error(err))
	fail(&termination{mesosproto.TaskState_TASK_FAILED, mesosproto.TaskStatus_REASON_CONTAINER_LAUNCH_FAILED,
		"Failed to launch container: " + err.Error()})
	return nil, false
}

// errNoCommand is an emulated Docker container without a command: the
// image's own entrypoint would run, which emulation cannot know.
var errNoCommand = errors.New("mesostest: image emulation needs CommandInfo.value (the image's entrypoint is unknown)")

// containerCommand is the CommandInfo run for ci: for an emulated Docker
// container with shell=false, value followed by the arguments as argv, as
// "docker run <image> <value> <arguments...>" does (src/docker/docker.cpp
// Docker::run); otherwise ci's command as the Mesos containerizer runs it
// (launch.cpp: shell=false takes the arguments as the whole argv).
func (s *Server) containerCommand(ci *mesosproto.ContainerInfo, cmd *mesosproto.CommandInfo) (*mesosproto.CommandInfo, error) {
	if !s.emulated(ci) || ci.GetType() != mesosproto.ContainerInfo_DOCKER || cmd.GetShell() {
		return cmd, nil
	}
	if cmd.GetValue() == "" {
		return nil, errNoCommand
	}
	c := proto.Clone(cmd).(*mesosproto.CommandInfo)
	c.Arguments = append([]string{cmd.GetValue()}, cmd.GetArguments()...)
	return c, nil
}

// emulatedNetworkInfos are the NetworkInfos an emulated container shows:
// its ContainerInfo.network_infos (one empty one when it has none) with the
// Docker port mappings added to the first.
func (s *Server) emulatedNetworkInfos(ci *mesosproto.ContainerInfo) []*mesosproto.NetworkInfo {
	if !s.emulated(ci) {
		return nil
	}
	var nis []*mesosproto.NetworkInfo
	for _, ni := range ci.GetNetworkInfos() {
		nis = append(nis, proto.Clone(ni).(*mesosproto.NetworkInfo))
	}
	if len(nis) == 0 {
		nis = []*mesosproto.NetworkInfo{{}}
	}
	for _, pm := range ci.GetDocker().GetPortMappings() {
		nis[0].PortMappings = append(nis[0].PortMappings, &mesosproto.NetworkInfo_PortMapping{
			HostPort: proto.Uint32(pm.GetHostPort()), ContainerPort: proto.Uint32(pm.GetContainerPort()), Protocol: pm.Protocol})
	}
	return nis
}

// emulatedNetworkInfos of a command task's container.
func (t *task) emulatedNetworkInfos() []*mesosproto.NetworkInfo {
	return t.s.emulatedNetworkInfos(t.info.GetContainer())
}

// executorNotLaunchedLocked ends the tasks of a custom executor whose
// container cannot be launched (containerUnsupported): the agent's updates,
// and the master's FAILURE of status -1 (Slave::executorTerminated sends
// ExitedExecutorMessage with -1 when the termination has no status).
func (s *Server) executorNotLaunchedLocked(fw *framework, a *agent, key executorKey, tasks []*task, term *termination) {
	for _, t := range tasks {
		t.executorID = key.executor
		t.statusLocked(term.state, term.message, term.reason.Enum(), mesosproto.TaskStatus_SOURCE_AGENT)
	}
	s.executorFailureLocked(a, key, -1)
}

// executorFailureLocked is Master::exitedExecutor telling the framework
// (unless the agent is not registered with the leading master).
func (s *Server) executorFailureLocked(a *agent, key executorKey, status int32) {
	m := s.leaderLocked()
	if m == nil || m.st == nil || !m.registeredLocked(a) {
		return
	}
	if fw := m.st.frameworks[key.framework]; fw != nil {
		fw.sendLocked(&schedulerpb.Event{Type: schedulerpb.Event_FAILURE.Enum(), Failure: &schedulerpb.Event_Failure{
			AgentId:    &mesosproto.AgentID{Value: proto.String(a.id)},
			ExecutorId: &mesosproto.ExecutorID{Value: proto.String(key.executor)},
			Status:     proto.Int32(status),
		}})
	}
}

// fetchFailed ends an executor whose URIs could not be fetched: the launch
// failed after the containerizer forked the container's helper, which the
// destruction kills (Slave::executorLaunched: TASK_FAILED,
// REASON_CONTAINER_LAUNCH_FAILED, "Failed to launch container: <error>";
// the executor's exit status is that of the killed helper).
func (run *executorRun) fetchFailed(err error) {
	s := run.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if run.termination == nil {
		run.termination = &termination{mesosproto.TaskState_TASK_FAILED,
			mesosproto.TaskStatus_REASON_CONTAINER_LAUNCH_FAILED, "Failed to launch container: " + err.Error()}
	}
	killed := int32(syscall.SIGKILL)
	run.exitedLocked("terminated with signal Killed", &killed)
}
