// SPDX-License-Identifier: Apache-2.0

package scheduler_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mesoskit/mesoskit/mesosproto/schedulerpb"
	"github.com/mesoskit/mesoskit/mesostest"
	"github.com/mesoskit/mesoskit/scheduler"
)

// A stream that goes silent (no heartbeat, no byte) for the configured
// number of heartbeat intervals is dropped, and the Client resubscribes with
// the same framework ID on a new stream.
func TestMissedHeartbeatsResubscribe(t *testing.T) {
	forEachCodec(t, func(t *testing.T, ct string) {
		srv := newServer(t, mesostest.WithAgents(0, ""))
		c := newClient(t, srv, ct, frameworkInfo("heartbeats"), scheduler.WithMissedHeartbeats(3))
		sig := newSignals()
		start(t, c, sig.callbacks(scheduler.Callbacks{}))
		id := recv(t, "SUBSCRIBED", sig.subscribed)
		firstStream := c.StreamID()

		srv.StopHeartbeats()
		if err := recv(t, "Disconnected", sig.disconnected); !errors.Is(err, scheduler.ErrMissedHeartbeats) {
			t.Fatalf("Disconnected(%v), want ErrMissedHeartbeats", err)
		}
		srv.ResumeHeartbeats()
		if got := recv(t, "resubscription", sig.subscribed); got != id {
			t.Fatalf("resubscribed as %q, want %q", got, id)
		}
		if s := c.StreamID(); s == "" || s == firstStream {
			t.Fatalf("stream ID after resubscription %q, want a new one (was %q)", s, firstStream)
		}
		// Calls carry the new stream ID.
		if err := c.Reconcile(context.Background()); err != nil {
			t.Fatalf("Reconcile on the new stream: %v", err)
		}
		rec := callsOf(srv, schedulerpb.Call_RECONCILE)
		if last := rec[len(rec)-1]; last.StreamID != c.StreamID() || last.Status != http.StatusAccepted {
			t.Fatalf("RECONCILE sent stream %q answered %d, want %q 202", last.StreamID, last.Status, c.StreamID())
		}
	})
}

// A stream cut by the network is resubscribed with the same framework ID.
func TestStreamCutResubscribe(t *testing.T) {
	forEachCodec(t, func(t *testing.T, ct string) {
		srv := newServer(t, mesostest.WithAgents(1, testAgentConfig))
		c := newClient(t, srv, ct, frameworkInfo("cut"))
		sig := newSignals()
		r := start(t, c, sig.callbacks(scheduler.Callbacks{}))
		id := recv(t, "SUBSCRIBED", sig.subscribed)
		firstStream := c.StreamID()

		srv.CloseStreams()
		if err := recv(t, "Disconnected", sig.disconnected); err == nil {
			t.Fatal("Disconnected(nil), want the stream's error")
		}
		if got := recv(t, "resubscription", sig.subscribed); got != id {
			t.Fatalf("resubscribed as %q, want %q", got, id)
		}
		if c.StreamID() == firstStream {
			t.Fatal("stream ID unchanged after resubscription")
		}
		if st := frameworkState(srv, id); st != mesostest.FrameworkConnected {
			t.Fatalf("framework %v, want connected", st)
		}
		if r.returned() {
			t.Fatalf("Run returned %v after a cut stream", r.wait())
		}
	})
}

// The master answers 503 to several SUBSCRIBEs in a row (recovering, no
// leader); the Client backs off between attempts and subscribes once the
// master is ready.
func TestSubscribe503StormThenRecovery(t *testing.T) {
	forEachCodec(t, func(t *testing.T, ct string) {
		srv := newServer(t, mesostest.WithAgents(0, ""))
		const storm = 5
		srv.Inject(schedulerpb.Call_SUBSCRIBE, mesostest.Fault{Status: http.StatusServiceUnavailable, Body: "Master has not finished recovery", Times: storm})
		c := newClient(t, srv, ct, frameworkInfo("storm"))
		sig := newSignals()
		r := start(t, c, sig.callbacks(scheduler.Callbacks{}))
		recv(t, "SUBSCRIBED", sig.subscribed)

		subs := callsOf(srv, schedulerpb.Call_SUBSCRIBE)
		if len(subs) != storm+1 {
			t.Fatalf("%d SUBSCRIBE calls, want %d", len(subs), storm+1)
		}
		for i, call := range subs {
			want := http.StatusServiceUnavailable
			if i == storm {
				want = http.StatusOK
			}
			if call.Status != want {
				t.Fatalf("SUBSCRIBE %d answered %d, want %d", i, call.Status, want)
			}
			if i > 0 {
				// Backoff: at least the initial interval minus jitter.
				if gap := call.Time.Sub(subs[i-1].Time); gap < testBackoffMin/2 {
					t.Fatalf("SUBSCRIBE %d only %v after the previous one: no backoff", i, gap)
				}
			}
		}
		if r.returned() {
			t.Fatalf("Run returned %v", r.wait())
		}
	})
}

