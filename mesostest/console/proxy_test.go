// SPDX-License-Identifier: Apache-2.0

package console_test

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/mesoskit/mesoskit/mesostest"
	"github.com/mesoskit/mesoskit/mesostest/console"
)

// With WithUpstream the console proxies the page's master requests to the leading master: past a master
// that cannot be reached and through a standby's 307 (Master::Http::redirect).
func TestUpstreamFollowsLeader(t *testing.T) {
	srv, err := mesostest.NewServer(mesostest.WithMasters(2), mesostest.WithAgents(1, agentResources))
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "http://" + ln.Addr().String()
	ln.Close()
	ms := srv.MasterURLs()
	standby := ms[1-srv.LeaderIndex()]
	ts := httptest.NewServer(console.New(console.WithUpstream(dead, standby)))
	defer ts.Close()

	resp, err := ts.Client().Get(ts.URL + "/master/state")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/master/state through the console: %d %s", resp.StatusCode, body)
	}
	var st struct {
		Leader string `json:"leader"`
		PID    string `json:"pid"`
		Slaves []any  `json:"slaves"`
	}
	if err := json.Unmarshal(body, &st); err != nil {
		t.Fatalf("%v: %.200s", err, body)
	}
	if st.Leader == "" || st.Leader != st.PID || len(st.Slaves) != 1 {
		t.Fatalf("state not from the leader: leader %q pid %q, %d agents", st.Leader, st.PID, len(st.Slaves))
	}

	resp, err = ts.Client().Get(ts.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(page), console.ScriptPath) {
		t.Fatalf("/: %d %.200s", resp.StatusCode, page)
	}
	resp, err = ts.Client().Get(ts.URL + "/slaves")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("/slaves is not a console path: %d", resp.StatusCode)
	}
}
