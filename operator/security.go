// SPDX-License-Identifier: Apache-2.0

package operator

import (
	"crypto/tls"

	"github.com/mesoskit/mesoskit/internal/httpsec"
)

// WithCredentials makes every request, SUBSCRIBE and files API requests
// included, carry "Authorization: Basic base64(principal:secret)", as a
// master or agent started with --authenticate_http_readonly or
// --authenticate_http_readwrite requires (Mesos's basic HTTP authenticator,
// src/authentication/http/basic_authenticator_factory.cpp). The credentials
// work with every transport, including one given with WithHTTPClient, and are
// never logged nor part of an error.
//
// Mesos splits the decoded "principal:secret" at every ':' and accepts
// exactly two parts (3rdparty/libprocess/src/authenticator.cpp,
// BasicAuthenticatorProcess::authenticate), so a principal or a secret
// containing ':' could never authenticate: the constructors reject them, as
// they reject an empty principal or secret.
//
// Send credentials over TLS only (WithTLS, WithTLSFiles, or https://).
func WithCredentials(principal, secret string) Option {
	cr := httpsec.NewCredentials(principal, secret, "")
	return func(c *config) { c.creds = cr }
}

// validateCredentials reports the problems WithCredentials found.
func (c *config) validateCredentials() []error { return c.creds.Problems() }

// WithTLS makes the client speak HTTPS with cfg, a TLS client configuration
// (RootCAs, a client certificate for a master with
// LIBPROCESS_SSL_REQUIRE_CLIENT_CERT, ServerName, ...). cfg is cloned; nil
// is an error. With TLS configured, masters and agents whose address carries
// no scheme are reached with https (see WithScheme). The certificate of a
// master is checked against the host name the detector reports for it.
// WithTLS, WithTLSFiles and WithHTTPClient are mutually exclusive.
func WithTLS(cfg *tls.Config) Option {
	return func(c *config) {
		if err := c.tls.UseConfig(cfg); err != nil {
			c.problems = append(c.problems, err)
		}
	}
}

// WithTLSFiles is WithTLS with PEM files, in the manner of libprocess's
// LIBPROCESS_SSL_CA_FILE, LIBPROCESS_SSL_CERT_FILE and
// LIBPROCESS_SSL_KEY_FILE: caFile holds the certificate authorities to trust
// instead of the system roots ("" keeps the system roots); certFile and
// keyFile hold a client certificate and its key, both or neither. The
// constructors read the files and report any that cannot be read or parsed.
func WithTLSFiles(caFile, certFile, keyFile string) Option {
	return func(c *config) { c.tls.UseFiles(caFile, certFile, keyFile) }
}

// WithScheme sets the URL scheme, "http" or "https", of masters and agents
// whose address does not carry one. It is chosen, in order, by the address
// (http://host:port or https://host:port), by WithScheme, and then "https"
// when WithTLS or WithTLSFiles is used, "http" otherwise. A redirect keeps
// the scheme of the request it answers (Mesos sends a protocol-relative
// Location). WithScheme("http") with WithTLS or WithTLSFiles is an error.
func WithScheme(scheme string) Option {
	return func(c *config) { c.tls.SetScheme(scheme) }
}

// validateTLS checks the TLS options and builds the client configuration,
// reading the files of WithTLSFiles.
func (c *config) validateTLS() []error { return c.tls.Validate(c.httpClient != nil) }

// defaultScheme is the scheme of addresses that carry none.
func (c *config) defaultScheme() string { return c.tls.DefaultScheme() }
