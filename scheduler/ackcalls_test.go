// SPDX-License-Identifier: Apache-2.0

package scheduler_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/schedulerpb"
	"github.com/mesoskit/mesoskit/mesostest"
	"github.com/mesoskit/mesoskit/scheduler"
)

// handlerAckStatuses are n TASK_RUNNING updates of distinct tasks on a few
// agents, for SendStatusUpdates.
func handlerAckStatuses(n int) []*mesosproto.TaskStatus {
	sts := make([]*mesosproto.TaskStatus, n)
	for i := range sts {
		sts[i] = &mesosproto.TaskStatus{
			TaskId:  &mesosproto.TaskID{Value: proto.String(fmt.Sprintf("task-%d", i))},
			AgentId: &mesosproto.AgentID{Value: proto.String(fmt.Sprintf("agent-%d", i%5))},
			State:   mesosproto.TaskState_TASK_RUNNING.Enum(),
		}
	}
	return sts
}

// handlerAckRun runs a Client that leaves acknowledging to the
// application (WithoutAutoAcknowledge) against srv and returns its
// framework ID once subscribed. A burst of acknowledgements from many
// goroutines under -race on a loaded machine can hold up the stream for
// more than the tests' usual second of silence: 10 s are allowed.
func handlerAckRun(t *testing.T, srv *mesostest.Server, ct, name string, opts ...scheduler.Option) (*scheduler.Client, *running, string) {
	t.Helper()
	base := []scheduler.Option{scheduler.WithoutAutoAcknowledge(), scheduler.WithMissedHeartbeats(int(10 * time.Second / testHeartbeat))}
	c := newClient(t, srv, ct, frameworkInfo(name), append(base, opts...)...)
	sig := newSignals()
	r := start(t, c, sig.callbacks(scheduler.Callbacks{}))
	return c, r, recv(t, "SUBSCRIBED", sig.subscribed)
}

