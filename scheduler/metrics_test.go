// SPDX-License-Identifier: Apache-2.0

package scheduler_test

import (
	"context"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/internal/telemetry/telemetrytest"
	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/schedulerpb"
	"github.com/mesoskit/mesoskit/mesostest"
	"github.com/mesoskit/mesoskit/scheduler"
)

// allowedKeys are the only attribute keys the scheduler's metrics use: no
// task, offer, agent or framework ID.
var allowedKeys = map[string]bool{
	"mesos.event.type": true, "mesos.call.type": true, "http.status_class": true, "error.type": true,
	"mesos.task.state": true, "mesos.task.status.source": true, "mesoskit.cause": true,
	"mesoskit.declined_by": true, "mesoskit.reconciliation": true, "mesoskit.resubscribed": true,
	"mesoskit.offer.outcome": true,
}

func checkKeys(t *testing.T, mr *telemetrytest.Reader) {
	t.Helper()
	for name := range mr.Collect() {
		for k := range mr.Keys(name) {
			if !allowedKeys[k] {
				t.Errorf("metric %s has attribute %q", name, k)
			}
		}
	}
}

// A workload's events, calls, offers, updates and acknowledgements are
// counted with their types, outcomes and states.
func TestMetricsWorkload(t *testing.T) {
	forEachCodec(t, func(t *testing.T, ct string) {
		mr := telemetrytest.New(t)
		srv := newServer(t, mesostest.WithAgents(2, testAgentConfig))
		w := newWorkload(4)
		c := newClient(t, srv, ct, frameworkInfo("metrics"), scheduler.WithRefuseSeconds(0),
			scheduler.WithMeterProvider(mr.Provider))
		w.c = c
		sig := newSignals()
		start(t, c, sig.callbacks(w.callbacks()))
		recv(t, "SUBSCRIBED", sig.subscribed)
		recv(t, "all tasks terminal", w.allDone)

		ev := func(typ string) int64 {
			return mr.Int("mesoskit.scheduler.events", map[string]string{"mesos.event.type": typ})
		}
		if n := ev("SUBSCRIBED"); n != 1 {
			t.Errorf("events{SUBSCRIBED} = %d, want 1", n)
		}
		if n := ev("OFFERS"); n < 1 {
			t.Errorf("events{OFFERS} = %d, want ≥ 1", n)
		}
		if got, want := mr.Int("mesoskit.scheduler.status_updates", map[string]string{"mesos.task.state": "TASK_FINISHED"}), int64(4); got != want {
			t.Errorf("status_updates{TASK_FINISHED} = %d, want %d", got, want)
		}
		if got, want := mr.Int("mesoskit.scheduler.status_updates", nil), ev("UPDATE"); got != want || got < 12 {
			t.Errorf("status_updates = %d, events{UPDATE} = %d; want equal and ≥ 12 (3 states × 4 tasks)", got, want)
		}
		accepts := mr.Int("mesoskit.scheduler.calls", map[string]string{"mesos.call.type": "ACCEPT", "http.status_class": "2xx"})
		if accepts < 2 {
			t.Errorf("calls{ACCEPT,2xx} = %d, want ≥ 2", accepts)
		}
		if n, sum := mr.Hist("mesoskit.scheduler.call.duration", map[string]string{"mesos.call.type": "ACCEPT"}); int64(n) != accepts || sum <= 0 {
			t.Errorf("call.duration{ACCEPT}: %d values (sum %v s), want %d > 0", n, sum, accepts)
		}
		if n := mr.Int("mesoskit.scheduler.subscriptions", map[string]string{"mesoskit.resubscribed": "false"}); n != 1 {
			t.Errorf("subscriptions{resubscribed=false} = %d, want 1", n)
		}
		if n, sum := mr.Hist("mesoskit.scheduler.subscribe.duration", nil); n != 1 || sum <= 0 {
			t.Errorf("subscribe.duration: %d values (sum %v), want 1 > 0", n, sum)
		}
		if n := mr.Int("mesoskit.scheduler.connected", nil); n != 1 {
			t.Errorf("connected = %d, want 1", n)
		}
		if n := mr.Int("mesoskit.scheduler.offers.received", nil); n < 1 {
			t.Errorf("offers.received = %d, want ≥ 1", n)
		}
		accepted := mr.Int("mesoskit.scheduler.offers.accepted", nil)
		if accepted != accepts {
			t.Errorf("offers.accepted = %d, want %d (one offer per ACCEPT)", accepted, accepts)
		}
		if n, _ := mr.Hist("mesoskit.scheduler.offer.held_time", map[string]string{"mesoskit.offer.outcome": "accepted"}); int64(n) != accepted {
			t.Errorf("offer.held_time{accepted}: %d values, want %d", n, accepted)
		}
		// Offers keep coming with refuse_seconds 0; the unused ones are declined.
		eventually(t, "automatic declines", func() bool {
			return mr.Int("mesoskit.scheduler.offers.declined", map[string]string{"mesoskit.declined_by": "automatic"}) > 0
		})
		// Every reliable update was acknowledged automatically.
		w.mu.Lock()
		reliable := 0
		for _, n := range w.reliable {
			reliable += n
		}
		w.mu.Unlock()
		eventually(t, "acknowledgements counted", func() bool {
			return mr.Int("mesoskit.scheduler.acknowledgements.sent", nil) == int64(reliable)
		})
		if n := mr.Int("mesoskit.scheduler.acknowledgements.failed", nil); n != 0 {
			t.Errorf("acknowledgements.failed = %d, want 0", n)
		}
		for _, name := range []string{"mesoskit.scheduler.acknowledgements.in_flight", "mesoskit.scheduler.event_queue.depth",
			"mesoskit.scheduler.suppressed_roles", "mesoskit.scheduler.reconciliation.unconfirmed"} {
			if !mr.Found(name) {
				t.Errorf("%s not reported while Run runs", name)
			}
		}
		for name, unit := range map[string]string{"mesoskit.scheduler.events": "{event}", "mesoskit.scheduler.call.duration": "s",
			"mesoskit.scheduler.offers.received": "{offer}", "mesoskit.scheduler.calls": "{call}"} {
			if got := mr.Unit(name); got != unit {
				t.Errorf("unit of %s = %q, want %q", name, got, unit)
			}
		}
		checkKeys(t, mr)
	})
}

