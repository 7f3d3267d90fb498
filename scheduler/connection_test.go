// SPDX-License-Identifier: Apache-2.0

package scheduler_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/schedulerpb"
	"github.com/mesoskit/mesoskit/mesostest"
	"github.com/mesoskit/mesoskit/scheduler"
)

// retry is one Resubscribing call.
type retry struct {
	attempt int
	delay   time.Duration
	err     error
}

// A 503 storm on SUBSCRIBE: Resubscribing is called before each retry with
// attempts 1, 2, 3, ..., a backoff delay and the 503; SUBSCRIBED resets the
// count, so a later disconnection starts again at 1.
func TestResubscribingDuring503Storm(t *testing.T) {
	forEachCodec(t, func(t *testing.T, ct string) {
		const storm = 4
		srv := newServer(t, mesostest.WithAgents(0, ""))
		srv.Inject(schedulerpb.Call_SUBSCRIBE, mesostest.Fault{Status: http.StatusServiceUnavailable, Body: "No leader elected", Times: storm})
		c := newClient(t, srv, ct, frameworkInfo("storm-callbacks"))
		retries := make(chan retry, 100)
		sig := newSignals()
		start(t, c, sig.callbacks(scheduler.Callbacks{
			Resubscribing: func(ctx context.Context, attempt int, delay time.Duration, err error) {
				if ctx.Err() != nil {
					err = errors.New("called with a dead ctx")
				}
				retries <- retry{attempt, delay, err}
			},
		}))
		recv(t, "SUBSCRIBED", sig.subscribed)
		for i := 1; i <= storm; i++ {
			r := recv(t, "Resubscribing", retries)
			if r.attempt != i || r.delay <= 0 || r.delay > testBackoffMax || !isAPIError(r.err, http.StatusServiceUnavailable) {
				t.Fatalf("Resubscribing(%d, %v, %v), want (%d, a delay within (0, %v], *APIError 503)", r.attempt, r.delay, r.err, i, testBackoffMax)
			}
		}
		select {
		case r := <-retries:
			t.Fatalf("Resubscribing(%d, %v, %v) after SUBSCRIBED", r.attempt, r.delay, r.err)
		default:
		}

		srv.CloseStreams()
		derr := recv(t, "Disconnected", sig.disconnected)
		r := recv(t, "Resubscribing after the stream broke", retries)
		if r.attempt != 1 || r.err == nil || r.err.Error() != derr.Error() {
			t.Fatalf("Resubscribing(%d, %v, %v), want (1, _, %v)", r.attempt, r.delay, r.err, derr)
		}
		recv(t, "resubscription", sig.subscribed)
	})
}

// A SUBSCRIBE refused with a status that the same request would get again
// ends Run with the *APIError, after one attempt; 404 (a master still
// starting) and 5xx are retried.
func TestSubscribePermanentStatusEndsRun(t *testing.T) {
	forEachCodec(t, func(t *testing.T, ct string) {
		for _, status := range []int{http.StatusBadRequest, http.StatusMethodNotAllowed, http.StatusNotAcceptable, http.StatusUnsupportedMediaType, http.StatusForbidden} {
			t.Run(http.StatusText(status), func(t *testing.T) {
				srv := newServer(t, mesostest.WithAgents(0, ""))
				srv.Inject(schedulerpb.Call_SUBSCRIBE, mesostest.Fault{Status: status, Body: "injected"})
				c := newClient(t, srv, ct, frameworkInfo("refused"))
				retried := make(chan int, 10)
				r := start(t, c, scheduler.Callbacks{
					Resubscribing: func(_ context.Context, attempt int, _ time.Duration, _ error) { retried <- attempt },
				})
				if err := r.wait(); !isAPIError(err, status) {
					t.Fatalf("Run = %v, want *APIError %d", err, status)
				}
				if n := len(callsOf(srv, schedulerpb.Call_SUBSCRIBE)); n != 1 {
					t.Fatalf("%d SUBSCRIBE calls, want 1", n)
				}
				if len(retried) != 0 {
					t.Fatal("Resubscribing called for a refusal Run does not retry")
				}
			})
		}
		for _, status := range []int{http.StatusNotFound, http.StatusInternalServerError, http.StatusBadGateway} {
			t.Run(http.StatusText(status), func(t *testing.T) {
				srv := newServer(t, mesostest.WithAgents(0, ""))
				srv.Inject(schedulerpb.Call_SUBSCRIBE, mesostest.Fault{Status: status, Times: 2})
				c := newClient(t, srv, ct, frameworkInfo("retried"))
				sig := newSignals()
				r := start(t, c, sig.callbacks(scheduler.Callbacks{}))
				recv(t, "SUBSCRIBED", sig.subscribed)
				if n := len(callsOf(srv, schedulerpb.Call_SUBSCRIBE)); n != 3 {
					t.Fatalf("%d SUBSCRIBE calls, want 3", n)
				}
				if err := r.stop(); err != nil {
					t.Fatalf("Run = %v", err)
				}
			})
		}
	})
}

// Callbacks.Lost runs after Update for the states IsLost names, and not at
// all when Update fails.
func TestCallbacksLost(t *testing.T) {
	ctx := context.Background()
	update := func(state mesosproto.TaskState) *schedulerpb.Event {
		return &schedulerpb.Event{
			Type:   schedulerpb.Event_UPDATE.Enum(),
			Update: &schedulerpb.Event_Update{Status: &mesosproto.TaskStatus{State: state.Enum()}},
		}
	}
	var seq []string
	updateErr := error(nil)
	cb := scheduler.Callbacks{
		Update: func(context.Context, *mesosproto.TaskStatus) error { seq = append(seq, "update"); return updateErr },
		Lost:   func(context.Context, *mesosproto.TaskStatus) error { seq = append(seq, "lost"); return nil },
	}
	for state, lost := range map[mesosproto.TaskState]bool{
		mesosproto.TaskState_TASK_LOST: true, mesosproto.TaskState_TASK_UNKNOWN: true, mesosproto.TaskState_TASK_GONE: true,
		mesosproto.TaskState_TASK_DROPPED: true, mesosproto.TaskState_TASK_GONE_BY_OPERATOR: true,
		mesosproto.TaskState_TASK_UNREACHABLE: false, mesosproto.TaskState_TASK_FINISHED: false, mesosproto.TaskState_TASK_RUNNING: false,
	} {
		if scheduler.IsLost(state) != lost {
			t.Errorf("IsLost(%v) = %v, want %v", state, !lost, lost)
		}
		seq = nil
		if err := cb.HandleEvent(ctx, update(state)); err != nil {
			t.Fatal(err)
		}
		want := []string{"update"}
		if lost {
			want = append(want, "lost")
		}
		if len(seq) != len(want) || seq[len(seq)-1] != want[len(want)-1] {
			t.Errorf("%v: callbacks %v, want %v", state, seq, want)
		}
	}
	updateErr = errors.New("update failed")
	seq = nil
	if err := cb.HandleEvent(ctx, update(mesosproto.TaskState_TASK_LOST)); !errors.Is(err, updateErr) || len(seq) != 1 {
		t.Fatalf("HandleEvent = %v with callbacks %v, want Update's error and no Lost", err, seq)
	}
}
