// SPDX-License-Identifier: Apache-2.0

// Command batch is a batch scheduler: it runs a fixed list of jobs (batch.go) as Mesos tasks, packs them into
// offers with scheduler.Match, retries a failed job up to -retries times, and exits 0 when every job
// succeeded, 1 otherwise. Without -master it runs on an embedded cluster (package mesostest):
//
//	go run ./examples/batch
//	go run ./examples/batch -retries 0        # the flaky job fails for good: exit status 1
//	go run ./examples/batch -master 127.0.0.1:5050
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
	fs := flag.NewFlagSet("batch", flag.ContinueOnError)
	fs.SetOutput(stderr)
	master := fs.String("master", "", "master (host:port, http(s)://host:port or zk://hosts/path); empty runs an embedded cluster")
	retries := fs.Int("retries", 2, "how many times a failed job is tried again")
	contentType := fs.String("content-type", scheduler.ContentTypeProtobuf, "media type spoken with the master")
	if err := fs.Parse(args); errors.Is(err, flag.ErrHelp) {
		return 0
	} else if err != nil {
		return 2
	}
	if *retries < 0 || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "batch: -retries must not be negative, and there are no arguments")
		return 2
	}
	if *master == "" {
		cluster, err := mesostest.NewServer(mesostest.WithAgents(2, "cpus:1;mem:1024"),
			mesostest.WithAllocationInterval(100*time.Millisecond))
		if err != nil {
			fmt.Fprintln(stderr, "batch:", err)
			return 1
		}
		defer cluster.Close()
		*master = cluster.URL()
	}
	name := "nobody"
	if u, err := user.Current(); err == nil {
		name = u.Username // tasks run as this user on agents that switch users
	}
	fw := scheduler.NewFrameworkInfo(name, "mesoskit-batch", scheduler.FrameworkFailoverTimeout(time.Minute))
	client, err := scheduler.New(fw, scheduler.WithMaster(*master), scheduler.WithContentType(*contentType))
	if err != nil {
		fmt.Fprintln(stderr, "batch:", err)
		return 2
	}
	b := newBatch(client, *retries, stdout)
	if err := client.Run(ctx, b.callbacks()); err != nil {
		fmt.Fprintln(stderr, "batch:", err)
		return 1
	}
	fmt.Fprintf(stdout, "%d/%d jobs succeeded\n", b.succeeded, len(jobs))
	if b.succeeded < len(jobs) {
		return 1
	}
	return 0
}
