// SPDX-License-Identifier: Apache-2.0

package ha_test

import (
	"errors"
	"testing"

	"github.com/mesoskit/mesoskit/ha"
	"github.com/mesoskit/mesoskit/internal/telemetry/telemetrytest"
)

// Terms begun and ended, time as leader, the leader gauge and refused
// fenced writes, on a real ZooKeeper.
func TestMetricsTerms(t *testing.T) {
	zkc := sharedZK(t)
	ctx := testCtx(t)
	base := basePath(t)
	mr := telemetrytest.New(t)
	a := newReplica(t, zkc, base+"/leader", 0, shortSession, ha.WithMeterProvider(mr.Provider))
	term, err := a.el.Campaign(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n := mr.Int("mesoskit.ha.terms.begun", nil); n != 1 {
		t.Errorf("terms.begun = %d, want 1", n)
	}
	if n := mr.Int("mesoskit.ha.leader", nil); n != 1 {
		t.Errorf("leader = %d while leading, want 1", n)
	}
	fenced := newRecords(t, a.conn, base+"/tasks").Fenced(term)
	if _, err := fenced.Put(ctx, "task-1", []byte("x"), ha.Absent); err != nil {
		t.Fatal(err)
	}
	if err := term.Resign(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := fenced.Put(ctx, "task-1", []byte("stale"), ha.Any); !errors.Is(err, ha.ErrNotLeader) {
		t.Fatalf("fenced Put after Resign: %v", err)
	}
	if n := mr.Int("mesoskit.ha.fenced_writes.refused", nil); n != 1 {
		t.Errorf("fenced_writes.refused = %d, want 1", n)
	}
	if n := mr.Int("mesoskit.ha.terms.ended", nil); n != 1 {
		t.Errorf("terms.ended = %d, want 1", n)
	}
	if n, sum := mr.Hist("mesoskit.ha.term.duration", nil); n != 1 || sum <= 0 {
		t.Errorf("term.duration: %d values (sum %v s), want 1 > 0", n, sum)
	}
	if n := mr.Int("mesoskit.ha.leader", nil); n != 0 {
		t.Errorf("leader = %d after Resign, want 0", n)
	}
}
