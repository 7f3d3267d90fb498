// SPDX-License-Identifier: Apache-2.0

package scheduler_test

import (
	"context"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/schedulerpb"
	"github.com/mesoskit/mesoskit/mesostest"
	"github.com/mesoskit/mesoskit/scheduler"
)

// The credentials of these tests. The secrets are distinctive so that any
// trace of them (or of the header carrying them) in a log line or an error
// text is found.
const (
	testPrincipal = "svc-principal"
	testSecret    = "s3cret-Zq8xW-never-shown"
	wrongSecret   = "wr0ng-Kp4vT-never-shown"
)

// secretTraces are the strings that must never appear in logs or errors.
func secretTraces(secrets ...string) []string {
	var out []string
	for _, s := range secrets {
		out = append(out, s, base64.StdEncoding.EncodeToString([]byte(testPrincipal+":"+s)))
	}
	return out
}

// observed returns a logger that records everything (debug included) and
// also writes to the test log, and the recorded entries.
func observed(t *testing.T) (*zap.Logger, *observer.ObservedLogs) {
	core, logs := observer.New(zapcore.DebugLevel)
	return zap.New(zapcore.NewTee(core, testLogger(t).Core())), logs
}

// assertClean fails if text holds any trace.
func assertClean(t *testing.T, what, text string, traces []string) {
	t.Helper()
	for _, s := range traces {
		if strings.Contains(text, s) {
			t.Errorf("%s contains a credential: %q", what, text)
		}
	}
}

// assertLogsClean scans every recorded entry, message and fields, and
// returns how many there were.
func assertLogsClean(t *testing.T, logs *observer.ObservedLogs, traces []string) int {
	t.Helper()
	entries := logs.All()
	for _, e := range entries {
		assertClean(t, "log line", fmt.Sprint(e.LoggerName, " ", e.Message, " ", e.ContextMap()), traces)
	}
	return len(entries)
}

// resubscribeErrors records the cause of every resubscription attempt.
type resubscribeErrors struct {
	mu   sync.Mutex
	errs []error
}

func (r *resubscribeErrors) record(_ context.Context, _ int, _ time.Duration, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errs = append(r.errs, err)
}

func (r *resubscribeErrors) all() []error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]error(nil), r.errs...)
}

