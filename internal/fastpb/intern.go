// SPDX-License-Identifier: Apache-2.0

package fastpb

import "unsafe"

// Strings that repeat within one message (the framework ID in every offer,
// roles, resource and attribute names, URL schemes and paths) are stored
// once in the arena. Only the bytes are shared: every string field still
// gets its own *string box, so assigning to one field never changes
// another, and Go strings cannot be written through.
//
// Both passes run the same table over the same sequence of strings, so the
// first pass counts exactly the bytes the second one copies: the first pass
// remembers input slices, the second the arena strings made from them. A
// disagreement would only cost an extra arena chunk, never a wrong value.

// internSlots is the size of the direct-mapped table; internMax the longest
// string looked up (longer ones are IDs, paths and data that rarely repeat).
const (
	internBits  = 6
	internSlots = 1 << internBits
	internMax   = 48
)

// interner is the decoder's table, on the caller's stack with the decoder.
type interner struct {
	in  [internSlots][]byte // first pass: the last input string of each slot
	out [internSlots]string // second pass: the arena string of each slot
}

// internSlot hashes a string of 1 to internMax bytes: its length, first,
// middle and last bytes, mixed by a Fibonacci multiplication whose top bits
// pick the slot.
func internSlot(b []byte) uint {
	n := len(b)
	k := uint64(n) | uint64(b[0])<<8 | uint64(b[n>>1])<<16 | uint64(b[n-1])<<24
	return uint((k * 0x9e3779b97f4a7c15) >> (64 - internBits))
}

// strLen is what the first pass counts for the string b: 0 when the second
// pass will find it in the table, len(b) otherwise.
func (d *decoder) strLen(b []byte) int { return d.intern.count(b) }

// str returns b as a string stored in the arena, the earlier copy when the
// table has one.
func (d *decoder) str(b []byte) string { return d.intern.str(b, &d.arena) }

// count is strLen on the table t.
func (t *interner) count(b []byte) int {
	if len(b) == 0 || len(b) > internMax {
		return len(b)
	}
	h := internSlot(b)
	if string(t.in[h]) == string(b) {
		return 0
	}
	t.in[h] = b
	return len(b)
}

// str is the decoder's str on the table t and the arena a.
func (t *interner) str(b []byte, a *arena) string {
	if len(b) == 0 || len(b) > internMax {
		c := a.copy(b)
		return unsafe.String(unsafe.SliceData(c), len(c))
	}
	h := internSlot(b)
	if s := t.out[h]; s == string(b) {
		return s
	}
	c := a.copy(b)
	s := unsafe.String(unsafe.SliceData(c), len(c))
	t.out[h] = s
	return s
}
