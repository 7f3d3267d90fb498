// SPDX-License-Identifier: Apache-2.0

package mesostest

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"strconv"
	"sync"
	"time"

	"go.uber.org/zap"
	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/schedulerpb"
)

// mesosVersion is what MasterInfo.version reports.
const mesosVersion = "1.12.0"

// Server is an in-process Mesos cluster: one or more masters (one leads)
// speaking the v1 scheduler HTTP API, and agents that run tasks. All cluster
// state (agents, tasks, status update streams) is shared by the masters; the
// framework and offer tables belong to the leading master and are rebuilt
// when another master is elected, as after a real master failover.
type Server struct {
	cfg config
	log *zap.Logger

	mu       sync.Mutex
	closed   bool
	closeCh  chan struct{}
	wg       sync.WaitGroup // timers' and processes' goroutines, the allocator
	handlers sync.WaitGroup // HTTP handlers in flight

	masters    []*master
	leader     int // index into masters; -1 when no master leads
	lastLeader int
	recovering time.Time // leader answers 503 until then
	detectors  map[*leaderDetector]struct{}
	changed    chan struct{} // closed (and replaced) on every observable change a waiter watches
	watched    bool          // a waiter holds changed (waitChangeLocked)
	allocKick  chan struct{} // asks the allocator for an event-driven run
	agents     []*agent      // in creation order
	agentByID  map[string]*agent
	tasks      map[taskKey]*task    // tasks that agents run or whose updates are pending
	retries    retryQueue           // unacknowledged status updates to re-send (retry.go)
	sim        simQueue             // simulated tasks waiting to finish (simulated.go)
	injected   *injectState         // SendStatusUpdates's updates awaiting acknowledgement (inject.go)
	taskRes    map[string]resources // interned task resources (internResourcesLocked)
	history    map[string][]*mesosproto.TaskStatus
	reached    map[string]uint64 // WithoutHistory: per task, bit n set when state n was reached
	records    map[string]*frameworkRecord
	recordSeq  []string // framework ids in order of first subscription
	calls      []Call
	faults     map[schedulerpb.Call_Type]*faultState
	noBeats    bool // StopHeartbeats
	nextAgent  int
	allocRound int
	sandboxDir string
	ownSandbox bool

	transport *http.Transport
	client    *http.Client
	pki       *testPKI // WithTLS (tls.go)

	ha haState // dead masters, ZooKeeper contention (zk_masters.go)

	op operatorState // weights and logging levels set through the operator API (operator_calls.go)
}

// NewServer starts a cluster: its masters listen at once (master 0 leads), its
// agents register, and the allocator runs. Close releases everything.
func NewServer(opts ...Option) (*Server, error) {
	cfg := defaultConfig()
	for _, o := range opts {
		o(&cfg)
	}
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if !cfg.agentsSet {
		cfg.agents = []AgentConfig{{}}
	}
	s := &Server{
		cfg:       cfg,
		log:       cfg.logger.Named("mesostest"),
		closeCh:   make(chan struct{}),
		leader:    -1,
		changed:   make(chan struct{}),
		allocKick: make(chan struct{}, 1),
		agentByID: map[string]*agent{},
		tasks:     map[taskKey]*task{},
		history:   map[string][]*mesosproto.TaskStatus{},
		reached:   map[string]uint64{},
		records:   map[string]*frameworkRecord{},
		faults:    map[schedulerpb.Call_Type]*faultState{},
		ha:        newHAState(),
	}
	s.transport = &http.Transport{Proxy: nil, MaxIdleConnsPerHost: 16, DisableCompression: true}
	s.client = &http.Client{
		Transport: s.transport,
		// Redirects are part of the protocol under test: hand them to the caller.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	if err := s.initTLS(); err != nil {
		return nil, err
	}

	if cfg.sandboxDir != "" {
		s.sandboxDir = cfg.sandboxDir
	} else {
		dir, err := os.MkdirTemp("", "mesostest-")
		if err != nil {
			return nil, fmt.Errorf("mesostest: sandbox directory: %w", err)
		}
		s.sandboxDir, s.ownSandbox = dir, true
	}

	// Parse agents first, so that a bad resource string starts nothing.
	var agentCfgs []parsedAgent
	for i, ac := range cfg.agents {
		pa, err := parseAgentConfig(ac, s.sandboxDir)
		if err != nil {
			s.removeSandbox()
			return nil, fmt.Errorf("agent %d: %w", i, err)
		}
		agentCfgs = append(agentCfgs, pa)
	}

	for i := range cfg.masters {
		addr := "127.0.0.1:0"
		if i == 0 {
			addr = cfg.listenAddr
		} else {
			addr = net.JoinHostPort(s.masters[0].host, "0")
		}
		if _, err := s.startMaster(addr); err != nil {
			s.Close()
			return nil, err
		}
	}

	// Master 0 leads, or whichever master ZooKeeper elects.
	if err := s.elect(); err != nil {
		s.Close()
		return nil, err
	}
	s.mu.Lock()
	for _, pa := range agentCfgs {
		s.addAgentLocked(pa)
	}
	s.wg.Add(1)
	s.mu.Unlock()
	go s.allocatorLoop()
	s.log.Info("cluster started", zap.String("url", s.URL()), zap.Int("agents", len(agentCfgs)))
	return s, nil
}

