// SPDX-License-Identifier: Apache-2.0

package scheduler

import (
	"errors"

	"github.com/mesoskit/mesoskit/internal/httpapi"
)

// Sentinel errors. Test with errors.Is.
var (
	// ErrNotSubscribed is returned by every call made while the Client has
	// no live subscription: before the first SUBSCRIBED event, between a
	// dropped stream and the next SUBSCRIBED, and after Run has returned.
	// A call that was in flight when its subscription ended also wraps it.
	// Nothing is queued for a later subscription.
	ErrNotSubscribed = errors.New("scheduler: not subscribed")

	// ErrAlreadyRunning is returned by Run when Run has been called before
	// on the same Client. A Client runs at most once.
	ErrAlreadyRunning = errors.New("scheduler: Run already called")

	// ErrMissedHeartbeats is the reason (see Callbacks.Disconnected) for a
	// subscription dropped because the master stayed silent for longer
	// than the configured number of heartbeat intervals.
	ErrMissedHeartbeats = errors.New("scheduler: missed heartbeats")

	// ErrLeaderChanged is the reason for a subscription dropped because
	// the detector reported a different leading master (or none).
	ErrLeaderChanged = errors.New("scheduler: leading master changed")

	// ErrTornDown is the reason (see Callbacks.Disconnected) for the
	// subscription ended by a successful Teardown.
	ErrTornDown = errors.New("scheduler: framework torn down")

	// ErrTooManyRedirects is reported when a SUBSCRIBE was redirected
	// more times than WithMaxRedirects allows, or back to a master it
	// had already visited. It is retried with backoff.
	ErrTooManyRedirects = errors.New("scheduler: too many redirects")

	// ErrOfferUsed is returned by Accept and Launch, before anything is sent,
	// for an offer the running handler has already accepted or declined.
	ErrOfferUsed = errors.New("scheduler: offer already accepted or declined in this handler")

	// ErrInvalidTask is returned by Accept and Launch, before anything is
	// sent, for a task Mesos could not even parse (no task_id, name or
	// agent_id); the error names each problem.
	ErrInvalidTask = errors.New("scheduler: invalid task")

	// ErrNoLeader is why Run is not subscribed while the detector knows no
	// leading master (see Client.WaitSubscribed).
	ErrNoLeader = errors.New("scheduler: no leading master")
)

// APIError is the error a master answered with instead of 200/202. Calls and
// Run wrap it; use errors.As. Its fields:
//
//	StatusCode int    // e.g. 400
//	Status     string // e.g. "400 Bad Request"
//	Body       string // the start of the response body (at most 4 KiB), trimmed
//	Call       string // the call type, e.g. "ACCEPT"; may be empty
//	Location   string // the Location header of a 307: "//host:port/path"
//
// Its text never includes request headers or credentials. The same type is
// executor.APIError (the agent's answers).
type APIError = httpapi.APIError

// FrameworkError is returned by Run when the master sent an ERROR event,
// for example "Framework has been removed" (the framework was torn down or
// its failover timeout expired), "Framework failed over" (another scheduler
// subscribed with the same framework ID) or a refused FrameworkInfo. The
// master closes the stream after it; Run does not retry.
type FrameworkError struct {
	// Message is the text of the ERROR event, as the master sent it.
	Message string
}

// Error implements error.
func (e *FrameworkError) Error() string {
	return "scheduler: framework error: " + e.Message
}

// Removed reports whether the master has removed the framework (torn down
// or failover timeout expired), in which case its framework ID can never be
// used again.
func (e *FrameworkError) Removed() bool {
	return e != nil && e.Message == msgFrameworkRemoved
}

// msgFrameworkRemoved is the ERROR message of a SUBSCRIBE with the ID of a
// removed framework (Mesos master.cpp).
const msgFrameworkRemoved = "Framework has been removed"
