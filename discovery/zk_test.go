// SPDX-License-Identifier: Apache-2.0

package discovery_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/mesoskit/mesoskit/discovery"
	"github.com/mesoskit/mesoskit/internal/zktest"
)

func TestAnnounceAndWatch(t *testing.T) {
	zkc := zkServer.Get(t)
	path := basePath(t) + "/services/demo"
	ctx := testCtx(t)
	c := newClient(t, zkc)
	reader := newClient(t, zkc)

	w, err := reader.Watch(path) // before the path exists
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	waitPorts(t, w)

	shard := 3
	m1 := discovery.Member{
		ServiceEndpoint:     discovery.Endpoint{Host: "127.0.0.1", Port: 1001},
		AdditionalEndpoints: map[string]discovery.Endpoint{"http": {Host: "127.0.0.1", Port: 2001}},
		Shard:               &shard,
	}
	a1, err := c.Announce(ctx, path, m1)
	if err != nil {
		t.Fatal(err)
	}
	node, err := a1.Node(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(node, path+"/"+discovery.MemberPrefix) || len(node) != len(path)+1+len(discovery.MemberPrefix)+10 {
		t.Fatalf("node %q: want %s/member_<10 digits>", node, path)
	}
	actx, cancel := context.WithCancel(ctx)
	a2, err := c.Announce(actx, path, endpoint(1002))
	if err != nil {
		t.Fatal(err)
	}
	members := waitPorts(t, w, 1001, 1002)
	got := members[0]
	if got.Node != node[len(path)+1:] || got.Status != discovery.StatusAlive || got.Shard == nil || *got.Shard != 3 ||
		got.AdditionalEndpoints["http"] != (discovery.Endpoint{Host: "127.0.0.1", Port: 2001}) {
		t.Fatalf("first member = %+v", got)
	}

	// The node is ephemeral, sequential, and holds exactly the ServerSet document.
	raw := zkc.Connect(t, 2*time.Second)
	data, stat, err := raw.Get(node)
	if err != nil {
		t.Fatal(err)
	}
	if stat.EphemeralOwner == 0 {
		t.Error("member node is not ephemeral")
	}
	var doc map[string]any
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"serviceEndpoint", "additionalEndpoints", "status", "shard"} {
		if _, ok := doc[key]; !ok {
			t.Errorf("member document %s has no %q", data, key)
		}
	}

	cancel() // the context of a2 ends: withdrawn
	<-a2.Done()
	waitPorts(t, w, 1001)
	if err := a1.Withdraw(); err != nil {
		t.Fatal(err)
	}
	_ = a1.Withdraw() // idempotent
	waitPorts(t, w)
	if _, err := a1.Node(ctx); !errors.Is(err, discovery.ErrWithdrawn) {
		t.Fatalf("Node after Withdraw = %v, want ErrWithdrawn", err)
	}
	if children, _, err := raw.Children(path); err != nil || len(children) != 0 {
		t.Fatalf("children after withdrawal: %v, %v", children, err)
	}
}

func TestMalformedMembersSkipped(t *testing.T) {
	zkc := zkServer.Get(t)
	path := basePath(t)
	raw := zkc.Connect(t, 2*time.Second)
	mkdirs(t, raw, path)
	for _, data := range []string{"", "garbage", `{"serviceEndpoint":{"host":"h","port":0}}`, `{"status":"ALIVE"}`} {
		if _, err := raw.Create(path+"/member_", []byte(data), zk.FlagSequence, zk.WorldACL(zk.PermAll)); err != nil {
			t.Fatal(err)
		}
	}
	good, err := raw.Create(path+"/member_", []byte(`{"serviceEndpoint":{"host":"h","port":7}}`), zk.FlagSequence, zk.WorldACL(zk.PermAll))
	if err != nil {
		t.Fatal(err)
	}
	w, err := newClient(t, zkc).Watch(path)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	waitPorts(t, w, 7)
	// A member rewritten into garbage disappears; rewritten back, it returns.
	if _, err := raw.Set(good, []byte("{"), -1); err != nil {
		t.Fatal(err)
	}
	waitPorts(t, w)
	if _, err := raw.Set(good, []byte(`{"serviceEndpoint":{"host":"h","port":8}}`), -1); err != nil {
		t.Fatal(err)
	}
	waitPorts(t, w, 8)
}

