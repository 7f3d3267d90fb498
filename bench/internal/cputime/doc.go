// SPDX-License-Identifier: Apache-2.0

// Package cputime measures the CPU time of the benchmark process, which
// other processes on a shared machine disturb less than wall time does: a
// benchmark reports it next to ns/op as cpu-ns/op (GC and every other
// goroutine of the process included).
//
//	start := cputime.Now()
//	for b.Loop() { ... }
//	cputime.Report(b, start)
//
// Concurrency: safe for concurrent use. Lifecycle: none.
package cputime
