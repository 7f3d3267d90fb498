// SPDX-License-Identifier: Apache-2.0

package zktest

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"testing"
)

// Shared is one standalone server that the tests of a package share (each test on its own base path), started
// around the package's tests by TestMain:
//
//	var zkServer zktest.Shared
//
//	func TestMain(m *testing.M) { goleak.VerifyTestMain(zkServer.Around(m)) }
//
//	func TestX(t *testing.T) { c := zkServer.Get(t); ... }
//
// Tests that stop or kill servers start their own with Start or StartEnsemble.
type Shared struct {
	c   *Cluster
	err error
}

// Around returns a runner (a *testing.M look-alike, as goleak.VerifyTestMain takes) that starts the server,
// runs m, prints the server's logs if a test failed, and stops the server.
func (s *Shared) Around(m *testing.M) interface{ Run() int } { return sharedRun{s, m} }

type sharedRun struct {
	s *Shared
	m *testing.M
}

func (r sharedRun) Run() int {
	r.s.c, r.s.err = New(1)
	if errors.Is(r.s.err, ErrNotInstalled) && !RequireZK() {
		// Examples cannot skip themselves; those of a package sharing a server use it, so they are left out
		// (tests skip one by one in Get).
		fmt.Fprintln(os.Stderr, "zktest: ZooKeeper is not installed; skipping the examples that need it")
		if err := flag.Set("test.skip", "^Example"); err != nil {
			fmt.Fprintln(os.Stderr, "zktest:", err)
		}
	}
	code := r.m.Run()
	if r.s.c != nil {
		if code != 0 {
			r.s.c.WriteLogs(os.Stderr)
		}
		r.s.c.Close()
	}
	return code
}

// Cluster returns the shared server for an Example (which has no testing.TB); nil outside Around or when
// the server did not start (Around then skips the package's examples when ZooKeeper is not installed).
func (s *Shared) Cluster() *Cluster { return s.c }

// Get returns the shared server. When ZooKeeper is not installed it skips the test (or fails it when
// MESOSKIT_REQUIRE_ZK=1); any other start failure fails the test.
func (s *Shared) Get(t testing.TB) *Cluster {
	t.Helper()
	if s.c == nil {
		if s.err == nil {
			t.Fatal("zktest: Shared.Get outside Shared.Around")
		}
		if errors.Is(s.err, ErrNotInstalled) {
			SkipIfUnavailable(t)
		}
		t.Fatal(fmt.Errorf("zktest: shared ZooKeeper: %w", s.err))
	}
	return s.c
}
