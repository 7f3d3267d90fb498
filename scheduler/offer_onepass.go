// SPDX-License-Identifier: Apache-2.0

package scheduler

import (
	"bytes"
	"math"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/mesoskit/mesoskit/mesosproto"
)

// The decoding pass: each offer, resource and attribute is read once, its
// canonical form checked as it goes (offerShape, valueShape in
// offer_decoder.go), and decoded into the slices scan sized. Strings are
// interned into the arena as they are met; an element found not canonical
// at its end is decoded again by fastpb and kept whole (what it already
// stored stays unused).

// alloc allocates the offers scan counted and plans the arena and the slabs
// from the offers' input bytes.
func (d *offerDecoder) alloc() []Offer {
	d.strs.Plan(d.upper)
	d.res.Plan(d.upper)
	d.attrs.Plan(d.upper)
	d.ranges.Plan(d.upper)
	d.items.Plan(d.upper)
	d.execs.Plan(d.upper)
	return make([]Offer, d.nOffers)
}

// offerState is what decodeOffer gathers from an offer's top level.
type offerState struct {
	id, fw, agent, host, role []byte
	seen                      uint16
	canon                     bool
	spans                     wireSpans
}

// see notes a field of the offer that is canonical only once.
func (s *offerState) see(num protowire.Number) {
	if s.seen&(1<<num) != 0 {
		s.canon = false
	}
	s.seen |= 1 << num
}

// decodeOffer decodes the offer b into o.
func (d *offerDecoder) decodeOffer(b []byte, o *Offer) error {
	d.progress(len(b))
	d.res.Open()
	d.attrs.Open()
	d.execs.Open()
	d.prev.res.n, d.prev.attrs.n = 0, 0
	s := offerState{canon: true}
	for i := 0; i < len(b); {
		f, j := nextField(b, i)
		if j < 0 {
			return errOffersWire
		}
		if !offerModeled(f) {
			if !checkOfferField(f) {
				return errOffersWire
			}
			s.spans.add(i, j)
			i = j
			continue
		}
		var err error
		switch f.num {
		case offerResources:
			err = d.nextResource(f.v)
		case offerAttributes:
			err = d.nextAttribute(f.v)
		case offerExecutorIDs:
			if v, ok := singleString(f.v); ok {
				*d.execs.Add() = d.strs.String(v)
			} else {
				s.canon = false
			}
		case offerHostname:
			s.see(offerHostname)
			s.host = f.v
		default:
			d.offerIDField(&s, f)
		}
		if err != nil {
			return err
		}
		i = j
	}
	o.Resources, o.Attributes = d.res.Close(), d.attrs.Close()
	d.prev.res.prev, d.prev.attrs.prev = o.Resources, o.Attributes
	execs := d.execs.Close()
	const required = 1<<offerID | 1<<offerFrameworkID | 1<<offerAgentID | 1<<offerHostname
	if !s.canon || s.seen&required != required {
		return wholeOffer(b, o)
	}
	o.ID = d.strs.String(s.id)
	o.FrameworkID = d.strs.String(s.fw)
	o.AgentID = d.strs.String(s.agent)
	o.Hostname = d.strs.String(s.host)
	o.AllocationRole = d.strs.String(s.role)
	o.ExecutorIDs = execs
	o.wire = d.keep(b, &s.spans, func(f wireField) bool { return !offerModeled(f) })
	return nil
}

// progress tells the planned arena and slabs how far the pass is, before
// an offer of n bytes.
func (d *offerDecoder) progress(n int) {
	d.strs.Progress(d.done)
	d.res.Progress(d.done)
	d.attrs.Progress(d.done)
	d.ranges.Progress(d.done)
	d.items.Progress(d.done)
	d.execs.Progress(d.done)
	d.done += n
}

