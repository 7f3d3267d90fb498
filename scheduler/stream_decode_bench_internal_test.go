// SPDX-License-Identifier: Apache-2.0

package scheduler

import (
	"fmt"
	"testing"

	"github.com/mesoskit/mesoskit/internal/httpapi"
	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/schedulerpb"
)

// BenchmarkStreamDecodeOffers is what the stream reader does with a
// 100-offer OFFERS frame, for a handler that takes compact offers
// (Callbacks: slim) and for a raw Handler (protobuf-go messages), in both
// content types.
func BenchmarkStreamDecodeOffers(b *testing.B) {
	offers := make([]*mesosproto.Offer, 100)
	for i := range offers {
		offers[i] = testOffer(i)
	}
	ev := &schedulerpb.Event{Type: schedulerpb.Event_OFFERS.Enum(), Offers: &schedulerpb.Event_Offers{Offers: offers}}
	for _, codec := range []httpapi.Codec{httpapi.Protobuf, httpapi.JSON} {
		frame, err := codec.Marshal(ev)
		if err != nil {
			b.Fatal(err)
		}
		for _, slim := range []bool{true, false} {
			b.Run(fmt.Sprintf("%s/slim=%v", codec.MediaType(), slim), func(b *testing.B) {
				rd := &streamReader{codec: codec, slim: slim}
				b.ReportAllocs()
				b.SetBytes(int64(len(frame)))
				for b.Loop() {
					se, err := rd.decode(frame)
					if err != nil || se.offers.len() != len(offers) {
						b.Fatalf("decoded %d offers, %v", se.offers.len(), err)
					}
				}
			})
		}
	}
}
