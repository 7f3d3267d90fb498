// SPDX-License-Identifier: Apache-2.0

package scheduler

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap"
	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/internal/httpapi"
	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/schedulerpb"
	"github.com/mesoskit/mesoskit/mesostest"
)

// explicitAckRun runs a Client that leaves acknowledging to the
// application against srv and returns it once subscribed, with its
// framework ID and a function that stops Run and returns its error.
func explicitAckRun(t *testing.T, srv *mesostest.Server, ct string, opts ...Option) (*Client, string, func() error) {
	t.Helper()
	fw := &mesosproto.FrameworkInfo{User: proto.String("u"), Name: proto.String("explicit-acks")}
	c, err := New(fw, append([]Option{WithMaster(srv.URL()), WithContentType(ct), WithoutAutoAcknowledge(),
		WithLogger(zap.NewNop()), WithBackoff(time.Millisecond, 20*time.Millisecond),
		WithCallTimeout(10 * time.Second), WithMissedHeartbeats(100)}, opts...)...)
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
	var once sync.Once
	var runErr error
	stop := func() error {
		once.Do(func() {
			cancel()
			select {
			case runErr = <-done:
			case <-time.After(20 * time.Second):
				t.Error("Run did not return")
			}
		})
		return runErr
	}
	t.Cleanup(func() { _ = stop() })
	select {
	case id := <-subscribed:
		return c, id, stop
	case err := <-done:
		t.Fatalf("Run returned before SUBSCRIBED: %v", err)
	case <-time.After(20 * time.Second):
		t.Fatal("not subscribed")
	}
	return nil, "", nil
}

// ackCall is the ACKNOWLEDGE of st, for Do.
func ackCall(st *mesosproto.TaskStatus) *schedulerpb.Call {
	return &schedulerpb.Call{
		Type:        schedulerpb.Call_ACKNOWLEDGE.Enum(),
		Acknowledge: &schedulerpb.Call_Acknowledge{AgentId: st.GetAgentId(), TaskId: st.GetTaskId(), Uuid: st.GetUuid()},
	}
}

// Acknowledge, AcknowledgeStatus and ACKNOWLEDGE through Do, from many
// goroutines, go through the pipelined connection by default, every one
// answered there; WithoutPipelinedAcks sends them through net/http.
func TestExplicitAcksPipelined(t *testing.T) {
	for _, ct := range []string{httpapi.MediaTypeProtobuf, httpapi.MediaTypeJSON} {
		for _, piped := range []bool{true, false} {
			t.Run(ct+map[bool]string{true: "/pipelined", false: "/net-http"}[piped], func(t *testing.T) {
				const n, workers = 1200, 12
				srv, err := mesostest.NewServer(mesostest.WithAgents(0, ""), mesostest.WithHeartbeatInterval(time.Second))
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(srv.Close)
				var opts []Option
				if !piped {
					opts = append(opts, WithoutPipelinedAcks())
				}
				c, id, stop := explicitAckRun(t, srv, ct, opts...)
				batch, err := srv.SendStatusUpdates(id, burstStatuses(n)...)
				if err != nil {
					t.Fatal(err)
				}
				sts := batch.Statuses()
				var wg sync.WaitGroup
				for w := range workers {
					wg.Add(1)
					go func() {
						defer wg.Done()
						for i := w; i < n; i += workers {
							var err error
							switch w % 3 {
							case 0:
								err = c.AcknowledgeStatus(context.Background(), sts[i])
							case 1:
								err = c.Acknowledge(context.Background(), sts[i].GetAgentId(), sts[i].GetTaskId(), sts[i].GetUuid())
							default:
								err = c.Do(context.Background(), ackCall(sts[i]))
							}
							if err != nil {
								t.Errorf("acknowledging %s: %v", sts[i].GetTaskId().GetValue(), err)
							}
						}
					}()
				}
				wg.Wait()
				if got := batch.Acknowledged(); got != n {
					t.Errorf("%d of %d acknowledged once every call returned", got, n)
				}
				fs, _ := srv.Framework(id)
				if fs.DuplicateAcksTotal != 0 {
					t.Errorf("duplicate acknowledgements: %v", fs.DuplicateAcks)
				}
				want := uint64(0)
				if piped {
					want = n
				}
				if got := c.pipelinedOK.Load(); got != want {
					t.Errorf("%d answered on the pipelined connection, want %d", got, want)
				}
				if err := stop(); err != nil {
					t.Errorf("Run: %v", err)
				}
			})
		}
	}
}

