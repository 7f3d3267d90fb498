// SPDX-License-Identifier: Apache-2.0

package scheduler

import (
	"encoding/binary"
	"errors"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// The protobuf wire format as the compact offer decoder reads it. Every rule
// here is protobuf-go's (proto.UnmarshalOptions{AllowPartial: true}, which
// the Client's fastpb decoder equals): field numbers 1 to 2^29-1, wire types
// 0 to 5 (an end-group tag outside a group is an error), varints of at most
// ten bytes without overflow, lengths within the input, a field of a known
// number but another wire type kept as an unknown field.

// errOffersWire is the error for an OFFERS event that proto.Unmarshal
// refuses.
var errOffersWire = errors.New("scheduler: offers event: invalid protobuf wire format")

// wireField is one field as nextField read it.
type wireField struct {
	num protowire.Number
	typ protowire.Type
	x   uint64 // the value of a varint, or of a fixed64/fixed32 field
	v   []byte // the content of a length-delimited field
}

// nextField reads the field at b[i:] and returns it and the position after
// it, or -1 for malformed input. A group is stepped over whole (with its
// nesting and end tag checked as protobuf-go checks them). The common case
// (a one-byte tag of a varint or length-delimited field with a one-byte
// value or length) is inlined.
func nextField(b []byte, i int) (wireField, int) {
	if uint(i+1) < uint(len(b)) {
		t, c := b[i], b[i+1]
		if t < 0x80 && c < 0x80 && t >= 8 {
			switch t & 7 {
			case 0:
				return wireField{num: protowire.Number(t >> 3), x: uint64(c)}, i + 2
			case 2:
				if e := i + 2 + int(c); e <= len(b) {
					return wireField{num: protowire.Number(t >> 3), typ: 2, v: b[i+2 : e]}, e
				}
			}
		}
	}
	return nextFieldSlow(b, i)
}

// nextFieldSlow is nextField for every field.
func nextFieldSlow(b []byte, i int) (wireField, int) {
	var f wireField
	var t uint64
	if i < len(b) && b[i] < 0x80 {
		t = uint64(b[i])
		i++
	} else {
		v, n := protowire.ConsumeVarint(b[i:])
		if n < 0 {
			return f, -1
		}
		t = v
		i += n
	}
	if t>>3 == 0 || t>>3 > uint64(protowire.MaxValidNumber) {
		return f, -1
	}
	f.num, f.typ = protowire.Number(t>>3), protowire.Type(t&7)
	switch f.typ {
	case protowire.VarintType:
		if i < len(b) && b[i] < 0x80 {
			f.x = uint64(b[i])
			return f, i + 1
		}
		v, n := protowire.ConsumeVarint(b[i:])
		if n < 0 {
			return f, -1
		}
		f.x = v
		return f, i + n
	case protowire.BytesType:
		var n uint64
		if i < len(b) && b[i] < 0x80 {
			n = uint64(b[i])
			i++
		} else {
			v, k := protowire.ConsumeVarint(b[i:])
			if k < 0 {
				return f, -1
			}
			n = v
			i += k
		}
		if n > uint64(len(b)-i) {
			return f, -1
		}
		f.v = b[i : i+int(n)]
		return f, i + int(n)
	case protowire.Fixed64Type:
		if len(b)-i < 8 {
			return f, -1
		}
		f.x = binary.LittleEndian.Uint64(b[i:])
		return f, i + 8
	case protowire.Fixed32Type:
		if len(b)-i < 4 {
			return f, -1
		}
		f.x = uint64(binary.LittleEndian.Uint32(b[i:]))
		return f, i + 4
	case protowire.StartGroupType:
		n := protowire.ConsumeFieldValue(f.num, f.typ, b[i:])
		if n < 0 {
			return f, -1
		}
		return f, i + n
	}
	return f, -1 // an end-group tag outside a group, or wire type 6 or 7
}

// checkMessage reports whether proto.Unmarshal accepts b as a message md at
// nesting depth left (protobuf-go's recursion limit counts down from
// protowire.DefaultRecursionLimit at the outermost message). It checks what
// the compact decoder keeps in wire form without decoding it: the fields md
// declares are checked by their kind, the others only as wire format.
func checkMessage(b []byte, md protoreflect.MessageDescriptor, left int) bool {
	if left <= 0 {
		return false
	}
	fields := md.Fields()
	for i := 0; i < len(b); {
		f, j := nextField(b, i)
		if j < 0 {
			return false
		}
		if f.typ == protowire.BytesType { // checkKnown accepts any other once read
			if fd := fields.ByNumber(f.num); fd != nil && !checkKnown(f, fd, left) {
				return false
			}
		}
		i = j
	}
	return true
}

// checkKnown checks the value of field f, which md declares as fd, once
// nextField has read it. mesos.proto declares no groups, so a group-typed
// field is only checked as wire format (by nextField).
func checkKnown(f wireField, fd protoreflect.FieldDescriptor, left int) bool {
	if f.typ != protowire.BytesType {
		return true // a scalar read by nextField, or another wire type: an unknown field
	}
	switch k := fd.Kind(); k {
	case protoreflect.MessageKind:
		return checkMessage(f.v, fd.Message(), left-1)
	case protoreflect.StringKind, protoreflect.BytesKind, protoreflect.GroupKind:
		return true // proto2 strings are not checked for UTF-8
	default:
		if !fd.IsList() {
			return true // a length-delimited scalar: an unknown field
		}
		return checkPacked(f.v, k)
	}
}

// checkPacked checks the packed elements of a repeated scalar of kind k
// (protobuf-go accepts the packed form for every repeated scalar).
func checkPacked(b []byte, k protoreflect.Kind) bool {
	switch k {
	case protoreflect.DoubleKind, protoreflect.Fixed64Kind, protoreflect.Sfixed64Kind:
		return len(b)%8 == 0
	case protoreflect.FloatKind, protoreflect.Fixed32Kind, protoreflect.Sfixed32Kind:
		return len(b)%4 == 0
	}
	for len(b) > 0 {
		_, n := protowire.ConsumeVarint(b)
		if n < 0 {
			return false
		}
		b = b[n:]
	}
	return true
}

// singleString returns the value of a message whose only field is a string
// field 1 present once (OfferID, FrameworkID, AgentID, ExecutorID,
// Value.Text, Resource.AllocationInfo): ok false for any other content.
func singleString(b []byte) (v []byte, ok bool) {
	f, j := nextField(b, 0)
	if j != len(b) || f.num != 1 || f.typ != protowire.BytesType {
		return nil, false
	}
	return f.v, true
}
