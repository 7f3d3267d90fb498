// SPDX-License-Identifier: Apache-2.0

package operator_test

import (
	"bufio"
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/mesoskit/mesoskit/mesostest"
	"github.com/mesoskit/mesoskit/operator"
)

// subscribeAs subscribes a framework to srv as principal over the raw
// scheduler API and returns its ID; the stream stays open until the test ends.
func subscribeAs(t *testing.T, srv *mesostest.Server, principal, secret string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	body := `{"type": "SUBSCRIBE", "subscribe": {"framework_info": {"user": "u", "name": "` + principal + `"}}}`
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL()+"/api/v1/scheduler", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	req.SetBasicAuth(principal, secret)
	resp, err := srv.Client().Do(req)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		resp.Body.Close()
	})
	r := bufio.NewReader(resp.Body)
	if _, err := r.ReadString('\n'); err != nil { // the RecordIO length of SUBSCRIBED
		t.Fatal(err)
	}
	head := make([]byte, 512)
	n, _ := r.Read(head)
	const key = `"framework_id":{"value":"`
	s := string(head[:n])
	i := strings.Index(s, key)
	if resp.StatusCode != http.StatusOK || i < 0 {
		t.Fatalf("SUBSCRIBE as %s: %d %s", principal, resp.StatusCode, s)
	}
	s = s[i+len(key):]
	return s[:strings.IndexByte(s, '"')]
}

// A master with --acls answers a TEARDOWN its teardown_frameworks refuse
// with 403 and no body (Master::Http::_teardown): ErrForbidden, not
// ErrUnauthenticated, which a wrong secret gets (401).
func TestTeardownForbidden(t *testing.T) {
	no := false
	srv := newCluster(t, mesostest.WithCredentials(map[string]string{"alice": "a-secret", "carol": "c-secret", "ops": "o-secret"}),
		mesostest.WithOperatorAuthentication(), mesostest.WithACLs(mesostest.ACLs{
			Permissive:         &no,
			RegisterFrameworks: []mesostest.RegisterFrameworkACL{{Principals: mesostest.ACLAnything(), Roles: mesostest.ACLAnything()}},
			TeardownFrameworks: []mesostest.TeardownFrameworkACL{{Principals: mesostest.ACLValues("ops"), FrameworkPrincipals: mesostest.ACLAnything()}},
		}))
	forEachCodec(t, func(t *testing.T, ct string) {
		id := subscribeAs(t, srv, "carol", "c-secret")
		alice := newMaster(t, srv.URL(), operator.WithContentType(ct), operator.WithCredentials("alice", "a-secret"))
		err := alice.Teardown(ctxT(t), id)
		var apiErr *operator.APIError
		if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusForbidden || apiErr.Body != "" {
			t.Fatalf("Teardown by alice = %v, want 403 with no body", err)
		}
		if !errors.Is(err, operator.ErrForbidden) || errors.Is(err, operator.ErrUnauthenticated) {
			t.Errorf("Teardown by alice: %v does not match ErrForbidden alone", err)
		}
		wrong := newMaster(t, srv.URL(), operator.WithContentType(ct), operator.WithCredentials("ops", "a-secret"))
		err = wrong.Teardown(ctxT(t), id)
		if !errors.Is(err, operator.ErrUnauthenticated) || errors.Is(err, operator.ErrForbidden) || strings.Contains(err.Error(), "a-secret") {
			t.Errorf("Teardown with a wrong secret = %v, want ErrUnauthenticated alone", err)
		}
		ops := newMaster(t, srv.URL(), operator.WithContentType(ct), operator.WithCredentials("ops", "o-secret"))
		if err := ops.Teardown(ctxT(t), id); err != nil {
			t.Fatalf("Teardown by ops: %v", err)
		}
	})
}
