// SPDX-License-Identifier: Apache-2.0

package recordio

import (
	"bytes"
	"errors"
	"io"
	"testing"
	"testing/iotest"
)

const fuzzLimit = 4096

// FuzzReader reads arbitrary bytes as a stream (never panics, never returns
// a frame over the limit, only documented errors) and round-trips data cut
// into records through Writer and Reader under several read patterns.
func FuzzReader(f *testing.F) {
	f.Add([]byte("20\n{\"type\":\"HEARTBEAT\"}"), uint8(3))
	f.Add([]byte("1\na2\nbc3\ndef"), uint8(1))
	f.Add([]byte("\n\n0\n\n5\nhello"), uint8(0))
	f.Add([]byte("-1\n"), uint8(7))
	f.Add([]byte("99999999999999999999999\n"), uint8(200))
	f.Add([]byte("18446744073709551615\n"), uint8(9))
	f.Add([]byte("5000\nabc"), uint8(255))
	f.Add([]byte("4096\n"), uint8(64))
	f.Add([]byte("3\r\nabc"), uint8(2))
	f.Add(bytes.Repeat([]byte("9"), 40), uint8(5))

	f.Fuzz(func(t *testing.T, data []byte, cut uint8) {
		// 1. Arbitrary input as a stream.
		for _, wrap := range []func(io.Reader) io.Reader{
			func(r io.Reader) io.Reader { return r },
			iotest.OneByteReader,
			iotest.HalfReader,
		} {
			r := NewReader(wrap(bytes.NewReader(data)), fuzzLimit)
			var total int
			for {
				p, err := r.ReadFrame()
				if err != nil {
					if err != io.EOF && !errors.Is(err, ErrInvalidLength) &&
						!errors.Is(err, ErrFrameTooLarge) && !errors.Is(err, io.ErrUnexpectedEOF) {
						t.Fatalf("unexpected error %T %v", err, err)
					}
					break
				}
				if len(p) > fuzzLimit {
					t.Fatalf("frame of %d bytes over the %d limit", len(p), fuzzLimit)
				}
				total += len(p)
				if total > len(data) {
					t.Fatalf("read %d frame bytes from %d input bytes", total, len(data))
				}
			}
		}

		// 2. Round trip: cut data into records of varying sizes.
		var records [][]byte
		step := int(cut)
		rest := data
		for len(rest) > 0 {
			n := min(step, len(rest))
			records = append(records, rest[:n])
			rest = rest[n:]
			step = step*7/5 + 1
		}
		var stream bytes.Buffer
		w := NewWriter(&stream)
		for _, rec := range records {
			if err := w.WriteFrame(rec); err != nil {
				t.Fatal(err)
			}
		}
		for _, wrap := range []func(io.Reader) io.Reader{
			func(r io.Reader) io.Reader { return r },
			iotest.OneByteReader,
			iotest.HalfReader,
		} {
			r := NewReader(wrap(bytes.NewReader(stream.Bytes())), 0)
			for i, rec := range records {
				p, err := r.ReadFrame()
				if err != nil {
					t.Fatalf("record %d: %v", i, err)
				}
				if !bytes.Equal(p, rec) {
					t.Fatalf("record %d = %q, want %q", i, p, rec)
				}
			}
			if _, err := r.ReadFrame(); err != io.EOF {
				t.Fatalf("after last record: %v", err)
			}
		}
	})
}
