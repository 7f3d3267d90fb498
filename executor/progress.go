// SPDX-License-Identifier: Apache-2.0

package executor

import (
	"context"
	"errors"

	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/mesosproto"
)

// ErrNoTask is returned by ReportProgress for a ctx that is not a TaskFunc's, and ErrTaskEnded for a task
// that is being killed or has ended.
var (
	ErrNoTask    = errors.New("executor: ctx is not a TaskFunc's")
	ErrTaskEnded = errors.New("executor: task is being killed or has ended")
)

type taskKey struct{}

// ReportProgress sends a TASK_RUNNING update for the task whose TaskFunc got ctx, carrying message (shown
// as the status message by Mesos's UI and state endpoints) and data (TaskStatus.data, opaque to Mesos, at
// most what an update can carry; nil for none). The framework receives it as any update, and it is resent
// until the agent acknowledges it, as every update is. A task's updates keep their order, so progress
// reported before the function returns always precedes its terminal update.
//
//	err := executor.ReportProgress(ctx, fmt.Sprintf("%d/%d files", done, total), nil)
func ReportProgress(ctx context.Context, message string, data []byte) error {
	t, ok := ctx.Value(taskKey{}).(*funcTask)
	if !ok {
		return ErrNoTask
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.killed || t.reported {
		return ErrTaskEnded
	}
	st := &mesosproto.TaskStatus{TaskId: t.info.GetTaskId(), State: mesosproto.TaskState_TASK_RUNNING.Enum()}
	if message != "" {
		st.Message = proto.String(message)
	}
	if data != nil {
		st.Data = data
	}
	_, err := t.x.enqueueUpdate(st)
	return err
}
