// SPDX-License-Identifier: Apache-2.0

package scheduler

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/mesoskit/mesoskit/internal/httpapi"
	"github.com/mesoskit/mesoskit/internal/recordio"
	"github.com/mesoskit/mesoskit/mesosproto/schedulerpb"
)

// eventQueueLen bounds how many decoded events the reader holds ahead of the
// handler. Beyond it the reader stops reading and TCP pushes back on the
// master; nothing is buffered without bound.
const eventQueueLen = 4

// errSubscribeTimeout ends a SUBSCRIBE whose response headers did not arrive
// within the call timeout.
var errSubscribeTimeout = errors.New("scheduler: SUBSCRIBE timed out waiting for the master")

// errDecodeEvent ends a subscription whose stream carried an event that
// could not be decoded.
var errDecodeEvent = errors.New("scheduler: decode event")

// session is one SUBSCRIBE stream. Its fields are set before it becomes the
// Client's live session and never change afterwards.
type session struct {
	ctx          context.Context // cancelled when the subscription ends
	cancel       context.CancelCauseFunc
	endpoint     string // where calls go: the master that serves the stream
	streamID     string
	frameworkID  string
	resubscribed bool            // SUBSCRIBE carried a framework ID
	rec          *reconciliation // this subscription's explicit reconciliation
	calls        sync.WaitGroup  // calls in flight on this session
	bg           sync.WaitGroup  // the subscription's goroutines (reconciliation, demand)
}

// outcome says how one subscription attempt ended.
type outcome struct {
	err        error // why it ended; nil after a Teardown
	fatal      bool  // Run returns err
	subscribed bool  // the stream reached SUBSCRIBED
}

// subscribe runs one subscription against master: SUBSCRIBE (following
// redirects), then events until the stream ends for any reason. It returns
// only after every goroutine it started has ended.
func (r *runner) subscribe(master *url.URL, changed <-chan struct{}) (out outcome) {
	c := r.c
	var wg sync.WaitGroup
	defer wg.Wait() // after cancel: the goroutines below end with sctx
	sctx, cancel := context.WithCancelCause(r.ctx)
	defer cancel(nil)

	if changed != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case <-changed:
				cancel(ErrLeaderChanged)
			case <-sctx.Done():
			}
		}()
	}

	resp, endpoint, err := r.openStream(sctx, cancel, master)
	if err != nil {
		if cause := context.Cause(sctx); sctx.Err() != nil && cause != nil {
			err = cause
		}
		var apiErr *APIError
		if errors.As(err, &apiErr) && permanentSubscribeStatus(apiErr.StatusCode) {
			return outcome{err: err, fatal: true}
		}
		return outcome{err: err}
	}
	defer resp.Body.Close()

	codec, streamID, err := checkStreamResponse(resp)
	if err != nil {
		return outcome{err: fmt.Errorf("%w: %w", ErrNotMesos, err)}
	}
	log := c.log.With(zap.String("master", endpoint.Host), zap.String("stream_id", streamID))
	log.Debug("event stream open")
	s := &session{ctx: sctx, cancel: cancel, endpoint: endpoint.String(), streamID: streamID}
	defer s.bg.Wait() // after stopReader (deferred later, run earlier) has cancelled sctx

	// The first event must come quickly; afterwards the heartbeat interval
	// announced in SUBSCRIBED decides.
	first := c.cfg.callTimeout
	if first <= 0 {
		first = httpapi.HeartbeatTimeout(0, c.cfg.missedHeartbeats)
	}
	wd := httpapi.NewWatchdog(first, func() { cancel(ErrMissedHeartbeats) })
	defer wd.Stop()

	events := make(chan streamEvent, eventQueueLen)
	rd := &streamReader{
		ctx:    sctx,
		r:      recordio.NewReader(wd.Reader(resp.Body), c.cfg.maxFrameSize),
		codec:  codec,
		slim:   r.oh != nil,
		out:    events,
		wd:     wd,
		missed: c.cfg.missedHeartbeats,
		log:    log,
		m:      c.m.metrics,
	}
	c.m.queue.Store(&events)
	defer c.m.queue.CompareAndSwap(&events, nil)
	wg.Add(1)
	go func() {
		defer wg.Done()
		rd.run()
	}()
	// stopReader ends the subscription's context (aborting calls in flight
	// and a blocked read or send) and waits for the reader, which closes
	// events when done. It runs before endSession and again, harmlessly, if
	// a handler panics.
	stopReader := func() {
		cancel(out.err)
		resp.Body.Close()
		for range events {
		}
	}
	defer stopReader()

	for {
		var (
			ev streamEvent
			ok bool
		)
		select {
		case ev, ok = <-events:
		case <-r.c.pace.wake: // ev.ev nil: held-back offers may go (pacing_dispatch.go)
			ok = true
		case <-sctx.Done():
		}
		if sctx.Err() != nil {
			out.err = context.Cause(sctx)
			break
		}
		if !ok {
			out.err = rd.err
			break
		}
		if r.c.tornDownNow() { // events read before TEARDOWN succeeded are dropped
			out.err = ErrTornDown
			break
		}
		was := out.subscribed
		fatal, err := r.deliver(s, ev, &out.subscribed, log)
		if !was && out.subscribed {
			log = log.With(zap.String("framework_id", s.frameworkID))
		}
		if err != nil && r.c.tornDownNow() {
			// A handler's call met the removed framework (400 "Framework
			// cannot be found"): the teardown, not the handler, ends Run.
			log.Debug("handler failed after Teardown", zap.Error(err))
			out.err = ErrTornDown
			break
		}
		if err != nil {
			out.err, out.fatal = err, fatal
			break
		}
	}
	stopReader()
	if out.subscribed {
		r.endSession(s, out.err, log)
	} else {
		out.err = notMesosStream(out.err)
	}
	if !out.fatal && r.c.tornDownNow() {
		return outcome{subscribed: out.subscribed, fatal: true} // Teardown: Run returns nil
	}
	return out
}

