// SPDX-License-Identifier: Apache-2.0

package scheduler

import (
	"bytes"
	"encoding/binary"
	"math"
)

// repeats remembers the resources and attributes of the offer decoded last,
// with their input bytes. A master's offers for agents of one kind carry
// resources and attributes that are byte for byte the same (names, types,
// roles, reservations, often the values too) or differ only in a scalar
// value (what is left of each agent's cpus, mem and disk): an element equal
// to the one at the same index of the previous offer, or equal to it but for
// the 8 bytes of its scalar value, is copied instead of decoded, its Scalar
// replaced in the second case. The copy shares the earlier element's strings
// and slices, which are read-only and of the same event. Equal bytes decode
// to equal values, and any 8 bytes are a valid double, so the copy is what
// decoding would have made.
type repeats struct {
	res          []OfferResource
	attrs        []OfferAttribute
	resIn        [repeatsMax]seenElement
	attrsIn      [repeatsMax]seenElement
	nRes, nAttrs int // resources and attributes of the offer being decoded
}

// repeatsMax is how many of an offer's resources and attributes are
// compared with the previous offer's.
const repeatsMax = 8

// seenElement is the input of a decoded resource or attribute and where its
// scalar value's bytes are (valueFields.scalarAt; 0 for none, and for an
// element kept whole).
type seenElement struct {
	in []byte
	at int
}

// same reports whether b decodes as e did, but for the scalar value, which
// it returns with patch set when b's differs.
func (e *seenElement) same(b []byte) (scalar float64, patch, ok bool) {
	in, at := e.in, e.at
	if len(in) != len(b) {
		return 0, false, false
	}
	if at == 0 {
		return 0, false, bytes.Equal(in, b)
	}
	if !bytes.Equal(in[:at], b[:at]) || !bytes.Equal(in[at+8:], b[at+8:]) {
		return 0, false, false
	}
	x := binary.LittleEndian.Uint64(b[at:])
	return math.Float64frombits(x), x != binary.LittleEndian.Uint64(in[at:]), true
}

// nextResource adds the offer's next resource, b: copied from the previous
// offer's at the same index when it repeats it, else decoded.
func (d *offerDecoder) nextResource(b []byte) error {
	p := &d.prev
	k := p.nRes
	p.nRes++
	if k >= repeatsMax {
		_, err := d.decodeResource(b, d.res.Add())
		return err
	}
	e := &p.resIn[k]
	if k < len(p.res) {
		if scalar, patch, ok := e.same(b); ok {
			r := d.res.Add()
			*r = p.res[k]
			if patch {
				r.Scalar = scalar
				e.in = b
			}
			return nil
		}
	}
	at, err := d.decodeResource(b, d.res.Add())
	*e = seenElement{in: b, at: at}
	return err
}

// nextAttribute is nextResource for attributes.
func (d *offerDecoder) nextAttribute(b []byte) error {
	p := &d.prev
	k := p.nAttrs
	p.nAttrs++
	if k >= repeatsMax {
		_, err := d.decodeAttribute(b, d.attrs.Add())
		return err
	}
	e := &p.attrsIn[k]
	if k < len(p.attrs) {
		if scalar, patch, ok := e.same(b); ok {
			a := d.attrs.Add()
			*a = p.attrs[k]
			if patch {
				a.Scalar = scalar
				e.in = b
			}
			return nil
		}
	}
	at, err := d.decodeAttribute(b, d.attrs.Add())
	*e = seenElement{in: b, at: at}
	return err
}
