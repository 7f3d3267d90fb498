// SPDX-License-Identifier: Apache-2.0

package httpapi

import (
	"testing"
	"time"
)

func TestHeartbeatTimeout(t *testing.T) {
	tests := []struct {
		interval float64
		missed   int
		want     time.Duration
	}{
		{15, 5, 75 * time.Second},
		{0.05, 5, 250 * time.Millisecond},
		{0.5, 4, 2 * time.Second},
		{0, 5, 75 * time.Second},  // none announced: Mesos's 15 s
		{-1, 2, 30 * time.Second}, // nonsense: Mesos's 15 s
		{1e12, 1, 15 * time.Second},
	}
	for _, tt := range tests {
		if got := HeartbeatTimeout(tt.interval, tt.missed); got != tt.want {
			t.Errorf("HeartbeatTimeout(%v, %d) = %v, want %v", tt.interval, tt.missed, got, tt.want)
		}
	}
}
