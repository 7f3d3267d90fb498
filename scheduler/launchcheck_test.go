// SPDX-License-Identifier: Apache-2.0

package scheduler_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/schedulerpb"
	"github.com/mesoskit/mesoskit/mesostest"
	"github.com/mesoskit/mesoskit/scheduler"
)

// A task without agent_id (NewCommandTask allows it, for Match) fails in the client with an error naming
// the problem; before the fix the master answered "400 Failed to parse body into Call protobuf".
func TestLaunchWithoutAgentIDFailsInClient(t *testing.T) {
	forEachCodec(t, func(t *testing.T, ct string) {
		srv := newServer(t, mesostest.WithAgents(1, testAgentConfig), mesostest.WithSimulatedTasks(-1))
		c := newClient(t, srv, ct, frameworkInfo("no-agent-id"))
		got := make(chan error, 1)
		start(t, c, scheduler.Callbacks{Offers: func(ctx context.Context, offers []scheduler.Offer) error {
			task := scheduler.NewCommandTask("t1", nil, "true", scheduler.Scalar("cpus", 0.1))
			select {
			case got <- c.Launch(ctx, []*mesosproto.OfferID{offers[0].ProtoID()}, []*mesosproto.TaskInfo{task}, nil):
			default:
			}
			return nil
		}})
		err := recv(t, "Launch's answer", got)
		if !errors.Is(err, scheduler.ErrInvalidTask) || !strings.Contains(err.Error(), `task "t1" has no agent_id`) {
			t.Fatalf("Launch = %v, want ErrInvalidTask naming the missing agent_id", err)
		}
		if n := len(callsOf(srv, schedulerpb.Call_ACCEPT)); n != 0 {
			t.Errorf("%d ACCEPT calls reached the master", n)
		}
	})
}

// A second Launch on an offer the handler already used fails in the client; the first task runs and no
// task is reported lost (before the fix the second call returned nil and Mesos answered TASK_LOST).
func TestLaunchOnUsedOfferFailsInClient(t *testing.T) {
	forEachCodec(t, func(t *testing.T, ct string) {
		srv := newServer(t, mesostest.WithAgents(1, testAgentConfig), mesostest.WithSimulatedTasks(-1))
		c := newClient(t, srv, ct, frameworkInfo("used-offer"))
		got := make(chan error, 1)
		launched := false
		start(t, c, scheduler.Callbacks{Offers: func(ctx context.Context, offers []scheduler.Offer) error {
			if launched {
				return nil
			}
			launched = true
			o := offers[0]
			ids := []*mesosproto.OfferID{o.ProtoID()}
			t1 := scheduler.NewCommandTask("t1", o.ProtoAgentID(), "true", scheduler.Scalar("cpus", 0.1))
			t2 := scheduler.NewCommandTask("t2", o.ProtoAgentID(), "true", scheduler.Scalar("cpus", 0.1))
			if err := c.Launch(ctx, ids, []*mesosproto.TaskInfo{t1}, nil); err != nil {
				return err
			}
			got <- c.Launch(ctx, ids, []*mesosproto.TaskInfo{t2}, nil)
			return nil
		}})
		if err := recv(t, "the second Launch's answer", got); !errors.Is(err, scheduler.ErrOfferUsed) {
			t.Fatalf("second Launch on one offer = %v, want ErrOfferUsed", err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
		defer cancel()
		if _, err := srv.WaitTask(ctx, "t1", mesosproto.TaskState_TASK_RUNNING); err != nil {
			t.Fatal(err)
		}
		if n := len(callsOf(srv, schedulerpb.Call_ACCEPT)); n != 1 {
			t.Errorf("%d ACCEPT calls reached the master, want 1", n)
		}
		if ups := srv.TaskUpdates("t2"); len(ups) != 0 {
			t.Errorf("t2 got updates %v; it should never have been sent", ups)
		}
	})
}
