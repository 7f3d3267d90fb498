// SPDX-License-Identifier: Apache-2.0

package scheduler_test

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesostest"
	"github.com/mesoskit/mesoskit/scheduler"
)

// Resource arithmetic is exact to the thousandth, as in Mesos.
func ExampleResources() {
	offer := scheduler.Resources{
		scheduler.Scalar("cpus", 4),
		scheduler.Scalar("mem", 4096),
		scheduler.Ranges("ports", [2]uint64{31000, 31009}),
	}
	task := scheduler.Resources{scheduler.Scalar("cpus", 0.1), scheduler.Scalar("mem", 32)}

	left := offer
	for left.Contains(task...) && left.ScalarOf("cpus") > 3.5 {
		left = left.Subtract(task...)
	}
	fmt.Println(left)
	fmt.Println(left.ScalarOf("cpus") == 3.5)

	a, b := 0.1, 0.2
	fmt.Println("float64:", a+b)
	sum := scheduler.Resources{}.Add(scheduler.Scalar("cpus", a), scheduler.Scalar("cpus", b))
	fmt.Println("Resources:", sum, sum.ScalarOf("cpus") == 0.3)
	// Output:
	// cpus:3.5; mem:3936; ports:[31000-31009]
	// true
	// float64: 0.30000000000000004
	// Resources: cpus:0.3 true
}

// Reserved resources and offers to MULTI_ROLE frameworks keep their role
// and allocation through the arithmetic.
func ExampleResources_AllocatableTo() {
	// Unreserved cpus and cpus reserved for role "web" (what the agent's
	// --resources flag "cpus:2;cpus(web):1" makes).
	res, err := mesostest.ParseResources("cpus:2;cpus(web):1")
	if err != nil {
		fmt.Println(err)
		return
	}
	offer := scheduler.Resources(res)
	fmt.Println(offer)
	fmt.Println("web may use", offer.AllocatableTo("web").ScalarOf("cpus"), "cpus")
	fmt.Println("db may use", offer.AllocatableTo("db").ScalarOf("cpus"), "cpus")
	fmt.Println("unreserved:", offer.Unreserved())
	fmt.Println("flattened:", offer.Flatten())
	// Output:
	// cpus:2; cpus(web):1
	// web may use 3 cpus
	// db may use 2 cpus
	// unreserved: cpus:2
	// flattened: cpus:3
}

func ExampleResources_TakePorts() {
	offer := scheduler.Resources{
		scheduler.Scalar("cpus", 1),
		scheduler.Ranges("ports", [2]uint64{31000, 31001}, [2]uint64{31005, 31010}),
	}
	ports, taken, rest, ok := offer.TakePorts(3)
	fmt.Println(ports, ok)
	fmt.Println(taken)
	fmt.Println(rest)
	_, _, _, ok = rest.TakePorts(10)
	fmt.Println(ok)
	// Output:
	// [31000 31001 31005] true
	// ports:[31000-31001, 31005-31005]
	// cpus:1; ports:[31006-31010]
	// false
}

func ExampleNewTask() {
	task := scheduler.NewTask("web-1",
		scheduler.TaskArgv("python3", "-m", "http.server"),
		scheduler.TaskResources(scheduler.Scalar("cpus", 0.5), scheduler.Scalar("mem", 128)),
		scheduler.TaskEnv("PYTHONUNBUFFERED", "1"),
		scheduler.TaskDockerImage("python:3.12"),
		scheduler.TaskKillGrace(10*time.Second),
		scheduler.TaskLabel("app", "web"),
		scheduler.TaskHealthCheck(scheduler.HTTPHealthCheck(0, "/")), // 0: the first port Match gives it
	)
	fmt.Println(task.GetTaskId().GetValue(), scheduler.Resources(task.GetResources()))
	fmt.Println(task.GetCommand().GetShell(), task.GetCommand().GetValue(), task.GetCommand().GetArguments())
	fmt.Println(task.GetContainer().GetType(), task.GetContainer().GetDocker().GetImage())
	fmt.Println(time.Duration(task.GetKillPolicy().GetGracePeriod().GetNanoseconds()))
	// Output:
	// web-1 cpus:0.5; mem:128
	// false python3 [python3 -m http.server]
	// DOCKER python:3.12
	// 10s
}

