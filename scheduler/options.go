// SPDX-License-Identifier: Apache-2.0

package scheduler

import (
	"errors"
	"fmt"
	"math"
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
	// DefaultMaster is the master spec used without WithMaster or WithDetector.
	DefaultMaster = "127.0.0.1:5050"
	// DefaultRefuseSeconds is the refuse_seconds of automatic declines; it is
	// Mesos's own default for Filters.refuse_seconds.
	DefaultRefuseSeconds = 5.0
	// DefaultMissedHeartbeats is how many heartbeat intervals of silence
	// drop a stream.
	DefaultMissedHeartbeats = 5
	// DefaultMaxRedirects caps the 307 hops of one SUBSCRIBE.
	DefaultMaxRedirects = 5
	// DefaultCallTimeout bounds each call (and the wait for the response
	// headers of a SUBSCRIBE) unless the caller's ctx ends sooner.
	DefaultCallTimeout = 30 * time.Second
	// DefaultBackoffInitial and DefaultBackoffMax shape the resubscription
	// backoff: jittered, exponential, capped, never giving up.
	DefaultBackoffInitial = 500 * time.Millisecond
	DefaultBackoffMax     = 15 * time.Second
	// DefaultMaxFrameSize is the largest event accepted: enough for an
	// OFFERS event from some ten thousand agents.
	DefaultMaxFrameSize = 256 << 20
)

// Option configures a Client. Options are applied in order by New; New
// validates the result and reports every problem at once.
type Option func(*config)

type config struct {
	master           string
	masterSet        bool
	detector         detector.Detector
	contentType      string
	logger           *zap.Logger
	httpClient       *http.Client
	backoffInitial   time.Duration
	backoffMax       time.Duration
	missedHeartbeats int
	maxFrameSize     int
	refuseSeconds    float64
	autoAck          bool
	ackConcurrency   int
	pipelinedAcks    bool
	autoDecline      bool
	store            FrameworkIDStore
	maxRedirects     int
	callTimeout      time.Duration

	// Reconciliation and offer demand (options_reconcile.go, options_demand.go).
	taskSource       TaskSource
	reconcileInitial time.Duration
	reconcileMax     time.Duration
	implicitInterval time.Duration
	suppressDelay    time.Duration
	suppressAfter    int

	// Security (auth.go, tls.go).
	creds *httpsec.Credentials
	tls   httpsec.TLS

	announcer *announcerSettings // WithAnnouncer (announce.go)

	meterProvider metric.MeterProvider // WithMeterProvider (metrics.go); nil: the global one

	subscribeTimeout time.Duration // WithSubscribeTimeout (connection.go)

	pacing          bool // WithLaunchPacing, WithoutLaunchPacing (options_pacing.go)
	launchWindow    int
	launchWindowMax int

	problems []error // recorded by options that get a nil value
}

func defaultConfig() config {
	return config{
		master:           DefaultMaster,
		contentType:      httpapi.MediaTypeProtobuf,
		logger:           zap.NewNop(),
		backoffInitial:   DefaultBackoffInitial,
		backoffMax:       DefaultBackoffMax,
		missedHeartbeats: DefaultMissedHeartbeats,
		maxFrameSize:     DefaultMaxFrameSize,
		refuseSeconds:    DefaultRefuseSeconds,
		autoAck:          true,
		ackConcurrency:   DefaultAckConcurrency,
		pipelinedAcks:    true,
		autoDecline:      true,
		maxRedirects:     DefaultMaxRedirects,
		callTimeout:      DefaultCallTimeout,
		reconcileInitial: DefaultReconcileBackoffInitial,
		reconcileMax:     DefaultReconcileBackoffMax,
		implicitInterval: DefaultImplicitReconcileInterval,
		suppressDelay:    DefaultSuppressDelay,
		pacing:           true,
		launchWindow:     DefaultLaunchWindow,
		launchWindowMax:  MaxLaunchWindow,
	}
}

// WithMaster sets the master spec, in any form detector.Parse accepts:
// "host:port", "http(s)://host:port", a comma-separated list of those,
// "zk://[user:password@]host:port[,host:port]/path" or "file:///path".
// The default is DefaultMaster. The Client creates the detector when Run
// starts and closes it when Run returns. Mutually exclusive with
// WithDetector.
func WithMaster(spec string) Option {
	return func(c *config) { c.master, c.masterSet = spec, true }
}

// WithDetector makes the Client follow the leading master that d reports.
// The caller owns d: Run never closes it. Mutually exclusive with
// WithMaster.
func WithDetector(d detector.Detector) Option {
	return func(c *config) {
		if d == nil {
			c.problems = append(c.problems, errors.New("WithDetector: nil detector"))
			return
		}
		c.detector = d
	}
}

// WithContentType selects the encoding of calls and events:
// ContentTypeProtobuf ("application/x-protobuf", the default) or
// ContentTypeJSON ("application/json").
func WithContentType(mediaType string) Option {
	return func(c *config) { c.contentType = mediaType }
}

