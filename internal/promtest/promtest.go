// SPDX-License-Identifier: Apache-2.0

// Package promtest runs a real Prometheus server for tests, on a free 127.0.0.1 port with a configuration
// the test gives, and reads its discovered targets through the HTTP API (/api/v1/targets).
//
// It uses the `prometheus` binary on PATH (Debian's package installs /usr/bin/prometheus; PROMETHEUS names
// another). When there is none, Start skips the test with a message saying how to get it — unless
// MESOSKIT_REQUIRE_PROMETHEUS=1 (set by `make test`), in which case the test fails.
//
// Lifecycle: Start registers the server's stop with t.Cleanup (SIGKILL, wait, remove its data directory);
// its log is written with t.Log when the test failed.
package promtest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// StartTimeout bounds the wait for the server to answer /-/ready.
const StartTimeout = 60 * time.Second

// Server is a running Prometheus.
type Server struct {
	URL string // http://127.0.0.1:port
}

// Binary returns the prometheus binary to run, or "" when there is none.
func Binary() string {
	if p := os.Getenv("PROMETHEUS"); p != "" {
		return p
	}
	p, err := exec.LookPath("prometheus")
	if err != nil {
		return ""
	}
	return p
}

// Start runs Prometheus with the given YAML configuration.
func Start(t testing.TB, config string) *Server {
	t.Helper()
	bin := Binary()
	if bin == "" {
		msg := "Prometheus is not installed (apt-get install prometheus, or set PROMETHEUS to its binary)"
		if os.Getenv("MESOSKIT_REQUIRE_PROMETHEUS") == "1" {
			t.Fatal(msg + "; MESOSKIT_REQUIRE_PROMETHEUS=1 requires it")
		}
		t.Skip(msg)
	}
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(cfgPath, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	port, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	logFile, err := os.Create(filepath.Join(dir, "prometheus.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin,
		"--config.file="+cfgPath,
		"--web.listen-address="+addr,
		"--storage.tsdb.path="+filepath.Join(dir, "data"),
		"--log.level=debug",
	)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		logFile.Close()
		t.Fatalf("promtest: starting %s: %v", bin, err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
		logFile.Close()
		if t.Failed() {
			if b, err := os.ReadFile(logFile.Name()); err == nil {
				t.Logf("prometheus log:\n%s", tail(b, 8000))
			}
		}
	})
	s := &Server{URL: "http://" + addr}
	deadline := time.Now().Add(StartTimeout)
	for {
		resp, err := http.Get(s.URL + "/-/ready")
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s
			}
		}
		select {
		case <-exited:
			t.Fatal("promtest: prometheus exited before it was ready")
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("promtest: prometheus not ready within %v", StartTimeout)
		}
	}
}

// Target is one active target of /api/v1/targets.
type Target struct {
	DiscoveredLabels map[string]string `json:"discoveredLabels"`
	Labels           map[string]string `json:"labels"`
	ScrapePool       string            `json:"scrapePool"`
}

// ActiveTargets returns the active targets.
func (s *Server) ActiveTargets(ctx context.Context) ([]Target, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.URL+"/api/v1/targets?state=active", nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("promtest: /api/v1/targets: %s: %s", resp.Status, tail(body, 500))
	}
	var out struct {
		Status string `json:"status"`
		Data   struct {
			ActiveTargets []Target `json:"activeTargets"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &out); err != nil {
		return nil, fmt.Errorf("promtest: /api/v1/targets: %w", err)
	}
	if out.Status != "success" {
		return nil, fmt.Errorf("promtest: /api/v1/targets: status %q", out.Status)
	}
	return out.Data.ActiveTargets, nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func tail(b []byte, n int) []byte {
	if len(b) > n {
		b = b[len(b)-n:]
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			b = b[i+1:]
		}
	}
	return b
}
