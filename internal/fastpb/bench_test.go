// SPDX-License-Identifier: Apache-2.0

package fastpb

import (
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/mesosproto/schedulerpb"
)

// BenchmarkUnmarshalOffers decodes a 100-offer OFFERS event into a new
// Event per op, as the scheduler does, with fastpb and with proto.Unmarshal.
func BenchmarkUnmarshalOffers(b *testing.B) {
	pb, err := proto.Marshal(offersEvent(100))
	if err != nil {
		b.Fatal(err)
	}
	for _, impl := range []struct {
		name string
		f    func([]byte, proto.Message) error
	}{{"fastpb", Unmarshal}, {"proto", reference.Unmarshal}} {
		b.Run("impl="+impl.name, func(b *testing.B) {
			b.SetBytes(int64(len(pb)))
			b.ReportAllocs()
			start := cpuTime()
			for b.Loop() {
				if err := impl.f(pb, new(schedulerpb.Event)); err != nil {
					b.Fatal(err)
				}
			}
			reportCPU(b, start)
		})
	}
}
