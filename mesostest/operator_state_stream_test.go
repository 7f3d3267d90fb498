// SPDX-License-Identifier: Apache-2.0

package mesostest

import (
	"bytes"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/testing/protocmp"

	"github.com/mesoskit/mesoskit/internal/httpapi"
	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/masterpb"
)

// stateCluster builds, under the lock, a cluster whose GET_STATE has every
// part filled: two frameworks (disconnected and recovered, so that no offer changes the model), simulated tasks
// in every task state (the terminal ones among completed_tasks), with
// statuses, labels, kill policies and, for some, an ExecutorInfo (so
// executors are listed), a status update in flight, agents deactivated,
// DRAINING and DRAINED, one recovered after a failover and one unreachable,
// and a task in the completed tasks cache.
// Nothing runs: the model stays as built while the test reads it.
func stateCluster(t *testing.T) (*Server, *master) {
	t.Helper()
	srv := newServer(t, WithAgents(6, "cpus:8;mem:8192;disk:1000;ports:[31000-31100]"),
		WithSimulatedTasks(-1), WithAllocationInterval(time.Hour))
	srv.mu.Lock()
	defer srv.mu.Unlock()
	m := srv.leaderLocked()
	var fws []*framework
	for i, conn := range []frameworkConn{frameworkDisconnected, frameworkRecovered} {
		fi := &mesosproto.FrameworkInfo{User: proto.String("u"), Name: proto.String(fmt.Sprintf("fw%d", i)),
			Id:           &mesosproto.FrameworkID{Value: proto.String(frameworkIDFor(m.info.GetId(), int64(i)))},
			Roles:        []string{"web", "batch"},
			Capabilities: []*mesosproto.FrameworkInfo_Capability{{Type: mesosproto.FrameworkInfo_Capability_MULTI_ROLE.Enum()}}}
		fw := newFramework(m, fi, conn)
		m.st.frameworks[fw.id] = fw
		fws = append(fws, fw)
	}
	n := 0
	for st := mesosproto.TaskState(0); st < 16; st++ {
		if _, ok := mesosproto.TaskState_name[int32(st)]; !ok {
			continue
		}
		for _, fw := range fws {
			a := srv.agents[n%4]
			ti := &mesosproto.TaskInfo{
				Name:       proto.String("t"),
				TaskId:     &mesosproto.TaskID{Value: proto.String(fmt.Sprintf("task-%02d", n))},
				AgentId:    a.idProto(),
				Resources:  []*mesosproto.Resource{scalar("cpus", 0.1), scalar("mem", 16)},
				Labels:     &mesosproto.Labels{Labels: []*mesosproto.Label{{Key: proto.String("k"), Value: proto.String(fmt.Sprint(n))}}},
				KillPolicy: &mesosproto.KillPolicy{GracePeriod: &mesosproto.DurationInfo{Nanoseconds: proto.Int64(int64(n) * 1e9)}},
			}
			res, err := resourcesFromProto(ti.Resources)
			if err != nil {
				t.Fatal(err)
			}
			srv.launchTaskLocked(fw, a, "web", ti, res)
			tk := srv.tasks[taskKey{fw.id, ti.GetTaskId().GetValue()}]
			tk.info = ti // as a real task keeps it
			if n%3 == 0 {
				ti.Executor = &mesosproto.ExecutorInfo{ExecutorId: &mesosproto.ExecutorID{Value: proto.String(fmt.Sprintf("ex-%d", n%2))},
					Command: &mesosproto.CommandInfo{Value: proto.String("exec")}}
			}
			tk.state = st
			if n%4 == 1 {
				tk.updateState, tk.updateUUID = st.Enum(), []byte("0123456789abcdef")
			}
			n++
		}
	}
	// One finished task has left the cluster for its framework's completed
	// tasks cache.
	done := srv.tasks[taskKey{fws[0].id, "task-04"}]
	if done.state != mesosproto.TaskState_TASK_FINISHED {
		t.Fatalf("task-04 is %v", done.state)
	}
	srv.removeTaskLocked(done)
	srv.op.deactivated = map[string]bool{srv.agents[1].id: true, srv.agents[2].id: true, srv.agents[3].id: true}
	srv.op.draining = map[string]*agentDrain{
		srv.agents[2].id: {info: &mesosproto.DrainInfo{State: mesosproto.DrainState_DRAINING.Enum(),
			Config: &mesosproto.DrainConfig{MarkGone: proto.Bool(false), MaxGracePeriod: &mesosproto.DurationInfo{Nanoseconds: proto.Int64(5)}}}, start: time.Now()},
		srv.agents[3].id: {info: &mesosproto.DrainInfo{State: mesosproto.DrainState_DRAINED.Enum(),
			Config: &mesosproto.DrainConfig{MarkGone: proto.Bool(true)}}},
	}
	m.st.recovered[srv.agents[4].id] = true
	srv.agents[5].unreachable = &mesosproto.TimeInfo{Nanoseconds: proto.Int64(1)}
	return srv, m
}