// An announcement survives the expiry of its session: it is made again in the next one.
func TestAnnouncementSurvivesSessionExpiry(t *testing.T) {
	zkc := zkServer.Get(t)
	path := basePath(t)
	ctx := testCtx(t)
	c := newClient(t, zkc)
	w, err := newClient(t, zkc).Watch(path)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	a, err := c.Announce(ctx, path, endpoint(1))
	if err != nil {
		t.Fatal(err)
	}
	first, err := a.Node(ctx)
	if err != nil {
		t.Fatal(err)
	}
	waitPorts(t, w, 1)
	for i := range 2 {
		zkc.ExpireSession(t, discovery.ZKConn(c))
		members := waitNewNode(t, w, first)
		if ports(members)[0] != 1 || len(members) != 1 {
			t.Fatalf("after expiry %d: %+v", i, members)
		}
		first = path + "/" + members[0].Node
	}
	// A watcher whose own session expires keeps following.
	reader := newClient(t, zkc)
	w2, err := reader.Watch(path)
	if err != nil {
		t.Fatal(err)
	}
	defer w2.Close()
	waitPorts(t, w2, 1)
	zkc.ExpireSession(t, discovery.ZKConn(reader))
	a2, err := c.Announce(ctx, path, endpoint(2))
	if err != nil {
		t.Fatal(err)
	}
	defer a2.Withdraw()
	waitPorts(t, w2, 1, 2)
}

// waitNewNode waits until the only member is another node than old (a full path).
func waitNewNode(t *testing.T, w *discovery.Watcher, old string) []discovery.Member {
	t.Helper()
	ctx := testCtx(t)
	for {
		members, changed, err := w.Members(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(members) == 1 && !strings.HasSuffix(old, "/"+members[0].Node) {
			return members
		}
		select {
		case <-changed:
		case <-ctx.Done():
			t.Fatalf("timed out waiting for a new node; last %+v", members)
		}
	}
}

// A member node deleted by someone else is made again.
func TestAnnouncementRecreatedAfterDeletion(t *testing.T) {
	zkc := zkServer.Get(t)
	path := basePath(t)
	ctx := testCtx(t)
	c := newClient(t, zkc)
	a, err := c.Announce(ctx, path, endpoint(5))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Withdraw()
	node, err := a.Node(ctx)
	if err != nil {
		t.Fatal(err)
	}
	w, err := c.Watch(path)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	waitPorts(t, w, 5)
	if err := zkc.Connect(t, 2*time.Second).Delete(node, -1); err != nil {
		t.Fatal(err)
	}
	waitNewNode(t, w, node)
}

// Digest ACLs: members are readable by everyone (Prometheus reads without credentials) and writable only
// with the credentials.
func TestDigestACL(t *testing.T) {
	zkc := zkServer.Get(t)
	path := basePath(t)
	ctx := testCtx(t)
	c := newClient(t, zkc, discovery.WithDigestAuth("svc", "secret"))
	a, err := c.Announce(ctx, path, endpoint(9))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Withdraw()
	node, err := a.Node(ctx)
	if err != nil {
		t.Fatal(err)
	}
	anon := zkc.Connect(t, 2*time.Second)
	if err := anon.Delete(node, -1); !errors.Is(err, zk.ErrNoAuth) {
		t.Fatalf("anonymous delete of a member: %v, want ErrNoAuth", err)
	}
	w, err := newClient(t, zkc).Watch(path) // no credentials
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	waitPorts(t, w, 9)
	// Another user cannot announce under a path it may not write.
	intruder := newClient(t, zkc, discovery.WithDigestAuth("other", "x"))
	b, err := intruder.Announce(ctx, path, endpoint(10))
	if err != nil {
		t.Fatal(err)
	}
	defer b.Withdraw()
	if _, err := b.Node(ctx); !errors.Is(err, discovery.ErrNotAuthorized) {
		t.Fatalf("announcing without write permission: %v, want ErrNotAuthorized", err)
	}
}

// Losing ensemble members: announcements and watchers carry on through the remaining quorum.
func TestEnsembleMemberLoss(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a 3-node ensemble")
	}
	zkc := zktest.StartEnsemble(t, 3)
	path := basePath(t)
	ctx := testCtx(t)
	c := newClient(t, zkc, discovery.WithSessionTimeout(4*time.Second))
	reader := newClient(t, zkc, discovery.WithSessionTimeout(4*time.Second))
	a, err := c.Announce(ctx, path, endpoint(1))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Withdraw()
	if _, err := a.Node(ctx); err != nil {
		t.Fatal(err)
	}
	w, err := reader.Watch(path)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	waitPorts(t, w, 1)

	// Kill the server the announcer is connected to, then the leader: one member at a time is lost.
	victim := zkc.ServerIndex(discovery.ZKConn(c).Server())
	if victim < 0 {
		t.Fatalf("announcer connected to unknown server %q", discovery.ZKConn(c).Server())
	}
	zkc.Kill(t, victim)
	zkc.WaitLeader(t)
	b, err := c.Announce(ctx, path, endpoint(2))
	if err != nil {
		t.Fatal(err)
	}
	defer b.Withdraw()
	waitPorts(t, w, 1, 2)
	zkc.Restart(t, victim)
	leader := zkc.WaitLeader(t)
	zkc.Kill(t, leader)
	zkc.WaitLeader(t)
	if err := b.Withdraw(); err != nil {
		t.Fatal(err)
	}
	waitPorts(t, w, 1)
}

