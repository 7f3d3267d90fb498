// SPDX-License-Identifier: Apache-2.0

package discovery_test

import (
	"testing"

	"go.uber.org/goleak"

	"github.com/mesoskit/mesoskit/internal/zktest"
)

// zkServer is one standalone ZooKeeper server for the tests that neither stop nor kill servers; each test
// uses its own base path.
var zkServer zktest.Shared

func TestMain(m *testing.M) { goleak.VerifyTestMain(zkServer.Around(m)) }
