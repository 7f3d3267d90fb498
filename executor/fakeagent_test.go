// SPDX-License-Identifier: Apache-2.0

package executor_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/executor"
	"github.com/mesoskit/mesoskit/internal/httpapi"
	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/executorpb"
)

// fakeAgent is a minimal executor endpoint for the runtime's own tests:
// it streams the events a test pushes and records every call. (The full
// agent, with the real order of checks, is mesostest's.)
type fakeAgent struct {
	t   testing.TB
	srv *httptest.Server

	mu        sync.Mutex
	calls     []*executorpb.Call
	auth      []string
	stream    chan []byte   // the live stream's records
	streamEnd chan struct{} // closed to end the live stream
	subStatus []int         // answers for the next SUBSCRIBEs (0 or absent: 200)
	refuseAll int           // when set, the answer to every SUBSCRIBE
	updStatus []int         // answers for the next UPDATEs (0 or absent: 202)
	autoAck   bool
	fw        *mesosproto.FrameworkInfo

	subscribes chan *executorpb.Call
	updates    chan *mesosproto.TaskStatus
	others     chan *executorpb.Call
}

func newFakeAgent(t testing.TB) *fakeAgent {
	a := &fakeAgent{
		t:          t,
		autoAck:    true,
		fw:         &mesosproto.FrameworkInfo{User: proto.String("u"), Name: proto.String("fw"), Id: &mesosproto.FrameworkID{Value: proto.String("fw")}},
		subscribes: make(chan *executorpb.Call, 64),
		updates:    make(chan *mesosproto.TaskStatus, 256),
		others:     make(chan *executorpb.Call, 64),
	}
	a.srv = httptest.NewServer(http.HandlerFunc(a.serve))
	t.Cleanup(func() {
		a.endStream()
		a.srv.CloseClientConnections()
		a.srv.Close()
	})
	return a
}

// config is the executor configuration pointing at the fake agent.
func (a *fakeAgent) config(checkpoint bool) executor.Config {
	c := executor.Config{
		FrameworkID:         "fw",
		ExecutorID:          "ex",
		AgentURL:            a.srv.URL + "/slave(1)/api/v1/executor",
		ShutdownGracePeriod: 2 * time.Second,
		AuthenticationToken: "tok",
	}
	if checkpoint {
		c.Checkpoint = true
		c.RecoveryTimeout = 10 * time.Second
		c.SubscriptionBackoffMax = 20 * time.Millisecond
	}
	return c
}

func (a *fakeAgent) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	call := &executorpb.Call{}
	if err := httpapi.Protobuf.Unmarshal(body, call); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	a.mu.Lock()
	a.calls = append(a.calls, call)
	a.auth = append(a.auth, r.Header.Get("Authorization"))
	a.mu.Unlock()
	switch call.GetType() {
	case executorpb.Call_SUBSCRIBE:
		a.subscribe(w, r, call)
	case executorpb.Call_UPDATE:
		st := call.GetUpdate().GetStatus()
		a.mu.Lock()
		status := 0
		if len(a.updStatus) > 0 {
			status, a.updStatus = a.updStatus[0], a.updStatus[1:]
		}
		a.mu.Unlock()
		if status != 0 {
			http.Error(w, "Agent has not finished recovery", status)
			return
		}
		w.WriteHeader(http.StatusAccepted)
		a.updates <- st
		a.mu.Lock()
		ack := a.autoAck
		a.mu.Unlock()
		if ack { // on the live stream, if any
			ev := &executorpb.Event{Type: executorpb.Event_ACKNOWLEDGED.Enum(), Acknowledged: &executorpb.Event_Acknowledged{
				TaskId: st.GetTaskId(), Uuid: st.GetUuid()}}
			b, _ := httpapi.Protobuf.Marshal(ev)
			a.mu.Lock()
			if a.stream != nil {
				a.stream <- append([]byte(strconv.Itoa(len(b))+"\n"), b...)
			}
			a.mu.Unlock()
		}
	default:
		w.WriteHeader(http.StatusAccepted)
		a.others <- call
	}
}

