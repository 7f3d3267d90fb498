// SPDX-License-Identifier: Apache-2.0

package scheduler

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"os"

	"github.com/mesoskit/mesoskit/detector"
	"github.com/mesoskit/mesoskit/mesosproto"
)

// tlsSettings are what WithTLS, WithTLSFiles and WithScheme set.
type tlsSettings struct {
	config *tls.Config // WithTLS: a clone of the caller's config
	files  *tlsFiles   // WithTLSFiles
	scheme string      // WithScheme

	useConfig bool // WithTLS was used (even with nil)

	client *tls.Config // the result, built by prepareTLS
}

type tlsFiles struct{ ca, cert, key string }

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
		c.tls.useConfig = true
		if cfg == nil {
			c.problems = append(c.problems, errors.New("WithTLS: nil *tls.Config"))
			return
		}
		c.tls.config = cfg.Clone()
	}
}

// WithTLSFiles is WithTLS with PEM files, in the manner of libprocess's
// LIBPROCESS_SSL_CA_FILE, LIBPROCESS_SSL_CERT_FILE and
// LIBPROCESS_SSL_KEY_FILE: caFile holds the certificate authorities to trust
// instead of the system roots ("" keeps the system roots); certFile and
// keyFile hold a client certificate and its key, both or neither. New
// reads the files and reports any that cannot be read or parsed.
func WithTLSFiles(caFile, certFile, keyFile string) Option {
	return func(c *config) {
		c.tls.files = &tlsFiles{ca: caFile, cert: certFile, key: keyFile}
	}
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
	return func(c *config) { c.tls.scheme = scheme }
}

// validateTLS checks the TLS options and builds the client configuration,
// reading the files of WithTLSFiles.
func (c *config) validateTLS() []error {
	var errs []error
	t := &c.tls
	switch t.scheme {
	case "", "http", "https":
	default:
		errs = append(errs, fmt.Errorf("WithScheme: %q is neither \"http\" nor \"https\"", t.scheme))
	}
	var given string
	switch {
	case t.useConfig && t.files != nil:
		errs = append(errs, errors.New("WithTLS and WithTLSFiles are mutually exclusive"))
		given = "WithTLS"
	case t.useConfig:
		given = "WithTLS"
	case t.files != nil:
		given = "WithTLSFiles"
	default:
		return errs
	}
	if c.httpClient != nil {
		errs = append(errs, fmt.Errorf("%s and WithHTTPClient are mutually exclusive: configure TLS on your own client", given))
	}
	if t.scheme == "http" {
		errs = append(errs, fmt.Errorf("WithScheme(\"http\") contradicts %s", given))
	}
	switch {
	case t.config != nil:
		t.client = t.config.Clone()
	case t.files != nil:
		cfg, err := t.files.load()
		if err != nil {
			errs = append(errs, fmt.Errorf("WithTLSFiles: %w", err))
		}
		t.client = cfg
	}
	return errs
}

// load reads the PEM files into a TLS client configuration.
func (f *tlsFiles) load() (*tls.Config, error) {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	var errs []error
	if f.ca != "" {
		pem, err := os.ReadFile(f.ca)
		if err != nil {
			errs = append(errs, fmt.Errorf("CA file: %w", err))
		} else {
			pool := x509.NewCertPool()
			if !pool.AppendCertsFromPEM(pem) {
				errs = append(errs, fmt.Errorf("CA file %s: no PEM certificate found", f.ca))
			}
			cfg.RootCAs = pool
		}
	}
	switch {
	case f.cert == "" && f.key == "":
	case f.cert == "" || f.key == "":
		errs = append(errs, errors.New("a client certificate needs both certFile and keyFile"))
	default:
		// The error of X509KeyPair never quotes the key itself.
		cert, err := tls.LoadX509KeyPair(f.cert, f.key)
		if err != nil {
			errs = append(errs, fmt.Errorf("client certificate: %w", err))
		} else {
			cfg.Certificates = []tls.Certificate{cert}
		}
	}
	return cfg, errors.Join(errs...)
}

// defaultScheme is the scheme of masters whose spec carries none.
func (c *config) defaultScheme() string {
	switch {
	case c.tls.scheme != "":
		return c.tls.scheme
	case c.tls.client != nil:
		return "https"
	}
	return "http"
}

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
	if cfg := c.cfg.tls.client; cfg != nil {
		for _, hc := range []*http.Client{c.callHTTP, c.streamHTTP} {
			if t, ok := hc.Transport.(*http.Transport); ok {
				t.TLSClientConfig = cfg.Clone()
			}
		}
	}
	c.withAuth(c.callHTTP)
	c.withAuth(c.streamHTTP)
}
