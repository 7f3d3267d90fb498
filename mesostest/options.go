// SPDX-License-Identifier: Apache-2.0

package mesostest

import (
	"errors"
	"fmt"
	"time"

	"go.uber.org/zap"
)

// Defaults, taken from Mesos (see the constants table in docs/PROTOCOL.md §1).
const (
	// DefaultHeartbeatInterval is src/master/constants.hpp DEFAULT_HEARTBEAT_INTERVAL.
	DefaultHeartbeatInterval = 15 * time.Second
	// DefaultAllocationInterval is the master's --allocation_interval default.
	DefaultAllocationInterval = time.Second
	// DefaultUpdateRetryInterval is src/slave/constants.hpp STATUS_UPDATE_RETRY_INTERVAL_MIN.
	DefaultUpdateRetryInterval = 10 * time.Second
	// DefaultUpdateRetryMax is src/slave/constants.hpp STATUS_UPDATE_RETRY_INTERVAL_MAX.
	DefaultUpdateRetryMax = 10 * time.Minute
	// DefaultKillGracePeriod is the command executor's grace between SIGTERM and
	// SIGKILL when no KillPolicy says otherwise (src/launcher/executor.cpp kill()).
	DefaultKillGracePeriod = 3 * time.Second
	// DefaultAgentResources is what an agent offers when its resource string is empty.
	DefaultAgentResources = "cpus:4;mem:4096;disk:10000;ports:[31000-32000]"
	// maxCompletedFrameworks is the master's --max_completed_frameworks default.
	maxCompletedFrameworks = 50
)

// Option configures a Server.
type Option func(*config)

// AgentConfig describes one agent. Resources and Attributes use Mesos's
// flag syntax: "cpus:4;mem:4096;ports:[31000-32000];disks:{a,b}" and
// "rack:r1;zone:z2;level:10". A resource may carry a static reservation as
// "cpus(role):2". An empty Resources means DefaultAgentResources; otherwise
// each of cpus, mem, disk and ports that Resources does not name is detected
// on the host as a Mesos agent detects it (Containerizer::resources: the
// online CPUs, total memory less 1 GB, the sandbox file system's size less
// 5 GB, ports [31000-32000]).
type AgentConfig struct {
	Hostname   string // default "127.0.0.1"
	Resources  string
	Attributes string
}

type config struct {
	listenAddr          string
	masters             int
	agents              []AgentConfig
	agentsSet           bool
	heartbeatInterval   time.Duration
	allocationInterval  time.Duration
	updateRetryInterval time.Duration
	updateRetryMax      time.Duration
	killGracePeriod     time.Duration
	logger              *zap.Logger
	simulated           bool
	simulatedDuration   time.Duration
	sandboxDir          string
	splitFrames         bool
	noHistory           bool // WithoutHistory
	maxCompletedTasks   int  // WithMaxCompletedTasksPerFramework (completed.go)
	offerTimeout        time.Duration
	zk                  zkConfig       // WithZooKeeper and the master lifecycle options (zk_options.go)
	exec                executorConfig // custom executors (agent_executor_api.go)
	fidelity            fidelityConfig // agent re-registration, offer constraint limits (options_fidelity.go)
	auth                authConfig     // WithCredentials (auth.go)
	tls                 tlsOptions     // WithTLS, WithClientCertificates (tls.go)
	agent               agentConfig    // WithHostEnvironment, WithImageEmulation, fetcher limits (agent_env.go)
}

func defaultConfig() config {
	return config{
		listenAddr:          "127.0.0.1:0",
		masters:             1,
		heartbeatInterval:   DefaultHeartbeatInterval,
		allocationInterval:  DefaultAllocationInterval,
		updateRetryInterval: DefaultUpdateRetryInterval,
		updateRetryMax:      DefaultUpdateRetryMax,
		killGracePeriod:     DefaultKillGracePeriod,
		maxCompletedTasks:   DefaultMaxCompletedTasksPerFramework,
		logger:              zap.NewNop(),
		zk:                  defaultZKConfig(),
	}
}

// validate reports every invalid option at once, each wrapping ErrInvalidOption.
func (c *config) validate() error {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("%w: "+format, append([]any{ErrInvalidOption}, args...)...))
	}
	if c.masters < 1 {
		bad("WithMasters(%d): need at least one master", c.masters)
	}
	if c.heartbeatInterval <= 0 {
		bad("heartbeat interval %v must be positive", c.heartbeatInterval)
	}
	if c.allocationInterval <= 0 {
		bad("allocation interval %v must be positive", c.allocationInterval)
	}
	if c.updateRetryInterval <= 0 {
		bad("update retry interval %v must be positive", c.updateRetryInterval)
	} else if c.updateRetryMax < c.updateRetryInterval {
		bad("update retry maximum %v is below the interval %v", c.updateRetryMax, c.updateRetryInterval)
	}
	if c.offerTimeout < 0 {
		bad("offer timeout %v must not be negative", c.offerTimeout)
	}
	if c.maxCompletedTasks < 0 {
		bad("WithMaxCompletedTasksPerFramework(%d) must not be negative", c.maxCompletedTasks)
	}
	if c.killGracePeriod < 0 {
		bad("kill grace period %v must not be negative", c.killGracePeriod)
	}
	errs = append(errs, c.auth.validate(), validateMaxUnreachableTasks(c), c.zk.validate()) // auth.go, unreachable.go, zk_options.go
	return errors.Join(errs...)
}

