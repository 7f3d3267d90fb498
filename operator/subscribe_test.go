// SPDX-License-Identifier: Apache-2.0

package operator_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"sync"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/detector"
	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/masterpb"
	"github.com/mesoskit/mesoskit/operator"
)

// recorder is a Callbacks whose callbacks report what they got, in order.
type recorder struct {
	got chan string
}

func newRecorder() *recorder { return &recorder{got: make(chan string, 64)} }

func (r *recorder) callbacks() operator.Callbacks {
	return operator.Callbacks{
		Subscribed: func(_ context.Context, s *masterpb.Event_Subscribed, resync bool) error {
			r.got <- fmt.Sprintf("SUBSCRIBED %s resync=%v", s.GetGetState().GetGetTasks().GetTasks()[0].GetName(), resync)
			return nil
		},
		TaskAdded: func(_ context.Context, e *masterpb.Event_TaskAdded) error {
			r.got <- "TASK_ADDED " + e.GetTask().GetTaskId().GetValue()
			return nil
		},
		TaskUpdated: func(_ context.Context, e *masterpb.Event_TaskUpdated) error {
			r.got <- "TASK_UPDATED " + e.GetState().String()
			return nil
		},
		AgentAdded: func(_ context.Context, e *masterpb.Event_AgentAdded) error {
			r.got <- "AGENT_ADDED"
			return nil
		},
		AgentRemoved: func(_ context.Context, e *masterpb.Event_AgentRemoved) error {
			r.got <- "AGENT_REMOVED " + e.GetAgentId().GetValue()
			return nil
		},
		FrameworkAdded: func(_ context.Context, e *masterpb.Event_FrameworkAdded) error {
			r.got <- "FRAMEWORK_ADDED"
			return nil
		},
		FrameworkUpdated: func(_ context.Context, e *masterpb.Event_FrameworkUpdated) error {
			r.got <- "FRAMEWORK_UPDATED"
			return nil
		},
		FrameworkRemoved: func(_ context.Context, e *masterpb.Event_FrameworkRemoved) error {
			r.got <- "FRAMEWORK_REMOVED"
			return nil
		},
		Disconnected: func(_ context.Context, err error) {
			switch {
			case errors.Is(err, operator.ErrMissedHeartbeats):
				r.got <- "DISCONNECTED missed heartbeats"
			case errors.Is(err, operator.ErrLeaderChanged):
				r.got <- "DISCONNECTED leader changed"
			case errors.Is(err, io.EOF):
				r.got <- "DISCONNECTED EOF"
			default:
				r.got <- "DISCONNECTED " + err.Error()
			}
		},
	}
}

// expect waits for the next reports, in order.
func (r *recorder) expect(t *testing.T, want ...string) {
	t.Helper()
	for _, w := range want {
		select {
		case got := <-r.got:
			if got != w {
				t.Fatalf("got %q, want %q", got, w)
			}
		case <-time.After(waitLimit):
			t.Fatalf("no %q within %v", w, waitLimit)
		}
	}
}

// subscribe runs m.Subscribe(h) until the test ends and returns its result
// channel.
func subscribe(t *testing.T, m *operator.Master, h operator.Handler) (cancel func(), result <-chan error) {
	t.Helper()
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		done <- m.Subscribe(ctx, h)
	}()
	t.Cleanup(func() {
		stop()
		select {
		case <-finished:
		case <-time.After(waitLimit):
			t.Error("Subscribe did not return after cancel")
		}
	})
	return stop, done
}

func ev(typ masterpb.Event_Type, fill func(*masterpb.Event)) *masterpb.Event {
	e := &masterpb.Event{Type: typ.Enum()}
	if fill != nil {
		fill(e)
	}
	return e
}

