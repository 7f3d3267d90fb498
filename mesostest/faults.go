// SPDX-License-Identifier: Apache-2.0

package mesostest

import (
	"time"

	"github.com/mesoskit/mesoskit/mesosproto/schedulerpb"
)

// Fault replaces a master's answer to calls of one type.
//
// With Status 0 the call is only delayed by Delay and then handled
// normally. Otherwise the master waits Delay and answers Status with Body
// (text/plain) without acting on the call. Times is how many calls the fault
// applies to: 0 or 1 = the next call only, N = the next N calls, negative =
// every call until ClearFaults.
//
// Faults apply after the request has been parsed (the call type must be
// known), before call validation and before the framework checks.
type Fault struct {
	Status int
	Body   string
	Delay  time.Duration
	Times  int
}

type faultState struct {
	f    Fault
	left int // < 0: unlimited
}

// Inject installs f for calls of type t, replacing any fault for that type.
func (s *Server) Inject(t schedulerpb.Call_Type, f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	left := f.Times
	if left == 0 {
		left = 1
	}
	s.faults[t] = &faultState{f: f, left: left}
}

// ClearFaults removes every injected fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.faults)
}

// takeFaultLocked consumes one use of the fault for t, if any.
func (s *Server) takeFaultLocked(t schedulerpb.Call_Type) (Fault, bool) {
	fs := s.faults[t]
	if fs == nil {
		return Fault{}, false
	}
	if fs.left > 0 {
		fs.left--
		if fs.left == 0 {
			delete(s.faults, t)
		}
	}
	return fs.f, true
}

// CloseStreams drops the connection of every event stream, as a network
// failure would: the clients see the stream break, and the master marks
// each framework disconnected (starting its failover timeout; with the
// default failover_timeout of 0 the framework is removed at once).
func (s *Server) CloseStreams() {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.leaderLocked()
	if m == nil {
		return
	}
	for _, fw := range m.connectedFrameworksLocked() {
		st := fw.stream
		st.closeLocked(true)
		m.disconnectLocked(fw)
	}
}

// StopHeartbeats stops HEARTBEAT events on every stream (the streams stay
// open), to exercise a client's heartbeat watchdog. ResumeHeartbeats undoes it.
func (s *Server) StopHeartbeats() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.noBeats = true
}

// ResumeHeartbeats restarts HEARTBEAT events after StopHeartbeats.
func (s *Server) ResumeHeartbeats() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.noBeats = false
}

// Rescind withdraws an outstanding offer: the framework gets a RESCIND event
// and the resources go back to the allocator without a filter, as when
// --offer_timeout fires.
func (s *Server) Rescind(offerID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	m := s.leaderLocked()
	if m == nil {
		return ErrUnknownOffer
	}
	o := m.st.offers[offerID]
	if o == nil {
		return ErrUnknownOffer
	}
	m.rescindOfferLocked(o)
	return nil
}
