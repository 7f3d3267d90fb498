// SPDX-License-Identifier: Apache-2.0

package discovery

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"go.uber.org/zap"
)

// DefaultSessionTimeout is the ZooKeeper session timeout asked for. An announcement of a process that died
// without closing its Client disappears about one session timeout later.
const DefaultSessionTimeout = 10 * time.Second

// Option configures a Client.
type Option func(*config)

// Dialer opens a TCP connection to a ZooKeeper server, like net.DialTimeout.
type Dialer = func(network, address string, timeout time.Duration) (net.Conn, error)

type config struct {
	logger         *zap.Logger
	sessionTimeout time.Duration
	user, password string
	auth           bool
	dialer         Dialer
	problems       []error
}

func defaultConfig() config {
	return config{logger: zap.NewNop(), sessionTimeout: DefaultSessionTimeout}
}

// WithLogger sets the logger (default: none). The package logs under the names "discovery" and
// "discovery.zookeeper" (go-zookeeper's own lines, at debug level), with the field zk_path. Credentials are
// never logged.
func WithLogger(l *zap.Logger) Option {
	return func(c *config) {
		if l == nil {
			l = zap.NewNop()
		}
		c.logger = l
	}
}

// WithSessionTimeout sets the ZooKeeper session timeout to ask for (default DefaultSessionTimeout).
func WithSessionTimeout(d time.Duration) Option {
	return func(c *config) { c.sessionTimeout = d }
}

// WithDigestAuth authenticates with ZooKeeper's digest scheme, as the credentials of a
// zk://user:password@hosts/path URL do. Member nodes and the parents created for them are then readable by
// everyone (so that Prometheus, Finagle and other readers find them without credentials) and writable only
// by these credentials (Mesos's EVERYONE_READ_CREATOR_ALL). Without credentials nodes are open to all.
func WithDigestAuth(user, password string) Option {
	return func(c *config) {
		if user == "" {
			c.problems = append(c.problems, errors.New("WithDigestAuth: empty user"))
			return
		}
		c.user, c.password, c.auth = user, password, true
	}
}

// WithDialer sets how TCP connections to the ZooKeeper servers are opened (default net.DialTimeout).
func WithDialer(d Dialer) Option {
	return func(c *config) {
		if d == nil {
			c.problems = append(c.problems, errors.New("WithDialer: nil dialer"))
			return
		}
		c.dialer = d
	}
}

func (c *config) validate(servers []string) error {
	errs := append([]error(nil), c.problems...)
	if c.sessionTimeout < time.Millisecond {
		errs = append(errs, fmt.Errorf("WithSessionTimeout: %v is too short", c.sessionTimeout))
	}
	if len(servers) == 0 {
		errs = append(errs, errors.New("no ZooKeeper servers"))
	}
	for _, s := range servers {
		host, port, err := net.SplitHostPort(s)
		if p, perr := strconv.Atoi(port); err != nil || host == "" || perr != nil || p <= 0 || p > 65535 {
			errs = append(errs, fmt.Errorf("ZooKeeper server %q: want host:port", s))
		}
	}
	return errors.Join(errs...)
}

// ValidatePath reports whether p can be the path of a service: an absolute ZooKeeper path other than the
// root, without empty, "." or ".." components or a trailing slash. The error wraps ErrInvalidPath.
func ValidatePath(p string) error { return validPath(p) }

// validPath checks that p names a znode: absolute, no empty, "." or ".." component, no trailing slash,
// not the root.
func validPath(p string) error {
	if !strings.HasPrefix(p, "/") || p == "/" || strings.HasSuffix(p, "/") {
		return fmt.Errorf("%w %q: want an absolute path other than /, without a trailing slash", ErrInvalidPath, p)
	}
	for _, part := range strings.Split(p[1:], "/") {
		if part == "" || part == "." || part == ".." || strings.ContainsRune(part, 0) {
			return fmt.Errorf("%w %q: empty, \".\" or \"..\" component", ErrInvalidPath, p)
		}
	}
	return nil
}
