// SPDX-License-Identifier: Apache-2.0

package scheduler

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"
	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/internal/httpapi"
	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/schedulerpb"
	"github.com/mesoskit/mesoskit/mesostest"
)

// burstStatuses are n TASK_RUNNING updates of distinct tasks.
func burstStatuses(n int) []*mesosproto.TaskStatus {
	sts := make([]*mesosproto.TaskStatus, n)
	for i := range sts {
		sts[i] = &mesosproto.TaskStatus{
			TaskId:  &mesosproto.TaskID{Value: proto.String(fmt.Sprintf("task-%d", i))},
			State:   mesosproto.TaskState_TASK_RUNNING.Enum(),
			AgentId: &mesosproto.AgentID{Value: proto.String(fmt.Sprintf("agent-%d", i%7))},
		}
	}
	return sts
}

// pipelinedRun runs a Client with pipelined acknowledgements against srv
// and returns it once subscribed, with its framework ID, its logs and a
// function that stops Run and returns its error.
func pipelinedRun(t *testing.T, srv *mesostest.Server, ct string) (*Client, string, *observer.ObservedLogs, func() error) {
	t.Helper()
	core, logs := observer.New(zap.DebugLevel)
	fw := &mesosproto.FrameworkInfo{User: proto.String("u"), Name: proto.String("pipelined")}
	c, err := New(fw, WithMaster(srv.URL()), WithContentType(ct), WithPipelinedAcks(),
		WithLogger(zap.New(core)), WithBackoff(time.Millisecond, 20*time.Millisecond),
		WithCallTimeout(10*time.Second), WithMissedHeartbeats(100))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	subscribed := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- c.Run(ctx, Callbacks{Subscribed: func(_ context.Context, s *schedulerpb.Event_Subscribed) error {
			select {
			case subscribed <- s.GetFrameworkId().GetValue():
			default:
			}
			return nil
		}})
	}()
	stop := func() error {
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(20 * time.Second):
			t.Fatal("Run did not return")
			return nil
		}
	}
	t.Cleanup(func() { _ = stop() })
	var id string
	select {
	case id = <-subscribed:
	case err := <-done:
		t.Fatalf("Run returned before SUBSCRIBED: %v", err)
	case <-time.After(20 * time.Second):
		t.Fatal("not subscribed")
	}
	return c, id, logs, func() error {
		err := stop()
		done <- err
		return err
	}
}

// A burst of updates is acknowledged through the pipelined connection,
// every one exactly once. With three answered 503, those are sent again
// through net/http and also arrive once, the rest of the burst goes through
// net/http, and one warning says so.
func TestPipelinedAcksBurst(t *testing.T) {
	for _, ct := range []string{httpapi.MediaTypeProtobuf, httpapi.MediaTypeJSON} {
		for _, unavailable := range []int{0, 3} {
			t.Run(fmt.Sprintf("%s/503x%d", ct, unavailable), func(t *testing.T) {
				const n = 3000
				srv, err := mesostest.NewServer(mesostest.WithAgents(0, ""), mesostest.WithHeartbeatInterval(time.Second))
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(srv.Close)
				c, id, logs, stop := pipelinedRun(t, srv, ct)
				if unavailable > 0 {
					srv.Inject(schedulerpb.Call_ACKNOWLEDGE, mesostest.Fault{Status: 503, Times: unavailable})
				}
				batch, err := srv.SendStatusUpdates(id, burstStatuses(n)...)
				if err != nil {
					t.Fatal(err)
				}
				ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
				defer cancel()
				if err := batch.Wait(ctx); err != nil {
					t.Fatalf("%v: %d of %d acknowledged; logs %v", err, batch.Acknowledged(), n, logs.FilterLevelExact(zap.WarnLevel).All())
				}
				fs, _ := srv.Framework(id)
				if len(fs.DuplicateAcks) != 0 || fs.DuplicateAcksTotal != 0 {
					t.Errorf("duplicate acknowledgements: %v", fs.DuplicateAcks)
				}
				if fs.AcknowledgedTotal != n || len(fs.Acknowledged) != n {
					t.Errorf("%d acknowledgements of %d tasks, want %d of %d", fs.AcknowledgedTotal, len(fs.Acknowledged), n, n)
				}
				var acks, refused int
				for _, call := range srv.Calls() {
					if call.Type == schedulerpb.Call_ACKNOWLEDGE {
						acks++
						if call.Status == 503 {
							refused++
						}
					}
				}
				if acks != n+unavailable || refused != unavailable {
					t.Errorf("master saw %d ACKNOWLEDGE calls, %d answered 503; want %d, %d", acks, refused, n+unavailable, unavailable)
				}
				warns := logs.FilterLevelExact(zap.WarnLevel).All()
				if unavailable == 0 {
					// The master counts an acknowledgement before the client
					// reads its answer: wait for the last answers.
					waitFor(t, "every answer on the pipelined connection", func() bool { return c.pipelinedOK.Load() >= n })
					if got := c.pipelinedOK.Load(); got != n {
						t.Errorf("%d acknowledged on the pipelined connection, want %d", got, n)
					}
					if len(warns) != 0 {
						t.Errorf("warnings: %v", warns)
					}
				} else {
					if got := c.pipelinedOK.Load(); got >= n-uint64(unavailable) || got > pipelinedAckWindow {
						t.Errorf("%d acknowledged on the pipelined connection, want fewer than the window after a 503", got)
					}
					if len(warns) != 1 || !strings.Contains(warns[0].Message, "other than 2xx") {
						t.Errorf("warnings %v, want one of the 503", warns)
					}
				}
				if err := stop(); err != nil {
					t.Errorf("Run: %v", err)
				}
			})
		}
	}
}

// Cancelling Run in the middle of a burst returns promptly; goleak
// (TestMain) checks that the pipelined connection's goroutines are gone.
func TestPipelinedAcksCancelMidBurst(t *testing.T) {
	srv, err := mesostest.NewServer(mesostest.WithAgents(0, ""), mesostest.WithHeartbeatInterval(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	c, id, _, stop := pipelinedRun(t, srv, httpapi.MediaTypeProtobuf)
	batch, err := srv.SendStatusUpdates(id, burstStatuses(20000)...)
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "some acknowledgements", func() bool { return batch.Acknowledged() > 200 })
	start := time.Now()
	if err := stop(); err != nil {
		t.Errorf("Run: %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Run took %v to return", d)
	}
	if c.pipelinedOK.Load() == 0 {
		t.Error("nothing acknowledged on the pipelined connection")
	}
	fs, _ := srv.Framework(id)
	if fs.DuplicateAcksTotal != 0 {
		t.Errorf("duplicate acknowledgements: %v", fs.DuplicateAcks)
	}
}
