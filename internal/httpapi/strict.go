// SPDX-License-Identifier: Apache-2.0

package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// UnmarshalStrict parses a request body as a Mesos master or agent does
// (src/master/http.cpp with stout's JSON::parse and protobuf::parse), for the
// fake master and agent in mesostest. mediaType must be MediaTypeProtobuf or
// MediaTypeJSON (compared exactly), else ErrUnsupportedMediaType.
//
// Protobuf: any decoding error, missing required fields included, gives a
// *ParseError of kind ErrInvalidProtobuf.
//
// JSON: text that is not one JSON value gives ErrInvalidJSON. Otherwise the
// value is converted with Mesos's rules, and failures give ErrJSONConversion:
//   - the top level must be an object; keys are exact proto field names,
//     unknown keys (camelCase ones included) are ignored, in key order;
//   - null leaves a field unset; a scalar given for a repeated field is one
//     element; nested arrays are flattened;
//   - enums must be strings: "Not expecting a JSON number for field 'type'";
//     an unknown name leaves an optional field unset and fails a required one;
//   - integers accept numbers (a fraction is truncated) and numeric strings;
//     doubles also accept "Infinity" and "-Infinity"; bools accept "true" and
//     "false";
//   - bytes are standard base64, decoded leniently (whitespace skipped,
//     padding optional, stops at the first '='; '-' and '_' are rejected);
//   - finally, missing required fields give "Missing required fields: a, b.c".
//
// On success m holds the message; on failure its contents are unspecified.
func UnmarshalStrict(mediaType string, b []byte, m proto.Message) error {
	name := string(m.ProtoReflect().Descriptor().Name())
	switch mediaType {
	case MediaTypeProtobuf:
		if err := (proto.UnmarshalOptions{}).Unmarshal(b, m); err != nil {
			return &ParseError{Kind: ErrInvalidProtobuf, Message: name, Err: err}
		}
		return nil
	case MediaTypeJSON:
	default:
		return ErrUnsupportedMediaType
	}

	v, err := parseJSONText(b)
	if err != nil {
		return &ParseError{Kind: ErrInvalidJSON, Message: name, Detail: err.Error(), Err: err}
	}
	proto.Reset(m)
	conversion := func(detail string) error {
		return &ParseError{Kind: ErrJSONConversion, Message: name, Detail: detail}
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return conversion("Expecting a JSON object")
	}
	rm := m.ProtoReflect()
	if err := convertObject(rm, obj); err != nil {
		return conversion(err.Error())
	}
	var missing []string
	findMissingRequired(rm, "", &missing)
	if len(missing) > 0 {
		return conversion("Missing required fields: " + strings.Join(missing, ", "))
	}
	return nil
}

// parseJSONText parses b as exactly one JSON value (surrounding whitespace
// allowed), numbers kept as text.
func parseJSONText(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errors.New("unexpected end of JSON input")
		}
		return nil, err
	}
	if rest := bytes.TrimLeft(b[dec.InputOffset():], " \t\r\n"); len(rest) > 0 {
		return nil, convErrorf("Parsed JSON included non-whitespace trailing characters: %s",
			bytes.TrimRight(rest, " \t\r\n"))
	}
	return v, nil
}

// convertObject applies obj's keys to m in key order (a Mesos JSON::Object is
// a std::map, so this is also the order in which Mesos meets errors).
func convertObject(m protoreflect.Message, obj map[string]any) error {
	fields := m.Descriptor().Fields()
	for _, k := range sortedKeys(obj) {
		fd := fields.ByName(protoreflect.Name(k))
		if fd == nil {
			continue
		}
		if err := convertField(m, fd, obj[k]); err != nil {
			return err
		}
	}
	return nil
}

