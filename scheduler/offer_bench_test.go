// SPDX-License-Identifier: Apache-2.0

package scheduler_test

import (
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/internal/fastpb"
	"github.com/mesoskit/mesoskit/internal/testevents"
	"github.com/mesoskit/mesoskit/mesosproto/schedulerpb"
	"github.com/mesoskit/mesoskit/scheduler"
)

// offerEvents encodes eight 100-offer OFFERS events (the IDs differ
// between events, as on a real stream).
func offerEvents(b *testing.B) [][]byte {
	evs := make([][]byte, 8)
	for i := range evs {
		var err error
		if evs[i], err = proto.Marshal(testevents.Offers(100, i)); err != nil {
			b.Fatal(err)
		}
	}
	return evs
}

// BenchmarkUnmarshalOffers decodes 100-offer events into []scheduler.Offer,
// as the Client does for Callbacks.Offers.
func BenchmarkUnmarshalOffers(b *testing.B) {
	evs := offerEvents(b)
	b.ReportAllocs()
	b.SetBytes(int64(len(evs[0])))
	for i := 0; b.Loop(); i++ {
		offers, err := scheduler.UnmarshalOffers(evs[i%len(evs)])
		if err != nil || len(offers) != 100 {
			b.Fatal(len(offers), err)
		}
	}
}

// BenchmarkUnmarshalOffersFastpb decodes the same events into
// schedulerpb.Event messages with fastpb (the Client's decoder before the
// compact offers).
func BenchmarkUnmarshalOffersFastpb(b *testing.B) {
	evs := offerEvents(b)
	b.ReportAllocs()
	b.SetBytes(int64(len(evs[0])))
	for i := 0; b.Loop(); i++ {
		ev := new(schedulerpb.Event)
		if err := fastpb.Unmarshal(evs[i%len(evs)], ev); err != nil || len(ev.GetOffers().GetOffers()) != 100 {
			b.Fatal(err)
		}
	}
}
