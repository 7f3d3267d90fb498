// SPDX-License-Identifier: Apache-2.0

package detector

import (
	"testing"

	"go.uber.org/goleak"

	"github.com/mesoskit/mesoskit/internal/zktest"
)

// zkServer is one standalone ZooKeeper server for the tests that neither stop nor kill servers; each test
// uses its own base path. Tests that kill members start their own servers.
var zkServer zktest.Shared

func TestMain(m *testing.M) { goleak.VerifyTestMain(stopEnsemble{zkServer.Around(m)}) }

// stopEnsemble runs the tests, then stops the ensemble the benchmarks share (see ensembleZK).
type stopEnsemble struct{ m interface{ Run() int } }

func (s stopEnsemble) Run() int {
	defer closeEnsemble()
	return s.m.Run()
}

// sharedZK returns the shared server (skipping or failing the test without ZooKeeper, see zktest.Shared.Get).
func sharedZK(t testing.TB) *zktest.Cluster { t.Helper(); return zkServer.Get(t) }
