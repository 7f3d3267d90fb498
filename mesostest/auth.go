// SPDX-License-Identifier: Apache-2.0

package mesostest

import (
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"

	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/internal/httpapi"
	"github.com/mesoskit/mesoskit/mesosproto/schedulerpb"
)

// The answer of libprocess's Basic authenticator for the scheduler
// endpoint's realm (src/master/master.cpp; 3rdparty/libprocess/src/
// authenticator.cpp; http.hpp Unauthorized).
const (
	schedulerRealm   = "mesos-master-scheduler"
	basicChallenge   = `Basic realm="` + schedulerRealm + `"`
	unauthorizedBody = "401 Unauthorized."
)

// authConfig is what WithCredentials sets.
type authConfig struct {
	on          bool
	credentials map[string]string // principal → secret
	operator    bool              // WithOperatorAuthentication (acl_http.go)
	acls        *ACLs             // WithACLs (acl.go); nil: no authorizer
}

func (a *authConfig) validate() error {
	if a.acls != nil {
		if err := a.acls.validate(); err != nil {
			return err
		}
	}
	if a.operator && !a.on {
		return fmt.Errorf("%w: WithOperatorAuthentication needs WithCredentials", ErrInvalidOption)
	}
	if !a.on {
		return nil
	}
	if len(a.credentials) == 0 {
		return fmt.Errorf("%w: WithCredentials: no credentials", ErrInvalidOption)
	}
	for p := range a.credentials {
		if p == "" {
			return fmt.Errorf("%w: WithCredentials: empty principal", ErrInvalidOption)
		}
	}
	return nil
}

// WithCredentials turns on HTTP authentication of frameworks, as a master
// started with --authenticate_http_frameworks,
// --http_framework_authenticators=basic and --credentials does (the map is
// principal → secret). Every request to the scheduler endpoint must then
// carry "Authorization: Basic base64(principal:secret)" with one of these
// credentials. Otherwise the master answers 401 with
// `WWW-Authenticate: Basic realm="mesos-master-scheduler"` and the body
// "401 Unauthorized.", before anything else: before a non-leading master
// redirects, before the method, headers or body are looked at. The header
// is parsed as libprocess does: exactly "Basic", one space and a base64
// token (decoded leniently: padding optional, whitespace skipped, anything
// after '=' ignored) whose text has exactly one ':'. So a principal or
// secret containing ':' is accepted here but never authenticates.
//
// After authentication (docs/PROTOCOL.md §2): a SUBSCRIBE
// whose FrameworkInfo.principal is set must name the authenticated principal
// (400 "Failed to validate scheduler::Call: Authenticated principal ...");
// an unset one is filled in with it; every later call must come from the
// principal the framework subscribed with (400 "Authenticated principal
// ... does not match ..."), checked right after "Framework cannot be
// found".
//
// The map is copied; it must not be empty, and principals must not be
// empty. Credentials are never logged.
func WithCredentials(credentials map[string]string) Option {
	return func(c *config) {
		c.auth.on = true
		c.auth.credentials = make(map[string]string, len(credentials))
		for p, s := range credentials {
			c.auth.credentials[p] = s
		}
	}
}

// authenticate applies libprocess's Basic authenticator to r. It returns the
// authenticated principal, "" when authentication is off; ok is false when
// the request must be answered 401.
func (a *authConfig) authenticate(r *http.Request) (principal string, ok bool) {
	if !a.on {
		return "", true
	}
	values := r.Header.Values(httpapi.HeaderAuthorization)
	if len(values) == 0 {
		return "", false
	}
	parts := strings.Split(values[0], " ")
	if len(parts) != 2 || parts[0] != "Basic" {
		return "", false
	}
	decoded, ok := decodeBase64Lenient(parts[1])
	if !ok {
		return "", false
	}
	cred := strings.Split(decoded, ":")
	if len(cred) != 2 {
		return "", false
	}
	secret, known := a.credentials[cred[0]]
	if !known || subtle.ConstantTimeCompare([]byte(secret), []byte(cred[1])) != 1 {
		return "", false
	}
	return cred[0], true
}

// decodeBase64Lenient decodes standard base64 as stout's base64::decode
// does: decoding stops at the first '=', whitespace is skipped, padding is
// optional (a lone trailing character yields nothing), and any other
// character outside the alphabet is an error.
func decodeBase64Lenient(s string) (string, bool) {
	buf := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '=':
			i = len(s)
			continue
		case c == ' ', c == '\t', c == '\n', c == '\v', c == '\f', c == '\r':
			continue
		case 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z', '0' <= c && c <= '9', c == '+', c == '/':
			buf = append(buf, c)
		default:
			return "", false
		}
	}
	if len(buf)%4 == 1 {
		buf = buf[:len(buf)-1]
	}
	out, err := base64.RawStdEncoding.DecodeString(string(buf))
	if err != nil {
		return "", false
	}
	return string(out), true
}

// unauthorized fills rp with the 401 of a failed authentication.
func unauthorized(rp *reply) {
	rp.status, rp.body, rp.challenge = http.StatusUnauthorized, unauthorizedBody, basicChallenge
}

// principalMismatch is the text Mesos uses when the authenticated principal
// is not FrameworkInfo.principal (validation.cpp, http.cpp).
func principalMismatch(authenticated, info string) string {
	return "Authenticated principal '" + authenticated + "' does not match principal '" + info + "' set in `FrameworkInfo`"
}

// checkSubscribePrincipal is the last check of SUBSCRIBE validation: a
// principal set in FrameworkInfo must be the authenticated one.
func checkSubscribePrincipal(call *schedulerpb.Call, principal string) error {
	fi := call.GetSubscribe().GetFrameworkInfo()
	if principal == "" || call.GetType() != schedulerpb.Call_SUBSCRIBE || fi.Principal == nil || fi.GetPrincipal() == principal {
		return nil
	}
	return fmt.Errorf("%s", principalMismatch(principal, fi.GetPrincipal()))
}

// withPrincipal returns sub with FrameworkInfo.principal filled in from the
// authenticated principal when it is unset, as Master::Http::scheduler
// does; sub itself (the recorded call) is left alone.
func withPrincipal(sub *schedulerpb.Call_Subscribe, principal string) *schedulerpb.Call_Subscribe {
	if principal == "" || sub.GetFrameworkInfo().Principal != nil {
		return sub
	}
	cp := proto.Clone(sub).(*schedulerpb.Call_Subscribe)
	cp.FrameworkInfo.Principal = proto.String(principal)
	return cp
}

// checkCallPrincipalLocked applies row 12 of §1.3 to a call other than
// SUBSCRIBE: the authenticated principal must be the framework's. An
// unknown framework is left to the next check (row 11 comes first).
func (m *master) checkCallPrincipalLocked(call *schedulerpb.Call, principal string) (int, string) {
	if principal == "" {
		return 0, ""
	}
	fw := m.st.frameworks[call.GetFrameworkId().GetValue()]
	if fw == nil || fw.info.GetPrincipal() == principal {
		return 0, ""
	}
	return http.StatusBadRequest, principalMismatch(principal, fw.info.GetPrincipal())
}
