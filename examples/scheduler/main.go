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
	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/examples/internal/demoexec"
	"github.com/mesoskit/mesoskit/internal/httpapi"
	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesostest"
	"github.com/mesoskit/mesoskit/scheduler"
)

func main() {
	if os.Getenv(envExecutorMode) == "1" {
		// The agent started this binary as the custom executor of a -executor run.
		os.Exit(demoexec.Main())
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// options are the command-line flags.
type options struct {
	master      string
	tasks       int
	cmd         string
	cpus        float64
	mem         float64
	contentType string
	teardown    bool
	failover    time.Duration
	verbose     bool
	executor    bool          // -executor: tasks run in the custom executor (executor.go)
	work        time.Duration // -work: how long each executor task works

	ha               string        // -ha zk://...: run as one replica (ha.go)
	haSessionTimeout time.Duration // -ha-session-timeout
	haConfig         bool          // -ha-config: -cmd and -tasks live in ZooKeeper (config.go)
	announce         string        // -announce zk://...: announce tasks (announce.go)
	metrics          string        // -metrics ADDR: Prometheus endpoint (metrics.go)
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("scheduler", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.master, "master", "", "master spec: host:port, http(s)://host:port, zk://[user:pass@]hosts/path or file:///path; empty runs an embedded cluster")
	fs.IntVar(&o.tasks, "tasks", 5, "number of tasks to run")
	fs.StringVar(&o.cmd, "cmd", `echo "hello from $MESOS_TASK_ID"; sleep 1`, "shell command each task runs")
	fs.Float64Var(&o.cpus, "cpus", 0.1, "cpus per task")
	fs.Float64Var(&o.mem, "mem", 32, "memory per task, in MB")
	fs.StringVar(&o.contentType, "content-type", "protobuf", "encoding spoken with the master: protobuf or json")
	fs.BoolVar(&o.teardown, "teardown", false, "tear the framework down on Ctrl-C instead of only disconnecting")
	fs.DurationVar(&o.failover, "failover-timeout", time.Minute, "how long the master keeps the framework after a disconnection")
	fs.BoolVar(&o.verbose, "v", false, "log the library's activity to stderr")
	fs.BoolVar(&o.executor, "executor", false, "run the tasks through the custom executor of examples/executor instead of as shell commands")
	fs.DurationVar(&o.work, "work", time.Second, "with -executor: how long each task works")
	addHAFlags(fs, &o)
	addAnnounceFlags(fs, &o)
	addMetricsFlags(fs, &o)
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	switch {
	case fs.NArg() > 0:
		return o, fmt.Errorf("unexpected arguments: %q", fs.Args())
	case o.tasks < 1:
		return o, errors.New("-tasks must be at least 1")
	case o.cpus <= 0 || o.mem <= 0:
		return o, errors.New("-cpus and -mem must be positive")
	case o.contentType != "protobuf" && o.contentType != "json":
		return o, fmt.Errorf("-content-type must be protobuf or json, not %q", o.contentType)
	case o.work < 0:
		return o, errors.New("-work must not be negative")
	}
	return o, errors.Join(checkHAFlags(o), checkAnnounceFlags(o))
}

// run is main without the process: it returns the exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	o, err := parseFlags(args, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintln(stderr, "scheduler:", err)
		return 2
	}
	log := zap.NewNop()
	if o.verbose {
		if log, err = zap.NewDevelopment(); err != nil {
			fmt.Fprintln(stderr, "scheduler:", err)
			return 1
		}
		defer func() { _ = log.Sync() }()
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
	if o.ha != "" {
		return runHA(ctx, o, stdout, stderr, log, ann)
	}

	master := o.master
	if master == "" {
		cluster, err := mesostest.NewServer(
			mesostest.WithAgents(2, "cpus:4;mem:4096;disk:10000;ports:[31000-32000]"),
			mesostest.WithAllocationInterval(100*time.Millisecond),
			mesostest.WithLogger(log.Named("mesostest")),
		)
		if err != nil {
			fmt.Fprintln(stderr, "scheduler: starting the embedded cluster:", err)
			return 1
		}
		defer cluster.Close()
		master = cluster.URL()
		fmt.Fprintf(stdout, "embedded Mesos cluster at %s (2 agents)\n", master)
	}

	mediaType := httpapi.MediaTypeProtobuf
	if o.contentType == "json" {
		mediaType = httpapi.MediaTypeJSON
	}
	client, err := scheduler.New(frameworkInfo(o.failover),
		scheduler.WithMaster(master),
		scheduler.WithContentType(mediaType),
		scheduler.WithLogger(log),
		announceOption(ann, o),
	)
	if err != nil {
		fmt.Fprintln(stderr, "scheduler:", err)
		return 2
	}

	d := newDemo(client, o, stdout)
	if o.executor {
		if d.executor, err = executorCommand(); err != nil {
			fmt.Fprintln(stderr, "scheduler:", err)
			return 1
		}
		fmt.Fprintf(stdout, "tasks run through the custom executor %s\n", d.executor.GetValue())
	}
	runCtx, cancelRun := context.WithCancel(context.Background())
	defer cancelRun()
	go func() {
		select {
		case <-ctx.Done(): // Ctrl-C or SIGTERM
			if o.teardown {
				tctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				if err := client.Teardown(tctx); err != nil {
					fmt.Fprintln(stderr, "scheduler: teardown:", err)
				}
				cancel()
			}
			cancelRun()
		case <-runCtx.Done():
		}
	}()

	err = client.Run(runCtx, d.callbacks())
	cancelRun()
	if err != nil {
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
	return &mesosproto.FrameworkInfo{
		User:            proto.String(name),
		Name:            proto.String("mesoskit-demo"),
		FailoverTimeout: proto.Float64(failover.Seconds()),
		Capabilities: []*mesosproto.FrameworkInfo_Capability{
			{Type: mesosproto.FrameworkInfo_Capability_TASK_KILLING_STATE.Enum()},
		},
	}
}
