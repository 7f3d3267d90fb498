// SPDX-License-Identifier: Apache-2.0

package httpsec

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/mesoskit/mesoskit/internal/httpapi"
)

// SplitDetail is the explanation the scheduler appends to its errors about a
// ':' in a principal or a secret (see [NewCredentials]).
const SplitDetail = ` (it splits "principal:secret" at every ':')`

// Credentials are HTTP Basic credentials: a principal and a secret. The
// secret lives only inside the header closure, so that printing a
// Credentials, or a struct holding one, with fmt (even %#v) or a
// reflection-based encoder shows neither the secret nor its base64 form.
// A nil *Credentials means no credentials.
type Credentials struct {
	principal string
	header    func() string // "Basic base64(principal:secret)"
	problems  []error       // found by NewCredentials; never quote the secret
}

// NewCredentials makes the credentials of WithCredentials(principal,
// secret), with the header Mesos's basic authenticatee sends:
// "Basic " + base64(principal + ":" + secret)
// (src/authentication/http/basic_authenticatee.cpp,
// BasicAuthenticateeProcess::authenticate).
//
// It records, for [Credentials.Problems], an empty principal or secret and
// a principal or secret containing ':'. Mesos's basic authenticator splits
// the decoded "principal:secret" at every ':' and accepts exactly two parts
// (3rdparty/libprocess/src/authenticator.cpp,
// BasicAuthenticatorProcess::authenticate), so such credentials could never
// authenticate. The errors about a ':' end with detail ("" or
// [SplitDetail]); none quotes the secret.
func NewCredentials(principal, secret, detail string) *Credentials {
	cr := &Credentials{principal: principal}
	if principal == "" {
		cr.problems = append(cr.problems, errors.New("WithCredentials: empty principal"))
	} else if strings.Contains(principal, ":") {
		cr.problems = append(cr.problems, fmt.Errorf("WithCredentials: principal %q contains ':', which Mesos never authenticates%s", principal, detail))
	}
	if secret == "" {
		cr.problems = append(cr.problems, errors.New("WithCredentials: empty secret"))
	} else if strings.Contains(secret, ":") {
		cr.problems = append(cr.problems, errors.New("WithCredentials: the secret contains ':', which Mesos never authenticates"+detail))
	}
	value := "Basic " + base64.StdEncoding.EncodeToString([]byte(principal+":"+secret))
	cr.header = func() string { return value }
	return cr
}

// Principal is the principal the credentials were made with.
func (c *Credentials) Principal() string { return c.principal }

// Header is the value of the Authorization header:
// "Basic base64(principal:secret)". Never log it.
func (c *Credentials) Header() string { return c.header() }

// Problems are the configuration errors NewCredentials found, nil when
// there are none or c is nil.
func (c *Credentials) Problems() []error {
	if c == nil {
		return nil
	}
	return c.problems
}

// String keeps the secret out of any formatting of a Credentials.
func (c *Credentials) String() string { return "principal " + c.principal + " (secret redacted)" }

// GoString is String for %#v.
func (c *Credentials) GoString() string { return c.String() }

// Authorize wraps the transport of hc (http.DefaultTransport when it has
// none) so that every request hc sends carries the credentials. A nil c
// leaves hc alone.
func (c *Credentials) Authorize(hc *http.Client) {
	if c == nil {
		return
	}
	base := hc.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	hc.Transport = &authTransport{base: base, header: c.header}
}

// authTransport adds the Authorization header to every request it sends.
type authTransport struct {
	base   http.RoundTripper
	header func() string
}

// RoundTrip implements http.RoundTripper. It sends a copy of req with the
// header set, leaving req as the caller made it.
func (t *authTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	r := req.Clone(req.Context())
	r.Header.Set(httpapi.HeaderAuthorization, t.header())
	return t.base.RoundTrip(r)
}