// No master leads for a while (every master answers 503 "No leader
// elected", streams drop), then another master is elected: the Client
// pointed at the old leader follows its 307 to the new one and resubscribes
// with the same framework ID.
func TestNoLeaderThenFailover(t *testing.T) {
	forEachCodec(t, func(t *testing.T, ct string) {
		srv := newServer(t, mesostest.WithMasters(2), mesostest.WithAgents(0, ""))
		urls := srv.MasterURLs()
		c := newClient(t, srv, ct, frameworkInfo("failover"))
		sig := newSignals()
		start(t, c, sig.callbacks(scheduler.Callbacks{}))
		id := recv(t, "SUBSCRIBED", sig.subscribed)

		srv.SetNoLeader()
		recv(t, "Disconnected", sig.disconnected)
		eventually(t, "SUBSCRIBEs refused with 503", func() bool {
			n := 0
			for _, call := range srv.Calls() { // refused before the body is read: type unknown
				if call.Status == http.StatusServiceUnavailable {
					n++
				}
			}
			return n >= 3
		})
		if err := srv.Failover(); err != nil {
			t.Fatal(err)
		}
		if got := recv(t, "resubscription", sig.subscribed); got != id {
			t.Fatalf("resubscribed as %q, want %q", got, id)
		}
		if srv.URL() == urls[0] {
			t.Fatal("Failover did not change the leader")
		}
		subs := callsOf(srv, schedulerpb.Call_SUBSCRIBE)
		last := subs[len(subs)-1]
		if last.Status != http.StatusOK || last.Master != 1 {
			t.Fatalf("last SUBSCRIBE answered %d by master %d, want 200 by master 1", last.Status, last.Master)
		}
		// Calls now go to the new leader.
		if err := c.Reconcile(context.Background()); err != nil {
			t.Fatalf("Reconcile after failover: %v", err)
		}
		rec := callsOf(srv, schedulerpb.Call_RECONCILE)
		if got := rec[len(rec)-1]; got.Master != 1 || got.Status != http.StatusAccepted {
			t.Fatalf("RECONCILE went to master %d and got %d, want master 1 and 202", got.Master, got.Status)
		}
	})
}

// A non-leading master answers 307 with a protocol-relative Location; the
// Client follows it, and its calls go to the leader.
func TestRedirectFollowed(t *testing.T) {
	forEachCodec(t, func(t *testing.T, ct string) {
		srv := newServer(t, mesostest.WithMasters(2), mesostest.WithAgents(1, testAgentConfig))
		follower := srv.MasterURLs()[1]
		w := newWorkload(1)
		c := newClient(t, nil, ct, frameworkInfo("redirect"), scheduler.WithMaster(follower))
		w.c = c
		sig := newSignals()
		start(t, c, sig.callbacks(w.callbacks()))
		id := recv(t, "SUBSCRIBED", sig.subscribed)
		recv(t, "task done", w.allDone)
		w.check(t, srv, id)

		// The follower redirects before reading the body, so the server
		// records that request without a call type.
		calls := srv.Calls()
		if len(calls) < 2 || calls[0].Master != 1 || calls[0].Status != http.StatusTemporaryRedirect ||
			calls[1].Master != 0 || calls[1].Type != schedulerpb.Call_SUBSCRIBE || calls[1].Status != http.StatusOK {
			t.Fatalf("first calls %+v, want a 307 from master 1 then SUBSCRIBE 200 from master 0", calls[:min(2, len(calls))])
		}
		for _, call := range calls[1:] {
			if call.Master != 0 {
				t.Errorf("%v call sent to master %d, want the leader (0)", call.Type, call.Master)
			}
		}
	})
}

// redirector is a fake master that answers every request with a 307 to
// next, counting requests.
type redirector struct {
	srv  *httptest.Server
	hits atomic.Int64
	next atomic.Value // string: host:port
}

