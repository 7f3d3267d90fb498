// SPDX-License-Identifier: Apache-2.0

package schedulertest

import (
	"context"
	"testing"
	"time"

	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesostest"
	"github.com/mesoskit/mesoskit/scheduler"
)

// SubscribeTimeout bounds how long Start and Run wait for the first subscription (less if the test's
// deadline is nearer).
const SubscribeTimeout = 30 * time.Second

// Run is NewClient and Start in one call, for a handler that does not need the Client (one that does
// refers to the Client NewClient returned).
func Run(t testing.TB, srv *mesostest.Server, fw *mesosproto.FrameworkInfo, h scheduler.Handler, opts ...scheduler.Option) *scheduler.Client {
	t.Helper()
	c := NewClient(t, srv, fw, opts...)
	Start(t, c, h)
	return c
}

// NewClient returns a Client for fw pointed at srv (scheduler.WithMaster(srv.URL()), then opts, which may
// override it, for example with srv.Detector()). It fails the test if scheduler.New does.
func NewClient(t testing.TB, srv *mesostest.Server, fw *mesosproto.FrameworkInfo, opts ...scheduler.Option) *scheduler.Client {
	t.Helper()
	c, err := scheduler.New(fw, append([]scheduler.Option{scheduler.WithMaster(srv.URL())}, opts...)...)
	if err != nil {
		t.Fatalf("schedulertest: %v", err)
	}
	return c
}

// Start runs c with h on a goroutine and returns once c has subscribed. It fails the test if Run ends or
// SubscribeTimeout passes before the first subscription (saying why, see Client.WaitSubscribed), and, at
// cleanup, if Run returned an error. Cleanup cancels Run and waits for it; registered after
// mesostest.Start's, it runs before the cluster closes.
func Start(t testing.TB, c *scheduler.Client, h scheduler.Handler) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx, h) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("schedulertest: Run: %v", err)
		}
	})

	wait := SubscribeTimeout
	if dl, ok := t.(interface{ Deadline() (time.Time, bool) }); ok {
		if d, ok := dl.Deadline(); ok && time.Until(d) < wait {
			wait = time.Until(d) * 9 / 10
		}
	}
	wctx, wcancel := context.WithTimeout(ctx, wait)
	defer wcancel()
	if err := c.WaitSubscribed(wctx); err != nil {
		t.Fatalf("schedulertest: %v", err)
	}
}