// tlsFiles writes srv's CA and, if cn is not empty, a client certificate
// and key for cn into a temporary directory.
func tlsFiles(t *testing.T, srv *mesostest.Server, cn string) (ca, cert, key string) {
	t.Helper()
	dir := t.TempDir()
	ca = filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(ca, srv.CACertPEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	if cn == "" {
		return ca, "", ""
	}
	certPEM, keyPEM, err := srv.ClientCertificatePEM(cn)
	if err != nil {
		t.Fatal(err)
	}
	cert, key = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(cert, certPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(key, keyPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	return ca, cert, key
}

// runTasks runs n echo tasks to completion with c and checks them.
func runTasks(t *testing.T, srv *mesostest.Server, c *scheduler.Client, n int) string {
	t.Helper()
	w := newWorkload(n)
	w.c = c
	sig := newSignals()
	r := start(t, c, sig.callbacks(w.callbacks()))
	id := recv(t, "SUBSCRIBED", sig.subscribed)
	recv(t, "all tasks terminal", w.allDone)
	w.check(t, srv, id)
	if err := r.stop(); err != nil {
		t.Fatalf("Run after cancel = %v", err)
	}
	return id
}

// With the right credentials everything works, every request is
// authenticated, the principal is filled in, and nothing leaks.
func TestCredentialsEndToEnd(t *testing.T) {
	forEachCodec(t, func(t *testing.T, ct string) {
		log, logs := observed(t)
		srv := newServer(t, mesostest.WithAgents(1, testAgentConfig), mesostest.WithLogger(log),
			mesostest.WithCredentials(map[string]string{testPrincipal: testSecret, "other": "other-secret"}))
		c := newClient(t, srv, ct, frameworkInfo("auth-e2e"), scheduler.WithLogger(log), scheduler.WithRefuseSeconds(0),
			scheduler.WithCredentials(testPrincipal, testSecret))

		w := newWorkload(3)
		w.c = c
		sig := newSignals()
		r := start(t, c, sig.callbacks(w.callbacks()))
		id := recv(t, "SUBSCRIBED", sig.subscribed)
		recv(t, "all tasks terminal", w.allDone)
		w.check(t, srv, id)

		// UPDATE_FRAMEWORK with a FrameworkInfo that names no principal: the
		// Client keeps the authenticated one, which the master requires.
		ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
		defer cancel()
		if err := c.UpdateFramework(ctx, frameworkInfo("auth-e2e")); err != nil {
			t.Fatalf("UpdateFramework: %v", err)
		}
		// A call the master refuses: its error names no credential.
		srv.Inject(schedulerpb.Call_RECONCILE, mesostest.Fault{Status: 500, Body: "injected"})
		err := c.Reconcile(ctx)
		if !isAPIError(err, 500) {
			t.Fatalf("Reconcile with an injected 500: %v", err)
		}
		assertClean(t, "call error", err.Error(), secretTraces(testSecret))
		if err := r.stop(); err != nil {
			t.Fatalf("Run after cancel = %v", err)
		}

		calls := srv.Calls()
		if len(calls) < 5 {
			t.Fatalf("only %d calls recorded", len(calls))
		}
		for _, call := range calls {
			if call.Status == http.StatusUnauthorized {
				t.Errorf("%v call answered 401", call.Type)
			}
		}
		sub := callsOf(srv, schedulerpb.Call_SUBSCRIBE)[0].Call.GetSubscribe().GetFrameworkInfo()
		if sub.GetPrincipal() != testPrincipal {
			t.Errorf("SUBSCRIBE carried principal %q, want %q (filled in by New)", sub.GetPrincipal(), testPrincipal)
		}
		if st, _ := srv.Framework(id); st.Info.GetPrincipal() != testPrincipal {
			t.Errorf("framework principal %q", st.Info.GetPrincipal())
		}
		if n := assertLogsClean(t, logs, secretTraces(testSecret)); n == 0 {
			t.Error("nothing was logged")
		}
	})
}

// Wrong or missing credentials: the first SUBSCRIBE gets 401 and Run
// returns it at once, without retrying, naming no credential.
func TestWrongCredentialsAreFatal(t *testing.T) {
	forEachCodec(t, func(t *testing.T, ct string) {
		log, logs := observed(t)
		srv := newServer(t, mesostest.WithAgents(0, ""), mesostest.WithLogger(log),
			mesostest.WithCredentials(map[string]string{testPrincipal: testSecret}))
		for _, tc := range []struct {
			name string
			opts []scheduler.Option
		}{
			{"wrong secret", []scheduler.Option{scheduler.WithCredentials(testPrincipal, wrongSecret)}},
			{"unknown principal", []scheduler.Option{scheduler.WithCredentials("nobody", testSecret)}},
			{"no credentials", nil},
		} {
			t.Run(tc.name, func(t *testing.T) {
				before := len(srv.Calls())
				opts := append([]scheduler.Option{scheduler.WithLogger(log)}, tc.opts...)
				c := newClient(t, srv, ct, frameworkInfo("auth-wrong"), opts...)
				var resub resubscribeErrors
				r := start(t, c, scheduler.Callbacks{Resubscribing: resub.record})
				err := r.wait()
				var apiErr *scheduler.APIError
				if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusUnauthorized || apiErr.Body != "401 Unauthorized." {
					t.Fatalf("Run = %v, want the master's 401", err)
				}
				if n := len(resub.all()); n != 0 {
					t.Errorf("Run retried %d times after a 401", n)
				}
				if got := len(srv.Calls()) - before; got != 1 {
					t.Errorf("%d requests reached the master, want the one SUBSCRIBE", got)
				}
				assertClean(t, "Run's error", err.Error(), secretTraces(testSecret, wrongSecret))
			})
		}
		if n := assertLogsClean(t, logs, secretTraces(testSecret, wrongSecret)); n == 0 {
			t.Error("nothing was logged")
		}
	})
}

// TLS with the cluster's own authority, given as a tls.Config or as files,
// with the scheme taken from the TLS option (a detector knows none) or from
// an https:// spec.
func TestTLSEndToEnd(t *testing.T) {
	forEachCodec(t, func(t *testing.T, ct string) {
		srv := newServer(t, mesostest.WithAgents(1, testAgentConfig), mesostest.WithTLS())
		t.Run("WithTLS and a detector", func(t *testing.T) {
			det := srv.Detector()
			defer det.Close()
			c := newClient(t, nil, ct, frameworkInfo("tls-config"), scheduler.WithDetector(det), scheduler.WithRefuseSeconds(0),
				scheduler.WithTLS(&tls.Config{RootCAs: srv.CACertPool()}))
			runTasks(t, srv, c, 2)
		})
		t.Run("WithTLSFiles and an https spec", func(t *testing.T) {
			if !strings.HasPrefix(srv.URL(), "https://") {
				t.Fatalf("URL %q", srv.URL())
			}
			ca, _, _ := tlsFiles(t, srv, "")
			c := newClient(t, srv, ct, frameworkInfo("tls-files"), scheduler.WithRefuseSeconds(0),
				scheduler.WithTLSFiles(ca, "", ""))
			runTasks(t, srv, c, 2)
		})
	})
}

// waitResubscribeErrors runs c until it has retried at least n times and
// returns the causes; Run must still be running.
func waitResubscribeErrors(t *testing.T, c *scheduler.Client, n int) []error {
	t.Helper()
	var resub resubscribeErrors
	sig := newSignals()
	r := start(t, c, sig.callbacks(scheduler.Callbacks{Resubscribing: resub.record}))
	eventually(t, fmt.Sprintf("%d resubscription attempts", n), func() bool { return len(resub.all()) >= n })
	if r.returned() {
		t.Fatalf("Run returned %v; a TLS failure must be retried", r.wait())
	}
	if err := r.stop(); err != nil {
		t.Fatalf("Run after cancel = %v", err)
	}
	select {
	case id := <-sig.subscribed:
		t.Fatalf("subscribed as %s", id)
	default:
	}
	return resub.all()
}

// handshakeRefused reports whether err is the peer refusing the TLS
// handshake: its alert, or, should its close overtake the alert, a reset.
func handshakeRefused(err error) bool {
	var opErr *net.OpError
	return errors.As(err, &opErr) && opErr.Op == "remote error" || errors.Is(err, syscall.ECONNRESET)
}

// A master whose certificate the Client cannot verify is retried with
// backoff, each attempt failing with a certificate verification error.
func TestTLSUntrustedMasterIsRetried(t *testing.T) {
	forEachCodec(t, func(t *testing.T, ct string) {
		srv := newServer(t, mesostest.WithAgents(0, ""), mesostest.WithTLS())
		det := srv.Detector()
		defer det.Close()
		c := newClient(t, nil, ct, frameworkInfo("tls-untrusted"), scheduler.WithDetector(det), scheduler.WithScheme("https"))
		for _, err := range waitResubscribeErrors(t, c, 2) {
			var verr *tls.CertificateVerificationError
			if !errors.As(err, &verr) {
				t.Errorf("attempt failed with %v, want a certificate verification error", err)
			}
		}
	})
}

// A master that requires client certificates refuses the handshake of a
// Client without one (Run keeps retrying; each attempt ends with the
// master's TLS alert) and runs tasks for a Client with one.
func TestTLSClientCertificateRequired(t *testing.T) {
	forEachCodec(t, func(t *testing.T, ct string) {
		log, logs := observed(t)
		srv := newServer(t, mesostest.WithAgents(1, testAgentConfig), mesostest.WithClientCertificates())

		c := newClient(t, srv, ct, frameworkInfo("mtls-none"), scheduler.WithLogger(log),
			scheduler.WithTLS(&tls.Config{RootCAs: srv.CACertPool()}), scheduler.WithCredentials(testPrincipal, testSecret))
		for _, err := range waitResubscribeErrors(t, c, 2) {
			if !handshakeRefused(err) {
				t.Errorf("attempt failed with %v, want the master's TLS alert", err)
			}
			assertClean(t, "TLS error", err.Error(), secretTraces(testSecret))
		}
		if n := assertLogsClean(t, logs, secretTraces(testSecret)); n == 0 {
			t.Error("nothing was logged")
		}

		ca, cert, key := tlsFiles(t, srv, "framework")
		c = newClient(t, srv, ct, frameworkInfo("mtls"), scheduler.WithRefuseSeconds(0), scheduler.WithTLSFiles(ca, cert, key))
		runTasks(t, srv, c, 2)
	})
}

// A 307 from a TLS master is protocol-relative: the Client keeps https.
func TestTLSRedirectKeepsScheme(t *testing.T) {
	forEachCodec(t, func(t *testing.T, ct string) {
		srv := newServer(t, mesostest.WithAgents(0, ""), mesostest.WithMasters(2), mesostest.WithTLS(),
			mesostest.WithCredentials(map[string]string{testPrincipal: testSecret}))
		old := srv.URL()
		if err := srv.Failover(); err != nil {
			t.Fatal(err)
		}
		// A host:port spec: the scheme comes from WithTLS.
		c := newClient(t, nil, ct, frameworkInfo("tls-redirect"), scheduler.WithMaster(strings.TrimPrefix(old, "https://")),
			scheduler.WithTLS(&tls.Config{RootCAs: srv.CACertPool()}), scheduler.WithCredentials(testPrincipal, testSecret))
		sig := newSignals()
		r := start(t, c, sig.callbacks(scheduler.Callbacks{}))
		recv(t, "SUBSCRIBED", sig.subscribed)
		if err := r.stop(); err != nil {
			t.Fatalf("Run after cancel = %v", err)
		}
		// The 307 comes before the body is read: its record has no call type.
		calls := srv.Calls()
		if len(calls) < 2 || calls[0].Master != 0 || calls[0].Status != http.StatusTemporaryRedirect ||
			calls[1].Master != 1 || calls[1].Type != schedulerpb.Call_SUBSCRIBE || calls[1].Status != http.StatusOK {
			t.Fatalf("calls %+v, want a 307 from master 0 then SUBSCRIBE answered 200 by master 1", calls)
		}
	})
}

// WithHTTPClient carries its own TLS settings; WithCredentials still applies.
func TestHTTPClientWithCredentials(t *testing.T) {
	forEachCodec(t, func(t *testing.T, ct string) {
		srv := newServer(t, mesostest.WithAgents(0, ""), mesostest.WithTLS(),
			mesostest.WithCredentials(map[string]string{testPrincipal: testSecret}))
		tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: srv.CACertPool()}}
		t.Cleanup(tr.CloseIdleConnections)
		c := newClient(t, srv, ct, frameworkInfo("own-client"), scheduler.WithHTTPClient(&http.Client{Transport: tr}),
			scheduler.WithCredentials(testPrincipal, testSecret))
		sig := newSignals()
		r := start(t, c, sig.callbacks(scheduler.Callbacks{}))
		recv(t, "SUBSCRIBED", sig.subscribed)
		ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
		defer cancel()
		if err := c.Reconcile(ctx); err != nil {
			t.Fatalf("Reconcile over the caller's client: %v", err)
		}
		if err := r.stop(); err != nil {
			t.Fatalf("Run after cancel = %v", err)
		}
	})
}

func TestSecurityOptionsValidation(t *testing.T) {
	dir := t.TempDir()
	notPEM := filepath.Join(dir, "not.pem")
	if err := os.WriteFile(notPEM, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	withPrincipal := func(p string) *mesosproto.FrameworkInfo {
		fw := frameworkInfo("valid")
		fw.Principal = proto.String(p)
		return fw
	}
	tests := []struct {
		name string
		fw   *mesosproto.FrameworkInfo
		opts []scheduler.Option
		want []string // substrings of the error; none = valid
	}{
		{name: "credentials", opts: []scheduler.Option{scheduler.WithCredentials(testPrincipal, testSecret)}},
		{name: "same principal", fw: withPrincipal(testPrincipal), opts: []scheduler.Option{scheduler.WithCredentials(testPrincipal, testSecret)}},
		{name: "principal without credentials", fw: withPrincipal("anyone")},
		{name: "TLS options", opts: []scheduler.Option{scheduler.WithTLS(&tls.Config{}), scheduler.WithScheme("https")}},
		{name: "TLS files, system roots", opts: []scheduler.Option{scheduler.WithTLSFiles("", "", "")}},
		{name: "https with own client", opts: []scheduler.Option{scheduler.WithHTTPClient(&http.Client{}), scheduler.WithScheme("https"),
			scheduler.WithCredentials(testPrincipal, testSecret)}},
		{name: "colon in secret", opts: []scheduler.Option{scheduler.WithCredentials(testPrincipal, "s3cret:Zq8xW-never-shown")},
			want: []string{"the secret contains ':'"}},
		{name: "colon in principal", opts: []scheduler.Option{scheduler.WithCredentials("a:b", testSecret)}, want: []string{`principal "a:b" contains ':'`}},
		{name: "empty credentials", opts: []scheduler.Option{scheduler.WithCredentials("", "")}, want: []string{"empty principal", "empty secret"}},
		{name: "other principal", fw: withPrincipal("someone-else"), opts: []scheduler.Option{scheduler.WithCredentials(testPrincipal, testSecret)},
			want: []string{`FrameworkInfo.principal "someone-else" differs from the WithCredentials principal "svc-principal"`}},
		{name: "nil TLS config", opts: []scheduler.Option{scheduler.WithTLS(nil)}, want: []string{"WithTLS: nil"}},
		{name: "TLS and files", opts: []scheduler.Option{scheduler.WithTLS(&tls.Config{}), scheduler.WithTLSFiles("", "", "")},
			want: []string{"WithTLS and WithTLSFiles are mutually exclusive"}},
		{name: "TLS and own client", opts: []scheduler.Option{scheduler.WithTLS(&tls.Config{}), scheduler.WithHTTPClient(&http.Client{})},
			want: []string{"WithTLS and WithHTTPClient are mutually exclusive"}},
		{name: "TLS files and own client", opts: []scheduler.Option{scheduler.WithHTTPClient(&http.Client{}), scheduler.WithTLSFiles("", "", "")},
			want: []string{"WithTLSFiles and WithHTTPClient are mutually exclusive"}},
		{name: "TLS over http", opts: []scheduler.Option{scheduler.WithTLS(&tls.Config{}), scheduler.WithScheme("http")},
			want: []string{`WithScheme("http") contradicts WithTLS`}},
		{name: "bad scheme", opts: []scheduler.Option{scheduler.WithScheme("ftp")}, want: []string{`WithScheme: "ftp"`}},
		{name: "missing CA file", opts: []scheduler.Option{scheduler.WithTLSFiles(filepath.Join(dir, "none.pem"), "", "")},
			want: []string{"WithTLSFiles: CA file", "none.pem"}},
		{name: "CA file without certificate", opts: []scheduler.Option{scheduler.WithTLSFiles(notPEM, "", "")},
			want: []string{"no PEM certificate found"}},
		{name: "certificate without key", opts: []scheduler.Option{scheduler.WithTLSFiles("", notPEM, "")},
			want: []string{"needs both certFile and keyFile"}},
		{name: "unparsable client certificate", opts: []scheduler.Option{scheduler.WithTLSFiles("", notPEM, notPEM)},
			want: []string{"WithTLSFiles: client certificate"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fw := tt.fw
			if fw == nil {
				fw = frameworkInfo("valid")
			}
			c, err := scheduler.New(fw, tt.opts...)
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatalf("New: %v", err)
				}
				// Neither formatting verb shows the secret.
				for _, verb := range []string{"%v", "%+v", "%#v"} {
					assertClean(t, "formatted Client", fmt.Sprintf(verb, c), secretTraces(testSecret))
				}
				return
			}
			if err == nil {
				t.Fatal("New succeeded, want an error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
			assertClean(t, "New's error", err.Error(), append(secretTraces(testSecret), "Zq8xW"))
		})
	}
}
