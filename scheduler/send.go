// SPDX-License-Identifier: Apache-2.0

package scheduler

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"go.uber.org/zap"
	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/internal/httpapi"
	"github.com/mesoskit/mesoskit/internal/retry"
	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/schedulerpb"
)

// callAttempts bounds how often an idempotent call is sent when the master
// answers 503 (or a gateway 502/504) or the transport fails.
const callAttempts = 4

// errSubscriptionEnded is the error of a call whose subscription ended while
// it was in flight.
var errSubscriptionEnded = fmt.Errorf("%w: subscription ended during the call", ErrNotSubscribed)

// idempotent lists the calls that may be sent again when the first attempt
// got no answer or a 503: repeating them has the same effect as sending them
// once. ACCEPT (and the other calls) are never replayed.
func idempotent(t schedulerpb.Call_Type) bool {
	switch t {
	case schedulerpb.Call_ACKNOWLEDGE, schedulerpb.Call_ACKNOWLEDGE_OPERATION_STATUS,
		schedulerpb.Call_RECONCILE, schedulerpb.Call_RECONCILE_OPERATIONS,
		schedulerpb.Call_DECLINE, schedulerpb.Call_DECLINE_INVERSE_OFFERS,
		schedulerpb.Call_SUPPRESS, schedulerpb.Call_REVIVE,
		schedulerpb.Call_UPDATE_FRAMEWORK, schedulerpb.Call_KILL:
		return true
	}
	return false
}

// call sends call on the live subscription, filling framework_id.
func (c *Client) call(ctx context.Context, call *schedulerpb.Call) error {
	s, err := c.acquire()
	if err != nil {
		c.m.call(call.GetType(), err, -1)
		return callErr(call.GetType(), err)
	}
	defer s.calls.Done()
	if sent, err := c.pipelinedCall(ctx, s, call, false); sent { // acknowledgements (ackcalls.go)
		return err
	}
	return c.send(ctx, s, call)
}

// acquire returns the live session, counted as having one more call in
// flight, or ErrNotSubscribed.
func (c *Client) acquire() (*session, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.live == nil {
		return nil, ErrNotSubscribed
	}
	c.live.calls.Add(1)
	return c.live, nil
}

// send POSTs call on session s. The call is aborted when ctx ends, when the
// call timeout passes, or when s ends. Idempotent calls are retried on 503
// and transport errors with a short backoff.
func (c *Client) send(ctx context.Context, s *session, call *schedulerpb.Call) error {
	typ := call.GetType()
	call.FrameworkId = &mesosproto.FrameworkID{Value: proto.String(s.frameworkID)}
	c.prepareCall(call)
	body, err := c.codec.Marshal(call)
	if err != nil {
		return callErr(typ, fmt.Errorf("encode: %w", err))
	}

	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	if typ != schedulerpb.Call_TEARDOWN {
		// TEARDOWN makes the master close the stream, possibly before its
		// 202 is read: it must not be aborted by that. The end of the
		// subscription waits for it instead (see endSession).
		stop := context.AfterFunc(s.ctx, func() { cancel(errSubscriptionEnded) })
		defer stop()
	}
	if c.cfg.callTimeout > 0 {
		var cancelT context.CancelFunc
		ctx, cancelT = context.WithTimeout(ctx, c.cfg.callTimeout)
		defer cancelT()
	}

	switch typ {
	case schedulerpb.Call_RECONCILE:
		c.fresh.reconcileSent(call.GetReconcile().GetTasks())
	case schedulerpb.Call_ACCEPT:
		ids := launchIDs(call.GetAccept().GetOperations())
		c.fresh.launching(ids)
		err := c.postAttempts(ctx, s, typ, body)
		c.fresh.launched(ids, mayHaveReached(err))
		return err
	}
	return c.postAttempts(ctx, s, typ, body)
}

// postAttempts POSTs an encoded call on session s within ctx, again after a
// 503 or a transport error if the call is idempotent, with a short backoff.
func (c *Client) postAttempts(ctx context.Context, s *session, typ schedulerpb.Call_Type, body []byte) error {
	start := time.Now()
	err := c.postRetried(ctx, s, typ, body)
	c.m.call(typ, err, time.Since(start))
	return err
}

