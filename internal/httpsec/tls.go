// SPDX-License-Identifier: Apache-2.0

package httpsec

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
)

// TLS holds what WithTLS, WithTLSFiles and WithScheme set, and, after
// [TLS.Validate], the TLS client configuration they make. The zero value is
// no TLS and no scheme. A TLS is copied with the configuration that holds
// it; copies share the (never modified) *tls.Config values.
type TLS struct {
	config    *tls.Config // WithTLS: a clone of the caller's config
	useConfig bool        // WithTLS was used (even with nil)
	files     *files      // WithTLSFiles
	scheme    string      // WithScheme

	client *tls.Config // the result, built by Validate
}

type files struct{ ca, cert, key string }

// UseConfig records WithTLS(cfg): cfg is cloned. A nil cfg is an error,
// returned for the option's caller to record; UseConfig still counts as
// WithTLS for the checks of Validate.
func (t *TLS) UseConfig(cfg *tls.Config) error {
	t.useConfig = true
	if cfg == nil {
		return errors.New("WithTLS: nil *tls.Config")
	}
	t.config = cfg.Clone()
	return nil
}

// UseFiles records WithTLSFiles(caFile, certFile, keyFile); Validate reads
// the files.
func (t *TLS) UseFiles(caFile, certFile, keyFile string) {
	t.files = &files{ca: caFile, cert: certFile, key: keyFile}
}

// SetScheme records WithScheme(scheme); Validate checks it.
func (t *TLS) SetScheme(scheme string) { t.scheme = scheme }

// Validate checks the options and builds the client configuration, reading
// the files of WithTLSFiles (see [LoadFiles]). ownClient tells that the
// caller gave an HTTP client of its own (WithHTTPClient), which carries its
// own TLS settings and so excludes WithTLS and WithTLSFiles. It reports:
// a scheme other than "", "http" and "https"; WithTLS with WithTLSFiles;
// either with WithHTTPClient; WithScheme("http") with either; and the
// files that cannot be read or parsed.
func (t *TLS) Validate(ownClient bool) []error {
	var errs []error
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
	if ownClient {
		errs = append(errs, fmt.Errorf("%s and WithHTTPClient are mutually exclusive: configure TLS on your own client", given))
	}
	if t.scheme == "http" {
		errs = append(errs, fmt.Errorf("WithScheme(\"http\") contradicts %s", given))
	}
	switch {
	case t.config != nil:
		t.client = t.config.Clone()
	case t.files != nil:
		cfg, err := LoadFiles(t.files.ca, t.files.cert, t.files.key)
		if err != nil {
			errs = append(errs, fmt.Errorf("WithTLSFiles: %w", err))
		}
		t.client = cfg
	}
	return errs
}

// Client is the TLS client configuration Validate built, nil without
// WithTLS or WithTLSFiles (or with WithTLS(nil)). Clone it before handing
// it to a transport.
func (t *TLS) Client() *tls.Config { return t.client }

// DefaultScheme is the scheme of an address that carries none: that of
// WithScheme, else "https" when Validate built a TLS client configuration,
// else "http".
func (t *TLS) DefaultScheme() string {
	switch {
	case t.scheme != "":
		return t.scheme
	case t.client != nil:
		return "https"
	}
	return "http"
}

// LoadFiles reads PEM files into a TLS client configuration, in the manner
// of libprocess's LIBPROCESS_SSL_CA_FILE, LIBPROCESS_SSL_CERT_FILE and
// LIBPROCESS_SSL_KEY_FILE (3rdparty/libprocess/src/openssl.cpp, Flags::Flags
// and reinitialize): caFile holds the certificate authorities to trust
// instead of the system roots ("" keeps the system roots); certFile and
// keyFile hold a client certificate and its key, both or neither. The
// configuration asks for TLS 1.2 at least, the oldest version a Mesos
// master enables by default (enable_tls_v1_2 is on, enable_tls_v1_0 and
// enable_tls_v1_1 are off).
//
// The error joins every problem found: a file that cannot be read, a CA
// file without a PEM certificate, a certificate without its key (or the
// reverse), a certificate and key that do not parse or do not match. The
// configuration is returned even with an error, with what could be loaded.
func LoadFiles(caFile, certFile, keyFile string) (*tls.Config, error) {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	var errs []error
	if caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			errs = append(errs, fmt.Errorf("CA file: %w", err))
		} else {
			pool := x509.NewCertPool()
			if !pool.AppendCertsFromPEM(pem) {
				errs = append(errs, fmt.Errorf("CA file %s: no PEM certificate found", caFile))
			}
			cfg.RootCAs = pool
		}
	}
	switch {
	case certFile == "" && keyFile == "":
	case certFile == "" || keyFile == "":
		errs = append(errs, errors.New("a client certificate needs both certFile and keyFile"))
	default:
		// The errors of LoadX509KeyPair never quote the key itself.
		cert, err := tls.LoadX509KeyPair(certFile, keyFile)
		if err != nil {
			errs = append(errs, fmt.Errorf("client certificate: %w", err))
		} else {
			cfg.Certificates = []tls.Certificate{cert}
		}
	}
	return cfg, errors.Join(errs...)
}
