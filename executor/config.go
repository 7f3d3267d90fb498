// SPDX-License-Identifier: Apache-2.0

package executor

import (
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"time"
)

// Names of the environment variables a Mesos agent gives its executors
// (src/slave/slave.cpp executorEnvironment, plus the containerizer's
// MESOS_SANDBOX); see docs/PROTOCOL.md §4.
const (
	EnvFrameworkID            = "MESOS_FRAMEWORK_ID"
	EnvExecutorID             = "MESOS_EXECUTOR_ID"
	EnvAgentPID               = "MESOS_SLAVE_PID"
	EnvAgentEndpoint          = "MESOS_AGENT_ENDPOINT"
	EnvAgentID                = "MESOS_SLAVE_ID"
	EnvDirectory              = "MESOS_DIRECTORY"
	EnvSandbox                = "MESOS_SANDBOX"
	EnvCheckpoint             = "MESOS_CHECKPOINT"
	EnvHTTPCommandExecutor    = "MESOS_HTTP_COMMAND_EXECUTOR"
	EnvShutdownGracePeriod    = "MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD"
	EnvRecoveryTimeout        = "MESOS_RECOVERY_TIMEOUT"
	EnvSubscriptionBackoffMax = "MESOS_SUBSCRIPTION_BACKOFF_MAX"
	EnvAuthenticationToken    = "MESOS_EXECUTOR_AUTHENTICATION_TOKEN"
	EnvDomainSocket           = "MESOS_DOMAIN_SOCKET"
	EnvSSLEnabled             = "LIBPROCESS_SSL_ENABLED"
)

// Defaults for variables an agent always sets but a hand-started executor
// may lack. They are the agent's own flag defaults (docs/configuration/agent.md).
const (
	// DefaultShutdownGracePeriod is the agent's --executor_shutdown_grace_period.
	DefaultShutdownGracePeriod = 5 * time.Second
	// DefaultRecoveryTimeout is the agent's --recovery_timeout.
	DefaultRecoveryTimeout = 15 * time.Minute
	// DefaultSubscriptionBackoffMax is the agent's
	// --executor_reregistration_timeout, which it passes as
	// MESOS_SUBSCRIPTION_BACKOFF_MAX.
	DefaultSubscriptionBackoffMax = 2 * time.Second
)

// maxDomainSocketPath is the room in sockaddr_un.sun_path, less the NUL.
const maxDomainSocketPath = 107

// Token is a secret string. It formats as "<redacted>" with fmt, %v, %#v
// and in JSON or text encodings (hence in zap fields), so that a Config can
// be logged whole. Use string(t) to read it.
type Token string

const redacted = "<redacted>"

// String implements fmt.Stringer.
func (t Token) String() string {
	if t == "" {
		return ""
	}
	return redacted
}

// GoString implements fmt.GoStringer.
func (t Token) GoString() string { return strconv.Quote(t.String()) }

// MarshalText implements encoding.TextMarshaler (used by JSON and zap).
func (t Token) MarshalText() ([]byte, error) { return []byte(t.String()), nil }

// Config is what an executor needs to talk to its agent. ConfigFromEnv fills
// it from the environment the agent sets; tests may build one by hand (only
// FrameworkID, ExecutorID and AgentURL are required).
type Config struct {
	// FrameworkID and ExecutorID identify the executor in every call
	// (MESOS_FRAMEWORK_ID, MESOS_EXECUTOR_ID).
	FrameworkID string
	ExecutorID  string
	// AgentID is MESOS_SLAVE_ID (informational).
	AgentID string
	// AgentPID is MESOS_SLAVE_PID, e.g. "slave(1)@10.0.0.2:5051", and
	// AgentEndpoint is MESOS_AGENT_ENDPOINT, e.g. "10.0.0.2:5051".
	AgentPID      string
	AgentEndpoint string
	// AgentURL is the executor API endpoint, built from AgentPID as Mesos's
	// executor library does ("http://10.0.0.2:5051/slave(1)/api/v1/executor"),
	// else from AgentEndpoint ("http://10.0.0.2:5051/api/v1/executor");
	// https when TLS is set.
	AgentURL string
	// Directory is MESOS_DIRECTORY (the sandbox path on the host) and
	// Sandbox is MESOS_SANDBOX (the sandbox as the container sees it).
	Directory string
	Sandbox   string
	// Checkpoint is MESOS_CHECKPOINT == "1": the framework checkpoints, so
	// the executor survives an agent restart by resubscribing.
	Checkpoint bool
	// HTTPCommandExecutor is MESOS_HTTP_COMMAND_EXECUTOR == "1".
	HTTPCommandExecutor bool
	// ShutdownGracePeriod is MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD: how long
	// the executor has, after SHUTDOWN, before the agent destroys it.
	ShutdownGracePeriod time.Duration
	// RecoveryTimeout (MESOS_RECOVERY_TIMEOUT) and SubscriptionBackoffMax
	// (MESOS_SUBSCRIPTION_BACKOFF_MAX) govern reconnection; the agent sets
	// them, and ConfigFromEnv reads them, only when checkpointing.
	RecoveryTimeout        time.Duration
	SubscriptionBackoffMax time.Duration
	// AuthenticationToken is MESOS_EXECUTOR_AUTHENTICATION_TOKEN, sent as
	// "Authorization: Bearer <token>" on every call. Never logged.
	AuthenticationToken Token
	// DomainSocket is MESOS_DOMAIN_SOCKET: when set, HTTP goes over this Unix
	// socket instead of TCP (AgentURL still names the host and path).
	DomainSocket string
	// TLS is LIBPROCESS_SSL_ENABLED: talk https to the agent.
	TLS bool
}

