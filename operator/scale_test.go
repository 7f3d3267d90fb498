// SPDX-License-Identifier: Apache-2.0

package operator_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/masterpb"
	"github.com/mesoskit/mesoskit/mesostest"
	"github.com/mesoskit/mesoskit/operator"
	"github.com/mesoskit/mesoskit/scheduler"
)

// TestMesostestEveryTaskUpdated: a framework runs scaleTasks simulated
// tasks on mesostest while an operator subscription watches; every task's
// TASK_ADDED and its TASK_UPDATED to TASK_FINISHED reach the handler.
func TestMesostestEveryTaskUpdated(t *testing.T) {
	const scaleTasks = 1000
	forEachCodec(t, func(t *testing.T, ct string) {
		srv := newCluster(t, mesostest.WithAgents(4, "cpus:1000;mem:100000"), mesostest.WithSimulatedTasks(0),
			mesostest.WithAllocationInterval(5*time.Millisecond))
		m := newMaster(t, srv.URL(), operator.WithContentType(ct), operator.WithMissedHeartbeats(40))

		var mu sync.Mutex
		added, finished := map[string]bool{}, map[string]bool{}
		updates := 0
		all := make(chan struct{})
		subscribed := make(chan struct{})
		var once, allOnce sync.Once
		resyncs := 0
		finish := func(id string) {
			finished[id] = true
			if len(finished) == scaleTasks {
				allOnce.Do(func() { close(all) })
			}
		}
		subscribe(t, m, operator.Callbacks{
			Subscribed: func(_ context.Context, s *masterpb.Event_Subscribed, resync bool) error {
				once.Do(func() { close(subscribed) })
				if !resync {
					return nil
				}
				// Events may have been missed: rebuild from the snapshot.
				mu.Lock()
				defer mu.Unlock()
				resyncs++
				tasks := s.GetGetState().GetGetTasks()
				for _, task := range append(tasks.GetTasks(), tasks.GetCompletedTasks()...) {
					added[task.GetTaskId().GetValue()] = true
					if task.GetState() == mesosproto.TaskState_TASK_FINISHED {
						finish(task.GetTaskId().GetValue())
					}
				}
				return nil
			},
			Disconnected: func(_ context.Context, err error) { t.Logf("disconnected: %v", err) },
			TaskAdded: func(_ context.Context, e *masterpb.Event_TaskAdded) error {
				mu.Lock()
				defer mu.Unlock()
				added[e.GetTask().GetTaskId().GetValue()] = true
				return nil
			},
			TaskUpdated: func(_ context.Context, e *masterpb.Event_TaskUpdated) error {
				mu.Lock()
				defer mu.Unlock()
				updates++
				if e.GetState() == mesosproto.TaskState_TASK_FINISHED {
					finish(e.GetStatus().GetTaskId().GetValue())
				}
				return nil
			},
		})
		select {
		case <-subscribed:
		case <-time.After(waitLimit):
			t.Fatal("no SUBSCRIBED")
		}

		start := time.Now()
		runFramework(t, srv, scaleTasks)
		select {
		case <-all:
		case <-time.After(waitLimit):
			mu.Lock()
			defer mu.Unlock()
			t.Fatalf("%d of %d tasks seen finished (%d added, %d updates)", len(finished), scaleTasks, len(added), updates)
		}
		mu.Lock()
		defer mu.Unlock()
		if len(added) != scaleTasks {
			t.Errorf("TASK_ADDED for %d tasks, want %d", len(added), scaleTasks)
		}
		t.Logf("%d tasks: %d TASK_UPDATED delivered in %v (%d resyncs)", scaleTasks, updates, time.Since(start).Round(time.Millisecond), resyncs)
	})
}

// runFramework launches n simulated tasks through a scheduler and returns;
// the scheduler stops at the end of the test.
func runFramework(t *testing.T, srv *mesostest.Server, n int) {
	t.Helper()
	fw := &mesosproto.FrameworkInfo{User: proto.String("nobody"), Name: proto.String("scale"), FailoverTimeout: proto.Float64(60)}
	c, err := scheduler.New(fw, scheduler.WithMaster(srv.URL()))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	t.Cleanup(func() {
		cancel()
		<-done
	})
	next := 0
	go func() {
		defer close(done)
		err := c.Run(ctx, scheduler.Callbacks{
			Offers: func(ctx context.Context, offers []scheduler.Offer) error {
				for _, o := range offers {
					var tasks []*mesosproto.TaskInfo
					for ; next < n && len(tasks) < 100; next++ {
						id := fmt.Sprintf("task-%05d", next)
						tasks = append(tasks, &mesosproto.TaskInfo{
							Name: proto.String(id), TaskId: &mesosproto.TaskID{Value: proto.String(id)}, AgentId: o.ProtoAgentID(),
							Resources: []*mesosproto.Resource{{Name: proto.String("cpus"), Type: mesosproto.Value_SCALAR.Enum(),
								Scalar: &mesosproto.Value_Scalar{Value: proto.Float64(0.01)}}},
							Command: &mesosproto.CommandInfo{Value: proto.String("true")},
						})
					}
					if len(tasks) == 0 {
						return nil
					}
					if err := c.Launch(ctx, []*mesosproto.OfferID{o.ProtoID()}, tasks, nil); err != nil {
						return err
					}
				}
				return nil
			},
		})
		if err != nil {
			t.Errorf("scheduler Run: %v", err)
		}
	}()
}
