// SPDX-License-Identifier: Apache-2.0

package fastpb

// The decoder's memory techniques, for the hand-written two-pass decoders of
// other packages (scheduler's compact offers): a first pass counts, then
// every slab and the arena are allocated once at the counted size, in chunks
// of at most chunkBytes, and a second pass fills them in the same order.

// Slab hands out values of T from chunks allocated for the number a first
// pass counted (see slab). The zero Slab is ready; Expect sets the count.
type Slab[T any] struct{ s slab[T] }

// Expect sets the number of values the second pass will take in all.
func (s *Slab[T]) Expect(n int) { s.s.n = n }

// Take returns n zero values with length and capacity n (nil for n = 0).
// Taking more than Expect said only costs another chunk.
func (s *Slab[T]) Take(n int) []T {
	if n == 0 {
		return nil
	}
	return s.s.take(n)
}

// Strings makes the strings and byte strings of one decoded message: in one
// arena, with repeated short strings stored once (intern.go). The first pass
// calls Count for every string and Reserve for every byte string the second
// pass will make, in the same order; then Alloc; then the second pass calls
// String and Bytes. A disagreement between the passes costs another arena
// chunk, never a wrong value.
type Strings struct {
	intern interner
	arena  arena
	n      int
}

// Count counts the string b for the second pass's String(b).
func (s *Strings) Count(b []byte) { s.n += s.intern.count(b) }

// Reserve counts n bytes for the second pass's Bytes(n).
func (s *Strings) Reserve(n int) { s.n += n }

// Alloc prepares the arena for what was counted.
func (s *Strings) Alloc() { s.arena.alloc(s.n) }

// String returns b as a string in the arena (the earlier copy when one
// equal to it was made).
func (s *Strings) String(b []byte) string { return s.intern.str(b, &s.arena) }

// Bytes returns n contiguous bytes of the arena, with capacity n, for the
// caller to fill before anyone else reads them (nil for n = 0).
func (s *Strings) Bytes(n int) []byte {
	if n == 0 {
		return nil
	}
	a := &s.arena
	if len(a.chunk)-a.used < n {
		a.refill(n)
	}
	i := a.used
	a.used += n
	return a.chunk[i:a.used:a.used]
}
