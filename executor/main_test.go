// SPDX-License-Identifier: Apache-2.0

package executor

import (
	"os"
	"testing"

	"go.uber.org/goleak"
)

// envTestExecutor makes the test binary act as a custom executor (see
// testexecutor_test.go): the mesostest agent starts it that way in the
// end-to-end tests.
const envTestExecutor = "MESOSKIT_TEST_EXECUTOR"

func TestMain(m *testing.M) {
	if mode := os.Getenv(envTestExecutor); mode != "" {
		os.Exit(runTestExecutor(mode))
	}
	goleak.VerifyTestMain(m)
}