// queued waits until the live pipeline holds k acknowledgements (queued or
// unanswered).
func queued(t *testing.T, c *Client, k int) {
	t.Helper()
	waitFor(t, "the acknowledgement queued", func() bool {
		p := c.acks.Load()
		return p != nil && len(p.slots) == k
	})
}

// A caller whose ctx is cancelled while its acknowledgement waits for the
// master returns at once with context.Canceled; the acknowledgement is
// still answered on the pipelined connection, in its turn, and the callers
// after it get their own answers there.
func TestExplicitAckCancelledInFlight(t *testing.T) {
	for _, ct := range []string{httpapi.MediaTypeProtobuf, httpapi.MediaTypeJSON} {
		t.Run(ct, func(t *testing.T) {
			const n = 40
			srv, err := mesostest.NewServer(mesostest.WithAgents(0, ""), mesostest.WithHeartbeatInterval(time.Second))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(srv.Close)
			c, id, stop := explicitAckRun(t, srv, ct)
			batch, err := srv.SendStatusUpdates(id, burstStatuses(n)...)
			if err != nil {
				t.Fatal(err)
			}
			sts := batch.Statuses()
			srv.Inject(schedulerpb.Call_ACKNOWLEDGE, mesostest.Fault{Delay: 3 * time.Second})
			ctx, cancel := context.WithCancel(context.Background())
			errc := make(chan error, 1)
			go func() { errc <- c.AcknowledgeStatus(ctx, sts[0]) }()
			queued(t, c, 1)
			cancel()
			if err := <-errc; !errors.Is(err, context.Canceled) {
				t.Errorf("AcknowledgeStatus with its ctx cancelled = %v, want context.Canceled", err)
			}
			if got := batch.Acknowledged(); got != 0 {
				t.Errorf("%d acknowledged when the cancelled call returned; want it back before the master's answer", got)
			}
			var wg sync.WaitGroup
			for w := range 4 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := 1 + w; i < n; i += 4 {
						if err := c.AcknowledgeStatus(context.Background(), sts[i]); err != nil {
							t.Errorf("AcknowledgeStatus: %v", err)
						}
					}
				}()
			}
			wg.Wait()
			ctx, cancel = context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			if err := batch.Wait(ctx); err != nil {
				t.Fatal(err)
			}
			waitFor(t, "every answer read", func() bool { return c.pipelinedOK.Load() == n })
			if fs, _ := srv.Framework(id); fs.DuplicateAcksTotal != 0 {
				t.Errorf("duplicate acknowledgements: %v", fs.DuplicateAcks)
			}
			if err := stop(); err != nil {
				t.Errorf("Run: %v", err)
			}
		})
	}
}

// A caller whose subscription ends while its acknowledgement waits for the
// master returns an error wrapping ErrNotSubscribed, and Run returns
// without waiting for the answer (goleak checks that nothing is left).
func TestExplicitAckSubscriptionEnds(t *testing.T) {
	srv, err := mesostest.NewServer(mesostest.WithAgents(0, ""), mesostest.WithHeartbeatInterval(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	c, id, stop := explicitAckRun(t, srv, httpapi.MediaTypeProtobuf)
	batch, err := srv.SendStatusUpdates(id, burstStatuses(1)...)
	if err != nil {
		t.Fatal(err)
	}
	srv.Inject(schedulerpb.Call_ACKNOWLEDGE, mesostest.Fault{Delay: time.Minute})
	errc := make(chan error, 1)
	go func() { errc <- c.AcknowledgeStatus(context.Background(), batch.Statuses()[0]) }()
	queued(t, c, 1)
	if err := stop(); err != nil {
		t.Errorf("Run: %v", err)
	}
	if err := <-errc; !errors.Is(err, ErrNotSubscribed) {
		t.Errorf("AcknowledgeStatus when the subscription ended = %v, want ErrNotSubscribed", err)
	}
}