// offerIDField reads id, framework_id, agent_id or allocation_info, each a
// message canonical with exactly one string field.
func (d *offerDecoder) offerIDField(s *offerState, f wireField) {
	s.see(f.num)
	v, ok := singleString(f.v)
	if !ok || (f.num == offerAllocationInfo && len(v) == 0) {
		s.canon = false
	}
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
}

// wholeOffer keeps the non-canonical offer b whole, its offer-level fields
// projected from its decoded message (its resources and attributes are
// decoded already, each canonical or whole on its own).
func wholeOffer(b []byte, o *Offer) error {
	pb := new(mesosproto.Offer)
	if err := unmarshalKept(b, pb); err != nil {
		return err
	}
	o.ID = pb.GetId().GetValue()
	o.FrameworkID = pb.GetFrameworkId().GetValue()
	o.AgentID = pb.GetAgentId().GetValue()
	o.Hostname = pb.GetHostname()
	o.AllocationRole = pb.GetAllocationInfo().GetRole()
	for _, id := range pb.GetExecutorIds() {
		o.ExecutorIDs = append(o.ExecutorIDs, id.GetValue())
	}
	o.wire = bytes.Clone(b)
	o.whole = true
	return nil
}

// decodeResource decodes the resource b into r, a zero value, and returns
// where in b the 8 bytes of its scalar value are (0 for none; see
// valueFields.scalarAt).
func (d *offerDecoder) decodeResource(b []byte, r *OfferResource) (int, error) {
	var v valueFields
	if ok, err := d.decodeValue(b, true, &v); err != nil || !ok {
		if err == nil {
			err = wholeResource(b, r)
		}
		return 0, err
	}
	// Field by field into the zeroed slot: only the pointers set are
	// written (a composite literal writes all, each through the write
	// barrier while the collector marks).
	r.Name, r.Type, r.Scalar, r.AllocationRole = v.name, v.typ, v.scalar, v.text
	if v.ranges != nil {
		r.Ranges = v.ranges
	}
	if v.set != nil {
		r.Set = v.set
	}
	if v.wire != nil {
		r.wire = v.wire
	}
	return v.scalarAt, nil
}

// decodeAttribute is decodeResource for an attribute.
func (d *offerDecoder) decodeAttribute(b []byte, a *OfferAttribute) (int, error) {
	var v valueFields
	if ok, err := d.decodeValue(b, false, &v); err != nil || !ok {
		if err == nil {
			err = wholeAttribute(b, a)
		}
		return 0, err
	}
	a.Name, a.Type, a.Scalar, a.Text = v.name, v.typ, v.scalar, v.text
	if v.ranges != nil {
		a.Ranges = v.ranges
	}
	if v.set != nil {
		a.Set = v.set
	}
	if v.wire != nil {
		a.wire = v.wire
	}
	return v.scalarAt, nil
}

// valueFields are the fields decodeValue decodes (text holds a resource's
// allocation role), and where the scalar value's 8 bytes are in the
// element's input: 0 when it has no scalar (a scalar's bytes never start
// the input, which begins with a tag).
type valueFields struct {
	name     string
	typ      mesosproto.Value_Type
	scalar   float64
	ranges   [][2]uint64
	set      []string
	text     string
	wire     []byte
	scalarAt int
}

// valueNums are the field numbers of set and of the other single-string
// field (text of an Attribute, allocation_info of a Resource).
func valueNums(res bool) (setNum, textNum protowire.Number) {
	if res {
		return resourceSet, resourceAllocationInfo
	}
	return attributeSet, attributeText
}

// valueModeled reports whether the field f of a Resource (res) or an
// Attribute is one the compact fields hold.
func valueModeled(f wireField, res bool) bool {
	setNum, textNum := valueNums(res)
	if f.typ == protowire.VarintType {
		return f.num == valueType
	}
	return f.typ == protowire.BytesType && f.num != valueType &&
		(f.num <= valueRanges || f.num == setNum || f.num == textNum)
}

// valueState is what decodeValue gathers from a value's top level.
type valueState struct {
	name, text []byte
	seen       uint16
	canon      bool
	spans      wireSpans
}

