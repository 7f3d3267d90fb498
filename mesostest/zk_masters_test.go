// SPDX-License-Identifier: Apache-2.0

package mesostest

import (
	"errors"
	"io"
	"net"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"
	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/detector"
	"github.com/mesoskit/mesoskit/internal/zktest"
	"github.com/mesoskit/mesoskit/mesosproto"
)

// zkMembers is the member nodes under path, in sequence order.
type zkNode struct {
	name string
	seq  int
	data string
	stat *zk.Stat
}

func zkMembersOf(t *testing.T, conn *zk.Conn, path string) []zkNode {
	t.Helper()
	children, _, err := conn.Children(path)
	if err != nil {
		t.Fatalf("children of %s: %v", path, err)
	}
	var out []zkNode
	for _, c := range children {
		seqText, ok := strings.CutPrefix(c, "json.info_")
		if !ok {
			t.Fatalf("unexpected child %q of %s", c, path)
		}
		seq, err := strconv.Atoi(seqText)
		if err != nil || len(seqText) != 10 {
			t.Fatalf("child %q: sequence is not 10 digits", c)
		}
		data, st, err := conn.Get(path + "/" + c)
		if err != nil {
			continue // gone in between
		}
		out = append(out, zkNode{name: c, seq: seq, data: string(data), stat: st})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].seq < out[j].seq })
	return out
}

// withDialer routes the masters' ZooKeeper sessions through zktest's dialer, so that a test can expire them.
func withDialer(zkc *zktest.Cluster) Option {
	return func(c *config) { c.zk.dialer = zkc.Dialer() }
}

func newZKServer(t *testing.T, zkc *zktest.Cluster, path string, opts ...Option) *Server {
	t.Helper()
	base := []Option{
		WithZooKeeper("zk://" + zkc.ConnectString() + path),
		WithMasters(3),
		withDialer(zkc),
		WithLogger(testLogger(t)),
	}
	return newServer(t, append(base, opts...)...)
}

func (s *Server) infoOf(i int) *mesosproto.MasterInfo {
	s.mu.Lock()
	defer s.mu.Unlock()
	return proto.Clone(s.masters[i].info).(*mesosproto.MasterInfo)
}

// wantJSON is a master's member node data as a Mesos master writes it.
func wantJSON(mi *mesosproto.MasterInfo) string {
	p := strconv.Itoa(int(mi.GetPort()))
	return `{"address":{"hostname":"127.0.0.1","ip":"127.0.0.1","port":` + p + `},` +
		`"capabilities":[{"type":"AGENT_UPDATE"},{"type":"AGENT_DRAINING"},{"type":"QUOTA_V2"}],` +
		`"hostname":"127.0.0.1","id":"` + mi.GetId() + `","ip":16777343,"pid":"master@127.0.0.1:` + p + `",` +
		`"port":` + p + `,"version":"1.12.0"}`
}

// redirectOf posts a call to master i and returns the answer.
func redirectOf(t *testing.T, srv *Server, i int) response {
	t.Helper()
	c := newClient(t, srv, codecs[0])
	c.url = srv.MasterURLs()[i]
	return c.post(reconcileCall("x"))
}

func expectRedirect(t *testing.T, srv *Server, from, to int) {
	t.Helper()
	r := redirectOf(t, srv, from)
	want := "//" + strings.TrimPrefix(srv.MasterURLs()[to], "http://") + masterSchedulerPath
	if r.status != http.StatusTemporaryRedirect || r.header.Get("Location") != want {
		t.Fatalf("master %d answered %d Location %q, want 307 %q", from, r.status, r.header.Get("Location"), want)
	}
}

func expectRefused(t *testing.T, srv *Server, i int) {
	t.Helper()
	conn, err := net.DialTimeout("tcp", strings.TrimPrefix(srv.MasterURLs()[i], "http://"), time.Second)
	if err == nil {
		conn.Close()
		t.Fatalf("master %d still accepts connections", i)
	}
	if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("dialing master %d: %v, want connection refused", i, err)
	}
}

