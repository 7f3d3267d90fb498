// SPDX-License-Identifier: Apache-2.0

package scheduler

import (
	"bytes"
	"sort"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/internal/testevents"
	"github.com/mesoskit/mesoskit/mesosproto/schedulerpb"
)

// FuzzUnmarshalOffers compares UnmarshalOffers (and offerFromProto) with
// proto.Unmarshal on every input: the same acceptance, ErrNotOffers for a
// valid event of another type, and for an OFFERS event offers whose Proto
// and plain fields equal the reference's (compareWithReference).
func FuzzUnmarshalOffers(f *testing.F) {
	f.Add(marshal(f, testevents.Offers(2, 0)))
	f.Add(offersEvent(marshal(f, fullOffer())))
	f.Add(marshal(f, &schedulerpb.Event{Type: schedulerpb.Event_HEARTBEAT.Enum()}))
	f.Add(offersEvent(baseOffer(cpusAt(1), canonScalar), baseOffer(cpusAt(2), canonScalar), baseOffer(cpusAt(2, roleWeb))))
	for _, m := range []map[string][]byte{nonCanonical(), malformed(f)} {
		names := make([]string, 0, len(m))
		for name := range m {
			names = append(names, name)
		}
		sort.Strings(names)
		for _, name := range names {
			b := m[name]
			if bytes.HasPrefix(b, []byte{0x0a}) { // an offer, not an event
				b = offersEvent(b)
			}
			f.Add(b)
		}
	}
	typ := []byte{0x08, byte(schedulerpb.Event_OFFERS)}
	f.Add(bytes.Join([][]byte{offersEvent(baseOffer(canonScalar))[2:], typ, offersEvent(marshal(f, fullOffer()))[2:]}, nil))
	f.Fuzz(func(t *testing.T, b []byte) {
		if d := compareWithReference(b); d != "" {
			var ev schedulerpb.Event
			_ = proto.UnmarshalOptions{AllowPartial: true}.Unmarshal(b, &ev)
			t.Fatalf("%s\ninput %x\nreference %v", d, b, &ev)
		}
	})
}
