// SPDX-License-Identifier: Apache-2.0

package detector

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/mesoskit/mesoskit/internal/zktest"
	"github.com/mesoskit/mesoskit/mesosproto"
)

// master is a test master registered with its own session, as Mesos masters are.
type master struct {
	info *mesosproto.MasterInfo
	node string
	conn *zk.Conn
}

func (m master) id() string { return m.info.GetId() }

// join registers mi with a session of its own (or the given one) and returns it.
func join(t testing.TB, c *zktest.Cluster, path string, mi *mesosproto.MasterInfo, conn *zk.Conn) master {
	t.Helper()
	if conn == nil {
		conn = c.Connect(t, 10*time.Second)
	}
	return master{info: mi, node: contend(t, conn, path, "json.info", mesosJSON(t, mi)), conn: conn}
}

// waitArmed waits until the detector is ready to report want ("<none>" for no leader) early.
func waitArmed(t testing.TB, d *ZK, want string) {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for {
		got := armedNext(d)
		if got == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("early report armed for %q, want %q", got, want)
		}
		time.Sleep(time.Millisecond)
	}
}

// waitListings waits until the detector has completed more than n listings.
func waitListings(t testing.TB, d *ZK, n int64) {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for d.listings.Load() <= n {
		if time.Now().After(deadline) {
			t.Fatalf("no listing after %d within %v", n, waitTimeout)
		}
		time.Sleep(time.Millisecond)
	}
}

// The leader's node deleted with nothing else changed: the runner-up (past an undecodable member) is
// reported from the deletion event, once; the confirming listing changes nothing.
func TestZKEarlyReport(t *testing.T) {
	t.Parallel()
	c := sharedZK(t)
	conn := c.Connect(t, 10*time.Second)
	path := testPath(t)
	mkdirs(t, conn, path)
	a := join(t, c, path, testMaster("10.20.0.1", 5050), nil)
	garbage := c.Connect(t, 10*time.Second)
	contend(t, garbage, path, "json.info", []byte("not json"))
	b := join(t, c, path, testMaster("10.20.0.2", 5050), nil)
	cc := join(t, c, path, testMaster("10.20.0.3", 5050), nil)
	rec := &recorder{}
	d := newZK(t, c, path, rec.option())
	waitLeader(t, d, a.id())
	waitArmed(t, d, b.id())

	listed := d.listings.Load()
	deleteNode(t, conn, path+"/"+a.node)
	waitLeader(t, d, b.id())
	waitListings(t, d, listed) // the confirming listing
	waitArmed(t, d, cc.id())
	if n := d.earlies.Load(); n != 1 {
		t.Fatalf("%d early reports, want 1", n)
	}
	if got, want := rec.ids(), []string{a.id(), b.id()}; !slices.Equal(got, want) {
		t.Fatalf("answers %s, want %s", fmtIDs(got), fmtIDs(want))
	}

	// A master's session ends (it died): its node goes with it, and the next is reported early too.
	c.ExpireSession(t, b.conn)
	waitLeader(t, d, cc.id())
	if n := d.earlies.Load(); n != 2 {
		t.Fatalf("%d early reports, want 2", n)
	}
	if got, want := rec.ids(), []string{a.id(), b.id(), cc.id()}; !slices.Equal(got, want) {
		t.Fatalf("answers %s, want %s", fmtIDs(got), fmtIDs(want))
	}
}

// No usable member after the leader: its deletion reports "no leader" at once.
func TestZKEarlyNoneLeft(t *testing.T) {
	t.Parallel()
	c := sharedZK(t)
	conn := c.Connect(t, 10*time.Second)
	path := testPath(t)
	mkdirs(t, conn, path)
	a := join(t, c, path, testMaster("10.21.0.1", 5050), nil)
	garbage := c.Connect(t, 10*time.Second)
	contend(t, garbage, path, "json.info", []byte("{}")) // no address
	rec := &recorder{}
	d := newZK(t, c, path, rec.option())
	waitLeader(t, d, a.id())
	waitArmed(t, d, "<none>")

	deleteNode(t, conn, path+"/"+a.node)
	waitNoLeader(t, d)
	if n := d.earlies.Load(); n != 1 {
		t.Fatalf("%d early reports, want 1", n)
	}
	if got, want := rec.ids(), []string{a.id(), "<none>"}; !slices.Equal(got, want) {
		t.Fatalf("answers %s, want %s", fmtIDs(got), fmtIDs(want))
	}
}

