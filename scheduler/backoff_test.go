// SPDX-License-Identifier: Apache-2.0

package scheduler

import (
	"context"
	"testing"
	"time"
)

func TestBackoffShape(t *testing.T) {
	tests := []struct {
		name         string
		initial, max time.Duration
	}{
		{"defaults", DefaultBackoffInitial, DefaultBackoffMax},
		{"test scale", 10 * time.Millisecond, 50 * time.Millisecond},
		{"initial equals max", 100 * time.Millisecond, 100 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newBackoff(tt.initial, tt.max)
			lo := time.Duration(float64(tt.initial) * (1 - backoffJitter))
			// The first delay is the initial interval, jittered.
			if d := b.next(); d < lo || d > time.Duration(float64(tt.initial)*(1+backoffJitter)) {
				t.Fatalf("first delay %v outside [%v, %v·1.5]", d, lo, tt.initial)
			}
			// It never gives up (MaxElapsedTime 0) and never exceeds max,
			// jitter included, and it reaches the cap.
			reached := false
			for i := 0; i < 200; i++ {
				d := b.next()
				if d <= 0 {
					t.Fatalf("delay %d = %v: backoff gave up", i, d)
				}
				if d > tt.max {
					t.Fatalf("delay %d = %v exceeds max %v", i, d, tt.max)
				}
				if d >= time.Duration(float64(tt.max)*(1-backoffJitter)) {
					reached = true
				}
			}
			if !reached {
				t.Fatalf("delays never came near max %v", tt.max)
			}
			// Reset starts over from the initial interval.
			b.reset()
			if d := b.next(); d > time.Duration(float64(tt.initial)*(1+backoffJitter)) {
				t.Fatalf("after reset delay %v, want about %v", d, tt.initial)
			}
		})
	}
}

func TestBackoffNeverGivesUpAfterLongTime(t *testing.T) {
	// The library's default MaxElapsedTime (15 minutes) would make
	// NextBackOff return Stop; ours is 0. Simulate elapsed time through the
	// library's clock.
	b := newBackoff(time.Millisecond, 2*time.Millisecond)
	clock := &fakeClock{now: time.Now()}
	b.b.Clock = clock
	b.b.Reset()
	clock.now = clock.now.Add(24 * time.Hour)
	if d := b.next(); d <= 0 || d > 2*time.Millisecond {
		t.Fatalf("after a day: delay %v, want (0, 2ms]", d)
	}
}

type fakeClock struct{ now time.Time }

func (c *fakeClock) Now() time.Time { return c.now }

func TestSleep(t *testing.T) {
	if !sleep(context.Background(), time.Millisecond, nil) {
		t.Fatal("sleep with a live ctx returned false")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if sleep(ctx, time.Hour, nil) {
		t.Fatal("sleep with a cancelled ctx returned true")
	}
	wake := make(chan struct{})
	close(wake)
	if !sleep(context.Background(), time.Hour, wake) {
		t.Fatal("sleep with a closed wake channel returned false")
	}
}

func TestHeartbeatTimeout(t *testing.T) {
	tests := []struct {
		interval float64
		missed   int
		want     time.Duration
	}{
		{15, 5, 75 * time.Second},
		{0.05, 5, 250 * time.Millisecond},
		{0, 5, 75 * time.Second},  // none announced: Mesos's 15 s
		{-1, 2, 30 * time.Second}, // nonsense: Mesos's 15 s
		{1e12, 1, 15 * time.Second},
	}
	for _, tt := range tests {
		if got := heartbeatTimeout(tt.interval, tt.missed); got != tt.want {
			t.Errorf("heartbeatTimeout(%v, %d) = %v, want %v", tt.interval, tt.missed, got, tt.want)
		}
	}
}
