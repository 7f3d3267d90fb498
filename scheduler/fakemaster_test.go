// SPDX-License-Identifier: Apache-2.0

package scheduler_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/internal/httpapi"
	"github.com/mesoskit/mesoskit/internal/recordio"
	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/schedulerpb"
	"github.com/mesoskit/mesoskit/scheduler"
)

// fakeMaster is a scripted master for wire-level faults mesostest does not
// produce: a frame cut in the middle, garbage, a bad stream ID, huge events,
// a master that goes silent on purpose. Each SUBSCRIBE runs script with its
// number (1, 2, ...); the stream closes when script returns.
type fakeMaster struct {
	t      *testing.T
	srv    *httptest.Server
	script func(n int, s *fakeStream)

	subscribes atomic.Int64
	drop       atomic.Int64 // the next calls to cut off without an answer
	attempts   atomic.Int64 // non-SUBSCRIBE requests, dropped ones included
	mu         sync.Mutex
	calls      []*schedulerpb.Call // non-SUBSCRIBE calls, decoded
	subs       []*schedulerpb.Call // SUBSCRIBE calls
}

// fakeStream writes one event stream.
type fakeStream struct {
	ctx   context.Context // the request's: done when the client hangs up
	w     http.ResponseWriter
	codec httpapi.Codec
	id    string // stream ID sent
}

func newFakeMaster(t *testing.T, script func(n int, s *fakeStream)) *fakeMaster {
	f := &fakeMaster{t: t, script: script}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeMaster) hostPort() string { return strings.TrimPrefix(f.srv.URL, "http://") }

func (f *fakeMaster) serve(w http.ResponseWriter, r *http.Request) {
	codec, err := httpapi.CodecFor(r.Header.Get("Content-Type"))
	if err != nil {
		http.Error(w, err.Error(), http.StatusUnsupportedMediaType)
		return
	}
	body, _ := io.ReadAll(r.Body)
	call := new(schedulerpb.Call)
	if err := codec.Unmarshal(body, call); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if call.GetType() != schedulerpb.Call_SUBSCRIBE {
		f.attempts.Add(1)
		if f.drop.Add(-1) >= 0 { // a network failure: the connection dies unanswered
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				_ = conn.Close()
			}
			return
		}
		f.mu.Lock()
		f.calls = append(f.calls, call)
		f.mu.Unlock()
		w.WriteHeader(http.StatusAccepted)
		return
	}
	if r.Header.Get("Mesos-Stream-Id") != "" {
		http.Error(w, "Subscribe calls should not include the 'Mesos-Stream-Id' header", http.StatusBadRequest)
		return
	}
	f.mu.Lock()
	f.subs = append(f.subs, call)
	f.mu.Unlock()
	n := int(f.subscribes.Add(1))
	s := &fakeStream{ctx: r.Context(), w: w, codec: codec, id: fmt.Sprintf("00000000-0000-4000-8000-%012d", n)}
	w.Header().Set("Content-Type", codec.MediaType())
	w.Header().Set("Mesos-Stream-Id", s.id)
	f.script(n, s)
}

// header sends the 200 and its headers (with a custom stream ID if given).
func (s *fakeStream) header(streamID string) {
	if streamID != "" {
		s.id = streamID
		s.w.Header().Set("Mesos-Stream-Id", streamID)
	}
	s.w.WriteHeader(http.StatusOK)
	s.w.(http.Flusher).Flush()
}

// raw writes bytes as they are and flushes.
func (s *fakeStream) raw(b []byte) {
	_, _ = s.w.Write(b)
	s.w.(http.Flusher).Flush()
}

// event writes one RecordIO-framed event.
func (s *fakeStream) event(ev *schedulerpb.Event) {
	b, err := s.codec.Marshal(ev)
	if err != nil {
		panic(err)
	}
	s.frame(b)
}

// frame writes one encoded event as a RecordIO frame.
func (s *fakeStream) frame(b []byte) {
	_ = recordio.NewWriter(s.w).WriteFrame(b)
	s.w.(http.Flusher).Flush()
}

