// SPDX-License-Identifier: Apache-2.0

package scheduler_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/mesoskit/mesoskit/internal/httpapi"
	"github.com/mesoskit/mesoskit/internal/zktest"
	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/schedulerpb"
	"github.com/mesoskit/mesoskit/mesostest"
	"github.com/mesoskit/mesoskit/scheduler"
)

// zkCluster starts a 3-master mesostest cluster contending in ZooKeeper under path, with test timing.
func zkCluster(tb testing.TB, zkc *zktest.Cluster, path string, opts ...mesostest.Option) *mesostest.Server {
	tb.Helper()
	base := []mesostest.Option{
		mesostest.WithZooKeeper("zk://" + zkc.ConnectString() + path),
		mesostest.WithMasters(3),
		mesostest.WithAgents(2, testAgentConfig),
		mesostest.WithHeartbeatInterval(testHeartbeat),
		mesostest.WithAllocationInterval(testAllocation),
	}
	srv, err := mesostest.NewServer(append(base, opts...)...)
	if err != nil {
		tb.Fatalf("mesostest.NewServer: %v", err)
	}
	tb.Cleanup(srv.Close)
	return srv
}

// zkWorkload launches n tasks running cmd on the offers it gets and records every status update, uuid
// included: across a failover an update may legitimately arrive twice (the ACK to the dead leader was
// lost), so updates are counted by uuid.
type zkWorkload struct {
	c   *scheduler.Client
	n   int
	cmd string

	mu       sync.Mutex
	launched int
	updates  map[string][]*mesosproto.TaskStatus
	done     map[string]bool
	allDone  chan struct{}
}

func newZKWorkload(n int, cmd string) *zkWorkload {
	return &zkWorkload{n: n, cmd: cmd, updates: map[string][]*mesosproto.TaskStatus{}, done: map[string]bool{},
		allDone: make(chan struct{})}
}

func (w *zkWorkload) callbacks() scheduler.Callbacks {
	return scheduler.Callbacks{Offers: w.offers, Update: w.update}
}

func (w *zkWorkload) offers(ctx context.Context, offers []scheduler.Offer) error {
	for _, o := range offers {
		w.mu.Lock()
		var tasks []*mesosproto.TaskInfo
		for len(tasks) < 3 && w.launched < w.n {
			tasks = append(tasks, echoTask(fmt.Sprintf("task-%d", w.launched), w.cmd, o.ProtoAgentID()))
			w.launched++
		}
		w.mu.Unlock()
		if len(tasks) == 0 {
			continue
		}
		if err := w.c.Launch(ctx, []*mesosproto.OfferID{o.ProtoID()}, tasks, nil); err != nil {
			w.mu.Lock()
			w.launched -= len(tasks) // a later offer gets them
			w.mu.Unlock()
		}
	}
	return nil
}

func (w *zkWorkload) update(_ context.Context, st *mesosproto.TaskStatus) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	id := st.GetTaskId().GetValue()
	w.updates[id] = append(w.updates[id], st)
	if terminal(st.GetState()) && !w.done[id] {
		w.done[id] = true
		if len(w.done) == w.n {
			close(w.allDone)
		}
	}
	return nil
}

// check asserts that every task ended FINISHED after STARTING and RUNNING, and that the master saw exactly
// one acknowledgement per distinct reliable update and no duplicate.
func (w *zkWorkload) check(t *testing.T, srv *mesostest.Server, frameworkID string) {
	t.Helper()
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.updates) != w.n {
		t.Fatalf("updates for %d tasks, want %d", len(w.updates), w.n)
	}
	distinct := map[string]int{}
	for id, sts := range w.updates {
		uuids := map[string]bool{}
		var states []mesosproto.TaskState
		for _, st := range sts {
			if len(st.GetUuid()) == 0 || uuids[string(st.GetUuid())] {
				continue // reconciliation answer, or a re-sent update
			}
			uuids[string(st.GetUuid())] = true
			states = append(states, st.GetState())
		}
		distinct[id] = len(uuids)
		want := []mesosproto.TaskState{mesosproto.TaskState_TASK_STARTING, mesosproto.TaskState_TASK_RUNNING, mesosproto.TaskState_TASK_FINISHED}
		if !slices.Equal(states, want) {
			t.Errorf("task %s went through %v, want %v", id, states, want)
		}
	}
	var st mesostest.FrameworkStatus
	eventually(t, "every update acknowledged", func() bool {
		st, _ = srv.Framework(frameworkID)
		for id, n := range distinct {
			if st.Acknowledged[id] < n {
				return false
			}
		}
		return true
	})
	for id, n := range distinct {
		if st.Acknowledged[id] != n || st.DuplicateAcks[id] != 0 {
			t.Errorf("task %s: %d acknowledgements and %d duplicates, want %d and none", id, st.Acknowledged[id], st.DuplicateAcks[id], n)
		}
	}
}

