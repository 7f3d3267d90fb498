// SPDX-License-Identifier: Apache-2.0

package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/mesoskit/mesoskit/scheduler"
)

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
	principal        string        // -principal, -secret-file: authentication (auth.go)
	secretFile       string

	executorArgv []string // with -executor: how the agent starts the executor (set by run, not a flag)
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
	addAuthFlags(fs, &o)
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
	return o, errors.Join(checkHAFlags(o), checkAnnounceFlags(o), checkAuthFlags(o))
}

// mediaType is the media type of -content-type.
func (o options) mediaType() string {
	if o.contentType == "json" {
		return scheduler.ContentTypeJSON
	}
	return scheduler.ContentTypeProtobuf
}
