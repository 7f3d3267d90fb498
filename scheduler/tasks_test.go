// SPDX-License-Identifier: Apache-2.0

package scheduler_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/testing/protocmp"

	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/scheduler"
)

func sameTask(t *testing.T, got, want *mesosproto.TaskInfo) {
	t.Helper()
	if d := cmp.Diff(want, got, protocmp.Transform()); d != "" {
		t.Errorf("task (-want +got):\n%s", d)
	}
}

func agentIDOf(id string) *mesosproto.AgentID { return &mesosproto.AgentID{Value: proto.String(id)} }

func TestTaskNewCommandTask(t *testing.T) {
	agent := agentIDOf("a1")
	got := scheduler.NewCommandTask("t1", agent, "echo hi", scheduler.Scalar("cpus", 0.1), scheduler.Scalar("mem", 32), scheduler.Scalar("cpus", 0.2))
	sameTask(t, got, &mesosproto.TaskInfo{
		Name:      proto.String("t1"),
		TaskId:    &mesosproto.TaskID{Value: proto.String("t1")},
		AgentId:   agentIDOf("a1"),
		Resources: []*mesosproto.Resource{scheduler.Scalar("cpus", 0.3), scheduler.Scalar("mem", 32)},
		Command:   &mesosproto.CommandInfo{Shell: proto.Bool(true), Value: proto.String("echo hi")},
	})
	if _, err := proto.Marshal(got); err != nil {
		t.Errorf("the task misses required fields: %v", err)
	}
	agent.Value = proto.String("changed")
	if got.GetAgentId().GetValue() != "a1" {
		t.Error("the task shares the caller's AgentID")
	}
	if t2 := scheduler.NewCommandTask("t2", nil, "true"); t2.AgentId != nil {
		t.Errorf("nil agent: agent_id = %v", t2.AgentId)
	}
}

func TestTaskNewTaskOptions(t *testing.T) {
	got := scheduler.NewTask("web-1",
		scheduler.TaskEnv("A", "1"), // before the command: order does not matter
		scheduler.TaskArgv("/usr/bin/python3", "-m", "http.server"),
		scheduler.TaskName("web"),
		scheduler.TaskAgent(agentIDOf("a1")),
		scheduler.TaskResources(scheduler.Scalar("cpus", 0.5)),
		scheduler.TaskResources(scheduler.Scalar("mem", 128), scheduler.Ranges("ports", [2]uint64{8080, 8080})),
		scheduler.TaskEnv("B", "2"),
		scheduler.TaskKillGrace(1500*time.Millisecond),
		scheduler.TaskLabel("app", "web"),
		scheduler.TaskLabel("tier", "front"),
		scheduler.TaskHealthCheck(scheduler.HTTPHealthCheck(8080, "/health")),
		scheduler.TaskMesosImage("python:3"),
	)
	sameTask(t, got, &mesosproto.TaskInfo{
		Name:    proto.String("web"),
		TaskId:  &mesosproto.TaskID{Value: proto.String("web-1")},
		AgentId: agentIDOf("a1"),
		Resources: []*mesosproto.Resource{scheduler.Scalar("cpus", 0.5), scheduler.Scalar("mem", 128),
			scheduler.Ranges("ports", [2]uint64{8080, 8080})},
		Command: &mesosproto.CommandInfo{
			Shell:     proto.Bool(false),
			Value:     proto.String("/usr/bin/python3"),
			Arguments: []string{"/usr/bin/python3", "-m", "http.server"},
			Environment: &mesosproto.Environment{Variables: []*mesosproto.Environment_Variable{
				{Name: proto.String("A"), Value: proto.String("1")},
				{Name: proto.String("B"), Value: proto.String("2")},
			}},
		},
		Container: &mesosproto.ContainerInfo{
			Type: mesosproto.ContainerInfo_MESOS.Enum(),
			Mesos: &mesosproto.ContainerInfo_MesosInfo{Image: &mesosproto.Image{
				Type: mesosproto.Image_DOCKER.Enum(), Docker: &mesosproto.Image_Docker{Name: proto.String("python:3")},
			}},
		},
		KillPolicy: &mesosproto.KillPolicy{GracePeriod: &mesosproto.DurationInfo{Nanoseconds: proto.Int64(1_500_000_000)}},
		Labels: &mesosproto.Labels{Labels: []*mesosproto.Label{
			{Key: proto.String("app"), Value: proto.String("web")},
			{Key: proto.String("tier"), Value: proto.String("front")},
		}},
		HealthCheck: &mesosproto.HealthCheck{
			Type: mesosproto.HealthCheck_HTTP.Enum(),
			Http: &mesosproto.HealthCheck_HTTPCheckInfo{Port: proto.Uint32(8080), Path: proto.String("/health")},
		},
	})
	if _, err := proto.Marshal(got); err != nil {
		t.Errorf("the task misses required fields: %v", err)
	}
}

