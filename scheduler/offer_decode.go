// SPDX-License-Identifier: Apache-2.0

package scheduler

import (
	"errors"

	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/internal/fastpb"
	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/schedulerpb"
)

// ErrNotOffers is returned by UnmarshalOffers for an event that is not of
// type OFFERS.
var ErrNotOffers = errors.New("scheduler: not an OFFERS event")

// UnmarshalOffers decodes the offers of an OFFERS event given in protobuf
// wire format (a schedulerpb.Event record of the SUBSCRIBE stream), as the
// Client does for Callbacks: straight into []Offer. It returns an error
// matching ErrNotOffers for another event type, and a decoding error for
// bytes proto.Unmarshal refuses. The result never references b.
func UnmarshalOffers(event []byte) ([]Offer, error) {
	offers, ok, err := decodeOffersEvent(event)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, ErrNotOffers
	}
	return offers, nil
}

// decodeOffersEvent decodes b as an event: for an OFFERS event, into its
// offers (ok true); for any other type it returns ok false without having
// decoded more than the event's top level.
//
// TODO(offers): the compact decoder; this version goes through the
// protobuf-go messages.
func decodeOffersEvent(b []byte) (offers []Offer, ok bool, err error) {
	ev := new(schedulerpb.Event)
	if err := fastpb.Unmarshal(b, ev); err != nil {
		return nil, false, err
	}
	if ev.GetType() != schedulerpb.Event_OFFERS {
		return nil, false, nil
	}
	return OffersFromProto(ev.GetOffers().GetOffers()...), true, nil
}

// offerFromProto makes an Offer whose Proto is exactly pb.
//
// TODO(offers): decode the marshalled offer with the compact decoder.
func offerFromProto(pb *mesosproto.Offer) Offer {
	o := Offer{
		ID:             pb.GetId().GetValue(),
		FrameworkID:    pb.GetFrameworkId().GetValue(),
		AgentID:        pb.GetAgentId().GetValue(),
		Hostname:       pb.GetHostname(),
		AllocationRole: pb.GetAllocationInfo().GetRole(),
		whole:          true,
	}
	o.wire, _ = proto.MarshalOptions{AllowPartial: true, Deterministic: true}.Marshal(pb)
	for _, r := range pb.GetResources() {
		w, _ := proto.MarshalOptions{AllowPartial: true, Deterministic: true}.Marshal(r)
		o.Resources = append(o.Resources, OfferResource{
			Name: r.GetName(), Type: r.GetType(), Scalar: r.GetScalar().GetValue(), Ranges: rangesOf(r),
			Set: r.GetSet().GetItem(), AllocationRole: r.GetAllocationInfo().GetRole(), wire: w, whole: true,
		})
	}
	for _, a := range pb.GetAttributes() {
		w, _ := proto.MarshalOptions{AllowPartial: true, Deterministic: true}.Marshal(a)
		var rs [][2]uint64
		for _, r := range a.GetRanges().GetRange() {
			rs = append(rs, [2]uint64{r.GetBegin(), r.GetEnd()})
		}
		o.Attributes = append(o.Attributes, OfferAttribute{
			Name: a.GetName(), Type: a.GetType(), Scalar: a.GetScalar().GetValue(), Ranges: rs,
			Set: a.GetSet().GetItem(), Text: a.GetText().GetValue(), wire: w, whole: true,
		})
	}
	for _, id := range pb.GetExecutorIds() {
		o.ExecutorIDs = append(o.ExecutorIDs, id.GetValue())
	}
	return o
}
