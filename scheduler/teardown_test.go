// SPDX-License-Identifier: Apache-2.0

package scheduler_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/schedulerpb"
	"github.com/mesoskit/mesoskit/scheduler"
)

// Events the reader already holds (or that are still on the wire) when
// TEARDOWN succeeds never reach the handler, and Run returns nil: before
// the fix, the next event was dispatched and a handler whose call then
// failed (the master answers 400 "Framework cannot be found" after a
// teardown) made Run return that error. Issue #14, defect 1.
func TestNoEventAfterTeardown(t *testing.T) {
	forEachCodec(t, func(t *testing.T, ct string) {
		f := newFakeMaster(t, func(n int, s *fakeStream) {
			s.subscribed(testHeartbeat)
			for i := 1; i <= 6; i++ {
				s.event(rescind(i))
			}
			<-s.ctx.Done() // the stream stays open: the client ends it
		})
		c := newFakeClient(t, f, ct)
		var tornDown, after atomic.Int64
		r := start(t, c, scheduler.Callbacks{
			Rescind: func(ctx context.Context, id *mesosproto.OfferID) error {
				if tornDown.Load() != 0 {
					after.Add(1)
					// What a call made here meets: the framework is gone.
					return errors.New("400 Framework cannot be found")
				}
				if err := c.Teardown(ctx); err != nil {
					return err
				}
				tornDown.Add(1)
				return nil
			},
		})
		if err := r.wait(); err != nil {
			t.Errorf("Run after a successful Teardown = %v, want nil", err)
		}
		if n := after.Load(); n != 0 {
			t.Errorf("%d events reached the handler after Teardown succeeded", n)
		}
		if tornDown.Load() != 1 {
			t.Errorf("Teardown succeeded %d times, want 1", tornDown.Load())
		}
	})
}

// A handler blocked in its own call while another goroutine tears the
// framework down sees its ctx cancelled with ErrTornDown; whatever it then
// returns, Run returns nil and Disconnected reports ErrTornDown.
func TestTeardownFromAnotherGoroutine(t *testing.T) {
	forEachCodec(t, func(t *testing.T, ct string) {
		f := newFakeMaster(t, func(n int, s *fakeStream) {
			s.subscribed(testHeartbeat)
			s.event(rescind(1))
			s.heartbeats(testHeartbeat)
		})
		c := newFakeClient(t, f, ct)
		inHandler := make(chan struct{})
		cause := make(chan error, 1)
		sig := newSignals()
		r := start(t, c, sig.callbacks(scheduler.Callbacks{
			Rescind: func(ctx context.Context, id *mesosproto.OfferID) error {
				close(inHandler)
				<-ctx.Done()
				cause <- context.Cause(ctx)
				return errors.New("400 Framework cannot be found")
			},
		}))
		recv(t, "handler", inHandler)
		if err := c.Teardown(context.Background()); err != nil {
			t.Fatalf("Teardown = %v", err)
		}
		if err := recv(t, "handler's ctx", cause); !errors.Is(err, scheduler.ErrTornDown) {
			t.Errorf("handler's ctx cause = %v, want ErrTornDown", err)
		}
		if err := r.wait(); err != nil {
			t.Errorf("Run = %v, want nil", err)
		}
		if err := recv(t, "Disconnected", sig.disconnected); !errors.Is(err, scheduler.ErrTornDown) {
			t.Errorf("Disconnected(%v), want ErrTornDown", err)
		}
	})
}

// A TEARDOWN whose answer was lost (the master died as it answered) may
// have removed the framework: when the next master then says "Framework has
// been removed", the teardown succeeded and Run returns nil. Found by the
// chaos soak (internal/chaos), where the example exited 1 for it.
func TestTeardownAnswerLostThenRemoved(t *testing.T) {
	forEachCodec(t, func(t *testing.T, ct string) {
		var f *fakeMaster
		f = newFakeMaster(t, func(n int, s *fakeStream) {
			if n == 1 {
				s.subscribed(testHeartbeat)
				for f.attempts.Load() == 0 && s.ctx.Err() == nil {
					time.Sleep(5 * time.Millisecond)
				}
				return
			}
			s.header("")
			s.event(&schedulerpb.Event{Type: schedulerpb.Event_ERROR.Enum(),
				Error: &schedulerpb.Event_Error{Message: proto.String("Framework has been removed")}})
		})
		f.drop.Store(1) // the TEARDOWN is cut off unanswered
		c := newFakeClient(t, f, ct)
		tried := make(chan error, 1)
		r := start(t, c, scheduler.Callbacks{
			Subscribed: func(ctx context.Context, _ *schedulerpb.Event_Subscribed) error {
				tried <- c.Teardown(ctx)
				return nil
			},
		})
		if err := recv(t, "Teardown", tried); err == nil {
			t.Fatal("Teardown cut off unanswered succeeded")
		}
		if err := r.wait(); err != nil {
			t.Errorf("Run = %v, want nil: the lost TEARDOWN had removed the framework", err)
		}
	})
}
