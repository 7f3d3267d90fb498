// SPDX-License-Identifier: Apache-2.0

package scheduler

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/internal/httpapi"
	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/schedulerpb"
)

// ackRecorder is a master that answers every call 202 and keeps the bodies.
type ackRecorder struct {
	srv     *httptest.Server
	mu      sync.Mutex
	bodies  [][]byte
	cookies [][]string // the Cookie header of each call
}

func newAckRecorder(t *testing.T) *ackRecorder {
	t.Helper()
	a := &ackRecorder{}
	a.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		a.mu.Lock()
		a.bodies = append(a.bodies, b)
		a.cookies = append(a.cookies, r.Header.Values("Cookie"))
		a.mu.Unlock()
		w.WriteHeader(http.StatusAccepted)
	}))
	t.Cleanup(a.srv.Close)
	return a
}

func (a *ackRecorder) received() [][]byte {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([][]byte(nil), a.bodies...)
}

// newPipelineRunner returns a runner with a live session on srv and its ack
// pipeline, logging to the returned observer; cancel ends the session.
func newPipelineRunner(t *testing.T, url string, opts ...Option) (*runner, *session, context.CancelCauseFunc, *observer.ObservedLogs) {
	t.Helper()
	fw := &mesosproto.FrameworkInfo{User: proto.String("u"), Name: proto.String("ack-internal")}
	c, err := New(fw, append([]Option{WithMaster(url)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.closeIdle)
	sctx, cancel := context.WithCancelCause(context.Background())
	t.Cleanup(func() { cancel(nil) })
	s := &session{ctx: sctx, endpoint: url + "/api/v1/scheduler", streamID: "stream-1", frameworkID: "fw-1"}
	core, logs := observer.New(zap.DebugLevel)
	r := &runner{c: c, ctx: context.Background()}
	r.acks = newAckPipeline(c, s, zap.New(core))
	return r, s, cancel, logs
}

func ackJobFor(task string) ackJob {
	return ackJob{typ: schedulerpb.Call_ACKNOWLEDGE, body: appendAckProto(nil, "fw-1", "agent-1", task, []byte("uuid-"+task)), taskID: task}
}

func waitIdle(t *testing.T, p *ackPipeline) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for len(p.slots) != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("%d acknowledgements still outstanding", len(p.slots))
		}
		time.Sleep(time.Millisecond)
	}
}

// An acknowledgement handed over just as the session ends, after every
// worker has returned, is not lost without a word: the end of the session
// logs it as dropped.
func TestAckPipelineDropLogged(t *testing.T) {
	rec := newAckRecorder(t)
	r, s, cancel, logs := newPipelineRunner(t, rec.srv.URL, WithAckConcurrency(1), WithoutPipelinedAcks())

	r.acks.submit(ackJobFor("t1")) // starts the only worker
	waitIdle(t, r.acks)

	// The session ends after submit has found it live, and the worker
	// returns (its queue empty) before the acknowledgement is queued.
	testHookAckSubmit = func() {
		cancel(errors.New("stream closed"))
		s.calls.Wait()
	}
	r.acks.submit(ackJobFor("t2"))
	testHookAckSubmit = nil
	r.endSession(s, errors.New("stream closed"), zap.NewNop())

	if got := len(rec.received()); got != 1 {
		t.Errorf("master received %d acknowledgements, want 1 (t1)", got)
	}
	if n := logs.FilterField(zap.String("task_id", "t2")).Len(); n != 1 {
		t.Fatalf("%d log lines for the dropped acknowledgement of t2, want 1; all: %v", n, logs.All())
	}
	if r.acks != nil {
		t.Error("the ended session's pipeline is still the runner's")
	}
}

// Workers are started on demand: acknowledgements sent one after another
// need one worker, not WithAckConcurrency of them.
func TestAckPipelineWorkersOnDemand(t *testing.T) {
	rec := newAckRecorder(t)
	r, s, cancel, _ := newPipelineRunner(t, rec.srv.URL, WithAckConcurrency(4), WithoutPipelinedAcks())
	for _, task := range []string{"t1", "t2", "t3"} {
		r.acks.submit(ackJobFor(task))
		waitIdle(t, r.acks)
	}
	if r.acks.workers != 1 {
		t.Errorf("%d workers for sequential acknowledgements, want 1", r.acks.workers)
	}
	cancel(errors.New("done"))
	r.endSession(s, errors.New("done"), zap.NewNop())
	if got := len(rec.received()); got != 3 {
		t.Errorf("master received %d acknowledgements, want 3", got)
	}
}

