// SPDX-License-Identifier: Apache-2.0

package scheduler_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/schedulerpb"
	"github.com/mesoskit/mesoskit/mesostest"
	"github.com/mesoskit/mesoskit/scheduler"
)

// offerServer is a cluster of two agents with attributes, so that offers
// carry resources of every value type, attributes and the agent's URL.
func offerServer(t *testing.T) *mesostest.Server {
	return newServer(t,
		mesostest.WithAgent(mesostest.AgentConfig{Hostname: "agent-a.test", Resources: testAgentConfig + ";disks:{sda,sdb}",
			Attributes: "rack:r1;zone:z2;level:10"}),
		mesostest.WithAgent(mesostest.AgentConfig{Hostname: "agent-b.test", Resources: testAgentConfig}),
	)
}

// outstandingByID returns srv's outstanding offers by ID.
func outstandingByID(srv *mesostest.Server) map[string]*mesosproto.Offer {
	m := map[string]*mesosproto.Offer{}
	for _, o := range srv.Offers() {
		m[o.GetId().GetValue()] = o
	}
	return m
}

// checkAsSent fails unless every offer's Proto equals the master's offer of
// that ID (looked up while the offers are outstanding), and the compact
// fields agree with it.
func checkAsSent(t *testing.T, offers []scheduler.Offer, sent map[string]*mesosproto.Offer) {
	t.Helper()
	if len(offers) == 0 {
		t.Fatal("no offers")
	}
	for i := range offers {
		o := &offers[i]
		want, ok := sent[o.ID]
		if !ok {
			t.Fatalf("offer %q is not outstanding at the master", o.ID)
		}
		if got := o.Proto(); !proto.Equal(got, want) {
			t.Fatalf("offer %s:\n got %v\nwant %v", o.ID, got, want)
		}
		if o.AgentID != want.GetAgentId().GetValue() || o.Hostname != want.GetHostname() ||
			o.FrameworkID != want.GetFrameworkId().GetValue() || len(o.Resources) != len(want.GetResources()) {
			t.Fatalf("offer %s: compact fields %+v disagree with %v", o.ID, o, want)
		}
		for j, r := range o.Resources {
			if r.Name != want.GetResources()[j].GetName() || r.Type != want.GetResources()[j].GetType() {
				t.Fatalf("offer %s resource %d: %s/%v, master sent %v", o.ID, j, r.Name, r.Type, want.GetResources()[j])
			}
		}
	}
}

// Callbacks.Offers gets the offers the master sent, whole: Proto of each
// equals the master's offer, attributes, URL and set resources included.
func TestCallbacksOffersAsSent(t *testing.T) {
	forEachCodec(t, func(t *testing.T, ct string) {
		srv := offerServer(t)
		c := newClient(t, srv, ct, frameworkInfo("compact-offers"))
		checked := make(chan int, 1)
		seen := map[string]bool{}
		start(t, c, scheduler.Callbacks{Offers: func(_ context.Context, offers []scheduler.Offer) error {
			checkAsSent(t, offers, outstandingByID(srv))
			for _, o := range offers {
				seen[o.Hostname] = true
			}
			if seen["agent-a.test"] && seen["agent-b.test"] {
				select {
				case checked <- len(seen):
				default:
				}
			}
			return nil
		}})
		recv(t, "offers of both agents", checked)
	})
}

// compactHandler is a custom Handler that takes compact offers.
type compactHandler struct {
	mu     sync.Mutex
	events []schedulerpb.Event_Type // what HandleEvent got
	offers chan []scheduler.Offer
	srv    *mesostest.Server
	sent   chan map[string]*mesosproto.Offer // srv's outstanding offers while HandleOffers runs
}

func (h *compactHandler) HandleEvent(_ context.Context, e *schedulerpb.Event) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.events = append(h.events, e.GetType())
	return nil
}

func (h *compactHandler) HandleOffers(_ context.Context, offers []scheduler.Offer) error {
	select {
	case h.offers <- offers:
		h.sent <- outstandingByID(h.srv)
	default:
	}
	return nil
}

