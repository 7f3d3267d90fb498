// SPDX-License-Identifier: Apache-2.0

package scheduler_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/schedulerpb"
	"github.com/mesoskit/mesoskit/mesostest"
	"github.com/mesoskit/mesoskit/scheduler"
)

// A 400 on one ACCEPT is that call's error: the stream stays up, the offers
// of the failed ACCEPT are declined automatically, and later launches work.
func TestAccept400KeepsStream(t *testing.T) {
	forEachCodec(t, func(t *testing.T, ct string) {
		srv := newServer(t, mesostest.WithAgents(1, testAgentConfig))
		srv.Inject(schedulerpb.Call_ACCEPT, mesostest.Fault{Status: http.StatusBadRequest, Body: "Failed to validate scheduler::Call: injected"})
		w := newWorkload(2)
		c := newClient(t, srv, ct, frameworkInfo("accept400"), scheduler.WithRefuseSeconds(0))
		w.c = c
		sig := newSignals()
		r := start(t, c, sig.callbacks(w.callbacks()))
		id := recv(t, "SUBSCRIBED", sig.subscribed)
		stream := c.StreamID()
		recv(t, "all tasks terminal", w.allDone)
		w.check(t, srv, id)

		w.mu.Lock()
		errs := append([]error(nil), w.errs...)
		w.mu.Unlock()
		if len(errs) != 1 || !isAPIError(errs[0], http.StatusBadRequest) {
			t.Fatalf("Launch errors %v, want one *APIError with status 400", errs)
		}
		var apiErr *scheduler.APIError
		errors.As(errs[0], &apiErr)
		if apiErr.Call != "ACCEPT" || apiErr.Body != "Failed to validate scheduler::Call: injected" {
			t.Fatalf("APIError %+v: want call ACCEPT and the master's body", apiErr)
		}

		// The offer of the failed ACCEPT was declined after the handler.
		accepts := callsOf(srv, schedulerpb.Call_ACCEPT)
		failed := accepts[0].Call.GetAccept().GetOfferIds()[0].GetValue()
		declined := false
		for _, d := range callsOf(srv, schedulerpb.Call_DECLINE) {
			for _, o := range d.Call.GetDecline().GetOfferIds() {
				declined = declined || o.GetValue() == failed
			}
		}
		if !declined {
			t.Errorf("offer %s of the failed ACCEPT was not declined", failed)
		}

		select {
		case err := <-sig.disconnected:
			t.Fatalf("stream dropped after a failed ACCEPT: %v", err)
		default:
		}
		if n := len(callsOf(srv, schedulerpb.Call_SUBSCRIBE)); n != 1 || c.StreamID() != stream {
			t.Fatalf("%d SUBSCRIBEs, stream %q (was %q): a failed call must not disturb the stream", n, c.StreamID(), stream)
		}
		if r.returned() {
			t.Fatalf("Run returned %v", r.wait())
		}
	})
}

// An ACKNOWLEDGE answered 503 is retried; the update is acknowledged once
// and delivered once.
func TestAcknowledgeRetriedAfter503(t *testing.T) {
	forEachCodec(t, func(t *testing.T, ct string) {
		srv := newServer(t, mesostest.WithAgents(1, testAgentConfig))
		srv.Inject(schedulerpb.Call_ACKNOWLEDGE, mesostest.Fault{Status: http.StatusServiceUnavailable, Body: "Master has not finished recovery"})
		w := newWorkload(1)
		c := newClient(t, srv, ct, frameworkInfo("ack503"))
		w.c = c
		sig := newSignals()
		start(t, c, sig.callbacks(w.callbacks()))
		id := recv(t, "SUBSCRIBED", sig.subscribed)
		recv(t, "task done", w.allDone)
		w.check(t, srv, id) // each update seen once, acknowledged once

		acks := callsOf(srv, schedulerpb.Call_ACKNOWLEDGE)
		if len(acks) < 2 || acks[0].Status != http.StatusServiceUnavailable || !acks[0].Faulted || acks[1].Status != http.StatusAccepted {
			t.Fatalf("ACKNOWLEDGE calls %+v: want a 503 then a 202", acks)
		}
		if !bytes.Equal(acks[0].Call.GetAcknowledge().GetUuid(), acks[1].Call.GetAcknowledge().GetUuid()) {
			t.Fatal("the retry acknowledged a different uuid")
		}
	})
}