// subscribed writes the 200 and SUBSCRIBED with framework ID "fw-1".
func (s *fakeStream) subscribed(interval time.Duration) {
	s.header("")
	s.event(&schedulerpb.Event{
		Type: schedulerpb.Event_SUBSCRIBED.Enum(),
		Subscribed: &schedulerpb.Event_Subscribed{
			FrameworkId:              &mesosproto.FrameworkID{Value: proto.String("fw-1")},
			HeartbeatIntervalSeconds: proto.Float64(interval.Seconds()),
		},
	})
}

// heartbeats sends HEARTBEAT every interval until the client hangs up.
func (s *fakeStream) heartbeats(interval time.Duration) {
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		s.event(&schedulerpb.Event{Type: schedulerpb.Event_HEARTBEAT.Enum()})
		select {
		case <-s.ctx.Done():
			return
		case <-tick.C:
		}
	}
}

func rescind(i int) *schedulerpb.Event {
	return &schedulerpb.Event{
		Type:    schedulerpb.Event_RESCIND.Enum(),
		Rescind: &schedulerpb.Event_Rescind{OfferId: &mesosproto.OfferID{Value: proto.String(fmt.Sprintf("o-%d", i))}},
	}
}

func newFakeClient(t *testing.T, f *fakeMaster, ct string, opts ...scheduler.Option) *scheduler.Client {
	return newClient(t, nil, ct, frameworkInfo("fake"), append([]scheduler.Option{scheduler.WithMaster(f.hostPort())}, opts...)...)
}

// A stream cut in the middle of an event is an error like any other: the
// Client resubscribes with the framework ID it got.
func TestStreamCutMidEvent(t *testing.T) {
	forEachCodec(t, func(t *testing.T, ct string) {
		f := newFakeMaster(t, func(n int, s *fakeStream) {
			s.subscribed(testHeartbeat)
			if n == 1 {
				s.raw([]byte("500\n{\"type\":\"OFF")) // announced 500 bytes, sent 15, then gone
				return
			}
			s.heartbeats(testHeartbeat)
		})
		c := newFakeClient(t, f, ct)
		sig := newSignals()
		start(t, c, sig.callbacks(scheduler.Callbacks{}))
		recv(t, "SUBSCRIBED", sig.subscribed)
		if err := recv(t, "Disconnected", sig.disconnected); !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Fatalf("Disconnected(%v), want io.ErrUnexpectedEOF", err)
		}
		recv(t, "resubscription", sig.subscribed)
		f.mu.Lock()
		defer f.mu.Unlock()
		if got := f.subs[1]; got.GetFrameworkId().GetValue() != "fw-1" || got.GetSubscribe().GetFrameworkInfo().GetId().GetValue() != "fw-1" {
			t.Fatalf("resubscription %v does not carry fw-1 in both places", got)
		}
	})
}

// Garbage where an event should be, and a frame over the size limit, drop
// the stream; the Client resubscribes.
func TestUndecodableAndOversizedEventsResubscribe(t *testing.T) {
	forEachCodec(t, func(t *testing.T, ct string) {
		for _, tc := range []struct {
			name string
			send func(s *fakeStream)
			want error
		}{
			{"garbage", func(s *fakeStream) { s.raw([]byte("4\n\xff\xff\xff\xff")) }, nil},
			{"bad length", func(s *fakeStream) { s.raw([]byte("x1\n{")) }, recordio.ErrInvalidLength},
			{"too large", func(s *fakeStream) { s.raw([]byte("100000\n")) }, recordio.ErrFrameTooLarge},
		} {
			t.Run(tc.name, func(t *testing.T) {
				f := newFakeMaster(t, func(n int, s *fakeStream) {
					s.subscribed(testHeartbeat)
					if n == 1 {
						tc.send(s)
						<-s.ctx.Done()
						return
					}
					s.heartbeats(testHeartbeat)
				})
				c := newFakeClient(t, f, ct, scheduler.WithMaxFrameSize(64<<10))
				sig := newSignals()
				start(t, c, sig.callbacks(scheduler.Callbacks{}))
				recv(t, "SUBSCRIBED", sig.subscribed)
				err := recv(t, "Disconnected", sig.disconnected)
				if err == nil || tc.want != nil && !errors.Is(err, tc.want) {
					t.Fatalf("Disconnected(%v), want %v", err, tc.want)
				}
				recv(t, "resubscription", sig.subscribed)
			})
		}
	})
}

