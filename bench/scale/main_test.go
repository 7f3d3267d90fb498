// SPDX-License-Identifier: Apache-2.0

package scale

import (
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// TestSmallRun launches a few hundred tasks through the same code.
func TestSmallRun(t *testing.T) {
	if d, _ := run(t, 300); d <= 0 {
		t.Fatalf("run took %v", d)
	}
}