// A handler that acknowledges an update itself suppresses the automatic
// acknowledgement; updates without a uuid are never acknowledged.
func TestHandlerAcknowledgesItself(t *testing.T) {
	forEachCodec(t, func(t *testing.T, ct string) {
		srv := newServer(t, mesostest.WithAgents(1, testAgentConfig))
		w := newWorkload(1)
		c := newClient(t, srv, ct, frameworkInfo("self-ack"))
		w.c = c
		cb := w.callbacks()
		cb.Update = func(ctx context.Context, st *mesosproto.TaskStatus) error {
			if err := c.AcknowledgeStatus(ctx, st); err != nil {
				return err
			}
			return w.update(ctx, st)
		}
		sig := newSignals()
		start(t, c, sig.callbacks(cb))
		id := recv(t, "SUBSCRIBED", sig.subscribed)
		recv(t, "task done", w.allDone)

		// Implicit reconciliation: answers carry no uuid and must not be
		// acknowledged.
		acksBefore := len(callsOf(srv, schedulerpb.Call_ACKNOWLEDGE))
		if err := c.Reconcile(context.Background()); err != nil {
			t.Fatalf("Reconcile: %v", err)
		}
		if n := len(callsOf(srv, schedulerpb.Call_RECONCILE)); n != 1 {
			t.Fatalf("%d RECONCILE calls", n)
		}
		rc := callsOf(srv, schedulerpb.Call_RECONCILE)[0].Call
		if rc.Reconcile == nil || len(rc.GetReconcile().GetTasks()) != 0 {
			t.Fatalf("implicit RECONCILE sent %v, want an empty reconcile message", rc.GetReconcile())
		}
		w.check(t, srv, id) // exactly one ACK per reliable update: none automatic on top
		if n := len(callsOf(srv, schedulerpb.Call_ACKNOWLEDGE)); n != acksBefore {
			t.Fatalf("%d ACKNOWLEDGE calls after reconciliation, want %d", n, acksBefore)
		}
	})
}

// Outside a live subscription every call fails fast with ErrNotSubscribed:
// before Run, in Disconnected, after Run returns.
func TestCallsOutsideSubscription(t *testing.T) {
	forEachCodec(t, func(t *testing.T, ct string) {
		srv := newServer(t, mesostest.WithAgents(0, ""))
		c := newClient(t, srv, ct, frameworkInfo("outside"))
		ctx := context.Background()
		offer := []*mesosproto.OfferID{{Value: proto.String("o1")}}
		agent := &mesosproto.AgentID{Value: proto.String("a1")}
		task := &mesosproto.TaskID{Value: proto.String("t1")}
		uuid := bytes.Repeat([]byte{0x40}, 16)
		all := map[string]func() error{
			"Accept":      func() error { return c.Accept(ctx, offer, nil, nil) },
			"Launch":      func() error { return c.Launch(ctx, offer, nil, nil) },
			"Decline":     func() error { return c.Decline(ctx, offer, nil) },
			"Acknowledge": func() error { return c.Acknowledge(ctx, agent, task, uuid) },
			"Kill":        func() error { return c.Kill(ctx, task, agent, nil) },
			"Reconcile":   func() error { return c.Reconcile(ctx) },
			"Revive":      func() error { return c.Revive(ctx) },
			"Suppress":    func() error { return c.Suppress(ctx, "*") },
			"Shutdown":    func() error { return c.Shutdown(ctx, &mesosproto.ExecutorID{Value: proto.String("e")}, agent) },
			"Message": func() error {
				return c.Message(ctx, agent, &mesosproto.ExecutorID{Value: proto.String("e")}, []byte("hi"))
			},
			"AcceptInverseOffers":  func() error { return c.AcceptInverseOffers(ctx, offer, nil) },
			"DeclineInverseOffers": func() error { return c.DeclineInverseOffers(ctx, offer, nil) },
			"ReconcileOperations":  func() error { return c.ReconcileOperations(ctx) },
			"Request":              func() error { return c.Request(ctx) },
			"AcknowledgeOperationStatus": func() error {
				return c.AcknowledgeOperationStatus(ctx, &mesosproto.OperationStatus{Uuid: &mesosproto.UUID{Value: uuid}})
			},
			"Teardown": func() error { return c.Teardown(ctx) },
			"Do":       func() error { return c.Do(ctx, &schedulerpb.Call{Type: schedulerpb.Call_REVIVE.Enum()}) },
		}
		check := func(when string) {
			t.Helper()
			for name, f := range all {
				if err := f(); !errors.Is(err, scheduler.ErrNotSubscribed) {
					t.Errorf("%s %s = %v, want ErrNotSubscribed", name, when, err)
				}
			}
		}
		check("before Run")
		if c.StreamID() != "" {
			t.Fatalf("StreamID() before Run = %q", c.StreamID())
		}

		inDisconnected := make(chan error, 1)
		sig := newSignals()
		r := start(t, c, sig.callbacks(scheduler.Callbacks{
			Disconnected: func(ctx context.Context, _ error) { inDisconnected <- c.Revive(ctx) },
		}))
		recv(t, "SUBSCRIBED", sig.subscribed)
		srv.CloseStreams()
		if err := recv(t, "call in Disconnected", inDisconnected); !errors.Is(err, scheduler.ErrNotSubscribed) {
			t.Errorf("Revive in Disconnected = %v, want ErrNotSubscribed", err)
		}
		recv(t, "resubscription", sig.subscribed)
		if err := r.stop(); err != nil {
			t.Fatalf("Run = %v", err)
		}
		check("after Run")
		if c.StreamID() != "" {
			t.Fatalf("StreamID() after Run = %q", c.StreamID())
		}
		// Only the one SUBSCRIBE per stream reached the master: the failed
		// calls were never sent.
		for _, call := range srv.Calls() {
			if call.Type != schedulerpb.Call_SUBSCRIBE {
				t.Errorf("unexpected %v call reached the master", call.Type)
			}
		}
	})
}

