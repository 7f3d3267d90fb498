// SPDX-License-Identifier: Apache-2.0

package zktest

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

const (
	// DefaultTickTime is the servers' tickTime: short, so that sessions of 1 s (the minimum, 2 ticks) work.
	DefaultTickTime = 500 * time.Millisecond
	// DefaultStartTimeout bounds how long starting or restarting servers may take. JVMs start slowly on a
	// loaded two-core machine; on an idle one a standalone server serves after about 0.4 s.
	DefaultStartTimeout = 60 * time.Second
	// stopGrace is how long Stop waits after SIGTERM before it kills the server.
	stopGrace = 10 * time.Second
)

// Option configures a Cluster.
type Option func(*config)

type config struct {
	tickTime     time.Duration
	startTimeout time.Duration
	extra        [][2]string
	jvmFlags     []string
}

// WithTickTime sets the servers' tickTime (default [DefaultTickTime]). Session timeouts are clamped by the
// servers to [2, 20] ticks.
func WithTickTime(d time.Duration) Option { return func(c *config) { c.tickTime = d } }

// WithStartTimeout bounds the time to start (and to restart) servers (default [DefaultStartTimeout]).
func WithStartTimeout(d time.Duration) Option { return func(c *config) { c.startTimeout = d } }

// WithConfig adds a `key=value` line to every server's zoo.cfg (after the harness's own lines, so it wins).
func WithConfig(key, value string) Option {
	return func(c *config) { c.extra = append(c.extra, [2]string{key, value}) }
}

// WithJVMFlags replaces the JVM flags (default: -Xmx256m and flags that make a small JVM start fast).
func WithJVMFlags(flags ...string) Option { return func(c *config) { c.jvmFlags = flags } }

// Cluster is a set of running ZooKeeper servers: one standalone server or an ensemble. Its methods are safe
// for concurrent use. Server indexes are 0-based.
type Cluster struct {
	cfg     config
	inst    installation
	dir     string
	servers []*server

	sessMu   sync.Mutex
	sessions map[int64][]byte // session id → password, learnt by Dialer

	logMu     sync.Mutex
	clientLog *os.File // go-zookeeper client log lines of connections made through Logger

	closeOnce sync.Once
}

// Start starts one standalone server for t and registers its shutdown with t.Cleanup. When ZooKeeper is
// not installed the test is skipped, or fails if MESOSKIT_REQUIRE_ZK=1. If t fails, the server logs are
// written with t.Log during cleanup.
func Start(t testing.TB, opts ...Option) *Cluster {
	t.Helper()
	return start(t, 1, opts)
}

// StartEnsemble starts an ensemble of n servers (n ≥ 1; 3 is the usual choice) and waits until every
// member serves (a leader has been elected). Otherwise as Start.
func StartEnsemble(t testing.TB, n int, opts ...Option) *Cluster {
	t.Helper()
	return start(t, n, opts)
}

func start(t testing.TB, n int, opts []Option) *Cluster {
	t.Helper()
	SkipIfUnavailable(t)
	c, err := New(n, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			c.WriteLogs(testLogWriter{t})
		}
		c.Close()
	})
	return c
}

// New starts n servers (1 = standalone) without a testing.TB, for use in TestMain. The caller must Close
// the cluster. It returns an error wrapping [ErrNotInstalled] when ZooKeeper is missing.
func New(n int, opts ...Option) (*Cluster, error) {
	if n < 1 {
		return nil, fmt.Errorf("zktest: need at least one server, got %d", n)
	}
	inst, err := findInstallation()
	if err != nil {
		return nil, err
	}
	cfg := config{
		tickTime:     DefaultTickTime,
		startTimeout: DefaultStartTimeout,
		jvmFlags: []string{
			"-Xmx256m", "-Xss512k", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-XX:-UsePerfData",
		},
	}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.tickTime < time.Millisecond {
		return nil, fmt.Errorf("zktest: tickTime %v is too short", cfg.tickTime)
	}
	// A port can be taken by someone else between picking it and the JVM binding it: try again on fresh
	// ports when a server dies during startup.
	for attempt := 1; ; attempt++ {
		c, err := tryStart(inst, cfg, n)
		if err == nil {
			return c, nil
		}
		if attempt == 3 || !exitedEarly(err) {
			return nil, err
		}
	}
}

