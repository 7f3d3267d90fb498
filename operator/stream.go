// SPDX-License-Identifier: Apache-2.0

package operator

import (
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
	"github.com/mesoskit/mesoskit/mesosproto/masterpb"
)

// eventQueueLen bounds how many decoded events the reader holds ahead of the
// handler; beyond it the reader stops reading.
const eventQueueLen = 4

// errSubscribeTimeout ends a SUBSCRIBE whose response headers did not
// arrive within the call timeout, or whose first event did not.
var errSubscribeTimeout = errors.New("operator: SUBSCRIBE timed out waiting for the master")

// outcome says how one subscription attempt ended.
type outcome struct {
	err        error
	fatal      bool // Subscribe returns err
	subscribed bool // the stream delivered SUBSCRIBED
}

// fixedTarget is a target with one address: the master a subscription
// attempt starts from.
type fixedTarget struct{ u *url.URL }

func (f fixedTarget) base(context.Context) (*url.URL, any, error) { u := *f.u; return &u, nil, nil }
func (fixedTarget) redirected(any, *url.URL)                      {}
func (fixedTarget) failed(any)                                    {}

// stream runs one subscription against master: SUBSCRIBE (following
// redirects), then events until the stream ends for any reason. It returns
// only after every goroutine it started has ended.
func (s *subscription) stream(master *url.URL, changed <-chan struct{}) (out outcome) {
	m := s.m
	var wg sync.WaitGroup
	defer wg.Wait()
	sctx, cancel := context.WithCancelCause(s.ctx)
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

	resp, err := s.open(sctx, cancel, master)
	if err != nil {
		var apiErr *APIError
		if errors.As(err, &apiErr) && permanentSubscribeStatus(apiErr.StatusCode) {
			return outcome{err: fmt.Errorf("operator: SUBSCRIBE refused: %w", err), fatal: true}
		}
		return outcome{err: err}
	}
	defer resp.Body.Close()
	codec, err := m.checkStream(resp)
	if err != nil {
		return outcome{err: err}
	}
	log := m.log.With(zap.String("master", resp.Request.URL.Host))
	log.Debug("event stream open")

	first := m.cfg.callTimeout
	if first <= 0 {
		first = httpapi.HeartbeatTimeout(0, m.cfg.missedHeartbeats)
	}
	wd := httpapi.NewWatchdog(first, func() { cancel(ErrMissedHeartbeats) })
	defer wd.Stop()
	events := make(chan *masterpb.Event, eventQueueLen)
	rd := &eventReader{
		ctx: sctx, codec: codec, out: events, wd: wd, missed: m.cfg.missedHeartbeats, log: log,
		r: recordio.NewReader(wd.Reader(resp.Body), m.cfg.maxFrameSize),
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		rd.run()
	}()
	stopReader := func() {
		cancel(out.err)
		resp.Body.Close()
		for range events {
		}
	}
	defer stopReader()

	out.err, out.fatal = s.dispatch(sctx, events, rd, &out.subscribed)
	stopReader()
	if out.subscribed && !out.fatal && s.dh != nil && s.ctx.Err() == nil {
		s.dh.HandleDisconnected(s.ctx, out.err)
	}
	return out
}

// dispatch hands events to the handler until the stream ends. It returns
// why, and whether that is fatal (a handler error).
func (s *subscription) dispatch(sctx context.Context, events <-chan *masterpb.Event, rd *eventReader, subscribed *bool) (error, bool) {
	for {
		var (
			ev *masterpb.Event
			ok bool
		)
		select {
		case ev, ok = <-events:
		case <-sctx.Done():
		}
		if sctx.Err() != nil {
			return context.Cause(sctx), false
		}
		if !ok {
			return rd.err, false
		}
		if !*subscribed && ev.GetType() != masterpb.Event_SUBSCRIBED {
			return fmt.Errorf("%w: first event is %s, not SUBSCRIBED", ErrUnexpectedResponse, ev.GetType()), false
		}
		hctx := sctx
		if ev.GetType() == masterpb.Event_SUBSCRIBED {
			*subscribed = true
			s.bo.Reset()
			if s.subscribed > 0 {
				hctx = context.WithValue(sctx, resyncKey{}, true)
			}
			s.subscribed++
			s.m.log.Info("subscribed to the operator event stream",
				zap.Float64("heartbeat_interval_seconds", ev.GetSubscribed().GetHeartbeatIntervalSeconds()))
		}
		if err := s.h.HandleEvent(hctx, ev); err != nil {
			if sctx.Err() != nil && s.ctx.Err() == nil {
				// The handler failed because the stream ended under it.
				return context.Cause(sctx), false
			}
			return fmt.Errorf("operator: handler: %s: %w", ev.GetType(), err), true
		}
	}
}