// Packing tasks into offers by hand: first fit, in the order of the tasks.
func ExampleMatch() {
	offer := func(agent, resources string) *mesosproto.Offer {
		res, err := mesostest.ParseResources(resources)
		if err != nil {
			panic(err)
		}
		return &mesosproto.Offer{
			Id:          &mesosproto.OfferID{Value: proto.String("offer-" + agent)},
			FrameworkId: &mesosproto.FrameworkID{Value: proto.String("fw")},
			AgentId:     &mesosproto.AgentID{Value: proto.String(agent)},
			Hostname:    proto.String(agent),
			Resources:   res,
		}
	}
	offers := []*mesosproto.Offer{
		offer("agent-1", "cpus:1;mem:512;ports:[31000-31002]"),
		offer("agent-2", "cpus:4;mem:4096;ports:[31000-32000]"),
	}
	var pending []scheduler.TaskRequest
	for _, name := range []string{"web-1", "web-2", "web-3"} {
		task := scheduler.NewCommandTask(name, nil, "exec ./server --port $PORT0",
			scheduler.Scalar("cpus", 0.5), scheduler.Scalar("mem", 128))
		pending = append(pending, scheduler.TaskRequest{Task: task, Ports: 1})
	}
	batch := scheduler.NewCommandTask("batch", nil, "./crunch", scheduler.Scalar("cpus", 8))
	pending = append(pending, scheduler.TaskRequest{Task: batch})

	assigned, unmatched := scheduler.Match(scheduler.OffersFromProto(offers...), pending)
	for _, a := range assigned {
		fmt.Println(a.Offer.ID)
		for _, t := range a.Tasks {
			env := t.GetCommand().GetEnvironment().GetVariables()
			fmt.Printf("  %s on %s: %v (%s=%s)\n", t.GetTaskId().GetValue(), t.GetAgentId().GetValue(),
				scheduler.Resources(t.GetResources()), env[0].GetName(), env[0].GetValue())
		}
		fmt.Println("  left:", a.Remaining)
	}
	for _, r := range unmatched {
		fmt.Println("waiting:", r.Task.GetTaskId().GetValue())
	}
	// Output:
	// offer-agent-1
	//   web-1 on agent-1: cpus:0.5; mem:128; ports:[31000-31000] (PORT0=31000)
	//   web-2 on agent-1: cpus:0.5; mem:128; ports:[31001-31001] (PORT0=31001)
	//   left: mem:256; ports:[31002-31002]
	// offer-agent-2
	//   web-3 on agent-2: cpus:0.5; mem:128; ports:[31000-31000] (PORT0=31000)
	//   left: cpus:3.5; mem:3968; ports:[31001-32000]
	// waiting: batch
}

// A scheduler that packs tasks into the offers of an in-process cluster
// with Match, keeps what does not fit for later offers, and stops when
// every task has finished.
func ExampleMatch_cluster() {
	cluster, err := mesostest.NewServer(mesostest.WithAgents(2, "cpus:2;mem:1024;ports:[31000-31099]"),
		mesostest.WithAllocationInterval(10*time.Millisecond))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer cluster.Close()

	fw := &mesosproto.FrameworkInfo{User: proto.String("nobody"), Name: proto.String("packer"),
		FailoverTimeout: proto.Float64(60)}
	c, err := scheduler.New(fw, scheduler.WithMaster(cluster.URL()))
	if err != nil {
		fmt.Println(err)
		return
	}

	var pending []scheduler.TaskRequest
	for i := range 4 {
		task := scheduler.NewCommandTask(fmt.Sprintf("echo-%d", i), nil, `echo "listening on $PORT0"`,
			scheduler.Scalar("cpus", 1), scheduler.Scalar("mem", 64))
		pending = append(pending, scheduler.TaskRequest{Task: task, Ports: 1})
	}
	var (
		mu       sync.Mutex
		finished = map[string]bool{} // a status can be delivered twice
		agents   = map[string]bool{}
	)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	err = c.Run(ctx, scheduler.Callbacks{
		Offers: func(ctx context.Context, offers []scheduler.Offer) error {
			assigned, left := scheduler.Match(offers, pending)
			pending = left
			for _, a := range assigned {
				if len(a.Tasks) == 0 {
					continue // left alone: the Client declines it
				}
				if err := c.Launch(ctx, []*mesosproto.OfferID{a.Offer.ProtoID()}, a.Tasks, nil); err != nil {
					return err
				}
				mu.Lock()
				agents[a.Offer.AgentID] = true
				mu.Unlock()
			}
			return nil
		},
		Update: func(ctx context.Context, st *mesosproto.TaskStatus) error {
			if st.GetState() != mesosproto.TaskState_TASK_FINISHED {
				return nil
			}
			mu.Lock()
			defer mu.Unlock()
			finished[st.GetTaskId().GetValue()] = true
			if len(finished) == 4 {
				if err := c.AcknowledgeStatus(ctx, st); err != nil {
					return err
				}
				cancel()
			}
			return nil
		},
	})
	mu.Lock()
	defer mu.Unlock()
	fmt.Println("finished:", slices.Sorted(maps.Keys(finished)))
	fmt.Println("agents used:", len(agents))
	fmt.Println("Run returned", err)
	// Output:
	// finished: [echo-0 echo-1 echo-2 echo-3]
	// agents used: 2
	// Run returned <nil>
}
