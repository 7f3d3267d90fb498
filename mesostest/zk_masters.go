// SPDX-License-Identifier: Apache-2.0

package mesostest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.uber.org/zap"
	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/detector"
	"github.com/mesoskit/mesoskit/mesosproto"
)

// haState is the lifecycle of the masters: which ones are dead, their ZooKeeper incarnations, and the
// ZooKeeper detectors handed out by Detector. Guarded by s.mu.
type haState struct {
	dead       map[int]bool
	restarting map[int]bool
	members    map[int]*zkMember
	detectors  map[*zkDetector]struct{}
}

func newHAState() haState {
	return haState{
		dead:       map[int]bool{},
		restarting: map[int]bool{},
		members:    map[int]*zkMember{},
		detectors:  map[*zkDetector]struct{}{},
	}
}

func (s *Server) zkMode() bool { return s.cfg.zk.url != nil }

// httpServer builds the HTTP server of master m (also when it restarts).
func (s *Server) httpServer(m *master) *http.Server {
	var h http.Handler = m
	if len(s.cfg.zk.handlers) > 0 {
		h = &masterMux{m: m, extra: s.cfg.zk.handlers}
	}
	return &http.Server{Handler: h, ReadHeaderTimeout: 30 * time.Second, ErrorLog: zap.NewStdLog(s.log.Named("http"))}
}

// masterMux serves the handlers of WithHTTPHandler ahead of the master's own routes, leaving every other
// request to the master untouched (no path cleaning, no redirects).
type masterMux struct {
	m     *master
	extra []extraHandler
}

func (mx *masterMux) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	for _, e := range mx.extra {
		if p == e.path || (strings.HasSuffix(e.path, "/") && strings.HasPrefix(p, e.path)) {
			e.h.ServeHTTP(w, r)
			return
		}
	}
	mx.m.ServeHTTP(w, r)
}

// elect makes the first leader: master 0 for in-process leadership; with ZooKeeper, the masters register
// in index order (so master 0 has the lowest sequence number of them) and elect is done once ZooKeeper
// has elected one of them.
func (s *Server) elect() error {
	if !s.zkMode() {
		s.mu.Lock()
		s.setLeaderLocked(0)
		s.mu.Unlock()
		return nil
	}
	s.mu.Lock()
	n := len(s.masters)
	s.mu.Unlock()
	for i := range n {
		if err := s.startMember(i); err != nil {
			return err
		}
	}
	limit := s.cfg.zk.startTimeout + s.cfg.zk.sessionTimeout
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	if err := s.waitFor(ctx, func() bool { return s.leader >= 0 }); err != nil {
		return fmt.Errorf("mesostest: none of the masters was elected in %s within %v (does another master lead there?): %w",
			s.cfg.zk.url, limit, err)
	}
	return nil
}

// startMember makes master i contend in ZooKeeper and waits until its member node exists.
func (s *Server) startMember(i int) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return ErrClosed
	}
	info := proto.Clone(s.masters[i].info).(*mesosproto.MasterInfo)
	s.mu.Unlock()

	z, err := s.newZKMember(i, info)
	if err != nil {
		return err
	}
	s.mu.Lock()
	if s.closed || s.ha.dead[i] || s.ha.members[i] != nil || s.masters[i].info.GetId() != z.id {
		closed := s.closed
		s.mu.Unlock()
		z.stop()
		if closed {
			return ErrClosed
		}
		return fmt.Errorf("master %d changed while it was starting: %w", i, ErrMasterDown)
	}
	s.ha.members[i] = z
	s.goLocked(z.run)
	s.goLocked(z.watch)
	s.mu.Unlock()

	timer := time.NewTimer(s.cfg.zk.startTimeout)
	defer timer.Stop()
	select {
	case <-z.joined:
		if z.joinErr != nil {
			return fmt.Errorf("mesostest: master %d could not register in ZooKeeper: %w", i, z.joinErr)
		}
		return nil
	case <-z.ctx.Done():
		return fmt.Errorf("mesostest: master %d died before it registered in ZooKeeper: %w", i, ErrMasterDown)
	case <-s.closeCh:
		return ErrClosed
	case <-timer.C:
		_ = s.killMaster(i, z, "not registered in ZooKeeper in time")
		return fmt.Errorf("mesostest: master %d did not register in %s within %v", i, s.cfg.zk.url, s.cfg.zk.startTimeout)
	}
}

