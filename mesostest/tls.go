// SPDX-License-Identifier: Apache-2.0

package mesostest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"time"
)

// tlsOptions is what WithTLS and WithClientCertificates set.
type tlsOptions struct {
	on          bool
	clientCerts bool
}

// certValidity is how long the generated certificates are valid (they are
// also valid from an hour before NewServer, for clocks that differ a bit).
const certValidity = 7 * 24 * time.Hour

// WithTLS makes the masters serve HTTPS only, as masters started with
// LIBPROCESS_SSL_ENABLED=true (and no LIBPROCESS_SSL_SUPPORT_DOWNGRADE) do.
// NewServer generates a throwaway certificate authority and, signed by it, a
// server certificate for 127.0.0.1, ::1, localhost and the host of
// WithListenAddr; nothing is written to disk. URL and MasterURLs then return
// https URLs; CACertPool and CACertPEM give the authority for clients to
// trust; Client trusts it already. Like libprocess by default, the masters
// speak TLS 1.2 only (TLS 1.3 is off unless LIBPROCESS_SSL_ENABLE_TLS_V1_3).
// Redirects stay protocol-relative ("//host:port/..."), as Mesos sends them.
// The agents' executor endpoints stay plain HTTP.
func WithTLS() Option { return func(c *config) { c.tls.on = true } }

// WithClientCertificates is WithTLS where the masters also require a client
// certificate signed by the generated authority, as
// LIBPROCESS_SSL_REQUIRE_CLIENT_CERT=true does: a client without one fails
// the TLS handshake (before any HTTP). ClientCertificate and
// ClientCertificatePEM mint certificates for clients; Client presents one.
func WithClientCertificates() Option {
	return func(c *config) { c.tls.on, c.tls.clientCerts = true, true }
}

// testPKI is the generated certificate authority and the masters' TLS
// configuration.
type testPKI struct {
	caCert *x509.Certificate
	caKey  *ecdsa.PrivateKey
	caPEM  []byte
	pool   *x509.CertPool
	server *tls.Config
	client *tls.Config // for Server.Client
}

// initTLS generates the PKI of WithTLS and sets up Server.Client to use it.
func (s *Server) initTLS() error {
	if !s.cfg.tls.on {
		return nil
	}
	pki, err := newTestPKI(s.cfg.listenAddr)
	if err != nil {
		return fmt.Errorf("mesostest: WithTLS: %w", err)
	}
	if s.cfg.tls.clientCerts {
		pki.server.ClientAuth = tls.RequireAndVerifyClientCert
		pki.server.ClientCAs = pki.pool
		cert, err := pki.clientCertificate("mesostest")
		if err != nil {
			return fmt.Errorf("mesostest: WithClientCertificates: %w", err)
		}
		pki.client.Certificates = []tls.Certificate{cert}
	}
	s.pki = pki
	s.transport.TLSClientConfig = pki.client
	return nil
}

func newTestPKI(listenAddr string) (*testPKI, error) {
	now := time.Now()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	caTmpl := &x509.Certificate{
		SerialNumber:          serialNumber(),
		Subject:               pkix.Name{Organization: []string{"mesostest"}, CommonName: "mesostest CA"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(certValidity),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return nil, err
	}
	caCert, err := x509.ParseCertificate(caDER)
	if err != nil {
		return nil, err
	}
	pki := &testPKI{
		caCert: caCert,
		caKey:  caKey,
		caPEM:  pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}),
		pool:   x509.NewCertPool(),
	}
	pki.pool.AddCert(caCert)

	tmpl := &x509.Certificate{
		Subject:     pkix.Name{Organization: []string{"mesostest"}, CommonName: "mesostest master"},
		DNSNames:    []string{"localhost"},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	if host, _, err := net.SplitHostPort(listenAddr); err == nil && host != "" {
		if ip := net.ParseIP(host); ip != nil {
			if !ip.IsLoopback() && !ip.IsUnspecified() {
				tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
			}
		} else if host != "localhost" {
			tmpl.DNSNames = append(tmpl.DNSNames, host)
		}
	}
	serverCert, err := pki.issue(tmpl)
	if err != nil {
		return nil, err
	}
	pki.server = &tls.Config{
		Certificates: []tls.Certificate{serverCert},
		MinVersion:   tls.VersionTLS12,
		MaxVersion:   tls.VersionTLS12,
	}
	pki.client = &tls.Config{RootCAs: pki.pool, MinVersion: tls.VersionTLS12}
	return pki, nil
}

