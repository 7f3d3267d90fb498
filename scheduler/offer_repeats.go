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
	res   elements[OfferResource]
	attrs elements[OfferAttribute]
}

// elements is what repeats keeps of one kind of element.
type elements[T any] struct {
	prev []T // the previous offer's
	in   [repeatsMax]seenElement
	n    int // elements of the offer being decoded so far
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

// next takes the offer's next element, b, and returns its index and, when
// b repeats the previous offer's element at that index, that element (src)
// and the scalar value to set on the copy when patch.
func (e *elements[T]) next(b []byte) (k int, src *T, scalar float64, patch bool) {
	k = e.n
	e.n++
	if k >= repeatsMax || k >= len(e.prev) {
		return k, nil, 0, false
	}
	scalar, patch, ok := e.in[k].same(b)
	if !ok {
		return k, nil, 0, false
	}
	if patch {
		e.in[k].in = b
	}
	return k, &e.prev[k], scalar, patch
}

// decoded notes that the element b at index k was decoded, its scalar value
// at at (valueFields.scalarAt).
func (e *elements[T]) decoded(k int, b []byte, at int) {
	if k < repeatsMax {
		e.in[k] = seenElement{in: b, at: at}
	}
}

// nextResource adds the offer's next resource, b: copied from the previous
// offer's at the same index when it repeats it, else decoded.
func (d *offerDecoder) nextResource(b []byte) error {
	k, src, scalar, patch := d.prev.res.next(b)
	r := d.res.Add()
	if src == nil {
		at, err := d.decodeResource(b, r)
		d.prev.res.decoded(k, b, at)
		return err
	}
	*r = *src
	if patch {
		r.Scalar = scalar
	}
	return nil
}

// nextAttribute is nextResource for attributes.
func (d *offerDecoder) nextAttribute(b []byte) error {
	k, src, scalar, patch := d.prev.attrs.next(b)
	a := d.attrs.Add()
	if src == nil {
		at, err := d.decodeAttribute(b, a)
		d.prev.attrs.decoded(k, b, at)
		return err
	}
	*a = *src
	if patch {
		a.Scalar = scalar
	}
	return nil
}
