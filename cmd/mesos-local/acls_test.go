// SPDX-License-Identifier: Apache-2.0

package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// -acls takes Mesos's JSON inline, as a path or as a file:// URL; bad
// JSON, a missing file and an ACL mesostest does not enforce are flag
// errors (exit 2).
func TestACLsFlag(t *testing.T) {
	const acls = `{"permissive": false, "register_frameworks": [{"principals": {"values": ["web"]}, "roles": {"type": "ANY"}}]}`
	file := filepath.Join(t.TempDir(), "acls.json")
	if err := os.WriteFile(file, []byte(acls), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, v := range []string{acls, file, "file://" + file} {
		o, err := parseFlags([]string{"-acls", v}, io.Discard)
		if err != nil || !o.acls.set || len(o.acls.acls.RegisterFrameworks) != 1 || o.acls.acls.Permissive == nil {
			t.Errorf("-acls %q: %+v, %v", v, o.acls, err)
		}
	}
	for _, v := range []string{`{"permissive": 1}`, filepath.Join(t.TempDir(), "missing.json"),
		`{"update_weights": [{"principals": {"type": "ANY"}, "roles": {"type": "ANY"}}]}`} {
		var errOut bytes.Buffer
		if code := run(context.Background(), []string{"-acls", v}, io.Discard, &errOut); code != 2 {
			t.Errorf("-acls %q: exit %d, want 2", v, code)
		}
	}

	// The cluster refuses a framework whose principal may not register:
	// an ERROR event on the SUBSCRIBE stream, as a master does.
	l := startLocal(t, "-listen", "127.0.0.1:0", "-agents", "0", "-quiet", "-acls", file)
	url := strings.TrimSpace(l.next())
	body := `{"type": "SUBSCRIBE", "subscribe": {"framework_info": {"user": "u", "name": "n", "principal": "intruder"}}}`
	req, _ := http.NewRequest(http.MethodPost, url+"/api/v1/scheduler", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	got, _ := io.ReadAll(resp.Body) // the stream ends after the ERROR event
	http.DefaultClient.CloseIdleConnections()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(got), `"type":"ERROR"`) ||
		!strings.Contains(string(got), `Not authorized to register framework  with roles { * }`) {
		t.Fatalf("SUBSCRIBE: %d %s", resp.StatusCode, got)
	}
}