func serialNumber() *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		panic(err) // crypto/rand does not fail
	}
	return n
}

// issue signs a certificate for tmpl with a fresh key, filling in the
// serial number, validity and key usage.
func (p *testPKI) issue(tmpl *x509.Certificate) (tls.Certificate, error) {
	certPEM, keyPEM, err := p.issuePEM(tmpl)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.X509KeyPair(certPEM, keyPEM)
}

func (p *testPKI) issuePEM(tmpl *x509.Certificate) (certPEM, keyPEM []byte, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	now := time.Now()
	tmpl.SerialNumber = serialNumber()
	tmpl.NotBefore, tmpl.NotAfter = now.Add(-time.Hour), now.Add(certValidity)
	tmpl.KeyUsage = x509.KeyUsageDigitalSignature
	der, err := x509.CreateCertificate(rand.Reader, tmpl, p.caCert, &key.PublicKey, p.caKey)
	if err != nil {
		return nil, nil, err
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), nil
}

func clientTemplate(commonName string) *x509.Certificate {
	return &x509.Certificate{
		Subject:     pkix.Name{Organization: []string{"mesostest"}, CommonName: commonName},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
}

func (p *testPKI) clientCertificate(commonName string) (tls.Certificate, error) {
	return p.issue(clientTemplate(commonName))
}

// tlsListener wraps a master's listener in TLS under WithTLS.
func (s *Server) tlsListener(ln net.Listener) net.Listener {
	if s.pki == nil {
		return ln
	}
	return tls.NewListener(ln, s.pki.server)
}

// scheme is the URL scheme of the masters.
func (s *Server) scheme() string {
	if s.pki != nil {
		return "https"
	}
	return "http"
}

// CACertPool returns a pool holding the certificate authority generated
// for WithTLS (a new pool on every call), for a client's tls.Config
// RootCAs. It is nil without WithTLS.
func (s *Server) CACertPool() *x509.CertPool {
	if s.pki == nil {
		return nil
	}
	pool := x509.NewCertPool()
	pool.AddCert(s.pki.caCert)
	return pool
}

// CACertPEM returns the certificate of the authority generated for WithTLS
// in PEM form, for clients that read a CA file (for example through
// LIBPROCESS_SSL_CA_FILE). It is nil without WithTLS.
func (s *Server) CACertPEM() []byte {
	if s.pki == nil {
		return nil
	}
	return append([]byte(nil), s.pki.caPEM...)
}

// ClientCertificate mints a client certificate, with a new key, signed by
// the authority of WithTLS, for a client's tls.Config Certificates. The
// masters accept it under WithClientCertificates. It fails without WithTLS.
func (s *Server) ClientCertificate(commonName string) (tls.Certificate, error) {
	if s.pki == nil {
		return tls.Certificate{}, ErrNoTLS
	}
	return s.pki.clientCertificate(commonName)
}

// ClientCertificatePEM is ClientCertificate in PEM form: the certificate and
// its PKCS #8 private key, for clients that read certificate and key files.
func (s *Server) ClientCertificatePEM(commonName string) (certPEM, keyPEM []byte, err error) {
	if s.pki == nil {
		return nil, nil, ErrNoTLS
	}
	return s.pki.issuePEM(clientTemplate(commonName))
}
