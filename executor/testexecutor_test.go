// SPDX-License-Identifier: Apache-2.0

package executor

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"go.uber.org/zap"

	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/executorpb"
)

// Exit codes of the test executor, so that tests can tell how Run ended.
const (
	exitOK              = 0
	exitOther           = 1
	exitBadEnv          = 2
	exitDisconnected    = 3
	exitRecoveryTimeout = 4
)

// runTestExecutor is the main of the test binary started as a custom
// executor. mode "func" runs testTask for each task, "command" runs
// Command, "group" Command with KillGroupOnFailure. Every mode echoes MESSAGE events back as "echo:<data>".
func runTestExecutor(mode string) int {
	log, _ := zap.NewDevelopment()
	defer func() { _ = log.Sync() }()
	cfg, err := ConfigFromEnv()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return exitBadEnv
	}
	if _, ok := os.LookupEnv(EnvAuthenticationToken); ok {
		fmt.Fprintln(os.Stderr, "token still in the environment")
		return exitBadEnv
	}
	x, err := New(cfg, WithLogger(log), WithSubscribeRetryInterval(50*time.Millisecond))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return exitBadEnv
	}
	var inner Handler = TaskFunc(testTask)
	switch mode {
	case "command":
		inner = Command{}
	case "group":
		inner = Command{KillGroupOnFailure: true}
	}
	h := HandlerFunc(func(ctx context.Context, x *Executor, e *executorpb.Event) error {
		if e.GetType() == executorpb.Event_MESSAGE {
			return x.Message(ctx, append([]byte("echo:"), e.GetMessage().GetData()...))
		}
		return inner.HandleEvent(ctx, x, e)
	})
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	err = x.Run(ctx, h)
	fmt.Fprintln(os.Stderr, "Run returned:", err)
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, ErrRecoveryTimeout):
		return exitRecoveryTimeout
	case errors.Is(err, ErrDisconnected):
		return exitDisconnected
	}
	return exitOther
}

// testTask does what the task's data says: "finish", "fail:<message>",
// "sleep:<duration>" or "wait" (until killed).
func testTask(ctx context.Context, task *mesosproto.TaskInfo) error {
	verb, arg, _ := strings.Cut(string(task.GetData()), ":")
	switch verb {
	case "finish":
		return nil
	case "fail":
		return errors.New(arg)
	case "sleep":
		d, err := ParseDuration(arg)
		if err != nil {
			return err
		}
		select {
		case <-time.After(d):
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	case "wait":
		<-ctx.Done()
		return ctx.Err()
	}
	return fmt.Errorf("unknown task data %q", task.GetData())
}
