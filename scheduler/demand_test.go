// SPDX-License-Identifier: Apache-2.0

package scheduler_test

import (
	"context"
	"net/http"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/schedulerpb"
	"github.com/mesoskit/mesoskit/mesostest"
	"github.com/mesoskit/mesoskit/scheduler"
)

// quietFor is how long no OFFERS event must arrive to count as "offers
// stopped": many allocation intervals (testAllocation), with no refusal
// filter keeping offers away.
const quietFor = 15 * testAllocation

// offerCounter counts OFFERS events.
type offerCounter struct{ n atomic.Int64 }

func (o *offerCounter) callbacks() scheduler.Callbacks {
	return scheduler.Callbacks{Offers: func(context.Context, []scheduler.Offer) error { o.n.Add(1); return nil }}
}

// waitOffers waits until at least k more OFFERS events than now arrived.
func (o *offerCounter) waitMore(t *testing.T, what string, k int64) {
	t.Helper()
	base := o.n.Load()
	eventually(t, what, func() bool { return o.n.Load() >= base+k })
}

// waitQuiet waits until no OFFERS event arrives for quietFor.
func (o *offerCounter) waitQuiet(t *testing.T, what string) {
	t.Helper()
	last, since := o.n.Load(), time.Now()
	eventually(t, what, func() bool {
		if n := o.n.Load(); n != last {
			last, since = n, time.Now()
		}
		return time.Since(since) >= quietFor
	})
}

// stillQuiet fails if an OFFERS event arrives within quietFor.
func (o *offerCounter) stillQuiet(t *testing.T, what string) {
	t.Helper()
	n := o.n.Load()
	time.Sleep(quietFor)
	if m := o.n.Load(); m != n {
		t.Fatalf("%d OFFERS events %s", m-n, what)
	}
}

func lastCall(srv *mesostest.Server, typ schedulerpb.Call_Type) (mesostest.Call, bool) {
	calls := callsOf(srv, typ)
	if len(calls) == 0 {
		return mesostest.Call{}, false
	}
	return calls[len(calls)-1], true
}

// SetDemand(false) suppresses offers after the delay, and the suppression
// survives a resubscription (SUBSCRIBE carries suppressed_roles);
// SetDemand(true) revives them at once.
func TestSetDemandSuppressesAndRevives(t *testing.T) {
	forEachCodec(t, func(t *testing.T, ct string) {
		srv := newServer(t, mesostest.WithAgents(1, testAgentConfig))
		var oc offerCounter
		c := newClient(t, srv, ct, frameworkInfo("demand"), scheduler.WithRefuseSeconds(0), scheduler.WithSuppressDelay(20*time.Millisecond))
		sig := newSignals()
		start(t, c, sig.callbacks(oc.callbacks()))
		recv(t, "SUBSCRIBED", sig.subscribed)
		oc.waitMore(t, "offers", 2)
		if sub, _ := lastCall(srv, schedulerpb.Call_SUBSCRIBE); len(sub.Call.GetSubscribe().GetSuppressedRoles()) != 0 {
			t.Fatalf("first SUBSCRIBE suppressed %v, want nothing", sub.Call.GetSubscribe().GetSuppressedRoles())
		}

		c.SetDemand(false)
		c.SetDemand(false) // idempotent
		eventually(t, "SUPPRESS", func() bool { return len(callsOf(srv, schedulerpb.Call_SUPPRESS)) > 0 })
		if call, _ := lastCall(srv, schedulerpb.Call_SUPPRESS); call.Status != http.StatusAccepted || len(call.Call.GetSuppress().GetRoles()) != 0 {
			t.Fatalf("SUPPRESS for %v answered %d, want all roles, 202", call.Call.GetSuppress().GetRoles(), call.Status)
		}
		oc.waitQuiet(t, "offers to stop")
		if want, suppressed := c.Demand(); want || !suppressed {
			t.Fatalf("Demand() = %v, %v; want false, true", want, suppressed)
		}

		// Mesos resets suppression on SUBSCRIBE: the Client re-states it.
		srv.CloseStreams()
		recv(t, "resubscription", sig.subscribed)
		if sub, _ := lastCall(srv, schedulerpb.Call_SUBSCRIBE); !slices.Equal(sub.Call.GetSubscribe().GetSuppressedRoles(), []string{"*"}) {
			t.Fatalf("resubscription suppressed %v, want [*]", sub.Call.GetSubscribe().GetSuppressedRoles())
		}
		oc.stillQuiet(t, "after resubscribing while suppressed")
		if n := len(callsOf(srv, schedulerpb.Call_SUPPRESS)); n != 1 {
			t.Fatalf("%d SUPPRESS calls, want 1 (SUBSCRIBE carries the rest)", n)
		}

		c.SetDemand(true)
		eventually(t, "REVIVE", func() bool { return len(callsOf(srv, schedulerpb.Call_REVIVE)) == 1 })
		oc.waitMore(t, "offers after REVIVE", 2)
		c.SetDemand(true) // already on: no call
		if want, suppressed := c.Demand(); !want || suppressed {
			t.Fatalf("Demand() = %v, %v; want true, false", want, suppressed)
		}

		// Demand that flickers off and on within the delay costs nothing.
		c.SetDemand(false)
		c.SetDemand(true)
		oc.waitMore(t, "offers after a flicker", 2)
		if s, r := len(callsOf(srv, schedulerpb.Call_SUPPRESS)), len(callsOf(srv, schedulerpb.Call_REVIVE)); s != 1 || r != 1 {
			t.Fatalf("%d SUPPRESS and %d REVIVE calls after a flicker, want 1 and 1", s, r)
		}
	})
}

