// SPDX-License-Identifier: Apache-2.0

package ackburst

import (
	"testing"
)

// TestSmallBurst runs every client through a burst of 200 updates: all are
// acknowledged exactly once and the clients shut down cleanly.
func TestSmallBurst(t *testing.T) {
	sts := statuses(200)
	for _, c := range clients(t) {
		t.Run(c.name, func(t *testing.T) {
			if d, _ := oneBurst(t, sts, c.run); d <= 0 {
				t.Fatalf("burst took %v", d)
			}
		})
	}
}

// TestSmallBurstPipelined runs the pipelined raw client, which the
// benchmark only runs when MESOSKIT_BENCH_PIPELINED is set, through a burst
// of 200 updates with a window smaller than the burst.
func TestSmallBurstPipelined(t *testing.T) {
	if d, _ := oneBurst(t, statuses(200), runPipelined(2, 8)); d <= 0 {
		t.Fatalf("burst took %v", d)
	}
}
