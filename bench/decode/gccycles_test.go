// SPDX-License-Identifier: Apache-2.0

package decode

import (
	"runtime/metrics"
	"testing"
)

// gcCycles is the number of garbage collections the process has completed.
func gcCycles() uint64 {
	s := []metrics.Sample{{Name: "/gc/cycles/total:gc-cycles"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// reportGC reports the collections completed since start per op, as
// "gc/op": on this benchmark the collector's cost per event follows it.
func reportGC(b *testing.B, start uint64) {
	if b.N > 0 {
		b.ReportMetric(float64(gcCycles()-start)/float64(b.N), "gc/op")
	}
}
