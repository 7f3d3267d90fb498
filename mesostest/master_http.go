// SPDX-License-Identifier: Apache-2.0

package mesostest

import (
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/mesoskit/mesoskit/internal/httpapi"
	"github.com/mesoskit/mesoskit/mesosproto/schedulerpb"
	"github.com/mesoskit/mesoskit/mesostest/console"
)

// maxRequestBody bounds a call body read by the master.
const maxRequestBody = 64 << 20

// Scheduler API paths: libprocess routes /api/v1/scheduler of the master
// process, reachable as /master/api/v1/scheduler too (src/master/main.cpp delegate).
const (
	schedulerPath       = "/api/v1/scheduler"
	masterSchedulerPath = "/master/api/v1/scheduler"
)

// ServeHTTP routes a master's requests.
func (m *master) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	defer crashOnPanic() // panic.go
	s := m.s
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	s.handlers.Add(1)
	s.mu.Unlock()
	defer s.handlers.Done()

	switch r.URL.Path {
	case "/", console.ScriptPath, console.StylePath:
		m.serveConsole(w, r) // master_console.go
	case schedulerPath, masterSchedulerPath:
		m.serveScheduler(w, r)
	case operatorPath, masterOperatorPath:
		m.serveOperator(w, r) // operator_http.go
	default:
		if !m.serveReadonly(w, r) { // master_readonly.go
			w.WriteHeader(http.StatusNotFound)
		}
	}
}

// reply is one answer of the scheduler endpoint, with the call record.
type reply struct {
	rec      Call
	status   int
	body     string
	location string
	allow    bool
	// challenge is the WWW-Authenticate header of a 401 (auth.go).
	challenge string
}

// finishLocked records the call; the response is written after unlocking.
func (s *Server) finishLocked(rp *reply) {
	rp.rec.Status, rp.rec.Body = rp.status, rp.body
	if !s.cfg.noHistory {
		s.calls = append(s.calls, rp.rec)
	}
	s.notifyLocked()
}

func (s *Server) finish(rp *reply) {
	s.mu.Lock()
	s.finishLocked(rp)
	s.mu.Unlock()
}

// write sends a non-streaming answer: plain text when there is a body, as
// libprocess's Response(body, status) does.
func (rp *reply) write(w http.ResponseWriter) {
	h := w.Header()
	if rp.location != "" {
		h.Set(httpapi.HeaderLocation, rp.location)
	}
	if rp.allow {
		h.Set("Allow", http.MethodPost)
	}
	if rp.challenge != "" {
		h.Set("WWW-Authenticate", rp.challenge)
	}
	if rp.body != "" {
		h.Set(httpapi.HeaderContentType, "text/plain; charset=utf-8")
		h.Set("Content-Length", strconv.Itoa(len(rp.body)))
	}
	w.WriteHeader(rp.status)
	if rp.body != "" {
		_, _ = io.WriteString(w, rp.body)
	}
}

// leadershipLocked applies rows 2, 2b and 3 of the handler's checks: a
// non-leader redirects to the leader, keeping the path as the handler saw
// it (/master/...) and the query (Master::Http::redirect); with no leader
// known it answers 503; a leader still recovering answers 503 too.
func (m *master) leadershipLocked(r *http.Request, rp *reply) bool {
	s := m.s
	if s.leader != m.idx {
		if s.leader < 0 {
			rp.status, rp.body = http.StatusServiceUnavailable, "No leader elected"
			return false
		}
		l := s.masters[s.leader]
		u := *r.URL
		if u.Path == schedulerPath {
			u.Path, u.RawPath = masterSchedulerPath, ""
		}
		rp.status = http.StatusTemporaryRedirect
		rp.location = "//" + net.JoinHostPort(l.info.GetHostname(), strconv.Itoa(int(l.info.GetPort()))) + u.RequestURI()
		return false
	}
	if s.recoveringLocked() {
		rp.status, rp.body = http.StatusServiceUnavailable, "Master has not finished recovery"
		return false
	}
	return true
}

