// SPDX-License-Identifier: Apache-2.0

package executor_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/discovery"
	"github.com/mesoskit/mesoskit/executor"
	"github.com/mesoskit/mesoskit/internal/zktest"
	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/executorpb"
)

// The executor runtime announces its tasks that carry DiscoveryInfo while they run, at the agent's
// hostname (from SUBSCRIBED), and withdraws them when they end and when Run returns.
func TestAnnounceExecutorTasks(t *testing.T) {
	zkc := zktest.Start(t)
	const path = "/services/executor"
	disco, err := discovery.New(zkc.Servers(), discovery.WithSessionTimeout(2*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	defer disco.Close()
	w, err := disco.Watch(path)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()

	a := newFakeAgent(t)
	x := newExecutor(t, a.config(false), executor.WithAnnouncer(disco, path))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := runAsync(ctx, x, executor.TaskFunc(func(ctx context.Context, _ *mesosproto.TaskInfo) error {
		<-ctx.Done() // runs until killed
		return ctx.Err()
	}))
	a.nextSubscribe(t)

	launch := func(id string, port uint32) {
		ev := launchEvent(id)
		if port != 0 {
			ev.Launch.Task.Discovery = &mesosproto.DiscoveryInfo{
				Visibility: mesosproto.DiscoveryInfo_FRAMEWORK.Enum(),
				Ports:      &mesosproto.Ports{Ports: []*mesosproto.Port{{Number: proto.Uint32(port), Name: proto.String("http")}}},
			}
		}
		a.send(ev)
		a.nextUpdate(t, mesosproto.TaskState_TASK_STARTING)
		a.nextUpdate(t, mesosproto.TaskState_TASK_RUNNING)
	}
	launch("a", 31001)
	launch("b", 0) // no DiscoveryInfo: not announced
	members := waitExecMembers(t, w, 31001)
	if m := members[0]; m.ServiceEndpoint.Host != "agent" || m.AdditionalEndpoints["http"].Port != 31001 {
		t.Fatalf("member %+v", m)
	}
	a.send(&executorpb.Event{Type: executorpb.Event_KILL.Enum(), Kill: &executorpb.Event_Kill{TaskId: &mesosproto.TaskID{Value: proto.String("a")}}})
	a.nextUpdate(t, mesosproto.TaskState_TASK_KILLED)
	waitExecMembers(t, w)

	launch("c", 31003)
	waitExecMembers(t, w, 31003)
	cancel()
	if err := waitRun(t, done); err != nil && !errors.Is(err, context.Canceled) {
		t.Fatalf("Run: %v", err)
	}
	waitExecMembers(t, w)
}

func TestWithAnnouncerValidates(t *testing.T) {
	disco, err := discovery.New([]string{"127.0.0.1:1"})
	if err != nil {
		t.Fatal(err)
	}
	cfg := executor.Config{FrameworkID: "f", ExecutorID: "e", AgentURL: "http://127.0.0.1:1"}
	for _, opt := range []executor.Option{executor.WithAnnouncer(nil, "/s"), executor.WithAnnouncer(disco, "s")} {
		if _, err := executor.New(cfg, opt); err == nil {
			t.Error("New accepted an invalid WithAnnouncer")
		}
	}
}

// waitExecMembers follows w until its members have exactly the given service ports.
func waitExecMembers(t *testing.T, w *discovery.Watcher, want ...int) []discovery.Member {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var last []int
	for {
		members, changed, err := w.Members(ctx)
		if err != nil {
			t.Fatalf("members %v, want ports %v: %v", last, want, err)
		}
		last = last[:0]
		for _, m := range members {
			last = append(last, m.ServiceEndpoint.Port)
		}
		slices.Sort(last)
		if slices.Equal(last, want) {
			return members
		}
		select {
		case <-changed:
		case <-ctx.Done():
			t.Fatalf("members with ports %v, want %v", last, want)
		}
	}
}

// BenchmarkAnnounceTaskRunning measures, through the executor runtime, the time from Executor.Update with
// TASK_RUNNING to the task's member being visible to a discovery.Watcher on another ZooKeeper session
// ("running-µs"), and from the terminal update to the member being gone ("ended-µs"). Compare with
// discovery's BenchmarkRawWatchLatency (ZooKeeper's own notification latency).
func BenchmarkAnnounceTaskRunning(b *testing.B) {
	zkc := zktest.Start(b)
	const path = "/services/bench"
	disco, err := discovery.New(zkc.Servers())
	if err != nil {
		b.Fatal(err)
	}
	defer disco.Close()
	reader, err := discovery.New(zkc.Servers())
	if err != nil {
		b.Fatal(err)
	}
	defer reader.Close()
	w, err := reader.Watch(path)
	if err != nil {
		b.Fatal(err)
	}
	defer w.Close()

	a := newFakeAgent(b)
	x, err := executor.New(a.config(false), executor.WithAnnouncer(disco, path))
	if err != nil {
		b.Fatal(err)
	}
	launched := make(chan *mesosproto.TaskInfo, 1)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- x.Run(ctx, executor.Callbacks{Launch: func(_ context.Context, t *mesosproto.TaskInfo) error {
			launched <- t
			return nil
		}})
	}()
	defer func() { cancel(); <-done }()
	<-a.subscribes

	running := make([]time.Duration, 0, b.N)
	ended := make([]time.Duration, 0, b.N)
	update := func(t *mesosproto.TaskInfo, s mesosproto.TaskState) {
		if err := x.Update(ctx, &mesosproto.TaskStatus{TaskId: t.GetTaskId(), State: s.Enum()}); err != nil {
			b.Fatal(err)
		}
		<-a.updates
	}
	b.ResetTimer()
	b.StopTimer()
	for i := range b.N {
		ev := launchEvent(fmt.Sprintf("t%d", i))
		ev.Launch.Task.Discovery = &mesosproto.DiscoveryInfo{Visibility: mesosproto.DiscoveryInfo_FRAMEWORK.Enum(),
			Ports: &mesosproto.Ports{Ports: []*mesosproto.Port{{Number: proto.Uint32(uint32(31000 + i%1000))}}}}
		a.send(ev)
		t := <-launched
		_, changed, _ := w.Members(ctx)
		time.Sleep(2 * time.Millisecond) // start from a quiet state, as discovery's benchmarks do
		b.StartTimer()
		start := time.Now()
		update(t, mesosproto.TaskState_TASK_RUNNING)
		benchWaitCount(b, w, changed, 1)
		running = append(running, time.Since(start))
		_, changed, _ = w.Members(ctx)
		start = time.Now()
		update(t, mesosproto.TaskState_TASK_FINISHED)
		benchWaitCount(b, w, changed, 0)
		ended = append(ended, time.Since(start))
		b.StopTimer()
	}
	b.ReportMetric(median(running), "running-µs")
	b.ReportMetric(median(ended), "ended-µs")
}

func benchWaitCount(b *testing.B, w *discovery.Watcher, changed <-chan struct{}, n int) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for {
		select {
		case <-changed:
		case <-ctx.Done():
			b.Fatalf("waiting for %d members", n)
		}
		var members []discovery.Member
		var err error
		members, changed, err = w.Members(ctx)
		if err != nil {
			b.Fatal(err)
		}
		if len(members) == n {
			return
		}
	}
}

func median(ds []time.Duration) float64 {
	if len(ds) == 0 {
		return 0
	}
	slices.Sort(ds)
	return float64(ds[len(ds)/2]) / 1e3
}
