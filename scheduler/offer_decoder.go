// SPDX-License-Identifier: Apache-2.0

package scheduler

import (
	"bytes"
	"fmt"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/internal/fastpb"
	"github.com/mesoskit/mesoskit/mesosproto"
)

// offerDecoder decodes offers in protobuf wire format into []Offer in one
// pass, after a scan of the event's top level that counts the offers (and
// checks nothing else):
//
// decodeOffer (offer_onepass.go) reads every field once: it checks what is
// kept in wire form, decides whether the element is canonical (see
// offerShape, valueShape) and decodes it. Strings go to an interned arena;
// resources, attributes, ranges and set items to slabs. None of their
// numbers is known beforehand: the arena and the slabs are planned from an
// upper bound (the offers' input bytes) and sized chunk by chunk from what
// was stored per input byte so far (fastpb.Strings.Plan, fastpb.Slab.Plan),
// so that the last chunk's unused tail stays small; an offer's resources
// and attributes are added one by one to a run of their slab
// (fastpb.Slab.Open), moved to the next chunk if the current one fills up.
//
// An element found not canonical is decoded again by fastpb into a message
// (which also checks it) and kept whole, what it already stored left unused:
// that is the rare path. The decoder lives on the caller's stack.
type offerDecoder struct {
	strs   fastpb.Strings // strings and wire bytes
	res    fastpb.Slab[OfferResource]
	attrs  fastpb.Slab[OfferAttribute]
	ranges fastpb.Slab[[2]uint64]
	items  fastpb.Slab[string] // set items
	execs  fastpb.Slab[string] // executor IDs

	nOffers int
	upper   int // input bytes of the offers
	done    int // of which decoded

	prev repeats // the previous offer's resources and attributes (offer_repeats.go)
}

// Field numbers of mesos.proto (mesosproto/mesos.proto).
const (
	offerID, offerFrameworkID, offerAgentID, offerHostname = 1, 2, 3, 4
	offerResources, offerExecutorIDs, offerAttributes      = 5, 6, 7
	offerAllocationInfo                                    = 10

	valueName, valueType, valueScalar, valueRanges = 1, 2, 3, 4
	resourceSet, resourceAllocationInfo            = 5, 11
	attributeText, attributeSet                    = 5, 6
)

// The canonical forms, which the compact fields reproduce exactly.
//
// offerShape: an offer is canonical when id, framework_id, agent_id and
// hostname are each present once, each ID message holding exactly its value
// field, allocation_info is absent or present once with exactly a non-empty
// role, and every executor ID holds exactly its value field.
//
// valueShape: a Resource or an Attribute is canonical when name and type are
// each present once, the value message Type names (scalar for SCALAR, ranges
// for RANGES, set for SET, text for TEXT on an attribute) is present once and
// no other is, the value message holds exactly its fields (a Scalar its value
// once, each Range its begin and end once, a Set only items, a Text its value
// once), and a resource's allocation_info is absent or present once with
// exactly a non-empty role.
//
// The decoding pass checks these rules as it reads (offerState, valueState).

// offerModeled reports whether the Offer field f is one the compact fields
// hold (all but url, domain, unavailability and unknown fields).
func offerModeled(f wireField) bool {
	return f.typ == protowire.BytesType && (f.num <= offerAttributes || f.num == offerAllocationInfo)
}

// checkOfferField checks a field of Offer kept in wire form.
func checkOfferField(f wireField) bool {
	// Offer sits at depth 3 (Event, Event.Offers, Offer).
	return f.typ != protowire.BytesType || checkFieldWith(f, offerCheck, protowire.DefaultRecursionLimit-2)
}

// checkValueField checks a field of Resource (res) or Attribute kept in
// wire form.
func checkValueField(f wireField, res bool) bool {
	if f.typ != protowire.BytesType {
		return true
	}
	c := attributeCheck
	if res {
		c = resourceCheck
	}
	// A resource or attribute sits at depth 4 (Event, Event.Offers, Offer).
	return checkFieldWith(f, c, protowire.DefaultRecursionLimit-3)
}

