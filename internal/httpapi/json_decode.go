// SPDX-License-Identifier: Apache-2.0

package httpapi

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"sync"
	"unicode/utf8"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// This file is the client's JSON decoder. It transcodes: one pass over the
// JSON appends the equivalent protobuf wire format to a pooled buffer, which
// the protobuf decoder (unmarshalProto, generated fast paths) then turns
// into the message. The JSON pass allocates nothing in steady state, so JSON
// costs little more than protobuf, and a faster protobuf decoder plugged
// into unmarshalProto speeds up both.
//
// It accepts what protojson accepts with DiscardUnknown and AllowPartial
// (proto and lowerCamel names; unknown keys and enum names dropped; integers
// as numbers or strings, with exponents if integral; "Infinity", "-Infinity"
// and "NaN" strings; standard or URL base64, padded or not), decodes to the
// same message (the fuzz targets compare it with protojson), and is lenient
// in the ways Mesos is:
//
//   - bare Infinity, -Infinity and NaN (Mesos's rapidjson writes them);
//   - a scalar for a repeated field is one element; null elements and null
//     map values are skipped; a repeated key appends to a repeated field,
//     overwrites a scalar, merges into a message (protobuf semantics);
//   - bools also as the strings "true" and "false";
//   - invalid UTF-8 in strings becomes U+FFFD.
//
// The message never aliases the input (the protobuf decoder copies), so the
// input may be a reused frame buffer.
//
// Not supported, as Mesos has none: the special JSON forms of well-known
// types (Any, Timestamp, Struct, wrappers...) and extensions.

// maxJSONDepth bounds nesting, as protojson's recursion limit does.
const maxJSONDepth = 10000

// errJSONDepth reports input nested deeper than maxJSONDepth.
var errJSONDepth = errors.New("exceeds the maximum nesting depth")

// wirePool recycles transcoding buffers.
var wirePool = sync.Pool{New: func() any { b := make([]byte, 0, 16<<10); return &b }}

// maxPooledWire bounds the buffers kept in wirePool.
const maxPooledWire = 4 << 20

// unmarshalJSON decodes b into m (resetting m first). To plug in a faster
// decoder, change this function only.
func unmarshalJSON(b []byte, m proto.Message) error {
	if !utf8.Valid(b) {
		// Invalid bytes can only sit inside strings in otherwise valid JSON.
		b = bytes.ToValidUTF8(b, []byte("\uFFFD"))
	}
	md := m.ProtoReflect().Descriptor()
	bp := wirePool.Get().(*[]byte)
	d := jsonDecoder{b: b, out: (*bp)[:0]}
	err := d.document(md)
	if err == nil {
		err = unmarshalProto(d.out, m)
	} else {
		proto.Reset(m)
	}
	if cap(d.out) <= maxPooledWire {
		*bp = d.out[:0]
		wirePool.Put(bp)
	}
	if err != nil {
		return fmt.Errorf("httpapi: decoding JSON %s: %w", md.FullName(), err)
	}
	return nil
}

// jsonDecoder transcodes one JSON document; its lexing half is in json_lex.go.
type jsonDecoder struct {
	b       []byte // input
	i       int    // position in b
	out     []byte // wire format output
	depth   int
	scratch []byte // unescaped strings
}

func (d *jsonDecoder) document(md protoreflect.MessageDescriptor) error {
	d.ws()
	if d.peek() != '{' {
		return d.unexpected()
	}
	if err := d.message(md); err != nil {
		return err
	}
	d.ws()
	if d.i != len(d.b) {
		return d.errorf("unexpected data after the top-level object")
	}
	return nil
}

// beginLen starts a length-delimited value; endLen(start) fills in its length.
func (d *jsonDecoder) beginLen() int {
	d.out = append(d.out, 0)
	return len(d.out)
}

func (d *jsonDecoder) endLen(start int) {
	n := len(d.out) - start
	if n < 0x80 {
		d.out[start-1] = byte(n)
		return
	}
	extra := protowire.SizeVarint(uint64(n)) - 1
	for range extra {
		d.out = append(d.out, 0)
	}
	copy(d.out[start+extra:], d.out[start:start+n])
	protowire.AppendVarint(d.out[:start-1], uint64(n)) // writes in place
}

// message transcodes an object (d.b[d.i] == '{') of type md.
func (d *jsonDecoder) message(md protoreflect.MessageDescriptor) error {
	if d.depth++; d.depth > maxJSONDepth {
		return d.errorf("%v", errJSONDepth)
	}
	d.i++ // '{'
	p := planFor(md)
	d.ws()
	if d.peek() == '}' {
		d.i++
		d.depth--
		return nil
	}
	for {
		d.ws()
		if d.peek() != '"' {
			return d.unexpected()
		}
		key, err := d.str()
		if err != nil {
			return err
		}
		f := p.byName[string(key)] // no allocation for the lookup
		d.ws()
		if d.peek() != ':' {
			return d.unexpected()
		}
		d.i++
		d.ws()
		if f == nil {
			err = d.skip()
		} else {
			err = d.field(f)
		}
		if err != nil {
			return err
		}
		d.ws()
		switch d.peek() {
		case ',':
			d.i++
		case '}':
			d.i++
			d.depth--
			return nil
		default:
			return d.unexpected()
		}
	}
}

