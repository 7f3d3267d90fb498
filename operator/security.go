// SPDX-License-Identifier: Apache-2.0

package operator

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"

	"github.com/mesoskit/mesoskit/internal/httpapi"
)

// credentials are the HTTP Basic credentials of WithCredentials. The secret
// lives only inside the header closure, so that printing a config with fmt
// (even %#v) shows neither the secret nor its base64 form.
type credentials struct {
	principal string
	header    func() string // "Basic base64(principal:secret)"
	problems  []error       // never quote the secret
}

// String keeps the secret out of any formatting of a credentials value.
func (c *credentials) String() string { return "principal " + c.principal + " (secret redacted)" }

// GoString is String for %#v.
func (c *credentials) GoString() string { return c.String() }

// WithCredentials makes every request, SUBSCRIBE and files API requests
// included, carry "Authorization: Basic base64(principal:secret)", as a
// master or agent started with --authenticate_http_readonly or
// --authenticate_http_readwrite requires (Mesos's basic HTTP authenticator,
// src/authentication/http/basic_authenticator_factory.cpp). The credentials
// work with every transport, including one given with WithHTTPClient, and are
// never logged nor part of an error.
//
// Mesos splits the decoded "principal:secret" at every ':' and accepts
// exactly two parts (src/authentication/http/basic_authenticator.cpp), so a
// principal or a secret containing ':' could never authenticate: the
// constructors reject them, as they reject an empty principal or secret.
//
// Send credentials over TLS only (WithTLS, WithTLSFiles, or https://).
func WithCredentials(principal, secret string) Option {
	cr := &credentials{principal: principal}
	if principal == "" {
		cr.problems = append(cr.problems, errors.New("WithCredentials: empty principal"))
	} else if strings.Contains(principal, ":") {
		cr.problems = append(cr.problems, fmt.Errorf("WithCredentials: principal %q contains ':', which Mesos never authenticates", principal))
	}
	if secret == "" {
		cr.problems = append(cr.problems, errors.New("WithCredentials: empty secret"))
	} else if strings.Contains(secret, ":") {
		cr.problems = append(cr.problems, errors.New("WithCredentials: the secret contains ':', which Mesos never authenticates"))
	}
	value := "Basic " + base64.StdEncoding.EncodeToString([]byte(principal+":"+secret))
	cr.header = func() string { return value }
	return func(c *config) { c.creds = cr }
}

func (c *config) validateCredentials() []error {
	if c.creds == nil {
		return nil
	}
	return c.creds.problems
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

// tlsSettings are what WithTLS, WithTLSFiles and WithScheme set.
type tlsSettings struct {
	config    *tls.Config // WithTLS: a clone of the caller's config
	useConfig bool        // WithTLS was used (even with nil)
	files     *tlsFiles   // WithTLSFiles
	scheme    string      // WithScheme

	client *tls.Config // the result, built by validateTLS
}

type tlsFiles struct{ ca, cert, key string }

// WithTLS makes the client speak HTTPS with cfg, a TLS client configuration
// (RootCAs, a client certificate for a master with
// LIBPROCESS_SSL_REQUIRE_CLIENT_CERT, ServerName, ...). cfg is cloned; nil
// is an error. With TLS configured, masters and agents whose address carries
// no scheme are reached with https (see WithScheme). The certificate of a
// master is checked against the host name the detector reports for it.
// WithTLS, WithTLSFiles and WithHTTPClient are mutually exclusive.
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
// keyFile hold a client certificate and its key, both or neither. The
// constructors read the files and report any that cannot be read or parsed.
func WithTLSFiles(caFile, certFile, keyFile string) Option {
	return func(c *config) { c.tls.files = &tlsFiles{ca: caFile, cert: certFile, key: keyFile} }
}

// WithScheme sets the URL scheme, "http" or "https", of masters and agents
// whose address does not carry one. It is chosen, in order, by the address
// (http://host:port or https://host:port), by WithScheme, and then "https"
// when WithTLS or WithTLSFiles is used, "http" otherwise. A redirect keeps
// the scheme of the request it answers (Mesos sends a protocol-relative
// Location). WithScheme("http") with WithTLS or WithTLSFiles is an error.
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
		cert, err := tls.LoadX509KeyPair(f.cert, f.key) // its errors never quote the key
		if err != nil {
			errs = append(errs, fmt.Errorf("client certificate: %w", err))
		} else {
			cfg.Certificates = []tls.Certificate{cert}
		}
	}
	return cfg, errors.Join(errs...)
}

// defaultScheme is the scheme of addresses that carry none.
func (c *config) defaultScheme() string {
	switch {
	case c.tls.scheme != "":
		return c.tls.scheme
	case c.tls.client != nil:
		return "https"
	}
	return "http"
}
