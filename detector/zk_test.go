// SPDX-License-Identifier: Apache-2.0

package detector

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/mesoskit/mesoskit/internal/zktest"
	"github.com/mesoskit/mesoskit/mesosproto"
)

// Leader selection across json.info_, info_ and bare members, by sequence number (not by name), skipping
// children that are not members.
func TestZKLeaderAcrossLabels(t *testing.T) {
	t.Parallel()
	c := sharedZK(t)
	conn := c.Connect(t, 10*time.Second)
	path := testPath(t)
	mkdirs(t, conn, path)
	// Non-members and unknown labels, some with low numbers.
	for _, name := range []string{"log_replicas", "foo", "json.info_abc", "json.info_99999999999", "weird_0"} {
		if _, err := conn.Create(path+"/"+name, []byte("not a master"), 0, openACL); err != nil {
			t.Fatal(err)
		}
	}
	// The parent's sequence counter counts every child created so far (5), so the members below get
	// 0000000005, 0000000006, 0000000007. As strings the bare node sorts first and json.info_ last; as
	// numbers json.info_ (5) is lowest.
	a, b, cc := testMaster("10.0.0.1", 5050), testMaster("10.0.0.2", 5050), testMaster("10.0.0.3", 5050)
	nodeA := contend(t, conn, path, "json.info", mesosJSON(t, a))
	nodeB := contend(t, conn, path, "", []byte(b.GetPid()))
	nodeC := contend(t, conn, path, "info", binaryInfo(t, cc))
	if !(nodeB < nodeC && nodeC < nodeA) {
		t.Fatalf("test setup: names %q %q %q do not sort opposite to their numbers", nodeA, nodeB, nodeC)
	}

	d := newZK(t, c, path)
	mi := waitLeader(t, d, a.GetId())
	if u, err := MasterURL(mi, ""); err != nil || u.String() != "http://10.0.0.1:5050" {
		t.Fatalf("MasterURL(json.info leader) = %v, %v", u, err)
	}

	deleteNode(t, conn, path+"/"+nodeA)
	// The bare member's MasterInfo is made from its PID.
	mi = waitLeader(t, d, b.GetPid())
	if u, err := MasterURL(mi, ""); err != nil || u.String() != "http://10.0.0.2:5050" {
		t.Fatalf("MasterURL(bare leader) = %v, %v", u, err)
	}

	deleteNode(t, conn, path+"/"+nodeB)
	mi = waitLeader(t, d, cc.GetId())
	if mi.GetAddress().GetIp() != "10.0.0.3" {
		t.Fatalf("binary leader decoded as %v", mi)
	}

	// Explicit names across 9 → 10: "json.info_10" sorts before "json.info_9" as a string.
	deleteNode(t, conn, path+"/"+nodeC)
	m10, m9 := testMaster("10.0.0.10", 5050), testMaster("10.0.0.9", 5050)
	if _, err := conn.Create(path+"/json.info_10", mesosJSON(t, m10), 0, openACL); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Create(path+"/json.info_9", mesosJSON(t, m9), 0, openACL); err != nil {
		t.Fatal(err)
	}
	waitLeader(t, d, m9.GetId())
}

