// SPDX-License-Identifier: Apache-2.0

package scheduler

import (
	"bytes"
	"fmt"
	"math"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/mesoskit/mesoskit/internal/fastpb"
	"github.com/mesoskit/mesoskit/mesosproto"
)

// The two passes. The first (count, countValue) checks each offer, resource
// and attribute, decides whether it is canonical, counts its values and
// queues its shape (pushShape); the second (fill, fillResource,
// fillAttribute) takes the shapes in the same order and decodes each element
// in one loop over its fields. Both passes intern the strings in the same
// order (an element's nested elements first, then its own strings), so the
// interning table counts exactly what the second pass stores.

// Shape queue: one word per element when its counts fit in 15 bits each:
// bit 0 canonical, bit 1 escape, then four 15-bit counts; otherwise an escape
// word followed by the four counts in full.
const (
	shapeBits = 15
	shapeMax  = 1<<shapeBits - 1
)

// pushShape queues an element's shape.
func (d *offerDecoder) pushShape(canon bool, n [4]int) {
	w := uint64(0)
	if canon {
		w = 1
	}
	if n[0] <= shapeMax && n[1] <= shapeMax && n[2] <= shapeMax && n[3] <= shapeMax {
		for k, v := range n {
			w |= uint64(v) << (2 + shapeBits*k)
		}
		d.push(w)
		return
	}
	d.push(w | 2)
	for _, v := range n {
		d.push(uint64(v))
	}
}

// popShape takes the next shape.
func (d *offerDecoder) popShape() (canon bool, n [4]int) {
	w := d.pop()
	if w&2 == 0 {
		for k := range n {
			n[k] = int(w >> (2 + shapeBits*k) & shapeMax)
		}
		return w&1 != 0, n
	}
	for k := range n {
		n[k] = int(d.pop())
	}
	return w&1 != 0, n
}

func (d *offerDecoder) push(w uint64) {
	if d.qn < len(d.queue) {
		d.queue[d.qn] = w
	} else {
		d.spill = append(d.spill, w)
	}
	d.qn++
}

func (d *offerDecoder) pop() uint64 {
	i := d.qi
	d.qi++
	if i < len(d.queue) {
		return d.queue[i]
	}
	return d.spill[i-len(d.queue)]
}

// count is the first pass over the offer b.
func (d *offerDecoder) count(b []byte) error {
	s, ok := shapeOffer(b, true)
	if !ok {
		return errOffersWire
	}
	d.nOffers++
	d.nRes += s.nRes
	d.nAttrs += s.nAttrs
	d.pushShape(s.canon, [4]int{s.wireLen, s.nRes, s.nAttrs, s.nExec})
	if !s.canon {
		pb := new(mesosproto.Offer)
		if err := fastpb.Unmarshal(b, pb); err != nil {
			return fmt.Errorf("scheduler: offers event: %w", err)
		}
		d.wholes = append(d.wholes, pb)
	} else {
		d.nItems += s.nExec
		d.strs.Reserve(s.wireLen)
	}
	for i := 0; i < len(b); {
		f, j := nextField(b, i)
		i = j
		if !offerModeled(f) {
			continue
		}
		var err error
		switch f.num {
		case offerResources:
			err = d.countValue(f.v, true)
		case offerAttributes:
			err = d.countValue(f.v, false)
		case offerExecutorIDs:
			if s.canon {
				v, _ := singleString(f.v)
				d.strs.Count(v)
			}
		}
		if err != nil {
			return err
		}
	}
	if s.canon { // after the loop, as fill interns them
		d.strs.Count(s.id)
		d.strs.Count(s.fw)
		d.strs.Count(s.agent)
		d.strs.Count(s.host)
		d.strs.Count(s.role)
	}
	return nil
}

