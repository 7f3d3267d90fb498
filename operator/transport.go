// SPDX-License-Identifier: Apache-2.0

package operator

import (
	"io"
	"net"
	"net/http"
	"time"

	"go.uber.org/zap"

	"github.com/mesoskit/mesoskit/internal/httpapi"
)

// userAgent is the User-Agent of every request.
const userAgent = "mesoskit-operator"

// conn is what a Master and an Agent share: the configuration, the codec
// and the HTTP clients. Calls use a keep-alive pool; each event stream uses
// a connection of its own, as Mesos's streaming responses hold theirs open.
type conn struct {
	cfg   config
	log   *zap.Logger
	codec httpapi.Codec

	callHTTP   *http.Client
	streamHTTP *http.Client
	owned      []*http.Transport
	m          *metrics // metrics.go
}

// newConn builds the HTTP clients of a validated configuration. It does no
// I/O and starts no goroutine.
func newConn(cfg config, log *zap.Logger) *conn {
	codec, _ := httpapi.CodecFor(cfg.contentType) // validated
	c := &conn{cfg: cfg, log: log, codec: codec, m: newMetrics(cfg.meterProvider)}
	if hc := cfg.httpClient; hc != nil {
		call := *hc
		call.CheckRedirect = noRedirect
		stream := call
		stream.Timeout = 0 // the stream never ends; its liveness is the watchdog's job
		c.callHTTP, c.streamHTTP = &call, &stream
	} else {
		ct, st := newTransport(true), newTransport(false)
		if tc := cfg.tls.Client(); tc != nil {
			ct.TLSClientConfig, st.TLSClientConfig = tc.Clone(), tc.Clone()
		}
		c.owned = []*http.Transport{ct, st}
		c.callHTTP = &http.Client{Transport: ct, CheckRedirect: noRedirect}
		c.streamHTTP = &http.Client{Transport: st, CheckRedirect: noRedirect}
	}
	cfg.creds.Authorize(c.callHTTP) // a nil creds does nothing
	cfg.creds.Authorize(c.streamHTTP)
	return c
}

// noRedirect leaves 3xx answers to the client, which follows them itself
// (hop cap, loop detection, leader bookkeeping, credentials kept).
func noRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

func newTransport(keepAlive bool) *http.Transport {
	return &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:          16,
		MaxIdleConnsPerHost:   8,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
		DisableKeepAlives:     !keepAlive,
	}
}

// closeIdle closes the idle connections of the transports the client owns.
func (c *conn) closeIdle() {
	for _, t := range c.owned {
		t.CloseIdleConnections()
	}
}

// setHeaders sets the headers of an API request: the exact Content-Type and
// an Accept of the same type only.
func (c *conn) setHeaders(h http.Header) {
	mt := c.codec.MediaType()
	h.Set(httpapi.HeaderContentType, mt)
	h.Set(httpapi.HeaderAccept, mt)
	h.Set("User-Agent", userAgent)
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
