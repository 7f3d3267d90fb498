// SPDX-License-Identifier: Apache-2.0

package fastpb

import "unsafe"

// The decoder's memory techniques, for the hand-written decoders of other
// packages (scheduler's compact offers): either a first pass counts, then
// every slab and the arena are allocated once at the counted size, in chunks
// of at most chunkBytes, and a second pass fills them in the same order; or
// a single pass plans them from an upper bound of its input (Plan) and sizes
// each chunk from what it stored so far (Progress).

// Slab hands out values of T from chunks allocated for the number a first
// pass counted (see slab). The zero Slab is ready; Expect sets the count.
type Slab[T any] struct {
	s    slab[T]
	plan planned // set by Plan
	run  int     // where the open run starts (Open)
}

// Expect sets the number of values the second pass will take in all.
func (s *Slab[T]) Expect(n int) { s.s.n = n }

// Take returns n zero values with length and capacity n (nil for n = 0).
// Taking more than Expect said only costs another chunk.
func (s *Slab[T]) Take(n int) []T {
	if n == 0 {
		return nil
	}
	if s.plan.upper > 0 && len(s.s.chunk)-s.s.next < n {
		// A chunk past the planned ones grows with what was taken, so that
		// a misestimate costs a logarithmic number of chunks.
		if s.s.n == 0 {
			s.s.n = max(s.plan.total/16, s.plan.floor)
		}
		v := s.s.take(n)
		s.plan.total += len(s.s.chunk)
		return v
	}
	return s.s.take(n)
}

// Open starts a run of values added one by one with Add, for a pass that
// learns their number only as it meets them; Close returns them as one
// slice. When the chunk fills up in the middle of a run, the run so far is
// moved to the next chunk (its old slots stay unused). Take must not be
// called while a run is open.
func (s *Slab[T]) Open() { s.run = s.s.next }

// Add appends a zero value to the open run and returns it; the pointers
// returned before are stale once Add moved the run.
func (s *Slab[T]) Add() *T {
	if s.s.next == len(s.s.chunk) {
		run := s.s.chunk[s.run:s.s.next]
		if s.plan.upper > 0 && s.s.n == 0 {
			s.s.n = max(s.plan.total/16, s.plan.floor)
		}
		s.s.refill(2*len(run) + 1)
		s.plan.total += len(s.s.chunk)
		copy(s.s.chunk, run)
		s.run, s.s.next = 0, len(run)
	}
	s.s.next++
	return &s.s.chunk[s.s.next-1]
}

// Close ends the open run and returns its values (nil for none), with
// length and capacity their number.
func (s *Slab[T]) Close() []T {
	if s.s.next == s.run {
		return nil
	}
	return s.s.chunk[s.run:s.s.next:s.s.next]
}

// Plan prepares the slab for a single pass that knows neither how many
// values it will take nor an upper bound of them, only that they come from
// upper input bytes: see Strings.Plan. Expect is not used.
func (s *Slab[T]) Plan(upper int) {
	var zero T
	s.plan = planned{upper: max(upper, 1), floor: max(planMin/max(int(unsafe.Sizeof(zero)), 1), 1)}
	s.s.n = s.plan.floor
}

// Progress is Strings.Progress for a planned slab.
func (s *Slab[T]) Progress(done int) {
	p := &s.plan
	if done <= 0 || done >= p.upper {
		return
	}
	free := len(s.s.chunk) - s.s.next
	s.s.n = max(p.estimate(done, p.total-free)-free, 0)
}

// planned is the state of a planned slab or arena.
type planned struct {
	upper int // input bytes in all
	total int // values allocated in all chunks
	floor int // the smallest chunk
}

// estimate returns what the rest of the input will need, at the ratio of
// stored values to decoded input so far, plus 1/16.
func (p *planned) estimate(done, stored int) int {
	rest := float64(p.upper-done) * float64(stored) / float64(done)
	return int(rest + rest/16)
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

// Plan prepares the arena for a single pass that knows only an upper bound
// of the bytes it will store: upper, the input bytes the strings and byte
// strings are copied from. The pass calls Progress as it goes; each chunk is
// then sized from the bytes stored per input byte so far, so that the last
// chunk's unused tail stays small. Count, Reserve and Alloc are not used.
func (s *Strings) Plan(upper int) {
	s.n = upper
	s.arena.need = min(upper/planFirst, chunkBytes)
	s.arena.floor = min(planMin, upper)
}

// planFirst divides the upper bound for the first chunk (before Progress
// has a ratio), and planMin is the smallest chunk Progress plans.
const (
	planFirst = 4
	planMin   = 512
)

// Progress tells a planned arena that done of the upper bound's input bytes
// have been decoded: the next chunk is sized for the rest of the input at
// the ratio of bytes stored to input decoded so far, plus 1/16.
func (s *Strings) Progress(done int) {
	a := &s.arena
	if done <= 0 || done >= s.n {
		return
	}
	free := len(a.chunk) - a.used
	p := planned{upper: s.n}
	a.need = max(p.estimate(done, a.total-free)-free, 0)
}