// alloc allocates what the first pass counted.
func (d *offerDecoder) alloc() []Offer {
	d.strs.Alloc()
	d.res.Expect(d.nRes)
	d.attrs.Expect(d.nAttrs)
	d.ranges.Expect(d.nRanges)
	d.items.Expect(d.nItems)
	return make([]Offer, d.nOffers)
}

// fill is the second pass over the offer b, which count accepted.
func (d *offerDecoder) fill(b []byte, o *Offer) {
	canon, n := d.popShape()
	o.Resources = d.res.Take(n[1])
	o.Attributes = d.attrs.Take(n[2])
	var wire []byte
	if canon {
		o.ExecutorIDs = d.items.Take(n[3])
		wire = d.strs.Bytes(n[0])[:0]
	} else {
		d.fillWhole(b, o)
	}
	var id, fw, agent, host, role []byte
	nr, na, ne := 0, 0, 0
	for i := 0; i < len(b); {
		f, j := nextField(b, i)
		switch {
		case !offerModeled(f):
			if canon {
				wire = append(wire, b[i:j]...)
			}
		case f.num == offerResources:
			d.fillResource(f.v, &o.Resources[nr])
			nr++
		case f.num == offerAttributes:
			d.fillAttribute(f.v, &o.Attributes[na])
			na++
		case !canon:
		case f.num == offerHostname:
			host = f.v
		default:
			v, _ := singleString(f.v)
			switch f.num {
			case offerID:
				id = v
			case offerFrameworkID:
				fw = v
			case offerAgentID:
				agent = v
			case offerExecutorIDs:
				o.ExecutorIDs[ne] = d.strs.String(v)
				ne++
			default:
				role = v
			}
		}
		i = j
	}
	if canon {
		o.ID = d.strs.String(id)
		o.FrameworkID = d.strs.String(fw)
		o.AgentID = d.strs.String(agent)
		o.Hostname = d.strs.String(host)
		o.AllocationRole = d.strs.String(role)
		o.wire = wire
	}
}

// fillWhole fills the offer-level fields of a non-canonical offer b from
// its message decoded by the first pass.
func (d *offerDecoder) fillWhole(b []byte, o *Offer) {
	pb := d.wholes[d.wi]
	d.wi++
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
}

// countValue is the first pass over a Resource (res) or Attribute b.
func (d *offerDecoder) countValue(b []byte, res bool) error {
	var s valueShape
	if !shapeValue(&s, b, res, true) {
		return errOffersWire
	}
	d.pushShape(s.canon, [4]int{s.wireLen, s.nRanges, s.nItems})
	if !s.canon {
		var err error
		if res {
			pb := new(mesosproto.Resource)
			err = fastpb.Unmarshal(b, pb)
			d.wholeRes = append(d.wholeRes, pb)
		} else {
			pb := new(mesosproto.Attribute)
			err = fastpb.Unmarshal(b, pb)
			d.wholeAttrs = append(d.wholeAttrs, pb)
		}
		if err != nil {
			return fmt.Errorf("scheduler: offers event: %w", err)
		}
		return nil
	}
	d.nRanges += s.nRanges
	d.nItems += s.nItems
	d.strs.Reserve(s.wireLen)
	// In fillValue's order: name, items, then text or role.
	d.strs.Count(s.name)
	for i := 0; i < len(s.set); {
		f, j := nextField(s.set, i)
		d.strs.Count(f.v)
		i = j
	}
	d.strs.Count(s.text)
	d.strs.Count(s.role)
	return nil
}

// setText returns the field numbers of set and of text or allocation_info
// (the other single-string field) in a Resource (res) or an Attribute.
func setText(res bool) (protowire.Number, protowire.Number) {
	if res {
		return resourceSet, resourceAllocationInfo
	}
	return attributeSet, attributeText
}

