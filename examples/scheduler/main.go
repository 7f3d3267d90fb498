// SPDX-License-Identifier: Apache-2.0

package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"os/user"
	"syscall"
	"time"

	"go.uber.org/zap"

	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesostest"
	"github.com/mesoskit/mesoskit/scheduler"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// run is main without the process: it returns the exit status (2 for bad flags).
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	o, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	} else if err != nil {
		fmt.Fprintln(stderr, "scheduler:", err)
		return 2
	}
	log := zap.NewNop()
	if o.verbose {
		if dev, err := zap.NewDevelopment(); err == nil {
			log = dev
			defer func() { _ = log.Sync() }()
		}
	}
	stopMetrics, err := startMetrics(o, stdout) // metrics.go
	if err != nil {
		fmt.Fprintln(stderr, "scheduler:", err)
		return 2
	}
	defer stopMetrics()
	ann, err := newAnnouncer(o, log)
	if err != nil {
		fmt.Fprintln(stderr, "scheduler:", err)
		return 2
	}
	if ann != nil {
		defer ann.Close()
	}
	if o.executor {
		argv, cleanup, err := executorCommand(ctx)
		if err != nil {
			fmt.Fprintln(stderr, "scheduler:", err)
			return 1
		}
		defer cleanup()
		o.executorArgv = argv
		fmt.Fprintf(stdout, "tasks run through the custom executor %s\n", argv[0])
	}
	if o.ha != "" {
		return runHA(ctx, o, stdout, stderr, log, ann)
	}
	if o.master == "" {
		cluster, err := mesostest.NewServer(
			mesostest.WithAgents(2, "cpus:4;mem:4096;disk:10000;ports:[31000-32000]"),
			mesostest.WithAllocationInterval(100*time.Millisecond),
			mesostest.WithLogger(log.Named("mesostest")))
		if err != nil {
			fmt.Fprintln(stderr, "scheduler: starting the embedded cluster:", err)
			return 1
		}
		defer cluster.Close()
		o.master = cluster.URL()
		fmt.Fprintf(stdout, "embedded Mesos cluster at %s (2 agents)\n", o.master)
	}
	creds, err := credentialsOption(o) // auth.go
	if err != nil {
		fmt.Fprintln(stderr, "scheduler:", err)
		return 2
	}
	client, err := scheduler.New(frameworkInfo(o.failover), scheduler.WithMaster(o.master),
		scheduler.WithContentType(o.mediaType()), scheduler.WithLogger(log), announceOption(ann, o), creds)
	if err != nil {
		fmt.Fprintln(stderr, "scheduler:", err)
		return 2
	}
	d := newDemo(client, o, stdout)
	runCtx, stop := interruptible(ctx, client, o.teardown, stderr)
	defer stop()
	if err := client.Run(runCtx, d.callbacks()); err != nil {
		fmt.Fprintln(stderr, "scheduler:", err)
		return 1
	}
	return d.summary()
}

func frameworkInfo(failover time.Duration) *mesosproto.FrameworkInfo {
	name := "nobody"
	if u, err := user.Current(); err == nil && u.Username != "" {
		name = u.Username
	}
	return scheduler.NewFrameworkInfo(name, "mesoskit-demo",
		scheduler.FrameworkFailoverTimeout(failover),
		scheduler.FrameworkCapabilities(mesosproto.FrameworkInfo_Capability_TASK_KILLING_STATE))
}
