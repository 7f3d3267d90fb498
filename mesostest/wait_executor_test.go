// SPDX-License-Identifier: Apache-2.0

package mesostest

import (
	"net/http"
	"testing"
	"time"

	"github.com/mesoskit/mesoskit/internal/httpapi"
)

// returnsWithin runs f on its own goroutine and reports whether it returned within d.
// A call that needs the cluster lock while another goroutine holds it for ever
// then fails the test instead of hanging it.
func returnsWithin(d time.Duration, f func()) bool {
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
	}()
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-done:
		return true
	case <-timer.C:
		return false
	}
}

// launchFakeExecutor launches a task on a custom executor and returns its
// framework's id once the agent knows the executor.
func launchFakeExecutor(t *testing.T, srv *Server, exID string) string {
	t.Helper()
	s := newClient(t, srv, httpapi.Protobuf).subscribe(frameworkInfo("wait-executor"))
	o := s.offers()[0]
	s.mustCall(launchCall(o, nil, executorTask("t1", o, customExecutor(exID))), http.StatusAccepted)
	return s.fwID
}

// A condition of WaitExecutor may call the Server: it runs without the
// cluster lock. Before, it ran under it and a call such as Executors
// deadlocked.
func TestWaitExecutorConditionMayCallServer(t *testing.T) {
	srv := newServer(t)
	fwID := launchFakeExecutor(t, srv, "ex")
	blocked := false
	seen := 0
	st, err := srv.WaitExecutor(testCtx(t), fwID, "ex", func(st ExecutorStatus) bool {
		if !returnsWithin(5*time.Second, func() { seen = len(srv.Executors()) }) {
			blocked = true // the lock is held around the condition
			return true
		}
		return st.PID != 0
	})
	if blocked {
		t.Fatal("Server.Executors called from the condition of WaitExecutor did not return: the condition runs under the cluster lock")
	}
	if err != nil {
		t.Fatal(err)
	}
	if st.PID == 0 || st.ExecutorID != "ex" || seen != 1 {
		t.Fatalf("WaitExecutor = %+v (Executors saw %d), want executor ex with a PID, seen once", st, seen)
	}
}

// A condition of WaitExecutor that panics (or calls t.FailNow) leaves the
// cluster usable. Before, the panic left the cluster lock held, and every
// later call, Close included, hung.
func TestWaitExecutorConditionPanicReleasesLock(t *testing.T) {
	srv, err := NewServer(fastOpts()...)
	if err != nil {
		t.Fatal(err)
	}
	usable := false
	t.Cleanup(func() {
		if usable { // otherwise Close would hang: the test has failed already
			srv.Close()
		}
	})
	fwID := launchFakeExecutor(t, srv, "ex")
	func() {
		defer func() {
			if r := recover(); r != "boom" {
				t.Errorf("recovered %v, want the condition's panic", r)
			}
		}()
		_, _ = srv.WaitExecutor(testCtx(t), fwID, "ex", func(ExecutorStatus) bool { panic("boom") })
	}()
	var n int
	usable = returnsWithin(5*time.Second, func() { n = len(srv.Executors()) })
	if !usable {
		t.Fatal("Server.Executors did not return after a condition of WaitExecutor panicked: the cluster lock stayed held")
	}
	if n != 1 {
		t.Fatalf("Executors lists %d executors, want 1", n)
	}
}
