// SPDX-License-Identifier: Apache-2.0

package httpapi

import (
	"bytes"
	"fmt"
	"testing"
	"unicode/utf8"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
)

// This file holds the reference decoder the fast one (json_decode.go) is
// checked against: protojson with Mesos-compatible preprocessing.

// jsonUnmarshal is protojson configured as a lenient client.
//
//   - DiscardUnknown: newer masters add fields; with it protojson (v1.36)
//     also drops enum names it does not know: an optional field stays unset,
//     a repeated field loses the element (TestUnknownEnumName).
//   - AllowPartial: Mesos may send messages with required fields unset.
var jsonUnmarshal = protojson.UnmarshalOptions{DiscardUnknown: true, AllowPartial: true}

// unmarshalProtojson decodes b into m (resetting m first) with protojson,
// after quoting bare non-finite numbers and repairing invalid UTF-8.
func unmarshalProtojson(b []byte, m proto.Message) error {
	if err := jsonUnmarshal.Unmarshal(sanitizeJSON(b), m); err != nil {
		return fmt.Errorf("httpapi: decoding JSON %s: %w", m.ProtoReflect().Descriptor().FullName(), err)
	}
	return nil
}

var (
	tokInfinity = []byte("Infinity")
	tokNaN      = []byte("NaN")
)

// sanitizeJSON returns b itself when it is valid UTF-8 and holds no bare
// Infinity, -Infinity or NaN; otherwise a copy in which invalid UTF-8 is
// replaced by U+FFFD and those bare tokens (which Mesos's rapidjson writes for
// non-finite doubles) are quoted, as protojson accepts them.
func sanitizeJSON(b []byte) []byte {
	if !utf8.Valid(b) {
		// Invalid bytes can only sit inside strings in otherwise valid JSON.
		b = bytes.ToValidUTF8(b, []byte("\uFFFD"))
	}
	if !bytes.Contains(b, tokInfinity) && !bytes.Contains(b, tokNaN) {
		return b
	}
	return quoteNonFinite(b)
}

// quoteNonFinite quotes bare Infinity, -Infinity and NaN tokens outside
// strings. It copies b only if it finds one.
func quoteNonFinite(b []byte) []byte {
	var out []byte
	last := 0
	for i := 0; i < len(b); i++ {
		var tok []byte
		switch b[i] {
		case '"':
			// Skip the string, honouring escapes.
			for i++; i < len(b); i++ {
				j := bytes.IndexAny(b[i:], `"\`)
				if j < 0 {
					i = len(b)
					break
				}
				i += j
				if b[i] == '"' {
					break
				}
				i++ // skip the escaped byte
			}
			continue
		case 'I':
			tok = tokInfinity
		case 'N':
			tok = tokNaN
		case '-':
			if bytes.HasPrefix(b[i+1:], tokInfinity) {
				tok = tokInfinity
			}
		}
		if tok == nil {
			continue
		}
		start, end := i, i+len(tok)
		if b[i] == '-' {
			end++
		}
		if end > len(b) || !bytes.Equal(b[end-len(tok):end], tok) {
			continue // not the token: leave it for the decoder to reject
		}
		if out == nil {
			out = make([]byte, 0, len(b)+16)
		}
		out = append(out, b[last:start]...)
		out = append(out, '"')
		out = append(out, b[start:end]...)
		out = append(out, '"')
		last = end
		i = end - 1
	}
	if out == nil {
		return b
	}
	return append(out, b[last:]...)
}

func TestSanitizeJSON(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{`{"a":1}`, `{"a":1}`},
		{`{"a":Infinity}`, `{"a":"Infinity"}`},
		{`{"a":-Infinity,"b":NaN}`, `{"a":"-Infinity","b":"NaN"}`},
		{`[Infinity,-Infinity,NaN]`, `["Infinity","-Infinity","NaN"]`},
		{`{"s":"Infinity NaN -Infinity"}`, `{"s":"Infinity NaN -Infinity"}`},
		{`{"s":"a\"Infinity\\","d":NaN}`, `{"s":"a\"Infinity\\","d":"NaN"}`},
		{`{"s":"\\\"NaN"}`, `{"s":"\\\"NaN"}`},
		{`{"a": Infinity , "b":[ NaN ]}`, `{"a": "Infinity" , "b":[ "NaN" ]}`},
		{`{"a":Inf}`, `{"a":Inf}`},   // not the token: left for the decoder to reject
		{`{"a":-Inf}`, `{"a":-Inf}`}, // idem
		{`{"s":"unterminated Infinity`, `{"s":"unterminated Infinity`},
		{"{\"s\":\"bad \xff utf8\",\"d\":NaN}", "{\"s\":\"bad \uFFFD utf8\",\"d\":\"NaN\"}"},
	}
	for _, tt := range tests {
		if got := string(sanitizeJSON([]byte(tt.in))); got != tt.want {
			t.Errorf("sanitizeJSON(%s) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

// TestSanitizeJSONNoCopy: input without bare tokens is returned as is.
func TestSanitizeJSONNoCopy(t *testing.T) {
	for _, in := range []string{docOffers, `{"s":"Infinity","t":"NaN"}`, ``} {
		b := []byte(in)
		out := sanitizeJSON(b)
		if len(b) > 0 && &out[0] != &b[0] {
			t.Errorf("sanitizeJSON copied %.30s…", in)
		}
	}
	b := []byte(docOffers)
	if n := testing.AllocsPerRun(100, func() { sanitizeJSON(b) }); n != 0 {
		t.Errorf("sanitizeJSON allocates %.0f times on clean input", n)
	}
}
