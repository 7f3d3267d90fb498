// SPDX-License-Identifier: Apache-2.0

package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"go.uber.org/zap"

	"github.com/mesoskit/mesoskit/executor"
	"github.com/mesoskit/mesoskit/mesosproto"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if os.Getenv("MESOS_EXECUTOR_ID") != "" {
		os.Exit(runExecutor(ctx, os.Args[1:]))
	}
	os.Exit(runFramework(ctx, os.Args[1:]))
}

// runExecutor is the executor: -dir and -work come from its command line (the framework's ExecutorInfo).
func runExecutor(ctx context.Context, args []string) int {
	fs := flag.NewFlagSet("chaosfw executor", flag.ContinueOnError)
	dir := fs.String("dir", "", "ground-truth directory")
	work := fs.Duration("work", time.Second, "how long each task works")
	if err := fs.Parse(args); err != nil || *dir == "" {
		fmt.Fprintln(os.Stderr, "chaosfw executor: want -dir DIR [-work DURATION]")
		return 2
	}
	cfg, err := executor.ConfigFromEnv()
	if err != nil {
		fmt.Fprintln(os.Stderr, "chaosfw executor:", err)
		return 1
	}
	log, _ := zap.NewDevelopment() // to the sandbox's stderr
	x, err := executor.New(cfg, executor.WithExitAfterLastTask(), executor.WithLogger(log))
	if err != nil {
		fmt.Fprintln(os.Stderr, "chaosfw executor:", err)
		return 1
	}
	err = x.Run(ctx, executor.TaskFunc(func(ctx context.Context, t *mesosproto.TaskInfo) error {
		base := filepath.Join(*dir, t.GetTaskId().GetValue())
		pid := strconv.Itoa(os.Getpid())
		if err := os.WriteFile(base+".start."+pid, []byte(pid+"\n"), 0o644); err != nil {
			return err
		}
		select {
		case <-time.After(*work):
		case <-ctx.Done():
			return ctx.Err() // killed: no end file
		}
		return os.WriteFile(base+".end."+pid, []byte(pid+"\n"), 0o644)
	}))
	if err != nil {
		fmt.Fprintln(os.Stderr, "chaosfw executor:", err)
		return 1
	}
	return 0
}