// waitDetected waits until d reports the master with the given id.
func waitDetected(t *testing.T, d detector.Detector, id string) {
	t.Helper()
	ctx := testCtx(t)
	for {
		mi, ch, err := d.Leader(ctx)
		if err != nil {
			t.Fatalf("detector: %v", err)
		}
		if mi.GetId() == id {
			return
		}
		select {
		case <-ch:
		case <-ctx.Done():
			t.Fatalf("detector reports %v, want master %s", mi, id)
		}
	}
}

func TestZooKeeperMasters(t *testing.T) {
	zkc := zktest.Start(t)
	conn := zkc.Connect(t, 2*time.Second)

	t.Run("Layout", func(t *testing.T) {
		srv := newZKServer(t, zkc, "/mesos/layout")
		if got := srv.LeaderIndex(); got != 0 {
			t.Fatalf("leader %d, want master 0", got)
		}
		nodes := zkMembersOf(t, conn, "/mesos/layout")
		if len(nodes) != 3 {
			t.Fatalf("%d member nodes, want 3", len(nodes))
		}
		for i, n := range nodes {
			if want := wantJSON(srv.infoOf(i)); n.data != want {
				t.Errorf("node %s:\n got %s\nwant %s", n.name, n.data, want)
			}
			if n.stat.EphemeralOwner == 0 {
				t.Errorf("node %s is not ephemeral", n.name)
			}
			if i > 0 && n.stat.EphemeralOwner == nodes[i-1].stat.EphemeralOwner {
				t.Errorf("masters share a session")
			}
		}
		for _, p := range []string{"/mesos", "/mesos/layout", "/mesos/layout/" + nodes[0].name} {
			acl, _, err := conn.GetACL(p)
			if err != nil || len(acl) != 1 || acl[0] != zk.WorldACL(zk.PermAll)[0] {
				t.Errorf("ACL of %s: %v %v, want open", p, acl, err)
			}
		}
		expectRedirect(t, srv, 1, 0)
		expectRedirect(t, srv, 2, 0)
		d := srv.Detector()
		defer d.Close()
		waitDetected(t, d, srv.infoOf(0).GetId())
		if srv.URL() != srv.MasterURLs()[0] || srv.MasterInfo().GetId() != srv.infoOf(0).GetId() {
			t.Errorf("URL %s, MasterInfo %v", srv.URL(), srv.MasterInfo())
		}
	})

	t.Run("KillLeaderAndRestart", func(t *testing.T) {
		srv := newZKServer(t, zkc, "/mesos/kill")
		d := srv.Detector()
		defer d.Close()
		waitDetected(t, d, srv.infoOf(0).GetId())
		before := zkMembersOf(t, conn, "/mesos/kill")
		oldID := srv.infoOf(0).GetId()

		start := time.Now()
		i, err := srv.KillLeader()
		if err != nil || i != 0 {
			t.Fatalf("KillLeader() = %d, %v", i, err)
		}
		// The session is closed: the node is gone when KillLeader returns.
		if after := zkMembersOf(t, conn, "/mesos/kill"); len(after) != 2 || after[0].name != before[1].name {
			t.Fatalf("members after the kill: %v", after)
		}
		expectRefused(t, srv, 0)
		if _, err := srv.WaitLeader(testCtx(t)); err != nil {
			t.Fatal(err)
		}
		t.Logf("new leader elected %v after the kill", time.Since(start))
		if got := srv.LeaderIndex(); got != 1 {
			t.Fatalf("leader %d, want master 1 (the lowest sequence left)", got)
		}
		waitDetected(t, d, srv.infoOf(1).GetId())
		expectRedirect(t, srv, 2, 1)
		if srv.URL() != srv.MasterURLs()[1] {
			t.Errorf("URL() = %s", srv.URL())
		}
		if err := srv.KillMaster(0); !errors.Is(err, ErrMasterDown) {
			t.Errorf("KillMaster of a dead master: %v", err)
		}

		if err := srv.RestartMaster(0); err != nil {
			t.Fatal(err)
		}
		if err := srv.RestartMaster(0); !errors.Is(err, ErrMasterRunning) {
			t.Errorf("RestartMaster of a running master: %v", err)
		}
		if id := srv.infoOf(0).GetId(); id == oldID {
			t.Error("restarted master kept its id")
		}
		nodes := zkMembersOf(t, conn, "/mesos/kill")
		if len(nodes) != 3 || nodes[2].data != wantJSON(srv.infoOf(0)) || nodes[2].seq <= before[2].seq {
			t.Fatalf("members after the restart: %v", nodes)
		}
		if got := srv.LeaderIndex(); got != 1 {
			t.Fatalf("leader %d after the restart, want 1", got)
		}
		expectRedirect(t, srv, 0, 1)

		// Failover with ZooKeeper: the leader dies and comes back as a follower.
		if err := srv.Failover(); err != nil {
			t.Fatal(err)
		}
		if i, err := srv.WaitLeader(testCtx(t)); err != nil || i != 2 {
			t.Fatalf("leader after Failover: %d %v, want 2", i, err)
		}
		expectRedirect(t, srv, 0, 2)
		expectRedirect(t, srv, 1, 2)
	})

	t.Run("AgentsAndTasksSurvive", func(t *testing.T) {
		srv := newZKServer(t, zkc, "/mesos/tasks", WithSimulatedTasks(-1))
		c := newClient(t, srv, codecs[1])
		fi := frameworkInfo("zk-failover")
		fi.FailoverTimeout = proto.Float64(3600)
		s := c.subscribe(fi)
		o := s.offers()[0]
		s.mustCall(launchCall(o, nil, shellTask("held", o, "true")), 202)
		s.ack(s.update("held", mesosproto.TaskState_TASK_STARTING))
		running := s.update("held", mesosproto.TaskState_TASK_RUNNING)

		if _, err := srv.KillLeader(); err != nil {
			t.Fatal(err)
		}
		if _, err := s.waitEnd(); err == nil {
			t.Error("stream of the killed leader ended cleanly")
		}
		if _, err := srv.WaitLeader(testCtx(t)); err != nil {
			t.Fatal(err)
		}
		c.url = srv.URL()
		s2 := c.subscribe(fi2(fi, s.fwID))
		if s2.fwID != s.fwID {
			t.Fatalf("framework id %s after failover, want %s", s2.fwID, s.fwID)
		}
		again := s2.update("held", mesosproto.TaskState_TASK_RUNNING)
		if string(again.GetUuid()) != string(running.GetUuid()) {
			t.Error("the unacknowledged update was not re-sent as is")
		}
		s2.ack(again)
		if err := srv.CompleteTask("held", mesosproto.TaskState_TASK_FINISHED, ""); err != nil {
			t.Fatal(err)
		}
		s2.ack(s2.update("held", mesosproto.TaskState_TASK_FINISHED))
		st, _ := srv.Framework(s.fwID)
		if st.Acknowledged["held"] != 3 || len(st.DuplicateAcks) != 0 || st.Subscriptions != 2 {
			t.Errorf("framework status %+v", st)
		}
		if got := srv.AgentIDs(); len(got) != 1 || got[0] != o.GetAgentId().GetValue() {
			t.Errorf("agents %v", got)
		}
	})

	t.Run("SessionExpiry", func(t *testing.T) {
		srv := newZKServer(t, zkc, "/mesos/expire")
		before := zkMembersOf(t, conn, "/mesos/expire")
		// A follower whose session expires registers again, with a higher sequence number.
		if err := srv.ExpireMasterSession(1); err != nil {
			t.Fatal(err)
		}
		var nodes []zkNode
		eventually(t, "master 1 registered again", func() bool {
			nodes = zkMembersOf(t, conn, "/mesos/expire")
			return len(nodes) == 3
		})
		if nodes[1].name != before[2].name || nodes[2].data != wantJSON(srv.infoOf(1)) || !srv.MasterRunning(1) {
			t.Fatalf("members %v", nodes)
		}
		// The same, for real: ZooKeeper expires master 2's session.
		srv.mu.Lock()
		zconn := srv.ha.members[2].conn
		srv.mu.Unlock()
		zkc.ExpireSession(t, zconn)
		eventually(t, "master 2 registered again", func() bool {
			nodes = zkMembersOf(t, conn, "/mesos/expire")
			return len(nodes) == 3 && nodes[2].data == wantJSON(srv.infoOf(2))
		})
		if srv.LeaderIndex() != 0 {
			t.Fatalf("leader %d", srv.LeaderIndex())
		}
		// A leader whose session expires exits; the lowest sequence left leads: master 1. (zktest's
		// ExpireSession cannot be used here: it waits for the client to see a new session, and the
		// master closes its client when it exits.)
		if err := srv.ExpireMasterSession(0); err != nil {
			t.Fatal(err)
		}
		if srv.MasterRunning(0) {
			t.Fatal("the leader survived the expiry of its session")
		}
		if i, err := srv.WaitLeader(testCtx(t)); err != nil || i != 1 {
			t.Fatalf("leader %d %v, want 1", i, err)
		}
		expectRefused(t, srv, 0)
		expectRedirect(t, srv, 2, 1)
		if err := srv.ExpireMasterSession(0); !errors.Is(err, ErrMasterDown) {
			t.Errorf("ExpireMasterSession of a dead master: %v", err)
		}
	})

	t.Run("DigestCredentials", func(t *testing.T) {
		path := "/secure/mesos"
		spec := "zk://alice:s3cret@" + zkc.ConnectString() + path
		srv := newServer(t, WithZooKeeper(spec), WithMasters(2), WithLogger(testLogger(t)))
		nodes := zkMembersOf(t, conn, path)
		if len(nodes) != 2 || nodes[0].data != wantJSON(srv.infoOf(0)) {
			t.Fatalf("members %v", nodes)
		}
		// EVERYONE_READ_CREATOR_ALL. ZooKeeper masks the digest for a reader without ADMIN permission.
		for _, p := range []string{"/secure", path, path + "/" + nodes[0].name} {
			acl, _, err := conn.GetACL(p)
			if err != nil || len(acl) != 2 || acl[0] != zk.WorldACL(zk.PermRead)[0] ||
				acl[1].Scheme != "digest" || !strings.HasPrefix(acl[1].ID, "alice:") || acl[1].Perms != zk.PermAll {
				t.Errorf("ACL of %s: %v %v, want world:anyone READ and digest alice ALL", p, acl, err)
			}
		}
		d := srv.Detector()
		defer d.Close()
		waitDetected(t, d, srv.infoOf(0).GetId())
		if _, err := srv.KillLeader(); err != nil {
			t.Fatal(err)
		}
		waitDetected(t, d, srv.infoOf(1).GetId())

		// Wrong credentials, or none: ZooKeeper refuses the member node, and the masters exit.
		for _, bad := range []string{"zk://alice:wrong@" + zkc.ConnectString() + path, "zk://" + zkc.ConnectString() + path} {
			_, err := NewServer(WithZooKeeper(bad), WithMasters(2), WithLogger(testLogger(t)))
			if err == nil || !errors.Is(err, zk.ErrNoAuth) || strings.Contains(err.Error(), "wrong") ||
				!strings.Contains(err.Error(), path+"/json.info_") {
				t.Errorf("NewServer(%s): %v; want a not-authorized error naming the node, without the password",
					(&detector.ZKURL{Servers: zkc.Servers(), Path: path}).String(), err)
			}
		}
	})

	t.Run("MasterRestart", func(t *testing.T) {
		srv := newZKServer(t, zkc, "/mesos/autorestart", WithMasterRestart(50*time.Millisecond))
		oldID := srv.infoOf(0).GetId()
		if _, err := srv.KillLeader(); err != nil {
			t.Fatal(err)
		}
		eventually(t, "master 0 restarted and registered", func() bool {
			return srv.MasterRunning(0) && len(zkMembersOf(t, conn, "/mesos/autorestart")) == 3
		})
		if srv.infoOf(0).GetId() == oldID || srv.LeaderIndex() != 1 {
			t.Fatalf("after the restart: id %s, leader %d", srv.infoOf(0).GetId(), srv.LeaderIndex())
		}
		expectRedirect(t, srv, 0, 1)
	})

	// Close ends every session: the nodes are gone.
	eventually(t, "no member left", func() bool {
		for _, p := range []string{"/mesos/layout", "/mesos/kill", "/mesos/tasks", "/mesos/expire", "/mesos/autorestart", "/secure/mesos"} {
			if ch, _, err := conn.Children(p); err != nil || len(ch) != 0 {
				return false
			}
		}
		return true
	})
}

