// SPDX-License-Identifier: Apache-2.0

package scheduler

import (
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/mesosproto"
)

// NewCommandTask returns a task, named after its id, that runs command
// with /bin/sh -c on the agent using resources:
//
//	t := scheduler.NewCommandTask("web-1", offer.GetAgentId(), "echo hi",
//		scheduler.Scalar("cpus", 0.1), scheduler.Scalar("mem", 32))
//
// agentID may be nil when Match chooses the agent. For anything more, use
// NewTask or apply TaskOptions to the result (TaskEnv("K", "v")(t)).
func NewCommandTask(id string, agentID *mesosproto.AgentID, command string, resources ...*mesosproto.Resource) *mesosproto.TaskInfo {
	return NewTask(id, TaskAgent(agentID), TaskShell(command), TaskResources(resources...))
}

// A TaskOption sets part of a TaskInfo. It is a plain function: apply it to
// any TaskInfo with opt(t).
type TaskOption func(*mesosproto.TaskInfo)

// NewTask returns a task with id as task_id and name, shaped by opts:
//
//	t := scheduler.NewTask("web-1",
//		scheduler.TaskArgv("/usr/bin/python3", "-m", "http.server"),
//		scheduler.TaskResources(scheduler.Scalar("cpus", 0.5), scheduler.Scalar("mem", 128)),
//		scheduler.TaskEnv("PYTHONUNBUFFERED", "1"),
//		scheduler.TaskKillGrace(10*time.Second),
//		scheduler.TaskLabel("app", "web"))
//
// A task with a container image and no command value runs the image's
// entrypoint (NewTask sets shell to false for it).
func NewTask(id string, opts ...TaskOption) *mesosproto.TaskInfo {
	t := &mesosproto.TaskInfo{
		Name:   proto.String(id),
		TaskId: &mesosproto.TaskID{Value: proto.String(id)},
	}
	for _, o := range opts {
		o(t)
	}
	if t.Container != nil && t.Executor == nil {
		if t.Command == nil {
			t.Command = &mesosproto.CommandInfo{}
		}
		if t.Command.Value == nil && t.Command.Shell == nil {
			t.Command.Shell = proto.Bool(false)
		}
	}
	return t
}

func commandOf(t *mesosproto.TaskInfo) *mesosproto.CommandInfo {
	if t.Command == nil {
		t.Command = &mesosproto.CommandInfo{}
	}
	return t.Command
}

// TaskName sets the task's name (NewTask uses the id).
func TaskName(name string) TaskOption {
	return func(t *mesosproto.TaskInfo) { t.Name = proto.String(name) }
}

// TaskAgent sets the agent the task runs on (Match sets it from the offer).
func TaskAgent(id *mesosproto.AgentID) TaskOption {
	return func(t *mesosproto.TaskInfo) {
		if id == nil {
			t.AgentId = nil
			return
		}
		t.AgentId = proto.Clone(id).(*mesosproto.AgentID)
	}
}

// TaskResources adds resources to the task's (coalesced as Resources.Add
// does). For Match they are the task's needs.
func TaskResources(rs ...*mesosproto.Resource) TaskOption {
	return func(t *mesosproto.TaskInfo) { t.Resources = Resources(t.Resources).Add(rs...) }
}

// TaskShell makes the task run command with /bin/sh -c (CommandInfo shell
// true, Mesos's default).
func TaskShell(command string) TaskOption {
	return func(t *mesosproto.TaskInfo) {
		c := commandOf(t)
		c.Shell, c.Value, c.Arguments = proto.Bool(true), proto.String(command), nil
	}
}

// TaskArgv makes the task execute argv[0] (looked up in PATH) with argv as
// its arguments, without a shell (CommandInfo shell false; arguments
// include argv[0], as execvp expects). With no argv the command value is
// cleared: a container image then runs its entrypoint.
func TaskArgv(argv ...string) TaskOption {
	return func(t *mesosproto.TaskInfo) {
		c := commandOf(t)
		c.Shell, c.Value, c.Arguments = proto.Bool(false), nil, nil
		if len(argv) > 0 {
			c.Value, c.Arguments = proto.String(argv[0]), append([]string(nil), argv...)
		}
	}
}

