// SPDX-License-Identifier: Apache-2.0

package detector

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/mesoskit/mesoskit/internal/telemetry/telemetrytest"
)

// Leader changes, the time without a leader, the leader gauge and the
// ZooKeeper session events, read from a real ZooKeeper.
func TestMetricsZK(t *testing.T) {
	t.Parallel()
	c := sharedZK(t)
	conn := c.Connect(t, 10*time.Second)
	path := testPath(t)
	mkdirs(t, conn, path)
	mr := telemetrytest.New(t)
	d := newZK(t, c, path, WithMeterProvider(mr.Provider))
	waitNoLeader(t, d)
	if n := mr.Int("mesoskit.detector.zookeeper.session_events", map[string]string{"zookeeper.state": "StateHasSession"}); n < 1 {
		t.Errorf("session_events{StateHasSession} = %d, want ≥ 1", n)
	}
	if n := mr.Int("mesoskit.detector.leader", nil); n != 0 {
		t.Errorf("leader = %d with no master, want 0", n)
	}

	a, b := testMaster("10.9.0.1", 5050), testMaster("10.9.0.2", 5050)
	nodeA := contend(t, conn, path, "json.info", mesosJSON(t, a))
	waitLeader(t, d, a.GetId())
	if n := mr.Int("mesoskit.detector.leader", nil); n != 1 {
		t.Errorf("leader = %d with a master, want 1", n)
	}
	deleteNode(t, conn, path+"/"+nodeA)
	waitNoLeader(t, d)
	contend(t, conn, path, "json.info", mesosJSON(t, b))
	waitLeader(t, d, b.GetId())

	if n := mr.Int("mesoskit.detector.leader_changes", map[string]string{"mesoskit.detector.answer": "leader"}); n != 2 {
		t.Errorf("leader_changes{leader} = %d, want 2", n)
	}
	if n := mr.Int("mesoskit.detector.leader_changes", map[string]string{"mesoskit.detector.answer": "no_leader"}); n != 2 {
		t.Errorf("leader_changes{no_leader} = %d, want 2", n)
	}
	if n, sum := mr.Hist("mesoskit.detector.leaderless.duration", nil); n != 2 || sum <= 0 {
		t.Errorf("leaderless.duration: %d periods (sum %v s), want 2 > 0", n, sum)
	}
	if u := mr.Unit("mesoskit.detector.leaderless.duration"); u != "s" {
		t.Errorf("unit %q, want s", u)
	}
}

// A detector whose credentials ZooKeeper rejects publishes an error answer.
func TestMetricsZKError(t *testing.T) {
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
	mr := telemetrytest.New(t)
	d := newZK(t, c, path, WithDigestAuth("alice", "WRONG-pass"), WithMeterProvider(mr.Provider))
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	if _, _, err := d.Leader(ctx); !errors.Is(err, ErrNotAuthorized) {
		t.Fatalf("Leader() = %v, want ErrNotAuthorized", err)
	}
	if n := mr.Int("mesoskit.detector.leader_changes", map[string]string{"mesoskit.detector.answer": "error"}); n != 1 {
		t.Errorf("leader_changes{error} = %d, want 1", n)
	}
	if n := mr.Int("mesoskit.detector.leader", nil); n != 0 {
		t.Errorf("leader = %d, want 0", n)
	}
}