// WithLogger sets the logger; the Client logs under the name "scheduler"
// with fields master, framework_id and stream_id. The default logs nothing.
func WithLogger(l *zap.Logger) Option {
	return func(c *config) {
		if l == nil {
			l = zap.NewNop()
		}
		c.logger = l
	}
}

// WithHTTPClient sets the HTTP client used to reach the master, for what
// WithTLS, WithTLSFiles and WithCredentials do not cover: a proxy, another
// authentication scheme, a custom RoundTripper. It excludes WithTLS and
// WithTLSFiles (New reports using both); WithCredentials and WithScheme
// still apply on top of it. Calls use it as given (its Timeout applies to
// them). The event stream uses a copy without Timeout and, when its Transport is an *http.Transport, a clone of that
// transport with keep-alives off, so that the stream never shares a
// connection with calls. Redirects are always handled by the Client itself.
// The caller owns the client and closes its idle connections.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *config) {
		if hc == nil {
			c.problems = append(c.problems, errors.New("WithHTTPClient: nil client"))
			return
		}
		c.httpClient = hc
	}
}

// WithBackoff shapes the resubscription backoff: exponential from initial,
// doubling, jittered by ±50 %, never longer than max, and never giving up.
// It is reset by every SUBSCRIBED event. Idempotent calls retried after a
// 503 or a transport error use the same initial delay. Defaults:
// DefaultBackoffInitial, DefaultBackoffMax.
func WithBackoff(initial, max time.Duration) Option {
	return func(c *config) { c.backoffInitial, c.backoffMax = initial, max }
}

// WithMissedHeartbeats sets how many heartbeat intervals (as announced by
// the master in SUBSCRIBED) may pass without any byte from the master before
// the stream is dropped and the Client resubscribes. Default
// DefaultMissedHeartbeats; must be at least 1.
func WithMissedHeartbeats(n int) Option {
	return func(c *config) { c.missedHeartbeats = n }
}

// WithMaxFrameSize caps the size of one event in bytes. A larger event is a
// protocol error that drops the stream. Default DefaultMaxFrameSize.
func WithMaxFrameSize(n int) Option {
	return func(c *config) { c.maxFrameSize = n }
}

// WithRefuseSeconds sets Filters.refuse_seconds for the offers the Client
// declines automatically. 0 means no filter. Default DefaultRefuseSeconds.
func WithRefuseSeconds(seconds float64) Option {
	return func(c *config) { c.refuseSeconds = seconds }
}

// WithoutAutoAcknowledge turns off the automatic acknowledgement of status
// updates. By default an UPDATE whose status carries a uuid is
// acknowledged after the handler returns nil for it, unless the handler has
// already acknowledged that uuid; UPDATE_OPERATION_STATUS likewise. The
// acknowledgement is sent without holding up the next event: up to
// WithAckConcurrency are in flight at once (more make dispatch wait), each
// sent once and aborted when the subscription ends; a failed one is logged,
// and the agent resends the update. Turn it off to acknowledge yourself, for
// example after persisting the state.
func WithoutAutoAcknowledge() Option {
	return func(c *config) { c.autoAck = false }
}

// WithoutAutoDecline turns off the automatic decline of unused offers. By
// default the offers of an OFFERS event that the handler neither
// accepted (Accept, Launch) nor declined before returning are declined with
// WithRefuseSeconds. Turn it off if the handler keeps offers to use later.
func WithoutAutoDecline() Option {
	return func(c *config) { c.autoDecline = false }
}

// WithFrameworkIDStore sets where the framework ID is kept between runs.
// Run loads it before the first SUBSCRIBE (unless the FrameworkInfo given to
// New already carries an ID), stores it after SUBSCRIBED, and forgets it
// when the master reports the framework removed. The default keeps it in
// memory for the life of the Client.
func WithFrameworkIDStore(s FrameworkIDStore) Option {
	return func(c *config) {
		if s == nil {
			c.problems = append(c.problems, errors.New("WithFrameworkIDStore: nil store"))
			return
		}
		c.store = s
	}
}

// WithMaxRedirects caps how many 307 redirects one SUBSCRIBE follows.
// Going over it, or being sent back to a master already visited, counts as
// a failed attempt (backoff, then detection starts over). 0 disables
// following redirects. Default DefaultMaxRedirects.
func WithMaxRedirects(n int) Option {
	return func(c *config) { c.maxRedirects = n }
}

// WithCallTimeout bounds each call, including its retries, and the wait for
// the response headers of a SUBSCRIBE. The caller's ctx can only shorten
// it. 0 means no bound beyond the caller's ctx. Default DefaultCallTimeout.
func WithCallTimeout(d time.Duration) Option {
	return func(c *config) { c.callTimeout = d }
}