// TaskEnv adds an environment variable to the task's command.
func TaskEnv(name, value string) TaskOption {
	return func(t *mesosproto.TaskInfo) {
		c := commandOf(t)
		if c.Environment == nil {
			c.Environment = &mesosproto.Environment{}
		}
		c.Environment.Variables = append(c.Environment.Variables, &mesosproto.Environment_Variable{
			Name: proto.String(name), Value: proto.String(value),
		})
	}
}

// TaskDockerImage runs the task in image with the Docker containerizer
// (ContainerInfo type DOCKER, host networking by default).
func TaskDockerImage(image string) TaskOption {
	return func(t *mesosproto.TaskInfo) {
		t.Container = &mesosproto.ContainerInfo{
			Type:   mesosproto.ContainerInfo_DOCKER.Enum(),
			Docker: &mesosproto.ContainerInfo_DockerInfo{Image: proto.String(image)},
		}
	}
}

// TaskMesosImage runs the task in the Docker image with the Mesos
// containerizer (ContainerInfo type MESOS with a DOCKER image; the agent
// needs image provisioning enabled).
func TaskMesosImage(image string) TaskOption {
	return func(t *mesosproto.TaskInfo) {
		t.Container = &mesosproto.ContainerInfo{
			Type: mesosproto.ContainerInfo_MESOS.Enum(),
			Mesos: &mesosproto.ContainerInfo_MesosInfo{Image: &mesosproto.Image{
				Type:   mesosproto.Image_DOCKER.Enum(),
				Docker: &mesosproto.Image_Docker{Name: proto.String(image)},
			}},
		}
	}
}

// TaskKillGrace sets the kill policy's grace period: how long the executor
// waits after SIGTERM before SIGKILL (unset: the executor's default). Kill
// can override it per call.
func TaskKillGrace(d time.Duration) TaskOption {
	return func(t *mesosproto.TaskInfo) {
		t.KillPolicy = &mesosproto.KillPolicy{GracePeriod: &mesosproto.DurationInfo{Nanoseconds: proto.Int64(int64(d))}}
	}
}

// TaskLabel adds a label to the task.
func TaskLabel(key, value string) TaskOption {
	return func(t *mesosproto.TaskInfo) {
		if t.Labels == nil {
			t.Labels = &mesosproto.Labels{}
		}
		t.Labels.Labels = append(t.Labels.Labels, &mesosproto.Label{Key: proto.String(key), Value: proto.String(value)})
	}
}

// TaskHealthCheck sets the task's health check; see HTTPHealthCheck,
// TCPHealthCheck and CommandHealthCheck. Mesos's defaults apply to what hc
// leaves unset (first check after 15 s, every 10 s, 20 s timeout, unhealthy
// after 3 failures, failures ignored during the first 10 s).
func TaskHealthCheck(hc *mesosproto.HealthCheck) TaskOption {
	return func(t *mesosproto.TaskInfo) { t.HealthCheck = hc }
}

// HTTPHealthCheck checks that GET http://<task>:port/path answers 2xx or
// 3xx. Port 0 stands for the task's first port: Match fills it in.
func HTTPHealthCheck(port uint32, path string) *mesosproto.HealthCheck {
	return &mesosproto.HealthCheck{
		Type: mesosproto.HealthCheck_HTTP.Enum(),
		Http: &mesosproto.HealthCheck_HTTPCheckInfo{Port: proto.Uint32(port), Path: proto.String(path)},
	}
}

// TCPHealthCheck checks that a TCP connection to port succeeds. Port 0
// stands for the task's first port: Match fills it in.
func TCPHealthCheck(port uint32) *mesosproto.HealthCheck {
	return &mesosproto.HealthCheck{
		Type: mesosproto.HealthCheck_TCP.Enum(),
		Tcp:  &mesosproto.HealthCheck_TCPCheckInfo{Port: proto.Uint32(port)},
	}
}

// CommandHealthCheck checks that command, run with /bin/sh -c next to the
// task, exits 0.
func CommandHealthCheck(command string) *mesosproto.HealthCheck {
	return &mesosproto.HealthCheck{
		Type:    mesosproto.HealthCheck_COMMAND.Enum(),
		Command: &mesosproto.CommandInfo{Shell: proto.Bool(true), Value: proto.String(command)},
	}
}
