// SPDX-License-Identifier: Apache-2.0

package operator_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/masterpb"
	"github.com/mesoskit/mesoskit/mesostest"
	"github.com/mesoskit/mesoskit/operator"
)

func newCluster(t *testing.T, opts ...mesostest.Option) *mesostest.Server {
	t.Helper()
	base := []mesostest.Option{mesostest.WithAgents(2, "cpus:2;mem:1024"), mesostest.WithHeartbeatInterval(50 * time.Millisecond)}
	srv, err := mesostest.NewServer(append(base, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	return srv
}

// TestMesostestCalls runs read calls and a weights round trip against a
// mesostest master.
func TestMesostestCalls(t *testing.T) {
	forEachCodec(t, func(t *testing.T, ct string) {
		srv := newCluster(t)
		m := newMaster(t, srv.URL(), operator.WithContentType(ct))
		ctx := ctxT(t)
		if ok, err := m.GetHealth(ctx); err != nil || !ok {
			t.Fatalf("GetHealth = %v, %v", ok, err)
		}
		agents, err := m.GetAgents(ctx)
		if err != nil || len(agents.GetAgents()) != 2 {
			t.Fatalf("GetAgents = %d agents, %v", len(agents.GetAgents()), err)
		}
		state, err := m.GetState(ctx)
		if err != nil || len(state.GetGetAgents().GetAgents()) != 2 {
			t.Fatalf("GetState = %v, %v", state, err)
		}
		info, err := m.GetMaster(ctx)
		if err != nil || info.GetMasterInfo().GetId() != srv.MasterInfo().GetId() {
			t.Fatalf("GetMaster = %v, %v", info, err)
		}
		w := &mesosproto.WeightInfo{Role: proto.String("web"), Weight: proto.Float64(2.5)}
		if err := m.UpdateWeights(ctx, w); err != nil {
			t.Fatalf("UpdateWeights: %v", err)
		}
		weights, err := m.GetWeights(ctx)
		if err != nil || len(weights) != 1 || weights[0].GetWeight() != 2.5 {
			t.Fatalf("GetWeights = %v, %v", weights, err)
		}
		err = m.UpdateWeights(ctx, &mesosproto.WeightInfo{Role: proto.String("web"), Weight: proto.Float64(-1)})
		var apiErr *operator.APIError
		if !errors.As(err, &apiErr) || apiErr.StatusCode != 400 {
			t.Errorf("UpdateWeights with a negative weight = %v; want 400", err)
		}
	})
}

// TestMesostestFailover: a Master following mesostest's detector moves its
// event stream to the new leader, flagged as a resync; a Master given both
// masters' addresses follows the old leader's redirect.
func TestMesostestFailover(t *testing.T) {
	forEachCodec(t, func(t *testing.T, ct string) {
		srv := newCluster(t, mesostest.WithMasters(2))
		det := srv.Detector()
		t.Cleanup(func() { _ = det.Close() })
		m := newMaster(t, "", operator.WithDetector(det), operator.WithContentType(ct))
		got := make(chan string, 16)
		subscribe(t, m, operator.Callbacks{
			Subscribed: func(_ context.Context, s *masterpb.Event_Subscribed, resync bool) error {
				if n := len(s.GetGetState().GetGetAgents().GetAgents()); n != 2 {
					t.Errorf("SUBSCRIBED with %d agents", n)
				}
				if resync {
					got <- "resync"
				} else {
					got <- "first"
				}
				return nil
			},
			Disconnected: func(context.Context, error) { got <- "disconnected" },
		})
		expectSeq(t, got, "first")
		if err := srv.Failover(); err != nil {
			t.Fatal(err)
		}
		expectSeq(t, got, "disconnected", "resync")

		static := newMaster(t, strings.Join(srv.MasterURLs(), ","), operator.WithContentType(ct))
		mi, err := static.GetMaster(ctxT(t))
		if err != nil || mi.GetMasterInfo().GetId() != srv.MasterInfo().GetId() {
			t.Errorf("GetMaster through the old leader = %v, %v; want the new leader", mi, err)
		}
	})
}

func expectSeq(t *testing.T, got <-chan string, want ...string) {
	t.Helper()
	for _, w := range want {
		select {
		case g := <-got:
			if g != w {
				t.Fatalf("got %q, want %q", g, w)
			}
		case <-time.After(waitLimit):
			t.Fatalf("no %q within %v", w, waitLimit)
		}
	}
}
