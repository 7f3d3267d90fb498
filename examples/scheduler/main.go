// SPDX-License-Identifier: Apache-2.0

// Command scheduler is a small Mesos framework: it launches -tasks copies of a shell command, prints every
// state change with a live count, and exits 0 when all of them finished.
//
// With no -master it starts an embedded Mesos (package mesostest: one master, two agents, real processes)
// inside this process, so `go run ./examples/scheduler` needs nothing else. With -master it runs the same
// framework on a real cluster or on cmd/mesos-local:
//
//	go run ./examples/scheduler                                   # embedded cluster
//	go run ./examples/scheduler -master 127.0.0.1:5050            # a master (or cmd/mesos-local)
//	go run ./examples/scheduler -master zk://zk1:2181,zk2:2181/mesos
//	go run ./examples/scheduler -master 127.0.0.1:5050 -ha zk://127.0.0.1:2181/demo   # start it 3 times
//	go run ./examples/scheduler -announce zk://127.0.0.1:2181/services/demo   # tasks announced (announce.go)
//
// With -ha the program is one replica of a highly available framework: the replicas elect a leader in
// ZooKeeper, and the others stand by and take over when it dies (see ha.go).
//
// The framework registers with a one-minute failover timeout, so a lost connection does not cost it its tasks.
// Ctrl-C disconnects without tearing the framework down (the master keeps its tasks for the failover
// timeout) unless -teardown is given. When every task has ended it tears the framework down: its work is done.
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
		log, _ = zap.NewDevelopment()
	}
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
	client, err := scheduler.New(frameworkInfo(o.failover), scheduler.WithMaster(o.master),
		scheduler.WithContentType(o.mediaType()), scheduler.WithLogger(log), announceOption(ann, o))
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

// interruptible returns the context Run runs with. Without -teardown it is ctx: Ctrl-C or SIGTERM only
// disconnects, and the master keeps the framework and its tasks for the failover timeout. With -teardown,
// the framework is torn down first. Call stop when Run has returned.
func interruptible(ctx context.Context, client *scheduler.Client, teardown bool, stderr io.Writer) (runCtx context.Context, stop func()) {
	if !teardown {
		return ctx, func() {}
	}
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	unregister := context.AfterFunc(ctx, func() {
		tctx, done := context.WithTimeout(runCtx, 5*time.Second)
		if err := client.Teardown(tctx); err != nil {
			fmt.Fprintln(stderr, "scheduler: teardown:", err)
		}
		done()
		cancel()
	})
	return runCtx, func() { unregister(); cancel() }
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
