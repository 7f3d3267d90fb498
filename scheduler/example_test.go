// SPDX-License-Identifier: Apache-2.0

package scheduler_test

import (
	"context"
	"fmt"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesostest"
	"github.com/mesoskit/mesoskit/scheduler"
)

// A framework that runs one command on an in-process Mesos cluster and
// disconnects when it has finished.
func Example() {
	cluster, err := mesostest.NewServer(mesostest.WithAgents(1, "cpus:2;mem:1024"),
		mesostest.WithAllocationInterval(10*time.Millisecond))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer cluster.Close()

	fw := &mesosproto.FrameworkInfo{
		User:            proto.String("nobody"),
		Name:            proto.String("example"),
		FailoverTimeout: proto.Float64(60), // survive a lost connection for a minute
	}
	c, err := scheduler.New(fw, scheduler.WithMaster(cluster.URL()))
	if err != nil {
		fmt.Println(err)
		return
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	launched := false
	err = c.Run(ctx, scheduler.Callbacks{
		Offers: func(ctx context.Context, offers []scheduler.Offer) error {
			if launched {
				return nil // offers left alone are declined by the Client
			}
			launched = true
			task := &mesosproto.TaskInfo{
				Name:    proto.String("hello"),
				TaskId:  &mesosproto.TaskID{Value: proto.String("hello")},
				AgentId: offers[0].ProtoAgentID(),
				Resources: []*mesosproto.Resource{
					{Name: proto.String("cpus"), Type: mesosproto.Value_SCALAR.Enum(), Scalar: &mesosproto.Value_Scalar{Value: proto.Float64(0.1)}},
					{Name: proto.String("mem"), Type: mesosproto.Value_SCALAR.Enum(), Scalar: &mesosproto.Value_Scalar{Value: proto.Float64(32)}},
				},
				Command: &mesosproto.CommandInfo{Value: proto.String("echo hello")},
			}
			return c.Launch(ctx, []*mesosproto.OfferID{offers[0].ProtoID()}, []*mesosproto.TaskInfo{task}, nil)
		},
		Update: func(ctx context.Context, st *mesosproto.TaskStatus) error {
			fmt.Println(st.GetTaskId().GetValue(), st.GetState())
			if st.GetState() != mesosproto.TaskState_TASK_FINISHED {
				return nil // acknowledged by the Client when we return
			}
			if err := c.AcknowledgeStatus(ctx, st); err != nil {
				return err
			}
			cancel() // disconnect: the framework stays registered, it is not torn down
			return nil
		},
	})
	fmt.Println("Run returned", err)
	// Output:
	// hello TASK_STARTING
	// hello TASK_RUNNING
	// hello TASK_FINISHED
	// Run returned <nil>
}
