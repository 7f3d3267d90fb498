// SPDX-License-Identifier: Apache-2.0

package ha_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"github.com/mesoskit/mesoskit/ha"
	"github.com/mesoskit/mesoskit/internal/zktest"
)

// waitLimit bounds every wait; nothing sleeps for it, waits end as soon as their condition holds.
const waitLimit = 30 * time.Second

// Session timeouts: tickTime is 500 ms, so 1 s is the shortest ZooKeeper grants.
const (
	shortSession = time.Second
	safeSession  = 2 * time.Second // for tests that kill ensemble members: a re-election takes ~0.4 s
)

var basePaths sync.Map

// basePath returns a ZooKeeper path unique to the test.
func basePath(t testing.TB) string {
	name := strings.NewReplacer("/", "_", " ", "_").Replace(t.Name())
	for i := 0; ; i++ {
		p := "/ha/" + name + fmt.Sprint(i)
		if _, dup := basePaths.LoadOrStore(p, true); !dup {
			return p
		}
	}
}

func testCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	t.Cleanup(cancel)
	return ctx
}

// waitFor polls cond every few milliseconds until it holds, failing the test after waitLimit.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitLimit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// connect opens a Conn to zkc through a faultNet (for partitions) and zkc's Dialer (for ExpireSession),
// closed at cleanup.
func connect(t testing.TB, zkc *zktest.Cluster, timeout time.Duration, opts ...ha.Option) (*ha.Conn, *faultNet) {
	t.Helper()
	fn := &faultNet{dial: zkc.Dialer()}
	base := []ha.Option{ha.WithSessionTimeout(timeout), ha.WithDialer(fn.Dial), ha.WithLogger(testLogger(t))}
	c, err := ha.Connect(zkc.Servers(), append(base, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c, fn
}

// testLogger logs at info level to the test log (debug with -v would drown it).
func testLogger(t testing.TB) *zap.Logger {
	return zaptest.NewLogger(t, zaptest.Level(zap.InfoLevel))
}

// rawConn is a plain go-zookeeper client for inspecting what the package wrote.
func rawConn(t testing.TB, zkc *zktest.Cluster) *zk.Conn {
	t.Helper()
	return zkc.Connect(t, 2*time.Second)
}

// faultNet wraps a dialer so that a test can cut the client off from ZooKeeper: while cut, new connections
// fail and existing ones swallow everything in both directions (the client times out, the servers hear
// nothing and expire the session), as a network partition does.
type faultNet struct {
	dial zk.Dialer
	mu   sync.Mutex
	cut  bool
}

var errPartitioned = errors.New("faultNet: partitioned")

func (n *faultNet) Dial(network, address string, timeout time.Duration) (net.Conn, error) {
	if n.isCut() {
		return nil, errPartitioned
	}
	c, err := n.dial(network, address, timeout)
	if err != nil {
		return nil, err
	}
	return &faultConn{Conn: c, n: n}, nil
}

func (n *faultNet) isCut() bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.cut
}

// Partition cuts the client off; Heal reconnects it.
func (n *faultNet) Partition() { n.mu.Lock(); n.cut = true; n.mu.Unlock() }
func (n *faultNet) Heal()      { n.mu.Lock(); n.cut = false; n.mu.Unlock() }

type faultConn struct {
	net.Conn
	n *faultNet
}

func (c *faultConn) Read(p []byte) (int, error) {
	for {
		n, err := c.Conn.Read(p)
		if err != nil || !c.n.isCut() {
			return n, err
		}
		// Swallowed; go-zookeeper's read deadline ends the wait.
	}
}

func (c *faultConn) Write(p []byte) (int, error) {
	if c.n.isCut() {
		return len(p), nil
	}
	return c.Conn.Write(p)
}

// replica is one in-process scheduler replica: its own Conn and Election, and a loop like Run's that
// records every Term in a ledger.
type replica struct {
	i    int
	conn *ha.Conn
	net  *faultNet
	el   *ha.Election
}

func newReplica(t testing.TB, zkc *zktest.Cluster, electionPath string, i int, timeout time.Duration, opts ...ha.Option) *replica {
	t.Helper()
	conn, fn := connect(t, zkc, timeout, opts...)
	el, err := ha.NewElection(conn, electionPath, ha.WithIdentity(ha.Identity{Address: fmt.Sprintf("replica-%d", i)}))
	if err != nil {
		t.Fatal(err)
	}
	return &replica{i: i, conn: conn, net: fn, el: el}
}

// ledger records the Terms of a group of replicas and checks that they never overlap.
type ledger struct {
	mu      sync.Mutex
	changed chan struct{}
	terms   []ledgerTerm
}

type ledgerTerm struct {
	replica int
	term    *ha.Term
}

func newLedger() *ledger { return &ledger{changed: make(chan struct{})} }

func (l *ledger) notifyLocked() {
	close(l.changed)
	l.changed = make(chan struct{})
}

// begin records a Term that Campaign just returned.
func (l *ledger) begin(i int, t *ha.Term) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.terms = append(l.terms, ledgerTerm{i, t})
	l.notifyLocked()
	go func() {
		<-t.Done()
		l.mu.Lock()
		l.notifyLocked()
		l.mu.Unlock()
	}()
}

