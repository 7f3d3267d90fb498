// SPDX-License-Identifier: Apache-2.0

package operator

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"time"

	"go.uber.org/zap"
	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/internal/httpapi"
	"github.com/mesoskit/mesoskit/internal/retry"
)

// callAttempts bounds how often a read-only call is sent when the master
// answers 503 (or a gateway 502/504), knows no leader, or the transport
// fails.
const callAttempts = 4

// target says where requests go and learns from how they went: a Master
// follows the leader through its detector, an Agent has one address.
type target interface {
	// base returns the scheme and host to ask first (a URL without path)
	// and a token to pass back to redirected and failed.
	base(ctx context.Context) (*url.URL, any, error)
	// redirected records that the request sent after base(token) was
	// answered by final after following redirects.
	redirected(token any, final *url.URL)
	// failed records that base(token) could not be reached.
	failed(token any)
}

// request is one HTTP request to a master or an agent.
type request struct {
	name   string     // in errors: the call type ("GET_STATE") or the path ("/files/read")
	method string     // POST (operator API) or GET (files API)
	path   string     // "/api/v1", "/files/read"
	query  url.Values // files API parameters
	body   []byte     // an encoded Call
	retry  bool       // read-only: may be sent again after 503 or a transport error
}

// roundTrip sends r to t with hc, following redirects, and returns the
// first answer that is not a redirect. Any status other than 2xx is an
// *APIError.
func (c *conn) roundTrip(ctx context.Context, hc *http.Client, t target, r *request) (*http.Response, error) {
	base, token, err := t.base(ctx)
	if err != nil {
		return nil, err
	}
	u := *base
	u.Path, u.RawQuery = r.path, r.query.Encode()
	cur := &u
	visited := map[string]bool{}
	for hop := 0; ; hop++ {
		visited[cur.Host] = true
		req, err := http.NewRequestWithContext(ctx, r.method, cur.String(), bytes.NewReader(r.body))
		if err != nil {
			return nil, err
		}
		if r.method == http.MethodPost {
			c.setHeaders(req.Header)
		} else {
			req.Header.Set("User-Agent", userAgent)
		}
		resp, err := hc.Do(req)
		if err != nil {
			if ctx.Err() == nil {
				t.failed(token)
			}
			return nil, err
		}
		switch resp.StatusCode {
		case http.StatusTemporaryRedirect, http.StatusPermanentRedirect, http.StatusFound,
			http.StatusMovedPermanently, http.StatusSeeOther:
			loc := resp.Header.Get(httpapi.HeaderLocation)
			drainClose(resp.Body)
			next, err := resolveLocation(cur, loc)
			if err != nil {
				return nil, err
			}
			if hop >= c.cfg.maxRedirects {
				return nil, fmt.Errorf("%w: more than %d redirects, last to %s", ErrTooManyRedirects, c.cfg.maxRedirects, next.Host)
			}
			if visited[next.Host] {
				return nil, fmt.Errorf("%w: redirect loop back to %s", ErrTooManyRedirects, next.Host)
			}
			c.log.Debug("following redirect", zap.String("from", cur.Host), zap.String("to", next.Host))
			cur = next
			continue
		}
		if hop > 0 {
			t.redirected(token, &url.URL{Scheme: cur.Scheme, Host: cur.Host})
		}
		if resp.StatusCode < 200 || resp.StatusCode > 299 {
			apiErr := httpapi.NewAPIError(resp, r.name)
			drainClose(resp.Body)
			return nil, apiErr
		}
		return resp, nil
	}
}

// fetch sends r (again after a retryable failure if r.retry) and returns
// the body of its 2xx answer, at most WithMaxResponseSize bytes, with its
// Content-Type.
func (c *conn) fetch(ctx context.Context, t target, r *request) ([]byte, string, error) {
	start := time.Now()
	body, ct, err := c.fetchRetried(ctx, t, r)
	c.m.call(r.name, err, time.Since(start))
	return body, ct, err
}

