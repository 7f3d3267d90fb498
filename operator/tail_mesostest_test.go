// SPDX-License-Identifier: Apache-2.0

package operator_test

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesostest"
	"github.com/mesoskit/mesoskit/operator"
	"github.com/mesoskit/mesoskit/scheduler"
	"github.com/mesoskit/mesoskit/scheduler/schedulertest"
)

// TailFile follows a real command task's stdout on a mesostest agent, through the sandbox alias
// SandboxPath names, until the task has ended: every byte arrives, over several 64 KiB reads.
func TestTailFileOfMesostestTask(t *testing.T) {
	srv := mesostest.Start(t, mesostest.WithAgents(1, "cpus:2;mem:1024"))
	fw := &mesosproto.FrameworkInfo{User: proto.String("nobody"), Name: proto.String("tail"), FailoverTimeout: proto.Float64(60)}
	c := schedulertest.NewClient(t, srv, fw)
	ended := make(chan struct{})
	launched := false
	schedulertest.Start(t, c, scheduler.Callbacks{
		Offers: func(ctx context.Context, offers []scheduler.Offer) error {
			if launched {
				return nil
			}
			launched = true
			task := scheduler.NewCommandTask("printer", offers[0].ProtoAgentID(),
				`i=0; while [ $i -lt 20000 ]; do echo "line $i"; i=$((i+1)); done`, scheduler.Scalar("cpus", 0.1))
			return c.Launch(ctx, []*mesosproto.OfferID{offers[0].ProtoID()}, []*mesosproto.TaskInfo{task}, nil)
		},
		Update: func(ctx context.Context, st *mesosproto.TaskStatus) error {
			if mesosproto.IsTerminalState(st.GetState()) {
				select {
				case <-ended:
				default:
					close(ended)
				}
			}
			return nil
		},
	})
	var want bytes.Buffer
	for i := range 20000 {
		fmt.Fprintf(&want, "line %d\n", i)
	}

	agent, err := operator.NewAgent(srv.AgentURL(srv.AgentIDs()[0]))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var got bytes.Buffer
	path := operator.SandboxPath(c.FrameworkID(), "printer") + "/stdout"
	// The agent attaches the sandbox when it launches the task: tail once the task has started.
	if _, err := srv.WaitTask(ctx, "printer", mesosproto.TaskState_TASK_STARTING); err != nil {
		t.Fatal(err)
	}
	if _, err := agent.TailFile(ctx, path, &got, operator.TailFollow(20*time.Millisecond), operator.TailUntil(ended)); err != nil {
		t.Fatalf("TailFile: %v", err)
	}
	if !bytes.Equal(got.Bytes(), want.Bytes()) {
		t.Fatalf("TailFile got %d bytes, want the task's %d bytes of stdout", got.Len(), want.Len())
	}
}