// current returns the replica whose Term lasts (-1 if none) and how many last at once.
func (l *ledger) current() (who int, term *ha.Term, live int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	who = -1
	for _, lt := range l.terms {
		if lt.term.Err() == nil {
			who, term = lt.replica, lt.term
			live++
		}
	}
	return who, term, live
}

// count returns how many Terms began.
func (l *ledger) count() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.terms)
}

// waitTerms waits until n Terms have begun and returns the latest.
func (l *ledger) waitTerms(t testing.TB, n int) ledgerTerm {
	t.Helper()
	deadline := time.After(waitLimit)
	for {
		l.mu.Lock()
		if len(l.terms) >= n {
			lt := l.terms[n-1]
			l.mu.Unlock()
			return lt
		}
		ch := l.changed
		l.mu.Unlock()
		select {
		case <-ch:
		case <-deadline:
			t.Fatalf("timed out waiting for term #%d (have %d)", n, l.count())
		}
	}
}

// check asserts the leadership guarantee over every Term recorded: sorted by start, each Term ended (its
// Done was closed) before the next began.
func (l *ledger) check(t testing.TB) {
	t.Helper()
	l.mu.Lock()
	terms := append([]ledgerTerm(nil), l.terms...)
	l.mu.Unlock()
	sort.Slice(terms, func(i, j int) bool { return terms[i].term.Began().Before(terms[j].term.Began()) })
	for k := 1; k < len(terms); k++ {
		prev, next := terms[k-1], terms[k]
		ended := prev.term.Ended()
		if ended.IsZero() || !ended.Before(next.term.Began()) {
			t.Errorf("term %d of replica %d (ended %v) overlaps term %d of replica %d (began %v)",
				k-1, prev.replica, fmtTime(ended), k, next.replica, fmtTime(next.term.Began()))
		} else {
			t.Logf("term %d: replica %d → replica %d: gap %v (%v)", k, prev.replica, next.replica,
				next.term.Began().Sub(ended).Round(time.Microsecond), prev.term.Err())
		}
	}
}

func fmtTime(tm time.Time) string {
	if tm.IsZero() {
		return "never"
	}
	return tm.Format("15:04:05.000000")
}

// runReplica runs r like ha.Run does, recording Terms in l and holding each until it ends or ctx ends.
// It returns a function that stops the replica and waits for it.
func runReplica(t testing.TB, r *replica, l *ledger) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- ha.Run(ctx, r.el, func(ctx context.Context, term *ha.Term) error {
			l.begin(r.i, term)
			<-ctx.Done()
			return nil
		})
	}()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("replica %d: Run: %v", r.i, err)
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

// watchesByPath asks a ZooKeeper server (four-letter word wchp) which sessions watch which paths.
func watchesByPath(t testing.TB, addr string) map[string][]int64 {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := conn.Write([]byte("wchp")); err != nil {
		t.Fatal(err)
	}
	out := map[string][]int64{}
	var path string
	sc := bufio.NewScanner(conn)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "/"):
			path = line
			out[path] = nil
		case strings.TrimSpace(line) != "" && path != "":
			var id int64
			if _, err := fmt.Sscanf(strings.TrimSpace(line), "0x%x", &id); err == nil {
				out[path] = append(out[path], id)
			}
		}
	}
	return out
}

var rawConns sync.Map // testing.TB → *zk.Conn

// rawConnCached returns one raw client per test.
func rawConnCached(t testing.TB, zkc *zktest.Cluster) *zk.Conn {
	t.Helper()
	if c, ok := rawConns.Load(t); ok {
		return c.(*zk.Conn)
	}
	c := rawConn(t, zkc)
	rawConns.Store(t, c)
	t.Cleanup(func() { rawConns.Delete(t) })
	return c
}

// expireSession expires c's session with zkc.ExpireSession.
func expireSession(t testing.TB, zkc *zktest.Cluster, c *ha.Conn) {
	t.Helper()
	zkc.ExpireSession(t, ha.ZKConn(c))
}