// TestSubscribeEvents: every event type reaches its callback in order; a
// stream the master closes is resubscribed, and the new SUBSCRIBED is
// flagged as a resync; cancelling returns nil.
func TestSubscribeEvents(t *testing.T) {
	forEachCodec(t, func(t *testing.T, ct string) {
		f := newFakeMaster(t)
		m := newMaster(t, f.hostPort(), operator.WithContentType(ct))
		rec := newRecorder()
		cancel, result := subscribe(t, m, rec.callbacks())
		rec.expect(t, "SUBSCRIBED task-1 resync=false")
		task := snapshot(9).GetGetTasks().GetTasks()[0]
		f.push(ev(masterpb.Event_TASK_ADDED, func(e *masterpb.Event) { e.TaskAdded = &masterpb.Event_TaskAdded{Task: task} }))
		f.push(ev(masterpb.Event_TASK_UPDATED, func(e *masterpb.Event) {
			e.TaskUpdated = &masterpb.Event_TaskUpdated{FrameworkId: task.GetFrameworkId(), State: mesosproto.TaskState_TASK_FINISHED.Enum(),
				Status: &mesosproto.TaskStatus{TaskId: task.GetTaskId(), State: mesosproto.TaskState_TASK_FINISHED.Enum()}}
		}))
		f.push(ev(masterpb.Event_AGENT_ADDED, func(e *masterpb.Event) {
			e.AgentAdded = &masterpb.Event_AgentAdded{Agent: &masterpb.Response_GetAgents_Agent{}}
		}))
		f.push(ev(masterpb.Event_AGENT_REMOVED, func(e *masterpb.Event) {
			e.AgentRemoved = &masterpb.Event_AgentRemoved{AgentId: &mesosproto.AgentID{Value: proto.String("agent-1")}}
		}))
		f.push(ev(masterpb.Event_FRAMEWORK_ADDED, nil))
		f.push(ev(masterpb.Event_FRAMEWORK_UPDATED, nil))
		f.push(ev(masterpb.Event_FRAMEWORK_REMOVED, nil))
		rec.expect(t, "TASK_ADDED task-9", "TASK_UPDATED TASK_FINISHED", "AGENT_ADDED", "AGENT_REMOVED agent-1",
			"FRAMEWORK_ADDED", "FRAMEWORK_UPDATED", "FRAMEWORK_REMOVED")
		f.closeStreams()
		rec.expect(t, "DISCONNECTED EOF", "SUBSCRIBED task-2 resync=true")
		cancel()
		if err := <-result; err != nil {
			t.Errorf("Subscribe after cancel = %v, want nil", err)
		}
		for _, c := range f.received() {
			if c.GetType() != masterpb.Call_SUBSCRIBE {
				t.Errorf("unexpected call %s", c.GetType())
			}
		}
	})
}

// TestSubscribeMissedHeartbeats: a master that announces heartbeats and
// sends none is dropped after WithMissedHeartbeats intervals.
func TestSubscribeMissedHeartbeats(t *testing.T) {
	forEachCodec(t, func(t *testing.T, ct string) {
		f := newFakeMaster(t)
		f.set(func(f *fakeMaster) { f.heartbeat, f.silent = 20*time.Millisecond, true })
		m := newMaster(t, f.hostPort(), operator.WithContentType(ct), operator.WithMissedHeartbeats(3))
		rec := newRecorder()
		subscribe(t, m, rec.callbacks())
		rec.expect(t, "SUBSCRIBED task-1 resync=false", "DISCONNECTED missed heartbeats", "SUBSCRIBED task-2 resync=true")
	})
}

// TestSubscribeHeartbeatsKeepAlive: heartbeats keep a stream alive well past
// the missed-heartbeats allowance.
func TestSubscribeHeartbeatsKeepAlive(t *testing.T) {
	f := newFakeMaster(t)
	// 20 ms beats, 10 missed allowed: a 200 ms allowance, wide enough for a
	// race-instrumented run on two loaded cores; 60 beats span six of it.
	f.set(func(f *fakeMaster) { f.heartbeat = 20 * time.Millisecond })
	m := newMaster(t, f.hostPort(), operator.WithMissedHeartbeats(10))
	var mu sync.Mutex
	beats := 0
	enough := make(chan struct{})
	cb := newRecorder().callbacks()
	cb.Heartbeat = func(context.Context) error {
		mu.Lock()
		defer mu.Unlock()
		if beats++; beats == 60 {
			close(enough)
		}
		return nil
	}
	cb.Disconnected = func(_ context.Context, err error) { t.Errorf("disconnected: %v", err) }
	subscribe(t, m, cb)
	select {
	case <-enough:
	case <-time.After(waitLimit):
		t.Fatal("heartbeats not delivered")
	}
	if n := f.subscribes(); n != 1 {
		t.Errorf("%d subscriptions, want 1", n)
	}
}

