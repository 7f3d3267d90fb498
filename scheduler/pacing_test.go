// SPDX-License-Identifier: Apache-2.0

package scheduler_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/internal/telemetry/telemetrytest"
	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/schedulerpb"
	"github.com/mesoskit/mesoskit/mesostest"
	"github.com/mesoskit/mesoskit/scheduler"
)

// pacedFramework launches one task per offer until it has launched total,
// and counts, independently of the Client, the tasks whose start (an update
// past TASK_STARTING) the handler has returned from or acknowledged.
type pacedFramework struct {
	t      *testing.T
	c      *scheduler.Client
	total  int
	window int

	mu          sync.Mutex
	launched    int
	started     map[string]bool
	finished    map[string]bool
	maxOut      int // most launched-and-not-started tasks seen right after a launch
	maxPending  int // most LaunchPacing().Pending seen in Offers
	offerCalls  int
	allFinished chan struct{}
}

func newPacedFramework(t *testing.T, total, window int) *pacedFramework {
	return &pacedFramework{t: t, total: total, window: window, started: map[string]bool{},
		finished: map[string]bool{}, allFinished: make(chan struct{})}
}

func (f *pacedFramework) offers(ctx context.Context, offers []scheduler.Offer) error {
	f.mu.Lock()
	f.offerCalls++
	f.mu.Unlock()
	for _, o := range offers {
		f.mu.Lock()
		if f.launched == f.total {
			f.mu.Unlock()
			return nil
		}
		id := fmt.Sprintf("paced-%03d", f.launched)
		f.launched++
		f.mu.Unlock()
		task := echoTask(id, "true", o.ProtoAgentID())
		if err := f.c.Launch(ctx, []*mesosproto.OfferID{o.ProtoID()}, []*mesosproto.TaskInfo{task},
			&mesosproto.Filters{RefuseSeconds: proto.Float64(0)}); err != nil {
			return err
		}
		f.mu.Lock()
		f.maxOut = max(f.maxOut, f.launched-len(f.started))
		f.maxPending = max(f.maxPending, f.c.LaunchPacing().Pending)
		f.mu.Unlock()
	}
	return nil
}

// noteStart records st; the caller has acknowledged it or will return nil.
func (f *pacedFramework) noteStart(st *mesosproto.TaskStatus) {
	f.mu.Lock()
	defer f.mu.Unlock()
	id := st.GetTaskId().GetValue()
	if st.GetState() != mesosproto.TaskState_TASK_STARTING && st.GetState() != mesosproto.TaskState_TASK_STAGING {
		f.started[id] = true
	}
	if st.GetState() == mesosproto.TaskState_TASK_FINISHED && !f.finished[id] {
		f.finished[id] = true
		if len(f.finished) == f.total {
			close(f.allFinished)
		}
	}
}

func (f *pacedFramework) check() {
	f.t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.maxOut > f.window || f.maxPending > f.window {
		f.t.Fatalf("up to %d tasks launched and not started (Client's count %d), window %d", f.maxOut, f.maxPending, f.window)
	}
	if f.maxOut != f.window {
		f.t.Fatalf("at most %d tasks outstanding: the window of %d was never reached, the test proves nothing", f.maxOut, f.window)
	}
	st := f.c.LaunchPacing()
	if !st.Enabled || st.Withheld == 0 || st.Window != f.window {
		f.t.Fatalf("LaunchPacing() = %+v, want enabled, window %d, offers withheld", st, f.window)
	}
}

// A framework launching far more tasks than the launch window never has
// more than the window launched and not started; the offers held back are
// handed over as tasks start, and every task runs to the end.
func TestLaunchPacingHonoursWindow(t *testing.T) {
	forEachCodec(t, func(t *testing.T, ct string) {
		const total, window = 24, 3
		srv := newServer(t, mesostest.WithSimulatedTasks(30*time.Millisecond), mesostest.WithAgents(6, testAgentConfig))
		f := newPacedFramework(t, total, window)
		f.c = newClient(t, srv, ct, frameworkInfo("paced"), scheduler.WithLaunchPacing(window, window))
		start(t, f.c, scheduler.Callbacks{
			Offers: f.offers,
			Update: func(_ context.Context, st *mesosproto.TaskStatus) error {
				f.noteStart(st) // acknowledged automatically when this returns
				return nil
			},
		})
		recv(t, "every task FINISHED", f.allFinished)
		f.check()
		eventually(t, "no task pending", func() bool { return f.c.LaunchPacing().Pending == 0 })
	})
}