// Resubscriptions are counted by cause, missed heartbeats counted, the
// connected gauge follows the subscription, and a resubscription is told
// apart from the first subscription.
func TestMetricsResubscriptions(t *testing.T) {
	forEachCodec(t, func(t *testing.T, ct string) {
		mr := telemetrytest.New(t)
		srv := newServer(t)
		c := newClient(t, srv, ct, frameworkInfo("metrics"), scheduler.WithMeterProvider(mr.Provider),
			scheduler.WithMissedHeartbeats(3))
		sig := newSignals()
		start(t, c, sig.callbacks(scheduler.Callbacks{}))
		recv(t, "SUBSCRIBED", sig.subscribed)

		// While heartbeats are stopped every new subscription is dropped
		// again after 150 ms: a test goroutine that a loaded machine holds
		// up sees several drops and resubscriptions, so the waits below
		// follow the metrics, not a count of Disconnected and Subscribed
		// calls. The Client counts a resubscription's cause after the
		// connected gauge went to 0, and sets the gauge to 1 last when it
		// subscribes.
		connected := func() int64 { return mr.Int("mesoskit.scheduler.connected", nil) }
		srv.StopHeartbeats()
		recv(t, "Disconnected", sig.disconnected)
		eventually(t, "connected = 0", func() bool { return connected() == 0 })
		srv.ResumeHeartbeats()
		eventually(t, "a resubscription after missed heartbeats", func() bool {
			return mr.Int("mesoskit.scheduler.resubscriptions", map[string]string{"mesoskit.cause": "missed_heartbeats"}) >= 1 &&
				connected() == 1
		})
		if n := mr.Int("mesoskit.scheduler.heartbeats.missed", nil); n < 1 {
			t.Errorf("heartbeats.missed = %d, want ≥ 1", n)
		}

		// The subscription seen above may be one that the master already
		// dropped (its stream was silent until the heartbeats resumed), and
		// CloseStreams closes only the streams of connected frameworks: it
		// is called again until a stream it closed is counted.
		eventually(t, "a resubscription after the stream ended", func() bool {
			if mr.Int("mesoskit.scheduler.resubscriptions", map[string]string{"mesoskit.cause": "stream_ended"}) >= 1 {
				return true
			}
			srv.CloseStreams()
			return false
		})
		eventually(t, "connected = 1", func() bool { return connected() == 1 })
		if n := mr.Int("mesoskit.scheduler.subscriptions", map[string]string{"mesoskit.resubscribed": "true"}); n < 2 {
			t.Errorf("subscriptions{resubscribed=true} = %d, want ≥ 2", n)
		}
		if n, _ := mr.Hist("mesoskit.scheduler.subscribe.duration", map[string]string{"mesoskit.resubscribed": "true"}); n < 2 {
			t.Errorf("subscribe.duration{resubscribed=true}: %d values, want ≥ 2", n)
		}
		checkKeys(t, mr)
	})
}