// mkdirs creates path and its parents.
func mkdirs(t testing.TB, conn *zk.Conn, path string) {
	t.Helper()
	for i := 1; i <= len(path); i++ {
		if i < len(path) && path[i] != '/' {
			continue
		}
		if _, err := conn.Create(path[:i], nil, 0, zk.WorldACL(zk.PermAll)); err != nil && !errors.Is(err, zk.ErrNodeExists) {
			t.Fatal(err)
		}
	}
}

// Announcing while ZooKeeper is down: the member appears once it is back; Close does not wait for it.
func TestAnnounceWhileZooKeeperDown(t *testing.T) {
	zkc := zktest.Start(t)
	path := basePath(t)
	ctx := testCtx(t)
	c := newClient(t, zkc)
	zkc.Stop(t, 0)
	a, err := c.Announce(ctx, path, endpoint(4))
	if err != nil {
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	if _, err := a.Node(short); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Node with ZooKeeper down: %v", err)
	}
	zkc.Restart(t, 0)
	if _, err := a.Node(ctx); err != nil {
		t.Fatal(err)
	}
	w, err := newClient(t, zkc).Watch(path)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	waitPorts(t, w, 4)

	// With ZooKeeper down again, Close returns (and the node goes with the session).
	other := newClient(t, zkc)
	b, err := other.Announce(ctx, path, endpoint(5))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Node(ctx); err != nil {
		t.Fatal(err)
	}
	zkc.Stop(t, 0)
	closed := make(chan struct{})
	go func() { _ = other.Close(); close(closed) }()
	select {
	case <-closed:
	case <-ctx.Done():
		t.Fatal("Close hangs while ZooKeeper is down")
	}
	if _, err := b.Node(ctx); !errors.Is(err, discovery.ErrClosed) {
		t.Fatalf("Node after Close: %v, want ErrClosed", err)
	}
}