// With WithoutAutoAcknowledge the handler's own acknowledgements start the
// tasks, whether made in the handler or on other goroutines after it
// returned: the Run goroutine, which never waits for them, is woken to hand
// over the held offers.
func TestLaunchPacingHandlerAcknowledges(t *testing.T) {
	forEachCodec(t, func(t *testing.T, ct string) {
		const total, window = 12, 2
		srv := newServer(t, mesostest.WithSimulatedTasks(20*time.Millisecond), mesostest.WithAgents(4, testAgentConfig))
		f := newPacedFramework(t, total, window)
		f.c = newClient(t, srv, ct, frameworkInfo("paced-acks"), scheduler.WithLaunchPacing(window, window),
			scheduler.WithoutAutoAcknowledge())
		var wg sync.WaitGroup
		ctx, cancel := context.WithCancel(context.Background())
		var n int // updates with a uuid: every other one is acknowledged in the handler
		start(t, f.c, scheduler.Callbacks{
			Offers: f.offers,
			Update: func(hctx context.Context, st *mesosproto.TaskStatus) error {
				if len(st.GetUuid()) == 0 {
					return nil
				}
				if n++; n%2 == 0 {
					if err := f.c.AcknowledgeStatus(hctx, st); err != nil {
						return err
					}
					f.noteStart(st)
					return nil
				}
				wg.Add(1)
				go func() {
					defer wg.Done()
					if err := f.c.AcknowledgeStatus(ctx, st); err != nil {
						if ctx.Err() == nil {
							t.Errorf("AcknowledgeStatus: %v", err)
						}
						return
					}
					f.noteStart(st)
				}()
				return nil
			},
		})
		// Registered after start's: runs first, so acknowledgements still in
		// flight end by their ctx, not by Run stopping under them.
		t.Cleanup(func() { cancel(); wg.Wait() })
		recv(t, "every task FINISHED", f.allFinished)
		f.mu.Lock()
		out := f.maxOut
		f.mu.Unlock()
		// f.started lags the Client's count (noteStart follows the
		// acknowledgement), so only the Client's own count is exact here.
		if st := f.c.LaunchPacing(); f.maxPending > window || st.Withheld == 0 {
			t.Fatalf("Client counted up to %d pending (window %d), %d offers withheld; handler saw %d outstanding",
				f.maxPending, window, st.Withheld, out)
		}
	})
}

// offerIDs lists the IDs of offers.
func offerIDs(offers []scheduler.Offer) string {
	var ids []string
	for _, o := range offers {
		ids = append(ids, o.ID)
	}
	return strings.Join(ids, ",")
}

// pacingScript: four offers in one event; once two tasks are launched, the
// third offer is rescinded and the first task reports TASK_RUNNING.
func pacingScript(f **fakeMaster) func(int, *fakeStream) {
	return func(_ int, s *fakeStream) {
		s.subscribed(testHeartbeat)
		var offers []*mesosproto.Offer
		for i := 1; i <= 4; i++ {
			offers = append(offers, &mesosproto.Offer{
				Id:          &mesosproto.OfferID{Value: proto.String(fmt.Sprintf("o-%d", i))},
				FrameworkId: &mesosproto.FrameworkID{Value: proto.String("fw-1")},
				AgentId:     &mesosproto.AgentID{Value: proto.String(fmt.Sprintf("a-%d", i))},
				Hostname:    proto.String("agent.example"),
				Resources:   []*mesosproto.Resource{scalar("cpus", 1), scalar("mem", 1024)},
			})
		}
		s.event(&schedulerpb.Event{Type: schedulerpb.Event_OFFERS.Enum(), Offers: &schedulerpb.Event_Offers{Offers: offers}})
		if !(*f).waitCalls(s.ctx, schedulerpb.Call_ACCEPT, 2) {
			return
		}
		s.event(rescind(3))
		s.event(&schedulerpb.Event{
			Type: schedulerpb.Event_UPDATE.Enum(),
			Update: &schedulerpb.Event_Update{Status: &mesosproto.TaskStatus{
				TaskId:  &mesosproto.TaskID{Value: proto.String("task-o-1")},
				AgentId: &mesosproto.AgentID{Value: proto.String("a-1")},
				State:   mesosproto.TaskState_TASK_RUNNING.Enum(),
				Source:  mesosproto.TaskStatus_SOURCE_EXECUTOR.Enum(),
				Uuid:    []byte("0123456789abcdef"),
			}},
		})
		s.heartbeats(testHeartbeat)
	}
}

// countCalls is how many calls of typ have arrived.
func (f *fakeMaster) countCalls(typ schedulerpb.Call_Type) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, c := range f.calls {
		if c.GetType() == typ {
			n++
		}
	}
	return n
}

// waitCalls polls until n calls of typ have arrived or ctx ends.
func (f *fakeMaster) waitCalls(ctx context.Context, typ schedulerpb.Call_Type, n int) bool {
	for ctx.Err() == nil {
		if f.countCalls(typ) >= n {
			return true
		}
		time.Sleep(2 * time.Millisecond)
	}
	return false
}

// pacingHandler launches one task per offer and records what it is given.
type pacingHandler struct {
	mu       sync.Mutex
	parts    []string // offer IDs of each Offers call
	rescinds []string
}

