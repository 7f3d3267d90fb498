// SPDX-License-Identifier: Apache-2.0

package httpsec_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mesoskit/mesoskit/internal/httpsec"
)

// TestCredentialsProblems: NewCredentials reports an empty principal or
// secret and a ':' in either (Mesos's basic authenticator splits at every
// ':'), with the scheduler's detail or without it, and never quotes the
// secret.
func TestCredentialsProblems(t *testing.T) {
	const colonPrincipal = `WithCredentials: principal "a:b" contains ':', which Mesos never authenticates`
	const colonSecret = "WithCredentials: the secret contains ':', which Mesos never authenticates"
	for _, tc := range []struct {
		name, principal, secret, detail string
		want                            []string
	}{
		{name: "valid", principal: "ops", secret: "pw"},
		{name: "valid with detail", principal: "ops", secret: "pw", detail: httpsec.SplitDetail},
		{name: "non-ASCII", principal: "opérateur", secret: "mot de passe ✓"},
		{name: "empty principal", principal: "", secret: "pw", want: []string{"WithCredentials: empty principal"}},
		{name: "empty secret", principal: "ops", secret: "", want: []string{"WithCredentials: empty secret"}},
		{name: "both empty", want: []string{"WithCredentials: empty principal", "WithCredentials: empty secret"}},
		{name: "colon in principal", principal: "a:b", secret: "pw", want: []string{colonPrincipal}},
		{name: "colon in principal, detail", principal: "a:b", secret: "pw", detail: httpsec.SplitDetail,
			want: []string{colonPrincipal + ` (it splits "principal:secret" at every ':')`}},
		{name: "colon in secret", principal: "ops", secret: "s3:cret", want: []string{colonSecret}},
		{name: "colon in secret, detail", principal: "ops", secret: "s3:cret", detail: httpsec.SplitDetail,
			want: []string{colonSecret + ` (it splits "principal:secret" at every ':')`}},
		{name: "colon in both", principal: "a:b", secret: "s3:cret", want: []string{colonPrincipal, colonSecret}},
		{name: "colon principal, empty secret", principal: "a:b", want: []string{colonPrincipal, "WithCredentials: empty secret"}},
		{name: "principal only a colon", principal: ":", secret: "q:z",
			want: []string{`WithCredentials: principal ":" contains ':', which Mesos never authenticates`, colonSecret}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cr := httpsec.NewCredentials(tc.principal, tc.secret, tc.detail)
			var got []string
			for _, err := range cr.Problems() {
				got = append(got, err.Error())
				if tc.secret != "" && strings.Contains(err.Error(), tc.secret) {
					t.Errorf("the error %q quotes the secret", err)
				}
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Problems() (-want +got):\n%s", diff)
			}
			if cr.Principal() != tc.principal {
				t.Errorf("Principal() = %q; want %q", cr.Principal(), tc.principal)
			}
			want := "Basic " + base64.StdEncoding.EncodeToString([]byte(tc.principal+":"+tc.secret))
			if cr.Header() != want {
				t.Errorf("Header() = %q; want %q", cr.Header(), want)
			}
		})
	}
}

// TestNilCredentials: a nil *Credentials (no WithCredentials) has no
// problems and leaves a client's transport alone.
func TestNilCredentials(t *testing.T) {
	var cr *httpsec.Credentials
	if p := cr.Problems(); p != nil {
		t.Errorf("nil Problems() = %v", p)
	}
	hc := &http.Client{}
	cr.Authorize(hc)
	if hc.Transport != nil {
		t.Errorf("nil Authorize set the transport to %T", hc.Transport)
	}
}

// TestCredentialsRedacted: no fmt verb and no reflection-based encoder
// shows the secret or its base64 form, whether the credentials are printed
// directly, dereferenced, or inside a struct.
func TestCredentialsRedacted(t *testing.T) {
	const secret = "Sup3r-s3cret-value"
	cr := httpsec.NewCredentials("ops", secret, "")
	b64 := base64.StdEncoding.EncodeToString([]byte("ops:" + secret))
	holder := struct {
		Creds *httpsec.Credentials
		Value httpsec.Credentials
	}{cr, *cr}
	var outputs []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q"} {
		outputs = append(outputs, fmt.Sprintf(verb, cr), fmt.Sprintf(verb, holder), fmt.Sprintf(verb, []any{cr}))
	}
	outputs = append(outputs, fmt.Sprintf("%+v", *cr), fmt.Sprintf("%#v", *cr))
	js, err := json.Marshal(holder)
	if err != nil {
		t.Fatal(err)
	}
	outputs = append(outputs, string(js))
	for _, out := range outputs {
		if strings.Contains(out, secret) || strings.Contains(out, b64) {
			t.Errorf("the secret shows: %s", out)
		}
	}
	for verb, want := range map[string]string{"%v": "principal ops (secret redacted)", "%+v": "principal ops (secret redacted)", "%#v": "principal ops (secret redacted)"} {
		if got := fmt.Sprintf(verb, cr); got != want {
			t.Errorf("Sprintf(%q) = %q; want %q", verb, got, want)
		}
	}
}

// TestAuthorize: a client wrapped by Authorize sends the Basic header on
// every request, over its own transport or http.DefaultTransport, and
// leaves the caller's request untouched.
func TestAuthorize(t *testing.T) {
	cr := httpsec.NewCredentials("ops", "pw", "")
	got := make(chan string, 4)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got <- r.Header.Get("Authorization")
	}))
	defer srv.Close()
	own := &http.Transport{}
	defer own.CloseIdleConnections()
	for name, hc := range map[string]*http.Client{"own transport": {Transport: own}, "default transport": {}} {
		t.Run(name, func(t *testing.T) {
			cr.Authorize(hc)
			for range 2 {
				req, err := http.NewRequest(http.MethodGet, srv.URL, nil)
				if err != nil {
					t.Fatal(err)
				}
				resp, err := hc.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				_ = resp.Body.Close()
				if h := <-got; h != cr.Header() {
					t.Errorf("Authorization = %q; want %q", h, cr.Header())
				}
				if h := req.Header.Get("Authorization"); h != "" {
					t.Errorf("the caller's request was changed: Authorization = %q", h)
				}
			}
		})
	}
	http.DefaultTransport.(*http.Transport).CloseIdleConnections()
}

// An Example of the redaction: printing credentials shows the principal
// only.
func ExampleNewCredentials() {
	cr := httpsec.NewCredentials("ops", "pa55word", "")
	fmt.Println(cr)
	fmt.Printf("%#v\n", cr)
	fmt.Println(len(cr.Problems()), "problems")
	fmt.Println(httpsec.NewCredentials("ops", "pass:word", "").Problems())
	// Output:
	// principal ops (secret redacted)
	// principal ops (secret redacted)
	// 0 problems
	// [WithCredentials: the secret contains ':', which Mesos never authenticates]
}