// TestOperatorGetStateStreamed: the GET_STATE answer and the SUBSCRIBED
// event encoded element by element are byte for byte what encoding the
// whole Response (Event) gives, in both content types, and decode (with
// proto.Unmarshal or the JSON codec) to a message equal to it; over HTTP
// the answers decode to the same state, and SUBSCRIBED comes first on the
// stream.
func TestOperatorGetStateStreamed(t *testing.T) {
	srv, m := stateCluster(t)
	for _, codec := range codecs {
		t.Run(codecName(codec), func(t *testing.T) {
			json := codec.MediaType() == httpapi.MediaTypeJSON
			srv.mu.Lock()
			old := &masterpb.Response{Type: masterpb.Response_GET_STATE.Enum(), GetState: m.getStateLocked()}
			streamed := bytes.Join(m.encodeGetStateResponseLocked(json).parts, nil)
			oldEv := &masterpb.Event{Type: masterpb.Event_SUBSCRIBED.Enum(), Subscribed: &masterpb.Event_Subscribed{
				GetState: m.getStateLocked(), HeartbeatIntervalSeconds: proto.Float64(2.5)}}
			streamedEv := bytes.Join(m.encodeSubscribedLocked(json, 2.5).parts, nil)
			srv.mu.Unlock()

			gs := old.GetGetState()
			if len(gs.GetGetTasks().GetTasks()) == 0 || len(gs.GetGetTasks().GetCompletedTasks()) == 0 || len(gs.GetGetExecutors().GetExecutors()) == 0 ||
				len(gs.GetGetFrameworks().GetFrameworks()) != 2 || len(gs.GetGetAgents().GetAgents()) != 5 {
				t.Fatalf("the cluster is not the one intended: %d tasks, %d completed, %d executors, %d frameworks, %d agents",
					len(gs.GetGetTasks().GetTasks()), len(gs.GetGetTasks().GetCompletedTasks()), len(gs.GetGetExecutors().GetExecutors()),
					len(gs.GetGetFrameworks().GetFrameworks()), len(gs.GetGetAgents().GetAgents()))
			}
			for _, c := range []struct {
				name     string
				old      proto.Message
				streamed []byte
				decoded  proto.Message
			}{
				{"GET_STATE", old, streamed, &masterpb.Response{}},
				{"SUBSCRIBED", oldEv, streamedEv, &masterpb.Event{}},
			} {
				want, err := codec.Marshal(c.old)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(c.streamed, want) {
					t.Errorf("%s: streamed %d bytes differ from the %d of the whole message", c.name, len(c.streamed), len(want))
				}
				if json {
					err = httpapi.JSON.Unmarshal(c.streamed, c.decoded)
				} else {
					err = proto.Unmarshal(c.streamed, c.decoded)
				}
				if err != nil {
					t.Fatalf("%s: decoding the streamed answer: %v", c.name, err)
				}
				// The JSON rendering is not lossless (as Mesos's is not), so the
				// streamed JSON is compared with the whole message's JSON decoded.
				wantMsg := c.old
				if json {
					wantMsg = c.old.ProtoReflect().New().Interface()
					if err := httpapi.JSON.Unmarshal(want, wantMsg); err != nil {
						t.Fatal(err)
					}
				}
				if !proto.Equal(c.decoded, wantMsg) {
					t.Errorf("%s: streamed answer decodes to a different message:\n%s", c.name, cmp.Diff(wantMsg, c.decoded, protocmp.Transform()))
				}
			}

			cl := newClient(t, srv, codec)
			roundTrip := func(m proto.Message) proto.Message { // what the client decodes from the whole message
				out := m.ProtoReflect().New().Interface()
				if err := codec.Unmarshal(mustMarshal(t, codec, m), out); err != nil {
					t.Fatal(err)
				}
				return out
			}
			if got := cl.operator(operatorPath, opCall(masterpb.Call_GET_STATE)); !proto.Equal(got, roundTrip(old)) {
				t.Errorf("GET_STATE over HTTP differs from the Response built whole: %s", cmp.Diff(roundTrip(old), got, protocmp.Transform()))
			}
			os := cl.operatorSubscribe()
			ev := os.any()
			ev.GetSubscribed().HeartbeatIntervalSeconds = oldEv.GetSubscribed().HeartbeatIntervalSeconds
			if !proto.Equal(ev, roundTrip(oldEv)) {
				t.Errorf("SUBSCRIBED over HTTP differs from the Event built whole")
			}
			if hb := os.any(); hb.GetType() != masterpb.Event_HEARTBEAT {
				t.Errorf("second event %v, want HEARTBEAT", hb.GetType())
			}
		})
	}
}

// TestOperatorGetStateEmpty: a cluster without agents or frameworks streams
// the same empty state as the whole Response (every section present, empty).
func TestOperatorGetStateEmpty(t *testing.T) {
	srv := newServer(t, WithAgents(0, ""))
	for _, codec := range codecs {
		t.Run(codecName(codec), func(t *testing.T) {
			srv.mu.Lock()
			m := srv.leaderLocked()
			old := &masterpb.Response{Type: masterpb.Response_GET_STATE.Enum(), GetState: m.getStateLocked()}
			streamed := bytes.Join(m.encodeGetStateResponseLocked(codec.MediaType() == httpapi.MediaTypeJSON).parts, nil)
			srv.mu.Unlock()
			want, err := codec.Marshal(old)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(streamed, want) {
				t.Fatalf("streamed %q, want %q", streamed, want)
			}
			r := newClient(t, srv, codec).raw(http.MethodPost, operatorPath, mustMarshal(t, codec, opCall(masterpb.Call_GET_STATE)),
				"Content-Type", codec.MediaType(), "Accept", codec.MediaType())
			if r.status != http.StatusOK || r.body != string(want) || r.header.Get("Content-Length") != fmt.Sprint(len(want)) {
				t.Fatalf("GET_STATE: %d %q (Content-Length %s), want %q", r.status, r.body, r.header.Get("Content-Length"), want)
			}
		})
	}
}

func mustMarshal(t *testing.T, codec httpapi.Codec, m proto.Message) []byte {
	t.Helper()
	b, err := codec.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