func (h *compactHandler) types() []schedulerpb.Event_Type {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]schedulerpb.Event_Type(nil), h.events...)
}

// A custom Handler implementing OffersHandler gets OFFERS through
// HandleOffers (as sent) and every other event through HandleEvent.
func TestCustomOffersHandler(t *testing.T) {
	forEachCodec(t, func(t *testing.T, ct string) {
		srv := offerServer(t)
		c := newClient(t, srv, ct, frameworkInfo("custom-offers"))
		h := &compactHandler{offers: make(chan []scheduler.Offer, 1), sent: make(chan map[string]*mesosproto.Offer, 1), srv: srv}
		start(t, c, h)
		offers := recv(t, "HandleOffers", h.offers)
		checkAsSent(t, offers, recv(t, "the master's offers", h.sent))
		eventually(t, "a HEARTBEAT through HandleEvent", func() bool {
			for _, typ := range h.types() {
				if typ == schedulerpb.Event_HEARTBEAT {
					return true
				}
			}
			return false
		})
		types := h.types()
		if len(types) == 0 || types[0] != schedulerpb.Event_SUBSCRIBED {
			t.Fatalf("HandleEvent got %v, want SUBSCRIBED first", types)
		}
		for _, typ := range types {
			if typ == schedulerpb.Event_OFFERS {
				t.Fatalf("HandleEvent got OFFERS (%v): they belong to HandleOffers", types)
			}
		}
	})
}

// offersWrapper is a Handler around another, with Unwrap: it sees every event.
type offersWrapper struct {
	inner  scheduler.Handler
	mu     sync.Mutex
	offers []string // IDs of the offers HandleEvent saw, per OFFERS event
}

func (w *offersWrapper) HandleEvent(ctx context.Context, e *schedulerpb.Event) error {
	if e.GetType() == schedulerpb.Event_OFFERS {
		var ids []string
		for _, o := range e.GetOffers().GetOffers() {
			ids = append(ids, o.GetId().GetValue())
		}
		w.mu.Lock()
		w.offers = append(w.offers, strings.Join(ids, ","))
		w.mu.Unlock()
	}
	return w.inner.HandleEvent(ctx, e)
}

func (w *offersWrapper) Unwrap() scheduler.Handler { return w.inner }

// A wrapper (with Unwrap) around Callbacks gets OFFERS through HandleEvent,
// with the offers as messages; the Callbacks it forwards them to get them
// all the same (and its Disconnected, found through Unwrap, still works).
// The offers Callbacks launches from are used; the others are declined.
func TestWrappedCallbacksGetOffersThroughHandleEvent(t *testing.T) {
	forEachCodec(t, func(t *testing.T, ct string) {
		srv := offerServer(t)
		c := newClient(t, srv, ct, frameworkInfo("wrapped"))
		var mu sync.Mutex
		var got []string
		launched := make(chan string, 1)
		disconnected := make(chan error, 1)
		w := &offersWrapper{inner: scheduler.Callbacks{
			Offers: func(ctx context.Context, offers []scheduler.Offer) error {
				mu.Lock()
				got = append(got, offerIDs(offers))
				mu.Unlock()
				select {
				case launched <- offers[0].ID:
				default:
					return nil
				}
				task := echoTask("wrapped-1", "true", offers[0].ProtoAgentID())
				return c.Launch(ctx, []*mesosproto.OfferID{offers[0].ProtoID()}, []*mesosproto.TaskInfo{task}, nil)
			},
			Disconnected: func(_ context.Context, err error) {
				select {
				case disconnected <- err:
				default:
				}
			},
		}}
		run := start(t, c, w)
		id := recv(t, "an Offers call", launched)
		eventually(t, "the ACCEPT", func() bool { return len(callsOf(srv, schedulerpb.Call_ACCEPT)) == 1 })
		acc := callsOf(srv, schedulerpb.Call_ACCEPT)[0].Call.GetAccept()
		if ids := acc.GetOfferIds(); len(ids) != 1 || ids[0].GetValue() != id {
			t.Fatalf("ACCEPT of %v, want offer %s", ids, id)
		}
		mu.Lock()
		inner := append([]string(nil), got...)
		mu.Unlock()
		w.mu.Lock() // after: the wrapper sees each event before Callbacks does
		wrapped := append([]string(nil), w.offers...)
		w.mu.Unlock()
		if len(wrapped) == 0 || fmt.Sprint(wrapped[:len(inner)]) != fmt.Sprint(inner) {
			t.Fatalf("wrapper saw offers %q, Callbacks %q", wrapped, inner)
		}
		if err := run.stop(); err != nil {
			t.Fatalf("Run = %v", err)
		}
		recv(t, "Disconnected through Unwrap", disconnected)
	})
}

