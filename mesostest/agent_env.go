// SPDX-License-Identifier: Apache-2.0

package mesostest

import (
	"os"
	"strings"
	"time"

	"github.com/mesoskit/mesoskit/mesosproto"
)

// agentConfig holds the options of the agents' containers: their
// environment, image emulation and the fetcher.
type agentConfig struct {
	hostEnv       bool  // WithHostEnvironment
	emulateImages bool  // WithImageEmulation (agent_containers.go)
	fetchLimit    int64 // WithFetchLimit (agent_fetcher.go)
}

// WithHostEnvironment gives tasks and executors the test process's
// environment under the one a Mesos agent builds (the agent's variables
// and CommandInfo.environment still win). A Mesos agent passes nothing of
// its own environment on (src/slave/containerizer/mesos/launch.cpp uses
// only the environment the containerizer built, with PATH defaulting to
// os::host_default_path()): this is a deviation, for tests whose commands
// need the host's HOME, PATH or other variables.
func WithHostEnvironment() Option { return func(c *config) { c.agent.hostEnv = true } }

// hostDefaultPath is stout's os::host_default_path() (posix/os.hpp), the
// PATH the containerizer's launch helper sets when the container's
// environment has none (src/slave/containerizer/mesos/launch.cpp).
const hostDefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// envBuilder merges "KEY=value" settings, a later one replacing an earlier
// one of the same name, as the launch helper's hashmap does.
type envBuilder struct {
	order []string
	vals  map[string]string
}

func newEnvBuilder(hostEnv bool) *envBuilder {
	b := &envBuilder{vals: map[string]string{}}
	if hostEnv {
		for _, kv := range os.Environ() {
			if k, v, ok := strings.Cut(kv, "="); ok {
				b.set(k, v)
			}
		}
	}
	return b
}

func (b *envBuilder) set(k, v string) {
	if _, ok := b.vals[k]; !ok {
		b.order = append(b.order, k)
	}
	b.vals[k] = v
}

// setKVs sets "KEY=value" strings (WithExecutorEnv); one without "=" is skipped.
func (b *envBuilder) setKVs(kvs []string) {
	for _, kv := range kvs {
		if k, v, ok := strings.Cut(kv, "="); ok {
			b.set(k, v)
		}
	}
}

// setCommandEnv adds CommandInfo.environment; SECRET variables are left
// out (they need the environment_secret isolator's resolver, which
// mesostest does not have).
func (b *envBuilder) setCommandEnv(e *mesosproto.Environment) {
	for _, v := range e.GetVariables() {
		if v.GetType() != mesosproto.Environment_Variable_SECRET {
			b.set(v.GetName(), v.GetValue())
		}
	}
}

// list is the environment as exec.Cmd.Env wants it, with PATH defaulting
// to the host default path (launch.cpp).
func (b *envBuilder) list() []string {
	if _, ok := b.vals["PATH"]; !ok {
		b.set("PATH", hostDefaultPath)
	}
	out := make([]string, 0, len(b.order))
	for _, k := range b.order {
		out = append(out, k+"="+b.vals[k])
	}
	return out
}

// executorEnv is Slave's executorEnvironment (src/slave/slave.cpp): the
// agent's --executor_environment_variables first, then the variables of
// the agent that they cannot override, then MESOS_SANDBOX, which the
// containerizer adds (MesosContainerizerProcess::_launch). The caller adds
// CommandInfo.environment, which overrides all of it.
type executorEnv struct {
	frameworkID, executorID, agentID string
	endpoint                         string // host:port of the agent
	directory                        string
	checkpoint                       bool
	grace                            time.Duration // MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD
	token                            string
}

func (s *Server) executorEnvBuilder(e executorEnv) *envBuilder {
	cfg := s.cfg.exec
	b := newEnvBuilder(s.cfg.agent.hostEnv)
	b.setKVs(cfg.env)
	b.set("LIBPROCESS_PORT", "0")
	b.set("MESOS_FRAMEWORK_ID", e.frameworkID)
	b.set("MESOS_EXECUTOR_ID", e.executorID)
	b.set("MESOS_DIRECTORY", e.directory)
	b.set("MESOS_SLAVE_ID", e.agentID)
	b.set("MESOS_SLAVE_PID", "slave(1)@"+e.endpoint)
	b.set("MESOS_AGENT_ENDPOINT", e.endpoint)
	b.set("MESOS_CHECKPOINT", map[bool]string{true: "1", false: "0"}[e.checkpoint])
	b.set("MESOS_HTTP_COMMAND_EXECUTOR", "0") // --http_command_executor defaults to false
	b.set("MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD", formatDuration(e.grace))
	if e.checkpoint {
		b.set("MESOS_RECOVERY_TIMEOUT", formatDuration(orDefault(cfg.recoveryTimeout, DefaultRecoveryTimeout)))
		b.set("MESOS_SUBSCRIPTION_BACKOFF_MAX", formatDuration(orDefault(cfg.reregistrationTimeout, DefaultExecutorReregistrationTimeout)))
	}
	if e.token != "" {
		b.set("MESOS_EXECUTOR_AUTHENTICATION_TOKEN", e.token)
	}
	b.set("MESOS_SANDBOX", e.directory)
	return b
}

// commandExecutorGrace is the shutdown grace period of a command task's
// executor (Slave::getExecutorInfo): the task's kill policy grace period
// plus MAX_REAP_INTERVAL (1s, libprocess reap.cpp) plus 1s when it has
// one, else the agent's --executor_shutdown_grace_period.
func (s *Server) commandExecutorGrace(ti *mesosproto.TaskInfo) time.Duration {
	if d := ti.GetKillPolicy().GetGracePeriod(); d != nil {
		return time.Duration(d.GetNanoseconds()) + 2*time.Second
	}
	return orDefault(s.cfg.exec.shutdownGracePeriod, DefaultExecutorShutdownGracePeriod)
}
