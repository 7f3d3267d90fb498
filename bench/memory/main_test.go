// SPDX-License-Identifier: Apache-2.0

package memory

import (
	"testing"

	"go.uber.org/goleak"
	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/bench/internal/fixtures"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// TestHold: both decode paths give the offers they are asked to keep, and
// mesoskit's are those of the stream's events.
func TestHold(t *testing.T) {
	stream := offersStream(t)
	for _, all := range []bool{true, false} {
		held := holdMesoskit(t, stream, all)
		if len(held) != events {
			t.Fatalf("mesoskit held %d events, want %d", len(held), events)
		}
		for i, offers := range held {
			want := fixtures.OffersEvent(offersPerEvent, i).GetOffers().GetOffers()
			if !all {
				want = want[:1]
			}
			if len(offers) != len(want) {
				t.Fatalf("event %d: mesoskit held %d offers, want %d", i, len(offers), len(want))
			}
			for k := range offers {
				if !proto.Equal(offers[k].Proto(), want[k]) {
					t.Fatalf("event %d offer %d:\n got %v\nwant %v", i, k, offers[k].Proto(), want[k])
				}
			}
		}
	}
	if n := len(holdMesosGo(t, stream, true)); n != events {
		t.Fatalf("mesos-go held %d events, want %d", n, events)
	}
}