// A SUBSCRIBE answer whose Mesos-Stream-Id is not a UUID, or whose first
// event is not SUBSCRIBED, is refused and retried.
func TestBadSubscribeAnswersRetried(t *testing.T) {
	forEachCodec(t, func(t *testing.T, ct string) {
		f := newFakeMaster(t, func(n int, s *fakeStream) {
			switch n {
			case 1:
				s.header("not-a-uuid")
				s.event(&schedulerpb.Event{Type: schedulerpb.Event_HEARTBEAT.Enum()})
			case 2:
				s.header("")
				s.event(&schedulerpb.Event{Type: schedulerpb.Event_HEARTBEAT.Enum()}) // no SUBSCRIBED first
			default:
				s.subscribed(testHeartbeat)
				s.heartbeats(testHeartbeat)
			}
		})
		c := newFakeClient(t, f, ct)
		sig := newSignals()
		start(t, c, sig.callbacks(scheduler.Callbacks{}))
		recv(t, "SUBSCRIBED", sig.subscribed)
		if n := f.subscribes.Load(); n != 3 {
			t.Fatalf("%d SUBSCRIBEs, want 3 (two refused answers, then success)", n)
		}
		if want := "00000000-0000-4000-8000-000000000003"; c.StreamID() != want {
			t.Fatalf("StreamID() = %q, want %q", c.StreamID(), want)
		}
	})
}

// An OFFERS event with 10,000 offers decodes (the default frame limit is
// sized for it), reaches the handler whole, and the unused offers are
// declined in one call.
func TestTenThousandOffers(t *testing.T) {
	forEachCodec(t, func(t *testing.T, ct string) {
		const n = 10000
		offers := make([]*mesosproto.Offer, n)
		for i := range offers {
			offers[i] = &mesosproto.Offer{
				Id:          &mesosproto.OfferID{Value: proto.String(fmt.Sprintf("5f6c2a30-0d0b-4c8e-9a52-0c4f2f1f6e11-O%d", i))},
				FrameworkId: &mesosproto.FrameworkID{Value: proto.String("fw-1")},
				AgentId:     &mesosproto.AgentID{Value: proto.String(fmt.Sprintf("5f6c2a30-0d0b-4c8e-9a52-0c4f2f1f6e11-S%d", i))},
				Hostname:    proto.String(fmt.Sprintf("agent-%d.example", i)),
				Resources:   []*mesosproto.Resource{scalar("cpus", 8), scalar("mem", 32768), scalar("disk", 100000)},
			}
		}
		codec, _ := httpapi.CodecFor(ct)
		event, err := codec.Marshal(&schedulerpb.Event{Type: schedulerpb.Event_OFFERS.Enum(), Offers: &schedulerpb.Event_Offers{Offers: offers}})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("OFFERS event of %d offers: %d bytes", n, len(event))
		f := newFakeMaster(t, func(_ int, s *fakeStream) {
			s.subscribed(testHeartbeat)
			s.frame(event)
			s.heartbeats(testHeartbeat)
		})
		// Without launch pacing, which hands a large event to a handler
		// that has launched nothing yet in parts (WithLaunchPacing).
		c := newFakeClient(t, f, ct, scheduler.WithoutLaunchPacing())
		got := make(chan int, 1)
		start(t, c, scheduler.Callbacks{
			Offers: func(_ context.Context, o []scheduler.Offer) error { got <- len(o); return nil },
		})
		if m := recv(t, "OFFERS", got); m != n {
			t.Fatalf("handler got %d offers, want %d", m, n)
		}
		eventually(t, "the automatic DECLINE", func() bool {
			f.mu.Lock()
			defer f.mu.Unlock()
			return len(f.calls) > 0
		})
		f.mu.Lock()
		defer f.mu.Unlock()
		d := f.calls[0]
		if d.GetType() != schedulerpb.Call_DECLINE || len(d.GetDecline().GetOfferIds()) != n {
			t.Fatalf("first call %v with %d offers, want DECLINE of %d", d.GetType(), len(d.GetDecline().GetOfferIds()), n)
		}
		if rs := d.GetDecline().GetFilters().GetRefuseSeconds(); rs != scheduler.DefaultRefuseSeconds {
			t.Fatalf("automatic decline refuse_seconds %v, want %v", rs, scheduler.DefaultRefuseSeconds)
		}
	})
}

