// SPDX-License-Identifier: Apache-2.0

package operator_test

import (
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/internal/httpapi"
	"github.com/mesoskit/mesoskit/internal/recordio"
	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/masterpb"
)

// fakeMaster is a small stand-in for the master's operator endpoint, written
// from src/master/http.cpp (Master::Http::api: redirect when not leading,
// 405 for other methods than POST, 400/415 for the body and Content-Type,
// 406 when Accept allows neither type, JSON preferred when Accept allows
// it) and src/master/readonly_handler.cpp (SUBSCRIBE: 200 with the
// negotiated Content-Type, RecordIO records, SUBSCRIBED first with the state
// and heartbeat_interval_seconds, then HEARTBEAT every interval). mesostest
// does not serve /api/v1 on this branch yet.
type fakeMaster struct {
	t   *testing.T
	srv *httptest.Server

	mu        sync.Mutex
	calls     []*masterpb.Call
	requests  int
	redirect  string // non-leading: the leader's host:port
	fail      []int  // statuses to answer the next requests with
	creds     string // "principal:secret" required, when set
	respond   func(*masterpb.Call) *masterpb.Response
	heartbeat time.Duration // announced and sent; 0: none sent
	silent    bool          // send no heartbeats (but announce them)
	streams   map[chan streamCmd]bool
	subscribe int // SUBSCRIBE requests answered 200
	beats     int // HEARTBEAT events written
}

type streamCmd struct {
	ev    *masterpb.Event
	close bool
}

func newFakeMaster(t *testing.T) *fakeMaster {
	t.Helper()
	f := &fakeMaster{t: t, streams: map[chan streamCmd]bool{}, heartbeat: 50 * time.Millisecond}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.close)
	return f
}

// newFakeMasterTLS is newFakeMaster speaking HTTPS with httptest's
// certificate (valid for 127.0.0.1).
func newFakeMasterTLS(t *testing.T) *fakeMaster {
	t.Helper()
	f := &fakeMaster{t: t, streams: map[chan streamCmd]bool{}, heartbeat: 50 * time.Millisecond}
	f.srv = httptest.NewTLSServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.close)
	return f
}

// close ends the streams and the server.
func (f *fakeMaster) close() {
	f.mu.Lock()
	for ch := range f.streams {
		close(ch)
	}
	f.streams = map[chan streamCmd]bool{}
	f.mu.Unlock()
	f.srv.Close()
}

func (f *fakeMaster) hostPort() string {
	return strings.TrimPrefix(strings.TrimPrefix(f.srv.URL, "http://"), "https://")
}

func (f *fakeMaster) set(fn func(f *fakeMaster)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn(f)
}

func (f *fakeMaster) received() []*masterpb.Call {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]*masterpb.Call(nil), f.calls...)
}

func (f *fakeMaster) requestCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.requests
}

// push sends ev on every open stream; closeStreams ends them.
func (f *fakeMaster) push(ev *masterpb.Event) { f.broadcast(streamCmd{ev: ev}) }
func (f *fakeMaster) closeStreams()           { f.broadcast(streamCmd{close: true}) }

func (f *fakeMaster) broadcast(c streamCmd) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for ch := range f.streams {
		ch <- c
	}
}

func (f *fakeMaster) heartbeatsSent() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.beats
}

func (f *fakeMaster) subscribes() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.subscribe
}

func (f *fakeMaster) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.requests++
	redirect, creds := f.redirect, f.creds
	var fail int
	if len(f.fail) > 0 {
		fail, f.fail = f.fail[0], f.fail[1:]
	}
	f.mu.Unlock()
	if creds != "" && r.Header.Get("Authorization") != "Basic "+base64.StdEncoding.EncodeToString([]byte(creds)) {
		// libprocess's basic authenticator (src/authentication/http/basic_authenticator.cpp).
		w.Header().Set("WWW-Authenticate", `Basic realm="mesos"`)
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	if redirect != "" {
		// Master::Http::redirect: protocol-relative, request path kept.
		w.Header().Set("Location", "//"+redirect+r.URL.RequestURI())
		w.WriteHeader(http.StatusTemporaryRedirect)
		return
	}
	if fail != 0 {
		http.Error(w, "injected", fail)
		return
	}
	if r.URL.Path != "/api/v1" {
		http.NotFound(w, r)
		return
	}
	call, accept, ok := decodeCall(w, r, new(masterpb.Call))
	if !ok {
		return
	}
	c := call.(*masterpb.Call)
	f.mu.Lock()
	f.calls = append(f.calls, c)
	respond := f.respond
	f.mu.Unlock()
	if c.GetType() == masterpb.Call_SUBSCRIBE {
		f.serveStream(w, r, accept)
		return
	}
	var resp *masterpb.Response
	if respond != nil {
		resp = respond(c)
	}
	writeResponse(w, accept, resp)
}

