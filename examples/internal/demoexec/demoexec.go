// SPDX-License-Identifier: Apache-2.0

// Package demoexec is the custom executor of the examples, built on package executor: each task sleeps for
// the duration in its TaskInfo.data (Mesos syntax such as "2secs"; one second when empty) and is reported
// FINISHED, FAILED (bad data) or KILLED (KILL or shutdown). It is shared by examples/executor and by
// examples/scheduler, which runs it when it re-executes itself as an executor.
package demoexec

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"go.uber.org/zap"

	"github.com/mesoskit/mesoskit/executor"
	"github.com/mesoskit/mesoskit/mesosproto"
)

// Main runs the executor with the agent's MESOS_* environment and returns the process's exit status.
func Main() int {
	log, err := zap.NewProduction()
	if err != nil {
		fmt.Fprintln(os.Stderr, "executor:", err)
		return 1
	}
	defer func() { _ = log.Sync() }()
	cfg, err := executor.ConfigFromEnv() // every bad variable at once; the token is never printed
	if err != nil {
		log.Error("bad environment", zap.Error(err))
		return 1
	}
	// One executor per task (the scheduler gives each task its own ExecutorID): it ends, and the agent
	// frees its resources, once its task has ended.
	x, err := executor.New(cfg, executor.WithLogger(log), executor.WithExitAfterLastTask())
	if err != nil {
		log.Error("bad configuration", zap.Error(err))
		return 1
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	if err := x.Run(ctx, executor.TaskFunc(sleepTask(log))); err != nil {
		log.Error("executor ended", zap.Error(err))
		return 1
	}
	return 0
}

// sleepTask is the work of one task.
func sleepTask(log *zap.Logger) func(ctx context.Context, task *mesosproto.TaskInfo) error {
	return func(ctx context.Context, task *mesosproto.TaskInfo) error {
		d := time.Second
		if data := string(task.GetData()); data != "" {
			var err error
			if d, err = executor.ParseDuration(data); err != nil {
				return fmt.Errorf("task data: %w", err) // TASK_FAILED with this message
			}
		}
		log.Info("task running", zap.String("task_id", task.GetTaskId().GetValue()), zap.Duration("for", d))
		select {
		case <-time.After(d / 2):
		case <-ctx.Done():
			return ctx.Err() // killed: TASK_KILLED
		}
		if err := executor.ReportProgress(ctx, "half way", nil); err != nil { // a TASK_RUNNING update with a message
			return err
		}
		select {
		case <-time.After(d - d/2):
			return nil // TASK_FINISHED
		case <-ctx.Done():
			return ctx.Err() // killed: TASK_KILLED
		}
	}
}
