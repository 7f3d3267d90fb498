// SPDX-License-Identifier: Apache-2.0

package rss

import (
	"runtime"
	"syscall"
)

// PeakBytes is the process's peak resident set size so far.
func PeakBytes() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Maxrss << 10 // kilobytes on Linux
}

// LiveHeap collects garbage twice and returns the bytes of live heap
// objects.
func LiveHeap() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}
