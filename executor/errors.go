// SPDX-License-Identifier: Apache-2.0

package executor

import (
	"errors"
	"strings"

	"github.com/mesoskit/mesoskit/internal/httpapi"
)

// Sentinel errors. Test with errors.Is.
var (
	// ErrDisconnected is returned by Run when the connection to the agent was
	// lost and the executor may not wait for the agent to come back: the
	// framework does not checkpoint, or the very first connection attempt
	// failed (as Mesos's own executor library decides). Run has run the
	// shutdown path (every task killed within the shutdown grace period)
	// before returning it.
	ErrDisconnected = errors.New("executor: disconnected from agent")

	// ErrRecoveryTimeout is returned by Run when a checkpointing executor
	// could not resubscribe within MESOS_RECOVERY_TIMEOUT after losing its
	// agent. It wraps ErrDisconnected too.
	ErrRecoveryTimeout = errors.New("executor: agent recovery timeout expired")

	// ErrAlreadyRunning is returned by Run when Run has been called before
	// on the same Executor. An Executor runs at most once.
	ErrAlreadyRunning = errors.New("executor: Run already called")

	// ErrNotSubscribed is returned by Message (best-effort, never queued)
	// when the executor has no live subscription with the agent.
	ErrNotSubscribed = errors.New("executor: not subscribed")

	// ErrStopped is returned by Update and Message once Run has returned
	// (or before it started, for Message).
	ErrStopped = errors.New("executor: not running")

	// ErrInvalidStatus is wrapped by Update for a status the agent would
	// reject: no task_id, no state, or TASK_STAGING.
	ErrInvalidStatus = errors.New("executor: invalid task status")

	// ErrMissingVariable is wrapped by a *VarError for a required
	// environment variable that is not set.
	ErrMissingVariable = errors.New("executor: environment variable not set")

	// ErrInvalidVariable is wrapped by a *VarError for an environment
	// variable whose value does not parse.
	ErrInvalidVariable = errors.New("executor: invalid environment variable")

	// ErrUnsupported is wrapped by a *VarError for a feature this package
	// does not implement.
	ErrUnsupported = errors.New("executor: unsupported")

	// ErrInvalidDuration is returned by ParseDuration.
	ErrInvalidDuration = errors.New("executor: invalid duration")

	// ErrNotMesos is matched by the error of a subscription answered with
	// 200 by something that is not a Mesos agent's executor API: a
	// Content-Type that is not a Mesos media type (an HTML page) or a body
	// that is not a RecordIO stream. (A 404 is not named so: an agent whose
	// routes are not installed yet answers it, and it is retried, as in
	// Mesos's executor library.)
	ErrNotMesos = errors.New("executor: not a Mesos agent")
)

// APIError is an answer from the agent other than the expected 200 or 202.
// Run and the calls wrap it; use errors.As. Its fields:
//
//	StatusCode int    // e.g. 403
//	Status     string // e.g. "403 Forbidden"
//	Body       string // the start of the response body (at most 4 KiB), trimmed
//	Call       string // the call type, e.g. "UPDATE"; may be empty
//	Location   string // the Location header, if any
//
// The same type is scheduler.APIError (the master's answers).
type APIError = httpapi.APIError

// VarError describes one environment variable that is missing or invalid.
// Its text never contains the value of MESOS_EXECUTOR_AUTHENTICATION_TOKEN.
type VarError struct {
	// Name is the variable, e.g. "MESOS_CHECKPOINT".
	Name string
	// Value is the value found ("" when missing, "<redacted>" for secrets).
	Value string
	// Err is ErrMissingVariable, ErrInvalidVariable or ErrUnsupported,
	// possibly wrapping the parse error.
	Err error
}

// Error implements error: `MESOS_CHECKPOINT="yes": must be "1" or "0"`.
func (e *VarError) Error() string {
	var b strings.Builder
	b.WriteString(e.Name)
	if e.Value != "" {
		b.WriteString("=")
		b.WriteString(quote(e.Value))
	}
	b.WriteString(": ")
	b.WriteString(e.Err.Error())
	return b.String()
}

// Unwrap returns Err.
func (e *VarError) Unwrap() error { return e.Err }

// ConfigError lists every problem found in an executor's environment, so
// that one run shows them all.
type ConfigError struct {
	// Problems holds one *VarError per bad variable, in a stable order.
	Problems []*VarError
}

// Error implements error: "executor: invalid environment: A: ...; B: ...".
func (e *ConfigError) Error() string {
	var b strings.Builder
	b.WriteString("executor: invalid environment: ")
	for i, p := range e.Problems {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(p.Error())
	}
	return b.String()
}

// Unwrap returns the problems, so errors.Is(err, ErrMissingVariable) and
// errors.As(err, **VarError) work.
func (e *ConfigError) Unwrap() []error {
	out := make([]error, len(e.Problems))
	for i, p := range e.Problems {
		out[i] = p
	}
	return out
}

// Has reports whether the variable name is among the problems.
func (e *ConfigError) Has(name string) bool {
	for _, p := range e.Problems {
		if p.Name == name {
			return true
		}
	}
	return false
}

// recoveryTimeoutError is ErrRecoveryTimeout that also matches
// ErrDisconnected and carries the last disconnection cause.
type recoveryTimeoutError struct{ cause error }

func (e *recoveryTimeoutError) Error() string {
	if e.cause == nil {
		return ErrRecoveryTimeout.Error()
	}
	return ErrRecoveryTimeout.Error() + ": " + e.cause.Error()
}

func (e *recoveryTimeoutError) Unwrap() []error {
	errs := []error{ErrRecoveryTimeout, ErrDisconnected}
	if e.cause != nil {
		errs = append(errs, e.cause)
	}
	return errs
}