// Undecodable members are skipped, with one log line each, and the next lowest decodable member leads; with
// nothing decodable there is no leader.
func TestZKGarbageData(t *testing.T) {
	t.Parallel()
	c := sharedZK(t)
	conn := c.Connect(t, 10*time.Second)
	path := testPath(t)
	mkdirs(t, conn, path)
	core, logs := observer.New(zapcore.WarnLevel)

	g1 := contend(t, conn, path, "json.info", []byte("{not json"))
	g2 := contend(t, conn, path, "info", []byte{0xff, 0xff, 0xff}) // invalid protobuf
	g3 := contend(t, conn, path, "", []byte("no pid here"))
	g4 := contend(t, conn, path, "json.info", []byte(`{"id":"no-address"}`))
	d := newZK(t, c, path, WithLogger(zap.New(core)))

	waitNoLeader(t, d)
	good := testMaster("10.0.0.7", 5050)
	contend(t, conn, path, "json.info", mesosJSON(t, good))
	waitLeader(t, d, good.GetId())

	skipped := map[string]bool{}
	for _, e := range logs.FilterMessage("skipping a member node whose data cannot be decoded").All() {
		skipped[e.ContextMap()["node"].(string)] = true
	}
	for _, n := range []string{g1, g2, g3, g4} {
		if !skipped[n] {
			t.Errorf("no log line for undecodable node %s (logged: %v)", n, skipped)
		}
	}
	if n := logs.FilterMessage("skipping a member node whose data cannot be decoded").Len(); n != 4 {
		t.Errorf("%d skip log lines, want one per node (4)", n)
	}
}

// An existing path without members: no leader, answered promptly.
func TestZKEmptyPath(t *testing.T) {
	t.Parallel()
	c := sharedZK(t)
	conn := c.Connect(t, 10*time.Second)
	path := testPath(t)
	mkdirs(t, conn, path)
	d := newZK(t, c, path)
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	mi, changed, err := d.Leader(ctx)
	if err != nil || mi != nil || changed == nil {
		t.Fatalf("Leader() on an empty path = %v, %v, %v; want nil, a channel, nil", mi, changed, err)
	}
}

// A missing path is created (with its parents, open ACL without credentials) and watched; a master that
// registers later is detected.
func TestZKPathCreatedLater(t *testing.T) {
	t.Parallel()
	c := sharedZK(t)
	conn := c.Connect(t, 10*time.Second)
	path := testPath(t) + "/a/b/mesos"
	d := newZK(t, c, path)
	waitNoLeader(t, d)
	ok, _, err := conn.Exists(path)
	if err != nil || !ok {
		t.Fatalf("detector did not create %s: %v, %v", path, ok, err)
	}
	acl, _, err := conn.GetACL(path)
	if err != nil || !slices.Equal(acl, openACL) {
		t.Fatalf("ACL of the created path = %v, %v; want %v", acl, err, openACL)
	}
	m := testMaster("10.1.0.1", 5050)
	contend(t, conn, path, "json.info", mesosJSON(t, m))
	waitLeader(t, d, m.GetId())
}

// A follower joining changes nothing; the leader leaving hands over to the follower; the last master leaving
// means no leader; a master returning leads.
func TestZKLeaderChangeLossAndReturn(t *testing.T) {
	t.Parallel()
	c := sharedZK(t)
	conn := c.Connect(t, 10*time.Second)
	path := testPath(t)
	mkdirs(t, conn, path)
	rec := &recorder{}
	d := newZK(t, c, path, rec.option())
	waitNoLeader(t, d)

	a, b, r := testMaster("10.2.0.1", 5050), testMaster("10.2.0.2", 5050), testMaster("10.2.0.3", 5050)
	nodeA := contend(t, conn, path, "json.info", mesosJSON(t, a))
	waitLeader(t, d, a.GetId())
	_, changedA, _ := d.Leader(context.Background())
	nodeB := contend(t, conn, path, "json.info", mesosJSON(t, b))

	// A change is a new node event; prove the detector has seen B by changing the leader afterwards and
	// checking that the answers went straight from A to B.
	deleteNode(t, conn, path+"/"+nodeA)
	waitLeader(t, d, b.GetId())
	select {
	case <-changedA:
	default:
		t.Fatal("the channel returned with A was not closed when B took over")
	}

	deleteNode(t, conn, path+"/"+nodeB)
	waitNoLeader(t, d)
	contend(t, conn, path, "json.info", mesosJSON(t, r))
	waitLeader(t, d, r.GetId())

	want := []string{"<none>", a.GetId(), b.GetId(), "<none>", r.GetId()}
	if got := rec.ids(); !slices.Equal(got, want) {
		t.Fatalf("answers %s, want %s (a follower joining must not change the answer)", fmtIDs(got), fmtIDs(want))
	}
}