// rangeOf decodes a canonical Value.Range.
func rangeOf(b []byte) (begin, end uint64, ok bool) {
	var seen uint8
	for i := 0; i < len(b); {
		f, j := nextField(b, i)
		if j < 0 || f.typ != protowire.VarintType || (f.num != 1 && f.num != 2) || seen&(1<<f.num) != 0 {
			return 0, 0, false
		}
		seen |= 1 << f.num
		if f.num == 1 {
			begin = f.x
		} else {
			end = f.x
		}
		i = j
	}
	return begin, end, seen == 1<<1|1<<2
}

// countFields counts the fields of the message b up to the first malformed
// one (the ranges or set items to take for a Value.Ranges or Value.Set).
func countFields(b []byte) int {
	n := 0
	for i := 0; i < len(b); n++ {
		_, j := nextField(b, i)
		if j < 0 {
			break
		}
		i = j
	}
	return n
}

// wireSpans collects the positions of the fields of one element kept in
// wire form, to copy them in one piece once the element's length of wire
// bytes is known; past spansInline fields the element is read again.
type wireSpans struct {
	n, size int
	at      [spansInline][2]int
}

const spansInline = 6

func (s *wireSpans) add(i, j int) {
	if s.n < spansInline {
		s.at[s.n] = [2]int{i, j}
	}
	s.n++
	s.size += j - i
}

// keep copies the spans of b into the arena; keepField tells, when there
// were too many to note, which fields of b are kept.
func (d *offerDecoder) keep(b []byte, s *wireSpans, keepField func(wireField) bool) []byte {
	if s.size == 0 {
		return nil
	}
	w := d.strs.Bytes(s.size)[:0]
	if s.n <= spansInline {
		for _, p := range s.at[:s.n] {
			w = append(w, b[p[0]:p[1]]...)
		}
		return w
	}
	for i := 0; i < len(b); {
		f, j := nextField(b, i)
		if keepField(f) {
			w = append(w, b[i:j]...)
		}
		i = j
	}
	return w
}

// unmarshalKept decodes b, an element kept whole, into pb (which also
// checks it as proto.Unmarshal does).
func unmarshalKept(b []byte, pb proto.Message) error {
	if err := fastpb.Unmarshal(b, pb); err != nil {
		return fmt.Errorf("scheduler: offers event: %w", err)
	}
	return nil
}

// wholeResource keeps the non-canonical resource b whole in r, its fields
// projected from its decoded message.
func wholeResource(b []byte, r *OfferResource) error {
	pb := new(mesosproto.Resource)
	if err := unmarshalKept(b, pb); err != nil {
		return err
	}
	*r = OfferResource{
		Name: pb.GetName(), Type: pb.GetType(), Scalar: pb.GetScalar().GetValue(), Ranges: rangesOf(pb),
		Set: pb.GetSet().GetItem(), AllocationRole: pb.GetAllocationInfo().GetRole(),
		wire: bytes.Clone(b), whole: true,
	}
	return nil
}

// wholeAttribute is wholeResource for an attribute.
func wholeAttribute(b []byte, a *OfferAttribute) error {
	pb := new(mesosproto.Attribute)
	if err := unmarshalKept(b, pb); err != nil {
		return err
	}
	var rs [][2]uint64
	for _, x := range pb.GetRanges().GetRange() {
		rs = append(rs, [2]uint64{x.GetBegin(), x.GetEnd()})
	}
	*a = OfferAttribute{
		Name: pb.GetName(), Type: pb.GetType(), Scalar: pb.GetScalar().GetValue(), Ranges: rs,
		Set: pb.GetSet().GetItem(), Text: pb.GetText().GetValue(), wire: bytes.Clone(b), whole: true,
	}
	return nil
}
