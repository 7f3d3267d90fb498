// SPDX-License-Identifier: Apache-2.0

package httpapi

import (
	"errors"
	"net/http"
)

// The two ways Mesos refuses a caller, told apart with errors.Is on an
// *APIError (the scheduler and operator packages re-export them).
var (
	// ErrUnauthenticated matches a 401: the credentials were missing or
	// refused (libprocess's authenticator answers before any handler).
	ErrUnauthenticated = errors.New("mesos: authentication refused")
	// ErrForbidden matches a 403 of the authorizer: the authenticated (or
	// anonymous) principal may not do this, e.g. UPDATE_FRAMEWORK with a
	// role its ACLs refuse ("Not authorized to register framework ...") or
	// an operator TEARDOWN (403 with no body). It does not match the 403s
	// that are about the connection, not the principal: "Framework is not
	// subscribed" and "Framework is not connected via HTTP"
	// (Master::Http::scheduler, src/master/http.cpp).
	ErrForbidden = errors.New("mesos: not authorized")
)

// Is reports whether e is ErrUnauthenticated or ErrForbidden (see them).
func (e *APIError) Is(target error) bool {
	switch target {
	case ErrUnauthenticated:
		return e.StatusCode == http.StatusUnauthorized
	case ErrForbidden:
		return e.StatusCode == http.StatusForbidden &&
			e.Body != "Framework is not subscribed" && e.Body != "Framework is not connected via HTTP"
	}
	return false
}
