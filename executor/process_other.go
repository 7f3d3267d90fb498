// SPDX-License-Identifier: Apache-2.0

//go:build !unix

package executor

import (
	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/mesosproto"
)

// startProcess fails the task: Command needs process groups and signals.
func startProcess(x *Executor, _ Command, task *mesosproto.TaskInfo, g *taskGroup) {
	st := &mesosproto.TaskStatus{
		TaskId:  task.GetTaskId(),
		State:   mesosproto.TaskState_TASK_FAILED.Enum(),
		Message: proto.String("Failed to launch command: not supported on this operating system"),
	}
	_, _ = x.enqueueUpdate(st)
	g.ended(x, task.GetTaskId().GetValue(), mesosproto.TaskState_TASK_FAILED)
}