// zkDetected is Master::detected for master z: elected when its detector reports it; a leader that sees
// another master, or none, or whose detection failed, exits. It reports false once z is not the master's
// current incarnation any more.
func (s *Server) zkDetected(z *zkMember, mi *mesosproto.MasterInfo, err error) bool {
	s.mu.Lock()
	if s.closed || s.ha.members[z.idx] != z {
		s.mu.Unlock()
		return false
	}
	var why string
	switch {
	case err != nil:
		why = "failed to detect a master: " + err.Error()
	case mi != nil && mi.GetId() == z.id:
		if !z.leading {
			z.leading = true
			z.log.Info("elected as the leading master")
			s.setLeaderLocked(z.idx)
		}
		s.mu.Unlock()
		return true
	case z.leading:
		why = "lost leadership: another master leads"
		if mi == nil {
			why = "lost leadership: no leader detected"
		}
	default:
		s.mu.Unlock()
		return true // a follower redirects to the cluster's leader
	}
	s.mu.Unlock()
	z.log.Warn("master exits", zap.String("reason", why))
	_ = s.killMaster(z.idx, z, why)
	return false
}

// zkLostCandidacy handles the loss of z's member node: a leader exits (it reports true), a follower
// contends again (false).
func (s *Server) zkLostCandidacy(z *zkMember, why string) bool {
	s.mu.Lock()
	if s.closed || s.ha.members[z.idx] != z {
		s.mu.Unlock()
		return true
	}
	leading := z.leading
	s.mu.Unlock()
	if !leading {
		return false
	}
	z.log.Warn("lost candidacy as the leader; master exits", zap.String("reason", why))
	_ = s.killMaster(z.idx, z, "lost candidacy: "+why)
	return true
}

// zkMemberFailed is a non-retryable ZooKeeper error in master z's contender: the master exits, as Mesos's does.
func (s *Server) zkMemberFailed(z *zkMember, err error) {
	z.log.Error("ZooKeeper contention failed; master exits", zap.Error(err))
	_ = s.killMaster(z.idx, z, err.Error())
}

// LeaderIndex returns the index of the leading master, -1 when none of the cluster's masters leads.
func (s *Server) LeaderIndex() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.leader
}

// WaitLeader waits until one of the cluster's masters leads and returns its index.
func (s *Server) WaitLeader(ctx context.Context) (int, error) {
	i := -1
	err := s.waitFor(ctx, func() bool {
		i = s.leader
		return i >= 0
	})
	if err != nil {
		return -1, fmt.Errorf("mesostest: waiting for a leading master: %w", err)
	}
	return i, nil
}

// MasterRunning reports whether master i is running (not killed, nor exited).
func (s *Server) MasterRunning(i int) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return i >= 0 && i < len(s.masters) && !s.ha.dead[i]
}

// KillLeader kills the leading master (see KillMaster) and returns its index.
func (s *Server) KillLeader() (int, error) {
	s.mu.Lock()
	i := s.leader
	closed := s.closed
	s.mu.Unlock()
	if closed {
		return -1, ErrClosed
	}
	if i < 0 {
		return -1, ErrNoLeader
	}
	return i, s.killMaster(i, nil, "killed")
}

// KillMaster makes master i die: its listener closes (connections are refused) along with every
// connection to it, event streams included, and with ZooKeeper its session is closed, so its member node
// is gone when KillMaster returns (other masters and detectors see that within milliseconds). A leader
// that dies leaves the cluster without a leader until ZooKeeper elects the next master; without ZooKeeper
// the next running master in index order leads at once. Agents and their tasks survive; frameworks must
// subscribe to the new leader. RestartMaster (or WithMasterRestart) brings the master back.
func (s *Server) KillMaster(i int) error { return s.killMaster(i, nil, "killed") }

