// SPDX-License-Identifier: Apache-2.0

package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/mesoskit/mesoskit/internal/zktest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// syncBuffer is a bytes.Buffer safe for the writer goroutine and the test to share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// TestServesAndStops starts mesos-local on a free port, checks that the first line is a master URL that answers
// the scheduler endpoint as Mesos does, and that cancelling (SIGINT in main) stops it with status 0.
func TestServesAndStops(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	var stderr syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"-listen", "127.0.0.1:0", "-agents", "1", "-quiet"}, pw, &stderr)
		pw.Close()
	}()

	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatalf("reading the first line: %v (stderr: %s)", err, stderr.String())
	}
	url := strings.TrimSpace(line)
	if !strings.HasPrefix(url, "http://127.0.0.1:") {
		t.Fatalf("first line %q is not a master URL", line)
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()

	// A GET is refused with 405 and Allow: POST, as the master's scheduler endpoint does.
	resp, err := http.Get(url + "/api/v1/scheduler")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != "POST" {
		t.Fatalf("GET /api/v1/scheduler: %d Allow=%q, want 405 Allow=POST", resp.StatusCode, resp.Header.Get("Allow"))
	}
	http.DefaultClient.CloseIdleConnections()

	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("exit status %d, stderr:\n%s", code, stderr.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatal("mesos-local did not stop after cancellation")
	}
}

func TestFlagErrors(t *testing.T) {
	for _, args := range [][]string{{"-agents", "-1"}, {"extra"}, {"-nope"}, {"-masters", "0"},
		{"-zk", "zk://u:secret@127.0.0.1:2181/"}, {"-restart-delay", "-1s"}} {
		var out, errOut bytes.Buffer
		if code := run(context.Background(), args, &out, &errOut); code != 2 {
			t.Errorf("run(%q) = %d, want 2", args, code)
		}
	}
}

// local is a mesos-local run in progress, its stdout lines on a channel.
type local struct {
	t      *testing.T
	cancel context.CancelFunc
	lines  chan string
	done   chan int
	stderr *syncBuffer
}

func startLocal(t *testing.T, args ...string) *local {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	l := &local{t: t, cancel: cancel, lines: make(chan string, 100), done: make(chan int, 1), stderr: &syncBuffer{}}
	go func() {
		l.done <- run(ctx, args, pw, l.stderr)
		pw.Close()
	}()
	go func() {
		defer close(l.lines)
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			l.lines <- sc.Text()
		}
	}()
	t.Cleanup(func() { l.stop() })
	return l
}

// next returns the next stdout line.
func (l *local) next() string {
	l.t.Helper()
	select {
	case line, ok := <-l.lines:
		if !ok {
			l.t.Fatalf("mesos-local ended its output; stderr:\n%s", l.stderr.String())
		}
		return line
	case <-time.After(30 * time.Second):
		l.t.Fatalf("no output line within 30s; stderr:\n%s", l.stderr.String())
	}
	return ""
}

// stop cancels the run (SIGINT in main) and checks that it exits 0.
func (l *local) stop() {
	l.t.Helper()
	l.cancel()
	select {
	case code := <-l.done:
		l.done <- code
		if code != 0 {
			l.t.Errorf("exit status %d, stderr:\n%s", code, l.stderr.String())
		}
	case <-time.After(20 * time.Second):
		l.t.Fatal("mesos-local did not stop after cancellation")
	}
	for range l.lines {
	}
}