// subscribedAt records when each SUBSCRIBED event reached the framework.
type subscribedAt struct {
	id string
	at time.Time
}

func subscribeRecorder(ch chan<- subscribedAt) func(context.Context, *schedulerpb.Event_Subscribed) error {
	return func(_ context.Context, e *schedulerpb.Event_Subscribed) error {
		ch <- subscribedAt{id: e.GetFrameworkId().GetValue(), at: time.Now()}
		return nil
	}
}

// TestZKLeaderFailover runs tasks through a scheduler given the cluster's zk:// URL; the leading master is
// killed while they run. The scheduler must follow ZooKeeper to the new leader, resubscribe with the same
// framework ID, and every task must finish with every update acknowledged exactly once. Tasks are either
// real `sleep 1` processes (they end around the failover) or simulated ones held until the test completes
// them after the failover.
func TestZKLeaderFailover(t *testing.T) {
	zkc := zktest.Start(t)
	forEachCodec(t, func(t *testing.T, ct string) {
		for _, mode := range []string{"held", "sleep"} {
			t.Run(mode, func(t *testing.T) {
				path := "/mesos/" + strings.ReplaceAll(t.Name(), "/", "-")
				var opts []mesostest.Option
				if mode == "held" {
					opts = append(opts, mesostest.WithSimulatedTasks(-1))
				}
				srv := zkCluster(t, zkc, path, opts...)
				const n = 6
				w := newZKWorkload(n, "sleep 1")
				c := newClient(t, nil, ct, frameworkInfo("zk-failover"),
					scheduler.WithMaster("zk://"+zkc.ConnectString()+path), scheduler.WithRefuseSeconds(0))
				w.c = c
				subs := make(chan subscribedAt, 10)
				cb := w.callbacks()
				cb.Subscribed = subscribeRecorder(subs)
				r := start(t, c, cb)

				first := recv(t, "SUBSCRIBED", subs)
				ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
				defer cancel()
				for i := range n {
					if _, err := srv.WaitTask(ctx, fmt.Sprintf("task-%d", i), mesosproto.TaskState_TASK_RUNNING); err != nil {
						t.Fatal(err)
					}
				}
				eventually(t, "RUNNING acknowledged", func() bool {
					st, _ := srv.Framework(first.id)
					for i := range n {
						if st.Acknowledged[fmt.Sprintf("task-%d", i)] < 2 {
							return false
						}
					}
					return true
				})

				killedAt := time.Now()
				killed, err := srv.KillLeader()
				if err != nil {
					t.Fatal(err)
				}
				again := recv(t, "SUBSCRIBED after the failover", subs)
				t.Logf("leader death → scheduler resubscribed: %v", again.at.Sub(killedAt))
				if again.id != first.id || c.FrameworkID() != first.id {
					t.Fatalf("resubscribed as %q (FrameworkID() %q), want %q", again.id, c.FrameworkID(), first.id)
				}
				leader := srv.LeaderIndex()
				if leader == killed || leader < 0 {
					t.Fatalf("leader %d after killing %d", leader, killed)
				}
				subscribes := callsOf(srv, schedulerpb.Call_SUBSCRIBE)
				if last := subscribes[len(subscribes)-1]; last.Master != leader || last.Status != 200 || last.FrameworkID != first.id {
					t.Errorf("last SUBSCRIBE: master %d status %d framework %q", last.Master, last.Status, last.FrameworkID)
				}

				if mode == "held" {
					for i := range n {
						if err := srv.CompleteTask(fmt.Sprintf("task-%d", i), mesosproto.TaskState_TASK_FINISHED, ""); err != nil {
							t.Fatal(err)
						}
					}
				}
				recv(t, "all tasks terminal", w.allDone)
				w.check(t, srv, first.id)
				if st, _ := srv.Framework(first.id); st.Subscriptions != 2 || st.State != mesostest.FrameworkConnected {
					t.Errorf("framework %v after the failover, %d subscriptions; want connected, 2", st.State, st.Subscriptions)
				}
				if err := r.stop(); err != nil {
					t.Fatalf("Run = %v", err)
				}
			})
		}
	})
}

