// SPDX-License-Identifier: Apache-2.0

package scheduler

import (
	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/mesosproto"
)

// NewExecutor returns a custom executor (ExecutorInfo type CUSTOM) with id as executor_id and name that
// the agent starts by executing argv[0] with argv as its arguments (no shell), holding resources while it
// runs:
//
//	ex := scheduler.NewExecutor("exec-web-1", []string{"/opt/bin/executor"},
//		scheduler.Scalar("cpus", 0.1), scheduler.Scalar("mem", 32))
//	task := scheduler.NewTask("web-1", scheduler.TaskExecutor(ex), scheduler.TaskResources(scheduler.Scalar("cpus", 1)))
//
// Mesos charges an executor's resources once, when it starts, on top of its tasks'; Match takes them from
// the offer that way. The executor reads its configuration from the MESOS_* environment the agent gives
// it (see package executor). Apply ExecutorEnv to add environment variables.
func NewExecutor(id string, argv []string, resources ...*mesosproto.Resource) *mesosproto.ExecutorInfo {
	cmd := &mesosproto.CommandInfo{Shell: proto.Bool(false)}
	if len(argv) > 0 {
		cmd.Value, cmd.Arguments = proto.String(argv[0]), append([]string(nil), argv...)
	}
	return &mesosproto.ExecutorInfo{
		Type:       mesosproto.ExecutorInfo_CUSTOM.Enum(),
		ExecutorId: &mesosproto.ExecutorID{Value: proto.String(id)},
		Name:       proto.String(id),
		Command:    cmd,
		Resources:  Resources(nil).Add(resources...),
	}
}

// ExecutorEnv adds an environment variable to the executor's command and returns ex.
func ExecutorEnv(ex *mesosproto.ExecutorInfo, name, value string) *mesosproto.ExecutorInfo {
	if ex.Command == nil {
		ex.Command = &mesosproto.CommandInfo{}
	}
	if ex.Command.Environment == nil {
		ex.Command.Environment = &mesosproto.Environment{}
	}
	ex.Command.Environment.Variables = append(ex.Command.Environment.Variables,
		&mesosproto.Environment_Variable{Name: proto.String(name), Value: proto.String(value)})
	return ex
}

// TaskExecutor makes the task run under the custom executor ex (a copy) instead of a command: it clears the
// task's command, as Mesos requires exactly one of the two.
func TaskExecutor(ex *mesosproto.ExecutorInfo) TaskOption {
	return func(t *mesosproto.TaskInfo) {
		t.Executor = proto.Clone(ex).(*mesosproto.ExecutorInfo)
		t.Command = nil
	}
}