func newRedirectors(t *testing.T, n int) []*redirector {
	rs := make([]*redirector, n)
	for i := range rs {
		r := &redirector{}
		r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
			r.hits.Add(1)
			if req.Header.Get("Mesos-Stream-Id") != "" {
				http.Error(w, "Subscribe calls should not include the 'Mesos-Stream-Id' header", http.StatusBadRequest)
				return
			}
			next, _ := r.next.Load().(string)
			w.Header().Set("Location", "//"+next+"/master/api/v1/scheduler")
			w.WriteHeader(http.StatusTemporaryRedirect)
		}))
		t.Cleanup(r.srv.Close)
		rs[i] = r
	}
	return rs
}

func (r *redirector) hostPort() string { return strings.TrimPrefix(r.srv.URL, "http://") }

// Two masters that redirect to each other: the Client notices the loop at
// once (each attempt visits each master once), backs off and tries again,
// forever, without returning.
func TestRedirectLoopCutOff(t *testing.T) {
	forEachCodec(t, func(t *testing.T, ct string) {
		rs := newRedirectors(t, 2)
		rs[0].next.Store(rs[1].hostPort())
		rs[1].next.Store(rs[0].hostPort())
		c := newClient(t, nil, ct, frameworkInfo("loop"), scheduler.WithMaster(rs[0].hostPort()), scheduler.WithMaxRedirects(10))
		r := start(t, c, scheduler.Callbacks{})
		eventually(t, "several attempts", func() bool { return rs[0].hits.Load() >= 4 })
		if r.returned() {
			t.Fatalf("Run returned %v on a redirect loop; it must keep retrying", r.wait())
		}
		if err := r.stop(); err != nil {
			t.Fatalf("Run = %v after cancel, want nil", err)
		}
		a, b := rs[0].hits.Load(), rs[1].hits.Load()
		if b > a || a-b > 1 {
			t.Fatalf("hits A=%d B=%d: each attempt should visit A then B once and stop at the loop", a, b)
		}
	})
}

// A chain of redirects longer than WithMaxRedirects is cut off at the cap.
func TestRedirectHopCap(t *testing.T) {
	forEachCodec(t, func(t *testing.T, ct string) {
		rs := newRedirectors(t, 5)
		for i := range rs {
			rs[i].next.Store(rs[(i+1)%len(rs)].hostPort())
		}
		c := newClient(t, nil, ct, frameworkInfo("chain"), scheduler.WithMaster(rs[0].hostPort()), scheduler.WithMaxRedirects(2))
		r := start(t, c, scheduler.Callbacks{})
		eventually(t, "several attempts", func() bool { return rs[0].hits.Load() >= 3 })
		if err := r.stop(); err != nil {
			t.Fatalf("Run = %v after cancel, want nil", err)
		}
		// Hops 0→1→2 are followed; the third redirect (to 3) is refused.
		if n := rs[3].hits.Load(); n != 0 {
			t.Fatalf("master 3 got %d requests beyond the cap of 2 redirects", n)
		}
		if rs[2].hits.Load() == 0 {
			t.Fatal("the second redirect was not followed")
		}
	})
}

// A handler that blocks longer than the heartbeat timeout, while the master
// keeps sending heartbeats: the stream is not dropped (heartbeats are read
// and coalesced behind the handler), the handler's ctx is not cancelled, and
// events continue afterwards on the same stream.
func TestHandlerBlockedPastHeartbeatTimeoutKeepsStream(t *testing.T) {
	forEachCodec(t, func(t *testing.T, ct string) {
		const (
			beat   = 20 * time.Millisecond
			missed = 25 // timeout 500 ms: a margin for stalls of a loaded machine
		)
		srv := newServer(t, mesostest.WithAgents(0, ""), mesostest.WithHeartbeatInterval(beat))
		block := 3 * missed * beat
		var beats atomic.Int64
		cancelled := make(chan error, 1)
		c := newClient(t, srv, ct, frameworkInfo("slow"), scheduler.WithMissedHeartbeats(missed))
		sig := newSignals()
		start(t, c, sig.callbacks(scheduler.Callbacks{
			Subscribed: func(ctx context.Context, _ *schedulerpb.Event_Subscribed) error {
				select {
				case <-ctx.Done():
					cancelled <- context.Cause(ctx)
				case <-time.After(block):
					cancelled <- nil
				}
				return nil
			},
			Heartbeat: func(context.Context) error { beats.Add(1); return nil },
		}))
		id := recv(t, "SUBSCRIBED", sig.subscribed)
		stream := c.StreamID()
		if err := recv(t, "handler end", cancelled); err != nil {
			t.Fatalf("the blocked handler's ctx was cancelled (%v) although heartbeats kept coming", err)
		}
		eventually(t, "heartbeats after the block", func() bool { return beats.Load() >= 8 })
		select {
		case err := <-sig.disconnected:
			t.Fatalf("stream dropped while the handler was blocked: %v", err)
		default:
		}
		if st, _ := srv.Framework(id); st.Subscriptions != 1 || c.StreamID() != stream {
			t.Fatalf("%d subscriptions, stream %q (was %q): want the same single stream", st.Subscriptions, c.StreamID(), stream)
		}
	})
}

