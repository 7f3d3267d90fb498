// SPDX-License-Identifier: Apache-2.0

package operator

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"go.opentelemetry.io/otel/metric"
	"go.uber.org/zap"

	"github.com/mesoskit/mesoskit/detector"
	"github.com/mesoskit/mesoskit/internal/httpapi"
	"github.com/mesoskit/mesoskit/internal/httpsec"
)

// Defaults used when no option overrides them.
const (
	// DefaultMissedHeartbeats is how many heartbeat intervals of silence
	// drop an event stream.
	DefaultMissedHeartbeats = 5
	// DefaultMaxRedirects caps the 307 hops of one request.
	DefaultMaxRedirects = 5
	// DefaultCallTimeout bounds each call (and the wait for the response
	// headers of a SUBSCRIBE) unless the caller's ctx ends sooner.
	DefaultCallTimeout = 30 * time.Second
	// DefaultBackoffInitial and DefaultBackoffMax shape the resubscription
	// backoff and the retries of read-only calls: jittered, exponential,
	// capped, never giving up.
	DefaultBackoffInitial = 500 * time.Millisecond
	DefaultBackoffMax     = 15 * time.Second
	// DefaultMaxFrameSize is the largest event accepted on the event stream;
	// the SUBSCRIBED event carries the whole cluster state.
	DefaultMaxFrameSize = 1 << 30
	// DefaultMaxResponseSize is the largest response body accepted for a
	// call; GET_STATE of a big cluster is hundreds of megabytes.
	DefaultMaxResponseSize = 1 << 30
)

// Option configures a Master or an Agent. Options are applied in order by
// NewMaster and NewAgent, which validate the result and report every
// problem at once.
type Option func(*config)

type config struct {
	detector         detector.Detector
	contentType      string
	logger           *zap.Logger
	httpClient       *http.Client
	backoffInitial   time.Duration
	backoffMax       time.Duration
	missedHeartbeats int
	maxFrameSize     int
	maxResponseSize  int64
	maxRedirects     int
	callTimeout      time.Duration

	creds *httpsec.Credentials // WithCredentials (security.go)
	tls   httpsec.TLS          // WithTLS, WithTLSFiles, WithScheme (security.go)

	problems []error // recorded by options that get a nil value

	meterProvider metric.MeterProvider // WithMeterProvider (metrics.go)
}

func defaultConfig() config {
	return config{
		contentType:      httpapi.MediaTypeProtobuf,
		logger:           zap.NewNop(),
		backoffInitial:   DefaultBackoffInitial,
		backoffMax:       DefaultBackoffMax,
		missedHeartbeats: DefaultMissedHeartbeats,
		maxFrameSize:     DefaultMaxFrameSize,
		maxResponseSize:  DefaultMaxResponseSize,
		maxRedirects:     DefaultMaxRedirects,
		callTimeout:      DefaultCallTimeout,
	}
}

// WithDetector makes a Master follow the leading master that d reports,
// instead of a detector it makes from its master spec (which must then be
// ""). The caller owns d: the Master never closes it. NewAgent rejects it.
func WithDetector(d detector.Detector) Option {
	return func(c *config) {
		if d == nil {
			c.problems = append(c.problems, errors.New("WithDetector: nil detector"))
			return
		}
		c.detector = d
	}
}

// WithContentType selects the encoding of calls, responses and events:
// httpapi.MediaTypeProtobuf ("application/x-protobuf", the default) or
// httpapi.MediaTypeJSON ("application/json"). Requests carry it both as
// Content-Type and as Accept: a Mesos master answers JSON whenever Accept
// allows it (src/master/http.cpp, Master::Http::api), so Accept is never
// wider than the type asked for.
func WithContentType(mediaType string) Option {
	return func(c *config) { c.contentType = mediaType }
}

// WithLogger sets the logger; clients log under the name "operator" (an
// Agent with the field agent, event streams with the field master). The
// default logs nothing.
func WithLogger(l *zap.Logger) Option {
	return func(c *config) {
		if l == nil {
			l = zap.NewNop()
		}
		c.logger = l
	}
}

// WithHTTPClient sets the HTTP client, for what WithTLS, WithTLSFiles and
// WithCredentials do not cover: a proxy, another authentication scheme, a
// custom RoundTripper. It excludes WithTLS and WithTLSFiles; WithCredentials
// and WithScheme still apply on top of it. Calls use it as given (its
// Timeout applies to them); the event stream uses a copy without Timeout.
// Redirects are always handled by the client itself. The caller owns the
// client and closes its idle connections.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *config) {
		if hc == nil {
			c.problems = append(c.problems, errors.New("WithHTTPClient: nil client"))
			return
		}
		c.httpClient = hc
	}
}

