// SPDX-License-Identifier: Apache-2.0

package httpapi

import (
	"cmp"
	"encoding/base64"
	"math"
	"slices"
	"strconv"
	"sync"
	"unicode/utf8"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// This file renders messages as Mesos does (stout's JSON::Protobuf written by
// rapidjson), not as protojson does:
//
//   - keys are proto field names, in declaration order, compact output;
//   - enums are value names. Go's protobuf runtime keeps unknown numbers of
//     proto2 (closed) enums in the field, where C++ moves them to the unknown
//     fields; so, as Mesos would, such values are left out (an unset field
//     with a default shows the default); an unknown number of an open enum is
//     written as a number;
//   - every integer, 64-bit included, is a JSON number;
//   - doubles are numbers in rapidjson's shortest form ("15.0", "0.001",
//     "1e21"); floats are widened to double first, as Mesos does; non-finite
//     values become the strings "Infinity", "-Infinity" and "NaN", which
//     Mesos accepts on input (Mesos itself writes them bare, invalid JSON);
//   - bytes are standard base64 with padding;
//   - repeated fields and maps are left out when empty; maps are objects, in
//     key order (Mesos's order is its hash order);
//   - unset singular fields are left out, except those with an explicit
//     [default = ...] that are not deprecated, which are written with the
//     default;
//   - strings escape '"', '\\' and control characters only; invalid UTF-8
//     becomes U+FFFD (Mesos would copy the bytes, producing invalid JSON).

// encoderPool recycles output buffers between Marshal calls.
var encoderPool = sync.Pool{New: func() any { b := make([]byte, 0, 4<<10); return &b }}

// maxPooledBuffer bounds the buffers kept in encoderPool.
const maxPooledBuffer = 1 << 20

func marshalJSON(m proto.Message) ([]byte, error) {
	bp := encoderPool.Get().(*[]byte)
	b := appendJSON((*bp)[:0], m)
	out := make([]byte, len(b))
	copy(out, b)
	if cap(b) <= maxPooledBuffer {
		*bp = b
		encoderPool.Put(bp)
	}
	return out, nil
}

// appendJSON appends the Mesos-style JSON rendering of m to b.
func appendJSON(b []byte, m proto.Message) []byte {
	if m == nil {
		return append(b, "{}"...)
	}
	rm := m.ProtoReflect()
	if !rm.IsValid() {
		return append(b, "{}"...)
	}
	return appendMessage(b, rm)
}

func appendMessage(b []byte, m protoreflect.Message) []byte {
	p := planFor(m.Descriptor())
	b = append(b, '{')
	first := true
	for i := range p.fields {
		f := &p.fields[i]
		var v protoreflect.Value
		has := m.Has(f.fd)
		if has {
			v = m.Get(f.fd)
			if f.closedEnum != nil && !hasKnownEnum(f, v) {
				has = false
			}
		}
		if !has {
			if !f.useDefault {
				continue
			}
			v = f.def
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		b = append(b, f.key...)
		switch {
		case f.fd.IsList():
			b = appendList(b, f.fd, v.List())
		case f.fd.IsMap():
			b = appendMap(b, f.fd, v.Map())
		default:
			b = appendValue(b, f.fd, v)
		}
	}
	return append(b, '}')
}

// hasKnownEnum reports whether a closed-enum field's value v has a value
// Mesos would render: a known number, or a list or map holding one.
func hasKnownEnum(f *fieldPlan, v protoreflect.Value) bool {
	vals := f.closedEnum.Values()
	switch {
	case f.fd.IsList():
		l := v.List()
		for i := range l.Len() {
			if vals.ByNumber(l.Get(i).Enum()) != nil {
				return true
			}
		}
		return false
	case f.fd.IsMap():
		known := false
		v.Map().Range(func(_ protoreflect.MapKey, v protoreflect.Value) bool {
			known = vals.ByNumber(v.Enum()) != nil
			return !known
		})
		return known
	}
	return vals.ByNumber(v.Enum()) != nil
}

// skipEnum reports whether a value of fd is an unknown number of a closed enum.
func skipEnum(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
	if fd.Kind() != protoreflect.EnumKind {
		return false
	}
	ed := fd.Enum()
	return ed.IsClosed() && ed.Values().ByNumber(v.Enum()) == nil
}

func appendList(b []byte, fd protoreflect.FieldDescriptor, l protoreflect.List) []byte {
	b = append(b, '[')
	first := true
	for i := range l.Len() {
		v := l.Get(i)
		if skipEnum(fd, v) {
			continue
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		b = appendValue(b, fd, v)
	}
	return append(b, ']')
}

func appendMap(b []byte, fd protoreflect.FieldDescriptor, mp protoreflect.Map) []byte {
	keys := make([]protoreflect.MapKey, 0, mp.Len())
	mp.Range(func(k protoreflect.MapKey, _ protoreflect.Value) bool {
		keys = append(keys, k)
		return true
	})
	kd, vd := fd.MapKey(), fd.MapValue()
	slices.SortFunc(keys, func(x, y protoreflect.MapKey) int { return compareMapKeys(kd.Kind(), x, y) })
	b = append(b, '{')
	first := true
	for _, k := range keys {
		v := mp.Get(k)
		if skipEnum(vd, v) {
			continue
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		if kd.Kind() == protoreflect.StringKind {
			b = appendString(b, k.String())
		} else {
			b = append(b, '"')
			b = appendValue(b, kd, k.Value())
			b = append(b, '"')
		}
		b = append(b, ':')
		b = appendValue(b, vd, v)
	}
	return append(b, '}')
}

func compareMapKeys(kind protoreflect.Kind, x, y protoreflect.MapKey) int {
	switch kind {
	case protoreflect.StringKind:
		return cmp.Compare(x.String(), y.String())
	case protoreflect.BoolKind:
		xb, yb := x.Bool(), y.Bool()
		switch {
		case xb == yb:
			return 0
		case !xb:
			return -1
		}
		return 1
	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind, protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		return cmp.Compare(x.Uint(), y.Uint())
	}
	return cmp.Compare(x.Int(), y.Int())
}

// appendValue writes one singular value (or one list element) of field fd.
func appendValue(b []byte, fd protoreflect.FieldDescriptor, v protoreflect.Value) []byte {
	switch fd.Kind() {
	case protoreflect.BoolKind:
		if v.Bool() {
			return append(b, "true"...)
		}
		return append(b, "false"...)
	case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind,
		protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind:
		return strconv.AppendInt(b, v.Int(), 10)
	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind, protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		return strconv.AppendUint(b, v.Uint(), 10)
	case protoreflect.FloatKind, protoreflect.DoubleKind:
		return appendDouble(b, v.Float())
	case protoreflect.StringKind:
		return appendString(b, v.String())
	case protoreflect.BytesKind:
		b = append(b, '"')
		b = base64.StdEncoding.AppendEncode(b, v.Bytes())
		return append(b, '"')
	case protoreflect.EnumKind:
		if ev := fd.Enum().Values().ByNumber(v.Enum()); ev != nil {
			b = append(b, '"')
			b = append(b, ev.Name()...) // enum names are identifiers: no escaping needed
			return append(b, '"')
		}
		return strconv.AppendInt(b, int64(v.Enum()), 10)
	case protoreflect.MessageKind, protoreflect.GroupKind:
		return appendMessage(b, v.Message())
	}
	return append(b, "null"...)
}

// appendDouble writes f as rapidjson's Writer::Double does: the shortest
// digits that round-trip, in decimal notation with at least one fractional
// digit when the decimal exponent is in (-7, 21], otherwise "d.ddde±x".
func appendDouble(b []byte, f float64) []byte {
	switch {
	case math.IsNaN(f):
		return append(b, `"NaN"`...)
	case math.IsInf(f, 1):
		return append(b, `"Infinity"`...)
	case math.IsInf(f, -1):
		return append(b, `"-Infinity"`...)
	case f == 0:
		if math.Signbit(f) {
			return append(b, "-0.0"...)
		}
		return append(b, "0.0"...)
	}
	if f < 0 {
		b = append(b, '-')
		f = -f
	}
	// Shortest round-trip digits in scientific form: "d.ddde±xx".
	var tmp [32]byte
	s := strconv.AppendFloat(tmp[:0], f, 'e', -1, 64)
	e := len(s) - 1
	for s[e] != 'e' {
		e--
	}
	exp, _ := strconv.Atoi(string(s[e+1:]))
	var digits [24]byte
	nd := copy(digits[:], s[:1])
	if e > 1 { // "d.ddd"
		nd += copy(digits[nd:], s[2:e])
	}
	d := digits[:nd]
	kk := exp + 1 // position of the decimal point relative to the digits
	switch {
	case nd <= kk && kk <= 21: // 1234e7 → 12340000000.0
		b = append(b, d...)
		for range kk - nd {
			b = append(b, '0')
		}
		return append(b, '.', '0')
	case 0 < kk && kk <= 21: // 1234e-2 → 12.34
		b = append(b, d[:kk]...)
		b = append(b, '.')
		return append(b, d[kk:]...)
	case -6 < kk && kk <= 0: // 1234e-6 → 0.001234
		b = append(b, '0', '.')
		for range -kk {
			b = append(b, '0')
		}
		return append(b, d...)
	}
	b = append(b, d[0])
	if nd > 1 { // 1234e30 → 1.234e33
		b = append(b, '.')
		b = append(b, d[1:]...)
	}
	b = append(b, 'e')
	return strconv.AppendInt(b, int64(kk-1), 10)
}

// noEscape[c] is true for ASCII bytes written as they are inside a string.
var noEscape = func() (t [utf8.RuneSelf]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

const hexDigits = "0123456789ABCDEF"

// appendString writes s as a JSON string the way rapidjson escapes it.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if noEscape[c] {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, "\uFFFD"...)
			i++
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