// WithAckConcurrency sets how many automatic acknowledgements (see
// WithoutAutoAcknowledge) may be in flight at once on the connection pool of
// calls (on the pipelined connection of WithPipelinedAcks, the default:
// max(n, 256)); when that many are, dispatching the next event waits for one
// to be answered. 1 acknowledges one update at a time, still without holding up
// the event that follows it. n must be between 1 and 1024 (New returns an
// error otherwise). Default DefaultAckConcurrency.
func WithAckConcurrency(n int) Option {
	return func(c *config) { c.ackConcurrency = n }
}

// WithPipelinedAcks makes the acknowledgements of each subscription, the
// automatic ones (see WithoutAutoAcknowledge) and the application's
// (Acknowledge, AcknowledgeStatus, AcknowledgeOperationStatus, and both
// acknowledgement calls through Do), use HTTP/1.1 pipelining on one
// connection of their own: requests written back to back, answers read in
// request order, as Mesos's libprocess answers them (docs/PROTOCOL.md,
// "Pipelined acknowledgements"). A call of the application's still returns
// once the master has answered it: nil for 2xx, the *APIError of any other
// answer, or what the net/http path returns when the anomalies below move
// it there; its ctx and the call timeout end the wait, not the request,
// which is answered in its turn. It is the default; the option states it
// explicitly and undoes an earlier WithoutPipelinedAcks. It exists for
// throughput: net/http's client spends some 28 µs of CPU per request, which
// caps a burst of acknowledgements near 27,000 per second on two cores, where
// one pipelined connection sustains 35,000–47,000 (docs/PERFORMANCE.md).
//
// max(WithAckConcurrency, 256) acknowledgements may be in flight: one
// connection must cover the round trip. The requests are byte for byte those
// net/http would send (headers included). The connection is dialed with the
// first acknowledgement of a subscription and closed when it ends. Any
// anomaly moves the rest of the subscription's acknowledgements to net/http,
// where each answer is its own request's, with one warning in the log: an
// answer other than 2xx (a 503, 502 or 504 is sent again through net/http,
// others are logged as failed), and the connection ending for any reason (an
// error, a close with or without "Connection: close", an HTTP/1.0 answer, no
// answer within WithCallTimeout or DefaultCallTimeout when that is 0, an
// answer over 64 KiB). Acknowledgements written and not answered then are
// sent again through net/http: one the master had applied arrives twice,
// which Mesos's agent ignores ("Duplicate ... acknowledgement",
// src/slave/task_status_update_manager.cpp). Informational 1xx answers are
// skipped and a body on a 2xx answer is read and discarded. Answers that an
// intermediary reorders cannot be told apart when they are alike; when they
// differ, an update whose refusal was read as another's success stays
// unacknowledged, so its agent sends it again (after 10 s, then 20 s ...)
// and it is acknowledged then. Pipelining steps aside (a Debug line says why)
// with WithHTTPClient, when calls go through a proxy (HTTP_PROXY and the like,
// as net/http decides), or when a header value could not be sent as is.
func WithPipelinedAcks() Option {
	return func(c *config) { c.pipelinedAcks = true }
}

// WithoutPipelinedAcks sends every automatic acknowledgement through
// net/http's connection pool, at most WithAckConcurrency at once, and every
// acknowledgement of the application's as any other call, instead of
// pipelining them (see WithPipelinedAcks). A burst is then acknowledged at
// about half the rate (docs/PERFORMANCE.md, "Round two: acknowledgements").
func WithoutPipelinedAcks() Option {
	return func(c *config) { c.pipelinedAcks = false }
}

func (c *config) validate() error {
	errs := append([]error(nil), c.problems...)
	if c.masterSet && c.detector != nil {
		errs = append(errs, errors.New("WithMaster and WithDetector are mutually exclusive"))
	}
	if c.detector == nil && c.master == "" {
		errs = append(errs, errors.New("WithMaster: empty master spec"))
	} else if c.detector == nil {
		if err := detector.Validate(c.master); err != nil {
			errs = append(errs, fmt.Errorf("WithMaster: %w", err))
		}
	}
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
	if c.refuseSeconds < 0 || math.IsNaN(c.refuseSeconds) || math.IsInf(c.refuseSeconds, 0) {
		errs = append(errs, fmt.Errorf("WithRefuseSeconds: %v must be a finite number ≥ 0", c.refuseSeconds))
	}
	if c.maxRedirects < 0 {
		errs = append(errs, fmt.Errorf("WithMaxRedirects: %d must not be negative", c.maxRedirects))
	}
	if c.ackConcurrency < 1 || c.ackConcurrency > maxAckConcurrency {
		errs = append(errs, fmt.Errorf("WithAckConcurrency: %d must be between 1 and %d", c.ackConcurrency, maxAckConcurrency))
	}
	if c.callTimeout < 0 {
		errs = append(errs, fmt.Errorf("WithCallTimeout: %v must not be negative", c.callTimeout))
	}
	errs = append(errs, c.validateReconcile()...)
	errs = append(errs, c.validateDemand()...)
	errs = append(errs, c.validateCredentials()...)
	errs = append(errs, c.validateTLS()...)
	errs = append(errs, c.validatePacing()...)
	return errors.Join(errs...)
}