// WithBackoff shapes the backoff between resubscriptions of the event stream
// and between the attempts of a read-only call: exponential from initial,
// doubling, jittered by ±50 %, never longer than max, and never giving up.
// It is reset by every SUBSCRIBED event. Defaults: DefaultBackoffInitial,
// DefaultBackoffMax.
func WithBackoff(initial, max time.Duration) Option {
	return func(c *config) { c.backoffInitial, c.backoffMax = initial, max }
}

// WithMissedHeartbeats sets how many heartbeat intervals (as announced by
// the master in SUBSCRIBED) may pass without any byte from the master before
// the event stream is dropped and Subscribe resubscribes. Default
// DefaultMissedHeartbeats; must be at least 1.
func WithMissedHeartbeats(n int) Option {
	return func(c *config) { c.missedHeartbeats = n }
}

// WithMaxFrameSize caps the size of one event in bytes. A larger event is a
// protocol error that drops the stream. Default DefaultMaxFrameSize.
func WithMaxFrameSize(n int) Option {
	return func(c *config) { c.maxFrameSize = n }
}

// WithMaxResponseSize caps the size of the body of one call's response (and
// of one files API answer) in bytes; a larger one fails the call with an
// error wrapping ErrTooLarge. Default DefaultMaxResponseSize.
func WithMaxResponseSize(n int64) Option {
	return func(c *config) { c.maxResponseSize = n }
}

// WithMaxRedirects caps how many 307 redirects one request follows. Going
// over it, or being sent back to a master already visited, fails the request
// with ErrTooManyRedirects. 0 disables following redirects. Default
// DefaultMaxRedirects.
func WithMaxRedirects(n int) Option {
	return func(c *config) { c.maxRedirects = n }
}

// WithCallTimeout bounds each call, including its retries, and the wait for
// the response headers of a SUBSCRIBE. The caller's ctx can only shorten it.
// 0 means no bound beyond the caller's ctx. Default DefaultCallTimeout.
func WithCallTimeout(d time.Duration) Option {
	return func(c *config) { c.callTimeout = d }
}

func (c *config) validate() error {
	errs := append([]error(nil), c.problems...)
	if _, err := httpapi.CodecFor(c.contentType); err != nil {
		errs = append(errs, fmt.Errorf("WithContentType: %q is neither %q nor %q",
			c.contentType, httpapi.MediaTypeProtobuf, httpapi.MediaTypeJSON))
	}
	if c.backoffInitial <= 0 {
		errs = append(errs, fmt.Errorf("WithBackoff: initial %v must be positive", c.backoffInitial))
	}
	if c.backoffMax < c.backoffInitial {
		errs = append(errs, fmt.Errorf("WithBackoff: max %v is less than initial %v", c.backoffMax, c.backoffInitial))
	}
	if c.missedHeartbeats < 1 {
		errs = append(errs, fmt.Errorf("WithMissedHeartbeats: %d must be at least 1", c.missedHeartbeats))
	}
	if c.maxFrameSize <= 0 {
		errs = append(errs, fmt.Errorf("WithMaxFrameSize: %d must be positive", c.maxFrameSize))
	}
	if c.maxResponseSize <= 0 {
		errs = append(errs, fmt.Errorf("WithMaxResponseSize: %d must be positive", c.maxResponseSize))
	}
	if c.maxRedirects < 0 {
		errs = append(errs, fmt.Errorf("WithMaxRedirects: %d must not be negative", c.maxRedirects))
	}
	if c.callTimeout < 0 {
		errs = append(errs, fmt.Errorf("WithCallTimeout: %v must not be negative", c.callTimeout))
	}
	errs = append(errs, c.validateCredentials()...)
	errs = append(errs, c.validateTLS()...)
	return errors.Join(errs...)
}

// DefaultHeartbeatInterval is the heartbeat interval assumed until the master's SUBSCRIBED event announces
// one: Mesos's DEFAULT_HEARTBEAT_INTERVAL, 15 s (src/master/constants.hpp), which is also what its operator
// subscribers get (src/master/master.hpp, Master::Subscribers::Subscriber).
const DefaultHeartbeatInterval = httpapi.DefaultHeartbeatInterval
