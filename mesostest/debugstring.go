// SPDX-License-Identifier: Apache-2.0

package mesostest

import (
	"math"
	"sort"
	"strconv"
	"strings"

	"google.golang.org/protobuf/reflect/protoreflect"
)

// debugString renders a message as the C++ protobuf library's
// Message::DebugString does, which Mesos puts in some error messages
// (stringify(ExecutorInfo), src/common/type_utils.cpp): set fields in field
// number order, "name: value" per line, nested messages as "name {" ...
// "}" indented by two spaces, strings and bytes C-escaped in double
// quotes, enums by name. Go's prototext is not used: its output is
// deliberately unstable.
func debugString(m protoreflect.Message) string {
	var b strings.Builder
	writeDebugFields(&b, m, "")
	return b.String()
}

func writeDebugFields(b *strings.Builder, m protoreflect.Message, indent string) {
	var set []protoreflect.FieldDescriptor
	m.Range(func(fd protoreflect.FieldDescriptor, _ protoreflect.Value) bool {
		set = append(set, fd)
		return true
	})
	sort.Slice(set, func(i, j int) bool { return set[i].Number() < set[j].Number() })
	for _, fd := range set {
		v := m.Get(fd)
		switch {
		case fd.IsMap():
			v.Map().Range(func(k protoreflect.MapKey, mv protoreflect.Value) bool {
				b.WriteString(indent + string(fd.Name()) + " {\n")
				writeDebugValue(b, fd.MapKey(), "key", k.Value(), indent+"  ")
				writeDebugValue(b, fd.MapValue(), "value", mv, indent+"  ")
				b.WriteString(indent + "}\n")
				return true
			})
		case fd.IsList():
			l := v.List()
			for j := 0; j < l.Len(); j++ {
				writeDebugValue(b, fd, string(fd.Name()), l.Get(j), indent)
			}
		default:
			writeDebugValue(b, fd, string(fd.Name()), v, indent)
		}
	}
}

func writeDebugValue(b *strings.Builder, fd protoreflect.FieldDescriptor, name string, v protoreflect.Value, indent string) {
	if fd.Kind() == protoreflect.MessageKind || fd.Kind() == protoreflect.GroupKind {
		b.WriteString(indent + name + " {\n")
		writeDebugFields(b, v.Message(), indent+"  ")
		b.WriteString(indent + "}\n")
		return
	}
	b.WriteString(indent + name + ": ")
	switch fd.Kind() {
	case protoreflect.StringKind:
		b.WriteString(`"` + cEscape([]byte(v.String())) + `"`)
	case protoreflect.BytesKind:
		b.WriteString(`"` + cEscape(v.Bytes()) + `"`)
	case protoreflect.EnumKind:
		if ev := fd.Enum().Values().ByNumber(v.Enum()); ev != nil {
			b.WriteString(string(ev.Name()))
		} else {
			b.WriteString(strconv.Itoa(int(v.Enum())))
		}
	case protoreflect.BoolKind:
		b.WriteString(strconv.FormatBool(v.Bool()))
	case protoreflect.DoubleKind, protoreflect.FloatKind:
		b.WriteString(simpleDtoa(v.Float()))
	case protoreflect.Uint32Kind, protoreflect.Uint64Kind, protoreflect.Fixed32Kind, protoreflect.Fixed64Kind:
		b.WriteString(strconv.FormatUint(v.Uint(), 10))
	default:
		b.WriteString(strconv.FormatInt(v.Int(), 10))
	}
	b.WriteString("\n")
}

// simpleDtoa is protobuf's SimpleDtoa: the shortest of %.15g and %.17g
// that reads back as the same value; "inf", "-inf", "nan".
func simpleDtoa(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	case math.IsNaN(f):
		return "nan"
	}
	s := strconv.FormatFloat(f, 'g', 15, 64)
	if p, err := strconv.ParseFloat(s, 64); err == nil && p == f {
		return s
	}
	return strconv.FormatFloat(f, 'g', 17, 64)
}

// cEscape is protobuf's CEscape: \n \r \t \" \' \\ and octal for the other
// bytes outside printable ASCII.
func cEscape(p []byte) string {
	var b strings.Builder
	for _, c := range p {
		switch c {
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		case '"':
			b.WriteString(`\"`)
		case '\'':
			b.WriteString(`\'`)
		case '\\':
			b.WriteString(`\\`)
		default:
			if c < 0x20 || c >= 0x7f {
				b.WriteString("\\" + strconv.FormatInt(int64(c)>>6, 8) + strconv.FormatInt(int64(c)>>3&7, 8) + strconv.FormatInt(int64(c)&7, 8))
			} else {
				b.WriteByte(c)
			}
		}
	}
	return b.String()
}
