// SPDX-License-Identifier: Apache-2.0

package scheduler

import (
	"errors"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

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
		// The Client decodes another event in full; here it is only checked.
		if !checkMessage(event, eventDesc, protowire.DefaultRecursionLimit) {
			return nil, errOffersWire
		}
		return nil, ErrNotOffers
	}
	return offers, nil
}

// Descriptors for checking fields kept in wire form.
var (
	eventDesc     = (*schedulerpb.Event)(nil).ProtoReflect().Descriptor()
	eventOffers   = (*schedulerpb.Event_Offers)(nil).ProtoReflect().Descriptor()
	offerDesc     = (*mesosproto.Offer)(nil).ProtoReflect().Descriptor()
	resourceDesc  = (*mesosproto.Resource)(nil).ProtoReflect().Descriptor()
	attributeDesc = (*mesosproto.Attribute)(nil).ProtoReflect().Descriptor()
)

// Field numbers of scheduler.proto (mesosproto/schedulerpb/scheduler.proto):
// Event.type, Event.offers and Event.Offers.offers.
const (
	eventType, eventOffersField, offersOffer = 1, 3, 1
)

// maxOffersFields is how many occurrences of Event.offers the decoder
// tracks without allocating (a master sends one; protobuf merges several).
const maxOffersFields = 4

// decodeOffersEvent decodes b as an event: for an OFFERS event, into its
// offers (ok true); for any other type it returns ok false without having
// decoded more than the event's top level (whose wire format it checks).
//
// The event's offers are those proto.Unmarshal finds: the offers of every
// Event.offers field, in order (a message field present several times is
// merged, and merging concatenates repeated fields); its type is the last
// type field's (an OFFERS type may follow the offers). The Event's other
// fields of an OFFERS event are only checked.
func decodeOffersEvent(b []byte) (offers []Offer, ok bool, err error) {
	var inline [maxOffersFields][]byte
	fields := inline[:0]
	var typ int32
	others := false
	for i := 0; i < len(b); {
		f, j := nextField(b, i)
		if j < 0 {
			return nil, false, errOffersWire
		}
		switch {
		case f.num == eventType && f.typ == protowire.VarintType:
			typ = int32(f.x) // protobuf-go keeps any number, truncated to int32
		case f.num == eventOffersField && f.typ == protowire.BytesType:
			fields = append(fields, f.v)
		default:
			others = true
		}
		i = j
	}
	if typ != int32(schedulerpb.Event_OFFERS) {
		return nil, false, nil
	}
	if others && !checkMessage(b, eventDesc, protowire.DefaultRecursionLimit) {
		return nil, false, errOffersWire
	}
	var d offerDecoder
	for _, v := range fields {
		for i := 0; i < len(v); {
			f, j := nextField(v, i)
			if j < 0 {
				return nil, false, errOffersWire
			}
			if f.num == offersOffer && f.typ == protowire.BytesType {
				d.scanOffer(f.v)
			} else if fd := eventOffers.Fields().ByNumber(f.num); fd != nil &&
				!checkKnown(f, fd, protowire.DefaultRecursionLimit-1) {
				return nil, false, errOffersWire
			}
			i = j
		}
	}
	offers = d.alloc()
	k := 0
	for _, v := range fields {
		for i := 0; i < len(v); {
			f, j := nextField(v, i)
			if f.num == offersOffer && f.typ == protowire.BytesType {
				if err := d.decodeOffer(f.v, &offers[k]); err != nil {
					return nil, false, err
				}
				k++
			}
			i = j
		}
	}
	return offers, true, nil
}

// offersFromProto is OffersFromProto: the offers' deterministic encodings,
// each behind its length, in one buffer, scanned and decoded as an event's.
func offersFromProto(pbs []*mesosproto.Offer) []Offer {
	opts := proto.MarshalOptions{AllowPartial: true, Deterministic: true}
	n := 0
	for _, pb := range pbs {
		n += protowire.SizeBytes(opts.Size(pb))
	}
	buf := make([]byte, 0, n)
	for _, pb := range pbs {
		var err error
		buf = protowire.AppendVarint(buf, uint64(opts.Size(pb)))
		if buf, err = opts.MarshalAppend(buf, pb); err != nil {
			return slowOffersFromProto(pbs)
		}
	}
	var d offerDecoder
	for i := 0; i < len(buf); {
		v, n := protowire.ConsumeBytes(buf[i:])
		if n < 0 {
			return slowOffersFromProto(pbs)
		}
		d.scanOffer(v)
		i += n
	}
	offers := d.alloc()
	for i, k := 0, 0; i < len(buf); k++ {
		v, n := protowire.ConsumeBytes(buf[i:])
		if d.decodeOffer(v, &offers[k]) != nil {
			return slowOffersFromProto(pbs)
		}
		i += n
	}
	return offers
}

// slowOffersFromProto converts the offers one by one (not reached for
// messages protobuf-go made: their encodings decode).
func slowOffersFromProto(pbs []*mesosproto.Offer) []Offer {
	out := make([]Offer, len(pbs))
	for i, pb := range pbs {
		out[i] = offerFromProto(pb)
	}
	return out
}

// offerFromProto makes an Offer whose Proto is exactly pb: its
// deterministic encoding decoded as the Client decodes offers.
func offerFromProto(pb *mesosproto.Offer) Offer {
	b, err := proto.MarshalOptions{AllowPartial: true, Deterministic: true}.Marshal(pb)
	if err == nil {
		var d offerDecoder
		d.scanOffer(b)
		offers := d.alloc()
		if err = d.decodeOffer(b, &offers[0]); err == nil {
			return offers[0]
		}
	}
	// Not reached for a message protobuf-go made: its encoding decodes.
	return Offer{ID: pb.GetId().GetValue(), whole: true, wire: b}
}