// ackAll acknowledges sts from workers goroutines at once, each taking
// every workers-th status, and returns each call's error by task ID.
func ackAll(c *scheduler.Client, sts []*mesosproto.TaskStatus, workers int) map[string]error {
	var (
		mu   sync.Mutex
		errs = make(map[string]error, len(sts))
		wg   sync.WaitGroup
	)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < len(sts); i += workers {
				err := c.AcknowledgeStatus(context.Background(), sts[i])
				mu.Lock()
				errs[sts[i].GetTaskId().GetValue()] = err
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return errs
}

// Acknowledgements of the application's, from many goroutines at once,
// each land exactly once and each caller gets nil once the master has
// answered: with the defaults (on the pipelined connection) and with
// WithoutPipelinedAcks (through net/http).
func TestAcknowledgeConcurrently(t *testing.T) {
	forEachCodec(t, func(t *testing.T, ct string) {
		for _, mode := range []struct {
			name string
			opts []scheduler.Option
		}{{"defaults", nil}, {"without-pipelined-acks", []scheduler.Option{scheduler.WithoutPipelinedAcks()}}} {
			t.Run(mode.name, func(t *testing.T) {
				const n, workers = 1500, 16
				srv := newServer(t, mesostest.WithAgents(0, ""))
				c, r, id := handlerAckRun(t, srv, ct, "concurrent-acks", mode.opts...)
				batch, err := srv.SendStatusUpdates(id, handlerAckStatuses(n)...)
				if err != nil {
					t.Fatal(err)
				}
				errs := ackAll(c, batch.Statuses(), workers)
				for task, err := range errs {
					if err != nil {
						t.Errorf("AcknowledgeStatus(%s): %v", task, err)
					}
				}
				// Each call returned after its answer: the master has them all.
				if got := batch.Acknowledged(); got != n {
					t.Errorf("%d of %d acknowledged once every call returned nil", got, n)
				}
				fs, _ := srv.Framework(id)
				if fs.AcknowledgedTotal != n || len(fs.Acknowledged) != n || fs.DuplicateAcksTotal != 0 {
					t.Errorf("%d acknowledgements of %d tasks, %d duplicates; want %d of %d, none",
						fs.AcknowledgedTotal, len(fs.Acknowledged), fs.DuplicateAcksTotal, n, n)
				}
				if err := r.stop(); err != nil {
					t.Errorf("Run: %v", err)
				}
			})
		}
	})
}

// An answer other than 2xx reaches the caller whose acknowledgement it
// answers, as the *APIError it gets through net/http, and nobody else: the
// others get nil. Acknowledged again, the refused one lands (the rest of
// the subscription's go through net/http). A 503 is sent again by the
// Client itself: every caller gets nil.
func TestAcknowledgeErrorReachesItsCaller(t *testing.T) {
	forEachCodec(t, func(t *testing.T, ct string) {
		for _, status := range []int{http.StatusBadRequest, http.StatusServiceUnavailable} {
			t.Run(fmt.Sprint(status), func(t *testing.T) {
				const n, workers = 300, 8
				srv := newServer(t, mesostest.WithAgents(0, ""))
				c, r, id := handlerAckRun(t, srv, ct, "ack-errors")
				batch, err := srv.SendStatusUpdates(id, handlerAckStatuses(n)...)
				if err != nil {
					t.Fatal(err)
				}
				// Let a few through first, so that the refusal comes in the
				// middle of the pipelined traffic.
				sts := batch.Statuses()
				for _, st := range sts[:3] {
					if err := c.AcknowledgeStatus(context.Background(), st); err != nil {
						t.Fatalf("AcknowledgeStatus: %v", err)
					}
				}
				srv.Inject(schedulerpb.Call_ACKNOWLEDGE, mesostest.Fault{Status: status, Body: "refused by the test"})
				errs := ackAll(c, sts[3:], workers)

				var refused []string // tasks whose ACKNOWLEDGE the master refused
				for _, call := range callsOf(srv, schedulerpb.Call_ACKNOWLEDGE) {
					if call.Faulted {
						refused = append(refused, call.Call.GetAcknowledge().GetTaskId().GetValue())
					}
				}
				if len(refused) != 1 {
					t.Fatalf("%d acknowledgements refused, want 1", len(refused))
				}
				for task, err := range errs {
					var apiErr *scheduler.APIError
					switch {
					case task == refused[0] && status == http.StatusBadRequest:
						if !errors.As(err, &apiErr) || apiErr.StatusCode != status {
							t.Errorf("the refused acknowledgement (%s) returned %v, want an *APIError with %d", task, err, status)
						}
					case err != nil:
						t.Errorf("AcknowledgeStatus(%s): %v, want nil", task, err)
					}
				}
				if status == http.StatusBadRequest {
					if got := batch.Acknowledged(); got != n-1 {
						t.Errorf("%d acknowledged, want all but the refused one", got)
					}
					for _, st := range sts {
						if st.GetTaskId().GetValue() == refused[0] {
							if err := c.AcknowledgeStatus(context.Background(), st); err != nil {
								t.Errorf("AcknowledgeStatus again: %v", err)
							}
						}
					}
				}
				fs, _ := srv.Framework(id)
				if batch.Acknowledged() != n || fs.DuplicateAcksTotal != 0 {
					t.Errorf("%d of %d acknowledged, %d duplicates", batch.Acknowledged(), n, fs.DuplicateAcksTotal)
				}
				if err := r.stop(); err != nil {
					t.Errorf("Run: %v", err)
				}
			})
		}
	})
}

// An acknowledgement whose answer does not come within WithCallTimeout
// returns an error wrapping context.DeadlineExceeded, as through net/http;
// one whose ctx is cancelled before the call returns context.Canceled at
// once, and sends nothing.
func TestAcknowledgeDeadlines(t *testing.T) {
	forEachCodec(t, func(t *testing.T, ct string) {
		srv := newServer(t, mesostest.WithAgents(0, ""))
		c, r, id := handlerAckRun(t, srv, ct, "ack-deadline", scheduler.WithCallTimeout(300*time.Millisecond))
		batch, err := srv.SendStatusUpdates(id, handlerAckStatuses(2)...)
		if err != nil {
			t.Fatal(err)
		}
		sts := batch.Statuses()
		// Every attempt is held past the timeout, the pipelined one and
		// those the Client sends again through net/http.
		srv.Inject(schedulerpb.Call_ACKNOWLEDGE, mesostest.Fault{Delay: 3 * time.Second, Times: -1})
		if err := c.AcknowledgeStatus(context.Background(), sts[0]); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("AcknowledgeStatus past the call timeout = %v, want context.DeadlineExceeded", err)
		}
		srv.ClearFaults()
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if err := c.AcknowledgeStatus(ctx, sts[1]); !errors.Is(err, context.Canceled) {
			t.Errorf("AcknowledgeStatus with a cancelled ctx = %v, want context.Canceled", err)
		}
		if err := c.AcknowledgeStatus(context.Background(), sts[0]); err != nil {
			t.Errorf("AcknowledgeStatus once the master answers again: %v", err)
		}
		for _, call := range callsOf(srv, schedulerpb.Call_ACKNOWLEDGE) {
			if call.Call.GetAcknowledge().GetTaskId().GetValue() == sts[1].GetTaskId().GetValue() {
				t.Errorf("the cancelled acknowledgement was sent")
			}
		}
		if err := r.stop(); err != nil {
			t.Errorf("Run: %v", err)
		}
	})
}