// A handler blocked while the master goes silent: the watchdog keeps
// observing, fires while the handler is still blocked, cancels its ctx, and
// the Client resubscribes once the handler returns.
func TestHandlerBlockedWhileMasterSilentResubscribes(t *testing.T) {
	forEachCodec(t, func(t *testing.T, ct string) {
		srv := newServer(t, mesostest.WithAgents(0, ""))
		var calls atomic.Int64
		c := newClient(t, srv, ct, frameworkInfo("slow-silent"), scheduler.WithMissedHeartbeats(2))
		sig := newSignals()
		start(t, c, sig.callbacks(scheduler.Callbacks{
			Subscribed: func(ctx context.Context, _ *schedulerpb.Event_Subscribed) error {
				if calls.Add(1) > 1 {
					return nil
				}
				srv.StopHeartbeats()
				select {
				case <-ctx.Done(): // the watchdog, not the end of the test
					return ctx.Err() // not a handler failure: the subscription ended
				case <-time.After(waitLimit):
					return errors.New("ctx never cancelled")
				}
			},
		}))
		id := recv(t, "SUBSCRIBED", sig.subscribed)
		if err := recv(t, "Disconnected", sig.disconnected); !errors.Is(err, scheduler.ErrMissedHeartbeats) {
			t.Fatalf("Disconnected(%v), want ErrMissedHeartbeats", err)
		}
		srv.ResumeHeartbeats()
		if got := recv(t, "resubscription", sig.subscribed); got != id {
			t.Fatalf("resubscribed as %q, want %q", got, id)
		}
	})
}

// An HTTP client whose Timeout is shorter than the stream's life does not
// kill the stream: the Client streams with a copy without Timeout.
func TestHTTPClientTimeoutDoesNotKillStream(t *testing.T) {
	forEachCodec(t, func(t *testing.T, ct string) {
		srv := newServer(t, mesostest.WithAgents(0, ""))
		tr := &http.Transport{}
		t.Cleanup(tr.CloseIdleConnections)
		hc := &http.Client{Transport: tr, Timeout: 3 * testHeartbeat}
		var beats atomic.Int64
		c := newClient(t, srv, ct, frameworkInfo("timeout"), scheduler.WithHTTPClient(hc))
		sig := newSignals()
		start(t, c, sig.callbacks(scheduler.Callbacks{
			Heartbeat: func(context.Context) error { beats.Add(1); return nil },
		}))
		id := recv(t, "SUBSCRIBED", sig.subscribed)
		eventually(t, "heartbeats past the client Timeout", func() bool { return beats.Load() >= 8 })
		if st, _ := srv.Framework(id); st.Subscriptions != 1 {
			t.Fatalf("%d subscriptions, want 1", st.Subscriptions)
		}
		if err := c.Reconcile(context.Background()); err != nil {
			t.Fatalf("Reconcile through the caller's client: %v", err)
		}
	})
}

// A static list of masters: the first is down, so the Client moves on to
// the next (with backoff) and subscribes there.
func TestMasterListSkipsUnreachable(t *testing.T) {
	forEachCodec(t, func(t *testing.T, ct string) {
		srv := newServer(t, mesostest.WithAgents(0, ""))
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		dead := ln.Addr().String()
		_ = ln.Close() // nothing listens there any more
		spec := dead + "," + strings.TrimPrefix(srv.URL(), "http://")
		c := newClient(t, nil, ct, frameworkInfo("list"), scheduler.WithMaster(spec))
		sig := newSignals()
		start(t, c, sig.callbacks(scheduler.Callbacks{}))
		id := recv(t, "SUBSCRIBED", sig.subscribed)
		if st := frameworkState(srv, id); st != mesostest.FrameworkConnected {
			t.Fatalf("framework %v, want connected", st)
		}
	})
}
