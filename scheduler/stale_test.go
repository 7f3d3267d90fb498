// SPDX-License-Identifier: Apache-2.0

package scheduler_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/schedulerpb"
	"github.com/mesoskit/mesoskit/scheduler"
)

// staleScript is a master that answers a RECONCILE only after the
// framework has launched the task it asked about: the answer (TASK_LOST,
// REASON_RECONCILIATION) was produced before the launch, as when the answer
// to a reconciliation sent after a failover arrives after the framework
// relaunched the task. A second RECONCILE, sent after the launch, gets a
// fresh answer. Issue #14, defect 2.
func staleScript(f **fakeMaster) func(n int, s *fakeStream) {
	return func(n int, s *fakeStream) {
		s.subscribed(testHeartbeat)
		waitCall(s, *f, schedulerpb.Call_RECONCILE, 1)
		s.event(&schedulerpb.Event{
			Type:   schedulerpb.Event_OFFERS.Enum(),
			Offers: &schedulerpb.Event_Offers{Offers: []*mesosproto.Offer{testOffer("o-1")}},
		})
		waitCall(s, *f, schedulerpb.Call_ACCEPT, 1)
		s.event(lostAnswer("t-1")) // produced for the first RECONCILE
		waitCall(s, *f, schedulerpb.Call_RECONCILE, 2)
		s.event(lostAnswer("t-1")) // produced for the second, after the launch
		s.heartbeats(testHeartbeat)
	}
}

func TestStaleReconciliationAnswer(t *testing.T) {
	forEachCodec(t, func(t *testing.T, ct string) {
		var f *fakeMaster
		f = newFakeMaster(t, staleScript(&f))
		c := newFakeClient(t, f, ct)
		ask := &schedulerpb.Call_Reconcile_Task{TaskId: &mesosproto.TaskID{Value: proto.String("t-1")}}
		var (
			mu      sync.Mutex
			updates int
			lost    int
			stale   []bool
		)
		second := make(chan struct{})
		start(t, c, scheduler.Callbacks{
			Subscribed: func(ctx context.Context, _ *schedulerpb.Event_Subscribed) error {
				return c.Reconcile(ctx, ask)
			},
			Offers: func(ctx context.Context, offers []scheduler.Offer) error {
				return c.Launch(ctx, []*mesosproto.OfferID{offers[0].ProtoID()}, []*mesosproto.TaskInfo{testTask("t-1", &offers[0])}, nil)
			},
			Update: func(ctx context.Context, st *mesosproto.TaskStatus) error {
				mu.Lock()
				updates++
				n := updates
				stale = append(stale, c.IsStale(st))
				mu.Unlock()
				if n == 1 {
					return c.Reconcile(ctx, ask) // asked after the launch: its answer is news
				}
				close(second)
				return nil
			},
			Lost: func(ctx context.Context, st *mesosproto.TaskStatus) error {
				mu.Lock()
				lost++
				mu.Unlock()
				return nil
			},
		})
		recv(t, "second answer", second)
		mu.Lock()
		defer mu.Unlock()
		if lost != 1 {
			t.Errorf("Lost called %d times, want 1 (the stale answer must not advise a relaunch)", lost)
		}
		if len(stale) != 2 || !stale[0] || stale[1] {
			t.Errorf("IsStale of the two answers = %v, want [true false]", stale)
		}
	})
}

// waitCall waits until f has recorded n calls of typ, or the stream ends.
func waitCall(s *fakeStream, f *fakeMaster, typ schedulerpb.Call_Type, n int) {
	for {
		f.mu.Lock()
		got := 0
		for _, c := range f.calls {
			if c.GetType() == typ {
				got++
			}
		}
		f.mu.Unlock()
		if got >= n {
			return
		}
		select {
		case <-s.ctx.Done():
			return
		case <-time.After(5 * time.Millisecond):
		}
	}
}

func lostAnswer(id string) *schedulerpb.Event {
	return &schedulerpb.Event{
		Type: schedulerpb.Event_UPDATE.Enum(),
		Update: &schedulerpb.Event_Update{Status: &mesosproto.TaskStatus{
			TaskId:  &mesosproto.TaskID{Value: proto.String(id)},
			State:   mesosproto.TaskState_TASK_LOST.Enum(),
			Source:  mesosproto.TaskStatus_SOURCE_MASTER.Enum(),
			Reason:  mesosproto.TaskStatus_REASON_RECONCILIATION.Enum(),
			Message: proto.String("Reconciliation: Task is unknown"),
		}},
	}
}

func testOffer(id string) *mesosproto.Offer {
	return &mesosproto.Offer{
		Id:          &mesosproto.OfferID{Value: proto.String(id)},
		FrameworkId: &mesosproto.FrameworkID{Value: proto.String("fw-1")},
		AgentId:     &mesosproto.AgentID{Value: proto.String("a-1")},
		Hostname:    proto.String("localhost"),
		Resources: []*mesosproto.Resource{{
			Name:   proto.String("cpus"),
			Type:   mesosproto.Value_SCALAR.Enum(),
			Scalar: &mesosproto.Value_Scalar{Value: proto.Float64(1)},
		}},
	}
}

func testTask(id string, o *scheduler.Offer) *mesosproto.TaskInfo {
	return &mesosproto.TaskInfo{
		Name:      proto.String(id),
		TaskId:    &mesosproto.TaskID{Value: proto.String(id)},
		AgentId:   o.ProtoAgentID(),
		Resources: o.ProtoResources(),
		Command:   &mesosproto.CommandInfo{Value: proto.String("true")},
	}
}
