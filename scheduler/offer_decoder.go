// SPDX-License-Identifier: Apache-2.0

package scheduler

import (
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/mesoskit/mesoskit/internal/fastpb"
	"github.com/mesoskit/mesoskit/mesosproto"
)

// offerDecoder decodes offers in protobuf wire format into []Offer in two
// passes, as internal/fastpb decodes messages: the first (count) checks the
// input and counts every value, the second (fill) decodes into memory
// allocated once at the counted sizes. The decoder lives on the caller's
// stack.
//
// An offer, resource or attribute in the canonical form the compact fields
// reproduce exactly (see offerShape, valueShape) is decoded into them, its
// other fields copied into its wire bytes; any other is decoded by fastpb
// into a message in the first pass, which also checks it, and kept whole.
type offerDecoder struct {
	strs   fastpb.Strings // strings and wire bytes
	res    fastpb.Slab[OfferResource]
	attrs  fastpb.Slab[OfferAttribute]
	ranges fastpb.Slab[[2]uint64]
	items  fastpb.Slab[string] // set items and executor IDs

	nOffers, nRes, nAttrs, nRanges, nItems int

	// Messages decoded by the first pass for what is kept whole, in input
	// order, taken by the second pass (wi, ri, ai).
	wholes     []*mesosproto.Offer
	wholeRes   []*mesosproto.Resource
	wholeAttrs []*mesosproto.Attribute
	wi, ri, ai int

	// The shapes the first pass found, one word per element as a rule
	// (pushShape), here or, past queueInline, in spill.
	queue  [queueInline]uint64
	spill  []uint64
	qn, qi int
}

// queueInline is how many shape words the decoder holds without allocating
// (a 100-offer event of the fixture needs 700).
const queueInline = 1024

// Field numbers of mesos.proto (mesosproto/mesos.proto).
const (
	offerID, offerFrameworkID, offerAgentID, offerHostname = 1, 2, 3, 4
	offerResources, offerExecutorIDs, offerAttributes      = 5, 6, 7
	offerAllocationInfo                                    = 10

	valueName, valueType, valueScalar, valueRanges = 1, 2, 3, 4
	resourceSet, resourceAllocationInfo            = 5, 11
	attributeText, attributeSet                    = 5, 6
)

// offerShape is what the first loop over an offer's top-level fields finds.
// The offer is canonical when id, framework_id, agent_id and hostname are
// each present once, each ID message holding exactly its value field,
// allocation_info is absent or present once with exactly a non-empty role,
// and every executor ID holds exactly its value field.
type offerShape struct {
	id, fw, agent, host, role []byte
	canon                     bool
	nRes, nAttrs, nExec       int
	wireLen                   int // bytes of the fields kept in wire form
}

// shapeOffer runs the first loop over the offer b; with check it also
// checks the fields kept in wire form (the rest is checked by decoding).
func shapeOffer(b []byte, check bool) (offerShape, bool) {
	s := offerShape{canon: true}
	var seen uint16
	for i := 0; i < len(b); {
		f, j := nextField(b, i)
		if j < 0 {
			return s, false
		}
		if !offerModeled(f) {
			if check && !checkOfferField(f) {
				return s, false
			}
			s.wireLen += j - i
			i = j
			continue
		}
		switch f.num {
		case offerID, offerFrameworkID, offerAgentID, offerAllocationInfo:
			bit := uint16(1) << f.num
			v, ok := singleString(f.v)
			if seen&bit != 0 || !ok || (f.num == offerAllocationInfo && len(v) == 0) {
				s.canon = false
			}
			seen |= bit
			switch f.num {
			case offerID:
				s.id = v
			case offerFrameworkID:
				s.fw = v
			case offerAgentID:
				s.agent = v
			default:
				s.role = v
			}
		case offerHostname:
			if seen&(1<<offerHostname) != 0 {
				s.canon = false
			}
			seen |= 1 << offerHostname
			s.host = f.v
		case offerResources:
			s.nRes++
		case offerAttributes:
			s.nAttrs++
		case offerExecutorIDs:
			s.nExec++
			if _, ok := singleString(f.v); !ok {
				s.canon = false
			}
		}
		i = j
	}
	const required = 1<<offerID | 1<<offerFrameworkID | 1<<offerAgentID | 1<<offerHostname
	if seen&required != required {
		s.canon = false
	}
	return s, true
}

// offerModeled reports whether the Offer field f is one the compact fields
// hold (all but url, domain, unavailability and unknown fields).
func offerModeled(f wireField) bool {
	return f.typ == protowire.BytesType && (f.num <= offerAttributes || f.num == offerAllocationInfo)
}

// Fields 1 to 15 of Offer, Resource and Attribute, looked up once: the
// descriptors' own lookup is an interface call and a map access.
var offerFields, resourceFields, attributeFields = denseFields(offerDesc), denseFields(resourceDesc), denseFields(attributeDesc)

func denseFields(md protoreflect.MessageDescriptor) (a [16]protoreflect.FieldDescriptor) {
	for i := range a {
		a[i] = md.Fields().ByNumber(protowire.Number(i))
	}
	return a
}

// fieldOf returns field num of md, dense holding its first 16.
func fieldOf(dense *[16]protoreflect.FieldDescriptor, md protoreflect.MessageDescriptor, num protowire.Number) protoreflect.FieldDescriptor {
	if num < 16 {
		return dense[num]
	}
	return md.Fields().ByNumber(num)
}