func sortedKeys(obj map[string]any) []string {
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func isMessageKind(fd protoreflect.FieldDescriptor) bool {
	k := fd.Kind()
	return k == protoreflect.MessageKind || k == protoreflect.GroupKind
}

func convertField(m protoreflect.Message, fd protoreflect.FieldDescriptor, v any) error {
	switch x := v.(type) {
	case nil:
		return nil // null: unset
	case []any:
		if fd.Cardinality() != protoreflect.Repeated {
			return notExpecting("array", fd)
		}
		for _, e := range x {
			if err := convertField(m, fd, e); err != nil {
				return err
			}
		}
		return nil
	case map[string]any:
		if !isMessageKind(fd) {
			return notExpecting("object", fd)
		}
		switch {
		case fd.IsMap():
			return convertMap(m.Mutable(fd).Map(), fd, x)
		case fd.IsList():
			l := m.Mutable(fd).List()
			e := l.NewElement()
			if err := convertObject(e.Message(), x); err != nil {
				return err
			}
			l.Append(e)
			return nil
		default:
			return convertObject(m.Mutable(fd).Message(), x)
		}
	}
	val, ok, err := scalarValue(fd, v)
	if err != nil || !ok {
		return err
	}
	if fd.IsList() {
		m.Mutable(fd).List().Append(val)
	} else {
		m.Set(fd, val)
	}
	return nil
}

// convertMap adds obj's entries to a map field; keys are parsed as the key
// field's type, as if they were JSON strings.
func convertMap(mp protoreflect.Map, fd protoreflect.FieldDescriptor, obj map[string]any) error {
	kd, vd := fd.MapKey(), fd.MapValue()
	for _, k := range sortedKeys(obj) {
		kv, ok, err := scalarValue(kd, k)
		if err != nil {
			return err
		}
		if !ok {
			kv = kd.Default()
		}
		key := kv.MapKey()
		switch x := obj[k].(type) {
		case nil:
			mp.Set(key, mp.NewValue())
		case []any:
			return notExpecting("array", vd)
		case map[string]any:
			if !isMessageKind(vd) {
				return notExpecting("object", vd)
			}
			if err := convertObject(mp.Mutable(key).Message(), x); err != nil {
				return err
			}
		default:
			val, ok, err := scalarValue(vd, x)
			if err != nil {
				return err
			}
			if !ok {
				val = mp.NewValue() // an unknown enum name leaves the default
			}
			mp.Set(key, val)
		}
	}
	return nil
}

// convError carries an error text worded exactly as Mesos words it.
type convError string

func (e convError) Error() string { return string(e) }

func convErrorf(format string, args ...any) error { return convError(fmt.Sprintf(format, args...)) }

func notExpecting(jsonType string, fd protoreflect.FieldDescriptor) error {
	return convErrorf("Not expecting a JSON %s for field '%s'", jsonType, fd.Name())
}

// scalarValue converts a JSON string, number or bool for field fd. ok is
// false when the value is to be dropped (unknown name of an optional enum).
func scalarValue(fd protoreflect.FieldDescriptor, v any) (val protoreflect.Value, ok bool, err error) {
	switch x := v.(type) {
	case string:
		return stringValue(fd, x)
	case json.Number:
		return numberValue(fd, x)
	case bool:
		if fd.Kind() != protoreflect.BoolKind {
			return val, false, notExpecting("boolean", fd)
		}
		return protoreflect.ValueOfBool(x), true, nil
	}
	return val, false, fmt.Errorf("unexpected JSON value %T for field '%s'", v, fd.Name())
}

func stringValue(fd protoreflect.FieldDescriptor, s string) (protoreflect.Value, bool, error) {
	switch fd.Kind() {
	case protoreflect.StringKind:
		return protoreflect.ValueOfString(s), true, nil
	case protoreflect.BytesKind:
		d, err := decodeBase64Lenient(s)
		if err != nil {
			return protoreflect.Value{}, false,
				convErrorf("Failed to base64 decode bytes field '%s': %v", fd.Name(), err)
		}
		return protoreflect.ValueOfBytes(d), true, nil
	case protoreflect.EnumKind:
		ev := fd.Enum().Values().ByName(protoreflect.Name(s))
		if ev == nil {
			if fd.Cardinality() == protoreflect.Required {
				return protoreflect.Value{}, false, convErrorf("Failed to find enum for '%s'", s)
			}
			return protoreflect.Value{}, false, nil
		}
		return protoreflect.ValueOfEnum(ev.Number()), true, nil
	case protoreflect.DoubleKind, protoreflect.FloatKind:
		switch s {
		case "Infinity":
			return numberValue(fd, json.Number("Infinity"))
		case "-Infinity":
			return numberValue(fd, json.Number("-Infinity"))
		}
		fallthrough
	case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind,
		protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind,
		protoreflect.Uint32Kind, protoreflect.Fixed32Kind, protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		v, err := parseJSONText([]byte(s))
		n, isNum := v.(json.Number)
		if err == nil && !isNum {
			err = convError("Expecting a JSON number")
		}
		if err != nil {
			return protoreflect.Value{}, false,
				convErrorf("Failed to parse '%s' as a JSON number for field '%s': %v", s, fd.Name(), err)
		}
		return numberValue(fd, n)
	case protoreflect.BoolKind:
		switch strings.Trim(s, " \t\r\n") {
		case "true":
			return protoreflect.ValueOfBool(true), true, nil
		case "false":
			return protoreflect.ValueOfBool(false), true, nil
		}
		return protoreflect.Value{}, false,
			convErrorf("Failed to parse '%s' as a JSON boolean for field '%s'", s, fd.Name())
	}
	return protoreflect.Value{}, false, notExpecting("string", fd)
}

// numberValue converts a JSON number as stout's JSON::Number::as<T> does: the
// number is held as int64, uint64 or double, whichever parses first, then
// cast to the field's type.
func numberValue(fd protoreflect.FieldDescriptor, n json.Number) (protoreflect.Value, bool, error) {
	s := string(n)
	var (
		f float64
		i int64
		u uint64
	)
	if v, err := strconv.ParseInt(s, 10, 64); err == nil {
		i, u, f = v, uint64(v), float64(v)
	} else if v, err := strconv.ParseUint(s, 10, 64); err == nil {
		i, u, f = int64(v), v, float64(v)
	} else {
		switch s {
		case "Infinity":
			f = math.Inf(1)
		case "-Infinity":
			f = math.Inf(-1)
		default:
			v, err := strconv.ParseFloat(s, 64)
			if err != nil && !errors.Is(err, strconv.ErrRange) {
				return protoreflect.Value{}, false, fmt.Errorf("invalid number '%s' for field '%s'", s, fd.Name())
			}
			f = v
		}
		i, u = floatToInt64(f), floatToUint64(f)
	}
	switch fd.Kind() {
	case protoreflect.DoubleKind:
		return protoreflect.ValueOfFloat64(f), true, nil
	case protoreflect.FloatKind:
		return protoreflect.ValueOfFloat32(float32(f)), true, nil
	case protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind:
		return protoreflect.ValueOfInt64(i), true, nil
	case protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		return protoreflect.ValueOfUint64(u), true, nil
	case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind:
		return protoreflect.ValueOfInt32(int32(i)), true, nil
	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind:
		return protoreflect.ValueOfUint32(uint32(u)), true, nil
	}
	return protoreflect.Value{}, false, notExpecting("number", fd)
}

// floatToInt64 truncates f, saturating instead of relying on the
// platform's behaviour for out-of-range conversions.
func floatToInt64(f float64) int64 {
	switch {
	case math.IsNaN(f):
		return 0
	case f >= math.MaxInt64:
		return math.MaxInt64
	case f <= math.MinInt64:
		return math.MinInt64
	}
	return int64(f)
}

func floatToUint64(f float64) uint64 {
	switch {
	case math.IsNaN(f) || f <= -1:
		return uint64(floatToInt64(f)) // C++ wraps negative values
	case f >= math.MaxUint64:
		return math.MaxUint64
	}
	return uint64(f)
}

// decodeBase64Lenient decodes standard base64 as stout's base64::decode:
// whitespace is skipped, decoding stops at the first '=', padding is optional
// and characters outside the standard alphabet are errors.
func decodeBase64Lenient(s string) ([]byte, error) {
	out := make([]byte, 0, len(s)*3/4)
	var quad [4]byte
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '=' {
			break
		}
		var v byte
		switch {
		case c >= 'A' && c <= 'Z':
			v = c - 'A'
		case c >= 'a' && c <= 'z':
			v = c - 'a' + 26
		case c >= '0' && c <= '9':
			v = c - '0' + 52
		case c == '+':
			v = 62
		case c == '/':
			v = 63
		case c == ' ' || (c >= '\t' && c <= '\r'):
			continue
		default:
			return nil, convErrorf("Invalid character '%c'", c)
		}
		quad[n] = v
		n++
		if n == 4 {
			out = append(out, quad[0]<<2|quad[1]>>4, quad[1]<<4|quad[2]>>2, quad[2]<<6|quad[3])
			n = 0
		}
	}
	if n > 0 {
		for j := n; j < 4; j++ {
			quad[j] = 0
		}
		tail := [3]byte{quad[0]<<2 | quad[1]>>4, quad[1]<<4 | quad[2]>>2, quad[2]<<6 | quad[3]}
		out = append(out, tail[:n-1]...)
	}
	return out, nil
}

