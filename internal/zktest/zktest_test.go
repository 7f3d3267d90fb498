// SPDX-License-Identifier: Apache-2.0

package zktest

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

var openACL = zk.WorldACL(zk.PermAll)

func TestStandaloneServesAndStopsCleanly(t *testing.T) {
	t.Parallel()
	c := Start(t)
	if got := len(c.Servers()); got != 1 {
		t.Fatalf("Servers() = %d entries, want 1", got)
	}
	if !strings.HasPrefix(c.ConnectString(), "127.0.0.1:") {
		t.Fatalf("ConnectString() = %q, want 127.0.0.1:port", c.ConnectString())
	}
	if got := c.Leader(); got != 0 {
		t.Fatalf("Leader() = %d, want 0 (standalone)", got)
	}
	conn := c.Connect(t, time.Second)
	if _, err := conn.Create("/persist", []byte("v"), 0, openACL); err != nil {
		t.Fatal(err)
	}

	// Graceful stop and restart keep the data (the data dir survives).
	c.Stop(t, 0)
	if c.Running(0) {
		t.Fatal("Running(0) after Stop")
	}
	if got := c.Leader(); got != -1 {
		t.Fatalf("Leader() with the server stopped = %d, want -1", got)
	}
	c.Restart(t, 0)
	conn2 := c.Connect(t, time.Second)
	data, _, err := conn2.Get("/persist")
	if err != nil || string(data) != "v" {
		t.Fatalf("after restart Get(/persist) = %q, %v; want \"v\"", data, err)
	}
}

func TestEnsembleLeaderKillRestart(t *testing.T) {
	t.Parallel()
	c := StartEnsemble(t, 3)
	if got := len(c.Servers()); got != 3 {
		t.Fatalf("Servers() = %d entries, want 3", got)
	}
	leader := c.WaitLeader(t)
	conn := c.Connect(t, 2*time.Second)
	if _, err := conn.Create("/before", nil, 0, openACL); err != nil {
		t.Fatal(err)
	}

	c.Kill(t, leader)
	if c.Running(leader) {
		t.Fatalf("member %d still running after Kill", leader)
	}
	next := c.WaitLeader(t)
	if next == leader {
		t.Fatalf("WaitLeader() = killed member %d", leader)
	}
	// The client survives the loss of a member (it may have been connected to it) and writes again.
	// A create whose reply was lost with the member may have been applied: a retry then finds the node.
	if err := retry(t, func() error {
		_, err := conn.Create("/after", nil, 0, openACL)
		if errors.Is(err, zk.ErrNodeExists) {
			return nil
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}

	c.Restart(t, leader)
	if !c.Running(leader) {
		t.Fatalf("member %d not running after Restart", leader)
	}
	if mode, err := srvrMode(c.Servers()[leader], time.Second); err != nil || mode != "follower" {
		t.Fatalf("restarted member mode = %q, %v; want follower", mode, err)
	}
	// The restarted member has caught up.
	direct, _, err := zk.Connect([]string{c.Servers()[leader]}, 2*time.Second, zk.WithLogger(c.Logger()))
	if err != nil {
		t.Fatal(err)
	}
	defer direct.Close()
	if err := retry(t, func() error {
		ok, _, err := direct.Exists("/after")
		if err == nil && !ok {
			err = errors.New("/after not replicated yet")
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
}

func TestExpireSession(t *testing.T) {
	t.Parallel()
	c := Start(t)
	victim := c.Connect(t, time.Second)
	observer := c.Connect(t, time.Second)
	if _, err := victim.Create("/eph", nil, zk.FlagEphemeral, openACL); err != nil {
		t.Fatal(err)
	}
	old := victim.SessionID()

	c.ExpireSession(t, victim)

	// The server deleted the ephemeral node at once. (On a loaded machine the observer may itself be
	// reconnecting: retry connection errors, never a node that is still there.)
	if err := retry(t, func() error {
		ok, _, err := observer.Exists("/eph")
		if err == nil && ok {
			t.Fatal("after expiry /eph still exists")
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	// go-zookeeper opens a new session by itself.
	if err := retry(t, func() error {
		if id := victim.SessionID(); id == 0 || id == old {
			return errors.New("no new session yet")
		}
		_, err := victim.Create("/eph", nil, zk.FlagEphemeral, openACL)
		return err
	}); err != nil {
		t.Fatal(err)
	}
}

func TestExpireSessionNeedsDialer(t *testing.T) {
	t.Parallel()
	c := Start(t)
	conn, events, err := zk.Connect(c.Servers(), time.Second, zk.WithLogger(c.Logger()))
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		conn.Close()
		for range events {
		}
	}()
	for conn.State() != zk.StateHasSession {
		time.Sleep(5 * time.Millisecond)
	}
	ft := &fatalRecorder{TB: t}
	func() {
		defer func() { _ = recover() }()
		c.ExpireSession(ft, conn)
	}()
	if !strings.Contains(ft.msg, "Dialer") {
		t.Fatalf("ExpireSession on a connection made without the dialer: fatal message %q, want one naming Dialer", ft.msg)
	}
}

func TestNotInstalled(t *testing.T) {
	t.Setenv("ZOOKEEPER_HOME", t.TempDir())
	err := Available()
	if !errors.Is(err, ErrNotInstalled) {
		t.Fatalf("Available() with an empty ZOOKEEPER_HOME = %v, want ErrNotInstalled", err)
	}
	if _, err := New(1); !errors.Is(err, ErrNotInstalled) {
		t.Fatalf("New() = %v, want ErrNotInstalled", err)
	}
	t.Setenv("MESOSKIT_REQUIRE_ZK", "")
	ft := &fatalRecorder{TB: t}
	func() {
		defer func() { _ = recover() }()
		SkipIfUnavailable(ft)
	}()
	if !ft.skipped || !strings.Contains(ft.msg, "apt-get install zookeeper") {
		t.Fatalf("SkipIfUnavailable: skipped=%v msg=%q, want a skip naming apt-get install zookeeper", ft.skipped, ft.msg)
	}
	t.Setenv("MESOSKIT_REQUIRE_ZK", "1")
	ft = &fatalRecorder{TB: t}
	func() {
		defer func() { _ = recover() }()
		SkipIfUnavailable(ft)
	}()
	if !ft.fatal || ft.skipped {
		t.Fatalf("SkipIfUnavailable with MESOSKIT_REQUIRE_ZK=1: fatal=%v skipped=%v, want a failure", ft.fatal, ft.skipped)
	}
}

// fatalRecorder records Fatal/Skip instead of ending the test (it panics to stop the caller, as
// runtime.Goexit would).
type fatalRecorder struct {
	testing.TB
	msg            string
	fatal, skipped bool
}

type stop struct{}

func (f *fatalRecorder) Helper() {}
func (f *fatalRecorder) Fatal(args ...any) {
	f.fatal, f.msg = true, fmt.Sprint(args...)
	panic(stop{})
}
func (f *fatalRecorder) Fatalf(format string, args ...any) {
	f.fatal, f.msg = true, fmt.Sprintf(format, args...)
	panic(stop{})
}
func (f *fatalRecorder) Skip(args ...any) {
	f.skipped, f.msg = true, fmt.Sprint(args...)
	panic(stop{})
}

func retry(t *testing.T, f func() error) error {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		err := f()
		if err == nil || time.Now().After(deadline) {
			return err
		}
		time.Sleep(20 * time.Millisecond)
	}
}
