// SPDX-License-Identifier: Apache-2.0

package httpapi

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"math"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"

	"google.golang.org/protobuf/reflect/protoreflect"
)

// The JSON lexing half of the decoder: tokens, numbers, strings, skipping.

// jsonSyntaxError reports malformed input or a value that does not fit its field.
type jsonSyntaxError struct {
	off int
	msg string
}

func (e *jsonSyntaxError) Error() string { return fmt.Sprintf("offset %d: %s", e.off, e.msg) }

func (d *jsonDecoder) errorf(format string, args ...any) error {
	return &jsonSyntaxError{off: d.i, msg: fmt.Sprintf(format, args...)}
}

func (d *jsonDecoder) unexpected() error {
	if d.i >= len(d.b) {
		return d.errorf("unexpected end of input")
	}
	return d.errorf("unexpected character %q", d.b[d.i])
}

func (d *jsonDecoder) ws() {
	for d.i < len(d.b) {
		switch d.b[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

func (d *jsonDecoder) peek() byte {
	if d.i < len(d.b) {
		return d.b[d.i]
	}
	return 0
}

// literal consumes lit (true, false, null, Infinity, NaN) if it is next.
func (d *jsonDecoder) literal(lit string) bool {
	if len(d.b)-d.i >= len(lit) && string(d.b[d.i:d.i+len(lit)]) == lit {
		d.i += len(lit)
		return true
	}
	return false
}

// number consumes a bare number token (bare Infinity, -Infinity and NaN
// included) and returns its text.
func (d *jsonDecoder) number() ([]byte, error) {
	start := d.i
	if d.literal("NaN") || d.literal("Infinity") || d.literal("-Infinity") {
		return d.b[start:d.i], nil
	}
	n := numberLen(d.b[d.i:])
	if n == 0 {
		return nil, d.unexpected()
	}
	d.i += n
	return d.b[start:d.i], nil
}

// numberLen returns the length of the JSON number at the start of b, or 0.
func numberLen(b []byte) int {
	i := 0
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && b[i] >= '1' && b[i] <= '9':
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
	default:
		return 0
	}
	if i < len(b) && b[i] == '.' {
		i++
		j := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		if i == j {
			return 0
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		j := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		if i == j {
			return 0
		}
	}
	return i
}

func isJSONNumber(b []byte) bool { return len(b) > 0 && numberLen(b) == len(b) }

// floatValue parses a double or float: a JSON number, or Infinity,
// -Infinity, NaN.
func floatValue(kind protoreflect.Kind, text []byte) (protoreflect.Value, error) {
	var f float64
	switch string(text) {
	case "Infinity":
		f = math.Inf(1)
	case "-Infinity":
		f = math.Inf(-1)
	case "NaN":
		f = math.NaN()
	default:
		if !isJSONNumber(text) {
			return protoreflect.Value{}, fmt.Errorf("invalid number %q", text)
		}
		bits := 64
		if kind == protoreflect.FloatKind {
			bits = 32
		}
		var err error
		if f, err = strconv.ParseFloat(string(text), bits); err != nil {
			return protoreflect.Value{}, fmt.Errorf("number %s out of range", text)
		}
	}
	if kind == protoreflect.FloatKind {
		return protoreflect.ValueOfFloat32(float32(f)), nil
	}
	return protoreflect.ValueOfFloat64(f), nil
}

// intValue parses an integer of the given kind from a JSON number (an
// exponent or fraction is fine if the value is integral, as protojson
// allows).
func intValue(kind protoreflect.Kind, text []byte) (protoreflect.Value, error) {
	digits, ok := integerDigits(text)
	if !ok {
		return protoreflect.Value{}, fmt.Errorf("invalid integer %q", text)
	}
	var (
		bits     = 64
		unsigned bool
	)
	switch kind {
	case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind:
		bits = 32
	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind:
		bits, unsigned = 32, true
	case protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		unsigned = true
	}
	if unsigned {
		u, err := strconv.ParseUint(string(digits), 10, bits)
		if err != nil {
			return protoreflect.Value{}, fmt.Errorf("integer %s out of range", text)
		}
		if bits == 32 {
			return protoreflect.ValueOfUint32(uint32(u)), nil
		}
		return protoreflect.ValueOfUint64(u), nil
	}
	n, err := strconv.ParseInt(string(digits), 10, bits)
	if err != nil {
		return protoreflect.Value{}, fmt.Errorf("integer %s out of range", text)
	}
	if bits == 32 {
		return protoreflect.ValueOfInt32(int32(n)), nil
	}
	return protoreflect.ValueOfInt64(n), nil
}

// integerDigits turns a JSON number into plain integer digits ("-12e2" →
// "-1200", "5.0" → "5"), exactly; ok is false if it is not a number or has
// a fractional part. Values too large for 64 bits come back as 22 digits,
// for the caller's range check to refuse.
func integerDigits(text []byte) (digits []byte, ok bool) {
	if !isJSONNumber(text) {
		return nil, false
	}
	e := bytes.IndexAny(text, "eE")
	dot := bytes.IndexByte(text, '.')
	if e < 0 && dot < 0 {
		return text, true // the common case: no copy
	}
	mant, exp := text, 0
	if e >= 0 {
		mant = text[:e]
		exp = saturatingAtoi(text[e+1:])
	}
	neg := mant[0] == '-'
	if neg {
		mant = mant[1:]
	}
	ds := make([]byte, 0, len(mant))
	if dot = bytes.IndexByte(mant, '.'); dot >= 0 {
		ds = append(append(ds, mant[:dot]...), mant[dot+1:]...)
		exp -= len(mant) - dot - 1
	} else {
		ds = append(ds, mant...)
	}
	ds = bytes.TrimLeft(ds, "0")
	if len(ds) == 0 {
		return []byte("0"), true
	}
	for ds[len(ds)-1] == '0' { // ds has a non-zero digit, so this stops
		ds = ds[:len(ds)-1]
		exp++
	}
	if exp < 0 {
		return nil, false // fractional
	}
	out := make([]byte, 0, 24)
	if neg {
		out = append(out, '-')
	}
	if len(ds)+exp > 21 {
		return append(out, "9999999999999999999999"...), true
	}
	out = append(out, ds...)
	for range exp {
		out = append(out, '0')
	}
	return out, true
}

// saturatingAtoi parses an exponent ("+5", "-12", "007"), clamped to ±1e6.
func saturatingAtoi(b []byte) int {
	neg := false
	if len(b) > 0 && (b[0] == '+' || b[0] == '-') {
		neg = b[0] == '-'
		b = b[1:]
	}
	n := 0
	for _, c := range b {
		n = min(n*10+int(c-'0'), 1_000_000)
	}
	if neg {
		return -n
	}
	return n
}

// appendBase64 appends the decoding of standard or URL-safe base64, padded
// or not, as protojson accepts it.
func appendBase64(dst, s []byte) ([]byte, error) {
	enc := base64.StdEncoding
	if bytes.ContainsAny(s, "-_") {
		enc = base64.URLEncoding
	}
	if len(s)%4 != 0 {
		enc = enc.WithPadding(base64.NoPadding)
	}
	out, err := enc.AppendDecode(dst, s)
	if err != nil {
		return dst, errors.New("invalid base64")
	}
	return out, nil
}

// str consumes a string (d.b[d.i] == '"') and returns its contents,
// unescaped. The result aliases the input or d.scratch: copy before keeping.
func (d *jsonDecoder) str() ([]byte, error) {
	d.i++ // opening quote
	start := d.i
	for d.i < len(d.b) {
		c := d.b[d.i]
		switch {
		case c == '"':
			s := d.b[start:d.i]
			d.i++
			return s, nil
		case c == '\\':
			return d.strEscaped(start)
		case c < 0x20:
			return nil, d.errorf("control character %q in string", c)
		}
		d.i++
	}
	return nil, d.errorf("unterminated string")
}

// strEscaped continues str from the first backslash, unescaping into scratch.
func (d *jsonDecoder) strEscaped(start int) ([]byte, error) {
	out := append(d.scratch[:0], d.b[start:d.i]...)
	for d.i < len(d.b) {
		c := d.b[d.i]
		switch {
		case c == '"':
			d.i++
			d.scratch = out
			return out, nil
		case c < 0x20:
			return nil, d.errorf("control character %q in string", c)
		case c != '\\':
			out = append(out, c)
			d.i++
			continue
		}
		if d.i+1 >= len(d.b) {
			break
		}
		e := d.b[d.i+1]
		d.i += 2
		switch e {
		case '"', '\\', '/':
			out = append(out, e)
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r, ok := d.hex4()
			if !ok {
				return nil, d.errorf("invalid \\u escape")
			}
			if utf16.IsSurrogate(r) {
				r2 := rune(-1)
				if d.i+1 < len(d.b) && d.b[d.i] == '\\' && d.b[d.i+1] == 'u' {
					save := d.i
					d.i += 2
					var ok2 bool
					if r2, ok2 = d.hex4(); !ok2 {
						return nil, d.errorf("invalid \\u escape")
					}
					if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
						r = dec
						r2 = -1
					} else {
						d.i = save // lone surrogate; the next escape stands alone
					}
				}
				if r2 != -1 || utf16.IsSurrogate(r) {
					r = utf8.RuneError
				}
			}
			out = utf8.AppendRune(out, r)
		default:
			d.i -= 2
			return nil, d.errorf("invalid escape")
		}
	}
	return nil, d.errorf("unterminated string")
}

func (d *jsonDecoder) hex4() (rune, bool) {
	if len(d.b)-d.i < 4 {
		return 0, false
	}
	var r rune
	for _, c := range d.b[d.i : d.i+4] {
		r <<= 4
		switch {
		case c >= '0' && c <= '9':
			r |= rune(c - '0')
		case c >= 'a' && c <= 'f':
			r |= rune(c - 'a' + 10)
		case c >= 'A' && c <= 'F':
			r |= rune(c - 'A' + 10)
		default:
			return 0, false
		}
	}
	d.i += 4
	return r, true
}

// skip consumes one value of any type (an unknown field's), checking syntax.
func (d *jsonDecoder) skip() error {
	switch c := d.peek(); {
	case c == '"':
		_, err := d.str()
		return err
	case c == '{' || c == '[':
		if d.depth++; d.depth > maxJSONDepth {
			return d.errorf("%v", errJSONDepth)
		}
		d.i++
		closer := byte('}')
		if c == '[' {
			closer = ']'
		}
		d.ws()
		if d.peek() == closer {
			d.i++
			d.depth--
			return nil
		}
		for {
			d.ws()
			if c == '{' {
				if d.peek() != '"' {
					return d.unexpected()
				}
				if _, err := d.str(); err != nil {
					return err
				}
				d.ws()
				if d.peek() != ':' {
					return d.unexpected()
				}
				d.i++
				d.ws()
			}
			if err := d.skip(); err != nil {
				return err
			}
			d.ws()
			switch d.peek() {
			case ',':
				d.i++
			case closer:
				d.i++
				d.depth--
				return nil
			default:
				return d.unexpected()
			}
		}
	case d.literal("true") || d.literal("false") || d.literal("null"):
		return nil
	}
	_, err := d.number()
	return err
}
