// SPDX-License-Identifier: Apache-2.0

package mesostest

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/mesoskit/mesoskit/internal/httpapi"
	"github.com/mesoskit/mesoskit/mesosproto"
)

// roCluster is a cluster with one subscribed framework running one shell
// task, for the read-only endpoint tests.
type roCluster struct {
	srv    *Server
	c      *client
	sub    *sub
	taskID string
	status *mesosproto.TaskStatus // its TASK_RUNNING
}

func newROCluster(t *testing.T, codec httpapi.Codec, opts ...Option) *roCluster {
	t.Helper()
	srv := newServer(t, opts...)
	c := newClient(t, srv, codec)
	sb := c.subscribe(frameworkInfo("ro"))
	o := sb.offers()[0]
	sb.mustCall(launchCall(o, nil, shellTask("web-1", o, "sleep 30")), http.StatusAccepted)
	for _, st := range []mesosproto.TaskState{mesosproto.TaskState_TASK_STARTING, mesosproto.TaskState_TASK_RUNNING} {
		sb.ack(sb.update("web-1", st))
	}
	running := srv.TaskUpdates("web-1")
	return &roCluster{srv: srv, c: c, sub: sb, taskID: "web-1", status: running[len(running)-1]}
}

// get sends a request to the leading master and returns the answer.
func (rc *roCluster) get(t *testing.T, method, path string) response {
	t.Helper()
	return rc.c.raw(method, path, nil)
}

// getJSON GETs path, requires 200 application/json and decodes the body.
func getJSON(t *testing.T, c *client, method, path string) map[string]any {
	t.Helper()
	r := c.raw(method, path, nil)
	if r.status != http.StatusOK {
		t.Fatalf("%s %s: %d %q", method, path, r.status, r.body)
	}
	if ct := r.header.Get("Content-Type"); ct != "application/json" {
		t.Fatalf("%s %s: Content-Type %q", method, path, ct)
	}
	var out map[string]any
	if err := json.Unmarshal([]byte(r.body), &out); err != nil {
		t.Fatalf("%s %s: %v in %q", method, path, err, r.body)
	}
	return out
}

// at walks a decoded JSON value along keys and array indexes
// ("frameworks", 0, "tasks", 0, "id").
func at(t *testing.T, v any, path ...any) any {
	t.Helper()
	for i, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				t.Fatalf("%v: not an object at %v", path, path[:i])
			}
			if v, ok = m[k]; !ok {
				t.Fatalf("%v: no key %q (have %v)", path, k, keysOf(m))
			}
		case int:
			a, ok := v.([]any)
			if !ok || k >= len(a) {
				t.Fatalf("%v: no element %d at %v", path, k, path[:i])
			}
			v = a[k]
		}
	}
	return v
}

func keysOf(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// wantKeys fails unless the object has exactly the keys want.
func wantKeys(t *testing.T, v any, want ...string) {
	t.Helper()
	m, ok := v.(map[string]any)
	if !ok {
		t.Fatalf("not an object: %v", v)
	}
	have := map[string]bool{}
	for k := range m {
		have[k] = true
	}
	for _, k := range want {
		if !have[k] {
			t.Errorf("missing key %q in %v", k, keysOf(m))
		}
		delete(have, k)
	}
	for k := range have {
		t.Errorf("unexpected key %q", k)
	}
}

func wantEq(t *testing.T, what string, got, want any) {
	t.Helper()
	if got != want {
		t.Errorf("%s = %v (%T), want %v (%T)", what, got, got, want, want)
	}
}

func wantContains(t *testing.T, body, sub string) {
	t.Helper()
	if !strings.Contains(body, sub) {
		t.Errorf("body does not contain %s: %.600s", sub, body)
	}
}

// changedCh returns a channel closed at the cluster's next observable change.
func (s *Server) changedCh() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.waitChangeLocked()
}
