// SPDX-License-Identifier: Apache-2.0

package mesostest

import (
	"io"
	"net/http"
	"time"

	"go.uber.org/zap"
	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/internal/httpapi"
	"github.com/mesoskit/mesoskit/internal/recordio"
	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/schedulerpb"
)

// eventQueue is the outgoing side of an event stream (a framework's SUBSCRIBE response or an executor's):
// events queued under s.mu, so in the order the master or agent produced them, and written by the HTTP
// handler goroutine, which wakes on notify.
type eventQueue[E any] struct {
	queue   []E
	closing bool // no more events; the handler ends the response after the queue
	abort   bool // end by breaking the connection instead of a clean end of stream
	notify  chan struct{}
}

func newEventQueue[E any]() eventQueue[E] { return eventQueue[E]{notify: make(chan struct{}, 1)} }

func (q *eventQueue[E]) wake() {
	select {
	case q.notify <- struct{}{}:
	default:
	}
}

// sendLocked queues an event. Events after closing are dropped, as Mesos drops the events of a stream
// that is gone.
func (q *eventQueue[E]) sendLocked(ev E) {
	if q.closing {
		return
	}
	q.queue = append(q.queue, ev)
	q.wake()
}

// closeLocked ends the stream after the queued events: cleanly (final chunk, EOF at the client) or, with
// abort, by dropping the connection.
func (q *eventQueue[E]) closeLocked(abort bool) {
	if q.closing {
		return
	}
	q.closing, q.abort = true, abort
	q.wake()
}

// stream is one SUBSCRIBE response, written as RecordIO records (src/common/http.hpp
// StreamingHttpConnection).
type stream struct {
	eventQueue[fwEvent]
	m     *master
	id    string     // Mesos-Stream-Id
	fw    *framework // nil for a refused subscription
	codec httpapi.Codec
}

func newStream(m *master, codec httpapi.Codec) *stream {
	return &stream{eventQueue: newEventQueue[fwEvent](), m: m, id: newUUIDString(), codec: codec}
}

// fwEvent is a queued event of a framework's stream: an event, or an agent's
// status update, queued as its compact form and wrapped into an UPDATE event
// only by the writer (update.go).
type fwEvent struct {
	ev *schedulerpb.Event
	up *pendingUpdate
}

func (e fwEvent) message() proto.Message {
	if e.up != nil {
		return updateEvent(e.up.toProto())
	}
	return e.ev
}

// sendLocked queues an event.
func (st *stream) sendLocked(ev *schedulerpb.Event) { st.eventQueue.sendLocked(fwEvent{ev: ev}) }

// sendUpdateLocked queues an UPDATE event for a status update of an agent.
func (st *stream) sendUpdateLocked(p *pendingUpdate) { st.eventQueue.sendLocked(fwEvent{up: p}) }

// serveStream writes the 200 response head and then the events until the
// stream closes, the client goes away or the server closes.
func (m *master) serveStream(w http.ResponseWriter, r *http.Request, st *stream) {
	s := m.s
	rc := http.NewResponseController(w)
	var out io.Writer = w
	if s.cfg.splitFrames {
		out = &splitWriter{w: w, rc: rc}
	}
	// No Content-Length: Go switches to chunked transfer encoding.
	w.Header().Set("Content-Type", st.codec.MediaType())
	w.Header().Set("Mesos-Stream-Id", st.id)
	w.WriteHeader(http.StatusOK)
	writeEvents(s, r, rc, out, st.codec, &st.eventQueue, fwEvent.message, s.cfg.heartbeatInterval,
		func() {
			if !s.noBeats {
				st.sendLocked(heartbeatEvent())
			}
		},
		func() { m.streamBroken(st) })
}