// Run runs once.
func TestRunOnce(t *testing.T) {
	srv := newServer(t, mesostest.WithAgents(0, ""))
	c := newClient(t, srv, "application/x-protobuf", frameworkInfo("once"))
	sig := newSignals()
	r := start(t, c, sig.callbacks(scheduler.Callbacks{}))
	recv(t, "SUBSCRIBED", sig.subscribed)
	if err := c.Run(context.Background(), scheduler.Callbacks{}); !errors.Is(err, scheduler.ErrAlreadyRunning) {
		t.Fatalf("second Run while running = %v, want ErrAlreadyRunning", err)
	}
	if err := r.stop(); err != nil {
		t.Fatal(err)
	}
	if err := c.Run(context.Background(), scheduler.Callbacks{}); !errors.Is(err, scheduler.ErrAlreadyRunning) {
		t.Fatalf("Run after Run = %v, want ErrAlreadyRunning", err)
	}
}

// A handler's error ends Run with that error, wrapped.
func TestHandlerErrorEndsRun(t *testing.T) {
	forEachCodec(t, func(t *testing.T, ct string) {
		srv := newServer(t, mesostest.WithAgents(0, ""))
		boom := errors.New("boom")
		c := newClient(t, srv, ct, frameworkInfo("boom"))
		sig := newSignals()
		r := start(t, c, sig.callbacks(scheduler.Callbacks{
			Heartbeat: func(context.Context) error { return boom },
		}))
		if err := r.wait(); !errors.Is(err, boom) {
			t.Fatalf("Run = %v, want the handler's error", err)
		}
		if err := recv(t, "Disconnected", sig.disconnected); !errors.Is(err, boom) {
			t.Fatalf("Disconnected(%v), want the handler's error", err)
		}
		id := recv(t, "SUBSCRIBED", sig.subscribed)
		if st := frameworkState(srv, id); st == mesostest.FrameworkRemoved {
			t.Fatal("a handler error removed the framework")
		}
	})
}

// A SUBSCRIBE refused with 401 ends Run with an *APIError.
func TestSubscribeUnauthorizedEndsRun(t *testing.T) {
	forEachCodec(t, func(t *testing.T, ct string) {
		srv := newServer(t, mesostest.WithAgents(0, ""))
		srv.Inject(schedulerpb.Call_SUBSCRIBE, mesostest.Fault{Status: http.StatusUnauthorized, Body: "401 Unauthorized."})
		c := newClient(t, srv, ct, frameworkInfo("unauthorized"))
		r := start(t, c, scheduler.Callbacks{})
		if err := r.wait(); !isAPIError(err, http.StatusUnauthorized) {
			t.Fatalf("Run = %v, want *APIError 401", err)
		}
	})
}

