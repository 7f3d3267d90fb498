// SPDX-License-Identifier: Apache-2.0

package main

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

func getBody(t *testing.T, url string) (int, string) {
	t.Helper()
	c := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{Proxy: nil}}
	defer c.CloseIdleConnections()
	resp, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// mesos-local says where its web console is, and -console-for serves the console alone for remote masters
// (here another mesos-local), reading them through its proxy.
func TestConsoleURLAndConsoleFor(t *testing.T) {
	l := startLocal(t, "-listen", "127.0.0.1:0", "-agents", "1", "-quiet")
	master := l.next()
	for line := l.next(); !strings.HasPrefix(line, "leader "); line = l.next() { // printed after the console's URL
	}
	if code, page := getBody(t, master+"/"); code != http.StatusOK || !strings.Contains(page, "/console/app.js") {
		t.Fatalf("console at %s/: %d %.200s", master, code, page)
	}
	if !strings.Contains(l.stderr.String(), "web console at "+master+"/") {
		t.Fatalf("stderr does not give the console's URL:\n%s", l.stderr.String())
	}

	c := startLocal(t, "-listen", "127.0.0.1:0", "-console-for", master, "-quiet")
	url := c.next()
	if code, page := getBody(t, url); code != http.StatusOK || !strings.Contains(page, "/console/app.js") {
		t.Fatalf("-console-for page at %s: %d %.200s", url, code, page)
	}
	if code, state := getBody(t, strings.TrimSuffix(url, "/")+"/master/state"); code != http.StatusOK || !strings.Contains(state, `"slaves"`) {
		t.Fatalf("-console-for /master/state: %d %.200s", code, state)
	}
	c.stop()
	l.stop()
}
