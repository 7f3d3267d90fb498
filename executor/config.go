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
	var (
		cfg      Config
		problems []*VarError
	)
	bad := func(name, value string, err error) {
		problems = append(problems, &VarError{Name: name, Value: value, Err: err})
	}
	invalid := func(name, value, format string, args ...any) {
		bad(name, value, fmt.Errorf("%w: "+format, append([]any{ErrInvalidVariable}, args...)...))
	}
	get := func(name string) (string, bool) {
		v, ok := lookup(name)
		return v, ok
	}
	required := func(name string) string {
		v, ok := get(name)
		if !ok || v == "" {
			bad(name, "", ErrMissingVariable)
		}
		return v
	}
	flag := func(name string) bool {
		v, ok := get(name)
		switch {
		case !ok || v == "0":
			return false
		case v == "1":
			return true
		}
		invalid(name, v, `must be "1" or "0"`)
		return false
	}
	duration := func(name string, def time.Duration) time.Duration {
		v, ok := get(name)
		if !ok {
			return def
		}
		d, err := ParseDuration(v)
		if err != nil {
			bad(name, v, fmt.Errorf("%w: %w", ErrInvalidVariable, err))
			return def
		}
		return d
	}

	cfg.FrameworkID = required(EnvFrameworkID)
	cfg.ExecutorID = required(EnvExecutorID)
	cfg.AgentID, _ = get(EnvAgentID)
	cfg.Directory, _ = get(EnvDirectory)
	cfg.Sandbox, _ = get(EnvSandbox)
	cfg.Checkpoint = flag(EnvCheckpoint)
	cfg.HTTPCommandExecutor = flag(EnvHTTPCommandExecutor)
	cfg.ShutdownGracePeriod = duration(EnvShutdownGracePeriod, DefaultShutdownGracePeriod)
	if cfg.Checkpoint {
		cfg.RecoveryTimeout = duration(EnvRecoveryTimeout, DefaultRecoveryTimeout)
		cfg.SubscriptionBackoffMax = duration(EnvSubscriptionBackoffMax, DefaultSubscriptionBackoffMax)
	}
	if v, ok := get(EnvAuthenticationToken); ok {
		if v == "" {
			bad(EnvAuthenticationToken, "", fmt.Errorf("%w: set but empty", ErrInvalidVariable))
		} else if strings.ContainsAny(v, "\r\n") {
			// Say what is wrong without echoing any part of the secret.
			bad(EnvAuthenticationToken, redacted, fmt.Errorf("%w: contains a line break", ErrInvalidVariable))
		}
		cfg.AuthenticationToken = Token(v)
	}
	if v, ok := get(EnvSSLEnabled); ok {
		switch strings.ToLower(v) {
		case "1", "true":
			cfg.TLS = true
		case "0", "false", "":
		default:
			invalid(EnvSSLEnabled, v, "must be 1, 0, true or false")
		}
	}
	if v, ok := get(EnvDomainSocket); ok && v != "" {
		if len(v) > maxDomainSocketPath {
			bad(EnvDomainSocket, v, fmt.Errorf("%w: socket path longer than %d bytes", ErrUnsupported, maxDomainSocketPath))
		}
		cfg.DomainSocket = v
	}

	// Endpoint: MESOS_SLAVE_PID first, as Mesos's library, else
	// MESOS_AGENT_ENDPOINT.
	scheme := "http"
	if cfg.TLS {
		scheme = "https"
	}
	pid, havePID := get(EnvAgentPID)
	endpoint, haveEndpoint := get(EnvAgentEndpoint)
	cfg.AgentPID, cfg.AgentEndpoint = pid, endpoint
	var pidURL, endpointURL string
	if havePID {
		id, addr, ok := strings.Cut(pid, "@")
		switch {
		case !ok || id == "" || strings.ContainsAny(id, "/?#@ "):
			invalid(EnvAgentPID, pid, `want "slave(1)@ip:port"`)
		default:
			if host, err := hostPort(addr); err != nil {
				invalid(EnvAgentPID, pid, "%v", err)
			} else {
				pidURL = scheme + "://" + host + "/" + id + "/api/v1/executor"
			}
		}
	}
	if haveEndpoint {
		if host, err := hostPort(endpoint); err != nil {
			invalid(EnvAgentEndpoint, endpoint, "%v", err)
		} else {
			endpointURL = scheme + "://" + host + "/api/v1/executor"
		}
	}
	switch {
	case pidURL != "":
		cfg.AgentURL = pidURL
	case endpointURL != "":
		cfg.AgentURL = endpointURL
	case !havePID && !haveEndpoint:
		bad(EnvAgentPID+" or "+EnvAgentEndpoint, "", ErrMissingVariable)
	}

	if len(problems) > 0 {
		return cfg, &ConfigError{Problems: problems}
	}
	return cfg, nil
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
