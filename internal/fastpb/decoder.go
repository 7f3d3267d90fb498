// SPDX-License-Identifier: Apache-2.0

package fastpb

import (
	"encoding/binary"
	"slices"
	"unsafe"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
)

// maxDepth bounds the nesting the generated code follows; deeper input goes
// to proto.Unmarshal, which enforces protobuf's own recursion limit.
const maxDepth = 100

// queueInline is how many repeated-field counts the decoder holds without
// allocating (a 100-offer OFFERS event needs about 800).
const queueInline = 1024

// reference decodes what the generated code does not: every message in
// case of doubt, and messages with maps or oneofs.
var reference = proto.UnmarshalOptions{AllowPartial: true}

// Unmarshal decodes b into m, replacing its contents, exactly as
// proto.UnmarshalOptions{AllowPartial: true}.Unmarshal does; m never
// references b. Messages of the Mesos packages decode through generated
// code; everything else, and any input the generated code does not accept,
// goes to proto.Unmarshal.
func Unmarshal(b []byte, m proto.Message) error {
	// The decoder lives on the stack: no allocation, no pool (whose random
	// drops under the race detector would make allocation counts vary).
	var d decoder
	if handled, ok := d.unmarshal(b, m); handled && ok {
		return nil
	}
	return reference.Unmarshal(b, m)
}

// The count queue: the first pass reserves the counts of a message's
// repeated fields before visiting its submessages and fills them in after;
// the second pass takes them in the same order. The counts live in the
// decoder (on the stack) up to queueInline, then in a heap slice.

// reserve appends k counts and returns the index of the first.
func (d *decoder) reserve(k int) int {
	q := d.qn
	d.qn += k
	if d.spill == nil && d.qn <= len(d.queueBuf) {
		return q
	}
	if d.spill == nil {
		d.spill = make([]int, q, 2*d.qn)
		copy(d.spill, d.queueBuf[:q])
	}
	for range k {
		d.spill = append(d.spill, 0)
	}
	return q
}

// setCount sets count i.
func (d *decoder) setCount(i, n int) {
	if d.spill != nil {
		d.spill[i] = n
		return
	}
	d.queueBuf[i] = n
}

// counts returns the next k counts of the queue, nil if there are fewer.
func (d *decoder) counts(k int) []int {
	if d.qn-d.qi < k {
		return nil
	}
	var q []int
	if d.spill != nil {
		q = d.spill[d.qi : d.qi+k]
	} else {
		q = d.queueBuf[d.qi : d.qi+k]
	}
	d.qi += k
	return q
}

// slab hands out zeroed values of T, allocated in chunks of at most
// chunkBytes and in total the number the first pass counted. Handed out
// memory is never touched again by the slab.
//
// The slab lives in the decoder, on the caller's stack, but the generated
// methods reach it through a pointer, so the compiler cannot tell that
// storing into it needs no write barrier: while the collector marks, every
// pointer stored there goes through the barrier. Handing out a value
// therefore only advances an index; the chunk pointer is stored once per
// chunk.
type slab[T any] struct {
	chunk []T // the current chunk ...
	next  int // ... of which chunk[next:] is free
	n     int // values counted by the first pass and not allocated yet
}

// chunkBytes bounds one allocation of a slab or the arena so that it stays a
// small object of the Go allocator: requests above 32 KiB minus the 8-byte
// malloc header (which the allocator applies to every size in that range,
// pointer-free or not) are large objects, allocated from the page heap under
// its lock and returned to it, and to the scavenger, as whole spans. Exactly
// 32 KiB (2,048 strings, 4,096 float64s) was such a large object. Much
// smaller chunks were slower (see docs/PERFORMANCE.md).
const chunkBytes = 32<<10 - 8

// refill allocates the next chunk, of at least k values. Not inlined: one
// and take stay small at their thousands of call sites.
//
//go:noinline
func (s *slab[T]) refill(k int) {
	var zero T
	c := min(s.n, max(chunkBytes/max(int(unsafe.Sizeof(zero)), 1), 1))
	c = max(c, k) // more than counted: not reached when the first pass counted right
	s.chunk = make([]T, c)
	s.next = 0
	s.n = max(s.n-c, 0)
}

// one returns a new zero T.
func (s *slab[T]) one() *T {
	if s.next >= len(s.chunk) {
		s.refill(1)
	}
	p := &s.chunk[s.next]
	s.next++
	return p
}

// take returns n zero Ts with length and capacity n, so that appending to
// the result never writes into memory handed out to someone else.
func (s *slab[T]) take(n int) []T {
	if len(s.chunk)-s.next < n {
		s.refill(n)
	}
	i := s.next
	s.next += n
	return s.chunk[i : i+n : i+n]
}

// grow makes room for n more elements in cur, from the slab when cur is
// empty.
func grow[T any](s *slab[T], cur []T, n int) []T {
	if cur == nil {
		return s.take(n)[:0]
	}
	return slices.Grow(cur, n)
}