// decodeCall checks a POST /api/v1 request as Master::Http::api and
// Http::api (src/slave/http.cpp) do, in their order, and decodes the call.
func decodeCall(w http.ResponseWriter, r *http.Request, call proto.Message) (proto.Message, string, bool) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		http.Error(w, "Expecting one of { 'POST' }, but received '"+r.Method+"'", http.StatusMethodNotAllowed)
		return nil, "", false
	}
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		http.Error(w, "Expecting 'Content-Type' to be present", http.StatusBadRequest)
		return nil, "", false
	}
	body, _ := io.ReadAll(r.Body)
	if ct != httpapi.MediaTypeProtobuf && ct != httpapi.MediaTypeJSON {
		http.Error(w, "Expecting 'Content-Type' of application/json or application/x-protobuf", http.StatusUnsupportedMediaType)
		return nil, "", false
	}
	if err := httpapi.UnmarshalStrict(ct, body, call); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return nil, "", false
	}
	accept, ok := httpapi.NegotiateAcceptHeader(r.Header)
	if !ok {
		http.Error(w, "Expecting 'Accept' to allow 'application/x-protobuf' or 'application/json'", http.StatusNotAcceptable)
		return nil, "", false
	}
	return call, accept, true
}

// writeResponse answers 200 with resp in the accepted type, or 202 with no
// body when resp is nil (the calls that change the cluster).
func writeResponse(w http.ResponseWriter, accept string, resp proto.Message) {
	if resp == nil || !resp.ProtoReflect().IsValid() {
		w.WriteHeader(http.StatusAccepted)
		return
	}
	codec, _ := httpapi.CodecFor(accept)
	b, err := codec.Marshal(resp)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", accept)
	_, _ = w.Write(b)
}

func (f *fakeMaster) serveStream(w http.ResponseWriter, r *http.Request, accept string) {
	codec, _ := httpapi.CodecFor(accept)
	ch := make(chan streamCmd, 16)
	f.mu.Lock()
	f.streams[ch] = true
	f.subscribe++
	n := f.subscribe
	hb, silent := f.heartbeat, f.silent
	f.mu.Unlock()
	defer func() {
		f.mu.Lock()
		delete(f.streams, ch)
		f.mu.Unlock()
	}()

	w.Header().Set("Content-Type", accept)
	w.WriteHeader(http.StatusOK)
	fl := w.(http.Flusher)
	enc := recordio.NewWriter(w)
	send := func(ev *masterpb.Event) bool {
		b, err := codec.Marshal(ev)
		if err != nil {
			return false
		}
		if err := enc.WriteFrame(b); err != nil {
			return false
		}
		fl.Flush()
		return true
	}
	sub := &masterpb.Event{Type: masterpb.Event_SUBSCRIBED.Enum(), Subscribed: &masterpb.Event_Subscribed{
		GetState:                 snapshot(n),
		HeartbeatIntervalSeconds: proto.Float64(hb.Seconds()),
	}}
	if !send(sub) {
		return
	}
	var tick <-chan time.Time
	if hb > 0 && !silent {
		t := time.NewTicker(hb)
		defer t.Stop()
		tick = t.C
	}
	for {
		select {
		case <-r.Context().Done():
			return
		case c, ok := <-ch:
			if !ok || c.close {
				return
			}
			if !send(c.ev) {
				return
			}
		case <-tick:
			if !send(&masterpb.Event{Type: masterpb.Event_HEARTBEAT.Enum()}) {
				return
			}
			f.mu.Lock()
			f.beats++
			f.mu.Unlock()
		}
	}
}

// snapshot is the GET_STATE of the n-th subscription: one task named
// "task-<n>", so that tests can tell the snapshots apart.
func snapshot(n int) *masterpb.Response_GetState {
	return &masterpb.Response_GetState{GetTasks: &masterpb.Response_GetTasks{Tasks: []*mesosproto.Task{{
		Name:        proto.String(fmt.Sprintf("task-%d", n)),
		TaskId:      &mesosproto.TaskID{Value: proto.String(fmt.Sprintf("task-%d", n))},
		FrameworkId: &mesosproto.FrameworkID{Value: proto.String("fw-1")},
		AgentId:     &mesosproto.AgentID{Value: proto.String("agent-1")},
		State:       mesosproto.TaskState_TASK_RUNNING.Enum(),
	}}}}
}