// writeEvents is the body of an event stream response (a framework's or an executor's): it flushes the
// response head, then writes the queued events as RecordIO records, flushing after each batch, and calls
// heartbeatLocked (under s.mu) every interval. It returns when the queue closes (after its last events; with
// abort it breaks the connection instead of ending the response), when the server closes, or, after calling
// broken, when a write fails or the client goes away.
func writeEvents[E any](s *Server, r *http.Request, rc *http.ResponseController, out io.Writer,
	codec httpapi.Codec, q *eventQueue[E], msg func(E) proto.Message, interval time.Duration, heartbeatLocked, broken func()) {
	if err := rc.Flush(); err != nil {
		broken()
		return
	}
	rw := recordio.NewWriter(out)
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	for {
		s.mu.Lock()
		evs := q.queue
		q.queue = nil
		closing, abort := q.closing, q.abort
		s.mu.Unlock()
		for _, e := range evs {
			ev := msg(e)
			b, err := codec.Marshal(ev)
			if err != nil {
				s.log.Error("encoding event", zap.String("message", string(proto.MessageName(ev))), zap.Error(err))
				continue
			}
			if err := rw.WriteFrame(b); err != nil {
				broken()
				return
			}
		}
		if len(evs) > 0 {
			if err := rc.Flush(); err != nil {
				broken()
				return
			}
		}
		if closing {
			if abort {
				panic(http.ErrAbortHandler) // net/http drops the connection, no final chunk
			}
			return
		}
		select {
		case <-q.notify:
		case <-ticker.C:
			s.mu.Lock()
			heartbeatLocked()
			s.mu.Unlock()
		case <-r.Context().Done():
			broken()
			return
		case <-s.closeCh:
			return
		}
	}
}

// streamBroken is the master noticing that the reader side of a stream
// went away (Master::exited for HTTP frameworks).
func (m *master) streamBroken(st *stream) {
	s := m.s
	s.mu.Lock()
	defer s.mu.Unlock()
	st.closing = true
	if s.closed || st.fw == nil || st.fw.stream != st || m.st == nil {
		return
	}
	s.log.Info("framework stream closed by the client", zap.String("framework_id", st.fw.id), zap.String("stream_id", st.id))
	m.disconnectLocked(st.fw)
}

// splitWriter writes every Write as two flushed chunks.
type splitWriter struct {
	w  io.Writer
	rc *http.ResponseController
}

func (sw *splitWriter) Write(p []byte) (int, error) {
	if len(p) < 2 {
		return sw.w.Write(p)
	}
	half := len(p) / 2
	n, err := sw.w.Write(p[:half])
	if err != nil {
		return n, err
	}
	if err := sw.rc.Flush(); err != nil {
		return n, err
	}
	m, err := sw.w.Write(p[half:])
	return n + m, err
}

func heartbeatEvent() *schedulerpb.Event {
	return &schedulerpb.Event{Type: schedulerpb.Event_HEARTBEAT.Enum()}
}

func errorEvent(msg string) *schedulerpb.Event {
	return &schedulerpb.Event{
		Type:  schedulerpb.Event_ERROR.Enum(),
		Error: &schedulerpb.Event_Error{Message: proto.String(msg)},
	}
}

func subscribedEvent(fwID string, interval time.Duration, mi *mesosproto.MasterInfo) *schedulerpb.Event {
	return &schedulerpb.Event{
		Type: schedulerpb.Event_SUBSCRIBED.Enum(),
		Subscribed: &schedulerpb.Event_Subscribed{
			FrameworkId:              &mesosproto.FrameworkID{Value: proto.String(fwID)},
			HeartbeatIntervalSeconds: proto.Float64(interval.Seconds()),
			MasterInfo:               proto.Clone(mi).(*mesosproto.MasterInfo),
		},
	}
}

func updateEvent(st *mesosproto.TaskStatus) *schedulerpb.Event {
	return &schedulerpb.Event{
		Type:   schedulerpb.Event_UPDATE.Enum(),
		Update: &schedulerpb.Event_Update{Status: st},
	}
}

func rescindEvent(offerID string) *schedulerpb.Event {
	return &schedulerpb.Event{
		Type:    schedulerpb.Event_RESCIND.Enum(),
		Rescind: &schedulerpb.Event_Rescind{OfferId: &mesosproto.OfferID{Value: proto.String(offerID)}},
	}
}