// Backpressure: while a handler is blocked, the Client reads only a few
// events ahead and then stops reading; during that time the watchdog is
// paused, so a master that has nothing more to say is not taken for dead.
// Once the handler returns, every event follows in order, and only a
// silence after that counts.
func TestBlockedHandlerPausesWatchdog(t *testing.T) {
	forEachCodec(t, func(t *testing.T, ct string) {
		const events = 10
		f := newFakeMaster(t, func(n int, s *fakeStream) {
			s.subscribed(testHeartbeat)
			if n == 1 {
				for i := range events {
					s.event(rescind(i))
				}
			}
			<-s.ctx.Done() // then silence: no heartbeat at all
		})
		release := make(chan struct{})
		var (
			mu       sync.Mutex
			got      []string
			released time.Time
		)
		c := newFakeClient(t, f, ct, scheduler.WithMissedHeartbeats(2))
		sig := newSignals()
		start(t, c, sig.callbacks(scheduler.Callbacks{
			Rescind: func(ctx context.Context, id *mesosproto.OfferID) error {
				mu.Lock()
				got = append(got, id.GetValue())
				first := len(got) == 1
				mu.Unlock()
				if first {
					select {
					case <-release:
					case <-ctx.Done():
						return errors.New("subscription ended while the handler was blocked")
					}
				}
				return nil
			},
		}))
		recv(t, "SUBSCRIBED", sig.subscribed)
		// Blocked for 5 heartbeat timeouts; the stream must survive it.
		eventually(t, "first RESCIND", func() bool { mu.Lock(); defer mu.Unlock(); return len(got) == 1 })
		time.Sleep(5 * 2 * testHeartbeat)
		select {
		case err := <-sig.disconnected:
			t.Fatalf("stream dropped while the handler was blocked: %v", err)
		default:
		}
		mu.Lock()
		released = time.Now()
		mu.Unlock()
		close(release)

		err := recv(t, "Disconnected", sig.disconnected)
		if !errors.Is(err, scheduler.ErrMissedHeartbeats) {
			t.Fatalf("Disconnected(%v), want ErrMissedHeartbeats after the silence", err)
		}
		mu.Lock()
		defer mu.Unlock()
		if len(got) != events {
			t.Fatalf("got %d RESCIND events, want %d", len(got), events)
		}
		for i, id := range got {
			if id != fmt.Sprintf("o-%d", i) {
				t.Fatalf("event %d is %s: out of order", i, id)
			}
		}
		if since := time.Since(released); since < 2*testHeartbeat {
			t.Fatalf("disconnected %v after the handler returned, before a full timeout", since)
		}
	})
}

// An idempotent call whose connection dies unanswered is sent again; ACCEPT
// is not.
func TestCallRetriedAfterTransportError(t *testing.T) {
	forEachCodec(t, func(t *testing.T, ct string) {
		f := newFakeMaster(t, func(_ int, s *fakeStream) {
			s.subscribed(testHeartbeat)
			s.heartbeats(testHeartbeat)
		})
		c := newFakeClient(t, f, ct)
		sig := newSignals()
		start(t, c, sig.callbacks(scheduler.Callbacks{}))
		recv(t, "SUBSCRIBED", sig.subscribed)
		ctx := context.Background()

		f.drop.Store(2)
		if err := c.Reconcile(ctx); err != nil {
			t.Fatalf("Reconcile after two dropped connections: %v", err)
		}
		if n := f.attempts.Load(); n != 3 {
			t.Fatalf("%d RECONCILE attempts, want 3", n)
		}

		f.drop.Store(1)
		err := c.Accept(ctx, []*mesosproto.OfferID{{Value: proto.String("o-1")}}, nil, nil)
		if err == nil {
			t.Fatal("ACCEPT on a dropped connection succeeded")
		}
		if n := f.attempts.Load(); n != 4 {
			t.Fatalf("%d attempts after ACCEPT, want 4: ACCEPT must not be replayed", n)
		}
		f.drop.Store(0)

		f.mu.Lock()
		defer f.mu.Unlock()
		if len(f.calls) != 1 || f.calls[0].GetType() != schedulerpb.Call_RECONCILE {
			t.Fatalf("answered calls %v, want the one RECONCILE", f.calls)
		}
		select {
		case err := <-sig.disconnected:
			t.Fatalf("failed calls disturbed the stream: %v", err)
		default:
		}
	})
}
