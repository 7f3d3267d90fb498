// SPDX-License-Identifier: Apache-2.0

package scheduler

import (
	"strings"

	"github.com/mesoskit/mesoskit/internal/httpapi"
)

// Authentication and authorization refusals. Test with errors.Is; the
// error also unwraps to its *APIError or *FrameworkError.
var (
	// ErrUnauthenticated is matched by the error of Run or of a call that
	// the master answered 401: missing or wrong credentials
	// (WithCredentials). Run does not retry it.
	ErrUnauthenticated = httpapi.ErrUnauthenticated
	// ErrForbidden is matched when the master's authorizer (its --acls)
	// refused the framework's principal:
	//   - Run's *FrameworkError for the ERROR event that refuses a
	//     SUBSCRIBE, "Not authorized to register framework <id> with
	//     roles { ... }" (Master::_subscribe; Mesos sends an ERROR event
	//     on the stream here, not a 403);
	//   - a call's *APIError with status 403 from the authorizer, e.g.
	//     UpdateFramework with a role the principal may not use.
	// A 403 "Framework is not subscribed" does not match. A task the
	// principal may not launch is not an error of any call: it arrives as
	// an UPDATE with TASK_ERROR and REASON_TASK_UNAUTHORIZED
	// (REASON_TASK_GROUP_UNAUTHORIZED for LAUNCH_GROUP).
	ErrForbidden = httpapi.ErrForbidden
)

// msgNotAuthorized starts the message of every refusal by Mesos's
// authorizer sent as an ERROR event (Master::_subscribe, src/master/master.cpp).
const msgNotAuthorized = "Not authorized to "

// Is reports whether the ERROR event was an authorization refusal
// (target ErrForbidden).
func (e *FrameworkError) Is(target error) bool {
	return target == ErrForbidden && e != nil && strings.HasPrefix(e.Message, msgNotAuthorized)
}