// openStream POSTs SUBSCRIBE to master and follows redirects. It returns the
// 200 response and the URL that answered it.
func (r *runner) openStream(ctx context.Context, cancel context.CancelCauseFunc, master *url.URL) (*http.Response, *url.URL, error) {
	c := r.c
	u := master
	visited := map[string]bool{}
	for hop := 0; ; hop++ {
		visited[u.Host] = true
		body, err := r.subscribeCall()
		if err != nil {
			return nil, u, err
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader(body))
		if err != nil {
			return nil, u, fmt.Errorf("scheduler: SUBSCRIBE: %w", err)
		}
		c.setHeaders(req.Header, "")
		var timer *time.Timer
		if c.cfg.callTimeout > 0 {
			timer = time.AfterFunc(c.cfg.callTimeout, func() { cancel(errSubscribeTimeout) })
		}
		resp, err := c.streamHTTP.Do(req)
		if timer != nil && !timer.Stop() {
			if err == nil {
				resp.Body.Close()
			}
			return nil, u, errSubscribeTimeout
		}
		if err != nil {
			return nil, u, fmt.Errorf("scheduler: SUBSCRIBE to %s: %w", u.Host, err)
		}
		switch resp.StatusCode {
		case http.StatusOK:
			return resp, u, nil
		case http.StatusTemporaryRedirect, http.StatusPermanentRedirect, http.StatusFound,
			http.StatusMovedPermanently, http.StatusSeeOther:
			loc := resp.Header.Get("Location")
			drainClose(resp.Body)
			next, err := resolveLocation(u, loc)
			if err != nil {
				return nil, u, err
			}
			if hop >= c.cfg.maxRedirects {
				return nil, u, fmt.Errorf("%w: more than %d redirects, last to %s", ErrTooManyRedirects, c.cfg.maxRedirects, next.Host)
			}
			if visited[next.Host] {
				return nil, u, fmt.Errorf("%w: redirect loop back to %s", ErrTooManyRedirects, next.Host)
			}
			c.log.Info("following redirect to the leading master", zap.String("master", u.Host), zap.String("leader", next.Host))
			u = next
		default:
			apiErr := httpapi.NewAPIError(resp, schedulerpb.Call_SUBSCRIBE.String())
			resp.Body.Close()
			if notMesosStatus(resp.StatusCode) {
				return nil, u, fmt.Errorf("scheduler: %s does not serve the scheduler API: %w: %w", u.Host, ErrNotMesos, apiErr)
			}
			return nil, u, fmt.Errorf("scheduler: master %s: %w", u.Host, apiErr)
		}
	}
}

// subscribeCall encodes the SUBSCRIBE call: the framework ID goes both at
// the top level and in framework_info.id, as the master requires, and the
// suppressed roles are the Client's current set (see demand.go), since the
// master resets suppression to what SUBSCRIBE carries.
func (r *runner) subscribeCall() ([]byte, error) {
	fw, id := r.c.subscribeInfo()
	call := &schedulerpb.Call{
		Type: schedulerpb.Call_SUBSCRIBE.Enum(),
		Subscribe: &schedulerpb.Call_Subscribe{
			FrameworkInfo:   fw,
			SuppressedRoles: r.c.subscribeSuppressed(),
		},
	}
	if id != "" {
		call.FrameworkId = fw.GetId()
	}
	b, err := r.c.codec.Marshal(call)
	if err != nil {
		return nil, fmt.Errorf("scheduler: encode SUBSCRIBE: %w", err)
	}
	return b, nil
}

// permanentSubscribeStatus reports whether a SUBSCRIBE answered with status
// would get the same answer again, so that Run returns instead of retrying:
// 400 (the call or its headers are invalid), 401/403 (authentication or
// authorization), 405, 406 and 415 (the master does not take this request
// or encoding). Everything else (404 of a starting master, 5xx, a
// redirect that could not be followed, ...) is retried.
func permanentSubscribeStatus(status int) bool {
	switch status {
	case http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden, http.StatusMethodNotAllowed,
		http.StatusNotAcceptable, http.StatusUnsupportedMediaType:
		return true
	}
	return false
}

