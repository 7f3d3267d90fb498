// SPDX-License-Identifier: Apache-2.0

package ha

import (
	"errors"
	"fmt"
	"net"
	"time"

	"go.opentelemetry.io/otel/metric"
	"go.uber.org/zap"
)

// Defaults used when no option overrides them.
const (
	// DefaultSessionTimeout is the ZooKeeper session timeout asked for. The
	// servers clamp it to [2, 20] × their tickTime; the negotiated value is
	// the one that counts (see Conn.SessionTimeout).
	DefaultSessionTimeout = 10 * time.Second
	// DefaultMaxRequestSize is ZooKeeper's default jute.maxbuffer
	// (0xfffff bytes): a server drops the connection of a client that sends
	// a larger request.
	DefaultMaxRequestSize = 0xfffff
	// DefaultSafetyMargin is the fraction of the session timeout by which a
	// leader's lease is shorter than the session (see WithSafetyMargin).
	DefaultSafetyMargin = 4 // the margin is sessionTimeout / 4
)

// Option configures a Conn.
type Option func(*config)

// Dialer opens a TCP connection to a ZooKeeper server, like net.DialTimeout.
type Dialer = func(network, address string, timeout time.Duration) (net.Conn, error)

type config struct {
	logger         *zap.Logger
	sessionTimeout time.Duration
	user, password string
	auth           bool
	dialer         Dialer
	maxRequest     int
	problems       []error
	meterProvider  metric.MeterProvider // WithMeterProvider (metrics.go)
}

func defaultConfig() config {
	return config{
		logger:         zap.NewNop(),
		sessionTimeout: DefaultSessionTimeout,
		maxRequest:     DefaultMaxRequestSize,
	}
}

// WithLogger sets the logger (default: none). The package logs under the
// names "ha", "ha.election" and "ha.zookeeper" (go-zookeeper's own lines, at
// debug level), with fields zk_path, node and session. Credentials are never
// logged.
func WithLogger(l *zap.Logger) Option {
	return func(c *config) {
		if l == nil {
			l = zap.NewNop()
		}
		c.logger = l
	}
}

// WithSessionTimeout sets the ZooKeeper session timeout to ask for (default
// DefaultSessionTimeout). It bounds how long a dead leader keeps its place,
// and so the takeover time: a standby takes over about one session timeout
// after the leader stopped talking to ZooKeeper.
func WithSessionTimeout(d time.Duration) Option {
	return func(c *config) { c.sessionTimeout = d }
}

// WithDigestAuth authenticates with ZooKeeper's digest scheme, as the
// credentials of a zk://user:password@hosts/path URL do. Nodes the package
// creates then carry digest ACLs: election nodes, the framework ID and the
// parents created on the way are readable by everyone and writable only by
// these credentials (Mesos's EVERYONE_READ_CREATOR_ALL, so that dashboards can
// find the leader); records are readable and writable only by these
// credentials (CREATOR_ALL), as they may hold task details. Without
// credentials every node is open to all (OPEN_ACL_UNSAFE), as with Mesos.
func WithDigestAuth(user, password string) Option {
	return func(c *config) {
		if user == "" {
			c.problems = append(c.problems, errors.New("WithDigestAuth: empty user"))
			return
		}
		c.user, c.password, c.auth = user, password, true
	}
}

// WithDialer sets how TCP connections to the ZooKeeper servers are opened
// (default net.DialTimeout).
func WithDialer(d Dialer) Option {
	return func(c *config) {
		if d == nil {
			c.problems = append(c.problems, errors.New("WithDialer: nil dialer"))
			return
		}
		c.dialer = d
	}
}

// WithMaxRequestSize sets the largest request, in bytes, ZooKeeper accepts:
// the servers' jute.maxbuffer (default DefaultMaxRequestSize). Writes that
// would make a larger request fail with a *SizeError before anything is sent.
func WithMaxRequestSize(n int) Option {
	return func(c *config) { c.maxRequest = n }
}

func (c *config) validate() error {
	errs := append([]error(nil), c.problems...)
	if c.sessionTimeout < time.Millisecond {
		errs = append(errs, fmt.Errorf("WithSessionTimeout: %v is too short", c.sessionTimeout))
	}
	if c.maxRequest < 1024 {
		errs = append(errs, fmt.Errorf("WithMaxRequestSize: %d is below 1024", c.maxRequest))
	}
	return errors.Join(errs...)
}

// ElectionOption configures an Election.
type ElectionOption func(*electionConfig)

type electionConfig struct {
	identity Identity
	margin   time.Duration // 0: sessionTimeout / DefaultSafetyMargin
	problems []error
}

// WithIdentity sets what this replica publishes in its election node for
// CurrentLeader to report. Fields left empty are filled in: Hostname from
// os.Hostname, PID from os.Getpid, Started with the time NewElection was
// called. Address is the application's to give (for example the address of
// its API, so that requests can be forwarded to the leader).
func WithIdentity(id Identity) ElectionOption {
	return func(c *electionConfig) { c.identity = id }
}

// WithSafetyMargin sets by how much a leader's lease is shorter than its
// ZooKeeper session timeout (default: a quarter of the negotiated timeout).
// A leader that could not reach ZooKeeper for lease = timeout − margin ends
// its Term, so that it has stopped at least margin before its session can
// expire and another replica can take over. The margin is what the
// application has to stop acting after Term.Done is closed. It must leave a
// lease of at least a quarter of the session timeout; a larger margin is
// reduced to that.
func WithSafetyMargin(d time.Duration) ElectionOption {
	return func(c *electionConfig) {
		if d <= 0 {
			c.problems = append(c.problems, fmt.Errorf("WithSafetyMargin: %v must be positive", d))
			return
		}
		c.margin = d
	}
}