// String describes the configuration with the token redacted.
func (c Config) String() string {
	type plain Config // drops the methods, keeps Token's
	return fmt.Sprintf("%+v", plain(c))
}

// GoString is String, so %#v cannot print the token either.
func (c Config) GoString() string { return "executor.Config" + c.String() }

// ConfigFromEnv reads the executor's configuration from the process
// environment (see ConfigFromLookup), then, as Mesos's executor library
// does, removes MESOS_EXECUTOR_AUTHENTICATION_TOKEN from the environment so
// that processes the executor starts do not inherit it.
func ConfigFromEnv() (Config, error) {
	cfg, err := ConfigFromLookup(os.LookupEnv)
	if _, ok := os.LookupEnv(EnvAuthenticationToken); ok {
		_ = os.Unsetenv(EnvAuthenticationToken)
	}
	return cfg, err
}

// ConfigFromLookup reads every variable of docs/PROTOCOL.md §4
// through lookup (os.LookupEnv, or a map in tests) and reports every problem
// at once in a *ConfigError.
//
// Required: MESOS_FRAMEWORK_ID, MESOS_EXECUTOR_ID, and MESOS_SLAVE_PID or
// MESOS_AGENT_ENDPOINT. Booleans MESOS_CHECKPOINT and
// MESOS_HTTP_COMMAND_EXECUTOR must be "1" or "0" when set (unset means off;
// anything else is an error rather than a guess). Durations use Mesos's
// syntax (ParseDuration). Unset durations take the agent's defaults:
// DefaultShutdownGracePeriod, and, when checkpointing only,
// DefaultRecoveryTimeout and DefaultSubscriptionBackoffMax (Mesos's library
// aborts instead; a default is kinder to hand-started executors).
// LIBPROCESS_SSL_ENABLED accepts 1/0/true/false.
func ConfigFromLookup(lookup func(string) (string, bool)) (Config, error) {
	env := &envReader{lookup: lookup}
	var cfg Config
	cfg.FrameworkID = env.required(EnvFrameworkID)
	cfg.ExecutorID = env.required(EnvExecutorID)
	cfg.AgentID, _ = lookup(EnvAgentID)
	cfg.Directory, _ = lookup(EnvDirectory)
	cfg.Sandbox, _ = lookup(EnvSandbox)
	cfg.Checkpoint = env.flag(EnvCheckpoint)
	cfg.HTTPCommandExecutor = env.flag(EnvHTTPCommandExecutor)
	cfg.ShutdownGracePeriod = env.duration(EnvShutdownGracePeriod, DefaultShutdownGracePeriod)
	if cfg.Checkpoint {
		cfg.RecoveryTimeout = env.duration(EnvRecoveryTimeout, DefaultRecoveryTimeout)
		cfg.SubscriptionBackoffMax = env.duration(EnvSubscriptionBackoffMax, DefaultSubscriptionBackoffMax)
	}
	cfg.AuthenticationToken = env.token()
	cfg.TLS = env.sslEnabled()
	cfg.DomainSocket = env.domainSocket()
	cfg.AgentPID, cfg.AgentEndpoint, cfg.AgentURL = env.agentURL(cfg.TLS)
	if len(env.problems) > 0 {
		return cfg, &ConfigError{Problems: env.problems}
	}
	return cfg, nil
}

// envReader reads variables through lookup and collects every problem.
type envReader struct {
	lookup   func(string) (string, bool)
	problems []*VarError
}

func (e *envReader) bad(name, value string, err error) {
	e.problems = append(e.problems, &VarError{Name: name, Value: value, Err: err})
}

