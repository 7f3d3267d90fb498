// SPDX-License-Identifier: Apache-2.0

package ha_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/go-zookeeper/zk"

	"github.com/mesoskit/mesoskit/ha"
)

func TestFrameworkIDStore(t *testing.T) {
	zkc := sharedZK(t)
	ctx := testCtx(t)
	c, _ := connect(t, zkc, shortSession)
	s, err := ha.NewFrameworkIDStore(c, basePath(t)+"/framework_id")
	if err != nil {
		t.Fatal(err)
	}
	if id, err := s.Load(ctx); err != nil || id != "" {
		t.Fatalf("Load before Store: %q, %v", id, err)
	}
	if err := s.Forget(ctx); err != nil {
		t.Fatalf("Forget with nothing stored: %v", err)
	}
	for _, id := range []string{"fw-0001", "fw-0002"} {
		if err := s.Store(ctx, id); err != nil {
			t.Fatal(err)
		}
		if got, err := s.Load(ctx); err != nil || got != id {
			t.Fatalf("Load = %q, %v; want %q", got, err, id)
		}
	}
	raw := rawConn(t, zkc)
	if data, _, err := raw.Get(s.Path()); err != nil || string(data) != "fw-0002" {
		t.Errorf("znode holds %q, %v", data, err)
	}
	if err := s.Forget(ctx); err != nil {
		t.Fatal(err)
	}
	if id, err := s.Load(ctx); err != nil || id != "" {
		t.Fatalf("Load after Forget: %q, %v", id, err)
	}
	if err := s.Store(ctx, ""); err == nil {
		t.Error("storing an empty ID succeeded")
	}
	for _, p := range []string{"", "relative", "/", "/a/", "/a//b", "/a/./b"} {
		if _, err := ha.NewFrameworkIDStore(c, p); err == nil {
			t.Errorf("NewFrameworkIDStore(%q) succeeded", p)
		}
	}
}