// Without ZooKeeper, KillMaster and RestartMaster act on in-process leadership.
func TestKillAndRestartInProcess(t *testing.T) {
	srv := newServer(t, WithMasters(3))
	if i, err := srv.KillLeader(); err != nil || i != 0 {
		t.Fatalf("KillLeader() = %d, %v", i, err)
	}
	expectRefused(t, srv, 0)
	if srv.LeaderIndex() != 1 {
		t.Fatalf("leader %d, want 1", srv.LeaderIndex())
	}
	expectRedirect(t, srv, 2, 1)
	if err := srv.RestartMaster(0); err != nil {
		t.Fatal(err)
	}
	expectRedirect(t, srv, 0, 1)
	if err := srv.KillMaster(1); err != nil {
		t.Fatal(err)
	}
	if err := srv.KillMaster(2); err != nil {
		t.Fatal(err)
	}
	if srv.LeaderIndex() != 0 {
		t.Fatalf("leader %d, want 0", srv.LeaderIndex())
	}
	if err := srv.Failover(); !errors.Is(err, ErrMasterDown) {
		t.Errorf("Failover with no other master running: %v", err)
	}
	if err := srv.KillMaster(0); err != nil {
		t.Fatal(err)
	}
	if srv.LeaderIndex() != -1 {
		t.Fatalf("leader %d with every master dead", srv.LeaderIndex())
	}
	if _, err := srv.KillLeader(); !errors.Is(err, ErrNoLeader) {
		t.Errorf("KillLeader with no leader: %v", err)
	}
	if err := srv.RestartMaster(2); err != nil {
		t.Fatal(err)
	}
	if srv.LeaderIndex() != 2 {
		t.Fatalf("leader %d, want the restarted master 2", srv.LeaderIndex())
	}
	if err := srv.KillMaster(7); !errors.Is(err, ErrNoSuchMaster) {
		t.Errorf("KillMaster(7): %v", err)
	}
	if err := srv.ExpireMasterSession(2); !errors.Is(err, ErrNoZooKeeper) {
		t.Errorf("ExpireMasterSession without ZooKeeper: %v", err)
	}
}