// Failed calls are counted by outcome: not subscribed, and a master that
// answers 500.
func TestMetricsCallOutcomes(t *testing.T) {
	forEachCodec(t, func(t *testing.T, ct string) {
		mr := telemetrytest.New(t)
		srv := newServer(t)
		c := newClient(t, srv, ct, frameworkInfo("metrics"), scheduler.WithMeterProvider(mr.Provider))
		ctx := context.Background()
		task := &mesosproto.TaskID{Value: proto.String("t")}
		if err := c.Kill(ctx, task, nil, nil); err == nil {
			t.Fatal("Kill before Run succeeded")
		}
		if n := mr.Int("mesoskit.scheduler.calls", map[string]string{"mesos.call.type": "KILL", "error.type": "not_subscribed"}); n != 1 {
			t.Errorf("calls{KILL,not_subscribed} = %d, want 1", n)
		}
		sig := newSignals()
		start(t, c, sig.callbacks(scheduler.Callbacks{}))
		recv(t, "SUBSCRIBED", sig.subscribed)
		srv.Inject(schedulerpb.Call_KILL, mesostest.Fault{Status: 500, Body: "boom"})
		if err := c.Kill(ctx, task, nil, nil); !isAPIError(err, 500) {
			t.Fatalf("Kill = %v, want a 500", err)
		}
		want := map[string]string{"mesos.call.type": "KILL", "http.status_class": "5xx", "error.type": "http_status"}
		if n := mr.Int("mesoskit.scheduler.calls", want); n != 1 {
			t.Errorf("calls{KILL,5xx} = %d, want 1", n)
		}
		if n, _ := mr.Hist("mesoskit.scheduler.call.duration", want); n != 1 {
			t.Errorf("call.duration{KILL,5xx}: %d values, want 1", n)
		}
	})
}

// An event that cannot be decoded is counted, and so is the resubscription
// it causes.
func TestMetricsDecodeErrors(t *testing.T) {
	forEachCodec(t, func(t *testing.T, ct string) {
		mr := telemetrytest.New(t)
		f := newFakeMaster(t, func(n int, s *fakeStream) {
			s.subscribed(testHeartbeat)
			if n == 1 {
				s.raw([]byte("4\n\xff\xff\xff\xff"))
				<-s.ctx.Done()
				return
			}
			s.heartbeats(testHeartbeat)
		})
		c := newFakeClient(t, f, ct, scheduler.WithMeterProvider(mr.Provider))
		sig := newSignals()
		start(t, c, sig.callbacks(scheduler.Callbacks{}))
		recv(t, "SUBSCRIBED", sig.subscribed)
		recv(t, "Disconnected", sig.disconnected)
		recv(t, "resubscription", sig.subscribed)
		if n := mr.Int("mesoskit.scheduler.decode_errors", nil); n != 1 {
			t.Errorf("decode_errors = %d, want 1", n)
		}
		if n := mr.Int("mesoskit.scheduler.resubscriptions", map[string]string{"mesoskit.cause": "decode"}); n != 1 {
			t.Errorf("resubscriptions{decode} = %d, want 1", n)
		}
	})
}