// TestDigestACL: with credentials, election nodes and the framework ID are readable by anyone but
// writable only with the credentials; records are private.
func TestDigestACL(t *testing.T) {
	zkc := sharedZK(t)
	ctx := testCtx(t)
	base := basePath(t)
	owner, _ := connect(t, zkc, shortSession, ha.WithDigestAuth("fw", "s3cret"))
	el, err := ha.NewElection(owner, base+"/leader", ha.WithIdentity(ha.Identity{Address: "10.0.0.1:8080"}))
	if err != nil {
		t.Fatal(err)
	}
	term, err := el.Campaign(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer term.Resign(ctx)
	ids, _ := ha.NewFrameworkIDStore(owner, base+"/framework_id")
	if err := ids.Fenced(term).Store(ctx, "fw-1"); err != nil {
		t.Fatal(err)
	}
	recs := newRecords(t, owner, base+"/tasks")
	if _, err := recs.Fenced(term).Put(ctx, "task-1", []byte("secret task"), ha.Absent); err != nil {
		t.Fatal(err)
	}

	// Anyone can see who leads and read the framework ID.
	anon, _ := connect(t, zkc, shortSession)
	id, err := ha.CurrentLeader(ctx, anon, base+"/leader")
	if err != nil || id.Address != "10.0.0.1:8080" {
		t.Fatalf("CurrentLeader without credentials: %+v, %v", id, err)
	}
	anonIDs, _ := ha.NewFrameworkIDStore(anon, base+"/framework_id")
	if got, err := anonIDs.Load(ctx); err != nil || got != "fw-1" {
		t.Fatalf("Load without credentials: %q, %v", got, err)
	}
	// But not change them, nor read records.
	if err := anonIDs.Store(ctx, "evil"); !errors.Is(err, ha.ErrNotAuthorized) {
		t.Errorf("Store without credentials: %v, want ErrNotAuthorized", err)
	}
	if err := anonIDs.Forget(ctx); !errors.Is(err, ha.ErrNotAuthorized) {
		t.Errorf("Forget without credentials: %v", err)
	}
	if _, err := newRecords(t, anon, base+"/tasks").Get(ctx, "task-1"); !errors.Is(err, ha.ErrNotAuthorized) {
		t.Errorf("reading a record without credentials: %v", err)
	}
	wrong, _ := connect(t, zkc, shortSession, ha.WithDigestAuth("fw", "wrong"))
	if _, err := newRecords(t, wrong, base+"/tasks").Put(ctx, "task-1", []byte("x"), ha.Any); !errors.Is(err, ha.ErrNotAuthorized) {
		t.Errorf("writing a record with the wrong password: %v", err)
	}
	if err != nil && !containsNoSecret(err) {
		t.Errorf("error text shows the password: %v", err)
	}
	raw := rawConn(t, zkc)
	if err := raw.Delete(base+"/leader/"+term.Node(), -1); !errors.Is(err, zk.ErrNoAuth) {
		t.Errorf("deleting the leader's node without credentials: %v", err)
	}
	if err := raw.AddAuth("digest", []byte("fw:s3cret")); err != nil {
		t.Fatal(err)
	}
	acl, _, err := raw.GetACL(base + "/tasks/task-1")
	if err != nil || len(acl) != 1 || acl[0].Scheme != "digest" || acl[0].Perms != zk.PermAll {
		t.Errorf("record ACL: %+v, %v", acl, err)
	}
	acl, _, err = raw.GetACL(base + "/leader/" + term.Node())
	if err != nil || len(acl) != 2 {
		t.Errorf("election node ACL: %+v, %v", acl, err)
	}
	// The same credentials on another Conn (another replica) can do everything.
	peer, _ := connect(t, zkc, shortSession, ha.WithDigestAuth("fw", "s3cret"))
	if rec, err := newRecords(t, peer, base+"/tasks").Get(ctx, "task-1"); err != nil || string(rec.Data) != "secret task" {
		t.Errorf("peer with the credentials: %q, %v", rec.Data, err)
	}
}

func containsNoSecret(err error) bool { return !strings.Contains(err.Error(), "wrong") }

// TestStateSurvivesRestart: every replica stops (Conns closed), new ones start: the framework ID and the
// records are there, and the first new leader takes over at once (the last leader released its lease).
func TestStateSurvivesRestart(t *testing.T) {
	zkc := sharedZK(t)
	ctx := testCtx(t)
	base := basePath(t)
	var reps []*replica
	for i := range 3 {
		reps = append(reps, newReplica(t, zkc, base+"/leader", i, shortSession))
	}
	term, err := reps[0].el.Campaign(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ids, _ := ha.NewFrameworkIDStore(reps[0].conn, base+"/framework_id")
	if err := ids.Fenced(term).Store(ctx, "fw-restart"); err != nil {
		t.Fatal(err)
	}
	recs := newRecords(t, reps[0].conn, base+"/tasks").Fenced(term)
	for _, k := range []string{"task-1", "task-2"} {
		if _, err := recs.Put(ctx, k, []byte(k+":running"), ha.Absent); err != nil {
			t.Fatal(err)
		}
	}
	for _, r := range reps {
		r.conn.Close()
	}
	if err := term.Err(); !errors.Is(err, ha.ErrClosed) {
		t.Errorf("term after Close: %v", err)
	}

	n := newReplica(t, zkc, base+"/leader", 3, shortSession)
	t2, err := n.el.Campaign(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer t2.Resign(ctx)
	if d := t2.Began().Sub(term.Ended()); d < 0 {
		t.Errorf("new term began %v before the old ended", -d)
	}
	ids2, _ := ha.NewFrameworkIDStore(n.conn, base+"/framework_id")
	if id, err := ids2.Load(ctx); err != nil || id != "fw-restart" {
		t.Errorf("framework ID after the restart: %q, %v", id, err)
	}
	all, err := newRecords(t, n.conn, base+"/tasks").List(ctx)
	if err != nil || len(all) != 2 || string(all[0].Data) != "task-1:running" || string(all[1].Data) != "task-2:running" {
		t.Errorf("records after the restart: %v, %v", all, err)
	}
}
