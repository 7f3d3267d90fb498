// SPDX-License-Identifier: Apache-2.0

package mesostest

import (
	"fmt"
	"net/http"
	"runtime/debug"
)

// crashOnPanic, deferred first in every handler of the fake's own endpoints
// (masters, agents, the executor API), turns a panic into a crash of the
// process with both stacks. net/http would recover the panic, log it and go
// on serving; but most handlers hold the cluster lock without deferring its
// release, so every later request (and Server.Close) would wait for ever and
// a test would hang with no clue. A panic there is a bug in the fake, and a
// Mesos master aborts on a failed CHECK too. http.ErrAbortHandler, net/http's
// way to abandon a response on purpose, is passed on unchanged.
func crashOnPanic() {
	r := recover()
	if r == nil {
		return
	}
	if r == http.ErrAbortHandler {
		panic(r)
	}
	crash(fmt.Sprintf("mesostest: panic while serving a request (a bug in mesostest): %v\n\n%s", r, debug.Stack()))
}

// crash panics on a new goroutine, which nothing recovers: the process ends
// with the message. The calling goroutine never returns.
func crash(msg string) {
	go func() { panic(msg) }()
	select {}
}
