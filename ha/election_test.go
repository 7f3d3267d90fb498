// SPDX-License-Identifier: Apache-2.0

package ha_test

import (
	"context"
	"errors"
	"os"
	"sort"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/mesoskit/mesoskit/ha"
	"github.com/mesoskit/mesoskit/internal/zktest"
)

func TestElectionBasics(t *testing.T) {
	zkc := sharedZK(t)
	ctx := testCtx(t)
	path := basePath(t) + "/leader"
	observerConn, _ := connect(t, zkc, shortSession)
	if _, err := ha.CurrentLeader(ctx, observerConn, path); !errors.Is(err, ha.ErrNoLeader) {
		t.Fatalf("CurrentLeader before any campaign: %v, want ErrNoLeader", err)
	}

	a := newReplica(t, zkc, path, 1, shortSession)
	started := time.Now()
	term, err := a.el.Campaign(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if term.Err() != nil || closedChan(term.Done()) {
		t.Fatalf("new term already ended: %v", term.Err())
	}
	if term.Began().Before(started) || term.Lease() <= 0 || term.Lease() >= shortSession {
		t.Errorf("Began %v (campaign started %v), Lease %v (session %v)", term.Began(), started, term.Lease(), shortSession)
	}
	if _, err := a.el.Campaign(ctx); !errors.Is(err, ha.ErrCampaigning) {
		t.Errorf("second Campaign while leading: %v, want ErrCampaigning", err)
	}

	id, err := ha.CurrentLeader(ctx, observerConn, path)
	if err != nil {
		t.Fatal(err)
	}
	host, _ := os.Hostname()
	if id.Address != "replica-1" || id.Hostname != host || id.PID != os.Getpid() || id.Node != term.Node() ||
		id.Started.Before(started.Add(-time.Minute)) || id.Started.After(time.Now()) {
		t.Errorf("CurrentLeader = %+v; want replica-1 on %s, pid %d, node %s", id, host, os.Getpid(), term.Node())
	}
	if got, err := a.el.Leader(ctx); err != nil || got.Node != term.Node() {
		t.Errorf("Election.Leader = %+v, %v", got, err)
	}

	// A second replica waits; the first resigns; the second leads at once (released lease).
	b := newReplica(t, zkc, path, 2, shortSession)
	got := make(chan *ha.Term, 1)
	go func() {
		tb, err := b.el.Campaign(ctx)
		if err != nil {
			t.Error(err)
		}
		got <- tb
	}()
	waitFor(t, "the second candidate", func() bool { return len(children(t, zkc, path)) == 2 })
	if err := term.Resign(ctx); err != nil {
		t.Fatal(err)
	}
	if !errors.Is(term.Err(), ha.ErrResigned) || !closedChan(term.Done()) || term.Ended().IsZero() {
		t.Errorf("after Resign: Err %v, Ended %v", term.Err(), term.Ended())
	}
	tb := <-got
	if tb == nil {
		t.FailNow()
	}
	if !term.Ended().Before(tb.Began()) {
		t.Errorf("old term ended %v, new began %v", term.Ended(), tb.Began())
	}
	t.Logf("handover after Resign took %v", tb.Began().Sub(term.Ended()))
	if id, err := ha.CurrentLeader(ctx, observerConn, path); err != nil || id.Address != "replica-2" {
		t.Errorf("CurrentLeader after handover = %+v, %v", id, err)
	}
	// The first replica may campaign again, behind the second.
	cctx, cancel := context.WithCancel(ctx)
	errc := make(chan error, 1)
	go func() {
		_, err := a.el.Campaign(cctx)
		errc <- err
	}()
	waitFor(t, "the first replica back in line", func() bool { return len(children(t, zkc, path)) == 2 })
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled Campaign: %v", err)
	}
	// Its node is deleted on the way out.
	waitFor(t, "the cancelled candidate's node to go", func() bool { return len(children(t, zkc, path)) == 1 })
	if err := tb.Resign(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := ha.CurrentLeader(ctx, observerConn, path); !errors.Is(err, ha.ErrNoLeader) {
		t.Errorf("CurrentLeader after everyone left: %v", err)
	}
}

// TestNoHerd checks that every candidate watches only its predecessor: ZooKeeper's own table of watches
// (four-letter word wchp) shows one watcher per candidate node, its successor, and none on the election
// path; when the leader leaves, only its successor wakes up.
func TestNoHerd(t *testing.T) {
	zkc := sharedZK(t)
	ctx := testCtx(t)
	path := basePath(t) + "/leader"
	const n = 5
	core, logs := observer.New(zapcore.DebugLevel)
	var reps []*replica
	for i := range n {
		reps = append(reps, newReplica(t, zkc, path, i, shortSession, ha.WithLogger(zap.New(core).With(zap.Int("replica", i)))))
	}
	l := newLedger()
	// Start one at a time so that the line is in replica order.
	for i, r := range reps {
		runReplica(t, r, l)
		waitFor(t, "candidate in line", func() bool { return len(children(t, zkc, path)) == i+1 })
	}
	first := l.waitTerms(t, 1)
	if first.replica != 0 {
		t.Fatalf("replica %d leads, want 0", first.replica)
	}
	sessions := map[int64]int{}
	for _, r := range reps {
		sessions[r.conn.SessionID()] = r.i
	}
	nodes := children(t, zkc, path) // sorted by sequence = replica order
	waitFor(t, "every standby to watch its predecessor", func() bool {
		w := watchesByPath(t, zkc.Servers()[0])
		ok := true
		for k, node := range nodes {
			watchers := w[path+"/"+node]
			want := 1
			if k == n-1 {
				want = 0
			}
			if len(watchers) != want || (want == 1 && sessions[watchers[0]] != k+1) {
				ok = false
			}
		}
		return ok
	})
	w := watchesByPath(t, zkc.Servers()[0])
	if len(w[path]) != 0 {
		t.Errorf("sessions watching the election path itself: %v", w[path])
	}
	for p, ws := range w {
		for _, id := range ws {
			if r, ours := sessions[id]; ours && p != path && len(p) > len(path) && p[:len(path)] != path {
				t.Errorf("replica %d watches %s", r, p)
			}
		}
	}

	wakeups := func() map[int]int {
		out := map[int]int{}
		for _, e := range logs.FilterMessage("predecessor changed").All() {
			out[int(e.ContextMap()["replica"].(int64))]++
		}
		return out
	}
	before := wakeups()
	if len(before) != 0 {
		t.Fatalf("wakeups before anything changed: %v", before)
	}
	if err := first.term.Resign(ctx); err != nil {
		t.Fatal(err)
	}
	second := l.waitTerms(t, 2)
	if second.replica != 1 {
		t.Fatalf("replica %d leads after the first resigned, want 1", second.replica)
	}
	// The resigned replica is back in line (Run campaigns again): it is now last, watching replica 4.
	waitFor(t, "the first replica back at the end of the line", func() bool { return len(children(t, zkc, path)) == n })
	if got := wakeups(); len(got) != 1 || got[1] != 1 {
		t.Errorf("wakeups when the leader left: %v, want only replica 1, once", got)
	}
	l.check(t)
}

// TestExpiredLeader expires the leader's session from outside while the leader is alive and connected: the
// standby, elected at once, must not lead before the old leader's Term has ended.
func TestExpiredLeader(t *testing.T) {
	zkc := sharedZK(t)
	path := basePath(t) + "/leader"
	l := newLedger()
	a := newReplica(t, zkc, path, 0, shortSession)
	runReplica(t, a, l)
	first := l.waitTerms(t, 1)
	b := newReplica(t, zkc, path, 1, shortSession)
	runReplica(t, b, l)
	waitFor(t, "the standby", func() bool { return len(children(t, zkc, path)) == 2 })

	start := time.Now()
	zkc.ExpireSession(t, ha.ZKConn(a.conn))
	second := l.waitTerms(t, 2)
	if second.replica != 1 {
		t.Fatalf("replica %d leads after the expiry", second.replica)
	}
	// The server does not drop the connection of a session closed from elsewhere: the leader hears nothing
	// more, so it usually ends its Term when its lease runs out, before it learns of the expiry.
	if err := first.term.Err(); !errors.Is(err, ha.ErrSessionExpired) && !errors.Is(err, ha.ErrDeposed) && !errors.Is(err, ha.ErrLeaseExpired) {
		t.Errorf("old term ended with %v, want ErrSessionExpired, ErrDeposed or ErrLeaseExpired", err)
	}
	t.Logf("expired → old Done %v → new term %v (session timeout %v)",
		first.term.Ended().Sub(start), second.term.Began().Sub(start), shortSession)
	l.check(t)
	// The old leader campaigns again with its new session and stands by.
	waitFor(t, "the old leader back in line", func() bool { return len(children(t, zkc, path)) == 2 })
}

// TestPartitionedLeader cuts the leader off from ZooKeeper: it must end its Term before its session can
// expire, hence before the standby leads.
func TestPartitionedLeader(t *testing.T) {
	zkc := sharedZK(t)
	path := basePath(t) + "/leader"
	l := newLedger()
	a := newReplica(t, zkc, path, 0, shortSession)
	runReplica(t, a, l)
	first := l.waitTerms(t, 1)
	b := newReplica(t, zkc, path, 1, shortSession)
	runReplica(t, b, l)
	waitFor(t, "the standby", func() bool { return len(children(t, zkc, path)) == 2 })

	start := time.Now()
	a.net.Partition()
	second := l.waitTerms(t, 2)
	if second.replica != 1 {
		t.Fatalf("replica %d leads after the partition", second.replica)
	}
	if err := first.term.Err(); !errors.Is(err, ha.ErrLeaseExpired) {
		t.Errorf("partitioned term ended with %v, want ErrLeaseExpired", err)
	}
	ended, began := first.term.Ended().Sub(start), second.term.Began().Sub(start)
	t.Logf("partition → old Done %v → new term %v (lease %v, session timeout %v)", ended, began, first.term.Lease(), shortSession)
	l.check(t)
	if !first.term.Ended().Add(first.term.Lease() / 4).Before(second.term.Began()) {
		t.Errorf("the old leader stopped only %v before the new one started; want at least a quarter lease", second.term.Began().Sub(first.term.Ended()))
	}
	// Healed, it finds its session expired and stands by with a new one.
	a.net.Heal()
	waitFor(t, "the healed replica back in line", func() bool { return len(children(t, zkc, path)) == 2 })
	if who, _, live := l.current(); who != 1 || live != 1 {
		t.Errorf("after healing: replica %d leads, %d terms live", who, live)
	}
}

// TestThreeReplicasEnsemble runs three replicas on a three-server ensemble: exactly one leads; expiring
// its session hands over; killing a ZooKeeper member changes nothing; a partitioned leader stops first.
func TestThreeReplicasEnsemble(t *testing.T) {
	zkc := zktest.StartEnsemble(t, 3)
	path := basePath(t) + "/leader"
	l := newLedger()
	var reps []*replica
	for i := range 3 {
		reps = append(reps, newReplica(t, zkc, path, i, safeSession))
		runReplica(t, reps[i], l)
	}
	first := l.waitTerms(t, 1)
	waitFor(t, "all three candidates", func() bool { return len(children(t, zkc, path)) == 3 })
	if _, _, live := l.current(); live != 1 {
		t.Fatalf("%d terms live, want 1", live)
	}

	// Expire the leader's session.
	start := time.Now()
	expireSession(t, zkc, reps[first.replica].conn)
	second := l.waitTerms(t, 2)
	t.Logf("expiry: replica %d → %d in %v", first.replica, second.replica, second.term.Began().Sub(start))
	waitFor(t, "the expired replica back in line", func() bool { return len(children(t, zkc, path)) == 3 })

	// Kill the ZooKeeper member the leader is connected to, unless it is the ensemble's leader (then another
	// follower): nothing changes, heartbeats go on through another member.
	leaderConn := ha.ZKConn(reps[second.replica].conn)
	victim := zkc.ServerIndex(leaderConn.Server())
	if victim == zkc.Leader() || victim < 0 {
		victim = (zkc.Leader() + 1) % 3
	}
	raw := rawConn(t, zkc)
	_, st0, err := raw.Get(path)
	if err != nil {
		t.Fatal(err)
	}
	zkc.Kill(t, victim)
	waitFor(t, "heartbeats after the member died", func() bool {
		_, st, err := raw.Get(path)
		return err == nil && st.Version >= st0.Version+4
	})
	if n := l.count(); n != 2 || second.term.Err() != nil {
		t.Fatalf("killing ZooKeeper member %d changed the leadership: %d terms, current ended with %v", victim, n, second.term.Err())
	}
	zkc.Restart(t, victim)

	// Partition the leader.
	start = time.Now()
	reps[second.replica].net.Partition()
	third := l.waitTerms(t, 3)
	if err := second.term.Err(); !errors.Is(err, ha.ErrLeaseExpired) {
		t.Errorf("partitioned leader's term ended with %v, want ErrLeaseExpired", err)
	}
	t.Logf("partition: replica %d → %d; old Done after %v, new term after %v (session %v)", second.replica, third.replica,
		second.term.Ended().Sub(start), third.term.Began().Sub(start), safeSession)
	reps[second.replica].net.Heal()
	waitFor(t, "the healed replica back in line", func() bool { return len(children(t, zkc, path)) == 3 })
	if _, _, live := l.current(); live != 1 {
		t.Errorf("%d terms live, want 1", live)
	}
	l.check(t)
}

// TestCloseHandsOver: closing the leader's Conn ends its Term first and releases the lease, so that the
// standby takes over at once.
func TestCloseHandsOver(t *testing.T) {
	zkc := sharedZK(t)
	ctx := testCtx(t)
	path := basePath(t) + "/leader"
	a := newReplica(t, zkc, path, 0, shortSession)
	ta, err := a.el.Campaign(ctx)
	if err != nil {
		t.Fatal(err)
	}
	b := newReplica(t, zkc, path, 1, shortSession)
	got := make(chan *ha.Term, 1)
	go func() {
		tb, err := b.el.Campaign(ctx)
		if err != nil {
			t.Error(err)
		}
		got <- tb
	}()
	waitFor(t, "the standby", func() bool { return len(children(t, zkc, path)) == 2 })
	a.conn.Close()
	if !errors.Is(ta.Err(), ha.ErrClosed) {
		t.Errorf("term after Close: %v", ta.Err())
	}
	if _, err := a.el.Campaign(ctx); !errors.Is(err, ha.ErrClosed) {
		t.Errorf("Campaign after Close: %v", err)
	}
	tb := <-got
	if tb == nil {
		t.FailNow()
	}
	if !ta.Ended().Before(tb.Began()) || tb.Began().Sub(ta.Ended()) > shortSession/2 {
		t.Errorf("old ended %v, new began %v: want a prompt handover", ta.Ended(), tb.Began())
	}
	t.Logf("handover after Close took %v", tb.Began().Sub(ta.Ended()))
}

func children(t testing.TB, zkc *zktest.Cluster, path string) []string {
	t.Helper()
	raw := rawConnCached(t, zkc)
	ch, _, err := raw.Children(path)
	if err != nil {
		return nil
	}
	sort.Slice(ch, func(i, j int) bool { return ch[i][len(ch[i])-10:] < ch[j][len(ch[j])-10:] })
	return ch
}

func closedChan(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}
