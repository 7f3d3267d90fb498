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
	if d, _, _ := run(t, 300); d <= 0 {
		t.Fatalf("run took %v", d)
	}
}

// TestSmallRunOperator: an operator client following the master's event stream sees every task finish.
func TestSmallRunOperator(t *testing.T) {
	t.Setenv("MESOSKIT_BENCH_OPERATOR", "1")
	if _, _, missed := run(t, 300); missed != 0 {
		t.Fatalf("the operator stream missed %d of 300 tasks' TASK_FINISHED", missed)
	}
}
