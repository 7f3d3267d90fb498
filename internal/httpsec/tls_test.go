// SPDX-License-Identifier: Apache-2.0

package httpsec_test

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"io/fs"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mesoskit/mesoskit/internal/httpsec"
)

// TestLoadFiles: LoadFiles loads what it is given and reports, joined,
// every file that cannot be read or parsed: a missing file, a file without
// PEM, a certificate without its key, a key that does not match the
// certificate. No error quotes a key.
func TestLoadFiles(t *testing.T) {
	p := newPKI(t)
	missing := filepath.Join(t.TempDir(), "absent.pem")
	notPEM := writeFile(t, "not.pem", "this is not PEM\n")
	badPEM := writeFile(t, "bad.pem", "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n")
	keyPEM, err := os.ReadFile(p.keyFile)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name            string
		ca, cert, key   string
		want            []string // substrings of the error, in order; none: no error
		notExist        bool     // errors.Is(err, fs.ErrNotExist)
		roots, withCert bool     // RootCAs set, a client certificate loaded
	}{
		{name: "nothing: system roots"},
		{name: "CA only", ca: p.caFile, roots: true},
		{name: "client certificate only", cert: p.certFile, key: p.keyFile, withCert: true},
		{name: "all", ca: p.caFile, cert: p.certFile, key: p.keyFile, roots: true, withCert: true},
		{name: "missing CA file", ca: missing, want: []string{"CA file: open " + missing}, notExist: true},
		{name: "CA file not PEM", ca: notPEM, want: []string{"CA file " + notPEM + ": no PEM certificate found"}, roots: true},
		{name: "CA file with a bad PEM certificate", ca: badPEM, want: []string{"CA file " + badPEM + ": no PEM certificate found"}, roots: true},
		{name: "certificate without key", cert: p.certFile, want: []string{"a client certificate needs both certFile and keyFile"}},
		{name: "key without certificate", key: p.keyFile, want: []string{"a client certificate needs both certFile and keyFile"}},
		{name: "missing certificate file", cert: missing, key: p.keyFile, want: []string{"client certificate: open " + missing}, notExist: true},
		{name: "missing key file", cert: p.certFile, key: missing, want: []string{"client certificate: open " + missing}, notExist: true},
		{name: "certificate not PEM", cert: notPEM, key: p.keyFile, want: []string{"client certificate: tls: failed to find any PEM data in certificate input"}},
		{name: "bad PEM certificate", cert: badPEM, key: p.keyFile, want: []string{"client certificate: "}},
		{name: "key not PEM", cert: p.certFile, key: notPEM, want: []string{"client certificate: tls: failed to find any PEM data in key input"}},
		{name: "key mismatch", cert: p.certFile, key: p.otherKeyFile, want: []string{"client certificate: tls: private key does not match public key"}},
		{name: "CA and certificate problems joined", ca: notPEM, cert: p.certFile, key: p.otherKeyFile, roots: true,
			want: []string{"no PEM certificate found", "client certificate: tls: private key does not match public key"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := httpsec.LoadFiles(tc.ca, tc.cert, tc.key)
			if cfg == nil {
				t.Fatal("LoadFiles returned no configuration")
			}
			if cfg.MinVersion != tls.VersionTLS12 {
				t.Errorf("MinVersion = %x; want TLS 1.2", cfg.MinVersion)
			}
			if got := cfg.RootCAs != nil; got != tc.roots {
				t.Errorf("RootCAs set = %v; want %v", got, tc.roots)
			}
			if got := len(cfg.Certificates) == 1; got != tc.withCert {
				t.Errorf("client certificate loaded = %v (%d); want %v", got, len(cfg.Certificates), tc.withCert)
			}
			if len(tc.want) == 0 {
				if err != nil {
					t.Fatalf("LoadFiles = %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("LoadFiles succeeded; want %q", tc.want)
			}
			msg, rest := err.Error(), err.Error()
			for _, w := range tc.want {
				i := strings.Index(rest, w)
				if i < 0 {
					t.Fatalf("error %q lacks %q (in order)", msg, w)
				}
				rest = rest[i+len(w):]
			}
			if got := errors.Is(err, fs.ErrNotExist); got != tc.notExist {
				t.Errorf("errors.Is(%v, fs.ErrNotExist) = %v; want %v", err, got, tc.notExist)
			}
			if strings.Contains(msg, "PRIVATE KEY") || strings.Contains(msg, string(keyPEM[28:60])) {
				t.Errorf("the error quotes a key: %q", msg)
			}
		})
	}
}

// TestLoadFilesHandshake: the configuration of LoadFiles trusts the CA of
// its CA file and presents its client certificate to a server that
// requires one; without the CA file the server's certificate is refused,
// without the client certificate the server refuses the handshake.
func TestLoadFilesHandshake(t *testing.T) {
	p := newPKI(t)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(r.TLS.PeerCertificates[0].Subject.CommonName))
	}))
	srv.TLS = &tls.Config{
		Certificates: []tls.Certificate{p.server},
		ClientAuth:   tls.RequireAndVerifyClientCert,
		ClientCAs:    p.pool,
		MinVersion:   tls.VersionTLS12,
	}
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshakes
	srv.StartTLS()
	defer srv.Close()
	get := func(ca, cert, key string) error {
		cfg, err := httpsec.LoadFiles(ca, cert, key)
		if err != nil {
			t.Fatal(err)
		}
		tr := &http.Transport{TLSClientConfig: cfg}
		defer tr.CloseIdleConnections()
		resp, err := (&http.Client{Transport: tr}).Get(srv.URL)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("status %d", resp.StatusCode)
		}
		return nil
	}
	if err := get(p.caFile, p.certFile, p.keyFile); err != nil {
		t.Errorf("with the CA and the client certificate: %v", err)
	}
	var unknown x509.UnknownAuthorityError
	if err := get("", p.certFile, p.keyFile); err == nil || !errors.As(err, &unknown) {
		t.Errorf("without the CA file: %v; want an unknown authority", err)
	}
	if err := get(p.caFile, "", ""); err == nil {
		t.Error("without a client certificate the handshake succeeded")
	}
}

