// SPDX-License-Identifier: Apache-2.0

package scheduler_test

import (
	"context"
	"fmt"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/schedulerpb"
	"github.com/mesoskit/mesoskit/mesostest"
	"github.com/mesoskit/mesoskit/scheduler"
)

// A scheduler restarts and reconciles the tasks it had written down: the
// master confirms the one that runs and reports the other lost, so the
// framework knows to replace it. The Client does this by itself after
// every subscription for the tasks WithTaskSource lists (and those it saw
// launched); Reconcile asks explicitly at any time.
func Example_reconciliation() {
	cluster, err := mesostest.NewServer(mesostest.WithAgents(1, "cpus:1;mem:256"),
		mesostest.WithAllocationInterval(10*time.Millisecond))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer cluster.Close()
	fw := scheduler.NewFrameworkInfo("nobody", "reconciler", scheduler.FrameworkFailoverTimeout(time.Hour))
	store := new(scheduler.MemoryStore) // where a real scheduler keeps its framework ID

	// The first run launches web-1 and stops once it runs.
	first, err := scheduler.New(fw, scheduler.WithMaster(cluster.URL()), scheduler.WithFrameworkIDStore(store))
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx, stop := context.WithCancel(context.Background())
	launched := false
	err = first.Run(ctx, scheduler.Callbacks{
		Offers: func(ctx context.Context, offers []scheduler.Offer) error {
			if launched {
				return nil
			}
			launched = true
			task := scheduler.NewCommandTask("web-1", offers[0].ProtoAgentID(), "sleep 60",
				scheduler.Scalar("cpus", 0.1), scheduler.Scalar("mem", 32))
			return first.Launch(ctx, []*mesosproto.OfferID{offers[0].ProtoID()}, []*mesosproto.TaskInfo{task}, nil)
		},
		Update: func(ctx context.Context, st *mesosproto.TaskStatus) error {
			if st.GetState() == mesosproto.TaskState_TASK_RUNNING {
				fmt.Println("launched", st.GetTaskId().GetValue())
				if err := first.AcknowledgeStatus(ctx, st); err != nil {
					return err
				}
				stop() // the scheduler goes away; the framework and web-1 stay
			}
			return nil
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}

	// The second run knows the framework ID (from the store) and the tasks
	// it had (from its own records): web-1 runs, web-2 never made it.
	records := func(context.Context) ([]*schedulerpb.Call_Reconcile_Task, error) {
		return []*schedulerpb.Call_Reconcile_Task{
			{TaskId: &mesosproto.TaskID{Value: proto.String("web-1")}},
			{TaskId: &mesosproto.TaskID{Value: proto.String("web-2")}},
		}, nil
	}
	second, err := scheduler.New(fw, scheduler.WithMaster(cluster.URL()), scheduler.WithFrameworkIDStore(store),
		scheduler.WithTaskSource(records), scheduler.WithImplicitReconciliation(0))
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx, stop = context.WithCancel(context.Background())
	defer stop()
	answered := map[string]bool{}
	err = second.Run(ctx, scheduler.Callbacks{
		Update: func(ctx context.Context, st *mesosproto.TaskStatus) error {
			id := st.GetTaskId().GetValue()
			if st.GetReason() != mesosproto.TaskStatus_REASON_RECONCILIATION || answered[id] {
				return nil
			}
			answered[id] = true
			fmt.Println(id, st.GetState(), st.GetMessage())
			if len(answered) == 2 {
				stop()
			}
			return nil
		},
		Lost: func(ctx context.Context, st *mesosproto.TaskStatus) error {
			fmt.Println("to replace:", st.GetTaskId().GetValue())
			return nil
		},
	})
	fmt.Println("Run returned", err)
	// Output:
	// launched web-1
	// web-1 TASK_RUNNING Reconciliation: Latest task state
	// web-2 TASK_LOST Reconciliation: Task is unknown
	// to replace: web-2
	// Run returned <nil>
}
