// SPDX-License-Identifier: Apache-2.0

package mesostest

import (
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/mesoskit/mesoskit/detector"
)

// DefaultZooKeeperStartTimeout bounds how long NewServer waits, with WithZooKeeper, for every master to
// register in ZooKeeper and for one of them to be elected (beyond the session timeout, which is how long
// a stale member node of a crashed earlier cluster can keep the lead).
const DefaultZooKeeperStartTimeout = 30 * time.Second

// zkConfig is the configuration of master contention in ZooKeeper, of master restarts and of extra HTTP
// handlers.
type zkConfig struct {
	url            *detector.ZKURL // parsed spec
	err            error           // why spec does not parse
	sessionTimeout time.Duration
	startTimeout   time.Duration
	// dialer opens the masters' ZooKeeper connections (tests: zktest's Dialer, so that sessions can be expired).
	dialer       func(network, address string, timeout time.Duration) (net.Conn, error)
	restartDelay time.Duration // <= 0: dead masters stay dead
	handlers     []extraHandler
}

type extraHandler struct {
	path string // exact path, or a prefix when it ends in '/'
	h    http.Handler
}

func (z *zkConfig) validate() error {
	switch {
	case z.err != nil:
		return z.err
	case z.sessionTimeout <= 0:
		return fmt.Errorf("%w: ZooKeeper session timeout %v must be positive", ErrInvalidOption, z.sessionTimeout)
	case z.startTimeout <= 0:
		return fmt.Errorf("%w: ZooKeeper start timeout %v must be positive", ErrInvalidOption, z.startTimeout)
	}
	for _, eh := range z.handlers {
		switch {
		case eh.h == nil:
			return fmt.Errorf("%w: WithHTTPHandler(%q): nil handler", ErrInvalidOption, eh.path)
		case !strings.HasPrefix(eh.path, "/") || eh.path == "/":
			return fmt.Errorf("%w: WithHTTPHandler(%q): want an absolute path other than \"/\"", ErrInvalidOption, eh.path)
		case strings.HasPrefix(eh.path, schedulerPath) || strings.HasPrefix(eh.path, "/master/") || masterRoutesPath(eh.path):
			return fmt.Errorf("%w: WithHTTPHandler(%q): the path is the master's own", ErrInvalidOption, eh.path)
		}
	}
	return nil
}

// WithZooKeeper makes the masters contend for leadership in real ZooKeeper, as Mesos masters started with
// --zk=spec do. spec is "zk://[user:password@]host:port[,host:port...]/path" (see detector.ParseZKURL);
// with credentials every session authenticates with ZooKeeper's digest scheme, and the nodes the masters
// create get Mesos's ACL (read for everyone, everything for the creator); without, the open ACL.
//
// Each master opens its own ZooKeeper session, creates the base path when missing, and registers one
// EPHEMERAL|SEQUENTIAL child "<path>/json.info_<seq>" holding its MasterInfo as JSON (keys in alphabetical
// order, as Mesos writes it). Each master runs a ZooKeeper detector on the path (detector.NewZK); the
// master with the lowest sequence number leads, the others answer 307 to it (503 "No leader elected" while
// the cluster has no leader). NewServer registers the masters in index order, so master 0 leads at start,
// and returns once one of them is elected. A leader that loses its candidacy (its session expires, its node
// goes away, or its detector reports another master or none) exits, as a Mesos master does: see KillMaster.
//
// Server.Detector then returns real ZooKeeper detectors on the same path. Fault controls: KillLeader,
// KillMaster, RestartMaster, ExpireMasterSession; Failover is KillLeader followed by RestartMaster of the
// old leader; SetNoLeader is not available (ZooKeeper decides).
func WithZooKeeper(spec string) Option {
	return func(c *config) {
		c.zk.url, c.zk.err = nil, nil
		u, err := detector.ParseZKURL(spec)
		if err != nil {
			c.zk.err = fmt.Errorf("%w: WithZooKeeper: %w", ErrInvalidOption, err)
			return
		}
		c.zk.url = u
	}
}

// WithZooKeeperSessionTimeout sets the masters' ZooKeeper session timeout (default 10 s, Mesos's
// --zk_session_timeout default). ZooKeeper servers clamp it to [2, 20] × their tickTime. It applies to the
// detectors of Server.Detector as well.
func WithZooKeeperSessionTimeout(d time.Duration) Option {
	return func(c *config) { c.zk.sessionTimeout = d }
}

// WithZooKeeperStartTimeout bounds how long NewServer waits for the masters to register in ZooKeeper and
// for one of them to be elected (default DefaultZooKeeperStartTimeout, plus the session timeout for the
// election).
func WithZooKeeperStartTimeout(d time.Duration) Option {
	return func(c *config) { c.zk.startTimeout = d }
}

// WithMasterRestart makes a master that died — killed by KillMaster or KillLeader, or exited after losing
// its leadership — start again after d, as a process supervisor would restart a Mesos master: same port, a
// new MasterInfo id, and (with ZooKeeper) a new, higher sequence number, so it comes back as a follower.
// The default 0 leaves dead masters dead until RestartMaster.
func WithMasterRestart(d time.Duration) Option {
	return func(c *config) { c.zk.restartDelay = d }
}

// WithHTTPHandler serves h on every master listener for requests whose path is path (or, when path ends
// in '/', starts with it), ahead of the master's own routes. It is for tools built on the cluster (for
// example cmd/mesos-local's control endpoints); the master's paths (/api/v1/..., /master/...) cannot be
// taken.
func WithHTTPHandler(path string, h http.Handler) Option {
	return func(c *config) { c.zk.handlers = append(c.zk.handlers, extraHandler{path: path, h: h}) }
}

func defaultZKConfig() zkConfig {
	return zkConfig{sessionTimeout: detector.DefaultSessionTimeout, startTimeout: DefaultZooKeeperStartTimeout}
}
