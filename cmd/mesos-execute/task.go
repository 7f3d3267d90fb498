// SPDX-License-Identifier: Apache-2.0

package main

import (
	"fmt"
	"maps"
	"os/user"
	"slices"
	"strings"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/scheduler"
)

// tasks returns what to launch: one task (-task, or built from -name, -command, …) or a task group.
func (f *flags) tasks() (tasks []*mesosproto.TaskInfo, group bool, err error) {
	switch {
	case f.task != "":
		t := &mesosproto.TaskInfo{}
		if err := unmarshalJSON("task", f.task, t); err != nil {
			return nil, false, err
		}
		return []*mesosproto.TaskInfo{t}, false, checkTasks("task", []*mesosproto.TaskInfo{t})
	case f.taskGroup != "":
		g := &mesosproto.TaskGroupInfo{}
		if err := unmarshalJSON("task_group", f.taskGroup, g); err != nil {
			return nil, false, err
		}
		if len(g.GetTasks()) == 0 {
			return nil, false, fmt.Errorf("-task_group: no tasks")
		}
		return g.GetTasks(), true, checkTasks("task_group", g.GetTasks())
	}
	res, err := scheduler.ParseResources(f.resources)
	if err != nil {
		return nil, false, fmt.Errorf("-resources %q: %w", f.resources, err)
	}
	env, err := f.environment()
	if err != nil {
		return nil, false, err
	}
	opts := []scheduler.TaskOption{scheduler.TaskResources(res...)}
	if f.shell {
		opts = append(opts, scheduler.TaskShell(f.command))
	} else if argv := strings.Fields(f.command); len(argv) > 0 {
		opts = append(opts, scheduler.TaskArgv(argv...))
	}
	for _, name := range slices.Sorted(maps.Keys(env)) {
		opts = append(opts, scheduler.TaskEnv(name, env[name]))
	}
	if f.dockerImage != "" {
		opts = append(opts, scheduler.TaskMesosImage(f.dockerImage))
	}
	return []*mesosproto.TaskInfo{scheduler.NewTask(f.name, opts...)}, false, nil
}

func unmarshalJSON(flagName, value string, m proto.Message) error {
	data, err := jsonOrFile(flagName, value)
	if err != nil {
		return err
	}
	// Partial: agent_id, required in TaskInfo, is the offer's (Mesos's example leaves it empty).
	if err := (protojson.UnmarshalOptions{AllowPartial: true}).Unmarshal(data, m); err != nil {
		return fmt.Errorf("-%s: %w", flagName, err)
	}
	return nil
}

// checkTasks refuses tasks the master could not parse, before anything is sent.
func checkTasks(flagName string, tasks []*mesosproto.TaskInfo) error {
	for i, t := range tasks {
		if t.GetName() == "" || t.GetTaskId().GetValue() == "" {
			return fmt.Errorf("-%s: task %d needs a name and a task_id", flagName, i)
		}
	}
	return nil
}

// defaultExecutor is the executor of a task group: Mesos's default executor with the resources
// mesos-execute gives it (CommandScheduler::offers in src/cli/execute.cpp).
func defaultExecutor() *mesosproto.ExecutorInfo {
	res, _ := scheduler.ParseResources("cpus:0.1;mem:32;disk:32")
	return &mesosproto.ExecutorInfo{
		Type:       mesosproto.ExecutorInfo_DEFAULT.Enum(),
		ExecutorId: &mesosproto.ExecutorID{Value: proto.String("default-executor")},
		Resources:  res,
	}
}

// frameworkInfo is mesos-execute's FrameworkInfo: named "mesos-execute instance", for the current user.
func (f *flags) frameworkInfo() (*mesosproto.FrameworkInfo, error) {
	u, err := user.Current()
	if err != nil {
		return nil, fmt.Errorf("current user: %w", err)
	}
	caps := []mesosproto.FrameworkInfo_Capability_Type{
		mesosproto.FrameworkInfo_Capability_RESERVATION_REFINEMENT,
		mesosproto.FrameworkInfo_Capability_TASK_KILLING_STATE,
		mesosproto.FrameworkInfo_Capability_REVOCABLE_RESOURCES,
	}
	if f.partitionAware {
		caps = append(caps, mesosproto.FrameworkInfo_Capability_PARTITION_AWARE)
	}
	for _, name := range strings.Split(f.capabilities, ",") {
		if name = strings.TrimSpace(name); name == "" {
			continue
		}
		v, ok := mesosproto.FrameworkInfo_Capability_Type_value[name]
		if !ok || v == 0 || name == "MULTI_ROLE" {
			return nil, fmt.Errorf("-framework_capabilities: unknown or unsupported capability %q", name)
		}
		caps = append(caps, mesosproto.FrameworkInfo_Capability_Type(v))
	}
	opts := []scheduler.FrameworkOption{scheduler.FrameworkCapabilities(caps...)}
	if f.role != "*" {
		opts = append(opts, scheduler.FrameworkRoles(f.role))
	}
	if f.checkpoint {
		opts = append(opts, scheduler.FrameworkCheckpoint())
	}
	if f.principal != "" {
		opts = append(opts, scheduler.FrameworkPrincipal(f.principal))
	}
	return scheduler.NewFrameworkInfo(u.Username, "mesos-execute instance", opts...), nil
}
