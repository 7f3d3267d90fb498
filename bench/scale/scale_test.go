// SPDX-License-Identifier: Apache-2.0

package scale

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/bench/internal/rss"
	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesostest"
	"github.com/mesoskit/mesoskit/scheduler"
)

// Cluster and task shape: 1,000 agents of 32 CPUs and 64 GiB; a task takes
// 0.25 CPU and 64 MiB, so one round of offers has room for 128,000 tasks.
const (
	agents        = 1000
	agentRes      = "cpus:32;mem:65536;disk:100000;ports:[31000-32000]"
	taskCPUs      = 0.25
	taskMem       = 64
	simulatedTime = 10 * time.Millisecond
)

// runTimeout bounds one run: 10 minutes, the target for a million tasks,
// unless MESOSKIT_BENCH_RUN_TIMEOUT (a Go duration) says otherwise, to
// measure a run on a machine too loaded to meet it.
func runTimeout(tb testing.TB) time.Duration {
	s := os.Getenv("MESOSKIT_BENCH_RUN_TIMEOUT")
	if s == "" {
		return 10 * time.Minute
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		tb.Fatalf("MESOSKIT_BENCH_RUN_TIMEOUT=%q: want a positive duration", s)
	}
	return d
}

func taskCount(tb testing.TB) int {
	if s := os.Getenv("MESOSKIT_BENCH_TASKS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n <= 0 {
			tb.Fatalf("MESOSKIT_BENCH_TASKS=%q: want a positive integer", s)
		}
		return n
	}
	return 100000
}

// BenchmarkScale: one op launches and finishes taskCount tasks.
func BenchmarkScale(b *testing.B) {
	n := taskCount(b)
	var total time.Duration
	var resent, missed int64
	for b.Loop() {
		d, r, m := run(b, n)
		total += d
		resent += r
		missed += m
	}
	b.ReportMetric(total.Seconds()/float64(b.N), "s/run")
	b.ReportMetric(float64(n)*float64(b.N)/total.Seconds(), "tasks/s")
	b.ReportMetric(float64(rss.PeakBytes())/(1<<20), "peak-RSS-MiB")
	b.ReportMetric(float64(resent)/float64(b.N), "resent-updates/run")
	if operatorEnabled() {
		b.ReportMetric(float64(missed)/float64(b.N), "operator-missed-FINISHED/run")
	}
}

// run launches n tasks and returns when the master has every
// acknowledgement, with the time that took and how many updates beyond the
// 3n expected the scheduler received (updates the agents re-sent because
// their acknowledgement came after the retry interval); with
// MESOSKIT_BENCH_OPERATOR=1 an operator client follows the master's event
// stream meanwhile, and run also returns how many tasks' TASK_FINISHED it
// never received.
func run(tb testing.TB, n int) (time.Duration, int64, int64) {
	ctx, cancel := context.WithTimeout(context.Background(), runTimeout(tb))
	defer cancel()
	srv, err := mesostest.NewServer(
		mesostest.WithAgents(agents, agentRes),
		mesostest.WithSimulatedTasks(simulatedTime),
		mesostest.WithAllocationInterval(250*time.Millisecond),
		mesostest.WithHeartbeatInterval(5*time.Second),
		// Keep no call records or update history: their growth would
		// be counted in the peak RSS of the SDK under test.
		mesostest.WithoutHistory(),
	)
	if err != nil {
		tb.Fatal(err)
	}
	defer srv.Close()
	var watch *operatorWatch
	if operatorEnabled() {
		watch = watchOperator(tb, srv.URL(), n)
	}

	start := time.Now()
	opts := []scheduler.Option{scheduler.WithDetector(srv.Detector())}
	if os.Getenv("MESOSKIT_BENCH_PACING") == "off" {
		// For comparison: every offer goes to the handler at once.
		opts = append(opts, scheduler.WithoutLaunchPacing())
	}
	c, err := scheduler.New(
		&mesosproto.FrameworkInfo{User: proto.String("bench"), Name: proto.String("scale"), FailoverTimeout: proto.Float64(60)},
		opts...,
	)
	if err != nil {
		tb.Fatal(err)
	}
	var (
		launched atomic.Int64
		finished atomic.Int64 // tasks seen FINISHED (an update re-sent by the agent counts once)
		updates  atomic.Int64
		seen     = make([]atomic.Bool, n)
		done     = make(chan struct{})
	)
	cb := scheduler.Callbacks{
		Offers: func(ctx context.Context, offers []scheduler.Offer) error {
			for i := range offers {
				o := &offers[i]
				left := int64(n) - launched.Load()
				if left <= 0 {
					return nil // the rest is declined by the Client
				}
				k := min(int64(fits(o)), left)
				if k == 0 {
					continue
				}
				first := launched.Add(k) - k
				tasks := make([]*mesosproto.TaskInfo, k)
				agent := o.ProtoAgentID()
				for j := range tasks {
					tasks[j] = task(first+int64(j), agent)
				}
				if err := c.Launch(ctx, []*mesosproto.OfferID{o.ProtoID()}, tasks, nil); err != nil {
					return fmt.Errorf("launch: %w", err)
				}
			}
			return nil
		},
		Update: func(_ context.Context, st *mesosproto.TaskStatus) error {
			updates.Add(1)
			switch st.GetState() {
			case mesosproto.TaskState_TASK_FINISHED:
				i, err := strconv.Atoi(strings.TrimPrefix(st.GetTaskId().GetValue(), "task-"))
				if err != nil || i < 0 || i >= n {
					return fmt.Errorf("unexpected task %q", st.GetTaskId().GetValue())
				}
				if seen[i].CompareAndSwap(false, true) && finished.Add(1) == int64(n) {
					close(done)
				}
			case mesosproto.TaskState_TASK_STARTING, mesosproto.TaskState_TASK_RUNNING:
			default:
				return fmt.Errorf("task %s: %v: %s", st.GetTaskId().GetValue(), st.GetState(), st.GetMessage())
			}
			return nil
		},
	}
	errc := make(chan error, 1)
	rctx, stop := context.WithCancel(ctx)
	stopProgress := progress(tb, n, &launched, &finished, func() string {
		st := c.LaunchPacing()
		return fmt.Sprintf("pending %d window %d held %d start-rate %.0f/s", st.Pending, st.Window, st.Held, st.StartRate)
	})
	defer stopProgress()
	go func() { errc <- c.Run(rctx, cb) }()
	select {
	case <-done:
	case err := <-errc:
		tb.Fatalf("Run ended: %v (launched %d, finished %d)", err, launched.Load(), finished.Load())
	case <-ctx.Done():
		tb.Fatalf("timed out: launched %d, finished %d", launched.Load(), finished.Load())
	}
	// The last acknowledgements may still be in flight: wait for the master
	// (acknowledgements that released an update: 3 per task).
	id := c.FrameworkID()
	for {
		st, _ := srv.Framework(id)
		if st.AcknowledgedTotal >= 3*n {
			break
		}
		if ctx.Err() != nil {
			tb.Fatalf("master has %d of %d acknowledgements", st.AcknowledgedTotal, 3*n)
		}
		time.Sleep(20 * time.Millisecond)
	}
	elapsed := time.Since(start)
	stopProgress()
	if path := os.Getenv("MESOSKIT_BENCH_HEAPPROFILE"); path != "" {
		writeHeapProfile(tb, path)
	}
	var missed int64
	if watch != nil {
		missed = watch.wait(tb, n)
		tb.Logf("operator stream: %d TASK_UPDATED events, %d of %d tasks' TASK_FINISHED missed", watch.updates.Load(), missed, n)
	}
	stop()
	if err := <-errc; err != nil {
		tb.Fatal(err)
	}
	return elapsed, updates.Load() - 3*int64(n), missed
}