// fillValue is the second pass over a canonical Resource (res) or
// Attribute b: it decodes the fields into v (text holds a resource's
// allocation role).
func (d *offerDecoder) fillValue(b []byte, res bool, v *valueFields) {
	_, n := d.popShape()
	v.ranges = d.ranges.Take(n[1])
	v.set = d.items.Take(n[2])
	wire := d.strs.Bytes(n[0])[:0]
	setNum, textNum := setText(res)
	var name, set, text []byte
	nr := 0
	for i := 0; i < len(b); {
		f, j := nextField(b, i)
		switch {
		case f.typ == protowire.VarintType && f.num == valueType:
			v.typ = mesosproto.Value_Type(int32(f.x))
		case f.typ != protowire.BytesType:
			wire = append(wire, b[i:j]...)
		case f.num == valueName:
			name = f.v
		case f.num == valueScalar:
			g, _ := nextField(f.v, 0)
			v.scalar = math.Float64frombits(g.x)
		case f.num == valueRanges:
			for k := 0; k < len(f.v); nr++ {
				g, l := nextField(f.v, k)
				v.ranges[nr][0], v.ranges[nr][1], _ = rangeOf(g.v)
				k = l
			}
		case f.num == setNum:
			set = f.v
		case f.num == textNum:
			text, _ = singleString(f.v)
		default:
			wire = append(wire, b[i:j]...)
		}
		i = j
	}
	v.wire = wire
	v.name = d.strs.String(name)
	for i, k := 0, 0; i < len(set); k++ {
		g, j := nextField(set, i)
		v.set[k] = d.strs.String(g.v)
		i = j
	}
	v.text = d.strs.String(text)
}

// valueFields are the fields fillValue decodes.
type valueFields struct {
	name   string
	typ    mesosproto.Value_Type
	scalar float64
	ranges [][2]uint64
	set    []string
	text   string
	wire   []byte
}

// canonNext reports whether the next queued shape is canonical, leaving it
// queued.
func (d *offerDecoder) canonNext() bool {
	i := d.qi
	if i < len(d.queue) {
		return d.queue[i]&1 != 0
	}
	return d.spill[i-len(d.queue)]&1 != 0
}

// fillResource is the second pass over the resource b.
func (d *offerDecoder) fillResource(b []byte, r *OfferResource) {
	if !d.canonNext() {
		d.popShape()
		pb := d.wholeRes[d.ri]
		d.ri++
		*r = OfferResource{
			Name: pb.GetName(), Type: pb.GetType(), Scalar: pb.GetScalar().GetValue(), Ranges: rangesOf(pb),
			Set: pb.GetSet().GetItem(), AllocationRole: pb.GetAllocationInfo().GetRole(),
			wire: bytes.Clone(b), whole: true,
		}
		return
	}
	var v valueFields
	d.fillValue(b, true, &v)
	*r = OfferResource{
		Name: v.name, Type: v.typ, Scalar: v.scalar, Ranges: v.ranges, Set: v.set,
		AllocationRole: v.text, wire: v.wire,
	}
}

// fillAttribute is the second pass over the attribute b.
func (d *offerDecoder) fillAttribute(b []byte, a *OfferAttribute) {
	if !d.canonNext() {
		d.popShape()
		pb := d.wholeAttrs[d.ai]
		d.ai++
		var rs [][2]uint64
		for _, x := range pb.GetRanges().GetRange() {
			rs = append(rs, [2]uint64{x.GetBegin(), x.GetEnd()})
		}
		*a = OfferAttribute{
			Name: pb.GetName(), Type: pb.GetType(), Scalar: pb.GetScalar().GetValue(), Ranges: rs,
			Set: pb.GetSet().GetItem(), Text: pb.GetText().GetValue(), wire: bytes.Clone(b), whole: true,
		}
		return
	}
	var v valueFields
	d.fillValue(b, false, &v)
	*a = OfferAttribute{
		Name: v.name, Type: v.typ, Scalar: v.scalar, Ranges: v.ranges, Set: v.set, Text: v.text, wire: v.wire,
	}
}
