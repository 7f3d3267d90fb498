// SPDX-License-Identifier: Apache-2.0

package main

import (
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func post(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Post(url, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// TestRestartAgentEndpoint drives POST /mesos-local/restart-agent: unknown agents, bad durations and other
// methods are refused; an agent restarts by index or id, or the busiest one without agent.
func TestRestartAgentEndpoint(t *testing.T) {
	l := startLocal(t, "-listen", "127.0.0.1:0", "-agents", "2", "-quiet")
	defer l.stop()
	url := l.next()
	l.next() // master 0
	var ids []string
	for range 2 {
		ids = append(ids, strings.Fields(l.next())[3])
	}
	defer http.DefaultClient.CloseIdleConnections()
	resp, err := http.Get(url + restartAgentPath)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != "POST" {
		t.Errorf("GET: %d Allow=%q, want 405 Allow=POST", resp.StatusCode, resp.Header.Get("Allow"))
	}
	for _, c := range []struct {
		query string
		code  int
		body  string
	}{
		{"?agent=7", http.StatusNotFound, `no agent "7"`},
		{"?agent=0&down=soon", http.StatusBadRequest, "down must be a positive duration"},
		{"?agent=1&down=10ms", http.StatusAccepted, "restarting agent 1 " + ids[1] + " (0 custom executors)\n"},
		{"?agent=" + ids[0], http.StatusAccepted, "restarting agent 0 " + ids[0] + " (0 custom executors)\n"},
		{"", http.StatusAccepted, "restarting agent 0 " + ids[0] + " (0 custom executors)\n"},
	} {
		code, body := post(t, url+restartAgentPath+c.query)
		if code != c.code || !strings.HasPrefix(body, c.body) {
			t.Errorf("POST %s: %d %q, want %d %q", c.query, code, body, c.code, c.body)
		}
	}
}

// TestCredentialsFlag starts mesos-local with -credentials: the scheduler endpoint then answers 401 to a
// request without credentials. Both file formats are read; a bad file is refused without its secrets.
func TestCredentialsFlag(t *testing.T) {
	dir := t.TempDir()
	jsonFile, textFile, bad := filepath.Join(dir, "c.json"), filepath.Join(dir, "c.txt"), filepath.Join(dir, "bad")
	for f, data := range map[string]string{
		jsonFile: `{"credentials": [{"principal": "p1", "secret": "s3cret-one"}]}`,
		textFile: "p1 s3cret-one\n\np2 s3cret-two\n",
		bad:      "p1 s3cret-one extra\n",
	} {
		if err := os.WriteFile(f, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if got, err := readCredentials(textFile); err != nil || len(got) != 2 || got["p2"] != "s3cret-two" {
		t.Errorf("text file: %v %v", len(got), err)
	}
	if _, err := readCredentials(bad); err == nil || strings.Contains(err.Error(), "s3cret") {
		t.Errorf("bad file: %v, want an error without the secret", err)
	}
	l := startLocal(t, "-listen", "127.0.0.1:0", "-agents", "0", "-quiet", "-credentials", jsonFile)
	defer l.stop()
	url := l.next()
	defer http.DefaultClient.CloseIdleConnections()
	code, body := post(t, url+"/api/v1/scheduler")
	if code != http.StatusUnauthorized || body != "401 Unauthorized." {
		t.Errorf("unauthenticated POST: %d %q, want 401", code, body)
	}
}
