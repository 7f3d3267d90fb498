// SPDX-License-Identifier: Apache-2.0

package executor_test

import (
	"context"
	"errors"
	"testing"

	"github.com/mesoskit/mesoskit/executor"
	"github.com/mesoskit/mesoskit/mesosproto"
)

// ReportProgress sends TASK_RUNNING with the message and data, in order before the terminal update.
func TestReportProgress(t *testing.T) {
	a := newFakeAgent(t)
	x := newExecutor(t, a.config(false))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	errs := make(chan error, 3)
	done := runAsync(ctx, x, executor.TaskFunc(func(ctx context.Context, task *mesosproto.TaskInfo) error {
		errs <- executor.ReportProgress(ctx, "1/2 files", []byte("half"))
		errs <- executor.ReportProgress(ctx, "2/2 files", nil)
		return nil
	}))
	a.nextSubscribe(t)
	a.send(launchEvent("t1"))
	a.nextUpdate(t, mesosproto.TaskState_TASK_STARTING)
	a.nextUpdate(t, mesosproto.TaskState_TASK_RUNNING)
	p1 := a.nextUpdate(t, mesosproto.TaskState_TASK_RUNNING)
	p2 := a.nextUpdate(t, mesosproto.TaskState_TASK_RUNNING)
	if p1.GetMessage() != "1/2 files" || string(p1.GetData()) != "half" || p2.GetMessage() != "2/2 files" || p2.Data != nil {
		t.Errorf("progress updates %v, %v", p1, p2)
	}
	a.nextUpdate(t, mesosproto.TaskState_TASK_FINISHED)
	for range 2 {
		if err := <-errs; err != nil {
			t.Errorf("ReportProgress: %v", err)
		}
	}
	if err := executor.ReportProgress(context.Background(), "x", nil); !errors.Is(err, executor.ErrNoTask) {
		t.Errorf("ReportProgress outside a TaskFunc = %v, want ErrNoTask", err)
	}
	cancel()
	if err := waitRun(t, done); err != nil {
		t.Fatal(err)
	}
}

// With WithExitAfterLastTask, Run returns nil by itself once its task ended and was acknowledged.
func TestExitAfterLastTask(t *testing.T) {
	a := newFakeAgent(t)
	x := newExecutor(t, a.config(false), executor.WithExitAfterLastTask())
	done := runAsync(context.Background(), x, executor.TaskFunc(func(ctx context.Context, task *mesosproto.TaskInfo) error {
		return nil
	}))
	a.nextSubscribe(t)
	a.send(launchEvent("t1"))
	a.nextUpdate(t, mesosproto.TaskState_TASK_STARTING)
	a.nextUpdate(t, mesosproto.TaskState_TASK_RUNNING)
	a.nextUpdate(t, mesosproto.TaskState_TASK_FINISHED)
	if err := waitRun(t, done); err != nil {
		t.Fatalf("Run after the last task = %v, want nil", err)
	}
}
