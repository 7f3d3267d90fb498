// SPDX-License-Identifier: Apache-2.0

package scheduler_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mesoskit/mesoskit/mesosproto/schedulerpb"
	"github.com/mesoskit/mesoskit/mesostest"
	"github.com/mesoskit/mesoskit/scheduler"
)

func TestWaitSubscribed(t *testing.T) {
	forEachCodec(t, func(t *testing.T, ct string) {
		srv := newServer(t)
		c := newClient(t, srv, ct, frameworkInfo("wait"))
		start(t, c, scheduler.Callbacks{})
		ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
		defer cancel()
		if err := c.WaitSubscribed(ctx); err != nil {
			t.Fatalf("WaitSubscribed: %v", err)
		}
		if c.FrameworkID() == "" {
			t.Error("WaitSubscribed returned before the framework had an ID")
		}
	})
}

// Until the first subscription, WaitSubscribed says why there is none.
func TestWaitSubscribedReportsWhyNot(t *testing.T) {
	forEachCodec(t, func(t *testing.T, ct string) {
		srv := newServer(t)
		srv.SetNoLeader()
		c := newClient(t, srv, ct, frameworkInfo("wait-no-leader"))
		start(t, c, scheduler.Callbacks{})
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		defer cancel()
		err := c.WaitSubscribed(ctx)
		if !errors.Is(err, scheduler.ErrNotSubscribed) || !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("WaitSubscribed = %v, want ErrNotSubscribed and the deadline", err)
		}
		if !isAPIError(err, http.StatusServiceUnavailable) || !strings.Contains(err.Error(), "No leader elected") {
			t.Errorf("WaitSubscribed = %v, want the master's 503 No leader elected as the cause", err)
		}
	})
}

// Run ending before any subscription (a 401 it cannot retry) ends the wait with Run's error.
func TestWaitSubscribedRunEnded(t *testing.T) {
	srv := newServer(t, mesostest.WithCredentials(map[string]string{"p": "s"}))
	c := newClient(t, srv, "application/x-protobuf", frameworkInfo("wait-401"), scheduler.WithCredentials("p", "wrong"))
	r := start(t, c, scheduler.Callbacks{})
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	err := c.WaitSubscribed(ctx)
	if !errors.Is(err, scheduler.ErrNotSubscribed) || !isAPIError(err, http.StatusUnauthorized) {
		t.Fatalf("WaitSubscribed = %v, want ErrNotSubscribed wrapping the 401", err)
	}
	if runErr := r.wait(); !isAPIError(runErr, http.StatusUnauthorized) {
		t.Errorf("Run = %v, want the 401", runErr)
	}
}

// wrapper is middleware around another Handler, as users write them; it exposes the wrapped one.
type wrapper struct {
	next   scheduler.Handler
	events atomic.Int64
}

func (w *wrapper) HandleEvent(ctx context.Context, e *schedulerpb.Event) error {
	w.events.Add(1)
	return w.next.HandleEvent(ctx, e)
}

func (w *wrapper) Unwrap() scheduler.Handler { return w.next }

// A wrapping Handler with Unwrap keeps the wrapped Callbacks' Disconnected and Resubscribing.
func TestWrappedHandlerKeepsOptionalInterfaces(t *testing.T) {
	srv := newServer(t)
	c := newClient(t, srv, "application/json", frameworkInfo("wrapped"), scheduler.WithBackoff(time.Millisecond, 10*time.Millisecond))
	disconnected := make(chan error, 10)
	resubscribing := make(chan error, 10)
	w := &wrapper{next: scheduler.Callbacks{
		Disconnected:  func(ctx context.Context, err error) { disconnected <- err },
		Resubscribing: func(ctx context.Context, attempt int, delay time.Duration, err error) { resubscribing <- err },
	}}
	start(t, c, w)
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	if err := c.WaitSubscribed(ctx); err != nil {
		t.Fatal(err)
	}
	srv.CloseStreams()
	recv(t, "Disconnected through the wrapper", disconnected)
	recv(t, "Resubscribing through the wrapper", resubscribing)
	if w.events.Load() == 0 {
		t.Error("the wrapper saw no event")
	}
}
