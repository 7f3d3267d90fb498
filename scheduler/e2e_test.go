// SPDX-License-Identifier: Apache-2.0

package scheduler_test

import (
	"context"
	"errors"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/schedulerpb"
	"github.com/mesoskit/mesoskit/mesostest"
	"github.com/mesoskit/mesoskit/scheduler"
)

// Subscribe, take offers, launch real processes, get their updates in order,
// acknowledge each exactly once, lose none.
func TestEndToEnd(t *testing.T) {
	forEachCodec(t, func(t *testing.T, ct string) {
		srv := newServer(t, mesostest.WithAgents(2, testAgentConfig))
		w := newWorkload(6)
		c := newClient(t, srv, ct, frameworkInfo("e2e"), scheduler.WithRefuseSeconds(0))
		w.c = c
		sig := newSignals()
		r := start(t, c, sig.callbacks(w.callbacks()))

		id := recv(t, "SUBSCRIBED", sig.subscribed)
		if id == "" || c.FrameworkID() != id {
			t.Fatalf("FrameworkID() = %q, SUBSCRIBED said %q", c.FrameworkID(), id)
		}
		streamID := c.StreamID()
		if streamID == "" {
			t.Fatal("StreamID() empty while subscribed")
		}
		recv(t, "all tasks terminal", w.allDone)
		w.check(t, srv, id)

		// Every call after SUBSCRIBE carried the framework ID and the stream ID.
		for _, call := range srv.Calls() {
			if call.Type == schedulerpb.Call_SUBSCRIBE {
				continue
			}
			if call.FrameworkID != id || call.StreamID != streamID {
				t.Errorf("%v call with framework %q stream %q, want %q %q", call.Type, call.FrameworkID, call.StreamID, id, streamID)
			}
			if call.Status != 202 {
				t.Errorf("%v call answered %d %s", call.Type, call.Status, call.Body)
			}
		}
		if n := len(callsOf(srv, schedulerpb.Call_SUBSCRIBE)); n != 1 {
			t.Errorf("%d SUBSCRIBE calls, want 1", n)
		}
		if err := r.stop(); err != nil {
			t.Fatalf("Run after cancel = %v, want nil", err)
		}
	})
}

// Cancelling Run's ctx disconnects and never tears down: the master keeps
// the framework, and a second Client with the saved ID resubscribes to it.
func TestCancelDisconnectsAndSecondRunResubscribes(t *testing.T) {
	forEachCodec(t, func(t *testing.T, ct string) {
		srv := newServer(t, mesostest.WithAgents(1, testAgentConfig))
		store := new(scheduler.MemoryStore)

		c1 := newClient(t, srv, ct, frameworkInfo("failover"), scheduler.WithFrameworkIDStore(store))
		sig1 := newSignals()
		r1 := start(t, c1, sig1.callbacks(scheduler.Callbacks{}))
		id := recv(t, "first SUBSCRIBED", sig1.subscribed)
		if err := r1.stop(); err != nil {
			t.Fatalf("Run after cancel = %v, want nil", err)
		}
		if err := recv(t, "Disconnected", sig1.disconnected); !errors.Is(err, context.Canceled) {
			t.Errorf("Disconnected(%v), want context.Canceled", err)
		}
		eventually(t, "framework disconnected", func() bool { return frameworkState(srv, id) == mesostest.FrameworkDisconnected })
		for _, call := range srv.Calls() {
			if call.Type == schedulerpb.Call_TEARDOWN {
				t.Fatal("cancelling Run sent TEARDOWN")
			}
		}
		if got, _ := store.Load(context.Background()); got != id {
			t.Fatalf("store holds %q, want %q", got, id)
		}

		// A new Client (a restarted scheduler) finds the ID in the store.
		c2 := newClient(t, srv, ct, frameworkInfo("failover"), scheduler.WithFrameworkIDStore(store))
		if c2.FrameworkID() != "" {
			t.Fatalf("FrameworkID() before Run = %q, want empty (the store is read by Run)", c2.FrameworkID())
		}
		sig2 := newSignals()
		r2 := start(t, c2, sig2.callbacks(scheduler.Callbacks{}))
		if got := recv(t, "second SUBSCRIBED", sig2.subscribed); got != id {
			t.Fatalf("second Client subscribed as %q, want %q", got, id)
		}
		st, _ := srv.Framework(id)
		if st.State != mesostest.FrameworkConnected || st.Subscriptions != 2 {
			t.Fatalf("framework %s: %v after %d subscriptions, want connected after 2", id, st.State, st.Subscriptions)
		}
		subs := callsOf(srv, schedulerpb.Call_SUBSCRIBE)
		last := subs[len(subs)-1].Call
		if last.GetFrameworkId().GetValue() != id || last.GetSubscribe().GetFrameworkInfo().GetId().GetValue() != id {
			t.Fatalf("resubscription carried framework_id %q and framework_info.id %q, want both %q",
				last.GetFrameworkId().GetValue(), last.GetSubscribe().GetFrameworkInfo().GetId().GetValue(), id)
		}
		if err := r2.stop(); err != nil {
			t.Fatalf("second Run = %v", err)
		}

		// The ID may also come in FrameworkInfo.id.
		fw := frameworkInfo("failover")
		fw.Id = &mesosproto.FrameworkID{Value: proto.String(id)}
		c3 := newClient(t, srv, ct, fw)
		if c3.FrameworkID() != id {
			t.Fatalf("FrameworkID() = %q, want %q from FrameworkInfo.id", c3.FrameworkID(), id)
		}
		sig3 := newSignals()
		r3 := start(t, c3, sig3.callbacks(scheduler.Callbacks{}))
		if got := recv(t, "third SUBSCRIBED", sig3.subscribed); got != id {
			t.Fatalf("third Client subscribed as %q, want %q", got, id)
		}
		if err := r3.stop(); err != nil {
			t.Fatalf("third Run = %v", err)
		}
	})
}