// WithListenAddr sets the address of the first master (default "127.0.0.1:0").
// Further masters listen on the same host with a kernel-chosen port.
func WithListenAddr(addr string) Option { return func(c *config) { c.listenAddr = addr } }

// WithMasters starts n master listeners (default 1). Master 0 leads at start;
// Failover hands leadership to the next one. With one master, Failover starts a second.
// With WithZooKeeper, the masters contend in ZooKeeper instead.
func WithMasters(n int) Option { return func(c *config) { c.masters = n } }

// WithAgents adds n agents with the given resources (Mesos flag syntax, e.g.
// "cpus:4;mem:4096;disk:10000;ports:[31000-32000]"; empty = DefaultAgentResources;
// cpus, mem, disk or ports left out are detected, see AgentConfig).
// Without any agent option the server has one agent with DefaultAgentResources;
// WithAgents(0, "") gives a cluster without agents.
func WithAgents(n int, resources string) Option {
	return func(c *config) {
		c.agentsSet = true
		for range n {
			c.agents = append(c.agents, AgentConfig{Resources: resources})
		}
	}
}

// WithAgent adds one agent described by cfg (hostname, resources, attributes).
func WithAgent(cfg AgentConfig) Option {
	return func(c *config) {
		c.agentsSet = true
		c.agents = append(c.agents, cfg)
	}
}

// WithHeartbeatInterval sets the interval between HEARTBEAT events (default
// 15 s). The value is reported in SUBSCRIBED.heartbeat_interval_seconds.
func WithHeartbeatInterval(d time.Duration) Option {
	return func(c *config) { c.heartbeatInterval = d }
}

// WithAllocationInterval sets the period of the allocator (default 1 s). Offers
// are also made right after events that free or add resources, as Mesos does.
// It is also the minimum lifetime of a refusal filter.
func WithAllocationInterval(d time.Duration) Option {
	return func(c *config) { c.allocationInterval = d }
}

// WithUpdateRetryInterval sets the agent's first retry interval for an
// unacknowledged status update (default 10 s); it doubles on every retry up
// to 10 minutes (or to the maximum of WithUpdateRetryMax).
func WithUpdateRetryInterval(d time.Duration) Option {
	return func(c *config) { c.updateRetryInterval = d }
}

// WithUpdateRetryMax caps the doubling status update retry interval (default 10 min).
func WithUpdateRetryMax(d time.Duration) Option {
	return func(c *config) { c.updateRetryMax = d }
}

// WithKillGracePeriod sets the delay between SIGTERM and SIGKILL when a
// task is killed and neither Kill.kill_policy nor TaskInfo.kill_policy
// gives one (default 3 s, as the command executor).
func WithKillGracePeriod(d time.Duration) Option {
	return func(c *config) { c.killGracePeriod = d }
}

// WithOfferTimeout rescinds offers not used within d, as the master's
// --offer_timeout does (RESCIND event, resources back without a filter).
// The default 0 means offers never expire, as in Mesos.
func WithOfferTimeout(d time.Duration) Option { return func(c *config) { c.offerTimeout = d } }

// WithLogger sets the logger; the default, and nil, log nothing.
func WithLogger(l *zap.Logger) Option {
	return func(c *config) {
		if l == nil {
			l = zap.NewNop()
		}
		c.logger = l
	}
}

// WithSimulatedTasks makes agents run no process at all: a launched task goes
// TASK_STARTING, TASK_RUNNING, then TASK_FINISHED after d. With d < 0 a task
// runs until it is killed or ended by Server.CompleteTask. For scale tests.
func WithSimulatedTasks(d time.Duration) Option {
	return func(c *config) {
		c.simulated = true
		c.simulatedDuration = d
	}
}

// WithSandboxDir sets the directory under which task sandboxes are created.
// By default the server creates a temporary directory and removes it on Close;
// a directory given here is left in place.
func WithSandboxDir(dir string) Option { return func(c *config) { c.sandboxDir = dir } }

// WithFrameSplitting makes every event stream write each RecordIO record as
// two HTTP chunks (flushed separately), to exercise a client's decoder on
// records split across reads. Records queued together are always merged into
// one chunk.
func WithFrameSplitting() Option { return func(c *config) { c.splitFrames = true } }

// WithoutHistory makes the server keep no test-facing history that grows
// with the number of calls or status updates, for scale tests and
// benchmarks: Calls and TaskUpdates then return nil, and for each task only
// the set of states it reached is kept, so that WaitTask still works (the
// status it returns then carries only the task id and the state). The
// protocol state (pending updates, acknowledgement counts per task of
// Framework) is kept as usual. Either way the history of completed tasks is
// bounded (WithMaxCompletedTasksPerFramework).
func WithoutHistory() Option { return func(c *config) { c.noHistory = true } }

// WithMaxCompletedTasksPerFramework sets how many completed tasks of each
// framework the cluster remembers (default 1000, the master's
// --max_completed_tasks_per_framework default; 0 keeps none). A task is
// completed once it has left the cluster: its terminal update acknowledged,
// its framework removed or its agent lost, or refused by the master before
// it reached an agent. When a framework has more, the oldest is forgotten:
// Framework no longer lists it in Acknowledged and DuplicateAcks (the
// totals still count it), and, unless another framework still runs or
// remembers a task of the same id (TaskUpdates and WaitTask know tasks by
// id alone), TaskUpdates returns nil for it and WaitTask waits for it as
// for a task never seen. As in Mesos, reconciliation
// never reports completed tasks: they are unknown to the master.
func WithMaxCompletedTasksPerFramework(n int) Option {
	return func(c *config) { c.maxCompletedTasks = n }
}