func (e *envReader) invalid(name, value, format string, args ...any) {
	e.bad(name, value, fmt.Errorf("%w: "+format, append([]any{ErrInvalidVariable}, args...)...))
}

func (e *envReader) required(name string) string {
	v, ok := e.lookup(name)
	if !ok || v == "" {
		e.bad(name, "", ErrMissingVariable)
	}
	return v
}

// flag reads a "1"/"0" boolean; unset means off.
func (e *envReader) flag(name string) bool {
	v, ok := e.lookup(name)
	switch {
	case !ok || v == "0":
		return false
	case v == "1":
		return true
	}
	e.invalid(name, v, `must be "1" or "0"`)
	return false
}

// duration reads a duration in Mesos's syntax; unset means def.
func (e *envReader) duration(name string, def time.Duration) time.Duration {
	v, ok := e.lookup(name)
	if !ok {
		return def
	}
	d, err := ParseDuration(v)
	if err != nil {
		e.bad(name, v, fmt.Errorf("%w: %w", ErrInvalidVariable, err))
		return def
	}
	return d
}

// token reads the executor's authentication token, never echoing it in a problem.
func (e *envReader) token() Token {
	v, ok := e.lookup(EnvAuthenticationToken)
	if !ok {
		return ""
	}
	if v == "" {
		e.bad(EnvAuthenticationToken, "", fmt.Errorf("%w: set but empty", ErrInvalidVariable))
	} else if strings.ContainsAny(v, "\r\n") {
		// Say what is wrong without echoing any part of the secret.
		e.bad(EnvAuthenticationToken, redacted, fmt.Errorf("%w: contains a line break", ErrInvalidVariable))
	}
	return Token(v)
}

func (e *envReader) sslEnabled() bool {
	v, ok := e.lookup(EnvSSLEnabled)
	if !ok {
		return false
	}
	switch strings.ToLower(v) {
	case "1", "true":
		return true
	case "0", "false", "":
	default:
		e.invalid(EnvSSLEnabled, v, "must be 1, 0, true or false")
	}
	return false
}

func (e *envReader) domainSocket() string {
	v, ok := e.lookup(EnvDomainSocket)
	if !ok || v == "" {
		return ""
	}
	if len(v) > maxDomainSocketPath {
		e.bad(EnvDomainSocket, v, fmt.Errorf("%w: socket path longer than %d bytes", ErrUnsupported, maxDomainSocketPath))
	}
	return v
}

// agentURL builds the executor API endpoint from MESOS_SLAVE_PID first, as
// Mesos's library does, else from MESOS_AGENT_ENDPOINT.
func (e *envReader) agentURL(tls bool) (pid, endpoint, url string) {
	scheme := "http"
	if tls {
		scheme = "https"
	}
	pid, havePID := e.lookup(EnvAgentPID)
	endpoint, haveEndpoint := e.lookup(EnvAgentEndpoint)
	var pidURL, endpointURL string
	if havePID {
		id, addr, ok := strings.Cut(pid, "@")
		switch {
		case !ok || id == "" || strings.ContainsAny(id, "/?#@ "):
			e.invalid(EnvAgentPID, pid, `want "slave(1)@ip:port"`)
		default:
			if host, err := hostPort(addr); err != nil {
				e.invalid(EnvAgentPID, pid, "%v", err)
			} else {
				pidURL = scheme + "://" + host + "/" + id + "/api/v1/executor"
			}
		}
	}
	if haveEndpoint {
		if host, err := hostPort(endpoint); err != nil {
			e.invalid(EnvAgentEndpoint, endpoint, "%v", err)
		} else {
			endpointURL = scheme + "://" + host + "/api/v1/executor"
		}
	}
	switch {
	case pidURL != "":
		url = pidURL
	case endpointURL != "":
		url = endpointURL
	case !havePID && !haveEndpoint:
		e.bad(EnvAgentPID+" or "+EnvAgentEndpoint, "", ErrMissingVariable)
	}
	return pid, endpoint, url
}

// hostPort validates "ip:port" (or "host:port", "[v6]:port") and returns it
// in URL authority form.
func hostPort(addr string) (string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf(`want "ip:port": %v`, err)
	}
	if host == "" {
		return "", fmt.Errorf(`want "ip:port": empty host`)
	}
	if p, err := strconv.ParseUint(port, 10, 16); err != nil || p == 0 {
		return "", fmt.Errorf("invalid port %q", port)
	}
	return net.JoinHostPort(host, port), nil
}

// quote renders a value in an error message.
func quote(s string) string { return strconv.Quote(s) }