// switchDetector reports a leader the test sets.
type switchDetector struct {
	mu      sync.Mutex
	leader  *mesosproto.MasterInfo
	changed chan struct{}
}

func newSwitchDetector(hostPort string) *switchDetector {
	d := &switchDetector{changed: make(chan struct{})}
	d.leader = detector.InfoFromURL(&url.URL{Scheme: "http", Host: hostPort})
	return d
}

func (d *switchDetector) Leader(context.Context) (*mesosproto.MasterInfo, <-chan struct{}, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.leader, d.changed, nil
}

func (d *switchDetector) set(hostPort string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.leader = detector.InfoFromURL(&url.URL{Scheme: "http", Host: hostPort})
	close(d.changed)
	d.changed = make(chan struct{})
}

func (d *switchDetector) Close() error { return nil }

// TestSubscribeLeaderChange: when the detector reports another leader, the
// stream is dropped and opened on the new leader, flagged as a resync;
// calls follow the new leader too.
func TestSubscribeLeaderChange(t *testing.T) {
	forEachCodec(t, func(t *testing.T, ct string) {
		a, b := newFakeMaster(t), newFakeMaster(t)
		det := newSwitchDetector(a.hostPort())
		m := newMaster(t, "", operator.WithDetector(det), operator.WithContentType(ct))
		rec := newRecorder()
		subscribe(t, m, rec.callbacks())
		rec.expect(t, "SUBSCRIBED task-1 resync=false")
		det.set(b.hostPort())
		rec.expect(t, "DISCONNECTED leader changed", "SUBSCRIBED task-1 resync=true")
		if a.subscribes() != 1 || b.subscribes() != 1 {
			t.Errorf("subscriptions: a %d, b %d; want 1 each", a.subscribes(), b.subscribes())
		}
		b.set(func(f *fakeMaster) {
			f.respond = func(*masterpb.Call) *masterpb.Response {
				return &masterpb.Response{Type: rt(masterpb.Response_GET_HEALTH), GetHealth: &masterpb.Response_GetHealth{Healthy: proto.Bool(true)}}
			}
		})
		if ok, err := m.GetHealth(ctxT(t)); err != nil || !ok {
			t.Errorf("GetHealth after the leader changed = %v, %v", ok, err)
		}
	})
}

// TestSubscribeRedirect: SUBSCRIBE sent to a non-leading master follows its
// 307 to the leader.
func TestSubscribeRedirect(t *testing.T) {
	leader, other := newFakeMaster(t), newFakeMaster(t)
	other.set(func(f *fakeMaster) { f.redirect = leader.hostPort() })
	m := newMaster(t, other.hostPort())
	rec := newRecorder()
	subscribe(t, m, rec.callbacks())
	rec.expect(t, "SUBSCRIBED task-1 resync=false")
	if leader.subscribes() != 1 || other.subscribes() != 0 {
		t.Errorf("subscriptions: leader %d, other %d", leader.subscribes(), other.subscribes())
	}
}

// TestSubscribeRetriesUnavailable: 503 ("Master has not finished recovery")
// is retried with backoff until the master subscribes.
func TestSubscribeRetriesUnavailable(t *testing.T) {
	f := newFakeMaster(t)
	f.set(func(f *fakeMaster) { f.fail = []int{503, 503, 503} })
	m := newMaster(t, f.hostPort())
	rec := newRecorder()
	subscribe(t, m, rec.callbacks())
	rec.expect(t, "SUBSCRIBED task-1 resync=false")
	if n := f.requestCount(); n != 4 {
		t.Errorf("%d requests, want 4", n)
	}
}

