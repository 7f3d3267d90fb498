// SPDX-License-Identifier: Apache-2.0

package operator_test

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/mesosproto/masterpb"
	"github.com/mesoskit/mesoskit/operator"
)

func healthy(*masterpb.Call) *masterpb.Response {
	return &masterpb.Response{Type: rt(masterpb.Response_GET_HEALTH), GetHealth: &masterpb.Response_GetHealth{Healthy: proto.Bool(true)}}
}

// TestCredentials: with WithCredentials every request carries Basic
// credentials (calls and SUBSCRIBE); without them the master's 401 is an
// *APIError; the secret never shows in an error or in a formatted option.
func TestCredentials(t *testing.T) {
	forEachCodec(t, func(t *testing.T, ct string) {
		f := newFakeMaster(t)
		f.set(func(f *fakeMaster) { f.creds = "ops:pa55word"; f.respond = healthy })
		m := newMaster(t, f.hostPort(), operator.WithContentType(ct), operator.WithCredentials("ops", "pa55word"))
		if ok, err := m.GetHealth(ctxT(t)); err != nil || !ok {
			t.Fatalf("GetHealth with credentials = %v, %v", ok, err)
		}
		rec := newRecorder()
		subscribe(t, m, rec.callbacks())
		rec.expect(t, "SUBSCRIBED task-1 resync=false")

		wrong := newMaster(t, f.hostPort(), operator.WithContentType(ct), operator.WithCredentials("ops", "nope"))
		_, err := wrong.GetHealth(ctxT(t))
		var apiErr *operator.APIError
		if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusUnauthorized {
			t.Fatalf("GetHealth with a wrong secret = %v; want 401", err)
		}
		if strings.Contains(err.Error(), "nope") || strings.Contains(fmt.Sprintf("%#v", operator.WithCredentials("ops", "nope")), "nope") {
			t.Errorf("the secret shows: %v", err)
		}
	})
}

// TestTLS: WithTLS with the master's CA reaches an https master, calls and
// SUBSCRIBE alike; without the CA the certificate is refused; WithTLSFiles
// reads the CA from a PEM file; the files API of an agent goes over TLS too.
func TestTLS(t *testing.T) {
	f := newFakeMasterTLS(t)
	f.set(func(f *fakeMaster) { f.respond = healthy; f.creds = "ops:pw" })
	pool := x509.NewCertPool()
	pool.AddCert(f.srv.Certificate())
	m := newMaster(t, f.hostPort(), operator.WithTLS(&tls.Config{RootCAs: pool}), operator.WithCredentials("ops", "pw"))
	if ok, err := m.GetHealth(ctxT(t)); err != nil || !ok {
		t.Fatalf("GetHealth over TLS = %v, %v", ok, err)
	}
	rec := newRecorder()
	subscribe(t, m, rec.callbacks())
	rec.expect(t, "SUBSCRIBED task-1 resync=false")

	caFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: f.srv.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	mf := newMaster(t, "https://"+f.hostPort(), operator.WithTLSFiles(caFile, "", ""), operator.WithCredentials("ops", "pw"))
	if ok, err := mf.GetHealth(ctxT(t)); err != nil || !ok {
		t.Fatalf("GetHealth with WithTLSFiles = %v, %v", ok, err)
	}

	untrusted := newMaster(t, f.hostPort(), operator.WithScheme("https"))
	if _, err := untrusted.GetHealth(ctxT(t)); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("GetHealth without the CA = %v; want a certificate error", err)
	}

	if _, err := operator.NewMaster(f.hostPort(), operator.WithTLS(nil)); err == nil {
		t.Error("WithTLS(nil) accepted")
	}
	if _, err := operator.NewMaster(f.hostPort(), operator.WithTLS(&tls.Config{}), operator.WithHTTPClient(http.DefaultClient)); err == nil {
		t.Error("WithTLS with WithHTTPClient accepted")
	}
	if _, err := operator.NewMaster(f.hostPort(), operator.WithTLSFiles(filepath.Join(t.TempDir(), "none.pem"), "", "")); err == nil {
		t.Error("WithTLSFiles with a missing file accepted")
	}
	if _, err := operator.NewAgent("http://h:1", operator.WithTLS(&tls.Config{})); err == nil {
		t.Error("an http:// agent with WithTLS accepted")
	}
}

// TestAgentFilesTLS: TailFile over https with credentials.
func TestAgentFilesTLS(t *testing.T) {
	ag := newFakeAgent(t)
	ag.write("stdout", "secure\n")
	srv := newTLSProxy(t, ag.srv.Config.Handler, "ops:pw")
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	a := newAgent(t, srv.URL, operator.WithTLS(&tls.Config{RootCAs: pool}), operator.WithCredentials("ops", "pw"))
	var out bytes.Buffer
	if _, err := a.TailFile(ctxT(t), "/sandbox/stdout", &out); err != nil || out.String() != "secure\n" {
		t.Fatalf("TailFile over TLS = %q, %v", out.String(), err)
	}
}

// TestWithHTTPClient: a client of the caller's is used for calls, with the
// credentials on top.
func TestWithHTTPClient(t *testing.T) {
	f := newFakeMaster(t)
	f.set(func(f *fakeMaster) { f.respond = healthy; f.creds = "ops:pw" })
	seen := 0
	hc := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		seen++
		return http.DefaultTransport.RoundTrip(r)
	})}
	m := newMaster(t, f.hostPort(), operator.WithHTTPClient(hc), operator.WithCredentials("ops", "pw"))
	if ok, err := m.GetHealth(ctxT(t)); err != nil || !ok || seen != 1 {
		t.Fatalf("GetHealth = %v, %v; the caller's client saw %d requests", ok, err, seen)
	}
	if _, err := operator.NewMaster(f.hostPort(), operator.WithHTTPClient(nil)); err == nil {
		t.Error("WithHTTPClient(nil) accepted")
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
