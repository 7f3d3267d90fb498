// SPDX-License-Identifier: Apache-2.0

package scheduler

import (
	"google.golang.org/protobuf/encoding/protowire"
)

// The scan (see offerDecoder): scanOffer queues each offer's counts of
// resources, attributes and executor IDs; decodeOffer takes them in the
// same order.

// Count queue: one word per offer, taken in the order of the input. A word
// holds four 15-bit counts
// above two flag bits; with bit 1 set, the counts did not fit and the word
// holds an index into big instead.
const (
	shapeBits = 15
	shapeMax  = 1<<shapeBits - 1
)

// reserveShape queues a word for counts set later by setShape.
func (d *offerDecoder) reserveShape() int {
	if d.qn < len(d.queue) {
		d.queue[d.qn] = 0
	} else {
		d.spill = append(d.spill, 0)
	}
	d.qn++
	return d.qn - 1
}

// setShape sets the counts of the word at k.
func (d *offerDecoder) setShape(k int, n [4]int) {
	w := uint64(0)
	if n[0] <= shapeMax && n[1] <= shapeMax && n[2] <= shapeMax && n[3] <= shapeMax {
		for i, v := range n {
			w |= uint64(v) << (2 + shapeBits*i)
		}
	} else {
		w = 2 | uint64(len(d.big))<<2
		d.big = append(d.big, n)
	}
	if k < len(d.queue) {
		d.queue[k] = w
	} else {
		d.spill[k-len(d.queue)] = w
	}
}

// popShape takes the next counts.
func (d *offerDecoder) popShape() (n [4]int) {
	k := d.qi
	d.qi++
	var w uint64
	if k < len(d.queue) {
		w = d.queue[k]
	} else if k-len(d.queue) < len(d.spill) {
		w = d.spill[k-len(d.queue)]
	} // else not reached: decode takes what scan queued
	if w&2 != 0 {
		return d.big[w>>2]
	}
	for i := range n {
		n[i] = int(w >> (2 + shapeBits*i) & shapeMax)
	}
	return n
}

// scanOffer is the scan of the offer b: false when its top level is not
// wire format.
func (d *offerDecoder) scanOffer(b []byte) bool {
	var n [4]int // -, resources, attributes, executor IDs
	k := d.reserveShape()
	for i := 0; i < len(b); {
		f, j := nextField(b, i)
		if j < 0 {
			return false
		}
		if f.typ == protowire.BytesType {
			switch f.num {
			case offerResources:
				n[1]++
			case offerAttributes:
				n[2]++
			case offerExecutorIDs:
				n[3]++
			}
		}
		i = j
	}
	d.setShape(k, n)
	d.nOffers++
	d.nRes += n[1]
	d.nAttrs += n[2]
	d.upper += len(b)
	return true
}