func (s *valueState) see(num protowire.Number) {
	if s.seen&(1<<num) != 0 {
		s.canon = false
	}
	s.seen |= 1 << num
}

// decodeValue decodes the Resource (res) or Attribute b into v: ok false when b is not canonical (v is then partly
// filled), an error when a field kept in wire form is invalid.
func (d *offerDecoder) decodeValue(b []byte, res bool, v *valueFields) (ok bool, err error) {
	setNum, textNum := valueNums(res)
	s := valueState{canon: true}
	for i := 0; i < len(b); {
		f, j := nextField(b, i)
		if j < 0 {
			return false, errOffersWire
		}
		switch {
		case f.typ == protowire.VarintType && f.num == valueType:
			s.see(valueType)
			v.typ = mesosproto.Value_Type(int32(f.x)) // protobuf-go keeps any number, truncated to int32
		case f.typ != protowire.BytesType || f.num == valueType || (f.num > valueRanges && f.num != setNum && f.num != textNum):
			if !checkValueField(f, res) {
				return false, errOffersWire
			}
			s.spans.add(i, j)
		case f.num == valueName:
			s.see(valueName)
			s.name = f.v
		case f.num == valueScalar:
			s.see(valueScalar)
			g, k := nextField(f.v, 0)
			if k != len(f.v) || g.num != 1 || g.typ != protowire.Fixed64Type {
				s.canon = false
			}
			v.scalar = math.Float64frombits(g.x)
			v.scalarAt = j - 8 // the last 8 bytes of a canonical Scalar
		case f.num == valueRanges:
			s.see(valueRanges)
			v.ranges = d.decodeRanges(&s, f.v)
		case f.num == setNum:
			s.see(setNum)
			v.set = d.decodeItems(&s, f.v)
		default: // text or allocation_info
			s.see(textNum)
			t, ok := singleString(f.v)
			s.text = t
			s.canon = s.canon && ok && (!res || len(t) > 0)
		}
		i = j
	}
	if !s.canon || s.seen&^(1<<resourceAllocationInfo) != wantValue(int32(v.typ), res) {
		return false, nil
	}
	v.name = d.strs.String(s.name)
	v.text = d.strs.String(s.text)
	v.wire = d.keep(b, &s.spans, func(f wireField) bool { return !valueModeled(f, res) })
	return true, nil
}

// wantValue is the set of fields (by bit) a canonical Resource (res) or
// Attribute of type typ has besides a resource's allocation_info.
func wantValue(typ int32, res bool) uint16 {
	setNum, textNum := valueNums(res)
	want := uint16(1<<valueName | 1<<valueType)
	switch typ {
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
	return want
}

// decodeRanges decodes the Value.Ranges b, clearing s.canon unless b holds
// only ranges (field 1) each with exactly begin and end once (as varints).
func (d *offerDecoder) decodeRanges(s *valueState, b []byte) [][2]uint64 {
	out := d.ranges.Take(countFields(b))
	for i, k := 0, 0; i < len(b); k++ {
		f, j := nextField(b, i)
		if j < 0 || f.num != 1 || f.typ != protowire.BytesType {
			s.canon = false
			return out
		}
		begin, end, ok := rangeOf(f.v)
		if !ok {
			s.canon = false
			return out
		}
		out[k] = [2]uint64{begin, end}
		i = j
	}
	return out
}

// decodeItems decodes the Value.Set b, clearing s.canon unless b holds only
// items (field 1, strings).
func (d *offerDecoder) decodeItems(s *valueState, b []byte) []string {
	out := d.items.Take(countFields(b))
	for i, k := 0, 0; i < len(b); k++ {
		f, j := nextField(b, i)
		if j < 0 || f.num != 1 || f.typ != protowire.BytesType {
			s.canon = false
			return out
		}
		out[k] = d.strs.String(f.v)
		i = j
	}
	return out
}