// The runner-up goes just before the leader (back to back, nothing waits in between): the children watch
// fires first, so the runner-up is never reported. Repeated, with the deletions in one transaction (B
// first), and one after the other from one client and from two. (Were the two deletions concurrent, the runner-up could lead for a moment in between, and reporting
// it would be right.)
func TestZKEarlyRunnerUpGoesFirst(t *testing.T) {
	t.Parallel()
	c := sharedZK(t)
	conn := c.Connect(t, 10*time.Second)
	other := c.Connect(t, 10*time.Second)
	path := testPath(t)
	mkdirs(t, conn, path)
	rec := &recorder{}
	ms := []master{join(t, c, path, testMaster("10.22.0.1", 5050), nil)}
	d := newZK(t, c, path, rec.option())
	waitLeader(t, d, ms[0].id())
	var never []string
	for i := range 20 {
		b := join(t, c, path, testMaster(fmt.Sprintf("10.22.1.%d", i), 5050), nil)
		cc := join(t, c, path, testMaster(fmt.Sprintf("10.22.2.%d", i), 5050), nil)
		waitArmed(t, d, b.id())
		never = append(never, b.id())
		leader := path + "/" + ms[len(ms)-1].node
		switch i % 3 {
		case 0:
			// One transaction, B first: the events (B's data watch, the children watch, A's data
			// watch) reach the detector in one burst, with no chance for a listing in between.
			if _, err := conn.Multi(&zk.DeleteRequest{Path: path + "/" + b.node, Version: -1},
				&zk.DeleteRequest{Path: leader, Version: -1}); err != nil {
				t.Fatal(err)
			}
		case 1:
			// B's deletion is committed before A's is sent.
			deleteNode(t, conn, path+"/"+b.node)
			deleteNode(t, conn, leader)
		case 2:
			deleteNode(t, other, path+"/"+b.node)
			deleteNode(t, conn, leader)
		}
		waitLeader(t, d, cc.id())
		ms = append(ms, cc)
	}
	for _, id := range rec.ids() {
		if slices.Contains(never, id) {
			t.Fatalf("answers %s report %s, which was deleted before the leader", fmtIDs(rec.ids()), id)
		}
	}
	for i, id := range rec.ids() {
		if i > 0 && rec.ids()[i-1] == id {
			t.Fatalf("answers %s repeat %s", fmtIDs(rec.ids()), id)
		}
	}
}

// Leader and runner-up in one session: ZooKeeper deletes both in one transaction when that session ends,
// so no early report is armed, and the runner-up is never reported.
func TestZKEarlySameSession(t *testing.T) {
	t.Parallel()
	c := sharedZK(t)
	conn := c.Connect(t, 10*time.Second)
	path := testPath(t)
	mkdirs(t, conn, path)
	shared := c.Connect(t, 10*time.Second)
	a := join(t, c, path, testMaster("10.23.0.1", 5050), shared)
	b := join(t, c, path, testMaster("10.23.0.2", 5050), shared)
	cc := join(t, c, path, testMaster("10.23.0.3", 5050), nil)
	rec := &recorder{}
	d := newZK(t, c, path, rec.option())
	waitLeader(t, d, a.id())
	waitListings(t, d, 0)
	if got := armedNext(d); got != "" {
		t.Fatalf("early report armed for %q with leader and runner-up in one session", got)
	}

	c.ExpireSession(t, shared)
	waitLeader(t, d, cc.id())
	if got, want := rec.ids(), []string{a.id(), cc.id()}; !slices.Equal(got, want) {
		t.Fatalf("answers %s, want %s (never %s, deleted with the leader)", fmtIDs(got), fmtIDs(want), b.id())
	}
	if n := d.earlies.Load(); n != 0 {
		t.Fatalf("%d early reports, want 0", n)
	}
}