// Events waiting for a blocked handler show in the queue depth.
func TestMetricsEventQueueDepth(t *testing.T) {
	forEachCodec(t, func(t *testing.T, ct string) {
		mr := telemetrytest.New(t)
		f := newFakeMaster(t, func(n int, s *fakeStream) {
			s.subscribed(testHeartbeat)
			for i := range 6 {
				s.event(rescind(i))
			}
			s.heartbeats(testHeartbeat)
		})
		c := newFakeClient(t, f, ct, scheduler.WithMeterProvider(mr.Provider))
		release := make(chan struct{})
		start(t, c, scheduler.Callbacks{Rescind: func(ctx context.Context, _ *mesosproto.OfferID) error {
			select {
			case <-release:
			case <-ctx.Done():
			}
			return nil
		}})
		eventually(t, "queued events", func() bool { return mr.Int("mesoskit.scheduler.event_queue.depth", nil) >= 1 })
		close(release)
		eventually(t, "empty queue", func() bool { return mr.Int("mesoskit.scheduler.event_queue.depth", nil) == 0 })
	})
}

// Explicit reconciliation rounds are counted, and the tasks not confirmed
// yet are reported until the master answers.
func TestMetricsReconciliation(t *testing.T) {
	forEachCodec(t, func(t *testing.T, ct string) {
		mr := telemetrytest.New(t)
		srv := newServer(t, mesostest.WithAgents(1, testAgentConfig))
		srv.Inject(schedulerpb.Call_RECONCILE, mesostest.Fault{Status: 500, Times: 3})
		src := func(context.Context) ([]*schedulerpb.Call_Reconcile_Task, error) {
			return []*schedulerpb.Call_Reconcile_Task{{TaskId: &mesosproto.TaskID{Value: proto.String("ghost")}}}, nil
		}
		c := newClient(t, srv, ct, frameworkInfo("metrics"), scheduler.WithMeterProvider(mr.Provider),
			scheduler.WithTaskSource(src), scheduler.WithReconcileBackoff(50*time.Millisecond, 50*time.Millisecond))
		sig := newSignals()
		start(t, c, sig.callbacks(scheduler.Callbacks{}))
		recv(t, "SUBSCRIBED", sig.subscribed)
		eventually(t, "an unconfirmed task", func() bool {
			return mr.Int("mesoskit.scheduler.reconciliation.unconfirmed", nil) == 1
		})
		eventually(t, "reconciliation complete", func() bool {
			return mr.Int("mesoskit.scheduler.reconciliation.unconfirmed", nil) == 0 &&
				mr.Int("mesoskit.scheduler.reconciliation.rounds", map[string]string{"mesoskit.reconciliation": "explicit"}) >= 4
		})
	})
}

// Offer suppression shows in suppressed_roles.
func TestMetricsSuppressedRoles(t *testing.T) {
	forEachCodec(t, func(t *testing.T, ct string) {
		mr := telemetrytest.New(t)
		srv := newServer(t, mesostest.WithAgents(1, testAgentConfig))
		c := newClient(t, srv, ct, frameworkInfo("metrics"), scheduler.WithMeterProvider(mr.Provider),
			scheduler.WithSuppressDelay(time.Millisecond))
		sig := newSignals()
		start(t, c, sig.callbacks(scheduler.Callbacks{}))
		recv(t, "SUBSCRIBED", sig.subscribed)
		if n := mr.Int("mesoskit.scheduler.suppressed_roles", nil); n != 0 {
			t.Errorf("suppressed_roles = %d before SetDemand(false), want 0", n)
		}
		c.SetDemand(false)
		eventually(t, "suppressed role", func() bool { return mr.Int("mesoskit.scheduler.suppressed_roles", nil) == 1 })
		c.SetDemand(true)
		eventually(t, "revived", func() bool { return mr.Int("mesoskit.scheduler.suppressed_roles", nil) == 0 })
	})
}

