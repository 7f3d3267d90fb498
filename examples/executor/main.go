// SPDX-License-Identifier: Apache-2.0

// Command executor is a custom Mesos executor built on package executor (the work is in
// examples/internal/demoexec): each task sleeps for the duration in its TaskInfo.data (Mesos syntax such as
// "2secs"; one second when empty), and is reported FINISHED, FAILED (bad data) or KILLED (KILL or shutdown).
// The agent starts it with the MESOS_* environment. `go run ./examples/scheduler -executor` launches its tasks
// through this executor: it uses the binary named executor beside its own (as `go build -o DIR/
// ./examples/...` lays them out) and otherwise re-executes itself in executor mode.
package main

import (
	"os"

	"github.com/mesoskit/mesoskit/examples/internal/demoexec"
)

func main() { os.Exit(demoexec.Main()) }