// A new member, or a change to a member's data, disarms the early report until the next listing; the
// changes are reported as before.
func TestZKEarlyDisarmedByChanges(t *testing.T) {
	t.Parallel()
	c := sharedZK(t)
	conn := c.Connect(t, 10*time.Second)
	path := testPath(t)
	mkdirs(t, conn, path)
	a := join(t, c, path, testMaster("10.24.0.1", 5050), nil)
	rec := &recorder{}
	d := newZK(t, c, path, rec.option())
	waitLeader(t, d, a.id())
	waitArmed(t, d, "<none>")

	b := join(t, c, path, testMaster("10.24.0.2", 5050), nil)
	waitArmed(t, d, b.id())

	// Rewritten data (Mesos never does this) is read again.
	moved := testMaster("10.24.0.9", 5050)
	moved.Id = b.info.Id
	if _, err := conn.Set(path+"/"+b.node, mesosJSON(t, moved), -1); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(waitTimeout)
	for {
		d.evMu.Lock()
		next := d.early.next
		d.evMu.Unlock()
		if next.GetAddress().GetIp() == "10.24.0.9" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("runner-up still %v after its data changed", next)
		}
		time.Sleep(time.Millisecond)
	}
	deleteNode(t, conn, path+"/"+a.node)
	mi := waitLeader(t, d, b.id())
	if mi.GetAddress().GetIp() != "10.24.0.9" {
		t.Fatalf("leader %v, want the rewritten data", mi)
	}
}

// The detector's server dies while the leader and the runner-up are deleted: the client learns of the
// deletions when it has moved to another member (the leader's data watch fires there before the children
// watch, whatever the order of the deletions), after session events that disarm the early report. The
// runner-up is never reported; once listed again, the early report works on the new server.
func TestZKEarlyEnsembleReconnect(t *testing.T) {
	t.Parallel()
	c := zktest.StartEnsemble(t, 3)
	conn := c.Connect(t, 10*time.Second)
	path := testPath(t)
	mkdirs(t, conn, path)
	a := join(t, c, path, testMaster("10.25.0.1", 5050), nil)
	b := join(t, c, path, testMaster("10.25.0.2", 5050), nil)
	cc := join(t, c, path, testMaster("10.25.0.3", 5050), nil)
	e := join(t, c, path, testMaster("10.25.0.4", 5050), nil)
	rec := &recorder{}
	d := newZK(t, c, path, WithSessionTimeout(8*time.Second), rec.option())
	waitLeader(t, d, a.id())
	waitArmed(t, d, b.id())

	victim := c.ServerIndex(d.conn.Server())
	if victim < 0 {
		t.Fatalf("detector connected to unknown server %q", d.conn.Server())
	}
	session := d.conn.SessionID()
	c.Kill(t, victim)
	deleteNodeRetry(t, conn, path+"/"+b.node)
	deleteNodeRetry(t, conn, path+"/"+a.node)
	waitLeader(t, d, cc.id())
	if got := d.conn.SessionID(); got != session {
		t.Fatalf("session changed from %#x to %#x", session, got)
	}
	if got, want := rec.ids(), []string{a.id(), cc.id()}; !slices.Equal(got, want) {
		t.Fatalf("answers %s, want %s", fmtIDs(got), fmtIDs(want))
	}

	waitArmed(t, d, e.id())
	before := d.earlies.Load()
	deleteNodeRetry(t, conn, path+"/"+cc.node)
	waitLeader(t, d, e.id())
	if n := d.earlies.Load(); n != before+1 {
		t.Fatalf("%d early reports after the reconnection, want %d", n, before+1)
	}
}