// TestTLSValidate: the checks of WithTLS, WithTLSFiles and WithScheme,
// with their messages, and the configuration and default scheme they give.
func TestTLSValidate(t *testing.T) {
	p := newPKI(t)
	caller := &tls.Config{ServerName: "master.example", MinVersion: tls.VersionTLS13}
	for _, tc := range []struct {
		name      string
		config    *tls.Config
		useConfig bool
		files     []string
		scheme    string
		ownClient bool
		useErr    string   // the error of UseConfig
		want      []string // the errors of Validate
		client    bool     // Client() != nil
		def       string   // DefaultScheme()
	}{
		{name: "nothing", def: "http"},
		{name: "https alone", scheme: "https", def: "https"},
		{name: "http alone", scheme: "http", def: "http"},
		{name: "http alone with own client", scheme: "http", ownClient: true, def: "http"},
		{name: "bad scheme", scheme: "ftp", want: []string{`WithScheme: "ftp" is neither "http" nor "https"`}, def: "ftp"},
		{name: "upper-case scheme", scheme: "HTTPS", want: []string{`WithScheme: "HTTPS" is neither "http" nor "https"`}, def: "HTTPS"},
		{name: "WithTLS", config: caller, useConfig: true, client: true, def: "https"},
		{name: "WithTLS https", config: caller, useConfig: true, scheme: "https", client: true, def: "https"},
		{name: "WithTLS nil", useConfig: true, useErr: "WithTLS: nil *tls.Config", def: "http"},
		{name: "WithTLSFiles", files: []string{p.caFile, p.certFile, p.keyFile}, client: true, def: "https"},
		{name: "WithTLSFiles system roots", files: []string{"", "", ""}, client: true, def: "https"},
		{name: "both", config: caller, useConfig: true, files: []string{p.caFile, "", ""}, client: true, def: "https",
			want: []string{"WithTLS and WithTLSFiles are mutually exclusive"}},
		{name: "WithTLS and own client", config: caller, useConfig: true, ownClient: true, client: true, def: "https",
			want: []string{"WithTLS and WithHTTPClient are mutually exclusive: configure TLS on your own client"}},
		{name: "WithTLSFiles and own client", files: []string{p.caFile, "", ""}, ownClient: true, client: true, def: "https",
			want: []string{"WithTLSFiles and WithHTTPClient are mutually exclusive: configure TLS on your own client"}},
		{name: "WithTLS and http", config: caller, useConfig: true, scheme: "http", client: true, def: "http",
			want: []string{`WithScheme("http") contradicts WithTLS`}},
		{name: "WithTLSFiles and http", files: []string{p.caFile, "", ""}, scheme: "http", client: true, def: "http",
			want: []string{`WithScheme("http") contradicts WithTLSFiles`}},
		{name: "WithTLS nil and own client", useConfig: true, ownClient: true, useErr: "WithTLS: nil *tls.Config", def: "http",
			want: []string{"WithTLS and WithHTTPClient are mutually exclusive: configure TLS on your own client"}},
		{name: "unreadable files", files: []string{"/nonexistent/ca.pem", p.certFile, ""}, client: true, def: "https",
			want: []string{"WithTLSFiles: CA file: open /nonexistent/ca.pem: no such file or directory\na client certificate needs both certFile and keyFile"}},
		{name: "everything wrong", config: caller, useConfig: true, files: []string{p.caFile, "", ""}, scheme: "http", ownClient: true, client: true, def: "http",
			want: []string{
				"WithTLS and WithTLSFiles are mutually exclusive",
				"WithTLS and WithHTTPClient are mutually exclusive: configure TLS on your own client",
				`WithScheme("http") contradicts WithTLS`,
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var s httpsec.TLS
			if tc.useConfig {
				err := s.UseConfig(tc.config)
				if got := errString(err); got != tc.useErr {
					t.Errorf("UseConfig = %q; want %q", got, tc.useErr)
				}
			}
			if tc.files != nil {
				s.UseFiles(tc.files[0], tc.files[1], tc.files[2])
			}
			if tc.scheme != "" {
				s.SetScheme(tc.scheme)
			}
			var got []string
			for _, err := range s.Validate(tc.ownClient) {
				got = append(got, err.Error())
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Validate (-want +got):\n%s", diff)
			}
			if c := s.Client(); (c != nil) != tc.client {
				t.Errorf("Client() = %v; want one: %v", c, tc.client)
			}
			if d := s.DefaultScheme(); d != tc.def {
				t.Errorf("DefaultScheme() = %q; want %q", d, tc.def)
			}
		})
	}
}

// TestTLSConfigCloned: WithTLS keeps a copy of the caller's configuration,
// so that changing the caller's afterwards changes nothing; Validate hands
// out a copy too.
func TestTLSConfigCloned(t *testing.T) {
	caller := &tls.Config{ServerName: "master.example", MinVersion: tls.VersionTLS12}
	var s httpsec.TLS
	if err := s.UseConfig(caller); err != nil {
		t.Fatal(err)
	}
	caller.ServerName = "changed"
	if errs := s.Validate(false); errs != nil {
		t.Fatal(errs)
	}
	c := s.Client()
	if c == caller || c.ServerName != "master.example" {
		t.Fatalf("Client() = %p %q; want a copy of the caller's %p as it was", c, c.ServerName, caller)
	}
	copied := s // a configuration copied after Validate keeps the result
	if copied.Client() != c || copied.DefaultScheme() != "https" {
		t.Errorf("a copy of the TLS lost its result: %v %q", copied.Client(), copied.DefaultScheme())
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
