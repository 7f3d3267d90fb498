// SPDX-License-Identifier: Apache-2.0

// Package rss reads the memory a benchmark process uses: its peak resident
// set size (getrusage) and the Go heap after a forced collection.
//
//	before := rss.LiveHeap()
//	kept := build()
//	perItem := float64(rss.LiveHeap()-before) / float64(len(kept))
//	b.ReportMetric(float64(rss.PeakBytes())/(1<<20), "peak-RSS-MiB")
//
// Concurrency: safe for concurrent use. Lifecycle: none.
package rss