// The offers a Callbacks handler neither accepts nor declines are declined
// when it returns, in stream order, and the one it launched from is not.
func TestCompactOffersAutoDeclined(t *testing.T) {
	forEachCodec(t, func(t *testing.T, ct string) {
		srv := offerServer(t)
		c := newClient(t, srv, ct, frameworkInfo("auto-decline"))
		type event struct{ launched, left []string }
		first := make(chan event, 1)
		var once sync.Once
		start(t, c, scheduler.Callbacks{Offers: func(ctx context.Context, offers []scheduler.Offer) error {
			if len(offers) < 2 {
				return nil // wait for an event with both agents' offers
			}
			var err error
			once.Do(func() {
				task := echoTask("declined-rest", "true", offers[0].ProtoAgentID())
				err = c.Launch(ctx, []*mesosproto.OfferID{offers[0].ProtoID()}, []*mesosproto.TaskInfo{task}, nil)
				ev := event{launched: []string{offers[0].ID}}
				for _, o := range offers[1:] {
					ev.left = append(ev.left, o.ID)
				}
				first <- ev
			})
			return err
		}})
		ev := recv(t, "an OFFERS event of two offers", first)
		eventually(t, "the automatic DECLINE", func() bool {
			for _, call := range callsOf(srv, schedulerpb.Call_DECLINE) {
				var ids []string
				for _, id := range call.Call.GetDecline().GetOfferIds() {
					ids = append(ids, id.GetValue())
				}
				if fmt.Sprint(ids) == fmt.Sprint(ev.left) {
					return true
				}
			}
			return false
		})
		for _, call := range callsOf(srv, schedulerpb.Call_DECLINE) {
			for _, id := range call.Call.GetDecline().GetOfferIds() {
				if id.GetValue() == ev.launched[0] {
					t.Fatalf("the offer launched from, %s, was declined too", ev.launched[0])
				}
			}
		}
	})
}

// A raw Handler (HandlerFunc) still gets OFFERS through HandleEvent with
// the master's offers as messages, whole.
func TestRawHandlerGetsProtobufOffers(t *testing.T) {
	forEachCodec(t, func(t *testing.T, ct string) {
		srv := offerServer(t)
		c := newClient(t, srv, ct, frameworkInfo("raw-offers"))
		hosts := map[string]bool{}
		done := make(chan struct{})
		var once sync.Once
		start(t, c, scheduler.HandlerFunc(func(_ context.Context, e *schedulerpb.Event) error {
			if e.GetType() != schedulerpb.Event_OFFERS {
				return nil
			}
			sent := outstandingByID(srv)
			if len(e.GetOffers().GetOffers()) == 0 {
				t.Errorf("an OFFERS event without offers")
			}
			for _, o := range e.GetOffers().GetOffers() {
				if want := sent[o.GetId().GetValue()]; !proto.Equal(o, want) {
					t.Errorf("offer\n got %v\nwant %v", o, want)
				}
				hosts[o.GetHostname()] = true
			}
			if len(hosts) == 2 {
				once.Do(func() { close(done) })
			}
			return nil
		}))
		recv(t, "offers of both agents", done)
	})
}
