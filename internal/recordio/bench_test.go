// SPDX-License-Identifier: Apache-2.0

package recordio

import (
	"bytes"
	"fmt"
	"testing"
)

// BenchmarkReadFrame reads frames of several sizes from an endless stream
// delivered in 16 KiB reads; allocations per frame should be 0.
func BenchmarkReadFrame(b *testing.B) {
	for _, size := range []int{20, 700, 28 << 10, 256 << 10} {
		b.Run(fmt.Sprintf("%dB", size), func(b *testing.B) {
			var one bytes.Buffer
			if err := NewWriter(&one).WriteFrame(bytes.Repeat([]byte{'e'}, size)); err != nil {
				b.Fatal(err)
			}
			r := NewReader(&loopReader{data: one.Bytes()}, 0)
			if _, err := r.ReadFrame(); err != nil { // size the buffers first
				b.Fatal(err)
			}
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := r.ReadFrame(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkWriteFrame(b *testing.B) {
	p := bytes.Repeat([]byte{'e'}, 700)
	w := NewWriter(discard{})
	b.SetBytes(int64(len(p)))
	b.ReportAllocs()
	for b.Loop() {
		if err := w.WriteFrame(p); err != nil {
			b.Fatal(err)
		}
	}
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
