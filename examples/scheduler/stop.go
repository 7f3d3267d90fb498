// SPDX-License-Identifier: Apache-2.0

package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/mesoskit/mesoskit/scheduler"
)

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
