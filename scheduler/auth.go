// SPDX-License-Identifier: Apache-2.0

package scheduler

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/internal/httpapi"
	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/schedulerpb"
)

// credentials are the HTTP Basic credentials of WithCredentials. The secret
// lives only inside the header closure, so that printing a config or a
// Client with fmt (even %#v) or a reflection-based encoder shows neither the
// secret nor its base64 form.
type credentials struct {
	principal string
	header    func() string // "Basic base64(principal:secret)"
	problems  []error       // found by WithCredentials; never quote the secret
}

// String keeps the secret out of any formatting of a credentials value.
func (c *credentials) String() string { return "principal " + c.principal + " (secret redacted)" }

// GoString is String for %#v.
func (c *credentials) GoString() string { return c.String() }

// WithCredentials makes the Client authenticate to the master with HTTP
// Basic authentication, as a master started with
// --authenticate_http_frameworks requires: every request, SUBSCRIBE
// included, carries "Authorization: Basic base64(principal:secret)", as
// Mesos's own scheduler library sends it. The credentials work with every
// transport, including one given with WithHTTPClient. They are never logged
// and never part of an error.
//
// Mesos splits the decoded "principal:secret" at every ':' and accepts
// exactly two parts, so a principal or a secret containing ':' could never
// authenticate: New rejects them, as it rejects an empty principal or
// secret.
//
// FrameworkInfo.principal must be the same principal (the master answers
// 400 otherwise); when it is unset, New sets it to principal — the master
// would fill it in anyway, and UPDATE_FRAMEWORK calls must then carry it,
// which the Client sees to: an UPDATE_FRAMEWORK whose FrameworkInfo has no
// principal gets this one.
//
// Send credentials over TLS only (WithTLS, WithTLSFiles, or an https://
// master): Basic authentication does not protect them on the wire.
func WithCredentials(principal, secret string) Option {
	cr := &credentials{principal: principal}
	if principal == "" {
		cr.problems = append(cr.problems, errors.New("WithCredentials: empty principal"))
	} else if strings.Contains(principal, ":") {
		cr.problems = append(cr.problems, fmt.Errorf("WithCredentials: principal %q contains ':', which Mesos never authenticates (it splits \"principal:secret\" at every ':')", principal))
	}
	if secret == "" {
		cr.problems = append(cr.problems, errors.New("WithCredentials: empty secret"))
	} else if strings.Contains(secret, ":") {
		cr.problems = append(cr.problems, errors.New("WithCredentials: the secret contains ':', which Mesos never authenticates (it splits \"principal:secret\" at every ':')"))
	}
	value := "Basic " + base64.StdEncoding.EncodeToString([]byte(principal+":"+secret))
	cr.header = func() string { return value }
	return func(c *config) { c.creds = cr }
}

// validateCredentials reports the problems WithCredentials found.
func (c *config) validateCredentials() []error {
	if c.creds == nil {
		return nil
	}
	return c.creds.problems
}

// checkPrincipal reports a FrameworkInfo.principal that differs from the
// WithCredentials principal: the master would refuse every SUBSCRIBE with
// 400.
func (c *config) checkPrincipal(fw *mesosproto.FrameworkInfo) error {
	if c.creds == nil || fw == nil || fw.Principal == nil || fw.GetPrincipal() == c.creds.principal {
		return nil
	}
	return fmt.Errorf("FrameworkInfo.principal %q differs from the WithCredentials principal %q (the master refuses that with 400)",
		fw.GetPrincipal(), c.creds.principal)
}

// fillPrincipal sets FrameworkInfo.principal to the WithCredentials
// principal when it is unset, as the master does with the authenticated
// principal.
func (c *config) fillPrincipal(fw *mesosproto.FrameworkInfo) {
	if c.creds != nil && fw != nil && fw.Principal == nil {
		fw.Principal = proto.String(c.creds.principal)
	}
}

// prepareCall fills in what the credentials imply for an outgoing call: an
// UPDATE_FRAMEWORK must keep the principal the framework subscribed with
// (the master refuses "Changing framework's principal is not allowed."),
// so an unset one gets the authenticated principal. call is the Client's
// own copy.
func (c *Client) prepareCall(call *schedulerpb.Call) {
	if call.GetType() == schedulerpb.Call_UPDATE_FRAMEWORK {
		c.cfg.fillPrincipal(call.GetUpdateFramework().GetFrameworkInfo())
	}
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

// withAuth wraps hc's transport so that every request carries the
// credentials.
func (c *Client) withAuth(hc *http.Client) {
	if c.cfg.creds == nil {
		return
	}
	base := hc.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	hc.Transport = &authTransport{base: base, header: c.cfg.creds.header}
}