func TestZooKeeperOptionErrors(t *testing.T) {
	for _, opts := range [][]Option{
		{WithZooKeeper("zk://127.0.0.1:2181/")},
		{WithZooKeeper("zk://127.0.0.1:2181")},
		{WithZooKeeper("http://127.0.0.1:2181/mesos")},
		{WithZooKeeper("zk://u:pw@127.0.0.1:2181/mesos"), WithZooKeeperSessionTimeout(0)},
		{WithHTTPHandler("/master/x", http.NotFoundHandler())},
		{WithHTTPHandler("/x", nil)},
	} {
		srv, err := NewServer(opts...)
		if err == nil {
			srv.Close()
			t.Errorf("NewServer accepted bad options")
			continue
		}
		if !errors.Is(err, ErrInvalidOption) || strings.Contains(err.Error(), ":pw@") {
			t.Errorf("error %v", err)
		}
	}
}

func TestHTTPHandler(t *testing.T) {
	hello := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "hello "+r.URL.Path) })
	srv := newServer(t, WithMasters(2), WithHTTPHandler("/tool/", hello), WithHTTPHandler("/exact", hello))
	for _, u := range srv.MasterURLs() {
		for path, want := range map[string]string{"/tool/a/b": "hello /tool/a/b", "/exact": "hello /exact", "/exact/no": ""} {
			resp, err := srv.Client().Get(u + path)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if string(b) != want || (want == "" && resp.StatusCode != http.StatusNotFound) {
				t.Errorf("GET %s%s: %d %q, want %q", u, path, resp.StatusCode, b, want)
			}
		}
	}
	// The master's own routes are untouched.
	expectRedirect(t, srv, 1, 0)
}

// eventually polls cond until it holds, failing the test after 20 s.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func testLogger(t *testing.T) *zap.Logger { return zaptest.NewLogger(t, zaptest.Level(zap.WarnLevel)) }