// submessage transcodes an object as the value of field f (tag included).
func (d *jsonDecoder) submessage(f *fieldPlan, tag []byte) error {
	if d.peek() != '{' {
		return d.errorf("field %s: want an object", f.fd.Name())
	}
	d.out = append(d.out, tag...)
	if f.endTag != nil { // group
		if err := d.message(f.fd.Message()); err != nil {
			return err
		}
		d.out = append(d.out, f.endTag...)
		return nil
	}
	start := d.beginLen()
	if err := d.message(f.fd.Message()); err != nil {
		return err
	}
	d.endLen(start)
	return nil
}

func (d *jsonDecoder) field(f *fieldPlan) error {
	if d.literal("null") {
		return nil
	}
	fd := f.fd
	switch {
	case fd.IsMap():
		if d.peek() != '{' {
			return d.errorf("field %s: want an object", fd.Name())
		}
		return d.mapEntries(f)
	case fd.IsList():
		if d.peek() != '[' {
			return d.element(f) // a lone value is one element
		}
		if d.depth++; d.depth > maxJSONDepth {
			return d.errorf("%v", errJSONDepth)
		}
		d.i++
		d.ws()
		if d.peek() == ']' {
			d.i++
			d.depth--
			return nil
		}
		for {
			d.ws()
			if err := d.element(f); err != nil {
				return err
			}
			d.ws()
			switch d.peek() {
			case ',':
				d.i++
			case ']':
				d.i++
				d.depth--
				return nil
			default:
				return d.unexpected()
			}
		}
	case isMessageKind(fd):
		return d.submessage(f, f.tag)
	}
	return d.scalar(fd, f, f.tag)
}

// element transcodes one element of a repeated field.
func (d *jsonDecoder) element(f *fieldPlan) error {
	if d.literal("null") {
		return nil
	}
	if isMessageKind(f.fd) {
		return d.submessage(f, f.tag)
	}
	return d.scalar(f.fd, f, f.tag)
}

// mapEntries transcodes an object (d.b[d.i] == '{') into map entries.
func (d *jsonDecoder) mapEntries(f *fieldPlan) error {
	if d.depth++; d.depth > maxJSONDepth {
		return d.errorf("%v", errJSONDepth)
	}
	kd, vd := f.fd.MapKey(), f.fd.MapValue()
	d.i++
	d.ws()
	if d.peek() == '}' {
		d.i++
		d.depth--
		return nil
	}
	for {
		d.ws()
		if d.peek() != '"' {
			return d.unexpected()
		}
		entryAt := len(d.out)
		d.out = append(d.out, f.tag...)
		start := d.beginLen()
		keyAt := d.i
		raw, err := d.str()
		if err != nil {
			return err
		}
		if err := d.mapKey(kd, f.keyTag, raw); err != nil {
			d.i = keyAt
			return d.errorf("map key of field %s: %v", f.fd.Name(), err)
		}
		d.ws()
		if d.peek() != ':' {
			return d.unexpected()
		}
		d.i++
		d.ws()
		valueAt := len(d.out)
		switch {
		case d.literal("null"):
			d.out = d.out[:entryAt] // protojson refuses null map values; dropping the entry is lenient
		case isMessageKind(vd):
			if d.peek() != '{' {
				return d.errorf("field %s: want an object", f.fd.Name())
			}
			d.out = append(d.out, f.valTag...)
			vstart := d.beginLen()
			if err := d.message(vd.Message()); err != nil {
				return err
			}
			d.endLen(vstart)
		default:
			if err := d.scalar(vd, f, f.valTag); err != nil {
				return err
			}
			if len(d.out) == valueAt {
				d.out = d.out[:entryAt] // unknown enum name: drop the entry, as protojson does
			}
		}
		if len(d.out) > entryAt {
			d.endLen(start)
		}
		d.ws()
		switch d.peek() {
		case ',':
			d.i++
		case '}':
			d.i++
			d.depth--
			return nil
		default:
			return d.unexpected()
		}
	}
}

// mapKey appends a map entry's key field, parsed from its JSON string.
func (d *jsonDecoder) mapKey(kd protoreflect.FieldDescriptor, tag, raw []byte) error {
	d.out = append(d.out, tag...)
	switch kd.Kind() {
	case protoreflect.StringKind:
		d.out = protowire.AppendBytes(d.out, raw)
		return nil
	case protoreflect.BoolKind:
		switch string(raw) {
		case "true":
			d.out = append(d.out, 1)
			return nil
		case "false":
			d.out = append(d.out, 0)
			return nil
		}
		return errors.New("want true or false")
	}
	v, err := intValue(kd.Kind(), raw)
	if err != nil {
		return err
	}
	d.out = appendWireScalar(d.out, kd.Kind(), v)
	return nil
}