// post sends a call-less POST to a master's scheduler endpoint and returns the status and Location.
func schedulerPost(t *testing.T, url string) (int, string) {
	t.Helper()
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	defer c.CloseIdleConnections()
	resp, err := c.Post(url+"/api/v1/scheduler", "application/json", strings.NewReader(`{"type":"RECONCILE"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode, resp.Header.Get("Location")
}

// expectRedirect checks that master from redirects to master to. Right after a failover a follower may
// answer 503 "No leader elected" for a moment (until the new leader has seen itself elected): that is
// waited out.
func expectRedirect(t *testing.T, from, to string) {
	t.Helper()
	want := "//" + strings.TrimPrefix(to, "http://") + "/master/api/v1/scheduler"
	deadline := time.Now().Add(20 * time.Second)
	for {
		status, loc := schedulerPost(t, from)
		if status == 307 && loc == want {
			return
		}
		if status != 503 || time.Now().After(deadline) {
			t.Fatalf("%s answered %d Location %q, want 307 %q", from, status, loc, want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func refused(url string) bool {
	conn, err := net.DialTimeout("tcp", strings.TrimPrefix(url, "http://"), time.Second)
	if err == nil {
		conn.Close()
		return false
	}
	return errors.Is(err, syscall.ECONNREFUSED)
}

// TestZooKeeperCluster runs three masters in a real ZooKeeper, checks the output lines, and kills the leader
// from outside: over HTTP, then with SIGUSR1.
func TestZooKeeperCluster(t *testing.T) {
	zkc := zktest.Start(t)
	l := startLocal(t, "-zk", "zk://"+zkc.ConnectString()+"/mesos", "-masters", "3", "-listen", "127.0.0.1:0",
		"-agents", "1", "-quiet", "-restart-delay", "0")
	first := l.next()
	var masters []string
	for i := range 3 {
		f := strings.Fields(l.next())
		if len(f) != 3 || f[0] != "master" || f[1] != strconv.Itoa(i) || !strings.HasPrefix(f[2], "http://127.0.0.1:") {
			t.Fatalf("master line %q", strings.Join(f, " "))
		}
		masters = append(masters, f[2])
	}
	if first != masters[0] {
		t.Fatalf("first line %q, want the leader %q", first, masters[0])
	}
	if f := strings.Fields(l.next()); len(f) != 4 || f[0] != "agent" || f[1] != "0" || !strings.HasPrefix(f[2], "http://127.0.0.1:") {
		t.Fatalf("agent line %q", strings.Join(f, " "))
	}
	if got := l.next(); got != "leader 0 "+masters[0] {
		t.Fatalf("leader line %q", got)
	}
	expectRedirect(t, masters[1], masters[0])
	expectRedirect(t, masters[2], masters[0])

	// The control endpoint answers on any listener; GET is refused.
	resp, err := http.Get(masters[1] + "/mesos-local/kill-leader")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Fatalf("GET kill-leader: %d", resp.StatusCode)
	}
	resp, err = http.Post(masters[0]+"/mesos-local/kill-leader", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted || string(body) != "killing master 0 "+masters[0]+"\n" {
		t.Fatalf("POST kill-leader: %d %q", resp.StatusCode, body)
	}
	http.DefaultClient.CloseIdleConnections()
	if got := l.next(); got != "leader 1 "+masters[1] {
		t.Fatalf("after the kill: %q, want leader 1", got)
	}
	if !refused(masters[0]) {
		t.Error("the killed leader's port still accepts connections")
	}
	expectRedirect(t, masters[2], masters[1])

	if err := syscall.Kill(os.Getpid(), syscall.SIGUSR1); err != nil {
		t.Fatal(err)
	}
	if got := l.next(); got != "leader 2 "+masters[2] {
		t.Fatalf("after SIGUSR1: %q, want leader 2", got)
	}
	if !refused(masters[1]) {
		t.Error("the leader killed by SIGUSR1 still accepts connections")
	}
	l.stop()
}

// TestKilledLeaderRestarts checks -restart-delay: the killed leader comes back on its port as a follower.
func TestKilledLeaderRestarts(t *testing.T) {
	zkc := zktest.Start(t)
	l := startLocal(t, "-zk", "zk://"+zkc.ConnectString()+"/mesos", "-masters", "2", "-listen", "127.0.0.1:0",
		"-agents", "0", "-quiet", "-restart-delay", "50ms")
	l.next()
	m0, m1 := strings.Fields(l.next())[2], strings.Fields(l.next())[2]
	l.next() // leader 0
	if err := syscall.Kill(os.Getpid(), syscall.SIGUSR1); err != nil {
		t.Fatal(err)
	}
	if got := l.next(); got != "leader 1 "+m1 {
		t.Fatalf("after SIGUSR1: %q", got)
	}
	deadline := time.Now().Add(20 * time.Second)
	for refused(m0) {
		if time.Now().After(deadline) {
			t.Fatal("master 0 did not restart")
		}
		time.Sleep(10 * time.Millisecond)
	}
	expectRedirect(t, m0, m1)
	l.stop()
}

func TestContainerFlags(t *testing.T) {
	var errOut bytes.Buffer
	o, err := parseFlags([]string{"-emulate-images", "-host-environment"}, &errOut)
	if err != nil || !o.emulateImages || !o.hostEnv {
		t.Fatalf("parseFlags: %+v, %v", o, err)
	}
	o, err = parseFlags(nil, &errOut)
	if err != nil || o.emulateImages || o.hostEnv {
		t.Fatalf("defaults: %+v, %v", o, err)
	}
}

// TestAgentLines checks the agent lines: each agent's URL serves the agent's /state (with that agent's id)
// and /health.
func TestAgentLines(t *testing.T) {
	l := startLocal(t, "-listen", "127.0.0.1:0", "-agents", "2", "-quiet")
	l.next()
	l.next() // master 0
	seen := map[string]bool{}
	for i := range 2 {
		f := strings.Fields(l.next())
		if len(f) != 4 || f[0] != "agent" || f[1] != strconv.Itoa(i) || !strings.HasPrefix(f[2], "http://127.0.0.1:") || seen[f[2]] {
			t.Fatalf("agent line %q", strings.Join(f, " "))
		}
		seen[f[2]] = true
		resp, err := http.Get(f[2] + "/state")
		if err != nil {
			t.Fatal(err)
		}
		var st struct {
			ID  string `json:"id"`
			PID string `json:"pid"`
		}
		err = json.NewDecoder(resp.Body).Decode(&st)
		resp.Body.Close()
		if err != nil || st.ID != f[3] || st.PID != "slave(1)@"+strings.TrimPrefix(f[2], "http://") {
			t.Errorf("%s/state: %+v, %v", f[2], st, err)
		}
		resp, err = http.Get(f[2] + "/health")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("%s/health: %d", f[2], resp.StatusCode)
		}
	}
	if got := l.next(); !strings.HasPrefix(got, "leader 0 ") {
		t.Errorf("leader line %q", got)
	}
	http.DefaultClient.CloseIdleConnections()
}