// writeHeapProfile writes the live heap (cluster and client) to path.
func writeHeapProfile(tb testing.TB, path string) {
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	runtime.GC()
	if err := pprof.WriteHeapProfile(f); err != nil {
		tb.Fatal(err)
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	tb.Logf("heap profile %s: live heap %d MiB in %d objects", path, ms.HeapAlloc>>20, ms.HeapObjects)
}

// fits is how many tasks an offer has room for.
func fits(o *scheduler.Offer) int {
	var cpus, mem float64
	for i := range o.Resources {
		switch r := &o.Resources[i]; r.Name {
		case "cpus":
			cpus += r.Scalar
		case "mem":
			mem += r.Scalar
		}
	}
	return int(min(cpus/taskCPUs+1e-9, mem/taskMem+1e-9))
}

func task(i int64, agent *mesosproto.AgentID) *mesosproto.TaskInfo {
	id := fmt.Sprintf("task-%07d", i)
	return &mesosproto.TaskInfo{
		Name:    proto.String(id),
		TaskId:  &mesosproto.TaskID{Value: proto.String(id)},
		AgentId: agent,
		Resources: []*mesosproto.Resource{
			{Name: proto.String("cpus"), Type: mesosproto.Value_SCALAR.Enum(), Scalar: &mesosproto.Value_Scalar{Value: proto.Float64(taskCPUs)}},
			{Name: proto.String("mem"), Type: mesosproto.Value_SCALAR.Enum(), Scalar: &mesosproto.Value_Scalar{Value: proto.Float64(taskMem)}},
		},
		Command: &mesosproto.CommandInfo{Value: proto.String("true")},
	}
}

// progress, with MESOSKIT_BENCH_PROGRESS set, logs once a second how far
// the run is, the live heap and the resident set size; with
// MESOSKIT_BENCH_MIDPROFILE=path it also writes a heap profile of the live
// heap once, MESOSKIT_BENCH_MIDPROFILE_SEC seconds into the run (default:
// when half of the tasks have finished). The returned function stops it and
// may be called more than once.
func progress(tb testing.TB, n int, launched, finished *atomic.Int64, pacing func() string) func() {
	verbose := os.Getenv("MESOSKIT_BENCH_PROGRESS") != ""
	mid := os.Getenv("MESOSKIT_BENCH_MIDPROFILE")
	if !verbose && mid == "" {
		return func() {}
	}
	midSec := -1.0
	if v := os.Getenv("MESOSKIT_BENCH_MIDPROFILE_SEC"); v != "" {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			tb.Fatalf("MESOSKIT_BENCH_MIDPROFILE_SEC=%q: %v", v, err)
		}
		midSec = f
	}
	quit := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(time.Second)
		defer t.Stop()
		start := time.Now()
		for {
			select {
			case <-quit:
				return
			case <-t.C:
			}
			f := finished.Load()
			at := f >= int64(n/2)
			if midSec >= 0 {
				at = time.Since(start).Seconds() >= midSec
			}
			if mid != "" && at {
				writeHeapProfile(tb, mid)
				mid = ""
			}
			if verbose {
				var ms runtime.MemStats
				runtime.ReadMemStats(&ms)
				fmt.Fprintf(os.Stderr, "%5.1fs launched %d finished %d heap-alloc %d MiB heap-sys %d MiB peak-rss %d MiB gc %d %s\n",
					time.Since(start).Seconds(), launched.Load(), f, ms.HeapAlloc>>20, ms.HeapSys>>20, rss.PeakBytes()>>20, ms.NumGC, pacing())
			}
		}
	}()
	var once sync.Once
	return func() { once.Do(func() { close(quit); <-done }) }
}
