// SPDX-License-Identifier: Apache-2.0

package scheduler_test

import (
	"context"
	"fmt"
	"sync"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesostest"
	"github.com/mesoskit/mesoskit/scheduler"
)

// An Offers callback reads the compact offers the Client decodes (hostname,
// resources by name and type) and launches a task on one with its ProtoID;
// the offers it leaves alone are declined when it returns.
func ExampleOffer() {
	cluster, err := mesostest.NewServer(
		mesostest.WithAgent(mesostest.AgentConfig{Hostname: "agent-1.example", Resources: "cpus:2;mem:1024;disk:4096;ports:[31000-31009]"}),
		mesostest.WithAllocationInterval(10*time.Millisecond), mesostest.WithSimulatedTasks(10*time.Millisecond))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer cluster.Close()

	fw := &mesosproto.FrameworkInfo{User: proto.String("nobody"), Name: proto.String("offers"),
		FailoverTimeout: proto.Float64(60)}
	c, err := scheduler.New(fw, scheduler.WithMaster(cluster.URL()))
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var once sync.Once
	err = c.Run(ctx, scheduler.Callbacks{
		Offers: func(ctx context.Context, offers []scheduler.Offer) error {
			var launch error
			once.Do(func() {
				o := &offers[0]
				fmt.Println("offer from", o.Hostname)
				for _, r := range o.Resources {
					switch r.Type {
					case mesosproto.Value_SCALAR:
						fmt.Println(" ", r.Name, r.Scalar)
					case mesosproto.Value_RANGES:
						fmt.Println(" ", r.Name, r.Ranges)
					}
				}
				task := scheduler.NewCommandTask("hello", o.ProtoAgentID(), "echo hello",
					scheduler.Scalar("cpus", 0.5), scheduler.Scalar("mem", 128))
				launch = c.Launch(ctx, []*mesosproto.OfferID{o.ProtoID()}, []*mesosproto.TaskInfo{task}, nil)
			})
			return launch
		},
		Update: func(ctx context.Context, st *mesosproto.TaskStatus) error {
			fmt.Println(st.GetTaskId().GetValue(), st.GetState())
			if st.GetState() == mesosproto.TaskState_TASK_FINISHED {
				cancel()
			}
			return nil
		},
	})
	fmt.Println("Run returned", err)
	// Output:
	// offer from agent-1.example
	//   cpus 2
	//   mem 1024
	//   disk 4096
	//   ports [[31000 31009]]
	// hello TASK_STARTING
	// hello TASK_RUNNING
	// hello TASK_FINISHED
	// Run returned <nil>
}
