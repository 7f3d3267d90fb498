// SPDX-License-Identifier: Apache-2.0

package detector

import (
	"errors"
	"fmt"
	"os"
	"testing"

	"go.uber.org/goleak"

	"github.com/mesoskit/mesoskit/internal/zktest"
)

// shared is one standalone ZooKeeper server for the tests that do not stop or kill servers; each test uses
// its own base path. Tests that need their own servers call zktest.Start / StartEnsemble.
var (
	shared    *zktest.Cluster
	sharedErr error
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(withSharedZK{m})
}

type withSharedZK struct{ m *testing.M }

func (w withSharedZK) Run() int {
	shared, sharedErr = zktest.New(1)
	code := w.m.Run()
	if shared != nil {
		if code != 0 {
			shared.WriteLogs(os.Stderr)
		}
		shared.Close()
	}
	return code
}

// sharedZK returns the shared server, skipping (or, with MESOSKIT_REQUIRE_ZK=1, failing) the test when
// ZooKeeper is not installed.
func sharedZK(t testing.TB) *zktest.Cluster {
	t.Helper()
	if shared == nil {
		if errors.Is(sharedErr, zktest.ErrNotInstalled) {
			zktest.SkipIfUnavailable(t)
		}
		t.Fatal(fmt.Errorf("shared ZooKeeper: %w", sharedErr))
	}
	return shared
}
