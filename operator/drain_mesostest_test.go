// SPDX-License-Identifier: Apache-2.0

package operator_test

import (
	"errors"
	"testing"
	"time"

	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/operator"
)

// TestMesostestDrainAgent drains an idle mesostest agent through
// Master.DrainAgent: GetAgents shows it deactivated and DRAINED with the
// capped grace period as a DurationInfo (devolve in src/internal/devolve.cpp
// turns the call's google.protobuf.Duration into nanoseconds), an unknown
// agent is a 400 "Unknown agent" (Master::Http::_drainAgent), and
// ReactivateAgent ends the drain.
func TestMesostestDrainAgent(t *testing.T) {
	forEachCodec(t, func(t *testing.T, ct string) {
		srv := newCluster(t)
		m := newMaster(t, srv.URL(), operator.WithContentType(ct))
		ctx := ctxT(t)
		id := srv.AgentIDs()[1]
		grace := 1500 * time.Millisecond
		if err := m.DrainAgent(ctx, id, operator.DrainOptions{MaxGracePeriod: &grace}); err != nil {
			t.Fatalf("DrainAgent: %v", err)
		}
		agents, err := m.GetAgents(ctx)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, a := range agents.GetAgents() {
			if a.GetAgentInfo().GetId().GetValue() != id {
				continue
			}
			found = true
			di := a.GetDrainInfo()
			if !a.GetDeactivated() || di.GetState() != mesosproto.DrainState_DRAINED ||
				di.GetConfig().GetMaxGracePeriod().GetNanoseconds() != int64(grace) || di.GetConfig().GetMarkGone() {
				t.Fatalf("drained agent %v", a)
			}
		}
		if !found {
			t.Fatalf("agent %s not listed", id)
		}
		err = m.DrainAgent(ctx, "nope", operator.DrainOptions{})
		var apiErr *operator.APIError
		if !errors.As(err, &apiErr) || apiErr.StatusCode != 400 || apiErr.Body != "Unknown agent" {
			t.Fatalf("DrainAgent of an unknown agent = %v", err)
		}
		if err := m.ReactivateAgent(ctx, id); err != nil {
			t.Fatalf("ReactivateAgent: %v", err)
		}
	})
}