// findMissingRequired lists unset required fields as protobuf's
// InitializationErrorString does: "a", "b.c", "d[0].e".
func findMissingRequired(m protoreflect.Message, prefix string, out *[]string) {
	fds := m.Descriptor().Fields()
	for i := range fds.Len() {
		fd := fds.Get(i)
		if fd.Cardinality() == protoreflect.Required && !m.Has(fd) {
			*out = append(*out, prefix+string(fd.Name()))
		}
	}
	var sub []protoreflect.FieldDescriptor
	for i := range fds.Len() {
		if fd := fds.Get(i); isMessageKind(fd) && m.Has(fd) {
			sub = append(sub, fd)
		}
	}
	slices.SortFunc(sub, func(a, b protoreflect.FieldDescriptor) int { return int(a.Number()) - int(b.Number()) })
	for _, fd := range sub {
		name := prefix + string(fd.Name())
		switch {
		case fd.IsMap():
			if !isMessageKind(fd.MapValue()) {
				continue
			}
			mp := m.Get(fd).Map()
			keys := make([]protoreflect.MapKey, 0, mp.Len())
			mp.Range(func(k protoreflect.MapKey, _ protoreflect.Value) bool {
				keys = append(keys, k)
				return true
			})
			kind := fd.MapKey().Kind()
			slices.SortFunc(keys, func(x, y protoreflect.MapKey) int { return compareMapKeys(kind, x, y) })
			for i, k := range keys {
				findMissingRequired(mp.Get(k).Message(), name+"["+strconv.Itoa(i)+"].value.", out)
			}
		case fd.IsList():
			l := m.Get(fd).List()
			for i := range l.Len() {
				findMissingRequired(l.Get(i).Message(), name+"["+strconv.Itoa(i)+"].", out)
			}
		default:
			findMissingRequired(m.Get(fd).Message(), name+".", out)
		}
	}
}
