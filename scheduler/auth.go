// SPDX-License-Identifier: Apache-2.0

package scheduler

import (
	"fmt"

	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/internal/httpsec"
	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/schedulerpb"
)

// WithCredentials makes the Client authenticate to the master with HTTP
// Basic authentication, as a master started with
// --authenticate_http_frameworks requires: every request, SUBSCRIBE
// included, carries "Authorization: Basic base64(principal:secret)", as
// Mesos's own scheduler library sends it. The credentials work with every
// transport, including one given with WithHTTPClient. They are never logged
// and never part of an error.
//
// Mesos splits the decoded "principal:secret" at every ':' and accepts
// exactly two parts (3rdparty/libprocess/src/authenticator.cpp,
// BasicAuthenticatorProcess::authenticate), so a principal or a secret
// containing ':' could never authenticate: New rejects them, as it rejects
// an empty principal or secret.
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
	cr := httpsec.NewCredentials(principal, secret, httpsec.SplitDetail)
	return func(c *config) { c.creds = cr }
}

// validateCredentials reports the problems WithCredentials found.
func (c *config) validateCredentials() []error { return c.creds.Problems() }

// checkPrincipal reports a FrameworkInfo.principal that differs from the
// WithCredentials principal: the master would refuse every SUBSCRIBE with
// 400.
func (c *config) checkPrincipal(fw *mesosproto.FrameworkInfo) error {
	if c.creds == nil || fw == nil || fw.Principal == nil || fw.GetPrincipal() == c.creds.Principal() {
		return nil
	}
	return fmt.Errorf("FrameworkInfo.principal %q differs from the WithCredentials principal %q (the master refuses that with 400)",
		fw.GetPrincipal(), c.creds.Principal())
}

// fillPrincipal sets FrameworkInfo.principal to the WithCredentials
// principal when it is unset, as the master does with the authenticated
// principal.
func (c *config) fillPrincipal(fw *mesosproto.FrameworkInfo) {
	if c.creds != nil && fw != nil && fw.Principal == nil {
		fw.Principal = proto.String(c.creds.Principal())
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
