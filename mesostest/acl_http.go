// SPDX-License-Identifier: Apache-2.0

package mesostest

import (
	"context"
	"net/http"

	"github.com/mesoskit/mesoskit/mesosproto/masterpb"
)

// readwriteRealm is the realm of the master's read-write endpoints
// (READWRITE_HTTP_AUTHENTICATION_REALM, src/master/constants.hpp).
const readwriteRealm = "mesos-master-readwrite"

// readwriteRoutes are the master's routes in the read-write realm
// (Master::initialize, src/master/master.cpp), besides /api/v1.
var readwriteRoutes = map[string]bool{
	"create-volumes": true, "destroy-volumes": true, "reserve": true, "unreserve": true, "teardown": true,
	"maintenance/schedule": true, "machine/down": true, "machine/up": true, "weights": true, "quota": true,
}

// WithOperatorAuthentication makes the master authenticate its read-write
// endpoints, as --authenticate_http_readwrite does: the operator API
// (/api/v1) and /teardown, /reserve, /unreserve, /create-volumes,
// /destroy-volumes, /quota, /weights, /maintenance/schedule,
// /machine/down and /machine/up need "Authorization: Basic ..." with one
// of the WithCredentials credentials, parsed as for the scheduler
// endpoint; otherwise they answer 401 "401 Unauthorized." with
// `WWW-Authenticate: Basic realm="mesos-master-readwrite"`, before
// anything else. The authenticated principal is the subject of the
// teardown_frameworks ACLs (WithACLs). It needs WithCredentials.
func WithOperatorAuthentication() Option {
	return func(c *config) { c.auth.operator = true }
}

// authenticateOperator authenticates a request to a read-write endpoint:
// the principal (nil when authentication is off); ok is false for a 401.
func (a *authConfig) authenticateOperator(r *http.Request) (principal *string, ok bool) {
	if !a.operator {
		return nil, true
	}
	p, ok := a.authenticate(r)
	if !ok {
		return nil, false
	}
	return &p, true
}

// operatorUnauthorized writes the 401 of the read-write realm.
func operatorUnauthorized(w http.ResponseWriter) {
	rp := &reply{status: http.StatusUnauthorized, body: unauthorizedBody, challenge: `Basic realm="` + readwriteRealm + `"`}
	rp.write(w)
}

type principalKey struct{}

// withOperatorPrincipal authenticates r for a read-write route and returns
// it carrying the principal; ok is false when the 401 was written.
func (m *master) withOperatorPrincipal(w http.ResponseWriter, r *http.Request) (*http.Request, bool) {
	p, ok := m.s.cfg.auth.authenticateOperator(r)
	if !ok {
		operatorUnauthorized(w)
		return r, false
	}
	if p == nil {
		return r, true
	}
	return r.WithContext(context.WithValue(r.Context(), principalKey{}, *p)), true
}

// operatorPrincipal is the principal withOperatorPrincipal authenticated.
func operatorPrincipal(r *http.Request) *string {
	if p, ok := r.Context().Value(principalKey{}).(string); ok {
		return &p
	}
	return nil
}

// teardownForbiddenLocked is the authorization of an operator TEARDOWN of
// a known framework (Master::Http::_teardown: an unknown one is 400 first).
func (m *master) teardownForbiddenLocked(call *masterpb.Call, principal *string) bool {
	if call.GetType() != masterpb.Call_TEARDOWN {
		return false
	}
	fw := m.st.frameworks[call.GetTeardown().GetFrameworkId().GetValue()]
	return fw != nil && m.s.cfg.auth.teardownForbidden(principal, fw)
}
