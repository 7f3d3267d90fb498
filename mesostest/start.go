// SPDX-License-Identifier: Apache-2.0

package mesostest

import "testing"

// Start is NewServer for a test: it fails t at once if the options are invalid or the cluster cannot
// start, and closes the cluster when the test and its subtests end (t.Cleanup), as httptest.NewServer with
// a deferred Close would:
//
//	srv := mesostest.Start(t, mesostest.WithAgents(2, "cpus:4;mem:4096"))
//
// Package scheduler/schedulertest adds a subscribed scheduler in one more line.
func Start(t testing.TB, opts ...Option) *Server {
	t.Helper()
	srv, err := NewServer(opts...)
	if err != nil {
		t.Fatalf("mesostest: %v", err)
	}
	t.Cleanup(srv.Close)
	return srv
}