func TestTaskCommandForms(t *testing.T) {
	for _, tc := range []struct {
		name string
		task *mesosproto.TaskInfo
		want *mesosproto.CommandInfo
	}{
		{"shell", scheduler.NewTask("t", scheduler.TaskShell("echo $HOME")),
			&mesosproto.CommandInfo{Shell: proto.Bool(true), Value: proto.String("echo $HOME")}},
		{"argv", scheduler.NewTask("t", scheduler.TaskArgv("echo", "a b")),
			&mesosproto.CommandInfo{Shell: proto.Bool(false), Value: proto.String("echo"), Arguments: []string{"echo", "a b"}}},
		{"the last form wins", scheduler.NewTask("t", scheduler.TaskArgv("echo", "x"), scheduler.TaskShell("true")),
			&mesosproto.CommandInfo{Shell: proto.Bool(true), Value: proto.String("true")}},
		{"docker image, no command: the entrypoint", scheduler.NewTask("t", scheduler.TaskDockerImage("nginx:1")),
			&mesosproto.CommandInfo{Shell: proto.Bool(false)}},
		{"docker image with env only: the entrypoint", scheduler.NewTask("t", scheduler.TaskEnv("K", "v"), scheduler.TaskDockerImage("nginx:1")),
			&mesosproto.CommandInfo{Shell: proto.Bool(false), Environment: &mesosproto.Environment{Variables: []*mesosproto.Environment_Variable{
				{Name: proto.String("K"), Value: proto.String("v")}}}}},
		{"docker image with empty argv: the entrypoint", scheduler.NewTask("t", scheduler.TaskDockerImage("nginx:1"), scheduler.TaskArgv()),
			&mesosproto.CommandInfo{Shell: proto.Bool(false)}},
		{"docker image with a shell command", scheduler.NewTask("t", scheduler.TaskDockerImage("busybox"), scheduler.TaskShell("sleep 1")),
			&mesosproto.CommandInfo{Shell: proto.Bool(true), Value: proto.String("sleep 1")}},
		{"no command at all", scheduler.NewTask("t"), nil},
	} {
		if d := cmp.Diff(tc.want, tc.task.GetCommand(), protocmp.Transform()); d != "" {
			t.Errorf("%s: command (-want +got):\n%s", tc.name, d)
		}
	}
	docker := scheduler.NewTask("t", scheduler.TaskDockerImage("nginx:1")).GetContainer()
	if docker.GetType() != mesosproto.ContainerInfo_DOCKER || docker.GetDocker().GetImage() != "nginx:1" {
		t.Errorf("TaskDockerImage: container %v", docker)
	}
}

func TestTaskHealthChecks(t *testing.T) {
	tcp := scheduler.TCPHealthCheck(0)
	if tcp.GetType() != mesosproto.HealthCheck_TCP || tcp.Tcp == nil || tcp.GetTcp().Port == nil {
		t.Errorf("TCPHealthCheck(0) = %v", tcp)
	}
	cmd := scheduler.CommandHealthCheck("curl -f localhost")
	if cmd.GetType() != mesosproto.HealthCheck_COMMAND || cmd.GetCommand().GetValue() != "curl -f localhost" || !cmd.GetCommand().GetShell() {
		t.Errorf("CommandHealthCheck = %v", cmd)
	}
	for _, hc := range []*mesosproto.HealthCheck{tcp, cmd, scheduler.HTTPHealthCheck(0, "/")} {
		if _, err := proto.Marshal(hc); err != nil {
			t.Errorf("%v: %v", hc, err)
		}
		// Mesos's defaults apply.
		if hc.GetDelaySeconds() != 15 || hc.GetIntervalSeconds() != 10 || hc.GetConsecutiveFailures() != 3 {
			t.Errorf("%v: defaults changed", hc)
		}
	}
}

func TestTaskOptionsApplyToExistingTasks(t *testing.T) {
	task := scheduler.NewCommandTask("t", nil, "true", scheduler.Scalar("cpus", 1))
	scheduler.TaskEnv("K", "v")(task)
	scheduler.TaskResources(scheduler.Scalar("cpus", 1))(task)
	if got := task.GetCommand().GetEnvironment().GetVariables(); len(got) != 1 || got[0].GetName() != "K" {
		t.Errorf("env = %v", got)
	}
	if got := scheduler.Resources(task.GetResources()).ScalarOf("cpus"); got != 2 || len(task.GetResources()) != 1 {
		t.Errorf("resources = %v", task.GetResources())
	}
}