// startMaster opens a listener and serves the master's endpoints on it.
func (s *Server) startMaster(addr string) (*master, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("mesostest: listen %s: %w", addr, err)
	}
	ln = s.tlsListener(ln)
	host, portStr, _ := net.SplitHostPort(ln.Addr().String())
	port, _ := strconv.Atoi(portStr)
	m := &master{s: s, ln: ln, host: host, port: port, started: time.Now()}
	m.hs = s.httpServer(m)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		_ = ln.Close()
		return nil, ErrClosed
	}
	m.idx = len(s.masters)
	s.masters = append(s.masters, m)
	m.info = m.newInfo()
	hs := m.hs // RestartMaster replaces m.hs
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		_ = hs.Serve(ln) // returns once Close closes the server
	}()
	return m, nil
}

// URL returns "http://host:port" ("https://" with WithTLS) of the leading
// master (of the last leader when none leads).
func (s *Server) URL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := s.leader
	if i < 0 {
		i = s.lastLeader
	}
	return s.masters[i].url()
}

// MasterURLs returns the URLs of every master, in index order.
func (s *Server) MasterURLs() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, len(s.masters))
	for i, m := range s.masters {
		out[i] = m.url()
	}
	return out
}

// MasterInfo returns a copy of the leading master's MasterInfo, nil when no master leads.
func (s *Server) MasterInfo() *mesosproto.MasterInfo {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.leader < 0 {
		return nil
	}
	return proto.Clone(s.masters[s.leader].info).(*mesosproto.MasterInfo)
}

// Client returns an HTTP client for talking to the masters. It does not
// follow redirects: a 307 from a non-leading master is returned as is. With
// WithTLS it trusts the generated authority, and with
// WithClientCertificates it presents a client certificate.
func (s *Server) Client() *http.Client { return s.client }

// AgentIDs returns the ids of the agents, in creation order.
func (s *Server) AgentIDs() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, len(s.agents))
	for i, a := range s.agents {
		out[i] = a.id
	}
	return out
}

// SandboxDir returns the directory under which task sandboxes are created.
func (s *Server) SandboxDir() string { return s.sandboxDir }

// Close stops the cluster: it kills every task process, ends every event
// stream, stops the masters and waits for every goroutine it started. It is
// idempotent.
func (s *Server) Close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	close(s.closeCh)
	for _, t := range s.tasks {
		t.stopLocked()
	}
	s.sim.stopLocked()
	s.retries.stopLocked()
	for _, m := range s.masters {
		if m.st != nil {
			for _, fw := range m.st.frameworks {
				fw.stopTimer()
				if fw.stream != nil {
					fw.stream.closeLocked(false)
				}
			}
		}
	}
	s.closeExecutorsLocked()
	s.signalDetectorsLocked(true)
	s.notifyLocked()
	servers := make([]*http.Server, 0, len(s.masters))
	for _, m := range s.masters {
		servers = append(servers, m.hs)
	}
	s.mu.Unlock()

	s.stopHA() // ZooKeeper sessions and detectors
	for _, hs := range servers {
		_ = hs.Close()
	}
	s.closeAgentServers()
	s.handlers.Wait()
	s.wg.Wait()
	s.transport.CloseIdleConnections()
	s.removeSandbox()
	s.log.Info("cluster stopped")
}

