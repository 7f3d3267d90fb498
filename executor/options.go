// SPDX-License-Identifier: Apache-2.0

package executor

import (
	"errors"
	"net/http"
	"time"

	"go.opentelemetry.io/otel/metric"
	"go.uber.org/zap"

	"github.com/mesoskit/mesoskit/internal/httpapi"
)

// Defaults used when no option overrides them.
const (
	// DefaultHeartbeatInterval is the period of the HEARTBEAT call, as
	// Mesos's executor library (src/executor/executor.cpp
	// DEFAULT_HEARTBEAT_CALL_INTERVAL).
	DefaultHeartbeatInterval = 30 * time.Minute
	// DefaultSubscribeRetryInterval is how often SUBSCRIBE is retried while
	// the agent answers 503 or 404 before the first subscription, as Mesos's
	// command executor does (src/launcher/executor.cpp doReliableRegistration).
	DefaultSubscribeRetryInterval = time.Second
	// DefaultCallTimeout bounds each UPDATE, MESSAGE and HEARTBEAT call and
	// the wait for the response headers of a SUBSCRIBE.
	DefaultCallTimeout = 30 * time.Second
	// DefaultMaxFrameSize is the largest event accepted.
	DefaultMaxFrameSize = 64 << 20
)

// Option configures an Executor. Options are applied in order by New; New
// validates the result and reports every problem at once.
type Option func(*config)

type config struct {
	logger                 *zap.Logger
	httpClient             *http.Client
	contentType            string
	heartbeatInterval      time.Duration
	subscribeRetryInterval time.Duration
	callTimeout            time.Duration
	maxFrameSize           int
	exitAfterLastTask      bool
	announcer              *announcerSettings // WithAnnouncer (announce.go)
	problems               []error
	meterProvider          metric.MeterProvider // WithMeterProvider (metrics.go)
}

func defaultConfig() config {
	return config{
		logger:                 zap.NewNop(),
		contentType:            httpapi.MediaTypeProtobuf,
		heartbeatInterval:      DefaultHeartbeatInterval,
		subscribeRetryInterval: DefaultSubscribeRetryInterval,
		callTimeout:            DefaultCallTimeout,
		maxFrameSize:           DefaultMaxFrameSize,
	}
}

// WithLogger sets the logger; the Executor logs under the name "executor".
// The default, and nil, discard everything. The authentication token is
// never logged.
func WithLogger(l *zap.Logger) Option {
	return func(o *config) {
		if l == nil {
			l = zap.NewNop()
		}
		o.logger = l
	}
}

// WithHTTPClient makes the Executor use c for every call. By default it
// builds its own client (TLS when Config.TLS, the Unix socket of
// Config.DomainSocket) and closes its idle connections when Run returns;
// with this option the caller owns c, its transport, TLS and dialing. Its
// Timeout must be zero: the SUBSCRIBE stream lives for hours.
func WithHTTPClient(c *http.Client) Option {
	return func(o *config) {
		if c == nil {
			o.problems = append(o.problems, errors.New("WithHTTPClient: nil client"))
			return
		}
		if c.Timeout != 0 {
			o.problems = append(o.problems, errors.New("WithHTTPClient: client Timeout must be 0 (the event stream is long-lived); use WithCallTimeout"))
			return
		}
		o.httpClient = c
	}
}

// WithContentType selects the encoding of calls and events:
// ContentTypeProtobuf ("application/x-protobuf", the default, as
// Mesos's command executor uses) or ContentTypeJSON ("application/json").
func WithContentType(mediaType string) Option {
	return func(o *config) { o.contentType = mediaType }
}

// WithHeartbeatInterval sets the period of the HEARTBEAT call sent while
// subscribed (default DefaultHeartbeatInterval).
func WithHeartbeatInterval(d time.Duration) Option {
	return func(o *config) { o.heartbeatInterval = d }
}

// WithSubscribeRetryInterval sets how often SUBSCRIBE is retried while the
// agent answers 503 or 404 before the first subscription (default
// DefaultSubscribeRetryInterval). After a disconnection, checkpointing
// executors retry after a random delay in [0, Config.SubscriptionBackoffMax]
// instead, as Mesos does.
func WithSubscribeRetryInterval(d time.Duration) Option {
	return func(o *config) { o.subscribeRetryInterval = d }
}

// WithCallTimeout bounds each call (default DefaultCallTimeout).
func WithCallTimeout(d time.Duration) Option {
	return func(o *config) { o.callTimeout = d }
}

// WithMaxFrameSize sets the largest event accepted, in bytes (default
// DefaultMaxFrameSize). A larger one ends the stream as a disconnection.
func WithMaxFrameSize(n int) Option {
	return func(o *config) { o.maxFrameSize = n }
}

// WithExitAfterLastTask makes Run return nil once the executor has run at
// least one task and every task it was given has ended and had its terminal
// update acknowledged by the agent — as Mesos's command executor ends after
// its one task. The agent then releases the executor's resources. Without it
// an executor lives until the agent shuts it down (framework removed, agent
// drained), which suits executors that receive tasks over time. A task
// launched on an executor that has just ended is refused by the agent
// (TASK_DROPPED or TASK_LOST), so schedulers using per-task executors give
// each task its own ExecutorID.
func WithExitAfterLastTask() Option {
	return func(o *config) { o.exitAfterLastTask = true }
}