func (c *Client) postRetried(ctx context.Context, s *session, typ schedulerpb.Call_Type, body []byte) error {
	again := idempotent(typ)
	var bo *retry.Backoff
	for attempt := 1; ; attempt++ {
		err := c.post(ctx, s, typ, body)
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return callErr(typ, ctxCause(ctx, err))
		}
		if !again || attempt >= callAttempts || !retryable(err) {
			return callErr(typ, err)
		}
		if bo == nil {
			bo = retry.New(c.cfg.backoffInitial, c.cfg.backoffMax)
		}
		d := bo.Next()
		c.log.Debug("retrying call", zap.Stringer("call", typ), zap.Error(err), zap.Duration("delay", d))
		if !retry.Sleep(ctx, d, nil) {
			return callErr(typ, ctxCause(ctx, err))
		}
	}
}

// ctxCause is the error of a call whose ctx ended after err: the end of the
// subscription or the call timeout of an automatic acknowledgement when
// that is why, err otherwise.
func ctxCause(ctx context.Context, err error) error {
	if cause := context.Cause(ctx); errors.Is(cause, ErrNotSubscribed) || errors.Is(cause, errCallTimedOut) {
		return cause
	}
	return err
}

// callTarget is what every call on one session shares: the parsed endpoint
// and the request headers (Content-Type, Accept, User-Agent,
// Mesos-Stream-Id), built once per subscription.
type callTarget struct {
	s      *session
	url    *url.URL
	header http.Header
}

func (c *Client) newCallTarget(s *session) *callTarget {
	t := &callTarget{s: s, header: http.Header{}}
	c.setHeaders(t.header, s.streamID)
	if u, err := url.Parse(s.endpoint); err == nil {
		t.url = u
	}
	return t
}

// targetFor returns the call target of session s.
func (c *Client) targetFor(s *session) *callTarget {
	if t := c.target.Load(); t != nil && t.s == s {
		return t
	}
	return c.newCallTarget(s) // a call on a session already replaced
}

// post sends one attempt of a call. A 2xx answer is success; anything else
// is an *APIError.
func (c *Client) post(ctx context.Context, s *session, typ schedulerpb.Call_Type, body []byte) error {
	t := c.targetFor(s)
	var req *http.Request
	if t.url != nil {
		h := t.header
		if !c.sharedHeaders {
			// A client of the application's (WithHTTPClient) may add cookies
			// from a jar, or have a RoundTripper that writes the headers.
			h = h.Clone()
		}
		// Not NewRequestWithContext: the URL is parsed once per session, and
		// with the Client's own transports the headers are shared by every
		// call (net/http only reads them; httpsec's authTransport copies the request).
		req = (&http.Request{
			Method:        http.MethodPost,
			URL:           t.url,
			Proto:         "HTTP/1.1",
			ProtoMajor:    1,
			ProtoMinor:    1,
			Header:        h,
			Body:          io.NopCloser(bytes.NewReader(body)),
			GetBody:       func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil },
			ContentLength: int64(len(body)),
			Host:          t.url.Host,
		}).WithContext(ctx)
	} else {
		r, err := http.NewRequestWithContext(ctx, http.MethodPost, s.endpoint, bytes.NewReader(body))
		if err != nil {
			return err
		}
		c.setHeaders(r.Header, s.streamID)
		req = r
	}
	resp, err := c.callHTTP.Do(req)
	if err != nil {
		return err
	}
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		if resp.ContentLength == 0 {
			_ = resp.Body.Close() // nothing to drain: the connection is reusable
		} else {
			drainClose(resp.Body)
		}
		return nil
	}
	apiErr := httpapi.NewAPIError(resp, typ.String())
	drainClose(resp.Body)
	return apiErr
}

// retryable reports whether an idempotent call may be sent again after err:
// a transport error, or a master (or proxy) that is temporarily unable.
func retryable(err error) bool {
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		switch apiErr.StatusCode {
		case http.StatusServiceUnavailable, http.StatusBadGateway, http.StatusGatewayTimeout:
			return true
		}
		return false
	}
	return true
}

// callError is the error of a call: "scheduler: KILL: <cause>". An *APIError
// already names its call: "scheduler: mesos: KILL call: 400 Bad Request: ...".
type callError struct {
	typ schedulerpb.Call_Type
	err error
}

func callErr(typ schedulerpb.Call_Type, err error) error { return &callError{typ: typ, err: err} }

func (e *callError) Error() string {
	var apiErr *APIError
	if errors.As(e.err, &apiErr) {
		return "scheduler: " + e.err.Error()
	}
	return "scheduler: " + e.typ.String() + ": " + strings.TrimPrefix(e.err.Error(), "scheduler: ")
}

func (e *callError) Unwrap() error { return e.err }
