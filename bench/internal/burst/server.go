// SPDX-License-Identifier: Apache-2.0

package burst

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/bench/internal/fixtures"
	"github.com/mesoskit/mesoskit/internal/httpapi"
	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/schedulerpb"
)

// errInvalidUUID is the master's answer to an ACKNOWLEDGE without a valid
// uuid (its text is Mesos's, capital letter included).
var errInvalidUUID = errors.New("Failed to validate scheduler::Call: Expecting 'uuid' to be a valid UUID") //lint:ignore ST1005 Mesos's text

// FrameworkID is the ID every subscriber gets.
const FrameworkID = fixtures.MasterID + "-0000"

// StreamID is the Mesos-Stream-Id of every stream.
const StreamID = "7a3c1f0e-4b6d-4e8a-9c2b-5d1e0f3a6b7c"

// Server is the burst master.
type Server struct {
	n      int
	ln     net.Listener
	srv    *http.Server
	closed chan struct{}

	encOnce sync.Mutex
	streams map[string][]byte // media type → SUBSCRIBED + N UPDATE records

	mu  sync.Mutex
	run *Run
}

// Run counts the acknowledgements of one burst.
type Run struct {
	start time.Time
	done  chan struct{}

	mu    sync.Mutex
	seen  []bool
	acked int
	dups  int
	end   time.Time
}

// NewServer starts a burst master that sends n updates per subscription.
func NewServer(n int) (*Server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &Server{n: n, ln: ln, closed: make(chan struct{}), streams: map[string][]byte{}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/v1/scheduler", s.serveScheduler)
	s.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = s.srv.Serve(ln) }()
	return s, nil
}

// URL is the scheduler API endpoint.
func (s *Server) URL() string { return "http://" + s.ln.Addr().String() + "/api/v1/scheduler" }

// Addr is host:port, for clients that take a master address.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// N is the number of updates per burst.
func (s *Server) N() int { return s.n }

// Prepare encodes the burst in media type mt ahead of time, so that a Run
// does not pay for it.
func (s *Server) Prepare(mt string) error {
	_, err := s.stream(mt)
	return err
}

// Begin starts counting a new burst; the clock starts now.
func (s *Server) Begin() *Run {
	r := &Run{start: time.Now(), done: make(chan struct{}), seen: make([]bool, s.n)}
	s.mu.Lock()
	s.run = r
	s.mu.Unlock()
	return r
}

// Wait returns the time from Begin to the last missing acknowledgement.
func (r *Run) Wait(ctx context.Context) (time.Duration, error) {
	select {
	case <-r.done:
		return r.end.Sub(r.start), nil
	case <-ctx.Done():
		r.mu.Lock()
		defer r.mu.Unlock()
		return 0, fmt.Errorf("burst: %d of %d acknowledged: %w", r.acked, len(r.seen), ctx.Err())
	}
}

// Duplicates is how many acknowledgements repeated one already counted.
func (r *Run) Duplicates() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.dups
}

// Close stops the server, ending open streams.
func (s *Server) Close() {
	close(s.closed)
	_ = s.srv.Close()
}

func (s *Server) stream(mt string) ([]byte, error) {
	s.encOnce.Lock()
	defer s.encOnce.Unlock()
	if b, ok := s.streams[mt]; ok {
		return b, nil
	}
	c, err := httpapi.CodecFor(mt)
	if err != nil {
		return nil, err
	}
	evs := make([]*schedulerpb.Event, 0, s.n+1)
	evs = append(evs, &schedulerpb.Event{
		Type: schedulerpb.Event_SUBSCRIBED.Enum(),
		Subscribed: &schedulerpb.Event_Subscribed{
			FrameworkId:              &mesosproto.FrameworkID{Value: proto.String(FrameworkID)},
			HeartbeatIntervalSeconds: proto.Float64(15),
		},
	})
	for i := range s.n {
		evs = append(evs, fixtures.UpdateEvent(FrameworkID, i))
	}
	b, err := fixtures.Stream(c, evs...)
	if err != nil {
		return nil, err
	}
	s.streams[mt] = b
	return b, nil
}

func (s *Server) serveScheduler(w http.ResponseWriter, r *http.Request) {
	mt := r.Header.Get(httpapi.HeaderContentType)
	c, err := httpapi.CodecFor(mt)
	if err != nil {
		http.Error(w, err.Error(), http.StatusUnsupportedMediaType)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	var call schedulerpb.Call
	if err := c.Unmarshal(body, &call); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	switch call.GetType() {
	case schedulerpb.Call_SUBSCRIBE:
		s.serveStream(w, r, mt)
	case schedulerpb.Call_ACKNOWLEDGE:
		if r.Header.Get(httpapi.HeaderStreamID) != StreamID {
			http.Error(w, "The stream ID '"+r.Header.Get(httpapi.HeaderStreamID)+"' included in this request didn't match the stream ID currently associated with framework ID "+FrameworkID, http.StatusBadRequest)
			return
		}
		if err := s.ack(call.GetAcknowledge().GetUuid()); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		w.WriteHeader(http.StatusAccepted)
	default:
		w.WriteHeader(http.StatusAccepted)
	}
}

// ack counts one acknowledgement; the uuid's first four bytes are the
// update's index (see fixtures.UpdateEvent).
func (s *Server) ack(uuid []byte) error {
	if len(uuid) != 16 {
		return errInvalidUUID
	}
	i := int(uuid[0]) | int(uuid[1])<<8 | int(uuid[2])<<16 | int(uuid[3])<<24
	s.mu.Lock()
	r := s.run
	s.mu.Unlock()
	if r == nil || i >= len(r.seen) {
		return fmt.Errorf("unknown status update %d", i)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.seen[i] {
		r.dups++
		return nil
	}
	r.seen[i] = true
	r.acked++
	if r.acked == len(r.seen) {
		r.end = time.Now()
		close(r.done)
	}
	return nil
}

// serveStream sends SUBSCRIBED and the burst, then holds the stream open.
func (s *Server) serveStream(w http.ResponseWriter, r *http.Request, mt string) {
	b, err := s.stream(mt)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set(httpapi.HeaderContentType, mt)
	h.Set(httpapi.HeaderStreamID, StreamID)
	h.Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(w)
	const chunk = 64 << 10
	for len(b) > 0 {
		n := min(chunk, len(b))
		if _, err := w.Write(b[:n]); err != nil {
			return
		}
		if err := rc.Flush(); err != nil {
			return
		}
		b = b[n:]
	}
	select {
	case <-r.Context().Done():
	case <-s.closed:
	}
}