// A path readable only with digest credentials: right credentials detect the leader, wrong ones (or none)
// give a permanent ErrNotAuthorized that names the path and never the password. A path created by a
// detector with credentials gets Mesos's ACL.
func TestZKDigestAuth(t *testing.T) {
	t.Parallel()
	c := sharedZK(t)
	owner := c.Connect(t, 10*time.Second)
	if err := owner.AddAuth("digest", []byte("alice:s3cret-pw")); err != nil {
		t.Fatal(err)
	}
	path := testPath(t)
	if _, err := owner.Create(path, nil, 0, zk.DigestACL(zk.PermAll, "alice", "s3cret-pw")); err != nil {
		t.Fatal(err)
	}
	m := testMaster("10.3.0.1", 5050)
	if _, err := owner.Create(path+"/json.info_", mesosJSON(t, m), zk.FlagEphemeral|zk.FlagSequence, zk.DigestACL(zk.PermAll, "alice", "s3cret-pw")); err != nil {
		t.Fatal(err)
	}

	good, err := Parse("zk://alice:s3cret-pw@"+c.ConnectString()+path, WithSessionTimeout(2*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { good.Close() })
	waitLeader(t, good, m.GetId())

	for _, cred := range []string{"alice:WRONG-pass@", "mallory:WRONG-pass@", ""} {
		d, err := Parse("zk://"+cred+c.ConnectString()+path, WithSessionTimeout(2*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
		mi, ch, err := d.Leader(ctx)
		cancel()
		d.Close()
		if !errors.Is(err, ErrNotAuthorized) || !errors.Is(err, zk.ErrNoAuth) || mi != nil || ch != nil {
			t.Fatalf("credentials %q: Leader() = %v, %v, %v; want ErrNotAuthorized", cred, mi, ch, err)
		}
		if msg := err.Error(); !strings.Contains(msg, path) || strings.Contains(msg, "WRONG-pass") {
			t.Fatalf("credentials %q: error %q should name the path and never the password", cred, msg)
		}
		t.Logf("credentials %q: %v", cred, err)
	}

	// Created with credentials: world may read, the creator may do everything (Mesos's ACL).
	created := path + "-created"
	d, err := Parse("zk://alice:s3cret-pw@"+c.ConnectString()+created, WithSessionTimeout(2*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	waitNoLeader(t, d)
	acl, _, err := owner.GetACL(created)
	if err != nil {
		t.Fatal(err)
	}
	want := append(zk.WorldACL(zk.PermRead), zk.DigestACL(zk.PermAll, "alice", "s3cret-pw")...)
	if !slices.Equal(acl, want) {
		t.Fatalf("ACL of a path created with credentials = %v, want %v", acl, want)
	}
}

// A detector that may not create its missing path fails permanently (as Mesos's does).
func TestZKCannotCreatePath(t *testing.T) {
	t.Parallel()
	c := sharedZK(t)
	conn := c.Connect(t, 10*time.Second)
	locked := testPath(t)
	if _, err := conn.Create(locked, nil, 0, zk.WorldACL(zk.PermRead)); err != nil {
		t.Fatal(err)
	}
	d := newZK(t, c, locked+"/mesos")
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	_, _, err := d.Leader(ctx)
	if !errors.Is(err, ErrNotAuthorized) || !strings.Contains(err.Error(), locked+"/mesos") {
		t.Fatalf("Leader() = %v; want ErrNotAuthorized naming %s", err, locked+"/mesos")
	}
}

// Losing the ensemble member the detector is connected to changes nothing: the client moves to another
// member within the session timeout, keeps its session and watch, and later changes are still seen.
func TestZKEnsembleMemberKilled(t *testing.T) {
	t.Parallel()
	c := zktest.StartEnsemble(t, 3)
	conn := c.Connect(t, 10*time.Second)
	path := testPath(t)
	mkdirs(t, conn, path)
	a, b := testMaster("10.4.0.1", 5050), testMaster("10.4.0.2", 5050)
	nodeA := contend(t, conn, path, "json.info", mesosJSON(t, a))
	contend(t, conn, path, "json.info", mesosJSON(t, b))
	rec := &recorder{}
	d := newZK(t, c, path, WithSessionTimeout(8*time.Second), rec.option())
	waitLeader(t, d, a.GetId())

	victim := c.ServerIndex(d.conn.Server())
	if victim < 0 {
		t.Fatalf("detector connected to unknown server %q", d.conn.Server())
	}
	session := d.conn.SessionID()
	c.Kill(t, victim)

	// The detector notices a change made through another member.
	deleteNodeRetry(t, conn, path+"/"+nodeA)
	waitLeader(t, d, b.GetId())
	if got := d.conn.SessionID(); got != session {
		t.Fatalf("session changed from %#x to %#x: the detector should have kept it", session, got)
	}
	if got := d.conn.Server(); got == c.Servers()[victim] {
		t.Fatalf("detector still on the killed member %s", got)
	}
	want := []string{a.GetId(), b.GetId()}
	if got := rec.ids(); !slices.Equal(got, want) {
		t.Fatalf("answers %s, want %s (no 'no leader' while one member is down)", fmtIDs(got), fmtIDs(want))
	}
}

// deleteNodeRetry deletes through a client that may be reconnecting after losing its server.
func deleteNodeRetry(t testing.TB, conn *zk.Conn, path string) {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for {
		err := conn.Delete(path, -1)
		if err == nil || errors.Is(err, zk.ErrNoNode) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("delete %s: %v", path, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// When its session expires, the detector reports "no leader" at once, opens a new session and reports the
// leader again.
func TestZKSessionExpired(t *testing.T) {
	t.Parallel()
	c := sharedZK(t)
	conn := c.Connect(t, 10*time.Second)
	path := testPath(t)
	mkdirs(t, conn, path)
	m := testMaster("10.5.0.1", 5050)
	contend(t, conn, path, "json.info", mesosJSON(t, m))
	rec := &recorder{}
	d := newZK(t, c, path, WithSessionTimeout(time.Second), rec.option())
	waitLeader(t, d, m.GetId())
	old := d.conn.SessionID()

	c.ExpireSession(t, d.conn)
	waitFor(t, d, "leader after a new session", func(mi *mesosproto.MasterInfo) bool {
		return leaderIs(m.GetId())(mi) && d.conn.SessionID() != old && d.conn.SessionID() != 0
	})
	want := []string{m.GetId(), "<none>", m.GetId()}
	if got := rec.ids(); !slices.Equal(got, want) {
		t.Fatalf("answers %s, want %s", fmtIDs(got), fmtIDs(want))
	}

	// And the new session's watch works.
	n := testMaster("10.5.0.2", 5050)
	if _, err := conn.Create(path+"/json.info_0", mesosJSON(t, n), 0, openACL); err != nil {
		t.Fatal(err)
	}
	waitLeader(t, d, n.GetId())
}

// ZooKeeper unreachable for longer than the session timeout: "no leader"; back: the leader again.
func TestZKOutage(t *testing.T) {
	t.Parallel()
	c := zktest.Start(t)
	conn := c.Connect(t, 10*time.Second) // the master's session outlives the outage
	path := testPath(t)
	mkdirs(t, conn, path)
	m := testMaster("10.6.0.1", 5050)
	contend(t, conn, path, "json.info", mesosJSON(t, m))
	d := newZK(t, c, path, WithSessionTimeout(time.Second))
	waitLeader(t, d, m.GetId())

	c.Kill(t, 0)
	start := time.Now()
	waitNoLeader(t, d)
	t.Logf("no leader reported %v after the server died (session timeout 1s)", time.Since(start).Round(time.Millisecond))
	start = time.Now()
	c.Restart(t, 0)
	t.Logf("server serving again after %v", time.Since(start).Round(time.Millisecond))
	waitLeader(t, d, m.GetId())
	t.Logf("leader reported again %v after the restart began", time.Since(start).Round(time.Millisecond))
}

// Not connected within the session timeout: the first answer is "no leader" rather than a wait.
func TestZKUnreachable(t *testing.T) {
	t.Parallel()
	d, err := NewZK([]string{"127.0.0.1:1"}, "/mesos", WithSessionTimeout(200*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	mi, changed, err := d.Leader(ctx)
	if err != nil || mi != nil || changed == nil {
		t.Fatalf("Leader() = %v, %v, %v; want no leader", mi, changed, err)
	}
}

// Close is idempotent, wakes holders of the change channel and waiters, and Leader then says ErrClosed.
func TestZKClose(t *testing.T) {
	t.Parallel()
	c := sharedZK(t)
	d := newZK(t, c, testPath(t))
	mi, changed, err := d.Leader(context.Background())
	if err != nil || mi != nil {
		t.Fatalf("Leader() = %v, %v", mi, err)
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	if err := d.Close(); err != nil {
		t.Fatalf("second Close() = %v", err)
	}
	select {
	case <-changed:
	default:
		t.Fatal("Close did not close the change channel")
	}
	if _, ch, err := d.Leader(context.Background()); !errors.Is(err, ErrClosed) || ch != nil {
		t.Fatalf("Leader() after Close = %v, %v; want ErrClosed", ch, err)
	}

	// A caller blocked before the first answer is released by Close.
	blocked, err := NewZK([]string{"127.0.0.1:1"}, "/mesos", WithSessionTimeout(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, _, err := blocked.Leader(context.Background())
		done <- err
	}()
	blocked.Close()
	if err := <-done; !errors.Is(err, ErrClosed) {
		t.Fatalf("blocked Leader() after Close = %v, want ErrClosed", err)
	}
}

// A context that ends before the first answer ends the wait with its error.
func TestZKLeaderContext(t *testing.T) {
	t.Parallel()
	d, err := NewZK([]string{"127.0.0.1:1"}, "/mesos", WithSessionTimeout(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, _, err := d.Leader(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Leader() = %v, want context.DeadlineExceeded", err)
	}
}

func TestNewZKValidates(t *testing.T) {
	for _, tc := range []struct {
		servers []string
		path    string
		opts    []Option
	}{
		{nil, "/mesos", nil},
		{[]string{"h1"}, "/mesos", nil}, // NewZK wants explicit ports
		{[]string{"h1:2181"}, "/", nil},
		{[]string{"h1:2181"}, "mesos", nil},
		{[]string{"h1:2181"}, "/a//b", nil},
		{[]string{"h1:2181"}, "/mesos", []Option{WithSessionTimeout(0)}},
	} {
		if d, err := NewZK(tc.servers, tc.path, tc.opts...); err == nil {
			d.Close()
			t.Errorf("NewZK(%q, %q) succeeded, want an error", tc.servers, tc.path)
		}
	}
}

// Nothing from the ZooKeeper client reaches stdout or stderr; its lines go to the zap logger.
func TestZKClientLogsGoToZap(t *testing.T) {
	t.Parallel()
	c := sharedZK(t)
	core, logs := observer.New(zapcore.DebugLevel)
	d := newZK(t, c, testPath(t), WithLogger(zap.New(core)), WithDigestAuth("alice", "s3cret"))
	waitNoLeader(t, d)
	d.Close()
	if logs.FilterLoggerName("zookeeper").Len() == 0 {
		t.Fatal("no ZooKeeper client log line reached the zap logger")
	}
	for _, e := range logs.All() {
		for k, v := range e.ContextMap() {
			if s, ok := v.(string); ok && strings.Contains(s, "s3cret") {
				t.Fatalf("log field %s carries a secret: %q", k, s)
			}
		}
	}
}
