// SPDX-License-Identifier: Apache-2.0

package executor_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/executor"
	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/executorpb"
)

// An update the agent refuses with 503 while it recovers (its executor API
// takes only SUBSCRIBE and HEARTBEAT then) is sent again on the live
// subscription until the agent takes it, and is acknowledged; before, it
// waited for a re-SUBSCRIBE that never came while the stream stayed up.
// Found by the chaos soak (docs/RELIABILITY.md).
func TestUpdateRefusedWhileAgentRecoversIsSentAgain(t *testing.T) {
	a := newFakeAgent(t)
	a.mu.Lock()
	a.updStatus = []int{http.StatusServiceUnavailable, http.StatusServiceUnavailable, http.StatusServiceUnavailable}
	a.mu.Unlock()
	x := newExecutor(t, a.config(true))
	ctx, cancel := context.WithCancel(context.Background())
	done := runAsync(ctx, x, executor.Callbacks{})
	a.nextSubscribe(t)
	waitSubscribed(t, x)

	st := &mesosproto.TaskStatus{TaskId: &mesosproto.TaskID{Value: proto.String("t1")}, State: mesosproto.TaskState_TASK_RUNNING.Enum()}
	if err := x.Update(ctx, st); err != nil {
		t.Fatalf("Update: %v", err)
	}
	got := a.nextUpdate(t, mesosproto.TaskState_TASK_RUNNING) // the fourth attempt, 202
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, updates := x.Unacknowledged()
		if len(updates) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("update %x still unacknowledged", got.GetUuid())
		}
		time.Sleep(5 * time.Millisecond)
	}
	a.mu.Lock()
	left := len(a.updStatus)
	a.mu.Unlock()
	if left != 0 {
		t.Fatalf("%d refusals unused", left)
	}
	if n := len(a.subscribes); n != 0 {
		t.Fatalf("%d more SUBSCRIBEs; the update should go on the live subscription", n)
	}
	cancel()
	_ = waitRun(t, done) // its result after cancel is covered by the Run tests

}

// While the agent keeps answering 503, the resending stops when the
// subscription ends, and the next SUBSCRIBE carries the update as before.
func TestUpdateResendStopsWithSubscription(t *testing.T) {
	a := newFakeAgent(t)
	a.mu.Lock()
	for range 1000 {
		a.updStatus = append(a.updStatus, http.StatusServiceUnavailable)
	}
	a.mu.Unlock()
	x := newExecutor(t, a.config(true))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := runAsync(ctx, x, executor.Callbacks{})
	a.nextSubscribe(t)
	waitSubscribed(t, x)

	st := &mesosproto.TaskStatus{TaskId: &mesosproto.TaskID{Value: proto.String("t1")}, State: mesosproto.TaskState_TASK_RUNNING.Enum()}
	updated := make(chan error, 1)
	go func() { updated <- x.Update(ctx, st) }()
	attempts := func() int {
		a.mu.Lock()
		defer a.mu.Unlock()
		n := 0
		for _, c := range a.calls {
			if c.GetType() == executorpb.Call_UPDATE {
				n++
			}
		}
		return n
	}
	deadline := time.Now().Add(10 * time.Second)
	for attempts() < 2 {
		if time.Now().After(deadline) {
			t.Fatalf("%d UPDATE attempts, want the update sent again", attempts())
		}
		time.Sleep(5 * time.Millisecond)
	}

	a.endStream() // the agent restarts: the executor subscribes again
	sub := a.nextSubscribe(t)
	if err := <-updated; err != nil {
		t.Fatalf("Update: %v, want nil (journalled for the next SUBSCRIBE)", err)
	}
	if u := sub.GetSubscribe().GetUnacknowledgedUpdates(); len(u) != 1 || u[0].GetStatus().GetTaskId().GetValue() != "t1" {
		t.Fatalf("SUBSCRIBE carries %d unacknowledged updates, want t1's", len(u))
	}
	n := attempts()
	waitSubscribed(t, x)
	cancel()
	_ = waitRun(t, done)
	if m := attempts(); m != n {
		t.Fatalf("%d UPDATE attempts after the subscription ended", m-n)
	}
}
