// SPDX-License-Identifier: Apache-2.0

package scheduler_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/discovery"
	"github.com/mesoskit/mesoskit/internal/httpapi"
	"github.com/mesoskit/mesoskit/internal/promtest"
	"github.com/mesoskit/mesoskit/internal/zktest"
	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/schedulerpb"
	"github.com/mesoskit/mesoskit/mesostest"
	"github.com/mesoskit/mesoskit/scheduler"
)

// announceWorkload launches, one per offer, two command tasks with DiscoveryInfo (each on the lowest port
// of its offer) and one without, all running until killed.
type announceWorkload struct {
	limit    int // tasks to launch; 0: 3
	mu       sync.Mutex
	launched int
	ports    map[string]int // announced task → its port
	agents   map[string]*mesosproto.AgentID
}

func (w *announceWorkload) offers(ctx context.Context, c *scheduler.Client, offers []scheduler.Offer) error {
	for _, o := range offers {
		w.mu.Lock()
		i := w.launched + 1
		w.mu.Unlock()
		if limit := w.limit; (limit == 0 && i > 3) || (limit > 0 && i > limit) {
			return nil
		}
		port := lowestOfferPort(o)
		id := fmt.Sprintf("task-%d", i)
		t := &mesosproto.TaskInfo{
			Name:    proto.String(id),
			TaskId:  &mesosproto.TaskID{Value: proto.String(id)},
			AgentId: o.ProtoAgentID(),
			Command: &mesosproto.CommandInfo{Value: proto.String("sleep 60")},
			Resources: []*mesosproto.Resource{
				{Name: proto.String("cpus"), Type: mesosproto.Value_SCALAR.Enum(), Scalar: &mesosproto.Value_Scalar{Value: proto.Float64(0.1)}},
				{Name: proto.String("mem"), Type: mesosproto.Value_SCALAR.Enum(), Scalar: &mesosproto.Value_Scalar{Value: proto.Float64(16)}},
				{Name: proto.String("ports"), Type: mesosproto.Value_RANGES.Enum(), Ranges: &mesosproto.Value_Ranges{
					Range: []*mesosproto.Value_Range{{Begin: proto.Uint64(uint64(port)), End: proto.Uint64(uint64(port))}}}},
			},
		}
		if i <= 2 {
			t.Discovery = &mesosproto.DiscoveryInfo{
				Visibility: mesosproto.DiscoveryInfo_EXTERNAL.Enum(),
				Name:       proto.String("demo"),
				Ports: &mesosproto.Ports{Ports: []*mesosproto.Port{
					{Number: proto.Uint32(uint32(port)), Name: proto.String("http"), Protocol: proto.String("tcp")}}},
			}
		}
		if err := c.Launch(ctx, []*mesosproto.OfferID{o.ProtoID()}, []*mesosproto.TaskInfo{t}, nil); err != nil {
			return err
		}
		w.mu.Lock()
		w.launched = i
		w.agents[id] = o.ProtoAgentID()
		if t.Discovery != nil {
			w.ports[id] = port
		}
		w.mu.Unlock()
	}
	return nil
}

func lowestOfferPort(o scheduler.Offer) int {
	low := 0
	for _, r := range o.Resources {
		if r.Name == "ports" {
			for _, rg := range r.Ranges {
				if low == 0 || int(rg[0]) < low {
					low = int(rg[0])
				}
			}
		}
	}
	return low
}

// Command tasks with DiscoveryInfo are announced by the Client while they run, from the agent's hostname
// and their ports; a killed task is withdrawn, and so is a task whose agent is lost. With protobuf, a real
// Prometheus (serverset_sd_configs) discovers exactly the running tasks' endpoints as well.
func TestAnnounceCommandTasks(t *testing.T) {
	zkc := zktest.Start(t)
	forEachCodec(t, func(t *testing.T, contentType string) {
		path := "/services/" + map[string]string{httpapi.MediaTypeProtobuf: "pb", httpapi.MediaTypeJSON: "json"}[contentType]
		var prom *promtest.Server
		if contentType == httpapi.MediaTypeProtobuf {
			prom = promtest.Start(t, fmt.Sprintf(
				"global: {scrape_interval: 1h}\nscrape_configs:\n  - job_name: demo\n    serverset_sd_configs:\n      - {servers: [%q], paths: [%q], timeout: 2s}\n",
				zkc.Servers()[0], path))
		}
		srv := newServer(t,
			mesostest.WithAgent(mesostest.AgentConfig{Resources: "cpus:4;mem:4096;ports:[31000-31099]"}),
			mesostest.WithAgent(mesostest.AgentConfig{Resources: "cpus:4;mem:4096;ports:[32000-32099]"}))
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

		c := newClient(t, srv, contentType, frameworkInfo("announce"), scheduler.WithAnnouncer(disco, path))
		wl := &announceWorkload{ports: map[string]int{}, agents: map[string]*mesosproto.AgentID{}}
		r := start(t, c, scheduler.Callbacks{Offers: func(ctx context.Context, offers []scheduler.Offer) error {
			return wl.offers(ctx, c, offers)
		}})
		ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
		defer cancel()
		for _, id := range []string{"task-1", "task-2", "task-3"} {
			if _, err := srv.WaitTask(ctx, id, mesosproto.TaskState_TASK_RUNNING); err != nil {
				t.Fatalf("%s: %v", id, err)
			}
		}
		wl.mu.Lock()
		p1, p2 := wl.ports["task-1"], wl.ports["task-2"]
		wl.mu.Unlock()
		members := waitMembers(t, w, p1, p2)
		for _, m := range members {
			if m.ServiceEndpoint.Host != "127.0.0.1" || m.AdditionalEndpoints["http"] != m.ServiceEndpoint || m.Status != "ALIVE" {
				t.Errorf("member %+v", m)
			}
		}
		if prom != nil {
			waitPromTargets(t, prom, fmt.Sprintf("127.0.0.1:%d", p1), fmt.Sprintf("127.0.0.1:%d", p2))
		}

		whenSubscribed(t, "KILL task-1", func() error {
			return c.Kill(ctx, &mesosproto.TaskID{Value: proto.String("task-1")}, wl.agents["task-1"], nil)
		})
		waitMembers(t, w, p2)
		if prom != nil {
			waitPromTargets(t, prom, fmt.Sprintf("127.0.0.1:%d", p2))
		}
		// The agent of task-2 is lost: TASK_UNREACHABLE (or TASK_LOST) withdraws it.
		if err := srv.LoseAgent(wl.agents["task-2"].GetValue()); err != nil {
			t.Fatal(err)
		}
		waitMembers(t, w)
		if prom != nil {
			waitPromTargets(t, prom)
		}
		r.stop()
	})
}