func (c *conn) fetchRetried(ctx context.Context, t target, r *request) ([]byte, string, error) {
	if c.cfg.callTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.cfg.callTimeout)
		defer cancel()
	}
	var bo *retry.Backoff
	for attempt := 1; ; attempt++ {
		body, ct, err := c.fetchOnce(ctx, t, r)
		if err == nil {
			return body, ct, nil
		}
		if ctx.Err() != nil || !r.retry || attempt >= callAttempts || !retryable(err) {
			return nil, "", callErr(r.name, err)
		}
		if bo == nil {
			bo = retry.New(c.cfg.backoffInitial, c.cfg.backoffMax)
		}
		d := bo.Next()
		c.log.Debug("retrying call", zap.String("call", r.name), zap.Error(err), zap.Duration("delay", d))
		if !retry.Sleep(ctx, d, nil) {
			return nil, "", callErr(r.name, err)
		}
	}
}

func (c *conn) fetchOnce(ctx context.Context, t target, r *request) ([]byte, string, error) {
	resp, err := c.roundTrip(ctx, c.callHTTP, t, r)
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, c.cfg.maxResponseSize+1))
	if err != nil {
		return nil, "", fmt.Errorf("read response: %w", err)
	}
	if int64(len(body)) > c.cfg.maxResponseSize {
		return nil, "", fmt.Errorf("%w: more than %d bytes", ErrTooLarge, c.cfg.maxResponseSize)
	}
	return body, resp.Header.Get(httpapi.HeaderContentType), nil
}

// retryable reports whether a read-only call may be sent again after err: a
// transport error, no known leader, or a master (or proxy) temporarily
// unable ("Master has not finished recovery", "No leader elected").
func retryable(err error) bool {
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		switch apiErr.StatusCode {
		case http.StatusServiceUnavailable, http.StatusBadGateway, http.StatusGatewayTimeout:
			return true
		}
		return false
	}
	var p *permanentError
	if errors.Is(err, ErrTooManyRedirects) || errors.Is(err, ErrTooLarge) || errors.Is(err, ErrClosed) || errors.As(err, &p) {
		return false
	}
	return true
}

// permanentError marks an error that retrying cannot fix: a detector error
// (ZooKeeper denied access, ...), a master without a usable address.
type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

// call sends an operator API Call and, when resp is not nil, decodes the
// answer into it (an answer without a body is then an error). name is the
// call type, for errors.
func (c *conn) call(ctx context.Context, t target, name string, call, resp proto.Message, readOnly bool) error {
	has, err := c.callResponse(ctx, t, name, call, resp, readOnly)
	if err == nil && resp != nil && !has {
		return callErr(name, fmt.Errorf("%w: empty body", ErrUnexpectedResponse))
	}
	return err
}

// decodeResponse checks that a 2xx answer is of the media type asked for
// and decodes it.
func (c *conn) decodeResponse(data []byte, contentType string, resp proto.Message) error {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		mt = contentType
	}
	if mt != c.codec.MediaType() {
		return fmt.Errorf("%w: Content-Type %q, asked for %q", ErrUnexpectedResponse, truncate(contentType, 64), c.codec.MediaType())
	}
	if err := c.codec.Unmarshal(data, resp); err != nil {
		return fmt.Errorf("%w: decode %d bytes: %v", ErrUnexpectedResponse, len(data), err)
	}
	return nil
}

// callResponse sends an operator API Call, decodes the answer into resp
// (unless resp is nil) and reports whether the answer had a body.
func (c *conn) callResponse(ctx context.Context, t target, name string, call, resp proto.Message, readOnly bool) (bool, error) {
	body, err := c.codec.Marshal(call)
	if err != nil {
		return false, callErr(name, fmt.Errorf("encode: %w", err))
	}
	r := &request{name: name, method: http.MethodPost, path: apiPath, body: body, retry: readOnly}
	data, ct, err := c.fetch(ctx, t, r)
	if err != nil || len(data) == 0 || resp == nil {
		return false, err
	}
	if err := c.decodeResponse(data, ct, resp); err != nil {
		return false, callErr(name, err)
	}
	return true, nil
}