// TestSubscribeRefused: a 401 would be answered again, so Subscribe
// returns it instead of retrying.
func TestSubscribeRefused(t *testing.T) {
	f := newFakeMaster(t)
	f.set(func(f *fakeMaster) { f.creds = "ops:pw" })
	m := newMaster(t, f.hostPort())
	_, result := subscribe(t, m, newRecorder().callbacks())
	var err error
	select {
	case err = <-result:
	case <-time.After(waitLimit):
		t.Fatal("Subscribe did not return")
	}
	var apiErr *operator.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 401 || apiErr.Call != "SUBSCRIBE" {
		t.Errorf("Subscribe = %v; want *APIError 401", err)
	}
	if n := f.requestCount(); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
}

// TestSubscribeHandlerError: a handler's error ends Subscribe with it.
func TestSubscribeHandlerError(t *testing.T) {
	f := newFakeMaster(t)
	m := newMaster(t, f.hostPort())
	boom := errors.New("boom")
	_, result := subscribe(t, m, operator.HandlerFunc(func(ctx context.Context, e *masterpb.Event) error {
		if e.GetType() == masterpb.Event_SUBSCRIBED && operator.IsResync(ctx) {
			t.Error("first SUBSCRIBED flagged as resync")
		}
		return boom
	}))
	select {
	case err := <-result:
		if !errors.Is(err, boom) {
			t.Errorf("Subscribe = %v; want the handler's error", err)
		}
	case <-time.After(waitLimit):
		t.Fatal("Subscribe did not return")
	}
	if err := m.Subscribe(context.Background(), nil); err == nil {
		t.Error("Subscribe(nil) succeeded")
	}
}

// TestSubscribeClosed: Close ends a running Subscribe with ErrClosed.
func TestSubscribeClosed(t *testing.T) {
	f := newFakeMaster(t)
	m, err := operator.NewMaster(f.hostPort(), operator.WithBackoff(time.Millisecond, 5*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	rec := newRecorder()
	_, result := subscribe(t, m, rec.callbacks())
	rec.expect(t, "SUBSCRIBED task-1 resync=false")
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-result:
		if !errors.Is(err, operator.ErrClosed) {
			t.Errorf("Subscribe after Close = %v; want ErrClosed", err)
		}
	case <-time.After(waitLimit):
		t.Fatal("Subscribe did not return after Close")
	}
}

// TestSubscribeSlowHandler: while a handler takes far longer than the
// missed-heartbeats allowance, the heartbeats keep being read (and
// coalesced), so the stream is not dropped.
func TestSubscribeSlowHandler(t *testing.T) {
	f := newFakeMaster(t)
	f.set(func(f *fakeMaster) { f.heartbeat = 20 * time.Millisecond })
	m := newMaster(t, f.hostPort(), operator.WithMissedHeartbeats(5)) // 100 ms of silence drops a stream
	release := make(chan struct{})
	var mu sync.Mutex
	handled := 0
	cb := operator.Callbacks{
		Subscribed: func(ctx context.Context, _ *masterpb.Event_Subscribed, _ bool) error {
			select {
			case <-release:
			case <-ctx.Done():
				t.Error("the stream ended while the handler was busy")
			}
			return nil
		},
		Heartbeat: func(context.Context) error {
			mu.Lock()
			defer mu.Unlock()
			handled++
			return nil
		},
		Disconnected: func(_ context.Context, err error) { t.Errorf("disconnected: %v", err) },
	}
	subscribe(t, m, cb)
	deadline := time.Now().Add(waitLimit)
	for f.heartbeatsSent() < 25 { // 500 ms: five times the allowance
		if time.Now().After(deadline) {
			t.Fatal("the fake sent no heartbeats")
		}
		time.Sleep(time.Millisecond) // polling the fake's counter
	}
	close(release)
	for {
		mu.Lock()
		n := handled
		mu.Unlock()
		if n > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no heartbeat handled after the handler returned")
		}
		time.Sleep(time.Millisecond)
	}
	if s := f.subscribes(); s != 1 {
		t.Errorf("%d subscriptions, want 1", s)
	}
}