// A task that reconciliation reports gone is withdrawn, and every announced task is withdrawn when Run
// returns.
func TestAnnouncementsEndWithRun(t *testing.T) {
	zkc := zktest.Start(t)
	const path = "/services/run"
	srv := newServer(t, mesostest.WithAgent(mesostest.AgentConfig{Resources: "cpus:4;mem:4096;ports:[31000-31099]"}))
	disco, err := discovery.New(zkc.Servers())
	if err != nil {
		t.Fatal(err)
	}
	defer disco.Close()
	w, err := disco.Watch(path)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	c := newClient(t, srv, httpapi.MediaTypeProtobuf, frameworkInfo("announce"), scheduler.WithAnnouncer(disco, path))
	wl := &announceWorkload{ports: map[string]int{}, agents: map[string]*mesosproto.AgentID{}, limit: 2}
	r := start(t, c, scheduler.Callbacks{Offers: func(ctx context.Context, offers []scheduler.Offer) error {
		return wl.offers(ctx, c, offers)
	}})
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	for _, id := range []string{"task-1", "task-2"} {
		if _, err := srv.WaitTask(ctx, id, mesosproto.TaskState_TASK_RUNNING); err != nil {
			t.Fatal(err)
		}
	}
	wl.mu.Lock()
	p1, p2 := wl.ports["task-1"], wl.ports["task-2"]
	wl.mu.Unlock()
	waitMembers(t, w, p1, p2)
	// A reconciliation answer says task-1 is gone (asked after the launch, so it is news: see IsStale).
	whenSubscribed(t, "RECONCILE task-1", func() error {
		return c.Reconcile(ctx, &schedulerpb.Call_Reconcile_Task{
			TaskId: &mesosproto.TaskID{Value: proto.String("task-1")}, AgentId: wl.agents["task-1"],
		})
	})
	if _, err := srv.SendStatusUpdates(c.FrameworkID(), &mesosproto.TaskStatus{
		TaskId: &mesosproto.TaskID{Value: proto.String("task-1")}, AgentId: wl.agents["task-1"],
		State: mesosproto.TaskState_TASK_GONE.Enum(), Source: mesosproto.TaskStatus_SOURCE_MASTER.Enum(),
		Reason: mesosproto.TaskStatus_REASON_RECONCILIATION.Enum(),
	}); err != nil {
		t.Fatal(err)
	}
	waitMembers(t, w, p2)
	r.stop()
	waitMembers(t, w)
}

// whenSubscribed makes a call, again while it fails with ErrNotSubscribed, and fails the test if it fails
// otherwise or still finds no subscription after waitLimit. These tests run Prometheus and ZooKeeper beside
// the master and the Client; on a loaded machine the process can stall longer than the missed-heartbeat
// limit, and the Client is then between a dropped subscription and the next one for a moment.
func whenSubscribed(t *testing.T, what string, call func() error) {
	t.Helper()
	var err error
	eventually(t, what+" while subscribed", func() bool {
		err = call()
		return !errors.Is(err, scheduler.ErrNotSubscribed)
	})
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// waitMembers follows w until its members have exactly the given service ports.
func waitMembers(t *testing.T, w *discovery.Watcher, want ...int) []discovery.Member {
	t.Helper()
	slices.Sort(want)
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
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

// waitPromTargets polls Prometheus until the addresses of its active targets are exactly want.
func waitPromTargets(t *testing.T, prom *promtest.Server, want ...string) {
	t.Helper()
	slices.Sort(want)
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	var last []string
	for {
		targets, err := prom.ActiveTargets(ctx)
		if err == nil {
			last = last[:0]
			for _, tg := range targets {
				last = append(last, tg.DiscoveredLabels["__address__"])
			}
			slices.Sort(last)
			if slices.Equal(last, want) {
				return
			}
		}
		select {
		case <-ctx.Done():
			t.Fatalf("Prometheus targets %v, want %v (last error %v)", last, want, err)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func TestWithAnnouncerValidates(t *testing.T) {
	disco, err := discovery.New([]string{"127.0.0.1:1"})
	if err != nil {
		t.Fatal(err)
	}
	for _, opt := range []scheduler.Option{scheduler.WithAnnouncer(nil, "/s"), scheduler.WithAnnouncer(disco, "s/")} {
		if _, err := scheduler.New(frameworkInfo("x"), opt); err == nil {
			t.Error("New accepted an invalid WithAnnouncer")
		}
	}
}
