// SPDX-License-Identifier: Apache-2.0

package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesostest"
)

// TestInterrupt shows what Ctrl-C does: without -teardown the framework is only disconnected (the master keeps
// it and its tasks for the failover timeout); with -teardown it is removed.
func TestInterrupt(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want mesostest.FrameworkState
	}{
		{"disconnect", nil, mesostest.FrameworkDisconnected},
		{"teardown", []string{"-teardown"}, mesostest.FrameworkRemoved},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// Simulated tasks that never end on their own: the framework is still busy when interrupted.
			srv, err := mesostest.NewServer(mesostest.WithAgents(1, ""),
				mesostest.WithAllocationInterval(50*time.Millisecond), mesostest.WithSimulatedTasks(-1))
			if err != nil {
				t.Fatal(err)
			}
			defer srv.Close()

			ctx, interrupt := context.WithCancel(context.Background())
			defer interrupt()
			var out, errOut lockedBuffer
			done := make(chan int, 1)
			args := append([]string{"-master", srv.URL(), "-tasks", "2"}, tc.args...)
			go func() { done <- run(ctx, args, &out, &errOut) }()

			wctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			id, err := srv.WaitSubscribed(wctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, task := range []string{"task-1", "task-2"} {
				if _, err := srv.WaitTask(wctx, task, mesosproto.TaskState_TASK_RUNNING); err != nil {
					t.Fatalf("%s: %v\n%s", task, err, out.String())
				}
			}

			interrupt() // what SIGINT does in main
			select {
			case code := <-done:
				if code == 0 {
					t.Errorf("exit status 0 although no task finished")
				}
			case <-time.After(30 * time.Second):
				t.Fatal("run did not return after the interrupt")
			}
			st, err := srv.WaitFramework(wctx, id, tc.want)
			if err != nil {
				t.Fatalf("framework %s: %v (state %v)", id, err, st.State)
			}
			if !strings.Contains(out.String(), "0/2 tasks finished") {
				t.Errorf("unexpected output:\n%s", out.String())
			}
		})
	}
}
