// SPDX-License-Identifier: Apache-2.0

package scheduler

import (
	"bytes"
	"math"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"
)

// TestUnmarshalOffersRepeats checks the copy of a resource or attribute
// equal to the previous offer's at the same index (repeats): every sequence
// decodes as proto.Unmarshal decodes it, and exactly the equal elements
// share the earlier element's decoded memory.
func TestUnmarshalOffersRepeats(t *testing.T) {
	ports := resource(field(nil, valueName, protowire.BytesType, "ports"), typeRanges, rangesOne, roleWeb)
	ports2 := resource(field(nil, valueName, protowire.BytesType, "ports"), typeRanges,
		field(nil, valueRanges, protowire.BytesType, field(nil, 1, protowire.BytesType,
			field(field(nil, 1, protowire.VarintType, uint64(6)), 2, protowire.VarintType, uint64(9)))), roleWeb)
	scalarTwo := resource(nameCPUs, typeScalar, field(nil, valueScalar, protowire.BytesType,
		field(nil, 1, protowire.Fixed64Type, math.Float64bits(2))))
	wholeRes := resource(nameCPUs, typeScalar, scalarOne, scalarOne) // scalar twice: kept whole
	zone := attr(field(nil, valueName, protowire.BytesType, "zone"), typeText, field(nil, attributeText, protowire.BytesType, str("eu")))
	rack := func(r string) []byte {
		return attr(field(nil, valueName, protowire.BytesType, "rack"), typeText, field(nil, attributeText, protowire.BytesType, str(r)))
	}
	many := bytes.Repeat(ports, repeatsMax+3)
	// A scalar with a field kept in wire form (role "*"), whose wire bytes
	// show the sharing.
	cpus := cpusAt
	nan := math.Float64frombits(0x7ff8000000000001)
	load := func(v float64) []byte {
		return attr(field(nil, valueName, protowire.BytesType, "load"), typeScalar, field(nil, valueScalar, protowire.BytesType,
			field(nil, 1, protowire.Fixed64Type, math.Float64bits(v))))
	}

	cases := map[string]struct {
		offers [][]byte
		// shared[k][j]: whether resource j of offer k must share the
		// previous offer's (shown by its ranges or its wire bytes).
		shared [][]bool
	}{
		"same resources": {
			offers: [][]byte{baseOffer(ports, canonScalar), baseOffer(ports, canonScalar), baseOffer(ports, canonScalar)},
			shared: [][]bool{{false, false}, {true, false}, {true, false}},
		},
		"value changes": {
			offers: [][]byte{baseOffer(ports), baseOffer(ports2), baseOffer(ports2), baseOffer(ports)},
			shared: [][]bool{{false}, {false}, {true}, {false}},
		},
		"other index": {
			offers: [][]byte{baseOffer(canonScalar, ports), baseOffer(ports, canonScalar)},
			shared: [][]bool{{false, false}, {false, false}},
		},
		"fewer then more": {
			offers: [][]byte{baseOffer(ports, ports), baseOffer(ports), baseOffer(ports, ports)},
			shared: [][]bool{{false, false}, {true}, {true, false}},
		},
		"past repeatsMax": {
			offers: [][]byte{baseOffer(many), baseOffer(many)},
		},
		"whole and scalar": {
			offers: [][]byte{baseOffer(wholeRes, scalarTwo, zone, rack("r1")), baseOffer(wholeRes, canonScalar, zone, rack("r2")),
				baseOffer(wholeRes, canonScalar, zone, rack("r2"))},
		},
		"scalar changes": {
			offers: [][]byte{baseOffer(cpus(1), ports), baseOffer(cpus(2), ports2), baseOffer(cpus(2), ports2),
				baseOffer(cpus(nan), ports2), baseOffer(cpus(math.Copysign(0, -1)), ports), baseOffer(cpus(0), ports)},
			shared: [][]bool{{false, false}, {true, false}, {true, true}, {true, true}, {true, false}, {true, true}},
		},
		"scalar and another change": {
			offers: [][]byte{baseOffer(cpus(1)), baseOffer(cpus(2, roleWeb)), baseOffer(cpus(3, roleWeb)),
				baseOffer(resource(nameCPUs, typeScalar, field(nil, valueScalar, protowire.BytesType,
					field(nil, 1, protowire.Fixed64Type, math.Float64bits(4))), field(nil, 6, protowire.BytesType, "x")))},
			shared: [][]bool{{false}, {false}, {true}, {false}},
		},
		"scalar attribute": {
			offers: [][]byte{baseOffer(zone, load(1)), baseOffer(zone, load(2)), baseOffer(load(2), zone)},
		},
		"whole offer between": {
			offers: [][]byte{baseOffer(ports), baseOffer(ports, field(nil, offerHostname, protowire.BytesType, "h2")), baseOffer(ports)},
			shared: [][]bool{{false}, {true}, {true}},
		},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			b := offersEvent(c.offers...)
			if d := compareWithReference(b); d != "" {
				t.Fatal(d)
			}
			offers, err := UnmarshalOffers(b)
			if err != nil {
				t.Fatal(err)
			}
			for k, want := range c.shared {
				for j, share := range want {
					got := k > 0 && sharesRanges(offers[k-1].Resources, offers[k].Resources, j)
					if got != share {
						t.Errorf("offer %d resource %d: shares the previous offer's: %v, want %v", k, j, got, share)
					}
				}
			}
			for k := 1; k < len(offers); k++ {
				for j := range offers[k].Resources {
					if j >= repeatsMax && sharesRanges(offers[k-1].Resources, offers[k].Resources, j) {
						t.Errorf("offer %d resource %d past repeatsMax shares the previous offer's", k, j)
					}
				}
			}
		})
	}
}

// sharesRanges reports whether resource j of cur holds the very ranges or
// wire bytes of resource j of prev.
func sharesRanges(prev, cur []OfferResource, j int) bool {
	if j >= len(prev) {
		return false
	}
	p, c := prev[j], cur[j]
	return len(p.Ranges) > 0 && len(c.Ranges) > 0 && &p.Ranges[0] == &c.Ranges[0] ||
		len(p.wire) > 0 && len(c.wire) > 0 && &p.wire[0] == &c.wire[0]
}

// cpusAt encodes a cpus resource of value v with role "*" (a field kept in
// wire form) and extra fields.
func cpusAt(v float64, extra ...[]byte) []byte {
	return resource(append([][]byte{nameCPUs, typeScalar, field(nil, valueScalar, protowire.BytesType,
		field(nil, 1, protowire.Fixed64Type, math.Float64bits(v))), field(nil, 6, protowire.BytesType, "*")}, extra...)...)
}
