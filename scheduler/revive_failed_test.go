// SPDX-License-Identifier: Apache-2.0

package scheduler_test

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"testing"

	"github.com/mesoskit/mesoskit/mesosproto/schedulerpb"
	"github.com/mesoskit/mesoskit/mesostest"
	"github.com/mesoskit/mesoskit/scheduler"
)

// A REVIVE that fails because the master goes away (503 on every attempt,
// as from a master that lost the leadership, or 400 "Framework cannot be
// found" from a newly elected one) still ends the
// Client's suppression: the next SUBSCRIBE carries no suppressed role and
// offers arrive again. A REVIVE the master refused as invalid (400 "Failed
// to validate") leaves the roles suppressed. Found by the chaos soak (docs/RELIABILITY.md).
func TestFailedReviveIsNotCarriedIntoSubscribe(t *testing.T) {
	forEachCodec(t, func(t *testing.T, ct string) {
		srv := newServer(t, mesostest.WithAgents(1, testAgentConfig))
		var oc offerCounter
		c := newClient(t, srv, ct, frameworkInfo("revive-failed"), scheduler.WithRefuseSeconds(0))
		sig := newSignals()
		start(t, c, sig.callbacks(oc.callbacks()))
		recv(t, "SUBSCRIBED", sig.subscribed)
		oc.waitMore(t, "offers", 1)
		ctx := context.Background()

		if err := c.Suppress(ctx); err != nil {
			t.Fatalf("Suppress: %v", err)
		}
		oc.waitQuiet(t, "offers to stop")

		// The master refuses the REVIVE: the roles stay suppressed.
		srv.Inject(schedulerpb.Call_REVIVE, mesostest.Fault{Status: http.StatusBadRequest, Body: "Failed to validate scheduler::Call: Expecting 'revive' to be present", Times: -1})
		var ae *scheduler.APIError
		if err := c.Revive(ctx); !errors.As(err, &ae) || ae.StatusCode != http.StatusBadRequest {
			t.Fatalf("Revive refused by the master: %v, want a 400 APIError", err)
		}
		if want, suppressed := c.Demand(); want || !suppressed {
			t.Fatalf("after a refused REVIVE Demand() = %v, %v; want false, true", want, suppressed)
		}
		srv.ClearFaults()
		srv.CloseStreams()
		recv(t, "resubscription after a refused REVIVE", sig.subscribed)
		if sub, _ := lastCall(srv, schedulerpb.Call_SUBSCRIBE); !slices.Equal(sub.Call.GetSubscribe().GetSuppressedRoles(), []string{"*"}) {
			t.Fatalf("SUBSCRIBE after a refused REVIVE suppressed %v, want [*]", sub.Call.GetSubscribe().GetSuppressedRoles())
		}

		// The master is going away: every attempt answers 503. Demand is on,
		// the Client sends REVIVE again while the subscription lives...
		srv.Inject(schedulerpb.Call_REVIVE, mesostest.Fault{Status: http.StatusServiceUnavailable, Body: "Not the leading master", Times: -1})
		if err := c.Revive(ctx); !errors.As(err, &ae) || ae.StatusCode != http.StatusServiceUnavailable {
			t.Fatalf("Revive during a failover: %v, want a 503 APIError", err)
		}
		if want, _ := c.Demand(); !want {
			t.Fatal("after a failed REVIVE Demand() reports no demand")
		}
		srv.ClearFaults()
		oc.waitMore(t, "offers once the master answers again", 2)

		// ...and the next SUBSCRIBE carries no suppressed role, also after
		// a 400 that only says the subscription is gone.
		if err := c.Suppress(ctx); err != nil {
			t.Fatalf("Suppress: %v", err)
		}
		oc.waitQuiet(t, "offers to stop again")
		// (a newly elected master that does not know the framework yet)
		srv.Inject(schedulerpb.Call_REVIVE, mesostest.Fault{Status: http.StatusBadRequest, Body: "Framework cannot be found", Times: -1})
		if err := c.Revive(ctx); !errors.As(err, &ae) || ae.StatusCode != http.StatusBadRequest {
			t.Fatalf("Revive on a new master: %v, want a 400 APIError", err)
		}
		srv.CloseStreams()
		recv(t, "resubscription after a failed REVIVE", sig.subscribed)
		if sub, _ := lastCall(srv, schedulerpb.Call_SUBSCRIBE); len(sub.Call.GetSubscribe().GetSuppressedRoles()) != 0 {
			t.Fatalf("SUBSCRIBE after a failed REVIVE suppressed %v, want nothing", sub.Call.GetSubscribe().GetSuppressedRoles())
		}
		oc.waitMore(t, "offers after resubscribing", 2)
		srv.ClearFaults()
	})
}
