// SPDX-License-Identifier: Apache-2.0

package mesostest

import (
	"bytes"
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/mesoskit/mesoskit/internal/httpapi"
	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/masterpb"
	"github.com/mesoskit/mesoskit/mesosproto/schedulerpb"
)

// opStream is an open operator SUBSCRIBE stream.
type opStream struct {
	t      *testing.T
	header http.Header
	events chan *masterpb.Event
}

func (c *client) operatorSubscribe() *opStream {
	c.t.Helper()
	b, err := c.codec.Marshal(opCall(masterpb.Call_SUBSCRIBE))
	if err != nil {
		c.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, c.url+operatorPath, bytes.NewReader(b))
	req.Header.Set("Content-Type", c.codec.MediaType())
	req.Header.Set("Accept", c.codec.MediaType())
	resp, err := c.srv.Client().Do(req)
	if err != nil {
		cancel()
		c.t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		cancel()
		c.t.Fatalf("operator SUBSCRIBE: %d", resp.StatusCode)
	}
	os := &opStream{t: c.t, header: resp.Header, events: make(chan *masterpb.Event, 1024)}
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer close(os.events)
		dec := httpapi.NewDecoder(resp.Body, c.codec, 0)
		for {
			ev := &masterpb.Event{}
			if dec.Decode(ev) != nil {
				return
			}
			os.events <- ev
		}
	}()
	c.t.Cleanup(func() {
		cancel()
		resp.Body.Close()
		<-done
	})
	return os
}

// any returns the next event, heartbeats included.
func (os *opStream) any() *masterpb.Event {
	os.t.Helper()
	timer := time.NewTimer(10 * time.Second)
	defer timer.Stop()
	select {
	case ev, ok := <-os.events:
		if !ok {
			os.t.Fatal("operator stream ended")
		}
		return ev
	case <-timer.C:
		os.t.Fatal("no operator event within 10s")
	}
	return nil
}

// next returns the next event that is not a HEARTBEAT.
func (os *opStream) next() *masterpb.Event {
	os.t.Helper()
	for {
		if ev := os.any(); ev.GetType() != masterpb.Event_HEARTBEAT {
			return ev
		}
	}
}