// failovers kills the leading master n times under a subscribed scheduler and returns, for each, the
// time from the leader's death to the scheduler's SUBSCRIBED from the new leader, and the time from the
// leader's death to the new leader's election (its own detector reporting it). The killed master is
// restarted (as a follower) after each measurement.
func failovers(tb testing.TB, srv *mesostest.Server, subs <-chan subscribedAt, frameworkID string, n int, pause func(bool)) (out, elected []time.Duration) {
	tb.Helper()
	for range n {
		killedAt := time.Now()
		killed, err := srv.KillLeader()
		if err != nil {
			tb.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
		_, err = srv.WaitLeader(ctx)
		cancel()
		if err != nil {
			tb.Fatal(err)
		}
		elected = append(elected, time.Since(killedAt))
		var s subscribedAt
		select {
		case s = <-subs:
		case <-time.After(waitLimit):
			tb.Fatalf("no resubscription within %v", waitLimit)
		}
		out = append(out, s.at.Sub(killedAt))
		if s.id != frameworkID {
			tb.Fatalf("resubscribed as %q, want %q", s.id, frameworkID)
		}
		pause(true)
		if err := srv.RestartMaster(killed); err != nil {
			tb.Fatal(err)
		}
		pause(false)
	}
	return out, elected
}

// percentile returns the p-th percentile (nearest rank) of ds.
func percentile(ds []time.Duration, p float64) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	i := int(float64(len(s))*p/100+0.5) - 1
	return s[min(max(i, 0), len(s)-1)]
}

// startFailoverScheduler subscribes a scheduler to srv through ZooKeeper and returns its SUBSCRIBED
// records and framework ID.
func startFailoverScheduler(tb testing.TB, zkc *zktest.Cluster, path string, log *zap.Logger) (<-chan subscribedAt, string, func()) {
	tb.Helper()
	c, err := scheduler.New(frameworkInfo("zk-failovers"),
		scheduler.WithMaster("zk://"+zkc.ConnectString()+path),
		scheduler.WithContentType(httpapi.MediaTypeProtobuf),
		scheduler.WithBackoff(testBackoffMin, testBackoffMax),
		scheduler.WithCallTimeout(5*time.Second),
		// Failovers are noticed through ZooKeeper and the closed stream, not heartbeats: allow 10 s of
		// silence so that a stall of the loaded test machine cannot add a resubscription to the count.
		scheduler.WithMissedHeartbeats(200),
		scheduler.WithLogger(log))
	if err != nil {
		tb.Fatal(err)
	}
	subs := make(chan subscribedAt, 100)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx, scheduler.Callbacks{Subscribed: subscribeRecorder(subs)}) }()
	stop := func() {
		cancel()
		if err := <-done; err != nil {
			tb.Errorf("Run = %v", err)
		}
	}
	var first subscribedAt
	select {
	case first = <-subs:
	case <-time.After(waitLimit):
		stop()
		tb.Fatal("no SUBSCRIBED")
	}
	return subs, first.id, stop
}

// TestZKRepeatedFailovers kills the leader five times in a row (restarted masters lead in their turn)
// and logs the time from the leader's death to the scheduler's resubscription.
func TestZKRepeatedFailovers(t *testing.T) {
	zkc := zktest.Start(t)
	srv := zkCluster(t, zkc, "/mesos", mesostest.WithAgents(0, ""))
	subs, id, stop := startFailoverScheduler(t, zkc, "/mesos", testLogger(t))
	defer stop()
	ds, el := failovers(t, srv, subs, id, 5, func(bool) {})
	t.Logf("leader death → scheduler resubscribed, 5 failovers: %v (median %v, max %v)", ds, percentile(ds, 50), percentile(ds, 100))
	t.Logf("leader death → new leader elected: %v (median %v)", el, percentile(el, 50))
	if st, _ := srv.Framework(id); st.Subscriptions != 6 {
		t.Errorf("%d subscriptions, want 6", st.Subscriptions)
	}
}

// BenchmarkLeaderFailoverResubscribe measures the time from the leading master's death (its ZooKeeper
// session closed, its port closed) to the scheduler's SUBSCRIBED from the new leader, through the
// scheduler's own ZooKeeper detector. Run with -benchtime=10x (each iteration is one failover).
func BenchmarkLeaderFailoverResubscribe(b *testing.B) {
	zkc := zktest.Start(b)
	srv := zkCluster(b, zkc, "/mesos", mesostest.WithAgents(0, ""))
	subs, id, stop := startFailoverScheduler(b, zkc, "/mesos", zap.NewNop())
	defer stop()
	b.ResetTimer()
	ds, el := failovers(b, srv, subs, id, b.N, func(p bool) {
		if p {
			b.StopTimer()
		} else {
			b.StartTimer()
		}
	})
	b.StopTimer()
	b.ReportMetric(float64(percentile(ds, 50).Microseconds())/1000, "ms-median")
	b.ReportMetric(float64(percentile(ds, 99).Microseconds())/1000, "ms-p99")
	b.ReportMetric(float64(percentile(el, 50).Microseconds())/1000, "ms-elected-median")
	b.ReportMetric(0, "ns/op")
}