// scalar transcodes a non-message value of field fd, appending tag and
// value, or nothing for a value to drop (an unknown enum name). f supplies
// enum names.
func (d *jsonDecoder) scalar(fd protoreflect.FieldDescriptor, f *fieldPlan, tag []byte) error {
	at := d.i
	fail := func(err error) error {
		d.i = at
		return d.errorf("field %s: %v", fd.Name(), err)
	}
	c := d.peek()
	kind := fd.Kind()
	var v protoreflect.Value
	switch kind {
	case protoreflect.StringKind:
		if c != '"' {
			return fail(errors.New("want a string"))
		}
		s, err := d.str()
		if err != nil {
			return err
		}
		d.out = append(d.out, tag...)
		d.out = protowire.AppendBytes(d.out, s)
		return nil

	case protoreflect.BytesKind:
		if c != '"' {
			return fail(errors.New("want a base64 string"))
		}
		s, err := d.str()
		if err != nil {
			return err
		}
		mark := len(d.out)
		d.out = append(d.out, tag...)
		start := d.beginLen()
		if d.out, err = appendBase64(d.out, s); err != nil {
			d.out = d.out[:mark]
			return fail(err)
		}
		d.endLen(start)
		return nil

	case protoreflect.BoolKind:
		switch {
		case d.literal("true"):
			v = protoreflect.ValueOfBool(true)
		case d.literal("false"):
			v = protoreflect.ValueOfBool(false)
		case c == '"':
			s, err := d.str()
			if err != nil {
				return err
			}
			switch string(s) {
			case "true":
				v = protoreflect.ValueOfBool(true)
			case "false":
				v = protoreflect.ValueOfBool(false)
			default:
				return fail(errors.New("want true or false"))
			}
		default:
			return fail(errors.New("want true or false"))
		}

	case protoreflect.EnumKind:
		if c == '"' {
			s, err := d.str()
			if err != nil {
				return err
			}
			n, ok := f.enumNames[string(s)]
			if !ok {
				return nil // unknown name: dropped, as Mesos does
			}
			v = protoreflect.ValueOfEnum(n)
			break
		}
		num, err := d.number()
		if err != nil {
			return err
		}
		iv, err := intValue(protoreflect.Int32Kind, num)
		if err != nil {
			return fail(err)
		}
		v = protoreflect.ValueOfEnum(protoreflect.EnumNumber(iv.Int()))

	default: // numbers
		var (
			text []byte
			err  error
		)
		if c == '"' {
			text, err = d.str()
		} else {
			text, err = d.number()
		}
		if err != nil {
			return err
		}
		if kind == protoreflect.FloatKind || kind == protoreflect.DoubleKind {
			v, err = floatValue(kind, text)
		} else {
			v, err = intValue(kind, text)
		}
		if err != nil {
			return fail(err)
		}
	}
	d.out = append(d.out, tag...)
	d.out = appendWireScalar(d.out, kind, v)
	return nil
}

// appendWireScalar appends a scalar value (not string or bytes) in wire format.
func appendWireScalar(b []byte, kind protoreflect.Kind, v protoreflect.Value) []byte {
	switch kind {
	case protoreflect.BoolKind:
		if v.Bool() {
			return append(b, 1)
		}
		return append(b, 0)
	case protoreflect.EnumKind:
		return protowire.AppendVarint(b, uint64(int64(v.Enum())))
	case protoreflect.Int32Kind, protoreflect.Int64Kind:
		return protowire.AppendVarint(b, uint64(v.Int()))
	case protoreflect.Sint32Kind, protoreflect.Sint64Kind:
		return protowire.AppendVarint(b, protowire.EncodeZigZag(v.Int()))
	case protoreflect.Uint32Kind, protoreflect.Uint64Kind:
		return protowire.AppendVarint(b, v.Uint())
	case protoreflect.Fixed32Kind:
		return protowire.AppendFixed32(b, uint32(v.Uint()))
	case protoreflect.Sfixed32Kind:
		return protowire.AppendFixed32(b, uint32(v.Int()))
	case protoreflect.FloatKind:
		return protowire.AppendFixed32(b, math.Float32bits(float32(v.Float())))
	case protoreflect.Fixed64Kind:
		return protowire.AppendFixed64(b, v.Uint())
	case protoreflect.Sfixed64Kind:
		return protowire.AppendFixed64(b, uint64(v.Int()))
	case protoreflect.DoubleKind:
		return protowire.AppendFixed64(b, math.Float64bits(v.Float()))
	}
	panic("httpapi: appendWireScalar: unexpected kind " + kind.String())
}