// checkOfferField checks a field of Offer kept in wire form.
func checkOfferField(f wireField) bool {
	fd := fieldOf(&offerFields, offerDesc, f.num)
	// Offer sits at depth 3 (Event, Event.Offers, Offer).
	return fd == nil || checkKnown(f, fd, protowire.DefaultRecursionLimit-2)
}

// valueShape is what the first loop over a Resource or an Attribute finds.
// It is canonical when name and type are each present once, the value
// message Type names (scalar for SCALAR, ranges for RANGES, set for SET,
// text for TEXT on an attribute) is present once and no other is, the value
// message holds exactly its fields (a Scalar its value once, each Range its
// begin and end once, a Set only items, a Text its value once), and a
// resource's allocation_info is absent or present once with exactly a
// non-empty role.
type valueShape struct {
	name, ranges, set, role, text []byte
	typ                           int32
	scalar                        uint64
	canon                         bool
	nRanges, nItems               int
	wireLen                       int
}

// shapeValue runs the first loop over the Resource (res) or Attribute b.
// With check it also checks the fields kept in wire form.
func shapeValue(s *valueShape, b []byte, res, check bool) bool {
	*s = valueShape{canon: true}
	var seen uint16
	setNum, textNum := protowire.Number(attributeSet), protowire.Number(attributeText)
	if res {
		setNum, textNum = resourceSet, -1
	}
	for i := 0; i < len(b); {
		f, j := nextField(b, i)
		if j < 0 {
			return false
		}
		switch {
		case f.num == valueName && f.typ == protowire.BytesType:
			if seen&(1<<valueName) != 0 {
				s.canon = false
			}
			seen |= 1 << valueName
			s.name = f.v
		case f.num == valueType && f.typ == protowire.VarintType:
			if seen&(1<<valueType) != 0 {
				s.canon = false
			}
			seen |= 1 << valueType
			s.typ = int32(f.x) // protobuf-go keeps any number, truncated as here
		case f.num == valueScalar && f.typ == protowire.BytesType:
			if seen&(1<<valueScalar) != 0 {
				s.canon = false
			}
			seen |= 1 << valueScalar
			g, k := nextField(f.v, 0)
			if k != len(f.v) || g.num != 1 || g.typ != protowire.Fixed64Type {
				s.canon = false
			}
			s.scalar = g.x
		case f.num == valueRanges && f.typ == protowire.BytesType:
			if seen&(1<<valueRanges) != 0 {
				s.canon = false
			}
			seen |= 1 << valueRanges
			s.ranges = f.v
			n, ok := countRanges(f.v)
			s.nRanges = n
			s.canon = s.canon && ok
		case f.num == setNum && f.typ == protowire.BytesType:
			if seen&(1<<setNum) != 0 {
				s.canon = false
			}
			seen |= 1 << setNum
			s.set = f.v
			n, ok := countItems(f.v)
			s.nItems = n
			s.canon = s.canon && ok
		case f.num == textNum && f.typ == protowire.BytesType:
			if seen&(1<<textNum) != 0 {
				s.canon = false
			}
			seen |= 1 << textNum
			v, ok := singleString(f.v)
			s.text = v
			s.canon = s.canon && ok
		case res && f.num == resourceAllocationInfo && f.typ == protowire.BytesType:
			if seen&(1<<resourceAllocationInfo) != 0 {
				s.canon = false
			}
			seen |= 1 << resourceAllocationInfo
			v, ok := singleString(f.v)
			s.role = v
			s.canon = s.canon && ok && len(v) > 0
		default:
			if check && !checkValueField(f, res) {
				return false
			}
			s.wireLen += j - i
		}
		i = j
	}
	want := uint16(1<<valueName | 1<<valueType)
	switch s.typ {
	case int32(mesosproto.Value_SCALAR):
		want |= 1 << valueScalar
	case int32(mesosproto.Value_RANGES):
		want |= 1 << valueRanges
	case int32(mesosproto.Value_SET):
		want |= 1 << setNum
	case int32(mesosproto.Value_TEXT):
		if !res {
			want |= 1 << textNum
		}
	}
	if seen&^(1<<resourceAllocationInfo) != want {
		s.canon = false
	}
	return true
}

// checkValueField checks a field of Resource (res) or Attribute kept in
// wire form.
func checkValueField(f wireField, res bool) bool {
	fd := fieldOf(&attributeFields, attributeDesc, f.num)
	if res {
		fd = fieldOf(&resourceFields, resourceDesc, f.num)
	}
	// A resource or attribute sits at depth 4 (Event, Event.Offers, Offer).
	return fd == nil || checkKnown(f, fd, protowire.DefaultRecursionLimit-3)
}

// countRanges counts the Range messages of a canonical Value.Ranges b: ok
// false unless b holds only ranges (field 1) each with exactly begin and end
// once (as varints).
func countRanges(b []byte) (int, bool) {
	n := 0
	for i := 0; i < len(b); {
		f, j := nextField(b, i)
		if j < 0 || f.num != 1 || f.typ != protowire.BytesType {
			return n, false
		}
		if _, _, ok := rangeOf(f.v); !ok {
			return n, false
		}
		n++
		i = j
	}
	return n, true
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

// countItems counts the items of a canonical Value.Set b: ok false unless b
// holds only items (field 1, strings).
func countItems(b []byte) (int, bool) {
	n := 0
	for i := 0; i < len(b); {
		f, j := nextField(b, i)
		if j < 0 || f.num != 1 || f.typ != protowire.BytesType {
			return n, false
		}
		n++
		i = j
	}
	return n, true
}
