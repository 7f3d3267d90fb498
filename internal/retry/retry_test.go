// SPDX-License-Identifier: Apache-2.0

package retry

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
		{"the scheduler's defaults", 500 * time.Millisecond, 15 * time.Second},
		{"test scale", 10 * time.Millisecond, 50 * time.Millisecond},
		{"initial equals max", 100 * time.Millisecond, 100 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := New(tt.initial, tt.max)
			lo := time.Duration(float64(tt.initial) * (1 - Jitter))
			// The first delay is the initial interval, jittered.
			if d := b.Next(); d < lo || d > time.Duration(float64(tt.initial)*(1+Jitter)) {
				t.Fatalf("first delay %v outside [%v, %v·1.5]", d, lo, tt.initial)
			}
			// It never gives up (MaxElapsedTime 0) and never exceeds max,
			// jitter included, and it reaches the cap.
			reached := false
			for i := 0; i < 200; i++ {
				d := b.Next()
				if d <= 0 {
					t.Fatalf("delay %d = %v: backoff gave up", i, d)
				}
				if d > tt.max {
					t.Fatalf("delay %d = %v exceeds max %v", i, d, tt.max)
				}
				if d >= time.Duration(float64(tt.max)*(1-Jitter)) {
					reached = true
				}
			}
			if !reached {
				t.Fatalf("delays never came near max %v", tt.max)
			}
			// Reset starts over from the initial interval.
			b.Reset()
			if d := b.Next(); d > time.Duration(float64(tt.initial)*(1+Jitter)) {
				t.Fatalf("after reset delay %v, want about %v", d, tt.initial)
			}
		})
	}
}

func TestBackoffNeverGivesUpAfterLongTime(t *testing.T) {
	// The library's default MaxElapsedTime (15 minutes) would make
	// NextBackOff return Stop; ours is 0. Simulate elapsed time through the
	// library's clock.
	b := New(time.Millisecond, 2*time.Millisecond)
	clock := &fakeClock{now: time.Now()}
	b.b.Clock = clock
	b.b.Reset()
	clock.now = clock.now.Add(24 * time.Hour)
	if d := b.Next(); d <= 0 || d > 2*time.Millisecond {
		t.Fatalf("after a day: delay %v, want (0, 2ms]", d)
	}
}

type fakeClock struct{ now time.Time }

func (c *fakeClock) Now() time.Time { return c.now }

func TestSleep(t *testing.T) {
	if !Sleep(context.Background(), time.Millisecond, nil) {
		t.Fatal("sleep with a live ctx returned false")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if Sleep(ctx, time.Hour, nil) {
		t.Fatal("sleep with a cancelled ctx returned true")
	}
	wake := make(chan struct{})
	close(wake)
	if !Sleep(context.Background(), time.Hour, wake) {
		t.Fatal("sleep with a closed wake channel returned false")
	}
}
