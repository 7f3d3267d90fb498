// SPDX-License-Identifier: Apache-2.0

package httpapi

import (
	"bytes"
	"testing"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/mesosproto/schedulerpb"
)

// BenchmarkDecodeOffers decodes a 100-offer OFFERS event into a reused
// Event, as the scheduler's stream loop does; protojson (with the reference
// preprocessing) is there for comparison.
func BenchmarkDecodeOffers(b *testing.B) {
	ev := offersEvent(100)
	pb, err := Protobuf.Marshal(ev)
	if err != nil {
		b.Fatal(err)
	}
	js, err := JSON.Marshal(ev)
	if err != nil {
		b.Fatal(err)
	}
	bench := func(name string, data []byte, unmarshal func([]byte, proto.Message) error) {
		b.Run(name, func(b *testing.B) {
			var got schedulerpb.Event
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				if err := unmarshal(data, &got); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	bench("protobuf", pb, Protobuf.Unmarshal)
	bench("json", js, JSON.Unmarshal)
	bench("protojson-reference", js, unmarshalProtojson)
}

// BenchmarkEncodeOffers encodes the same event; protojson is the reference.
func BenchmarkEncodeOffers(b *testing.B) {
	ev := offersEvent(100)
	bench := func(name string, marshal func() ([]byte, error)) {
		b.Run(name, func(b *testing.B) {
			out, err := marshal()
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(len(out)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := marshal(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	bench("protobuf", func() ([]byte, error) { return Protobuf.Marshal(ev) })
	bench("json", func() ([]byte, error) { return JSON.Marshal(ev) })
	bench("protojson-reference", func() ([]byte, error) {
		return protojson.MarshalOptions{UseProtoNames: true}.Marshal(ev)
	})
}

// BenchmarkDecoderStream reads OFFERS events from a RecordIO stream
// (framing plus decoding).
func BenchmarkDecoderStream(b *testing.B) {
	ev := offersEvent(100)
	for _, c := range []Codec{Protobuf, JSON} {
		var stream bytes.Buffer
		if err := NewEncoder(&stream, c).Encode(ev); err != nil {
			b.Fatal(err)
		}
		rec := stream.Bytes()
		b.Run(c.MediaType(), func(b *testing.B) {
			r := &loopReader{data: rec}
			dec := NewDecoder(r, c, 0)
			var got schedulerpb.Event
			b.SetBytes(int64(len(rec)))
			b.ReportAllocs()
			for b.Loop() {
				if err := dec.Decode(&got); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// loopReader serves data endlessly in reads of at most 16 KiB.
type loopReader struct {
	data []byte
	off  int
}

func (l *loopReader) Read(p []byte) (int, error) {
	if len(p) > 16<<10 {
		p = p[:16<<10]
	}
	n := 0
	for n < len(p) {
		c := copy(p[n:], l.data[l.off:])
		n += c
		l.off = (l.off + c) % len(l.data)
	}
	return n, nil
}
