// SPDX-License-Identifier: Apache-2.0

package ha_test

import (
	"testing"

	"github.com/mesoskit/mesoskit/ha"
)

// Forget of a store made with Dropping removes the framework's records
// with its ID (the scheduler Client forgets the ID after Teardown or when
// the master reports the framework removed).
func TestForgetDropsRecords(t *testing.T) {
	zkc := sharedZK(t)
	ctx := testCtx(t)
	base := basePath(t)
	a := newReplica(t, zkc, base+"/leader", 0, shortSession)
	term, err := a.el.Campaign(ctx)
	if err != nil {
		t.Fatal(err)
	}
	tasks := newRecords(t, a.conn, base+"/tasks").Fenced(term)
	keep := newRecords(t, a.conn, base+"/state").Fenced(term)
	for _, k := range []string{"task-1", "task-2", "task-3"} {
		if _, err := tasks.Put(ctx, k, []byte("running"), ha.Absent); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := keep.Put(ctx, "done", []byte("3/3"), ha.Absent); err != nil {
		t.Fatal(err)
	}
	ids, err := ha.NewFrameworkIDStore(a.conn, base+"/framework_id")
	if err != nil {
		t.Fatal(err)
	}
	store := ids.Fenced(term).Dropping(tasks)
	if err := store.Store(ctx, "fw-1"); err != nil {
		t.Fatal(err)
	}
	if err := store.Forget(ctx); err != nil {
		t.Fatalf("Forget = %v", err)
	}
	if keys, err := tasks.Keys(ctx); err != nil || len(keys) != 0 {
		t.Errorf("task records after Forget: %v, %v", keys, err)
	}
	raw := rawConn(t, zkc)
	if ok, _, err := raw.Exists(base + "/tasks"); err != nil || ok {
		t.Errorf("collection node after Forget: exists=%v, %v", ok, err)
	}
	if id, err := ids.Load(ctx); err != nil || id != "" {
		t.Errorf("framework ID after Forget: %q, %v", id, err)
	}
	if keys, err := keep.Keys(ctx); err != nil || len(keys) != 1 {
		t.Errorf("a collection not given to Dropping: %v, %v", keys, err)
	}
}
