// SPDX-License-Identifier: Apache-2.0

package scheduler_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/schedulerpb"
	"github.com/mesoskit/mesoskit/mesostest"
	"github.com/mesoskit/mesoskit/scheduler"
)

// Automatic acknowledgements do not hold up dispatch: while the master sits
// on the first acknowledgements, the next updates are still handed to the
// handler; and in the end every update is acknowledged exactly once.
func TestAutoAckPipeline(t *testing.T) {
	forEachCodec(t, func(t *testing.T, ct string) {
		const tasks = 4
		const delay = 2 * time.Second
		// The first acknowledgements wait long at the master before being
		// handled. They share the pipelined connection, whose requests the
		// master handles one after the other: the last one is answered
		// after tasks × delay (8 s), close to the agent's first retry of an
		// unacknowledged update (10 s). On a loaded machine the agent would
		// send an update again, a second dispatch and acknowledgement of
		// it that the exactly-once accounting below cannot tell from a
		// duplicate; this test is not about retries, so the agent waits
		// longer than the test does before retrying.
		srv := newServer(t, mesostest.WithSimulatedTasks(-1), mesostest.WithAgents(1, testAgentConfig),
			mesostest.WithUpdateRetryInterval(time.Minute))
		srv.Inject(schedulerpb.Call_ACKNOWLEDGE, mesostest.Fault{Delay: delay, Times: tasks})
		c := newClient(t, srv, ct, frameworkInfo("ack-pipeline"))

		var (
			launched atomic.Bool
			mu       sync.Mutex
			reliable = map[string]int{} // updates with a uuid, per task
			ackedAt  []int              // acknowledgements the master had when each reliable update was dispatched
			fwID     string
			poke     = make(chan struct{}, 1)
		)
		cb := scheduler.Callbacks{
			Subscribed: func(_ context.Context, s *schedulerpb.Event_Subscribed) error {
				mu.Lock()
				fwID = s.GetFrameworkId().GetValue()
				mu.Unlock()
				return nil
			},
			Offers: func(ctx context.Context, offers []scheduler.Offer) error {
				if launched.Swap(true) {
					return nil
				}
				var ts []*mesosproto.TaskInfo
				for i := 0; i < tasks; i++ {
					ts = append(ts, echoTask(fmt.Sprintf("t%d", i), "ignored", offers[0].ProtoAgentID()))
				}
				if err := c.Launch(ctx, []*mesosproto.OfferID{offers[0].ProtoID()}, ts, nil); err != nil {
					launched.Store(false)
				}
				return nil
			},
			Update: func(_ context.Context, st *mesosproto.TaskStatus) error {
				if len(st.GetUuid()) == 0 {
					return nil
				}
				mu.Lock()
				id := fwID
				mu.Unlock()
				fs, _ := srv.Framework(id)
				n := 0
				for _, v := range fs.Acknowledged {
					n += v
				}
				mu.Lock()
				reliable[st.GetTaskId().GetValue()]++
				ackedAt = append(ackedAt, n)
				mu.Unlock()
				select {
				case poke <- struct{}{}:
				default:
				}
				return nil
			},
		}
		start(t, c, cb)

		// Every task's first update (STARTING) is dispatched while the
		// acknowledgements of the earlier ones are still held by the master.
		eventually(t, "one update per task", func() bool {
			mu.Lock()
			defer mu.Unlock()
			return len(ackedAt) >= tasks
		})
		mu.Lock()
		first := append([]int(nil), ackedAt[:tasks]...)
		mu.Unlock()
		for i, n := range first {
			if n != 0 {
				t.Fatalf("update %d was dispatched after %d acknowledgements had been handled; want all %d before the first (acks in flight: %v)", i+1, n, tasks, first)
			}
		}

		// In the end every reliable update is acknowledged exactly once.
		eventually(t, "every update acknowledged", func() bool {
			mu.Lock()
			id := fwID
			want := map[string]int{}
			for k, v := range reliable {
				want[k] = v
			}
			mu.Unlock()
			fs, _ := srv.Framework(id)
			if len(want) < tasks {
				return false
			}
			for k, v := range want {
				if v < 2 || fs.Acknowledged[k] != v { // STARTING and RUNNING at least
					return false
				}
			}
			return true
		})
		mu.Lock()
		id := fwID
		mu.Unlock()
		if fs, _ := srv.Framework(id); len(fs.DuplicateAcks) != 0 {
			t.Errorf("duplicate acknowledgements: %v", fs.DuplicateAcks)
		}
		if n := len(callsOf(srv, schedulerpb.Call_ACKNOWLEDGE)); n < 2*tasks {
			t.Errorf("%d ACKNOWLEDGE calls, want at least %d", n, 2*tasks)
		}
	})
}

// WithAckConcurrency bounds the automatic acknowledgements in flight through
// net/http (WithoutPipelinedAcks): with 2 and the master holding the first two, the third update is still
// dispatched, the fourth only once one of them is answered. Every update of
// a burst is acknowledged exactly once.
func TestAckConcurrency(t *testing.T) {
	forEachCodec(t, func(t *testing.T, ct string) {
		const n = 40
		const delay = 2 * time.Second
		srv := newServer(t, mesostest.WithAgents(0, ""))
		srv.Inject(schedulerpb.Call_ACKNOWLEDGE, mesostest.Fault{Delay: delay, Times: 2})
		// Through net/http: pipelined, the window is max(2, 256).
		c := newClient(t, srv, ct, frameworkInfo("ack-concurrency"), scheduler.WithAckConcurrency(2),
			scheduler.WithoutPipelinedAcks())

		var (
			mu      sync.Mutex
			batch   *mesostest.UpdateBatch
			ackedAt []int // acknowledgements the master had when each update was dispatched
		)
		sig := newSignals()
		start(t, c, sig.callbacks(scheduler.Callbacks{
			Update: func(_ context.Context, st *mesosproto.TaskStatus) error {
				mu.Lock()
				defer mu.Unlock()
				ackedAt = append(ackedAt, batch.Acknowledged())
				return nil
			},
		}))
		fwID := recv(t, "SUBSCRIBED", sig.subscribed)
		sts := make([]*mesosproto.TaskStatus, n)
		for i := range sts {
			sts[i] = &mesosproto.TaskStatus{
				TaskId:  &mesosproto.TaskID{Value: proto.String(fmt.Sprintf("task-%d", i))},
				AgentId: &mesosproto.AgentID{Value: proto.String("agent-1")},
				State:   mesosproto.TaskState_TASK_RUNNING.Enum(),
			}
		}
		mu.Lock()
		var err error
		batch, err = srv.SendStatusUpdates(fwID, sts...)
		mu.Unlock()
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
		defer cancel()
		if err := batch.Wait(ctx); err != nil {
			t.Fatal(err)
		}
		mu.Lock()
		got := append([]int(nil), ackedAt...)
		mu.Unlock()
		if len(got) != n {
			t.Fatalf("%d updates dispatched, want %d", len(got), n)
		}
		if got[2] != 0 {
			t.Errorf("third update dispatched after %d acknowledgements; want it dispatched while the first two are held", got[2])
		}
		if got[3] == 0 {
			t.Errorf("fourth update dispatched with no acknowledgement answered; want it held by the 2 in flight (%v)", got[:4])
		}
		if fs, _ := srv.Framework(fwID); len(fs.Acknowledged) != n || len(fs.DuplicateAcks) != 0 {
			t.Errorf("acknowledged %d tasks (want %d), duplicates %v", len(fs.Acknowledged), n, fs.DuplicateAcks)
		}
	})
}
