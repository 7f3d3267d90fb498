// SPDX-License-Identifier: Apache-2.0

package executor

import (
	"bytes"
	"context"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/mesoskit/mesoskit/internal/httpapi"
	"github.com/mesoskit/mesoskit/mesosproto/executorpb"
)

// newHTTPClient builds the client used without WithHTTPClient: HTTP/1.1
// (as libprocess speaks), no proxy, TLS with the system's roots when
// cfg.TLS, and the Unix socket of cfg.DomainSocket when set. Two idle
// connections are kept: Mesos's library uses one connection for the event
// stream and one for every other call.
func newHTTPClient(cfg Config) *http.Client {
	dialer := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
	tr := &http.Transport{
		Proxy:               nil,
		DialContext:         dialer.DialContext,
		MaxIdleConnsPerHost: 2,
		IdleConnTimeout:     90 * time.Second,
		TLSHandshakeTimeout: 10 * time.Second,
		TLSClientConfig:     &tls.Config{MinVersion: tls.VersionTLS12},
		TLSNextProto:        map[string]func(string, *tls.Conn) http.RoundTripper{}, // no HTTP/2
	}
	if cfg.DomainSocket != "" {
		path := cfg.DomainSocket
		tr.DialContext = func(ctx context.Context, _, _ string) (net.Conn, error) {
			return dialer.DialContext(ctx, "unix", path)
		}
	}
	return &http.Client{Transport: tr}
}

// newRequest builds a POST of call with the executor's headers.
func (x *Executor) newRequest(ctx context.Context, call *executorpb.Call) (*http.Request, error) {
	body, err := x.codec.Marshal(call)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, x.cfg.AgentURL, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set(httpapi.HeaderContentType, x.codec.MediaType())
	req.Header.Set(httpapi.HeaderAccept, x.codec.MediaType())
	if x.cfg.AuthenticationToken != "" {
		req.Header.Set(httpapi.HeaderAuthorization, "Bearer "+string(x.cfg.AuthenticationToken))
	}
	return req, nil
}

// post sends a non-SUBSCRIBE call and expects 202 Accepted. Other answers
// give an *APIError; transport failures are returned as they are.
func (x *Executor) post(ctx context.Context, call *executorpb.Call) error {
	ctx, cancel := context.WithTimeout(ctx, x.opts.callTimeout)
	defer cancel()
	req, err := x.newRequest(ctx, call)
	if err != nil {
		return err
	}
	resp, err := x.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusAccepted {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10)) // keep the connection reusable
		return nil
	}
	return httpapi.NewAPIError(resp, call.GetType().String())
}

// transportError marks a failure to reach the agent or a broken stream, as
// opposed to an HTTP answer.
type transportError struct{ err error }

func (e *transportError) Error() string { return "executor: connection to agent: " + e.err.Error() }
func (e *transportError) Unwrap() error { return e.err }
