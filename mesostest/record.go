// SPDX-License-Identifier: Apache-2.0

package mesostest

import (
	"sort"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/schedulerpb"
)

// Call is one request to a master's scheduler endpoint, as recorded by Calls.
type Call struct {
	Master      int                   // index of the master that answered
	Type        schedulerpb.Call_Type // UNKNOWN when the body did not parse (a call refused with 307 or 503 is read leniently for this record only; a 401's body never)
	FrameworkID string                // top-level framework_id, or the id assigned by SUBSCRIBE
	StreamID    string                // Mesos-Stream-Id sent (or, for SUBSCRIBE, issued)
	Status      int                   // HTTP status answered
	Body        string                // error body answered, if any
	Faulted     bool                  // answered by an injected Fault
	Call        *schedulerpb.Call     // the decoded call; nil when it did not parse
	Time        time.Time
}

// Calls returns every call received so far, in arrival order; nil with
// WithoutHistory.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cfg.noHistory {
		return nil
	}
	return append([]Call(nil), s.calls...)
}

// FrameworkState is a framework's state as the cluster sees it.
type FrameworkState int

const (
	// FrameworkUnknown: the id was never seen.
	FrameworkUnknown FrameworkState = iota
	// FrameworkConnected: subscribed to the leading master, stream open.
	FrameworkConnected
	// FrameworkDisconnected: the stream dropped; the failover timeout runs.
	FrameworkDisconnected
	// FrameworkRecovered: after a master failover, known from its tasks on the
	// agents (or not at all) until its scheduler subscribes again.
	FrameworkRecovered
	// FrameworkRemoved: torn down or failover timeout expired.
	FrameworkRemoved
)

func (st FrameworkState) String() string {
	switch st {
	case FrameworkConnected:
		return "connected"
	case FrameworkDisconnected:
		return "disconnected"
	case FrameworkRecovered:
		return "recovered"
	case FrameworkRemoved:
		return "removed"
	}
	return "unknown"
}

// FrameworkStatus is a snapshot of a framework, for assertions.
type FrameworkStatus struct {
	ID            string
	State         FrameworkState
	Info          *mesosproto.FrameworkInfo // last FrameworkInfo accepted
	StreamID      string                    // current (or last) Mesos-Stream-Id
	Subscriptions int                       // successful SUBSCRIBE calls
	Offers        int                       // outstanding offers
	// SuppressedRoles are the roles whose offers are suppressed (SUPPRESS,
	// or the suppressed_roles of the last SUBSCRIBE or UPDATE_FRAMEWORK),
	// sorted; nil unless the leading master knows the framework.
	SuppressedRoles []string
	// Acknowledged counts, per task id, the acknowledgements that released a
	// pending status update; DuplicateAcks those that matched nothing pending
	// (a duplicate or a stale uuid). A scheduler that acknowledges every
	// update exactly once has DuplicateAcks empty and Acknowledged equal to
	// the number of reliable updates per task.
	//
	// Both cover the tasks the cluster runs, its last completed tasks (see
	// WithMaxCompletedTasksPerFramework) and the tasks of SendStatusUpdates;
	// AcknowledgedTotal and DuplicateAcksTotal count every acknowledgement
	// of the framework, those of forgotten or never known tasks included.
	Acknowledged       map[string]int
	DuplicateAcks      map[string]int
	AcknowledgedTotal  int
	DuplicateAcksTotal int
}

// frameworkRecord is the test-facing history of a framework id, kept across
// master failovers and removal.
type frameworkRecord struct {
	id            string
	info          *mesosproto.FrameworkInfo
	subscriptions int
	streamID      string
	removed       bool
	acked         map[string]int
	dupAcks       map[string]int
	completed     completedTasks // completed.go
	last          *framework     // the leader's Framework when it was removed
}

func (s *Server) recordLocked(id string) *frameworkRecord {
	r := s.records[id]
	if r == nil {
		r = &frameworkRecord{id: id, acked: map[string]int{}, dupAcks: map[string]int{}}
		s.records[id] = r
		s.recordSeq = append(s.recordSeq, id)
	}
	return r
}

// Framework returns the state of framework id. ok is false if the id was
// never seen by the cluster.
func (s *Server) Framework(id string) (st FrameworkStatus, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.frameworkStatusLocked(id)
}

func (s *Server) frameworkStatusLocked(id string) (FrameworkStatus, bool) {
	st := FrameworkStatus{ID: id, Acknowledged: map[string]int{}, DuplicateAcks: map[string]int{}}
	r := s.records[id]
	var fw *framework
	if m := s.leaderLocked(); m != nil {
		fw = m.st.frameworks[id]
	}
	if r == nil && fw == nil {
		return st, false
	}
	if r != nil {
		st.Subscriptions, st.StreamID = r.subscriptions, r.streamID
		st.AcknowledgedTotal = r.completed.ackedEvicted
		for k, v := range r.acked {
			st.Acknowledged[k] = v
			st.AcknowledgedTotal += v
		}
		st.DuplicateAcksTotal = r.completed.dupEvicted
		for k, v := range r.dupAcks {
			st.DuplicateAcks[k] = v
			st.DuplicateAcksTotal += v
		}
		if r.removed {
			st.State = FrameworkRemoved
		} else {
			st.State = FrameworkRecovered // known, but not to the current leader
		}
	}
	if fw != nil {
		st.Info = proto.Clone(fw.info).(*mesosproto.FrameworkInfo)
		st.Offers = len(fw.offers)
		for r := range fw.suppressed {
			st.SuppressedRoles = append(st.SuppressedRoles, r)
		}
		sort.Strings(st.SuppressedRoles)
		switch fw.conn {
		case frameworkConnected:
			st.State = FrameworkConnected
		case frameworkDisconnected:
			st.State = FrameworkDisconnected
		default:
			st.State = FrameworkRecovered
		}
	} else if r != nil && r.info != nil {
		st.Info = proto.Clone(r.info).(*mesosproto.FrameworkInfo)
	}
	return st, true
}
