// SPDX-License-Identifier: Apache-2.0

package operator

import (
	"errors"
	"strings"

	"github.com/mesoskit/mesoskit/internal/httpapi"
)

// Sentinel errors. Test with errors.Is.
var (
	// ErrMissedHeartbeats is the reason (see Callbacks.Disconnected) for an
	// event stream dropped because the master stayed silent for longer than
	// the configured number of heartbeat intervals.
	ErrMissedHeartbeats = errors.New("operator: missed heartbeats")

	// ErrLeaderChanged is the reason for an event stream dropped because the
	// detector reported a different leading master (or none).
	ErrLeaderChanged = errors.New("operator: leading master changed")

	// ErrTooManyRedirects is returned when a request was redirected more
	// times than WithMaxRedirects allows, or back to a master it had already
	// visited.
	ErrTooManyRedirects = errors.New("operator: too many redirects")

	// ErrNoLeader is returned by a call made while the detector knows no
	// leading master.
	ErrNoLeader = errors.New("operator: no leading master")

	// ErrUnexpectedResponse is wrapped by the error of a call whose 2xx
	// answer cannot be what Mesos sends: a Content-Type other than the one
	// asked for, a body that does not decode, or a response of another type
	// than the call's.
	ErrUnexpectedResponse = errors.New("operator: unexpected response")

	// ErrTooLarge is wrapped by the error of a response or event larger than
	// WithMaxResponseSize or WithMaxFrameSize.
	ErrTooLarge = errors.New("operator: response too large")
)

// APIError is the error a master or agent answered with: its HTTP status,
// body and the call it answered (the call type name, such as "GET_STATE", or
// the files API path, such as "/files/read"). Calls wrap it; use errors.As.
// Its text never carries a credential.
type APIError = httpapi.APIError

// callError is the error of a call: "operator: GET_STATE: <cause>". An
// *APIError already names its call: "operator: mesos: GET_STATE call: 400
// Bad Request: ...".
type callError struct {
	call string
	err  error
}

func callErr(call string, err error) error { return &callError{call: call, err: err} }

func (e *callError) Error() string {
	var apiErr *APIError
	if errors.As(e.err, &apiErr) {
		return "operator: " + e.err.Error()
	}
	return "operator: " + e.call + ": " + strings.TrimPrefix(e.err.Error(), "operator: ")
}

func (e *callError) Unwrap() error { return e.err }

// ErrClosed is returned by the calls of a Master used after Close.
var ErrClosed = errors.New("operator: client closed")
