// SPDX-License-Identifier: Apache-2.0

package scheduler

import (
	"crypto/tls"
	"net/http"

	"github.com/mesoskit/mesoskit/detector"
	"github.com/mesoskit/mesoskit/mesosproto"
)

// WithTLS makes the Client speak HTTPS to the masters with cfg, a TLS client
// configuration: RootCAs for a custom certificate authority, Certificates
// for a client certificate (a master with LIBPROCESS_SSL_REQUIRE_CLIENT_CERT
// wants one), ServerName, MinVersion, ... cfg is cloned; nil is an error.
// A nil RootCAs means the system roots. Mesos masters enable TLS 1.2 and
// no later version unless LIBPROCESS_SSL_ENABLE_TLS_V1_3 is set; Go's
// defaults speak both.
//
// With TLS configured, masters are reached with https unless the master
// spec says otherwise (see WithScheme). The certificate of a master is
// checked against the host name the detector reports for it (MasterInfo's
// hostname, else its IP address), so it must carry that name.
//
// WithTLS, WithTLSFiles and WithHTTPClient are mutually exclusive: a
// client of your own carries its own TLS settings.
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
// keyFile hold a client certificate and its key, both or neither. New
// reads the files and reports any that cannot be read or parsed.
func WithTLSFiles(caFile, certFile, keyFile string) Option {
	return func(c *config) { c.tls.UseFiles(caFile, certFile, keyFile) }
}

// WithScheme sets the URL scheme, "http" or "https", of masters whose spec
// does not carry one. Nothing on the wire says which scheme a master
// speaks: MasterInfo in ZooKeeper and the Location of a redirect have none
// (a redirect keeps the scheme of the request it answers). The scheme is
// chosen, in order, by:
//
//  1. the master spec, for masters given as http://host:port or
//     https://host:port to WithMaster;
//  2. WithScheme;
//  3. "https" when WithTLS or WithTLSFiles is used, "http" otherwise.
//
// WithScheme("https") alone uses the system roots (or the TLS settings of
// the client given to WithHTTPClient). WithScheme("http") together with
// WithTLS or WithTLSFiles is a configuration error.
func WithScheme(scheme string) Option {
	return func(c *config) { c.tls.SetScheme(scheme) }
}

// validateTLS checks the TLS options and builds the client configuration,
// reading the files of WithTLSFiles.
func (c *config) validateTLS() []error { return c.tls.Validate(c.httpClient != nil) }

// defaultScheme is the scheme of masters whose spec carries none.
func (c *config) defaultScheme() string { return c.tls.DefaultScheme() }

// schemeFor returns the URL scheme to reach leader with (see WithScheme).
func (c *Client) schemeFor(det detector.Detector, leader *mesosproto.MasterInfo) string {
	if s := detector.Scheme(det, leader); s != "" {
		return s
	}
	return c.cfg.defaultScheme()
}

// applySecurity puts the TLS configuration on the transports the Client
// built (WithTLS excludes WithHTTPClient, so they are its own) and the
// credentials on every transport.
func (c *Client) applySecurity() {
	if cfg := c.cfg.tls.Client(); cfg != nil {
		for _, hc := range []*http.Client{c.callHTTP, c.streamHTTP} {
			if t, ok := hc.Transport.(*http.Transport); ok {
				t.TLSClientConfig = cfg.Clone()
			}
		}
	}
	c.cfg.creds.Authorize(c.callHTTP) // a nil creds does nothing
	c.cfg.creds.Authorize(c.streamHTTP)
}