// serveScheduler is Master::Http::scheduler (src/master/http.cpp): the checks
// in the order of docs/PROTOCOL.md §2, then the call itself.
func (m *master) serveScheduler(w http.ResponseWriter, r *http.Request) {
	s := m.s
	rp := &reply{rec: Call{Master: m.idx, Time: time.Now(), StreamID: r.Header.Get(httpapi.HeaderStreamID)}}
	done := func() {
		s.finish(rp)
		rp.write(w)
	}

	// Row 0: libprocess authenticates before the handler runs (WithCredentials).
	principal, ok := s.cfg.auth.authenticate(r)
	if !ok {
		unauthorized(rp)
		done()
		return
	}

	s.mu.Lock()
	ok = m.leadershipLocked(r, rp)
	s.mu.Unlock()
	if !ok {
		peekCall(r, rp)
		done()
		return
	}

	if r.Method != http.MethodPost {
		rp.status, rp.allow = http.StatusMethodNotAllowed, true
		rp.body = "405 Method Not Allowed. Expecting one of { 'POST' }, but received '" + r.Method + "'."
		done()
		return
	}

	cts, present := r.Header[httpapi.HeaderContentType]
	if !present {
		rp.status, rp.body = http.StatusBadRequest, "Expecting 'Content-Type' to be present"
		done()
		return
	}
	contentType := cts[0]
	if contentType != httpapi.MediaTypeJSON && contentType != httpapi.MediaTypeProtobuf {
		rp.status = http.StatusUnsupportedMediaType
		rp.body = "Expecting 'Content-Type' of " + httpapi.MediaTypeJSON + " or " + httpapi.MediaTypeProtobuf
		done()
		return
	}

	body, err := readBody(r, maxRequestBody)
	if err != nil {
		return // the client went away
	}
	if len(body) > maxRequestBody {
		rp.status, rp.body = http.StatusRequestEntityTooLarge, "Request body is too large"
		done()
		return
	}

	call := &schedulerpb.Call{}
	if err := httpapi.UnmarshalStrict(contentType, body, call); err != nil {
		rp.status, rp.body = http.StatusBadRequest, err.Error()
		var pe *httpapi.ParseError
		if errors.As(err, &pe) {
			rp.body = pe.Body()
		}
		done()
		return
	}
	rp.rec.setCall(call)

	if !m.applyFault(r, rp, call.GetType()) {
		return
	}
	if rp.status != 0 {
		done()
		return
	}

	err = validateCall(call)
	if err == nil {
		err = checkSubscribePrincipal(call, principal) // the last SUBSCRIBE check of validation
	}
	if err != nil {
		rp.status, rp.body = http.StatusBadRequest, "Failed to validate scheduler::Call: "+err.Error()
		done()
		return
	}

	var codec httpapi.Codec
	if t := call.GetType(); t == schedulerpb.Call_SUBSCRIBE || t == schedulerpb.Call_RECONCILE_OPERATIONS {
		mediaType, ok := httpapi.NegotiateAcceptHeader(r.Header)
		if !ok {
			rp.status = http.StatusNotAcceptable
			rp.body = "Expecting 'Accept' to allow '" + httpapi.MediaTypeProtobuf + "' or '" + httpapi.MediaTypeJSON + "'"
			done()
			return
		}
		codec, _ = httpapi.CodecFor(mediaType)
	}

	if call.GetType() == schedulerpb.Call_SUBSCRIBE {
		if _, present := r.Header[httpapi.HeaderStreamID]; present {
			rp.status, rp.body = http.StatusBadRequest, "Subscribe calls should not include the 'Mesos-Stream-Id' header"
			done()
			return
		}
		s.mu.Lock()
		if !m.leadershipLocked(r, rp) {
			s.mu.Unlock()
			done()
			return
		}
		st := newStream(m, codec)
		rp.rec.FrameworkID = m.subscribeLocked(st, withPrincipal(call.GetSubscribe(), principal))
		rp.rec.StreamID = st.id
		rp.status = http.StatusOK
		s.finishLocked(rp)
		s.mu.Unlock()
		m.serveStream(w, r, st)
		return
	}

	s.mu.Lock()
	if !m.leadershipLocked(r, rp) {
		s.mu.Unlock()
		done()
		return
	}
	if rp.status, rp.body = m.checkCallPrincipalLocked(call, principal); rp.status == 0 {
		rp.status, rp.body = m.frameworkCallLocked(r, call)
	}
	s.finishLocked(rp)
	s.mu.Unlock()
	rp.write(w)
}

