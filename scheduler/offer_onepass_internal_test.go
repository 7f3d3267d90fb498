// SPDX-License-Identifier: Apache-2.0

package scheduler

import (
	"fmt"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/schedulerpb"
)

// plannedOffer is a canonical offer with nRes resources (each with a
// two-range ports value and a role), one set attribute of nItems items and
// a hostname of hostLen bytes.
func plannedOffer(i, nRes, nItems, hostLen int) *mesosproto.Offer {
	o := &mesosproto.Offer{
		Id:          &mesosproto.OfferID{Value: proto.String(fmt.Sprintf("O%d", i))},
		FrameworkId: &mesosproto.FrameworkID{Value: proto.String("F")},
		AgentId:     &mesosproto.AgentID{Value: proto.String(fmt.Sprintf("S%d", i))},
		Hostname:    proto.String(strings.Repeat(string(rune('a'+i%26)), hostLen)),
	}
	for k := range nRes {
		o.Resources = append(o.Resources, &mesosproto.Resource{
			Name: proto.String(fmt.Sprintf("r%d", k)),
			Type: mesosproto.Value_RANGES.Enum(),
			Ranges: &mesosproto.Value_Ranges{Range: []*mesosproto.Value_Range{
				{Begin: proto.Uint64(uint64(k)), End: proto.Uint64(uint64(k + 1))},
				{Begin: proto.Uint64(uint64(k + 10)), End: proto.Uint64(uint64(k + 20))},
			}},
			AllocationInfo: &mesosproto.Resource_AllocationInfo{Role: proto.String(fmt.Sprintf("role-%d", k))},
		})
	}
	set := &mesosproto.Value_Set{}
	for k := range nItems {
		set.Item = append(set.Item, fmt.Sprintf("item-%d-%d", i, k))
	}
	o.Attributes = []*mesosproto.Attribute{{Name: proto.String("s"), Type: mesosproto.Value_SET.Enum(), Set: set}}
	return o
}

// TestUnmarshalOffersPlannedChunks: the single pass sizes its arena and its
// ranges and items slabs from the input's length and what the offers
// decoded so far stored; events whose later offers need far more than the
// first ones (a misestimate), elements larger than a chunk, a string larger
// than a chunk and one offer holding thousands of resources decode exactly
// as proto.Unmarshal decodes them.
func TestUnmarshalOffersPlannedChunks(t *testing.T) {
	cases := map[string][]*mesosproto.Offer{
		"many resources in one offer": {plannedOffer(0, 600, 1, 10)},
		"set larger than a chunk":     {plannedOffer(0, 1, 2500, 10)},
		"hostname larger than a chunk": {
			plannedOffer(0, 1, 1, 10), plannedOffer(1, 1, 1, 100<<10), plannedOffer(2, 1, 1, 10),
		},
		"small offers then large ones": append(
			[]*mesosproto.Offer{plannedOffer(0, 1, 0, 1), plannedOffer(1, 0, 0, 1)},
			plannedOffer(2, 300, 2100, 5000), plannedOffer(3, 300, 10, 40<<10)),
		"large offer then small ones": {
			plannedOffer(0, 300, 2100, 50<<10), plannedOffer(1, 1, 1, 1), plannedOffer(2, 2, 2, 2),
		},
	}
	for i := range 120 {
		cases["many offers crossing chunks"] = append(cases["many offers crossing chunks"], plannedOffer(i, 3, 3, 20+i))
	}
	for name, offers := range cases {
		b := marshal(t, &schedulerpb.Event{Type: schedulerpb.Event_OFFERS.Enum(), Offers: &schedulerpb.Event_Offers{Offers: offers}})
		if d := compareWithReference(b); d != "" {
			t.Errorf("%s: %s", name, d)
		}
		got, err := UnmarshalOffers(b)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for i := range got {
			if got[i].whole {
				t.Errorf("%s: offer %d kept whole, want compact", name, i)
			}
		}
	}
}

// TestUnmarshalOffersPlannedAllocs bounds the chunks of a misestimated
// event: the first offer is tiny, the last holds 20,000 resources with
// 40,000 ranges and 20,000 distinct roles (past the plan, chunks grow with
// what was allocated, so their number grows with the logarithm of the
// size, never one per element).
func TestUnmarshalOffersPlannedAllocs(t *testing.T) {
	b := marshal(t, &schedulerpb.Event{Type: schedulerpb.Event_OFFERS.Enum(), Offers: &schedulerpb.Event_Offers{
		Offers: []*mesosproto.Offer{plannedOffer(0, 0, 0, 1), plannedOffer(1, 20000, 0, 1)},
	}})
	allocs := testing.AllocsPerRun(5, func() {
		if offers, err := UnmarshalOffers(b); err != nil || len(offers[1].Resources) != 20000 {
			t.Fatal(err)
		}
	})
	// 20,000 resources of 120 bytes in chunks of 32 KiB are 74 chunks alone.
	if allocs > 200 {
		t.Fatalf("%v allocations, want at most 200", allocs)
	}
	t.Logf("%v allocations", allocs)
}
