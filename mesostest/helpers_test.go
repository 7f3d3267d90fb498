// SPDX-License-Identifier: Apache-2.0

package mesostest

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/internal/httpapi"
	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/schedulerpb"
)

// codecs runs a subtest per content type.
var codecs = []httpapi.Codec{httpapi.JSON, httpapi.Protobuf}

func codecName(c httpapi.Codec) string {
	if c.MediaType() == httpapi.MediaTypeJSON {
		return "json"
	}
	return "protobuf"
}

// fastOpts are short intervals for tests.
func fastOpts(extra ...Option) []Option {
	return append([]Option{
		WithHeartbeatInterval(200 * time.Millisecond),
		WithAllocationInterval(20 * time.Millisecond),
		WithUpdateRetryInterval(5 * time.Second),
		WithKillGracePeriod(500 * time.Millisecond),
	}, extra...)
}

func newServer(t *testing.T, opts ...Option) *Server {
	t.Helper()
	srv, err := NewServer(fastOpts(opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	return srv
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// client talks raw HTTP to one master in one content type.
type client struct {
	t     *testing.T
	srv   *Server
	codec httpapi.Codec
	url   string // base URL of the master
}

func newClient(t *testing.T, srv *Server, c httpapi.Codec) *client {
	return &client{t: t, srv: srv, codec: c, url: srv.URL()}
}

type response struct {
	status int
	header http.Header
	body   string
}

// post sends a call with optional extra headers ("Name", "value", ...).
func (c *client) post(call *schedulerpb.Call, hdr ...string) response {
	c.t.Helper()
	b, err := c.codec.Marshal(call)
	if err != nil {
		c.t.Fatal(err)
	}
	return c.raw(http.MethodPost, masterSchedulerPath, b, append([]string{"Content-Type", c.codec.MediaType()}, hdr...)...)
}

func (c *client) raw(method, path string, body []byte, hdr ...string) response {
	c.t.Helper()
	req, err := http.NewRequest(method, c.url+path, bytes.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := c.srv.Client().Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return response{status: resp.StatusCode, header: resp.Header, body: string(b)}
}

func expect(t *testing.T, r response, status int, body string) {
	t.Helper()
	if r.status != status || r.body != body {
		t.Fatalf("got %d %q, want %d %q", r.status, r.body, status, body)
	}
}

// sub is an open SUBSCRIBE stream.
type sub struct {
	t        *testing.T
	c        *client
	resp     *http.Response
	streamID string
	fwID     string
	events   chan *schedulerpb.Event
	end      chan error // the decode error that ended the stream (io.EOF when clean)
	cancel   context.CancelFunc
}

func frameworkInfo(name string) *mesosproto.FrameworkInfo {
	return &mesosproto.FrameworkInfo{User: proto.String("tester"), Name: proto.String(name)}
}

func subscribeCall(fi *mesosproto.FrameworkInfo) *schedulerpb.Call {
	c := &schedulerpb.Call{Type: schedulerpb.Call_SUBSCRIBE.Enum(), Subscribe: &schedulerpb.Call_Subscribe{FrameworkInfo: fi}}
	if fi.Id != nil {
		c.FrameworkId = fi.Id
	}
	return c
}

// open sends SUBSCRIBE and returns the stream, whatever its first event.
func (c *client) open(call *schedulerpb.Call) *sub {
	c.t.Helper()
	b, err := c.codec.Marshal(call)
	if err != nil {
		c.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, c.url+schedulerPath, bytes.NewReader(b))
	req.Header.Set("Content-Type", c.codec.MediaType())
	req.Header.Set("Accept", c.codec.MediaType())
	resp, err := c.srv.Client().Do(req)
	if err != nil {
		cancel()
		c.t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		cancel()
		c.t.Fatalf("SUBSCRIBE: %d %s", resp.StatusCode, b)
	}
	s := &sub{t: c.t, c: c, resp: resp, streamID: resp.Header.Get("Mesos-Stream-Id"),
		events: make(chan *schedulerpb.Event, 1024), end: make(chan error, 1), cancel: cancel}
	done := make(chan struct{})
	go func() {
		defer close(done)
		dec := httpapi.NewDecoder(resp.Body, c.codec, 0)
		for {
			ev := &schedulerpb.Event{}
			if err := dec.Decode(ev); err != nil {
				s.end <- err
				close(s.events)
				return
			}
			s.events <- ev
		}
	}()
	c.t.Cleanup(func() {
		cancel()
		resp.Body.Close()
		<-done
	})
	return s
}

// subscribe opens a stream and expects SUBSCRIBED then HEARTBEAT.
func (c *client) subscribe(fi *mesosproto.FrameworkInfo) *sub {
	c.t.Helper()
	s := c.open(subscribeCall(fi))
	ev := s.next(schedulerpb.Event_SUBSCRIBED)
	s.fwID = ev.GetSubscribed().GetFrameworkId().GetValue()
	if hb := s.nextAny(); hb.GetType() != schedulerpb.Event_HEARTBEAT {
		c.t.Fatalf("event after SUBSCRIBED = %v, want HEARTBEAT", hb.GetType())
	}
	return s
}

// nextAny returns the next event, heartbeats included.
func (s *sub) nextAny() *schedulerpb.Event {
	s.t.Helper()
	select {
	case ev, ok := <-s.events:
		if !ok {
			s.t.Fatalf("stream ended: %v", <-s.end)
		}
		return ev
	case <-time.After(10 * time.Second):
		s.t.Fatal("no event within 10s")
	}
	return nil
}

// skippable events are skipped while waiting for another type: heartbeats,
// and offers made as resources come back.
func skippable(t schedulerpb.Event_Type) bool {
	return t == schedulerpb.Event_HEARTBEAT || t == schedulerpb.Event_OFFERS
}

// next skips heartbeats and offers, and expects an event of type want.
func (s *sub) next(want schedulerpb.Event_Type) *schedulerpb.Event {
	s.t.Helper()
	for {
		ev := s.nextAny()
		if ev.GetType() != want && skippable(ev.GetType()) {
			continue
		}
		if ev.GetType() != want {
			s.t.Fatalf("got event %v (%v), want %v", ev.GetType(), ev, want)
		}
		return ev
	}
}

// quiet asserts that no event other than HEARTBEAT or OFFERS arrives within d.
func (s *sub) quiet(d time.Duration) {
	s.t.Helper()
	deadline := time.After(d)
	for {
		select {
		case ev, ok := <-s.events:
			if !ok {
				return
			}
			if !skippable(ev.GetType()) {
				s.t.Fatalf("unexpected event %v: %v", ev.GetType(), ev)
			}
		case <-deadline:
			return
		}
	}
}

// waitEnd waits for the end of the stream, skipping heartbeats, and returns
// the events before it and the ending error.
func (s *sub) waitEnd() ([]*schedulerpb.Event, error) {
	s.t.Helper()
	var evs []*schedulerpb.Event
	for {
		select {
		case ev, ok := <-s.events:
			if !ok {
				return evs, <-s.end
			}
			if ev.GetType() != schedulerpb.Event_HEARTBEAT {
				evs = append(evs, ev)
			}
		case <-time.After(10 * time.Second):
			s.t.Fatal("stream did not end within 10s")
		}
	}
}

func (s *sub) expectCleanEnd() {
	s.t.Helper()
	evs, err := s.waitEnd()
	if len(evs) != 0 || !errors.Is(err, io.EOF) {
		s.t.Fatalf("stream end: events %v, err %v; want clean EOF and no event", evs, err)
	}
}

// call sends a call of the subscribed framework with its stream id.
func (s *sub) call(c *schedulerpb.Call) response {
	s.t.Helper()
	c.FrameworkId = &mesosproto.FrameworkID{Value: proto.String(s.fwID)}
	return s.c.post(c, "Mesos-Stream-Id", s.streamID)
}

func (s *sub) mustCall(c *schedulerpb.Call, status int) {
	s.t.Helper()
	if r := s.call(c); r.status != status {
		s.t.Fatalf("%v: got %d %q, want %d", c.GetType(), r.status, r.body, status)
	}
}

func (s *sub) ack(st *mesosproto.TaskStatus) {
	s.t.Helper()
	s.mustCall(&schedulerpb.Call{Type: schedulerpb.Call_ACKNOWLEDGE.Enum(), Acknowledge: &schedulerpb.Call_Acknowledge{
		AgentId: st.GetAgentId(), TaskId: st.GetTaskId(), Uuid: st.GetUuid()}}, http.StatusAccepted)
}

// nextSkip waits for an event of type want, skipping any other event.
func (s *sub) nextSkip(want schedulerpb.Event_Type) *schedulerpb.Event {
	s.t.Helper()
	for {
		if ev := s.nextAny(); ev.GetType() == want {
			return ev
		}
	}
}

// noOffers asserts that no OFFERS event arrives within d (other events are ignored).
func (s *sub) noOffers(d time.Duration) {
	s.t.Helper()
	deadline := time.After(d)
	for {
		select {
		case ev, ok := <-s.events:
			if !ok {
				return
			}
			if ev.GetType() == schedulerpb.Event_OFFERS {
				s.t.Fatalf("unexpected offers: %v", ev)
			}
		case <-deadline:
			return
		}
	}
}

// offers waits for an OFFERS event and returns its offers.
func (s *sub) offers() []*mesosproto.Offer {
	s.t.Helper()
	return s.next(schedulerpb.Event_OFFERS).GetOffers().GetOffers()
}

// update waits for an UPDATE and checks its task and state.
func (s *sub) update(taskID string, state mesosproto.TaskState) *mesosproto.TaskStatus {
	s.t.Helper()
	st := s.next(schedulerpb.Event_UPDATE).GetUpdate().GetStatus()
	if st.GetTaskId().GetValue() != taskID || st.GetState() != state {
		s.t.Fatalf("update %s %v (%q), want %s %v", st.GetTaskId().GetValue(), st.GetState(), st.GetMessage(), taskID, state)
	}
	return st
}

func scalar(name string, v float64) *mesosproto.Resource {
	return &mesosproto.Resource{Name: proto.String(name), Type: mesosproto.Value_SCALAR.Enum(), Scalar: &mesosproto.Value_Scalar{Value: proto.Float64(v)}}
}

func shellTask(id string, o *mesosproto.Offer, cmd string) *mesosproto.TaskInfo {
	return &mesosproto.TaskInfo{
		Name:      proto.String(id),
		TaskId:    &mesosproto.TaskID{Value: proto.String(id)},
		AgentId:   o.GetAgentId(),
		Resources: []*mesosproto.Resource{scalar("cpus", 0.1), scalar("mem", 32)},
		Command:   &mesosproto.CommandInfo{Value: proto.String(cmd)},
	}
}

func launchCall(o *mesosproto.Offer, filters *mesosproto.Filters, tasks ...*mesosproto.TaskInfo) *schedulerpb.Call {
	return &schedulerpb.Call{Type: schedulerpb.Call_ACCEPT.Enum(), Accept: &schedulerpb.Call_Accept{
		OfferIds: []*mesosproto.OfferID{o.GetId()},
		Operations: []*mesosproto.Offer_Operation{{
			Type:   mesosproto.Offer_Operation_LAUNCH.Enum(),
			Launch: &mesosproto.Offer_Operation_Launch{TaskInfos: tasks},
		}},
		Filters: filters,
	}}
}

func hasPrefix(s, p string) bool { return strings.HasPrefix(s, p) }
