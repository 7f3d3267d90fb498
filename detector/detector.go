// SPDX-License-Identifier: Apache-2.0

package detector

import (
	"context"
	"net"
	"time"

	"github.com/go-zookeeper/zk"
	"go.opentelemetry.io/otel/metric"
	"go.uber.org/zap"

	"github.com/mesoskit/mesoskit/mesosproto"
)

// Detector tells which Mesos master leads.
type Detector interface {
	// Leader returns the current leading master, nil if none is known, and a channel that is closed when
	// that answer is no longer current (a new leader, no leader, a permanent error, or Close); the caller
	// then calls Leader again. Intermediate answers may be skipped, but a change is never missed.
	//
	// Leader blocks only until the detector knows its first answer, or ctx ends (then it returns ctx's
	// error). A non-nil error other than ctx's is permanent (for example ErrNotAuthorized) or ErrClosed;
	// the channel is then nil. The returned MasterInfo is shared: do not modify it.
	Leader(ctx context.Context) (*mesosproto.MasterInfo, <-chan struct{}, error)
	// Close releases the detector's resources and goroutines. It is idempotent; Leader then returns
	// ErrClosed.
	Close() error
}

// Rotator is implemented by detectors that know several candidate masters but not which one leads: a
// static list ([Static]). A client that cannot reach the master it was given calls Rotate with it; see
// [Rotate].
type Rotator interface {
	// Rotate reports that mi could not be reached. If mi is still the current answer, the detector moves
	// to the next candidate (wrapping around) and closes the channel returned with mi.
	Rotate(mi *mesosproto.MasterInfo)
}

// Rotate calls d.Rotate(mi) if d is a Rotator and reports whether it was. Detectors that observe the
// leader (ZooKeeper) are not Rotators: a client that cannot reach their answer waits for the next one.
func Rotate(d Detector, mi *mesosproto.MasterInfo) bool {
	r, ok := d.(Rotator)
	if ok {
		r.Rotate(mi)
	}
	return ok
}

// Schemer is implemented by detectors that know which URL scheme a master speaks ([Static], from
// http:// and https:// specs).
type Schemer interface {
	// Scheme returns "http" or "https" for mi, or "" when the detector does not know.
	Scheme(mi *mesosproto.MasterInfo) string
}

// Scheme returns the URL scheme d knows for mi ("http" or "https"), or "" when it does not know: for
// ZooKeeper detectors and host:port specs the caller decides (usually "http", or "https" when it was
// configured for TLS). Pass the result to MasterURL.
func Scheme(d Detector, mi *mesosproto.MasterInfo) string {
	if s, ok := d.(Schemer); ok {
		return s.Scheme(mi)
	}
	return ""
}

// DefaultSessionTimeout is the ZooKeeper session timeout Mesos uses.
const DefaultSessionTimeout = 10 * time.Second

// Option configures a detector made by Parse or NewZK. Options that do not apply to the detector made
// (for example WithSessionTimeout for a static spec) are ignored.
type Option func(*config)

type config struct {
	logger         *zap.Logger
	sessionTimeout time.Duration
	dialer         func(network, address string, timeout time.Duration) (net.Conn, error)
	auth           bool // digest credentials given (WithDigestAuth)
	user, password string
	onAnswer       func(*mesosproto.MasterInfo, error) // tests: every published answer, in order
	noEarly        bool                                // benchmarks: arm the early report, never use it
	onEvent        func(zk.Event)                      // benchmarks: called first for every ZooKeeper event
	meterProvider  metric.MeterProvider                // WithMeterProvider (metrics.go)
}

func newConfig(opts []Option) config {
	c := config{logger: zap.NewNop(), sessionTimeout: DefaultSessionTimeout}
	for _, o := range opts {
		o(&c)
	}
	if c.logger == nil {
		c.logger = zap.NewNop()
	}
	return c
}

// WithLogger sets the logger (default: none). The ZooKeeper client's own log lines go to it at debug level,
// named "zookeeper"; nothing is printed to stdout or stderr. Credentials are never logged.
func WithLogger(l *zap.Logger) Option { return func(c *config) { c.logger = l } }

// WithSessionTimeout sets the ZooKeeper session timeout (default 10 s, as Mesos). ZooKeeper servers clamp it
// to [2, 20] × their tickTime. It is also how long the detector keeps reporting a leader while it cannot
// reach ZooKeeper: after that it reports "no leader" until it is connected again, as Mesos does.
func WithSessionTimeout(d time.Duration) Option { return func(c *config) { c.sessionTimeout = d } }

// WithDialer sets how the ZooKeeper client opens TCP connections (default net.DialTimeout). A
// go-zookeeper zk.Dialer can be passed as is.
func WithDialer(dial func(network, address string, timeout time.Duration) (net.Conn, error)) Option {
	return func(c *config) { c.dialer = dial }
}