func (s *Server) removeSandbox() {
	if s.ownSandbox {
		if err := os.RemoveAll(s.sandboxDir); err != nil {
			s.log.Warn("removing sandbox directory", zap.Error(err))
		}
	}
}

// notifyLocked wakes every waiter (WaitTask, WaitSubscribed, ...). It is
// called on every status update and acknowledgement, so it replaces the
// channel only when a waiter has taken it since the last change.
func (s *Server) notifyLocked() {
	if !s.watched {
		return
	}
	close(s.changed)
	s.changed = make(chan struct{})
	s.watched = false
}

// goLocked runs f on a goroutine tracked by Close. It reports false (and
// does not run f) once the server is closed. Call with s.mu held.
func (s *Server) goLocked(f func()) bool {
	if s.closed {
		return false
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		f()
	}()
	return true
}

// afterLocked runs f with s.mu held after d, unless the server closed
// first. The returned timer may be stopped. Call with s.mu held.
func (s *Server) afterLocked(d time.Duration, f func()) *time.Timer {
	return time.AfterFunc(d, func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.closed {
			return
		}
		f()
	})
}

// leaderLocked returns the leading master, nil when none leads.
func (s *Server) leaderLocked() *master {
	if s.leader < 0 {
		return nil
	}
	return s.masters[s.leader]
}

// setLeaderLocked makes master i the leader (-1: no leader). This is the seam
// for real leader election (for example contention in ZooKeeper): the old
// leader loses its framework and offer tables and drops its event streams
// as a master that lost leadership does (it aborts); the new one starts
// fresh, learns the tasks from the agents (which re-register at once) and
// waits for frameworks to subscribe again.
func (s *Server) setLeaderLocked(i int) {
	if i == s.leader {
		return
	}
	if old := s.leaderLocked(); old != nil {
		old.demoteLocked()
		s.lastLeader = old.idx
	}
	s.leader = i
	if m := s.leaderLocked(); m != nil {
		m.electLocked()
		s.lastLeader = i
		// Agents re-register with the new leader: pending status updates are
		// re-sent to it (frameworks that have not re-subscribed drop them).
		s.resumeUpdatesLocked("")
		s.kickAllocator()
	}
	s.signalDetectorsLocked(false)
	s.notifyLocked()
}

// Failover makes another master the leader: the next one in index order
// after the current (or last) leader, starting a second master if there is
// only one. The old leader then answers 307 with the new leader's address;
// every framework must subscribe again (with its id) to the new one.
// Agents and their tasks survive; unacknowledged status updates reach a
// framework once it has re-subscribed. With WithZooKeeper, Failover is
// KillLeader followed by RestartMaster of the old leader: ZooKeeper elects
// the next master in sequence order (the restarted one with a single master).
func (s *Server) Failover() error {
	if s.zkMode() {
		return s.zkFailover()
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return ErrClosed
	}
	n := len(s.masters)
	host := s.masters[0].host
	s.mu.Unlock()
	if n == 1 {
		if _, err := s.startMaster(net.JoinHostPort(host, "0")); err != nil {
			return err
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	from := s.leader
	if from < 0 {
		from = s.lastLeader
	}
	next := s.nextLiveLocked(from)
	if next < 0 {
		return fmt.Errorf("mesostest: Failover: no other running master: %w", ErrMasterDown)
	}
	s.log.Info("master failover", zap.Int("from", from), zap.Int("to", next))
	s.setLeaderLocked(next)
	return nil
}

// SetNoLeader makes every master a non-leader with no leader known: all
// answer 503 "No leader elected", event streams drop, and Detector reports no
// leader. Failover elects a master again. With WithZooKeeper, ZooKeeper
// decides who leads: SetNoLeader logs an error and does nothing (kill the
// masters instead).
func (s *Server) SetNoLeader() {
	if s.zkMode() {
		s.log.Error("SetNoLeader is not available with WithZooKeeper")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.closed {
		s.setLeaderLocked(-1)
	}
}

// SetRecovering makes the leading master answer 503 "Master has not
// finished recovery" for d, as a freshly elected master does while it reads
// the registry.
func (s *Server) SetRecovering(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.recovering = time.Now().Add(d)
	if d > 0 && !s.closed {
		// Allocation resumes when recovery ends.
		s.afterLocked(d, s.kickAllocator)
	}
}

func (s *Server) recoveringLocked() bool { return time.Now().Before(s.recovering) }