func tryStart(inst installation, cfg config, n int) (_ *Cluster, err error) {
	dir, err := os.MkdirTemp("", "zktest-")
	if err != nil {
		return nil, err
	}
	c := &Cluster{cfg: cfg, inst: inst, dir: dir, sessions: make(map[int64][]byte)}
	defer func() {
		if err != nil {
			// Keep the logs of a failed start visible in the error.
			var b strings.Builder
			c.WriteLogs(&b)
			err = fmt.Errorf("%w\n%s", err, b.String())
			c.Close()
		}
	}()
	if c.clientLog, err = os.Create(filepath.Join(dir, "client.log")); err != nil {
		return c, err
	}
	ports, err := freePorts(3 * n)
	if err != nil {
		return c, err
	}
	for i := range n {
		s := &server{
			id:           i + 1,
			dir:          filepath.Join(dir, fmt.Sprintf("server%d", i+1)),
			clientPort:   ports[3*i],
			quorumPort:   ports[3*i+1],
			electionPort: ports[3*i+2],
		}
		s.logPath = filepath.Join(s.dir, "server.log")
		c.servers = append(c.servers, s)
	}
	for _, s := range c.servers {
		if err := s.writeConfig(c); err != nil {
			return c, err
		}
	}
	for _, s := range c.servers {
		if err := s.start(inst, cfg.jvmFlags); err != nil {
			return c, err
		}
	}
	deadline := time.Now().Add(cfg.startTimeout)
	for _, s := range c.servers {
		if _, err := s.waitServing(deadline); err != nil {
			return c, err
		}
	}
	return c, nil
}

// Close kills every server process (SIGKILL to each process group), waits for them to exit and removes the
// temporary directory. It is idempotent.
func (c *Cluster) Close() {
	c.closeOnce.Do(func() {
		for _, s := range c.servers {
			s.signal(syscall.SIGKILL, stopGrace)
		}
		c.logMu.Lock()
		if c.clientLog != nil {
			c.clientLog.Close()
			c.clientLog = nil
		}
		c.logMu.Unlock()
		os.RemoveAll(c.dir)
	})
}

// Servers returns the client addresses ("127.0.0.1:port") of all members, running or not, in index order.
func (c *Cluster) Servers() []string {
	out := make([]string, len(c.servers))
	for i, s := range c.servers {
		out[i] = s.addr()
	}
	return out
}

// ConnectString returns the members' addresses joined by commas, as in a zk:// URL.
func (c *Cluster) ConnectString() string { return strings.Join(c.Servers(), ",") }

// Dir returns the cluster's temporary directory (configs, data, logs). It is removed by Close.
func (c *Cluster) Dir() string { return c.dir }

// Leader probes every running member once and returns the index of the one whose Mode is leader (or
// standalone), or -1 if none is serving as such right now.
func (c *Cluster) Leader() int {
	for i, s := range c.servers {
		if s.running() == nil {
			continue
		}
		mode, err := srvrMode(s.addr(), time.Second)
		if err == nil && (mode == "leader" || mode == "standalone") {
			return i
		}
	}
	return -1
}

