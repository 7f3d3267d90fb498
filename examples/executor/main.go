// SPDX-License-Identifier: Apache-2.0

// Command executor is a custom Mesos executor built on package executor: each task works (sleeps) for the
// duration in its TaskInfo.data (Mesos syntax such as "2secs"; one second when empty), reports progress half
// way, and is reported FINISHED, FAILED (bad data) or KILLED (KILL or shutdown). The agent starts it with the
// MESOS_* environment; it ends once its last task has ended. `go run ./examples/scheduler -executor` launches
// its tasks through this executor (the binary named executor beside the scheduler's, or this package built
// with the go command).
package main

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

func main() {
	log, _ := zap.NewProduction()
	cfg, err := executor.ConfigFromEnv() // every bad variable at once; the token is never printed
	if err != nil {
		fmt.Fprintln(os.Stderr, "executor:", err)
		os.Exit(1)
	}
	// One executor per task (the scheduler gives each task its own ExecutorID): it ends, and the agent
	// frees its resources, once its task has ended.
	x, err := executor.New(cfg, executor.WithLogger(log), executor.WithExitAfterLastTask())
	if err != nil {
		fmt.Fprintln(os.Stderr, "executor:", err)
		os.Exit(1)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	if err := x.Run(ctx, executor.TaskFunc(work)); err != nil {
		log.Error("executor ended", zap.Error(err))
		os.Exit(1)
	}
}

// work is one task: its error, or ctx's when it is killed, decides the task's final state.
func work(ctx context.Context, task *mesosproto.TaskInfo) error {
	d := time.Second
	if data := string(task.GetData()); data != "" {
		var err error
		if d, err = executor.ParseDuration(data); err != nil {
			return fmt.Errorf("task data: %w", err) // TASK_FAILED with this message
		}
	}
	if err := sleep(ctx, d/2); err != nil {
		return err // killed: TASK_KILLED
	}
	if err := executor.ReportProgress(ctx, "half way", nil); err != nil { // TASK_RUNNING with a message
		return err
	}
	return sleep(ctx, d-d/2) // nil: TASK_FINISHED
}

func sleep(ctx context.Context, d time.Duration) error {
	select {
	case <-time.After(d):
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
