// SPDX-License-Identifier: Apache-2.0

package scheduler

// The scan before the decoding pass (see offerDecoder): it only counts the
// offers, for the []Offer allocated once, and sums their input bytes, the
// upper bound the planned arena and slabs are sized from.

// scanOffer counts the offer b.
func (d *offerDecoder) scanOffer(b []byte) {
	d.nOffers++
	d.upper += len(b)
}