// The automatic acknowledgement of an update is the codec's encoding of the
// ACKNOWLEDGE call for it, byte for byte, whatever the IDs look like:
// present or missing, with or without their value, with unknown fields.
func TestAutoAckBodyExact(t *testing.T) {
	withUnknown := func(m proto.Message) {
		var u []byte
		u = protowire.AppendTag(u, 99, protowire.BytesType)
		u = protowire.AppendString(u, "from a newer master")
		m.ProtoReflect().SetUnknown(u)
	}
	long := strings.Repeat("x", 300)
	agentU := &mesosproto.AgentID{Value: proto.String("agent-1")}
	withUnknown(agentU)
	taskU := &mesosproto.TaskID{Value: proto.String("task-1")}
	withUnknown(taskU)
	cases := map[string]*mesosproto.TaskStatus{
		"plain":           {AgentId: &mesosproto.AgentID{Value: proto.String("agent-1")}, TaskId: &mesosproto.TaskID{Value: proto.String("task-1")}},
		"long":            {AgentId: &mesosproto.AgentID{Value: proto.String(long)}, TaskId: &mesosproto.TaskID{Value: proto.String(long + "t")}},
		"no agent id":     {TaskId: &mesosproto.TaskID{Value: proto.String("task-1")}},
		"agent id unset":  {AgentId: &mesosproto.AgentID{}, TaskId: &mesosproto.TaskID{Value: proto.String("task-1")}},
		"task id unset":   {AgentId: &mesosproto.AgentID{Value: proto.String("agent-1")}, TaskId: &mesosproto.TaskID{}},
		"agent unknown":   {AgentId: agentU, TaskId: &mesosproto.TaskID{Value: proto.String("task-1")}},
		"task unknown":    {AgentId: &mesosproto.AgentID{Value: proto.String("agent-1")}, TaskId: taskU},
		"empty values ok": {AgentId: &mesosproto.AgentID{Value: proto.String("")}, TaskId: &mesosproto.TaskID{Value: proto.String("")}},
	}
	for _, ct := range []string{httpapi.MediaTypeProtobuf, httpapi.MediaTypeJSON} {
		for name, st := range cases {
			t.Run(ct+"/"+name, func(t *testing.T) {
				st.State = mesosproto.TaskState_TASK_RUNNING.Enum()
				st.Uuid = []byte{0x8f, 0x1e, 0x2d, 0x3c}
				rec := newAckRecorder(t)
				r, s, cancel, logs := newPipelineRunner(t, rec.srv.URL, WithContentType(ct), WithoutPipelinedAcks())
				ev := &schedulerpb.Event{
					Type:   schedulerpb.Event_UPDATE.Enum(),
					Update: &schedulerpb.Event_Update{Status: st},
				}
				r.applyDefaults(s, ev, tracking{ackUUID: st.GetUuid()}, zap.NewNop())
				waitIdle(t, r.acks)
				cancel(errors.New("done"))
				r.endSession(s, errors.New("done"), zap.NewNop())

				want, err := r.c.codec.Marshal(&schedulerpb.Call{
					FrameworkId: &mesosproto.FrameworkID{Value: proto.String(s.frameworkID)},
					Type:        schedulerpb.Call_ACKNOWLEDGE.Enum(),
					Acknowledge: &schedulerpb.Call_Acknowledge{AgentId: st.GetAgentId(), TaskId: st.GetTaskId(), Uuid: st.GetUuid()},
				})
				if err != nil {
					t.Fatal(err)
				}
				got := rec.received()
				if len(got) != 1 {
					t.Fatalf("master received %d acknowledgements, want 1; log: %v", len(got), logs.All())
				}
				if !bytes.Equal(got[0], want) {
					t.Fatalf("acknowledgement body\n got %x\nwant %x", got[0], want)
				}
			})
		}
	}
}

// With the application's HTTP client, calls do not share a header map: a
// cookie jar adds its cookie to each request once, not to a map that every
// call of the session reuses.
func TestCallHeadersNotSharedWithAppClient(t *testing.T) {
	rec := newAckRecorder(t)
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(rec.srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	jar.SetCookies(u, []*http.Cookie{{Name: "route", Value: "m1"}})
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	r, s, cancel, _ := newPipelineRunner(t, rec.srv.URL, WithHTTPClient(&http.Client{Jar: jar, Transport: tr}), WithAckConcurrency(2))
	r.c.target.Store(r.c.newCallTarget(s)) // as startSession does
	for _, task := range []string{"t1", "t2", "t3", "t4"} {
		r.acks.submit(ackJobFor(task))
	}
	waitIdle(t, r.acks)
	cancel(errors.New("done"))
	r.endSession(s, errors.New("done"), zap.NewNop())
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.cookies) != 4 {
		t.Fatalf("master received %d calls, want 4", len(rec.cookies))
	}
	for i, c := range rec.cookies {
		if len(c) != 1 || c[0] != "route=m1" {
			t.Errorf("call %d: Cookie %q, want one route=m1", i+1, c)
		}
	}
}
