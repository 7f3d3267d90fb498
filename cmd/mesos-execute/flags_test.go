// SPDX-License-Identifier: Apache-2.0

package main

import (
	"slices"
	"strings"
	"testing"

	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/schedulerpb"
	"github.com/mesoskit/mesoskit/scheduler"
)

// TestWhatIsSent checks, in the calls the master received, the FrameworkInfo and TaskInfo built from the
// flags: -role, -checkpoint, -framework_capabilities, --no-partition_aware, -env, -resources, -name.
func TestWhatIsSent(t *testing.T) {
	srv := cluster(t)
	code, _, _ := execute(t, "-master", srv.URL(), "-name", "env", "-command", `test "$GREETING" = "hi there"`,
		"-env", `{"GREETING":"hi there"}`, "-resources", "cpus:0.5;mem:64;ports:[31000-31001]",
		"-checkpoint", "-framework_capabilities", "GPU_RESOURCES", "--no-partition_aware")
	if code != 0 {
		t.Fatalf("exit status %d: the task did not see -env", code)
	}
	var fw *mesosproto.FrameworkInfo
	var task *mesosproto.TaskInfo
	for _, c := range srv.Calls() {
		switch c.Type {
		case schedulerpb.Call_SUBSCRIBE:
			fw = c.Call.GetSubscribe().GetFrameworkInfo()
		case schedulerpb.Call_ACCEPT:
			task = c.Call.GetAccept().GetOperations()[0].GetLaunch().GetTaskInfos()[0]
		}
	}
	var caps []string
	for _, c := range fw.GetCapabilities() {
		caps = append(caps, c.GetType().String())
	}
	slices.Sort(caps)
	if got := strings.Join(caps, ","); got != "GPU_RESOURCES,RESERVATION_REFINEMENT,REVOCABLE_RESOURCES,TASK_KILLING_STATE" {
		t.Errorf("capabilities %s", got)
	}
	if fw.GetName() != "mesos-execute instance" || !fw.GetCheckpoint() || fw.GetFailoverTimeout() != 0 {
		t.Errorf("framework info %v", fw)
	}
	if task.GetTaskId().GetValue() != "env" || task.GetName() != "env" || !task.GetCommand().GetShell() {
		t.Errorf("task %v", task)
	}
	if got := scheduler.Resources(task.GetResources()).String(); got != "cpus:0.5; mem:64; ports:[31000-31001]" {
		t.Errorf("task resources %s", got)
	}
}

func TestShellFalseAndDockerImage(t *testing.T) {
	srv := cluster(t)
	// -shell=false: the command is the argv, no shell: a '$' stays literal, and ls's own status comes back.
	if code, out, _ := execute(t, "-master", srv.URL(), "-name", "argv", "--no-shell", "-command", "/bin/ls /nonexistent-$HOME"); code != 2 ||
		!strings.Contains(out, "Command exited with status 2") {
		t.Errorf("-shell=false: exit status %d, want ls's 2", code)
	}
	// mesostest's agents, like Mesos agents without image providers, fail a task with an image.
	code, out, _ := execute(t, "-master", srv.URL(), "-name", "img", "-command", "true", "-docker_image", "busybox:latest")
	if code != 1 || !strings.Contains(out, "TASK_FAILED") {
		t.Errorf("-docker_image: exit status %d, want 1 after TASK_FAILED", code)
	}
	for _, c := range srv.Calls() {
		if l := c.Call.GetAccept().GetOperations(); c.Type == schedulerpb.Call_ACCEPT && len(l) > 0 && l[0].GetLaunch().GetTaskInfos()[0].GetName() == "img" {
			ct := l[0].GetLaunch().GetTaskInfos()[0].GetContainer()
			if ct.GetType() != mesosproto.ContainerInfo_MESOS || ct.GetMesos().GetImage().GetDocker().GetName() != "busybox:latest" {
				t.Errorf("-docker_image: container %v", ct)
			}
		}
	}
}