// killMaster kills master i; with expect set, only if expect is still its current ZooKeeper incarnation.
func (s *Server) killMaster(i int, expect *zkMember, why string) error {
	s.mu.Lock()
	switch {
	case s.closed:
		s.mu.Unlock()
		return ErrClosed
	case i < 0 || i >= len(s.masters):
		s.mu.Unlock()
		return fmt.Errorf("%w: %d", ErrNoSuchMaster, i)
	case s.ha.dead[i]:
		s.mu.Unlock()
		return fmt.Errorf("%w: master %d", ErrMasterDown, i)
	}
	z := s.ha.members[i]
	if expect != nil && z != expect {
		s.mu.Unlock()
		return nil // that incarnation is gone already
	}
	m := s.masters[i]
	hs, ln := m.hs, m.ln
	// The port refuses connections before the master counts as dead (MasterRunning), even if Serve has
	// not started yet: a test that sees it dead must find the port closed.
	_ = ln.Close()
	delete(s.ha.members, i)
	s.ha.dead[i] = true
	// A dead master leads no more: without ZooKeeper the next running master takes over at once; with
	// it, the cluster has no leader until ZooKeeper elects the next one.
	if s.leader == i {
		next := -1
		if !s.zkMode() {
			next = s.nextLiveLocked(i)
		}
		s.setLeaderLocked(next)
	}
	s.notifyLocked()
	s.mu.Unlock()
	s.log.Info("master dies", zap.Int("master_index", i), zap.String("url", m.url()), zap.String("reason", why))

	_ = hs.Close() // open connections and streams break
	if z != nil {
		z.stop() // the session closes: the member node is gone
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	if d := s.cfg.zk.restartDelay; d > 0 && !s.closed {
		s.afterLocked(d, func() {
			s.goLocked(func() {
				err := s.RestartMaster(i)
				if err != nil && !errors.Is(err, ErrClosed) && !errors.Is(err, ErrMasterRunning) {
					s.log.Warn("restarting a master", zap.Int("master_index", i), zap.Error(err))
				}
			})
		})
	}
	return nil
}

// nextLiveLocked returns the first running master after from in index order (wrapping), other than from;
// -1 if there is none.
func (s *Server) nextLiveLocked(from int) int {
	n := len(s.masters)
	for k := 1; k < n; k++ {
		if j := (from + k) % n; !s.ha.dead[j] {
			return j
		}
	}
	return -1
}

// RestartMaster starts dead master i again on its port, as a new master process: a new MasterInfo id
// and no framework state. With ZooKeeper it registers with a new, higher sequence number (so it follows
// unless it is the only candidate) and RestartMaster returns once its member node exists; without, it
// leads only if no other master does.
func (s *Server) RestartMaster(i int) error {
	s.mu.Lock()
	switch {
	case s.closed:
		s.mu.Unlock()
		return ErrClosed
	case i < 0 || i >= len(s.masters):
		s.mu.Unlock()
		return fmt.Errorf("%w: %d", ErrNoSuchMaster, i)
	case !s.ha.dead[i] || s.ha.restarting[i]:
		s.mu.Unlock()
		return fmt.Errorf("%w: master %d", ErrMasterRunning, i)
	}
	s.ha.restarting[i] = true
	m := s.masters[i]
	addr := net.JoinHostPort(m.host, strconv.Itoa(m.port))
	s.mu.Unlock()

	ln, err := listenRetry(addr)
	s.mu.Lock()
	delete(s.ha.restarting, i)
	if err != nil {
		s.mu.Unlock()
		return fmt.Errorf("mesostest: restart master %d: %w", i, err)
	}
	if s.closed {
		s.mu.Unlock()
		_ = ln.Close()
		return ErrClosed
	}
	ln = s.tlsListener(ln)
	m.ln = ln
	m.hs = s.httpServer(m)
	m.info = m.newInfo()
	m.led = false
	m.st = nil
	delete(s.ha.dead, i)
	hs := m.hs
	s.goLocked(func() { _ = hs.Serve(ln) })
	s.log.Info("master restarted", zap.Int("master_index", i), zap.String("url", m.url()), zap.String("master_id", m.info.GetId()))
	if !s.zkMode() {
		if s.leader < 0 {
			s.setLeaderLocked(i)
		}
		s.notifyLocked()
		s.mu.Unlock()
		return nil
	}
	s.notifyLocked()
	s.mu.Unlock()
	return s.startMember(i)
}

// listenRetry listens on addr, retrying briefly: the port was closed a moment ago.
func listenRetry(addr string) (net.Listener, error) {
	var err error
	for attempt := 0; attempt < 20; attempt++ {
		var ln net.Listener
		if ln, err = net.Listen("tcp", addr); err == nil {
			return ln, nil
		}
		time.Sleep(25 * time.Millisecond)
	}
	return nil, err
}

// ExpireMasterSession ends master i's ZooKeeper session as an expiry does: its member node vanishes at
// once. A leader then exits (it lost its candidacy; see KillMaster); a follower opens a new session and
// registers again with a new, higher sequence number. ExpireMasterSession returns when that is done.
func (s *Server) ExpireMasterSession(i int) error {
	if !s.zkMode() {
		return ErrNoZooKeeper
	}
	s.mu.Lock()
	switch {
	case s.closed:
		s.mu.Unlock()
		return ErrClosed
	case i < 0 || i >= len(s.masters):
		s.mu.Unlock()
		return fmt.Errorf("%w: %d", ErrNoSuchMaster, i)
	}
	z := s.ha.members[i]
	s.mu.Unlock()
	if z == nil {
		return fmt.Errorf("%w: master %d", ErrMasterDown, i)
	}
	reply := make(chan error, 1)
	select {
	case z.expireReq <- reply:
	case <-z.ctx.Done():
		return fmt.Errorf("%w: master %d", ErrMasterDown, i)
	}
	select {
	case err := <-reply:
		return err
	case <-z.ctx.Done():
		return nil // the master exited (a leader)
	}
}

// zkFailover is Failover with ZooKeeper: the leader dies and restarts as a follower; ZooKeeper elects the
// next master.
func (s *Server) zkFailover() error {
	i, err := s.KillLeader()
	if err != nil {
		return err
	}
	if err := s.RestartMaster(i); err != nil && !errors.Is(err, ErrMasterRunning) {
		return err
	}
	return nil
}

// stopHA ends every ZooKeeper session and detector of the cluster (Close).
func (s *Server) stopHA() {
	s.mu.Lock()
	var members []*zkMember
	for i, z := range s.ha.members {
		members = append(members, z)
		delete(s.ha.members, i)
	}
	var dets []*zkDetector
	for d := range s.ha.detectors {
		dets = append(dets, d)
		delete(s.ha.detectors, d)
	}
	s.mu.Unlock()
	// Detectors first, so that none of them is busy listing while the member nodes go away.
	parallel := func(fs ...func()) {
		var wg sync.WaitGroup
		for _, f := range fs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				f()
			}()
		}
		wg.Wait()
	}
	var first, second []func()
	for _, d := range dets {
		first = append(first, func() { _ = d.ZK.Close() })
	}
	for _, z := range members {
		first = append(first, z.closeDetector)
		second = append(second, z.stop)
	}
	parallel(first...)
	parallel(second...)
}

