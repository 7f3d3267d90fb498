// SPDX-License-Identifier: Apache-2.0

// Command mesos-execute launches one task (or one task group) on a Mesos cluster, prints its states as they
// come, streams its stdout and stderr from the agent, and exits with the task's exit status. It takes the
// flags of Mesos's own mesos-execute (src/cli/execute.cpp), under the same names:
//
//	mesos-execute -master 127.0.0.1:5050 -name hello -command 'echo hello; exit 3'   # exits 3
//	mesos-execute -master zk://zk1:2181/mesos -name big -command ./job -resources 'cpus:4;mem:8192'
//	mesos-execute -master 127.0.0.1:5050 -task task.json -kill_after 30secs
//	mesos-execute -master https://m:5050 -principal ops -secret /etc/mesos/ops.secret -name x -command true
//
// -secret names a FILE holding the secret: a secret on the command line is visible to every user in ps.
// Mesos's "--no-<flag>" works for the boolean flags (--no-partition_aware, --no-shell), as does Go's
// "-<flag>=false"; single and double dashes are the same.
//
// Exit status: 0 when every task FINISHED; the command's own status when a task failed with one (the command
// executor reports "Command exited with status N"); 1 for any other end (killed, lost, an error from the
// master); 2 for bad flags.
//
// The task's output is read from the agent's files API (GET /files/read on the agent, in the sandbox the
// agent's /state names); when the agent does not serve it, the output is not streamed and nothing else
// changes. The framework registers with a failover timeout of 0, as Mesos's does: when mesos-execute ends,
// is interrupted (Ctrl-C) or loses its master, the framework is removed and its task killed.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"go.uber.org/zap"

	"github.com/mesoskit/mesoskit/scheduler"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// run is main without the process: it returns the exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var f flags
	fs := newFlagSet(&f, stderr)
	if err := fs.Parse(mesosBools(args)); errors.Is(err, flag.ErrHelp) {
		return 0
	} else if err != nil {
		return 2 // the flag package printed it
	}
	set := map[string]bool{}
	fs.Visit(func(fl *flag.Flag) { set[fl.Name] = true })
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "mesos-execute: unexpected arguments %q\n", fs.Args())
		return 2
	}
	e, opts, err := setup(&f, set, stdout, stderr)
	if err != nil {
		fmt.Fprintln(stderr, "mesos-execute:", err)
		return 2
	}
	fw, err := f.frameworkInfo()
	if err != nil {
		fmt.Fprintln(stderr, "mesos-execute:", err)
		return 1
	}
	client, err := scheduler.New(fw, opts...)
	if err != nil {
		fmt.Fprintln(stderr, "mesos-execute:", err)
		return 2
	}
	e.client = client
	err = client.Run(ctx, e.callbacks())
	e.wait() // the output streams and the kill timer
	if err != nil && e.exit < 0 {
		fmt.Fprintln(stderr, "mesos-execute:", err)
		return 1
	}
	return e.status()
}

// setup checks the flags and returns the execution and the Client's options.
func setup(f *flags, set map[string]bool, stdout, stderr io.Writer) (*execution, []scheduler.Option, error) {
	if err := f.check(set); err != nil {
		return nil, nil, err
	}
	tasks, group, err := f.tasks()
	if err != nil {
		return nil, nil, err
	}
	killAfter, _ := f.killDelay() // checked
	log := zap.NewNop()
	if f.verbose {
		if dev, err := zap.NewDevelopment(); err == nil {
			log = dev
		}
	}
	opts := []scheduler.Option{scheduler.WithMaster(f.master), scheduler.WithContentType(f.mediaType()), scheduler.WithLogger(log)}
	if f.secretFile != "" {
		secret, err := readSecret(f.secretFile)
		if err != nil {
			return nil, nil, err
		}
		opts = append(opts, scheduler.WithCredentials(f.principal, secret))
	}
	return newExecution(tasks, group, f.role, killAfter, stdout, stderr), opts, nil
}
