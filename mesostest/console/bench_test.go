// SPDX-License-Identifier: Apache-2.0

package console_test

import (
	"context"
	"fmt"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesostest"
	"github.com/mesoskit/mesoskit/scheduler"
)

const (
	benchAgents        = 10
	benchTasksPerAgent = 10_000
)

// BenchmarkConsole100kTasks measures the console in headless Chromium with 100,000 running (simulated)
// tasks: the overview's load (from navigation to the rendered page, the SUBSCRIBED state of 100,000 tasks
// parsed), and the task list's render on the first visit, after a sort by state and with a task-ID
// filter. Run it with -benchtime=1x; the figures are reported as ms/... metrics.
func BenchmarkConsole100kTasks(b *testing.B) {
	br := newBrowser(b)
	srv, err := mesostest.NewServer(mesostest.WithAgents(benchAgents, "cpus:1000;mem:1000000;disk:1000000;ports:[31000-32000]"),
		mesostest.WithSimulatedTasks(-1), mesostest.WithHeartbeatInterval(5*time.Second))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(srv.Close)

	var launched atomic.Int64
	var c *scheduler.Client
	cb := scheduler.Callbacks{
		Offers: func(ctx context.Context, offers []scheduler.Offer) error {
			for _, o := range offers {
				n := launched.Load()
				if n >= benchAgents*benchTasksPerAgent {
					return nil
				}
				tasks := make([]*mesosproto.TaskInfo, 0, benchTasksPerAgent)
				for i := 0; i < benchTasksPerAgent; i++ {
					tasks = append(tasks, scheduler.NewCommandTask(fmt.Sprintf("task-%06d", n+int64(i)), o.ProtoAgentID(), "true",
						scheduler.Scalar("cpus", 0.01), scheduler.Scalar("mem", 1)))
				}
				if err := c.Launch(ctx, []*mesosproto.OfferID{o.ProtoID()}, tasks, nil); err != nil {
					return err
				}
				launched.Add(benchTasksPerAgent)
			}
			return nil
		},
	}
	fi := scheduler.NewFrameworkInfo("tester", "bench-100k")
	fi.FailoverTimeout = proto.Float64(3600)
	c, err = scheduler.New(fi, scheduler.WithMaster(srv.URL()))
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx, cb) }()
	b.Cleanup(func() { cancel(); <-done })
	last := fmt.Sprintf("task-%06d", benchAgents*benchTasksPerAgent-1)
	wctx, wcancel := context.WithTimeout(ctx, 5*time.Minute)
	defer wcancel()
	if _, err := srv.WaitTask(wctx, last, mesosproto.TaskState_TASK_RUNNING); err != nil {
		b.Fatalf("the last task never ran: %v", err)
	}

	br.wait = 3 * time.Minute
	var load, first, sorted, filtered, headers, record, parsed, size, rendered, renderOne float64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		br.open(srv.URL() + "/")
		br.waitJS("overview-100k", `document.getElementById('main').dataset.version > 0 && window.__console.model.tasks.size === 100000 && document.body.innerText.includes('100000')`)
		load += float64(time.Since(start).Microseconds()) / 1000
		headers += br.num(`window.__console.timing.headers`)
		record += br.num(`window.__console.timing.record`)
		parsed += br.num(`window.__console.timing.parsed`)
		size += br.num(`window.__console.timing.bytes`)
		rendered += br.num(`window.__console.timing.rendered`)
		renderOne += br.num(`window.__console.timing.firstRenderMs`)
		first += br.ms(`location.hash = '#/tasks'; window.__console.render()`)
		sorted += br.ms(`document.querySelector('th[data-col="2"]').click()`)
		filtered += br.ms(`const f = document.getElementById('filter'); f.value = 'task-09999'; f.dispatchEvent(new Event('input'))`)
	}
	b.StopTimer()
	br.waitText("filtered-100k", "of 100000 tasks match")
	br.shot("tasks-100k")
	n := float64(b.N)
	b.ReportMetric(load/n, "ms/overview-load")
	b.ReportMetric(headers/n, "ms/subscribe-headers")
	b.ReportMetric(record/n, "ms/subscribed-received")
	b.ReportMetric(parsed/n, "ms/subscribed-parsed")
	b.ReportMetric(size/n/1e6, "MB/subscribed")
	b.ReportMetric(rendered/n, "ms/overview-rendered")
	b.ReportMetric(renderOne/n, "ms/overview-render")
	b.ReportMetric(first/n, "ms/task-list-render")
	b.ReportMetric(sorted/n, "ms/task-list-sort")
	b.ReportMetric(filtered/n, "ms/task-list-filter")
}

// num evaluates a JavaScript expression whose value is a number.
func (b *browser) num(expr string) float64 {
	b.tb.Helper()
	s, err := b.eval(`String(` + expr + `)`)
	if err != nil {
		b.tb.Fatalf("%s: %v", expr, err)
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		b.tb.Fatalf("%s: %v", expr, err)
	}
	return v
}

// ms runs JavaScript statements in the page and returns how long they took in the browser, in ms.
func (b *browser) ms(statements string) float64 {
	b.tb.Helper()
	s, err := b.eval(`(() => { const t0 = performance.now(); ` + statements + `; return String(performance.now() - t0); })()`)
	if err != nil {
		b.tb.Fatalf("%s: %v", statements, err)
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		b.tb.Fatal(err)
	}
	return v
}