// zkDetector is a detector.ZK handed out by Detector; Close forgets it.
type zkDetector struct {
	*detector.ZK
	s *Server
}

// Close implements detector.Detector.
func (d *zkDetector) Close() error {
	err := d.ZK.Close()
	d.s.mu.Lock()
	delete(d.s.ha.detectors, d)
	d.s.mu.Unlock()
	return err
}

// newZKDetector returns a ZooKeeper detector on the masters' path, with their credentials and session timeout.
func (s *Server) newZKDetector() detector.Detector {
	u := s.cfg.zk.url
	opts := []detector.Option{
		detector.WithLogger(s.log.Named("detector")),
		detector.WithSessionTimeout(s.cfg.zk.sessionTimeout),
	}
	if u.Username != "" {
		opts = append(opts, detector.WithDigestAuth(u.Username, u.Password))
	}
	zd, err := detector.NewZK(u.Servers, u.Path, opts...)
	s.mu.Lock()
	if err == nil && !s.closed {
		d := &zkDetector{ZK: zd, s: s}
		s.ha.detectors[d] = struct{}{}
		s.mu.Unlock()
		return d
	}
	s.mu.Unlock()
	if err != nil {
		s.log.Error("ZooKeeper detector", zap.Error(err))
	} else {
		_ = zd.Close()
	}
	ch := make(chan struct{})
	close(ch)
	return &leaderDetector{s: s, ch: ch, closed: true}
}