// frameworkCallLocked applies rows 11 to 18: the framework must be known,
// connected, and the stream id must be the current one.
func (m *master) frameworkCallLocked(r *http.Request, call *schedulerpb.Call) (int, string) {
	fw := m.st.frameworks[call.GetFrameworkId().GetValue()]
	if fw == nil {
		return http.StatusBadRequest, "Framework cannot be found"
	}
	if fw.conn != frameworkConnected {
		return http.StatusForbidden, "Framework is not subscribed"
	}
	ids, present := r.Header[httpapi.HeaderStreamID]
	if !present {
		return http.StatusBadRequest, "All non-subscribe calls should include the 'Mesos-Stream-Id' header"
	}
	if ids[0] != fw.stream.id {
		return http.StatusBadRequest, "The stream ID '" + ids[0] + "' included in this request didn't match the stream ID currently associated with framework ID " + fw.id
	}
	return m.dispatchLocked(fw, call)
}

// applyFault consumes an injected fault for the call type: it waits the
// fault's delay and, for a fault with a status, fills rp with it. It
// returns false if the request ended meanwhile (client gone, server closed).
func (m *master) applyFault(r *http.Request, rp *reply, t schedulerpb.Call_Type) bool {
	s := m.s
	s.mu.Lock()
	f, ok := s.takeFaultLocked(t)
	s.mu.Unlock()
	if !ok {
		return true
	}
	if f.Delay > 0 {
		timer := time.NewTimer(f.Delay)
		defer timer.Stop()
		select {
		case <-timer.C:
		case <-r.Context().Done():
			return false
		case <-s.closeCh:
			return false
		}
	}
	if f.Status != 0 {
		rp.status, rp.body, rp.rec.Faulted = f.Status, f.Body, true
	}
	return true
}

// readBody reads at most limit+1 bytes of the request body, in one
// allocation of the right size when the request announces its length.
// peekCall fills in the record of an authenticated call refused before its
// body is parsed (307 or 503 from a master that does not lead): Mesos
// answers those without reading the call, and so does the reply, but a test
// wants to know which call was refused. Anything that does not decode
// leniently leaves the type UNKNOWN. (The body of an unauthenticated call is
// never read.)
func peekCall(r *http.Request, rp *reply) {
	codec, err := httpapi.CodecFor(r.Header.Get(httpapi.HeaderContentType))
	if err != nil {
		return
	}
	body, err := readBody(r, maxRequestBody)
	if err != nil || len(body) > maxRequestBody {
		return
	}
	call := &schedulerpb.Call{}
	if codec.Unmarshal(body, call) != nil {
		return
	}
	rp.rec.setCall(call)
}

// setCall records the decoded call: its type and framework id (top-level,
// or that of SUBSCRIBE's FrameworkInfo).
func (c *Call) setCall(call *schedulerpb.Call) {
	c.Call = call
	c.Type = call.GetType()
	c.FrameworkID = call.GetFrameworkId().GetValue()
	if c.FrameworkID == "" {
		c.FrameworkID = call.GetSubscribe().GetFrameworkInfo().GetId().GetValue()
	}
}

func readBody(r *http.Request, limit int64) ([]byte, error) {
	if n := r.ContentLength; n >= 0 && n <= limit {
		b := make([]byte, n+1) // one more byte to see a body longer than announced
		k, err := io.ReadFull(r.Body, b)
		switch err {
		case io.ErrUnexpectedEOF, io.EOF:
			if int64(k) < n {
				return nil, io.ErrUnexpectedEOF // the client went away mid-body
			}
			return b[:k], nil
		case nil:
			// Longer than announced: net/http reports that as an error
			// before this happens; read the rest as an unknown length.
		default:
			return nil, err
		}
		rest, err := io.ReadAll(io.LimitReader(r.Body, limit+1-int64(k)))
		return append(b[:k], rest...), err
	}
	return io.ReadAll(io.LimitReader(r.Body, limit+1))
}
