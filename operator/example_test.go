// SPDX-License-Identifier: Apache-2.0

package operator_test

import (
	"context"
	"fmt"

	"github.com/mesoskit/mesoskit/mesosproto/masterpb"
	"github.com/mesoskit/mesoskit/mesostest"
	"github.com/mesoskit/mesoskit/operator"
)

func ExampleNewMaster() {
	srv, err := mesostest.NewServer(mesostest.WithAgents(2, "cpus:2;mem:1024"))
	if err != nil {
		panic(err)
	}
	defer srv.Close()

	m, err := operator.NewMaster(srv.URL()) // or "zk://…/mesos", "m1:5050,m2:5050"
	if err != nil {
		panic(err)
	}
	defer m.Close()
	ctx := context.Background()
	healthy, err := m.GetHealth(ctx)
	if err != nil {
		panic(err)
	}
	agents, err := m.GetAgents(ctx)
	if err != nil {
		panic(err)
	}
	fmt.Println("healthy:", healthy, "agents:", len(agents.GetAgents()))
	// Output:
	// healthy: true agents: 2
}

func ExampleMaster_Subscribe() {
	srv, err := mesostest.NewServer(mesostest.WithAgents(3, "cpus:2;mem:1024"))
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	m, err := operator.NewMaster(srv.URL(), operator.WithContentType("application/json"))
	if err != nil {
		panic(err)
	}
	defer m.Close()

	ctx, cancel := context.WithCancel(context.Background())
	err = m.Subscribe(ctx, operator.Callbacks{
		Subscribed: func(_ context.Context, s *masterpb.Event_Subscribed, resync bool) error {
			// A resync (a later SUBSCRIBED) replaces everything built so far.
			fmt.Println("agents:", len(s.GetGetState().GetGetAgents().GetAgents()), "resync:", resync)
			cancel() // a real watcher keeps going
			return nil
		},
	})
	fmt.Println("Subscribe returned", err)
	// Output:
	// agents: 3 resync: false
	// Subscribe returned <nil>
}

func ExampleSandboxPath() {
	// A command task's executor has the task's ID; its stdout is here in
	// the files API of the agent that runs it.
	fmt.Println(operator.SandboxPath("fw-1", "task-1") + "/stdout")
	// Output:
	// /frameworks/fw-1/executors/task-1/runs/latest/stdout
}
