// SPDX-License-Identifier: Apache-2.0

package fastpb

import (
	"math"
	"math/rand/v2"
	"strings"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// wireGen writes random wire format for a message type, field by field
// from its descriptor, in the shapes a decoder must handle: every field
// kind, repeated scalars packed and unpacked, singular fields repeated
// (last wins, messages merge), fields out of order, unknown fields of every
// wire type including groups, known fields with the wrong wire type,
// negative int32s in ten bytes, enum numbers outside the enum, and
// non-minimal varints.
type wireGen struct {
	r        *rand.Rand
	maxDepth int
}

func (g *wireGen) message(md protoreflect.MessageDescriptor, depth int) []byte {
	var b []byte
	fields := md.Fields()
	n := g.r.IntN(8)
	if depth == 0 {
		n += 4
	}
	for range n {
		switch x := g.r.IntN(20); {
		case x == 0:
			b = g.unknown(b)
		case x == 1 && fields.Len() > 0:
			// A known field with the wrong wire type.
			fd := fields.Get(g.r.IntN(fields.Len()))
			b = g.unknownValue(b, fd.Number())
		default:
			if fields.Len() == 0 {
				b = g.unknown(b)
				continue
			}
			b = g.field(b, fields.Get(g.r.IntN(fields.Len())), depth)
		}
	}
	return b
}

func (g *wireGen) field(b []byte, fd protoreflect.FieldDescriptor, depth int) []byte {
	count := 1
	if fd.IsList() || fd.IsMap() {
		count = g.r.IntN(4)
	}
	if fd.IsList() && isPackable(fd) && g.r.IntN(2) == 0 {
		var p []byte
		for range count + 1 {
			p = g.scalar(p, fd)
		}
		b = g.tag(b, fd.Number(), protowire.BytesType)
		return protowire.AppendBytes(b, p)
	}
	for range count {
		switch {
		case fd.Kind() == protoreflect.GroupKind:
			b = g.tag(b, fd.Number(), protowire.StartGroupType)
			if depth < g.maxDepth {
				b = append(b, g.message(fd.Message(), depth+1)...)
			}
			b = g.tag(b, fd.Number(), protowire.EndGroupType)
		case fd.Message() != nil:
			var sub []byte
			if depth < g.maxDepth || fd.IsMap() {
				sub = g.message(fd.Message(), depth+1)
			}
			b = g.tag(b, fd.Number(), protowire.BytesType)
			b = protowire.AppendBytes(b, sub)
		case fd.Kind() == protoreflect.StringKind || fd.Kind() == protoreflect.BytesKind:
			b = g.tag(b, fd.Number(), protowire.BytesType)
			b = protowire.AppendBytes(b, g.text())
		default:
			b = g.tag(b, fd.Number(), wireType(fd.Kind()))
			b = g.scalar(b, fd)
		}
	}
	return b
}

// repeatedTexts are strings text returns often, so that messages repeat
// strings as Mesos's do (roles, names) and the decoder's interning is
// exercised, at the longest length it interns and just beyond.
var repeatedTexts = []string{"*", "web", "cpus", "5f6c2a30-0d0b-4c8e-9a52-0c4f2f1f6e11-0000", strings.Repeat("r", internMax), strings.Repeat("r", internMax+1)}

func (g *wireGen) text() []byte {
	if g.r.IntN(3) == 0 {
		return []byte(repeatedTexts[g.r.IntN(len(repeatedTexts))])
	}
	n := g.r.IntN(12)
	if g.r.IntN(8) == 0 {
		n = 0
	}
	s := make([]byte, n)
	for i := range s {
		s[i] = byte(g.r.IntN(256))
	}
	return s
}

// scalar appends a value for a scalar field without its tag.
func (g *wireGen) scalar(b []byte, fd protoreflect.FieldDescriptor) []byte {
	switch wireType(fd.Kind()) {
	case protowire.Fixed64Type:
		v := g.r.Uint64()
		if fd.Kind() == protoreflect.DoubleKind && g.r.IntN(4) == 0 {
			v = math.Float64bits([]float64{0, math.Copysign(0, -1), math.Inf(1), math.NaN(), 7.5}[g.r.IntN(5)])
		}
		return protowire.AppendFixed64(b, v)
	case protowire.Fixed32Type:
		return protowire.AppendFixed32(b, g.r.Uint32())
	}
	var v uint64
	switch g.r.IntN(6) {
	case 0:
		v = 0
	case 1:
		v = uint64(g.r.IntN(4))
	case 2:
		v = uint64(int64(-g.r.IntN(1000) - 1)) // negative int32/int64: ten bytes
	case 3:
		v = g.r.Uint64()
	default:
		v = uint64(g.r.IntN(300))
	}
	if g.r.IntN(10) == 0 {
		// A non-minimal varint: same value, one byte longer.
		b = protowire.AppendVarint(b, v)
		b[len(b)-1] |= 0x80
		return append(b, 0)
	}
	return protowire.AppendVarint(b, v)
}

// unknown appends a field with a number no Mesos message uses.
func (g *wireGen) unknown(b []byte) []byte {
	return g.unknownValue(b, protowire.Number(1000+g.r.IntN(1000)))
}

// unknownValue appends field num with a random wire type and value.
func (g *wireGen) unknownValue(b []byte, num protowire.Number) []byte {
	switch g.r.IntN(5) {
	case 0:
		b = g.tag(b, num, protowire.VarintType)
		return protowire.AppendVarint(b, g.r.Uint64()>>g.r.IntN(64))
	case 1:
		b = g.tag(b, num, protowire.Fixed64Type)
		return protowire.AppendFixed64(b, g.r.Uint64())
	case 2:
		b = g.tag(b, num, protowire.Fixed32Type)
		return protowire.AppendFixed32(b, g.r.Uint32())
	case 3:
		b = g.tag(b, num, protowire.BytesType)
		return protowire.AppendBytes(b, g.text())
	}
	b = g.tag(b, num, protowire.StartGroupType)
	b = g.tag(b, num+1, protowire.VarintType)
	b = protowire.AppendVarint(b, 5)
	return g.tag(b, num, protowire.EndGroupType)
}

func isPackable(fd protoreflect.FieldDescriptor) bool {
	switch fd.Kind() {
	case protoreflect.StringKind, protoreflect.BytesKind, protoreflect.MessageKind, protoreflect.GroupKind:
		return false
	}
	return true
}

func wireType(k protoreflect.Kind) protowire.Type {
	switch k {
	case protoreflect.DoubleKind, protoreflect.Fixed64Kind, protoreflect.Sfixed64Kind:
		return protowire.Fixed64Type
	case protoreflect.FloatKind, protoreflect.Fixed32Kind, protoreflect.Sfixed32Kind:
		return protowire.Fixed32Type
	case protoreflect.StringKind, protoreflect.BytesKind, protoreflect.MessageKind:
		return protowire.BytesType
	case protoreflect.GroupKind:
		return protowire.StartGroupType
	}
	return protowire.VarintType
}

// tag appends a field tag, now and then in a longer form than needed.
func (g *wireGen) tag(b []byte, num protowire.Number, typ protowire.Type) []byte {
	b = protowire.AppendTag(b, num, typ)
	if g.r.IntN(25) == 0 {
		b[len(b)-1] |= 0x80
		b = append(b, 0)
	}
	return b
}
