// SPDX-License-Identifier: Apache-2.0

// Package schedulertest runs a [scheduler.Client] against a [mesostest.Server] inside a test, in two lines:
//
//	srv := mesostest.Start(t, mesostest.WithAgents(2, "cpus:4;mem:4096"))
//	c := schedulertest.Run(t, srv, fw, handler)
//	// c is subscribed; drive the framework, then assert on srv (WaitTask, Calls, Framework, …)
//
// A handler that calls the Client (to launch, kill, reconcile) refers to the one [NewClient] returns, and
// [Start] runs it:
//
//	c := schedulertest.NewClient(t, srv, fw)
//	schedulertest.Start(t, c, scheduler.Callbacks{Offers: func(ctx context.Context, offers []scheduler.Offer) error {
//		return c.Launch(ctx, …)
//	}})
//
// [Start] and [Run] return once the Client has subscribed, and when the test ends they stop the Client
// (cancelling its Run, which disconnects without tearing the framework down) and wait for it; an error Run
// returned fails the test. They are safe to call from parallel tests, each with its own Server or
// framework.
package schedulertest
