// SPDX-License-Identifier: Apache-2.0

package mesostest

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/internal/httpapi"
	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/schedulerpb"
)

// testCredentials are the cluster's credentials in these tests.
var testCredentials = map[string]string{"alice": "alice-secret", "carol": "carol-secret"}

func basic(userPass string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(userPass))
}

// authed talks to one master with a given Authorization header ("" = none).
type authed struct {
	t     *testing.T
	hc    *http.Client
	url   string
	codec httpapi.Codec
	auth  string
}

func newAuthed(t *testing.T, srv *Server, codec httpapi.Codec, auth string) *authed {
	return &authed{t: t, hc: srv.Client(), url: srv.URL(), codec: codec, auth: auth}
}

func (a *authed) request(ctx context.Context, method, path string, body []byte, hdr ...string) *http.Response {
	a.t.Helper()
	req, err := http.NewRequestWithContext(ctx, method, a.url+path, bytes.NewReader(body))
	if err != nil {
		a.t.Fatal(err)
	}
	if a.auth != "" {
		req.Header.Set("Authorization", a.auth)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := a.hc.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	return resp
}

func (a *authed) raw(method, path string, body []byte, hdr ...string) response {
	a.t.Helper()
	resp := a.request(context.Background(), method, path, body, hdr...)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return response{status: resp.StatusCode, header: resp.Header, body: string(b)}
}

func (a *authed) post(call *schedulerpb.Call, hdr ...string) response {
	a.t.Helper()
	b, err := a.codec.Marshal(call)
	if err != nil {
		a.t.Fatal(err)
	}
	return a.raw(http.MethodPost, masterSchedulerPath, b, append([]string{"Content-Type", a.codec.MediaType()}, hdr...)...)
}

// subscribe opens a SUBSCRIBE stream, reads SUBSCRIBED and returns the
// framework id and stream id; the stream stays open until the test ends.
func (a *authed) subscribe(fi *mesosproto.FrameworkInfo) (fwID, streamID string) {
	a.t.Helper()
	b, err := a.codec.Marshal(subscribeCall(fi))
	if err != nil {
		a.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	resp := a.request(ctx, http.MethodPost, schedulerPath, b, "Content-Type", a.codec.MediaType(), "Accept", a.codec.MediaType())
	a.t.Cleanup(func() {
		cancel()
		resp.Body.Close()
	})
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(resp.Body)
		a.t.Fatalf("SUBSCRIBE: %d %s", resp.StatusCode, body)
	}
	ev := &schedulerpb.Event{}
	if err := httpapi.NewDecoder(resp.Body, a.codec, 0).Decode(ev); err != nil {
		a.t.Fatalf("first event: %v", err)
	}
	if ev.GetType() != schedulerpb.Event_SUBSCRIBED {
		a.t.Fatalf("first event %v, want SUBSCRIBED", ev.GetType())
	}
	return ev.GetSubscribed().GetFrameworkId().GetValue(), resp.Header.Get("Mesos-Stream-Id")
}

func expectUnauthorized(t *testing.T, what string, r response) {
	t.Helper()
	if r.status != http.StatusUnauthorized || r.body != "401 Unauthorized." {
		t.Errorf("%s: got %d %q, want 401 %q", what, r.status, r.body, "401 Unauthorized.")
	}
	if got := r.header.Get("WWW-Authenticate"); got != `Basic realm="mesos-master-scheduler"` {
		t.Errorf("%s: WWW-Authenticate = %q", what, got)
	}
	if got := r.header.Get("Content-Type"); got != "text/plain; charset=utf-8" {
		t.Errorf("%s: Content-Type = %q", what, got)
	}
}

// Row 0 of §1.3 and §7.1: every way of not presenting valid credentials is
// a 401 with Mesos's challenge and body, whatever the request.
func TestAuthenticationRequired(t *testing.T) {
	srv := newServer(t, WithAgents(0, ""), WithCredentials(testCredentials))
	token := base64.StdEncoding.EncodeToString([]byte("alice:alice-secret"))
	bad := []struct{ name, header string }{
		{"missing", ""},
		{"Basic without token", "Basic"},
		{"Basic with empty token", "Basic "},
		{"two spaces", "Basic  " + token},
		{"trailing text", "Basic " + token + " x"},
		{"lower-case scheme", "basic " + token},
		{"other scheme", "Bearer " + token},
		{"bad base64", "Basic !!!!"},
		{"no colon", basic("alice")},
		{"two colons", basic("alice:alice-secret:")},
		{"colon in secret", basic("alice:alice:secret")},
		{"wrong secret", basic("alice:carol-secret")},
		{"unknown principal", basic("bob:alice-secret")},
		{"empty principal", basic(":alice-secret")},
		{"empty secret", basic("alice:")},
	}
	for _, codec := range codecs {
		t.Run(codecName(codec), func(t *testing.T) {
			for _, b := range bad {
				a := newAuthed(t, srv, codec, b.header)
				expectUnauthorized(t, b.name+": SUBSCRIBE", a.post(subscribeCall(frameworkInfo("f"))))
				expectUnauthorized(t, b.name+": RECONCILE", a.post(reconcileCall("x")))
			}
			// Before the method, the Content-Type and the body are looked at,
			// on both paths.
			a := newAuthed(t, srv, codec, "")
			expectUnauthorized(t, "GET", a.raw(http.MethodGet, schedulerPath, nil))
			expectUnauthorized(t, "no Content-Type", a.raw(http.MethodPost, masterSchedulerPath, []byte("x")))
			expectUnauthorized(t, "garbage body", a.raw(http.MethodPost, schedulerPath, []byte("x"), "Content-Type", codec.MediaType()))

			// Valid credentials get through to the handler's own checks.
			a = newAuthed(t, srv, codec, basic("alice:alice-secret"))
			expect(t, a.raw(http.MethodGet, schedulerPath, nil), 405, "405 Method Not Allowed. Expecting one of { 'POST' }, but received 'GET'.")
			expect(t, a.post(reconcileCall("nope")), 400, "Framework cannot be found")
			if id, _ := a.subscribe(frameworkInfo("f")); id == "" {
				t.Fatal("no framework id")
			}
		})
	}
	// Other paths are not the scheduler endpoint: no authentication.
	a := newAuthed(t, srv, httpapi.JSON, "")
	if r := a.raw(http.MethodGet, "/nothing", nil); r.status != http.StatusNotFound {
		t.Errorf("unknown path: %d, want 404", r.status)
	}
	// 401s are recorded like any other answer.
	n := 0
	for _, c := range srv.Calls() {
		if c.Status == http.StatusUnauthorized {
			n++
			if c.Call != nil || c.Body != "401 Unauthorized." {
				t.Errorf("recorded 401: %+v", c)
			}
		}
	}
	if want := 2 * (2*len(bad) + 3); n != want {
		t.Errorf("%d recorded 401s, want %d", n, want)
	}
}

// The header is decoded as stout's base64::decode does: no padding needed,
// anything after '=' ignored, whitespace skipped.
func TestAuthenticationLenientBase64(t *testing.T) {
	srv := newServer(t, WithAgents(0, ""), WithCredentials(map[string]string{"p": "s3"}))
	padded := base64.StdEncoding.EncodeToString([]byte("p:s3")) // "cDpzMw=="
	for _, h := range []string{
		"Basic " + padded,
		"Basic " + strings.TrimRight(padded, "="),
		"Basic " + padded + "ignored!",
		"Basic cDpz\tMw==",
	} {
		a := newAuthed(t, srv, httpapi.JSON, h)
		if r := a.post(reconcileCall("nope")); r.status != http.StatusBadRequest {
			t.Errorf("%q: %d %q, want 400 from the handler", h, r.status, r.body)
		}
	}
}

func TestDecodeBase64Lenient(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"", "", true},
		{"YQ==", "a", true},
		{"YQ", "a", true},
		{"YWI=", "ab", true},
		{"YWJj", "abc", true},
		{"YWJjZ", "abc", true}, // a lone trailing character yields nothing
		{"YW Jj", "abc", true},
		{"YWJj\n", "abc", true},
		{"YQ==!!", "a", true},
		{"=YWJj", "", true},
		{"YW!j", "", false},
		{"YW-j", "", false}, // URL alphabet is not accepted
		{"YW_j", "", false},
	}
	for _, tt := range tests {
		got, ok := decodeBase64Lenient(tt.in)
		if ok != tt.ok || (ok && got != tt.want) {
			t.Errorf("decodeBase64Lenient(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

// Authentication comes before the leader check: a non-leading master
// answers 401 before it would redirect, and before "No leader elected".
func TestAuthenticationBeforeRedirect(t *testing.T) {
	srv := newServer(t, WithAgents(0, ""), WithMasters(2), WithCredentials(testCredentials))
	old := srv.URL()
	if err := srv.Failover(); err != nil {
		t.Fatal(err)
	}
	leader := srv.URL()
	for _, codec := range codecs {
		t.Run(codecName(codec), func(t *testing.T) {
			a := newAuthed(t, srv, codec, basic("alice:wrong"))
			a.url = old
			expectUnauthorized(t, "non-leader", a.post(subscribeCall(frameworkInfo("f"))))

			a.auth = basic("alice:alice-secret")
			r := a.post(subscribeCall(frameworkInfo("f")))
			want := "//" + strings.TrimPrefix(leader, "http://") + masterSchedulerPath
			if r.status != http.StatusTemporaryRedirect || r.header.Get("Location") != want {
				t.Fatalf("authenticated at the non-leader: %d Location %q, want 307 %q", r.status, r.header.Get("Location"), want)
			}
		})
	}
	srv.SetNoLeader()
	a := newAuthed(t, srv, httpapi.JSON, "")
	expectUnauthorized(t, "no leader", a.post(reconcileCall("x")))
	a.auth = basic("carol:carol-secret")
	expect(t, a.post(reconcileCall("x")), 503, "No leader elected")
}

// After authentication (§1.3 rows 7 and 12, §7.1): the FrameworkInfo
// principal must be the authenticated one, is filled in when unset, and
// every later call must come from the framework's principal.
func TestAuthenticatedPrincipal(t *testing.T) {
	srv := newServer(t, WithAgents(0, ""), WithCredentials(testCredentials))
	for _, codec := range codecs {
		t.Run(codecName(codec), func(t *testing.T) {
			alice := newAuthed(t, srv, codec, basic("alice:alice-secret"))
			carol := newAuthed(t, srv, codec, basic("carol:carol-secret"))

			fi := frameworkInfo("f")
			fi.Principal = proto.String("carol")
			expect(t, alice.post(subscribeCall(fi)), 400,
				"Failed to validate scheduler::Call: Authenticated principal 'alice' does not match principal 'carol' set in `FrameworkInfo`")
			// Validation comes before the Accept check (406) and the stream id ban.
			expect(t, alice.post(subscribeCall(fi), "Accept", "text/html", "Mesos-Stream-Id", "x"), 400,
				"Failed to validate scheduler::Call: Authenticated principal 'alice' does not match principal 'carol' set in `FrameworkInfo`")

			// Unset: filled in with the authenticated principal.
			id, streamID := alice.subscribe(frameworkInfo("f"))
			st, _ := srv.Framework(id)
			if st.Info.Principal == nil || st.Info.GetPrincipal() != "alice" {
				t.Fatalf("framework principal %v, want alice", st.Info.Principal)
			}
			subs := srv.Calls()
			if last := subs[len(subs)-1]; last.Type != schedulerpb.Call_SUBSCRIBE || last.Call.GetSubscribe().GetFrameworkInfo().Principal != nil {
				t.Errorf("the recorded SUBSCRIBE should be what the client sent: %v", last.Call)
			}

			// Set and equal: fine, and the framework keeps it.
			fi = frameworkInfo("g")
			fi.Principal = proto.String("carol")
			if id2, _ := carol.subscribe(fi); id2 == "" || id2 == id {
				t.Fatalf("second framework id %q", id2)
			}

			// Later calls: the principal must be the framework's (row 12),
			// checked after "Framework cannot be found" (row 11) and before
			// the subscription and stream id checks.
			rec := reconcileCall(id)
			expect(t, alice.post(rec, "Mesos-Stream-Id", streamID), 202, "")
			mismatch := "Authenticated principal 'carol' does not match principal 'alice' set in `FrameworkInfo`"
			expect(t, carol.post(rec, "Mesos-Stream-Id", streamID), 400, mismatch)
			expect(t, carol.post(rec), 400, mismatch)
			expect(t, carol.post(reconcileCall("unknown")), 400, "Framework cannot be found")

			// UPDATE_FRAMEWORK must keep the principal.
			upd := frameworkInfo("f")
			upd.Id = fwID(id)
			uf := &schedulerpb.Call{FrameworkId: fwID(id), Type: schedulerpb.Call_UPDATE_FRAMEWORK.Enum(),
				UpdateFramework: &schedulerpb.Call_UpdateFramework{FrameworkInfo: upd}}
			if r := alice.post(uf, "Mesos-Stream-Id", streamID); r.status != http.StatusBadRequest || !strings.Contains(r.body, "Changing framework's principal is not allowed.") {
				t.Errorf("UPDATE_FRAMEWORK without principal: %d %q", r.status, r.body)
			}
			upd.Principal = proto.String("alice")
			expect(t, alice.post(uf, "Mesos-Stream-Id", streamID), 200, "")
		})
	}
}

// Without WithCredentials the Authorization header is ignored.
func TestAuthenticationOff(t *testing.T) {
	srv := newServer(t, WithAgents(0, ""))
	a := newAuthed(t, srv, httpapi.Protobuf, "Basic !!!")
	expect(t, a.post(reconcileCall("nope")), 400, "Framework cannot be found")
	fi := frameworkInfo("f")
	fi.Principal = proto.String("anyone")
	if id, _ := a.subscribe(fi); id == "" {
		t.Fatal("no framework id")
	}
}

func TestWithCredentialsValidation(t *testing.T) {
	for _, creds := range []map[string]string{nil, {}, {"": "s"}} {
		if _, err := NewServer(WithCredentials(creds)); !errors.Is(err, ErrInvalidOption) {
			t.Errorf("WithCredentials(%v): %v, want ErrInvalidOption", creds, err)
		}
	}
	// The map is copied.
	creds := map[string]string{"p": "s"}
	srv := newServer(t, WithAgents(0, ""), WithCredentials(creds))
	creds["p"] = "changed"
	a := newAuthed(t, srv, httpapi.JSON, basic("p:s"))
	expect(t, a.post(reconcileCall("nope")), 400, "Framework cannot be found")
}

// WithTLS: HTTPS masters with a generated authority, TLS 1.2 as libprocess
// speaks it by default, a certificate for 127.0.0.1 and localhost.
func TestTLS(t *testing.T) {
	srv := newServer(t, WithAgents(0, ""), WithMasters(2), WithTLS())
	for _, u := range srv.MasterURLs() {
		if !strings.HasPrefix(u, "https://127.0.0.1:") {
			t.Fatalf("master URL %q, want https://127.0.0.1:port", u)
		}
	}
	for _, codec := range codecs {
		t.Run(codecName(codec), func(t *testing.T) {
			c := newClient(t, srv, codec)
			s := c.subscribe(frameworkInfo("tls"))
			s.mustCall(reconcileCall(s.fwID), http.StatusAccepted)
		})
	}

	resp, err := srv.Client().Post(srv.URL()+schedulerPath, "text/plain", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.TLS == nil || resp.TLS.Version != tls.VersionTLS12 {
		t.Fatalf("TLS state %+v, want TLS 1.2", resp.TLS)
	}
	leaf := resp.TLS.PeerCertificates[0]
	if err := leaf.VerifyHostname("127.0.0.1"); err != nil {
		t.Error(err)
	}
	if err := leaf.VerifyHostname("localhost"); err != nil {
		t.Error(err)
	}

	// The same certificate through CACertPool and CACertPEM, and by name.
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(srv.CACertPEM()) {
		t.Fatal("CACertPEM holds no certificate")
	}
	port := strings.TrimPrefix(srv.URL(), "https://127.0.0.1:")
	for _, p := range []*x509.CertPool{srv.CACertPool(), pool} {
		hc := tlsClient(&tls.Config{RootCAs: p})
		if r, err := hc.Post("https://localhost:"+port+schedulerPath, "text/plain", nil); err != nil {
			t.Errorf("trusting the authority: %v", err)
		} else {
			r.Body.Close()
		}
	}

	// Without the authority the handshake fails; plain HTTP gets nothing
	// useful from an HTTPS port.
	_, err = tlsClient(&tls.Config{}).Post(srv.URL()+schedulerPath, "text/plain", nil)
	var verr *tls.CertificateVerificationError
	if !errors.As(err, &verr) {
		t.Errorf("without the CA: %v, want a certificate verification error", err)
	}
	if r, err := tlsClient(nil).Post(strings.Replace(srv.URL(), "https", "http", 1)+schedulerPath, "text/plain", nil); err == nil {
		r.Body.Close()
		if r.StatusCode != http.StatusBadRequest {
			t.Errorf("plain HTTP to the TLS port: %d", r.StatusCode)
		}
	}

	// Redirects stay protocol-relative.
	old := srv.URL()
	if err := srv.Failover(); err != nil {
		t.Fatal(err)
	}
	c := newClient(t, srv, httpapi.JSON)
	c.url = old
	r := c.post(subscribeCall(frameworkInfo("f")))
	if want := "//" + strings.TrimPrefix(srv.URL(), "https://") + masterSchedulerPath; r.status != 307 || r.header.Get("Location") != want {
		t.Fatalf("non-leader: %d Location %q, want 307 %q", r.status, r.header.Get("Location"), want)
	}

	// A restarted master serves TLS again on its port.
	if err := srv.KillMaster(0); err != nil {
		t.Fatal(err)
	}
	if err := srv.RestartMaster(0); err != nil {
		t.Fatal(err)
	}
	srv.transport.CloseIdleConnections() // the old connection died with the master
	r = c.post(subscribeCall(frameworkInfo("f")))
	if r.status != 307 {
		t.Fatalf("restarted non-leader over TLS: %d %q", r.status, r.body)
	}
}

// tlsClient is a one-off client; its connections are closed with the test.
func tlsClient(cfg *tls.Config) *http.Client {
	return &http.Client{Transport: &http.Transport{TLSClientConfig: cfg, DisableKeepAlives: true}}
}

// handshakeRefused reports whether err is the peer refusing the TLS
// handshake: its alert, or, should its close overtake the alert, a reset.
func handshakeRefused(err error) bool {
	var opErr *net.OpError
	return errors.As(err, &opErr) && opErr.Op == "remote error" || errors.Is(err, syscall.ECONNRESET)
}

// WithClientCertificates: without a certificate signed by the authority the
// handshake fails; with one minted by ClientCertificate(PEM) it succeeds.
func TestTLSClientCertificates(t *testing.T) {
	srv := newServer(t, WithAgents(0, ""), WithClientCertificates())
	other := newServer(t, WithAgents(0, ""), WithTLS())
	url := srv.URL() + schedulerPath

	// Server.Client presents a certificate.
	c := newClient(t, srv, httpapi.Protobuf)
	c.subscribe(frameworkInfo("mtls"))

	_, err := tlsClient(&tls.Config{RootCAs: srv.CACertPool()}).Post(url, "text/plain", nil)
	if !handshakeRefused(err) {
		t.Errorf("without a client certificate: %v, want a TLS alert from the master", err)
	}

	foreign, err := other.ClientCertificate("intruder")
	if err != nil {
		t.Fatal(err)
	}
	_, err = tlsClient(&tls.Config{RootCAs: srv.CACertPool(), Certificates: []tls.Certificate{foreign}}).Post(url, "text/plain", nil)
	if !handshakeRefused(err) {
		t.Errorf("with a certificate of another authority: %v, want a TLS alert from the master", err)
	}

	cert, err := srv.ClientCertificate("framework")
	if err != nil {
		t.Fatal(err)
	}
	certPEM, keyPEM, err := srv.ClientCertificatePEM("framework")
	if err != nil {
		t.Fatal(err)
	}
	pair, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		t.Fatal(err)
	}
	for _, crt := range []tls.Certificate{cert, pair} {
		r, err := tlsClient(&tls.Config{RootCAs: srv.CACertPool(), Certificates: []tls.Certificate{crt}}).Post(url, "text/plain", nil)
		if err != nil {
			t.Fatalf("with a client certificate: %v", err)
		}
		r.Body.Close()
		if r.StatusCode != http.StatusUnsupportedMediaType { // the handler's own answer to a text/plain call
			t.Errorf("with a client certificate: %d", r.StatusCode)
		}
	}
}

func TestTLSHelpersWithoutTLS(t *testing.T) {
	srv := newServer(t, WithAgents(0, ""))
	if srv.CACertPool() != nil || srv.CACertPEM() != nil {
		t.Error("CA without WithTLS")
	}
	if _, err := srv.ClientCertificate("x"); !errors.Is(err, ErrNoTLS) {
		t.Errorf("ClientCertificate: %v, want ErrNoTLS", err)
	}
	if _, _, err := srv.ClientCertificatePEM("x"); !errors.Is(err, ErrNoTLS) {
		t.Errorf("ClientCertificatePEM: %v, want ErrNoTLS", err)
	}
	if !strings.HasPrefix(srv.URL(), "http://") {
		t.Errorf("URL %q", srv.URL())
	}
}

// Authentication and TLS together, as a secured cluster runs.
func TestTLSWithCredentials(t *testing.T) {
	srv := newServer(t, WithAgents(0, ""), WithTLS(), WithCredentials(testCredentials))
	a := newAuthed(t, srv, httpapi.JSON, "")
	expectUnauthorized(t, "over TLS", a.post(reconcileCall("x")))
	a.auth = basic("alice:alice-secret")
	if id, _ := a.subscribe(frameworkInfo("f")); id == "" {
		t.Fatal("no framework id")
	}
}