// TestOperatorSubscribe follows a framework's life on the operator event
// stream: SUBSCRIBED with the state and HEARTBEAT first, then
// FRAMEWORK_ADDED, TASK_ADDED (STAGING), a TASK_UPDATED per new state,
// FRAMEWORK_UPDATED on UPDATE_FRAMEWORK, FRAMEWORK_REMOVED on TEARDOWN and
// AGENT_REMOVED when the agent is lost.
func TestOperatorSubscribe(t *testing.T) {
	for _, codec := range codecs {
		t.Run(codecName(codec), func(t *testing.T) {
			srv := newServer(t)
			os := newClient(t, srv, codec).operatorSubscribe()
			if ct := os.header.Get("Content-Type"); ct != codec.MediaType() {
				t.Errorf("Content-Type %q", ct)
			}
			if _, ok := os.header["Mesos-Stream-Id"]; ok {
				t.Error("operator stream has a Mesos-Stream-Id")
			}
			first := os.any()
			if first.GetType() != masterpb.Event_SUBSCRIBED || len(first.GetSubscribed().GetGetState().GetGetAgents().GetAgents()) != 1 ||
				first.GetSubscribed().GetHeartbeatIntervalSeconds() != 0.2 {
				t.Fatalf("first event %v", first)
			}
			if hb := os.any(); hb.GetType() != masterpb.Event_HEARTBEAT {
				t.Fatalf("second event %v, want HEARTBEAT", hb.GetType())
			}

			sched := newClient(t, srv, httpapi.Protobuf).subscribe(frameworkInfo("op-events"))
			if ev := os.next(); ev.GetType() != masterpb.Event_FRAMEWORK_ADDED ||
				ev.GetFrameworkAdded().GetFramework().GetFrameworkInfo().GetId().GetValue() != sched.fwID {
				t.Fatalf("got %v, want FRAMEWORK_ADDED", ev)
			}
			o := sched.offers()[0]
			sched.mustCall(withFW(launchCall(o, nil, shellTask("t1", o, "exit 0")), sched.fwID), http.StatusAccepted)
			if ev := os.next(); ev.GetType() != masterpb.Event_TASK_ADDED || ev.GetTaskAdded().GetTask().GetState() != mesosproto.TaskState_TASK_STAGING ||
				ev.GetTaskAdded().GetTask().GetTaskId().GetValue() != "t1" {
				t.Fatalf("got %v, want TASK_ADDED", ev)
			}
			var states []mesosproto.TaskState
			for len(states) == 0 || states[len(states)-1] != mesosproto.TaskState_TASK_FINISHED {
				st := sched.nextSkip(schedulerpb.Event_UPDATE).GetUpdate().GetStatus()
				ev := os.next()
				if ev.GetType() != masterpb.Event_TASK_UPDATED || ev.GetTaskUpdated().GetStatus().GetState() != st.GetState() ||
					ev.GetTaskUpdated().GetFrameworkId().GetValue() != sched.fwID {
					t.Fatalf("got %v, want TASK_UPDATED %v", ev, st.GetState())
				}
				states = append(states, st.GetState())
				sched.ack(st)
			}

			fi := frameworkInfo("op-events")
			fi.Id = &mesosproto.FrameworkID{Value: &sched.fwID}
			sched.mustCall(&schedulerpb.Call{Type: schedulerpb.Call_UPDATE_FRAMEWORK.Enum(),
				UpdateFramework: &schedulerpb.Call_UpdateFramework{FrameworkInfo: fi}}, http.StatusOK)
			if ev := os.next(); ev.GetType() != masterpb.Event_FRAMEWORK_UPDATED || !ev.GetFrameworkUpdated().GetFramework().GetConnected() {
				t.Fatalf("got %v, want FRAMEWORK_UPDATED", ev)
			}
			sched.mustCall(&schedulerpb.Call{Type: schedulerpb.Call_TEARDOWN.Enum()}, http.StatusAccepted)
			if ev := os.next(); ev.GetType() != masterpb.Event_FRAMEWORK_REMOVED ||
				ev.GetFrameworkRemoved().GetFrameworkInfo().GetId().GetValue() != sched.fwID {
				t.Fatalf("got %v, want FRAMEWORK_REMOVED", ev)
			}
			if err := srv.LoseAgent(o.GetAgentId().GetValue()); err != nil {
				t.Fatal(err)
			}
			if ev := os.next(); ev.GetType() != masterpb.Event_AGENT_REMOVED || ev.GetAgentRemoved().GetAgentId().GetValue() != o.GetAgentId().GetValue() {
				t.Fatalf("got %v, want AGENT_REMOVED", ev)
			}
		})
	}
}

// TestOperatorSubscribeFailover: the operator stream of a master that stops
// leading breaks (the master process aborts); the new leader serves a new
// SUBSCRIBE with the state it knows.
func TestOperatorSubscribeFailover(t *testing.T) {
	srv := newServer(t, WithMasters(2))
	c := newClient(t, srv, httpapi.JSON)
	os := c.operatorSubscribe()
	if ev := os.any(); ev.GetType() != masterpb.Event_SUBSCRIBED {
		t.Fatalf("first event %v", ev)
	}
	if err := srv.Failover(); err != nil {
		t.Fatal(err)
	}
	timer := time.NewTimer(10 * time.Second)
	defer timer.Stop()
	for ended := false; !ended; {
		select {
		case _, ok := <-os.events:
			ended = !ok
		case <-timer.C:
			t.Fatal("operator stream of the old leader did not end")
		}
	}
	c.url = srv.MasterURLs()[srv.LeaderIndex()]
	if ev := c.operatorSubscribe().any(); ev.GetType() != masterpb.Event_SUBSCRIBED || len(ev.GetSubscribed().GetGetState().GetGetAgents().GetAgents()) != 1 {
		t.Fatalf("new leader's first event %v", ev)
	}
}