// WaitLeader polls until some member leads (or serves standalone) and returns its index.
func (c *Cluster) WaitLeader(t testing.TB) int {
	t.Helper()
	deadline := time.Now().Add(c.cfg.startTimeout)
	for {
		if i := c.Leader(); i >= 0 {
			return i
		}
		if time.Now().After(deadline) {
			t.Fatalf("zktest: no leader within %v", c.cfg.startTimeout)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// Stop stops member i gracefully (SIGTERM; SIGKILL after 10 s) and waits for it to exit.
func (c *Cluster) Stop(t testing.TB, i int) {
	t.Helper()
	c.server(t, i).signal(syscall.SIGTERM, stopGrace)
}

// Kill kills member i with SIGKILL (no goodbye to clients or peers) and waits for it to exit.
func (c *Cluster) Kill(t testing.TB, i int) {
	t.Helper()
	c.server(t, i).signal(syscall.SIGKILL, stopGrace)
}

// Restart starts the stopped or killed member i again, with its data, and waits until it serves. A running
// member is stopped first.
func (c *Cluster) Restart(t testing.TB, i int) {
	t.Helper()
	s := c.server(t, i)
	s.signal(syscall.SIGTERM, stopGrace)
	if err := s.start(c.inst, c.cfg.jvmFlags); err != nil {
		t.Fatal(err)
	}
	if _, err := s.waitServing(time.Now().Add(c.cfg.startTimeout)); err != nil {
		t.Fatal(err)
	}
}

// Freeze stops member i's process with SIGSTOP: its connections stay open but nothing is answered, as a JVM
// stalled by the machine. The returned function resumes it (SIGCONT); it is also called at cleanup.
func (c *Cluster) Freeze(t testing.TB, i int) (resume func()) {
	t.Helper()
	s := c.server(t, i)
	s.mu.Lock()
	cmd := s.cmd
	s.mu.Unlock()
	if cmd == nil {
		t.Fatalf("zktest: server %d is not running", i)
	}
	if err := syscall.Kill(-cmd.Process.Pid, syscall.SIGSTOP); err != nil {
		t.Fatalf("zktest: freeze server %d: %v", i, err)
	}
	var once sync.Once
	resume = func() { once.Do(func() { _ = syscall.Kill(-cmd.Process.Pid, syscall.SIGCONT) }) }
	t.Cleanup(resume)
	return resume
}

// Running reports whether member i's process is running.
func (c *Cluster) Running(i int) bool {
	return i >= 0 && i < len(c.servers) && c.servers[i].running() != nil
}

// ServerIndex returns the index of the member with client address addr ("127.0.0.1:port"), or -1.
func (c *Cluster) ServerIndex(addr string) int {
	for i, s := range c.servers {
		if s.addr() == addr {
			return i
		}
	}
	return -1
}

func (c *Cluster) server(t testing.TB, i int) *server {
	t.Helper()
	if i < 0 || i >= len(c.servers) {
		t.Fatalf("zktest: no server %d (cluster has %d)", i, len(c.servers))
	}
	return c.servers[i]
}

// WriteLogs writes the tail (last 32 KiB) of every server's log and of the client log to w.
func (c *Cluster) WriteLogs(w io.Writer) {
	for _, s := range c.servers {
		writeTail(w, fmt.Sprintf("ZooKeeper server %d (%s)", s.id, s.addr()), s.logPath)
	}
	if c.dir != "" {
		writeTail(w, "ZooKeeper client", filepath.Join(c.dir, "client.log"))
	}
}

func writeTail(w io.Writer, title, path string) {
	const max = 32 << 10
	f, err := os.Open(path)
	if err != nil {
		return
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.Size() > max {
		_, _ = f.Seek(st.Size()-max, io.SeekStart)
		title += " (last 32 KiB)"
	}
	b, _ := io.ReadAll(f)
	fmt.Fprintf(w, "---- %s: %s ----\n%s\n", title, path, b)
}

// testLogWriter sends writes to t.Log (used only from cleanup, on the test's goroutine).
type testLogWriter struct{ t testing.TB }

func (w testLogWriter) Write(p []byte) (int, error) {
	w.t.Log(string(p))
	return len(p), nil
}

var errNoSession = errors.New("zktest: connection has no session")