// Offers the handler declines are counted as declined by the handler, with
// their held time; acknowledgements the master is slow to answer show in
// flight.
func TestMetricsDeclinesAndAcksInFlight(t *testing.T) {
	forEachCodec(t, func(t *testing.T, ct string) {
		mr := telemetrytest.New(t)
		srv := newServer(t, mesostest.WithAgents(1, testAgentConfig))
		// Acknowledgements through net/http, so that the refused one is
		// also in calls{ACKNOWLEDGE,4xx} (pipelined ones are not calls).
		c := newClient(t, srv, ct, frameworkInfo("metrics"), scheduler.WithMeterProvider(mr.Provider),
			scheduler.WithRefuseSeconds(0), scheduler.WithoutPipelinedAcks())
		sig := newSignals()
		start(t, c, sig.callbacks(scheduler.Callbacks{Offers: func(ctx context.Context, offers []scheduler.Offer) error {
			ids := make([]*mesosproto.OfferID, len(offers))
			for i, o := range offers {
				ids[i] = o.ProtoID()
			}
			return c.Decline(ctx, ids, &mesosproto.Filters{RefuseSeconds: proto.Float64(0)})
		}}))
		id := recv(t, "SUBSCRIBED", sig.subscribed)
		handler := map[string]string{"mesoskit.declined_by": "handler"}
		eventually(t, "declines by the handler", func() bool { return mr.Int("mesoskit.scheduler.offers.declined", handler) >= 1 })
		declined := mr.Int("mesoskit.scheduler.offers.declined", handler)
		if n, _ := mr.Hist("mesoskit.scheduler.offer.held_time", map[string]string{"mesoskit.offer.outcome": "declined", "mesoskit.declined_by": "handler"}); n < uint64(declined) {
			t.Errorf("offer.held_time{declined by handler}: %d values, want ≥ %d", n, declined)
		}
		if n := mr.Int("mesoskit.scheduler.offers.declined", map[string]string{"mesoskit.declined_by": "automatic"}); n != 0 {
			t.Errorf("offers.declined{automatic} = %d, want 0: the handler declined every offer", n)
		}

		// Slow acknowledgements stay in flight until the master answers.
		srv.Inject(schedulerpb.Call_ACKNOWLEDGE, mesostest.Fault{Delay: time.Second, Times: 1})
		st := &mesosproto.TaskStatus{
			TaskId: &mesosproto.TaskID{Value: proto.String("t-1")}, State: mesosproto.TaskState_TASK_RUNNING.Enum(),
			AgentId: &mesosproto.AgentID{Value: proto.String(srv.AgentIDs()[0])}, Uuid: []byte("0123456789abcdef"),
		}
		if _, err := srv.SendStatusUpdates(id, st); err != nil {
			t.Fatal(err)
		}
		eventually(t, "an acknowledgement in flight", func() bool {
			return mr.Int("mesoskit.scheduler.acknowledgements.in_flight", nil) == 1
		})
		eventually(t, "the acknowledgement answered", func() bool {
			return mr.Int("mesoskit.scheduler.acknowledgements.in_flight", nil) == 0
		})
		if n := mr.Int("mesoskit.scheduler.acknowledgements.sent", nil); n != 1 {
			t.Errorf("acknowledgements.sent = %d, want 1", n)
		}
		if n := mr.Int("mesoskit.scheduler.acknowledgements.failed", nil); n != 0 {
			t.Errorf("acknowledgements.failed = %d after a slow success, want 0", n)
		}

		// A refused acknowledgement is counted as failed.
		srv.Inject(schedulerpb.Call_ACKNOWLEDGE, mesostest.Fault{Status: 400, Body: "refused", Times: 1})
		st.TaskId = &mesosproto.TaskID{Value: proto.String("t-2")}
		st.Uuid = []byte("fedcba9876543210")
		if _, err := srv.SendStatusUpdates(id, st); err != nil {
			t.Fatal(err)
		}
		eventually(t, "a failed acknowledgement", func() bool {
			return mr.Int("mesoskit.scheduler.acknowledgements.failed", nil) == 1
		})
		want := map[string]string{"mesos.call.type": "ACKNOWLEDGE", "http.status_class": "4xx"}
		if n := mr.Int("mesoskit.scheduler.calls", want); n != 1 {
			t.Errorf("calls{ACKNOWLEDGE,4xx} = %d, want 1", n)
		}
	})
}