func (h *pacingHandler) callbacks(c **scheduler.Client) scheduler.Callbacks {
	return scheduler.Callbacks{
		Offers: func(ctx context.Context, offers []scheduler.Offer) error {
			h.mu.Lock()
			h.parts = append(h.parts, offerIDs(offers))
			h.mu.Unlock()
			for _, o := range offers {
				task := echoTask("task-"+o.ID, "true", o.ProtoAgentID())
				if err := (*c).Launch(ctx, []*mesosproto.OfferID{o.ProtoID()}, []*mesosproto.TaskInfo{task}, nil); err != nil {
					return err
				}
			}
			return nil
		},
		Rescind: func(_ context.Context, id *mesosproto.OfferID) error {
			h.mu.Lock()
			h.rescinds = append(h.rescinds, id.GetValue())
			h.mu.Unlock()
			return nil
		},
	}
}

func (h *pacingHandler) snapshot() (parts, rescinds string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return strings.Join(h.parts, " | "), strings.Join(h.rescinds, ",")
}

// Offers held back are handed over in the order they came once a task
// starts; a held offer that is rescinded is dropped, and the handler sees
// neither it nor its RESCIND.
func TestLaunchPacingHoldsReleasesAndDropsOffers(t *testing.T) {
	forEachCodec(t, func(t *testing.T, ct string) {
		var f *fakeMaster
		f = newFakeMaster(t, pacingScript(&f))
		mr := telemetrytest.New(t)
		c := newFakeClient(t, f, ct, scheduler.WithLaunchPacing(2, 2), scheduler.WithMeterProvider(mr.Provider))
		h := &pacingHandler{}
		start(t, c, h.callbacks(&c))
		eventually(t, "the third ACCEPT", func() bool { return f.countCalls(schedulerpb.Call_ACCEPT) >= 3 })
		eventually(t, "the acknowledgement of task-o-1", func() bool { return f.countCalls(schedulerpb.Call_ACKNOWLEDGE) >= 1 })
		parts, rescinds := h.snapshot()
		if parts != "o-1 | o-2 | o-4" || rescinds != "" {
			t.Fatalf("handler was given offers %q and rescinds %q; want o-1 | o-2 | o-4 and none", parts, rescinds)
		}
		st := c.LaunchPacing()
		if st.Pending != 2 || st.Held != 0 || st.Withheld != 2 || st.Dropped != 1 {
			t.Fatalf("LaunchPacing() = %+v; want 2 pending (task-o-2, task-o-4), none held, 2 withheld, 1 dropped", st)
		}
		for name, want := range map[string]int64{
			"mesoskit.scheduler.launch.pending": 2, "mesoskit.scheduler.launch.window": 2,
			"mesoskit.scheduler.offers.held_back": 0, "mesoskit.scheduler.offers.withheld": 2,
		} {
			if got := mr.Int(name, nil); got != want {
				t.Errorf("metric %s = %d, want %d", name, got, want)
			}
		}
	})
}

// WithoutLaunchPacing restores the old behaviour: the whole event reaches
// the handler at once, and so does the RESCIND.
func TestWithoutLaunchPacing(t *testing.T) {
	forEachCodec(t, func(t *testing.T, ct string) {
		var f *fakeMaster
		f = newFakeMaster(t, pacingScript(&f))
		c := newFakeClient(t, f, ct, scheduler.WithLaunchPacing(2, 2), scheduler.WithoutLaunchPacing())
		h := &pacingHandler{}
		start(t, c, h.callbacks(&c))
		eventually(t, "the RESCIND", func() bool { _, r := h.snapshot(); return r != "" })
		parts, rescinds := h.snapshot()
		if parts != "o-1,o-2,o-3,o-4" || rescinds != "o-3" {
			t.Fatalf("handler was given offers %q and rescinds %q; want o-1,o-2,o-3,o-4 and o-3", parts, rescinds)
		}
		if st := c.LaunchPacing(); st != (scheduler.LaunchPacingStatus{}) {
			t.Fatalf("LaunchPacing() = %+v without pacing, want zero", st)
		}
	})
}

func TestLaunchPacingOptionValidated(t *testing.T) {
	for _, w := range [][2]int{{0, 5}, {5, 4}, {1, scheduler.MaxLaunchWindow + 1}, {-1, -1}} {
		_, err := scheduler.New(frameworkInfo("bad"), scheduler.WithLaunchPacing(w[0], w[1]))
		if err == nil || !strings.Contains(err.Error(), "WithLaunchPacing") {
			t.Errorf("WithLaunchPacing(%d, %d): error %v, want one naming WithLaunchPacing", w[0], w[1], err)
		}
	}
	if _, err := scheduler.New(frameworkInfo("ok"), scheduler.WithLaunchPacing(1, 1)); err != nil {
		t.Errorf("WithLaunchPacing(1, 1): %v", err)
	}
}