// open POSTs SUBSCRIBE to master, following redirects, and returns the 200
// response. The response headers must arrive within the call timeout.
func (s *subscription) open(ctx context.Context, cancel context.CancelCauseFunc, master *url.URL) (*http.Response, error) {
	m := s.m
	body, err := m.codec.Marshal(mcall(masterpb.Call_SUBSCRIBE))
	if err != nil {
		return nil, fmt.Errorf("operator: encode SUBSCRIBE: %w", err)
	}
	var timer *time.Timer
	if m.cfg.callTimeout > 0 {
		timer = time.AfterFunc(m.cfg.callTimeout, func() { cancel(errSubscribeTimeout) })
	}
	r := &request{name: masterpb.Call_SUBSCRIBE.String(), method: http.MethodPost, path: apiPath, body: body}
	resp, err := m.roundTrip(ctx, m.streamHTTP, fixedTarget{master}, r)
	if timer != nil && !timer.Stop() {
		if err == nil {
			resp.Body.Close()
		}
		return nil, errSubscribeTimeout
	}
	if err != nil {
		if ctx.Err() != nil {
			return nil, context.Cause(ctx)
		}
		return nil, fmt.Errorf("operator: SUBSCRIBE to %s: %w", master.Host, err)
	}
	return resp, nil
}

// checkStream validates the 200 answer to SUBSCRIBE: its Content-Type is the
// media type asked for (Mesos sets the negotiated type, not
// application/recordio, on this stream:
// src/master/readonly_handler.cpp, Master::ReadOnlyHandler::subscribe).
func (m *Master) checkStream(resp *http.Response) (httpapi.Codec, error) {
	ct := resp.Header.Get(httpapi.HeaderContentType)
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		mt = ct
	}
	if mt != m.codec.MediaType() {
		return nil, fmt.Errorf("%w: SUBSCRIBE answered with Content-Type %q, asked for %q",
			ErrUnexpectedResponse, truncate(ct, 64), m.codec.MediaType())
	}
	return m.codec, nil
}

// eventReader decodes events into a small bounded queue. When the queue is
// full it drops HEARTBEAT events (the watchdog has already seen them) and
// blocks on any other event.
type eventReader struct {
	ctx    context.Context
	r      *recordio.Reader
	codec  httpapi.Codec
	out    chan<- *masterpb.Event
	wd     *httpapi.Watchdog
	missed int
	log    *zap.Logger

	err error // why reading stopped; read after out is closed
}

func (rd *eventReader) run() {
	defer close(rd.out)
	for {
		frame, err := rd.r.ReadFrame()
		if err != nil {
			switch {
			case rd.ctx.Err() != nil:
				err = context.Cause(rd.ctx)
			case errors.Is(err, io.EOF):
				err = fmt.Errorf("operator: the master closed the event stream: %w", io.EOF)
			default:
				err = fmt.Errorf("operator: read event stream: %w", err)
			}
			rd.err = err
			return
		}
		ev := new(masterpb.Event)
		if err := rd.codec.Unmarshal(frame, ev); err != nil {
			rd.err = fmt.Errorf("%w: decode event of %d bytes: %v", ErrUnexpectedResponse, len(frame), err)
			return
		}
		if ev.GetType() == masterpb.Event_SUBSCRIBED {
			rd.wd.SetTimeout(httpapi.HeartbeatTimeout(ev.GetSubscribed().GetHeartbeatIntervalSeconds(), rd.missed))
		}
		select {
		case rd.out <- ev:
			continue
		default:
		}
		if ev.GetType() == masterpb.Event_HEARTBEAT {
			rd.log.Debug("handler is behind; heartbeat coalesced")
			continue
		}
		select {
		case rd.out <- ev:
		case <-rd.ctx.Done():
			rd.err = context.Cause(rd.ctx)
			return
		}
	}
}