// arena holds the bytes of decoded strings and bytes fields, in chunks of
// at most chunkBytes (or one string's length). Strings point into it: it is
// only ever appended to. Like a slab it advances an index, not a pointer.
type arena struct {
	chunk []byte // the current chunk, of which chunk[used:] is free
	used  int
	need  int // bytes counted by the first pass and not allocated yet
	total int // bytes allocated in all chunks (Strings.Progress)
	floor int // the smallest chunk (Strings.Plan)
}

// alloc prepares for n bytes.
func (a *arena) alloc(n int) { a.need = n }

// copy returns a copy of b in the arena, with capacity len(b).
func (a *arena) copy(b []byte) []byte {
	if len(a.chunk)-a.used < len(b) {
		a.refill(len(b))
	}
	i := a.used
	a.used += len(b)
	c := a.chunk[i:a.used:a.used]
	copy(c, b)
	return c
}

// refill allocates the next chunk, of at least n bytes.
//
//go:noinline
func (a *arena) refill(n int) {
	c := max(min(a.need, chunkBytes), n, a.floor)
	a.chunk = make([]byte, c)
	a.used = 0
	a.need = max(a.need-c, 0)
	a.total += c
	if a.floor > 0 { // planned (Strings.Plan): grow past a misestimate
		a.floor = min(max(a.floor, a.total/16), chunkBytes)
	}
}

// bytes returns a copy of b; present but empty is non-nil.
func (d *decoder) bytes(b []byte) []byte {
	if len(b) == 0 {
		return []byte{}
	}
	return d.arena.copy(b)
}

// fallback merges b into m with proto.Unmarshal (messages with maps or
// oneofs).
func (d *decoder) fallback(b []byte, m proto.Message) bool {
	opts := proto.UnmarshalOptions{Merge: true, AllowPartial: true, RecursionLimit: protowire.DefaultRecursionLimit - d.depth}
	return opts.Unmarshal(b, m) == nil
}

// mapEntry merges one entry e of a map field (tag t) into m with
// proto.Unmarshal, which handles every shape of entry (missing key or value,
// repeated or unknown fields inside it) as the reference decoder does.
func (d *decoder) mapEntry(m proto.Message, t uint64, e []byte) bool {
	b := protowire.AppendVarint(make([]byte, 0, len(e)+2*binary.MaxVarintLen64), t)
	return d.fallback(protowire.AppendBytes(b, e), m)
}

// unknown appends field t with value v (a copy) to m's unknown fields. As
// protobuf-go does, the tag is written anew in its shortest form.
func (d *decoder) unknown(m proto.Message, t uint64, v []byte) {
	r := m.ProtoReflect()
	u := r.GetUnknown()
	u = protowire.AppendVarint(u[:len(u):len(u)], t)
	r.SetUnknown(append(u, v...))
}

// The wire format primitives return the position after what they read, or
// -1 for malformed input.

// varint reads a varint at b[i:].
func varint(b []byte, i int) (uint64, int) {
	if i < len(b) && b[i] < 0x80 {
		return uint64(b[i]), i + 1
	}
	return varintSlow(b, i)
}

func varintSlow(b []byte, i int) (uint64, int) {
	if i >= len(b) {
		return 0, -1
	}
	v, n := protowire.ConsumeVarint(b[i:])
	if n < 0 {
		return 0, -1
	}
	return v, i + n
}

// tagSlow reads a field tag at b[i:] (the generated code reads one-byte
// tags itself); field number 0 and numbers beyond the valid range are
// malformed.
func tagSlow(b []byte, i int) (uint64, int) {
	v, j := varintSlow(b, i)
	if j < 0 || v>>3 == 0 || v>>3 > uint64(protowire.MaxValidNumber) {
		return 0, -1
	}
	return v, j
}

// lenSlow reads the length of a length-delimited value at b[i:] (the
// generated code reads one-byte lengths itself).
func lenSlow(b []byte, i int) (int, int) {
	v, j := varintSlow(b, i)
	if j < 0 || v > uint64(len(b)) {
		return 0, -1
	}
	return int(v), j
}

// lenField reads a length-delimited value at b[i:].
func lenField(b []byte, i int) ([]byte, int) {
	n, j := varint(b, i)
	if j < 0 || n > uint64(len(b)-j) {
		return nil, -1
	}
	return b[j : j+int(n)], j + int(n)
}

// skip steps over the value of a field with tag t at b[i:].
func skip(b []byte, i int, t uint64) int {
	switch protowire.Type(t & 7) {
	case protowire.VarintType:
		_, j := varint(b, i)
		return j
	case protowire.Fixed64Type:
		if len(b)-i < 8 {
			return -1
		}
		return i + 8
	case protowire.BytesType:
		_, j := lenField(b, i)
		return j
	case protowire.Fixed32Type:
		if len(b)-i < 4 {
			return -1
		}
		return i + 4
	}
	n := protowire.ConsumeFieldValue(protowire.Number(t>>3), protowire.Type(t&7), b[i:])
	if n < 0 {
		return -1
	}
	return i + n
}

// countVarints counts the varints of a packed field.
func countVarints(b []byte) int {
	n := 0
	for _, c := range b {
		if c < 0x80 {
			n++
		}
	}
	return n
}