// ACCEPT is never replayed, even after a 503: the caller decides.
func TestAcceptNotReplayedAfter503(t *testing.T) {
	forEachCodec(t, func(t *testing.T, ct string) {
		srv := newServer(t, mesostest.WithAgents(1, testAgentConfig))
		srv.Inject(schedulerpb.Call_ACCEPT, mesostest.Fault{Status: http.StatusServiceUnavailable, Body: "Master has not finished recovery"})
		w := newWorkload(1)
		c := newClient(t, srv, ct, frameworkInfo("accept503"), scheduler.WithRefuseSeconds(0))
		w.c = c
		sig := newSignals()
		start(t, c, sig.callbacks(w.callbacks()))
		id := recv(t, "SUBSCRIBED", sig.subscribed)
		recv(t, "task done", w.allDone) // launched on a later offer
		w.check(t, srv, id)
		w.mu.Lock()
		errs := append([]error(nil), w.errs...)
		w.mu.Unlock()
		if len(errs) != 1 || !isAPIError(errs[0], http.StatusServiceUnavailable) {
			t.Fatalf("Launch errors %v, want one 503", errs)
		}
		accepts := callsOf(srv, schedulerpb.Call_ACCEPT)
		if len(accepts) != 2 || !accepts[0].Faulted || accepts[1].Faulted ||
			accepts[0].Call.GetAccept().GetOfferIds()[0].GetValue() == accepts[1].Call.GetAccept().GetOfferIds()[0].GetValue() {
			t.Fatalf("ACCEPT calls %+v: want the faulted one, then one on a new offer (no replay)", accepts)
		}
	})
}

// Every typed call reaches the master with the right type, framework ID and
// stream ID, and is accepted.
func TestTypedCallsReachMaster(t *testing.T) {
	forEachCodec(t, func(t *testing.T, ct string) {
		srv := newServer(t, mesostest.WithAgents(1, testAgentConfig))
		c := newClient(t, srv, ct, frameworkInfo("typed"))
		sig := newSignals()
		start(t, c, sig.callbacks(scheduler.Callbacks{}))
		id := recv(t, "SUBSCRIBED", sig.subscribed)
		ctx := context.Background()
		agent := &mesosproto.AgentID{Value: proto.String(srv.AgentIDs()[0])}
		task := &mesosproto.TaskID{Value: proto.String("no-such-task")}
		exec := &mesosproto.ExecutorID{Value: proto.String("no-such-executor")}
		calls := []struct {
			typ  schedulerpb.Call_Type
			call func() error
		}{
			{schedulerpb.Call_KILL, func() error { return c.Kill(ctx, task, agent, nil) }},
			{schedulerpb.Call_RECONCILE, func() error {
				return c.Reconcile(ctx, &schedulerpb.Call_Reconcile_Task{TaskId: task, AgentId: agent})
			}},
			{schedulerpb.Call_REVIVE, func() error { return c.Revive(ctx) }},
			{schedulerpb.Call_SUPPRESS, func() error { return c.Suppress(ctx) }},
			{schedulerpb.Call_SHUTDOWN, func() error { return c.Shutdown(ctx, exec, agent) }},
			{schedulerpb.Call_MESSAGE, func() error { return c.Message(ctx, agent, exec, []byte("hello")) }},
			{schedulerpb.Call_UPDATE_FRAMEWORK, func() error { return c.UpdateFramework(ctx, frameworkInfo("typed")) }},
			{schedulerpb.Call_REVIVE, func() error { return c.Do(ctx, &schedulerpb.Call{Type: schedulerpb.Call_REVIVE.Enum()}) }},
		}
		for _, tc := range calls {
			before := len(srv.Calls())
			if err := tc.call(); err != nil {
				t.Errorf("%v: %v", tc.typ, err)
				continue
			}
			found := false
			for _, rec := range srv.Calls()[before:] { // automatic DECLINEs may interleave
				if rec.Type == tc.typ {
					found = true
					if rec.FrameworkID != id || rec.StreamID != c.StreamID() || rec.Status/100 != 2 {
						t.Errorf("%v recorded for framework %q stream %q answered %d, want %q %q 2xx",
							tc.typ, rec.FrameworkID, rec.StreamID, rec.Status, id, c.StreamID())
					}
				}
			}
			if !found {
				t.Errorf("%v never reached the master", tc.typ)
			}
		}
		// Decline of an unknown offer is accepted and ignored, as Mesos does.
		if err := c.Decline(ctx, []*mesosproto.OfferID{{Value: proto.String("unknown")}}, nil); err != nil {
			t.Errorf("DECLINE: %v", err)
		}
		// A call the master refuses is the caller's error, and Acknowledge
		// insists on a uuid.
		if err := c.Acknowledge(ctx, agent, task, nil); err == nil {
			t.Error("Acknowledge without uuid succeeded")
		}
		if err := c.Do(ctx, &schedulerpb.Call{Type: schedulerpb.Call_SUBSCRIBE.Enum()}); err == nil {
			t.Error("Do(SUBSCRIBE) succeeded")
		}
	})
}