func (a *fakeAgent) subscribe(w http.ResponseWriter, r *http.Request, call *executorpb.Call) {
	a.mu.Lock()
	status := 0
	if len(a.subStatus) > 0 {
		status, a.subStatus = a.subStatus[0], a.subStatus[1:]
	}
	if a.refuseAll != 0 {
		status = a.refuseAll
	}
	if status != 0 && status != http.StatusOK {
		a.mu.Unlock()
		select {
		case a.subscribes <- call:
		default: // nobody is counting
		}
		http.Error(w, "refused", status)
		return
	}
	if a.streamEnd != nil {
		close(a.streamEnd) // a new SUBSCRIBE closes the previous stream
	}
	events := make(chan []byte, 64)
	end := make(chan struct{})
	a.stream, a.streamEnd = events, end
	fw := a.fw
	a.mu.Unlock()
	a.subscribes <- call // the stream is ready for send

	w.Header().Set("Content-Type", httpapi.MediaTypeProtobuf)
	w.WriteHeader(http.StatusOK)
	enc := httpapi.NewEncoder(w, httpapi.Protobuf)
	flusher := w.(http.Flusher)
	_ = enc.Encode(&executorpb.Event{Type: executorpb.Event_SUBSCRIBED.Enum(), Subscribed: &executorpb.Event_Subscribed{
		ExecutorInfo:  &mesosproto.ExecutorInfo{ExecutorId: &mesosproto.ExecutorID{Value: proto.String("ex")}},
		FrameworkInfo: fw,
		AgentInfo:     &mesosproto.AgentInfo{Hostname: proto.String("agent")},
	}})
	flusher.Flush()
	for {
		select {
		case b := <-events:
			if _, err := w.Write(b); err != nil {
				return
			}
			flusher.Flush()
		case <-end:
			return
		case <-r.Context().Done():
			return
		}
	}
}

// send queues an event on the live stream.
func (a *fakeAgent) send(ev *executorpb.Event) {
	b, err := httpapi.Protobuf.Marshal(ev)
	if err != nil {
		a.t.Error(err)
		return
	}
	a.sendRaw(append([]byte(strconv.Itoa(len(b))+"\n"), b...))
}

// sendRaw queues bytes (whole RecordIO records) on the live stream.
func (a *fakeAgent) sendRaw(b []byte) {
	a.mu.Lock()
	s := a.stream
	a.mu.Unlock()
	if s == nil {
		a.t.Error("fake agent: no stream to send on")
		return
	}
	s <- b
}

// endStream closes the live stream (EOF for the executor).
func (a *fakeAgent) endStream() {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.streamEnd != nil {
		close(a.streamEnd)
		a.streamEnd, a.stream = nil, nil
	}
}

func (a *fakeAgent) setAutoAck(on bool) {
	a.mu.Lock()
	a.autoAck = on
	a.mu.Unlock()
}

func (a *fakeAgent) refuseSubscribes(statuses ...int) {
	a.mu.Lock()
	a.subStatus = append(a.subStatus, statuses...)
	a.mu.Unlock()
}

func (a *fakeAgent) nextSubscribe(t *testing.T) *executorpb.Call {
	t.Helper()
	select {
	case c := <-a.subscribes:
		return c
	case <-time.After(10 * time.Second):
		t.Fatal("no SUBSCRIBE")
		return nil
	}
}

func (a *fakeAgent) nextUpdate(t *testing.T, want mesosproto.TaskState) *mesosproto.TaskStatus {
	t.Helper()
	select {
	case st := <-a.updates:
		if st.GetState() != want {
			t.Fatalf("update %v (%q), want %v", st.GetState(), st.GetMessage(), want)
		}
		return st
	case <-time.After(10 * time.Second):
		t.Fatalf("no %v update", want)
		return nil
	}
}

func (a *fakeAgent) nextOther(t *testing.T, want executorpb.Call_Type) *executorpb.Call {
	t.Helper()
	for {
		select {
		case c := <-a.others:
			if c.GetType() == want {
				return c
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("no %v call", want)
			return nil
		}
	}
}

func launchEvent(id string) *executorpb.Event {
	return &executorpb.Event{Type: executorpb.Event_LAUNCH.Enum(), Launch: &executorpb.Event_Launch{Task: &mesosproto.TaskInfo{
		Name: proto.String(id), TaskId: &mesosproto.TaskID{Value: proto.String(id)},
		AgentId: &mesosproto.AgentID{Value: proto.String("agent")},
	}}}
}

// runAsync starts x.Run and returns a channel with its result.
func runAsync(ctx context.Context, x *executor.Executor, h executor.Handler) <-chan error {
	ch := make(chan error, 1)
	go func() { ch <- x.Run(ctx, h) }()
	return ch
}

func waitRun(t *testing.T, ch <-chan error) error {
	t.Helper()
	select {
	case err := <-ch:
		return err
	case <-time.After(20 * time.Second):
		t.Fatal("Run did not return")
		return nil
	}
}