// A framework whose failover timeout expired is gone: resubscribing gets
// ERROR "Framework has been removed", Run returns *FrameworkError, and the
// store forgets the ID.
func TestFrameworkRemoved(t *testing.T) {
	forEachCodec(t, func(t *testing.T, ct string) {
		srv := newServer(t, mesostest.WithAgents(0, ""))
		store := new(scheduler.MemoryStore)
		fw := frameworkInfo("short-lived")
		fw.FailoverTimeout = proto.Float64(0) // removed as soon as the stream drops

		c1 := newClient(t, srv, ct, fw, scheduler.WithFrameworkIDStore(store))
		sig1 := newSignals()
		r1 := start(t, c1, sig1.callbacks(scheduler.Callbacks{}))
		id := recv(t, "SUBSCRIBED", sig1.subscribed)
		if err := r1.stop(); err != nil {
			t.Fatalf("Run = %v", err)
		}
		eventually(t, "framework removed", func() bool { return frameworkState(srv, id) == mesostest.FrameworkRemoved })

		c2 := newClient(t, srv, ct, fw, scheduler.WithFrameworkIDStore(store))
		errMsg := make(chan string, 1)
		r2 := start(t, c2, scheduler.Callbacks{
			Error: func(_ context.Context, msg string) error { errMsg <- msg; return nil },
		})
		err := r2.wait()
		var ferr *scheduler.FrameworkError
		if !errors.As(err, &ferr) || !ferr.Removed() || ferr.Message != "Framework has been removed" {
			t.Fatalf("Run = %v, want *FrameworkError \"Framework has been removed\"", err)
		}
		if msg := recv(t, "Error callback", errMsg); msg != ferr.Message {
			t.Fatalf("Error callback got %q", msg)
		}
		if got, _ := store.Load(context.Background()); got != "" {
			t.Fatalf("store still holds %q after removal", got)
		}
	})
}

// Teardown removes the framework; Run then returns nil and the store
// forgets the ID.
func TestTeardown(t *testing.T) {
	forEachCodec(t, func(t *testing.T, ct string) {
		srv := newServer(t, mesostest.WithAgents(0, ""))
		store := new(scheduler.MemoryStore)
		c := newClient(t, srv, ct, frameworkInfo("teardown"), scheduler.WithFrameworkIDStore(store))
		sig := newSignals()
		r := start(t, c, sig.callbacks(scheduler.Callbacks{}))
		id := recv(t, "SUBSCRIBED", sig.subscribed)

		if err := c.Teardown(context.Background()); err != nil {
			t.Fatalf("Teardown: %v", err)
		}
		if err := r.wait(); err != nil {
			t.Fatalf("Run after Teardown = %v, want nil", err)
		}
		if st := frameworkState(srv, id); st != mesostest.FrameworkRemoved {
			t.Fatalf("framework %v after Teardown, want removed", st)
		}
		if got, _ := store.Load(context.Background()); got != "" {
			t.Fatalf("store still holds %q after Teardown", got)
		}
		if n := len(callsOf(srv, schedulerpb.Call_SUBSCRIBE)); n != 1 {
			t.Fatalf("%d SUBSCRIBE calls, want 1 (no resubscription after Teardown)", n)
		}
	})
}

// A second scheduler subscribing with the same framework ID takes over:
// the first gets ERROR "Framework failed over" and its Run returns a
// *FrameworkError; the ID is not forgotten, since the framework lives on.
func TestFrameworkFailedOverToAnotherScheduler(t *testing.T) {
	forEachCodec(t, func(t *testing.T, ct string) {
		srv := newServer(t, mesostest.WithAgents(0, ""))
		store := new(scheduler.MemoryStore)
		c1 := newClient(t, srv, ct, frameworkInfo("twins"), scheduler.WithFrameworkIDStore(store))
		sig1 := newSignals()
		r1 := start(t, c1, sig1.callbacks(scheduler.Callbacks{}))
		id := recv(t, "first SUBSCRIBED", sig1.subscribed)

		c2 := newClient(t, srv, ct, frameworkInfo("twins"), scheduler.WithFrameworkIDStore(store))
		sig2 := newSignals()
		start(t, c2, sig2.callbacks(scheduler.Callbacks{}))
		if got := recv(t, "second SUBSCRIBED", sig2.subscribed); got != id {
			t.Fatalf("second scheduler subscribed as %q, want %q", got, id)
		}
		err := r1.wait()
		var ferr *scheduler.FrameworkError
		if !errors.As(err, &ferr) || ferr.Removed() {
			t.Fatalf("first Run = %v, want a *FrameworkError that is not a removal", err)
		}
		if derr := recv(t, "Disconnected", sig1.disconnected); !errors.As(derr, &ferr) {
			t.Fatalf("Disconnected(%v), want the *FrameworkError", derr)
		}
		if got, _ := store.Load(context.Background()); got != id {
			t.Fatalf("store holds %q, want %q", got, id)
		}
		if st := frameworkState(srv, id); st != mesostest.FrameworkConnected {
			t.Fatalf("framework %v, want connected (to the second scheduler)", st)
		}
	})
}