// WithSuppressAfter: offer events in which nothing is accepted turn demand
// off by themselves; SetDemand(true) brings offers back.
func TestSuppressAfterIdleOffers(t *testing.T) {
	forEachCodec(t, func(t *testing.T, ct string) {
		const idle = 3
		srv := newServer(t, mesostest.WithAgents(1, testAgentConfig))
		var oc offerCounter
		c := newClient(t, srv, ct, frameworkInfo("idle"), scheduler.WithRefuseSeconds(0),
			scheduler.WithSuppressAfter(idle), scheduler.WithSuppressDelay(0))
		sig := newSignals()
		start(t, c, sig.callbacks(oc.callbacks()))
		recv(t, "SUBSCRIBED", sig.subscribed)

		eventually(t, "SUPPRESS", func() bool { return len(callsOf(srv, schedulerpb.Call_SUPPRESS)) > 0 })
		// Every idle OFFERS event was declined before the next was handled.
		declines := 0
		for _, call := range srv.Calls() {
			if call.Type == schedulerpb.Call_SUPPRESS {
				break
			}
			if call.Type == schedulerpb.Call_DECLINE {
				declines++
			}
		}
		if declines < idle {
			t.Fatalf("SUPPRESS after %d declined OFFERS events, want at least %d", declines, idle)
		}
		oc.waitQuiet(t, "offers to stop")
		if want, suppressed := c.Demand(); want || !suppressed {
			t.Fatalf("Demand() = %v, %v; want false, true", want, suppressed)
		}
		c.SetDemand(true)
		eventually(t, "REVIVE", func() bool { return len(callsOf(srv, schedulerpb.Call_REVIVE)) == 1 })
		oc.waitMore(t, "offers after REVIVE", 1)
	})
}

// Demand turned off before Run: the first SUBSCRIBE already carries every
// role of a multi-role framework as suppressed, so no offer comes and no
// SUPPRESS is needed. A role suppressed by hand stays suppressed across a
// resubscription.
func TestDemandOffBeforeRunAndRoleSuppression(t *testing.T) {
	forEachCodec(t, func(t *testing.T, ct string) {
		srv := newServer(t, mesostest.WithAgents(1, testAgentConfig))
		fw := frameworkInfo("multi")
		fw.Roles = []string{"a", "b"}
		fw.Capabilities = []*mesosproto.FrameworkInfo_Capability{{Type: mesosproto.FrameworkInfo_Capability_MULTI_ROLE.Enum()}}
		var oc offerCounter
		c := newClient(t, srv, ct, fw, scheduler.WithRefuseSeconds(0))
		c.SetDemand(false)
		sig := newSignals()
		start(t, c, sig.callbacks(oc.callbacks()))
		recv(t, "SUBSCRIBED", sig.subscribed)
		if sub, _ := lastCall(srv, schedulerpb.Call_SUBSCRIBE); !slices.Equal(sub.Call.GetSubscribe().GetSuppressedRoles(), []string{"a", "b"}) {
			t.Fatalf("SUBSCRIBE suppressed %v, want [a b]", sub.Call.GetSubscribe().GetSuppressedRoles())
		}
		oc.stillQuiet(t, "with every role suppressed")
		if n := len(callsOf(srv, schedulerpb.Call_SUPPRESS)); n != 0 {
			t.Fatalf("%d SUPPRESS calls, want none", n)
		}

		c.SetDemand(true)
		eventually(t, "REVIVE", func() bool { return len(callsOf(srv, schedulerpb.Call_REVIVE)) == 1 })
		oc.waitMore(t, "offers", 1)

		if err := c.Suppress(context.Background(), "b"); err != nil {
			t.Fatalf("Suppress(b): %v", err)
		}
		srv.CloseStreams()
		recv(t, "resubscription", sig.subscribed)
		if sub, _ := lastCall(srv, schedulerpb.Call_SUBSCRIBE); !slices.Equal(sub.Call.GetSubscribe().GetSuppressedRoles(), []string{"b"}) {
			t.Fatalf("resubscription suppressed %v, want [b]", sub.Call.GetSubscribe().GetSuppressedRoles())
		}
		if err := c.Revive(context.Background()); err != nil {
			t.Fatalf("Revive: %v", err)
		}
		srv.CloseStreams()
		recv(t, "second resubscription", sig.subscribed)
		if sub, _ := lastCall(srv, schedulerpb.Call_SUBSCRIBE); len(sub.Call.GetSubscribe().GetSuppressedRoles()) != 0 {
			t.Fatalf("resubscription after Revive suppressed %v, want nothing", sub.Call.GetSubscribe().GetSuppressedRoles())
		}
	})
}