// checkStreamResponse validates a 200 answer to SUBSCRIBE and returns the
// event codec and the stream ID.
func checkStreamResponse(resp *http.Response) (httpapi.Codec, string, error) {
	ct := resp.Header.Get("Content-Type")
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		mt = ct
	}
	codec, err := httpapi.CodecFor(mt)
	if err != nil {
		return nil, "", fmt.Errorf("scheduler: SUBSCRIBE answered with Content-Type %q: %w", truncate(ct, 64), err)
	}
	id := resp.Header.Get("Mesos-Stream-Id")
	if !validStreamID(id) {
		return nil, "", fmt.Errorf("scheduler: SUBSCRIBE answered with invalid Mesos-Stream-Id %q", truncate(id, 64))
	}
	return codec, id, nil
}

// streamReader decodes events into a small bounded queue. When the queue is
// full it drops HEARTBEAT events (they carry nothing but liveness, which the
// watchdog has already seen) and blocks on any other event; the watchdog
// does not count that time (see watchdog).
type streamReader struct {
	ctx    context.Context
	r      *recordio.Reader
	codec  httpapi.Codec
	slim   bool // decode OFFERS into []Offer (the handler is an OffersHandler)
	out    chan<- streamEvent
	wd     *httpapi.Watchdog
	missed int
	log    *zap.Logger
	m      *metrics

	err error // why reading stopped; read after out is closed
}

func (rd *streamReader) run() {
	defer close(rd.out)
	for {
		frame, err := rd.r.ReadFrame()
		if err != nil {
			if rd.ctx.Err() != nil {
				err = context.Cause(rd.ctx)
			} else if !errors.Is(err, io.EOF) {
				err = fmt.Errorf("scheduler: read event stream: %w", err)
			}
			rd.err = err
			return
		}
		se, err := rd.decode(frame)
		if err != nil {
			rd.err = fmt.Errorf("%w: %w", errDecodeEvent, err)
			rd.m.decodeErrs.Add(rd.m.ctx, 1)
			return
		}
		ev := se.ev
		rd.m.eventWith(ev, se.offers.len())
		if ev.GetType() == schedulerpb.Event_SUBSCRIBED {
			rd.wd.SetTimeout(httpapi.HeartbeatTimeout(ev.GetSubscribed().GetHeartbeatIntervalSeconds(), rd.missed))
		}
		select {
		case rd.out <- se:
			continue
		default:
		}
		if ev.GetType() == schedulerpb.Event_HEARTBEAT {
			rd.log.Debug("handler is behind; heartbeat coalesced")
			continue
		}
		select {
		case rd.out <- se:
		case <-rd.ctx.Done():
			rd.err = context.Cause(rd.ctx)
			return
		}
	}
}

// decode decodes one frame. For a handler that takes compact offers, a
// protobuf OFFERS event is decoded straight into []Offer, without the
// protobuf-go offer messages (decodeOffersEvent looks no further than the
// top level of any other event, which the codec then decodes), and the
// offers of a JSON one are converted and dropped from the event.
func (rd *streamReader) decode(frame []byte) (streamEvent, error) {
	if rd.slim && rd.codec.MediaType() == httpapi.MediaTypeProtobuf {
		offers, ok, err := decodeOffersEvent(frame)
		if err != nil {
			return streamEvent{}, err
		}
		if ok {
			return streamEvent{
				ev:     &schedulerpb.Event{Type: schedulerpb.Event_OFFERS.Enum()},
				offers: offerBatch{compact: true, offers: offers},
			}, nil
		}
	}
	ev := new(schedulerpb.Event)
	if err := rd.codec.Unmarshal(frame, ev); err != nil {
		return streamEvent{}, err
	}
	if rd.slim && ev.GetType() == schedulerpb.Event_OFFERS {
		offers := OffersFromProto(ev.GetOffers().GetOffers()...)
		ev.Offers = nil
		return streamEvent{ev: ev, offers: offerBatch{compact: true, offers: offers}}, nil
	}
	return protoEvent(ev), nil
}

// drainClose reads a little of an answer we do not need, so that its
// keep-alive connection can be reused, and closes it.
func drainClose(body io.ReadCloser) {
	_, _ = io.Copy(io.Discard, io.LimitReader(body, 64<<10))
	_ = body.Close()
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// setHeaders sets the headers of every request: exact Content-Type, Accept
// of the same type, and the stream ID on everything but SUBSCRIBE.
func (c *Client) setHeaders(h http.Header, streamID string) {
	mt := c.codec.MediaType()
	h.Set("Content-Type", mt)
	h.Set("Accept", mt)
	h.Set("User-Agent", userAgent)
	if streamID != "" {
		h.Set("Mesos-Stream-Id", streamID)
	}
}

const userAgent = "mesoskit-scheduler"
