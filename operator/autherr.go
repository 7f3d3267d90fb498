// SPDX-License-Identifier: Apache-2.0

package operator

import "github.com/mesoskit/mesoskit/internal/httpapi"

// Authentication and authorization refusals, matched with errors.Is by the
// error of a call or of Subscribe; the error also unwraps to its *APIError.
var (
	// ErrUnauthenticated: the master or agent answered 401, the credentials
	// (WithCredentials) were missing or refused (a master started with
	// --authenticate_http_readwrite or --authenticate_http_readonly).
	ErrUnauthenticated = httpapi.ErrUnauthenticated
	// ErrForbidden: the answer was 403, the authorizer (the master's --acls)
	// refused the caller's principal, e.g. Teardown of a framework that
	// teardown_frameworks does not let it remove (Mesos sends no body).
	ErrForbidden = httpapi.ErrForbidden
)
