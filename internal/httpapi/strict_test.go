// SPDX-License-Identifier: Apache-2.0

package httpapi

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/testing/protocmp"

	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/schedulerpb"
)

func TestUnmarshalStrictJSON(t *testing.T) {
	tests := []struct {
		name string
		in   string
		req  bool   // decode into Req instead of All
		want string // protojson text of the expected message, when ok
		kind error  // expected ParseError kind
		body string // expected 400 body (Message "All"/"Req")
	}{
		{name: "empty object", in: `{}`, want: `{}`},
		{name: "unknown and camelCase keys ignored", in: `{"rI64":[1],"nope":{"x":1},"i32":1}`, want: `{"i32":1}`},
		{name: "numeric strings", in: `{"i32":"12","i64":"-5","u64":"18446744073709551615","db":"1.5","fl":"Infinity","b":"true"}`,
			want: `{"i32":12,"i64":"-5","u64":"18446744073709551615","db":1.5,"fl":"Infinity","b":true}`},
		{name: "double strings", in: `{"db":"-Infinity","r_db":["1e3",2,"Infinity"]}`, want: `{"db":"-Infinity","r_db":[1000,2,"Infinity"]}`},
		{name: "number fractions truncate, negatives wrap", in: `{"i32":2.9,"u32":-1,"i64":1e3}`, want: `{"i32":2,"u32":4294967295,"i64":"1000"}`},
		{name: "scalar for repeated field", in: `{"r_i64":5,"r_color":"BLUE"}`, want: `{"r_i64":["5"],"r_color":["BLUE"]}`},
		{name: "nested arrays flatten", in: `{"r_i64":[1,[2,[3]]]}`, want: `{"r_i64":["1","2","3"]}`},
		{name: "null is unset", in: `{"s":null,"child":null,"r_i64":[null,1]}`, want: `{"r_i64":["1"]}`},
		{name: "empty object marks a message present", in: `{"child":{}}`, want: `{"child":{}}`},
		{name: "unknown optional enum name dropped", in: `{"color":"PURPLE","r_color":["PURPLE","RED"]}`, want: `{"r_color":["RED"]}`},
		{name: "maps", in: `{"m_int":{"-5":"x","7":"y"},"m_str":{"a":"GREEN","b":"PURPLE"},"m_bool":{"true":{"id":"i","kind":"RED"}}}`,
			want: `{"m_int":{"-5":"x","7":"y"},"m_str":{"a":"GREEN","b":"RED"},"m_bool":{"true":{"id":"i","kind":"RED"}}}`},
		{name: "bytes lenient base64", in: `{"by":"AQ I","r_by":["+/8=","+/8","+/8=garbage"]}`, want: `{"by":"AQI=","r_by":["+/8=","+/8=","+/8="]}`},
		{name: "bools", in: `{"b":"false"}`, want: `{"b":false}`},
		{name: "surrounding whitespace", in: " \n{\"i32\":1}\t\n", want: `{"i32":1}`},

		{name: "not JSON", in: `{"i32":`, kind: ErrInvalidJSON, body: "Failed to parse body into JSON: "},
		{name: "empty body", in: ``, kind: ErrInvalidJSON, body: "Failed to parse body into JSON: unexpected end of JSON input"},
		{name: "bare Infinity is not JSON", in: `{"db":Infinity}`, kind: ErrInvalidJSON, body: "Failed to parse body into JSON: "},
		{name: "trailing data", in: `{} x `, kind: ErrInvalidJSON,
			body: "Failed to parse body into JSON: Parsed JSON included non-whitespace trailing characters: x"},
		{name: "top level array", in: `[]`, kind: ErrJSONConversion, body: "Failed to convert JSON into All protobuf: Expecting a JSON object"},
		{name: "top level string", in: `"x"`, kind: ErrJSONConversion, body: "Failed to convert JSON into All protobuf: Expecting a JSON object"},
		{name: "enum as number", in: `{"color":1}`, kind: ErrJSONConversion,
			body: "Failed to convert JSON into All protobuf: Not expecting a JSON number for field 'color'"},
		{name: "bool for string", in: `{"s":true}`, kind: ErrJSONConversion, body: "Not expecting a JSON boolean for field 's'"},
		{name: "array for singular", in: `{"i32":[1]}`, kind: ErrJSONConversion, body: "Not expecting a JSON array for field 'i32'"},
		{name: "object for scalar", in: `{"i32":{}}`, kind: ErrJSONConversion, body: "Not expecting a JSON object for field 'i32'"},
		{name: "string for message", in: `{"child":"x"}`, kind: ErrJSONConversion, body: "Not expecting a JSON string for field 'child'"},
		{name: "number for string", in: `{"s":1}`, kind: ErrJSONConversion, body: "Not expecting a JSON number for field 's'"},
		{name: "bad numeric string", in: `{"i32":"abc"}`, kind: ErrJSONConversion, body: "Failed to parse 'abc' as a JSON number for field 'i32'"},
		{name: "NaN string for double", in: `{"db":"NaN"}`, kind: ErrJSONConversion, body: "Failed to parse 'NaN' as a JSON number for field 'db'"},
		{name: "bad bool string", in: `{"b":"yes"}`, kind: ErrJSONConversion, body: "Failed to parse 'yes' as a JSON boolean for field 'b'"},
		{name: "url-safe base64", in: `{"by":"-_8="}`, kind: ErrJSONConversion, body: "Failed to base64 decode bytes field 'by': Invalid character '-'"},
		{name: "first error in key order", in: `{"s":1,"i32":"x"}`, kind: ErrJSONConversion, body: "field 'i32'"},
		{name: "map value array", in: `{"m_int":{"1":[]}}`, kind: ErrJSONConversion, body: "Not expecting a JSON array for field 'value'"},

		{name: "required present", req: true, in: `{"id":"a","kind":"RED"}`, want: `{"id":"a","kind":"RED"}`},
		{name: "unknown required enum name", req: true, in: `{"id":"a","kind":"PURPLE"}`, kind: ErrJSONConversion,
			body: "Failed to convert JSON into Req protobuf: Failed to find enum for 'PURPLE'"},
		{name: "missing required fields", req: true, in: `{"subs":[{"id":"a","kind":"RED"},{}],"sub":{"kind":"RED"}}`,
			kind: ErrJSONConversion,
			body: "Failed to convert JSON into Req protobuf: Missing required fields: id, kind, sub.id, subs[1].id, subs[1].kind"},
		{name: "missing required in map value", in: `{"m_bool":{"false":{"id":"x"}}}`, kind: ErrJSONConversion,
			body: "Missing required fields: m_bool[0].value.kind"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, want := newAll(), newAll()
			if tt.req {
				m, want = newReq(), newReq()
			}
			err := UnmarshalStrict(MediaTypeJSON, []byte(tt.in), m)
			if tt.kind == nil {
				if err != nil {
					t.Fatal(err)
				}
				if err := protojson.Unmarshal([]byte(tt.want), want); err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(want, m, protocmp.Transform()); diff != "" {
					t.Errorf("(-want +got):\n%s", diff)
				}
				return
			}
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("err = %v, want a *ParseError", err)
			}
			if !errors.Is(err, tt.kind) {
				t.Errorf("kind = %v, want %v", pe.Kind, tt.kind)
			}
			if !strings.Contains(pe.Body(), tt.body) {
				t.Errorf("body = %q, want it to contain %q", pe.Body(), tt.body)
			}
			if !strings.HasPrefix(err.Error(), "httpapi: Failed to ") {
				t.Errorf("Error() = %q", err)
			}
		})
	}
}

func TestUnmarshalStrictMesosCalls(t *testing.T) {
	// An enum as a number is refused, as the master refuses it.
	var call schedulerpb.Call
	err := UnmarshalStrict(MediaTypeJSON, []byte(`{"type":1,"subscribe":{"framework_info":{"user":"u","name":"n"}}}`), &call)
	var pe *ParseError
	if !errors.As(err, &pe) || pe.Body() != "Failed to convert JSON into Call protobuf: Not expecting a JSON number for field 'type'" {
		t.Errorf("err = %v", err)
	}
	// Missing required fields.
	err = UnmarshalStrict(MediaTypeJSON, []byte(`{"type":"SUBSCRIBE","subscribe":{"framework_info":{"roles":["a"]}}}`), &call)
	if !errors.As(err, &pe) || pe.Body() != "Failed to convert JSON into Call protobuf: "+
		"Missing required fields: subscribe.framework_info.user, subscribe.framework_info.name" {
		t.Errorf("err = %v", err)
	}
	// An unknown call type leaves type unset (the master then answers "Expecting 'type' to be present").
	if err := UnmarshalStrict(MediaTypeJSON, []byte(`{"type":"FUTURE"}`), &call); err != nil || call.Type != nil {
		t.Errorf("unknown type: %v, %v", call.Type, err)
	}
	// Go protojson style (64-bit integers as strings) is accepted.
	var st mesosproto.TaskStatus
	err = UnmarshalStrict(MediaTypeJSON, []byte(`{"task_id":{"value":"t"},"state":"TASK_RUNNING","timestamp":"1.5"}`), &st)
	if err != nil || st.GetTimestamp() != 1.5 {
		t.Errorf("TaskStatus: %v %v", &st, err)
	}
}

func TestUnmarshalStrictProtobuf(t *testing.T) {
	good, err := proto.Marshal(&schedulerpb.Call{
		Type: schedulerpb.Call_SUBSCRIBE.Enum(),
		Subscribe: &schedulerpb.Call_Subscribe{FrameworkInfo: &mesosproto.FrameworkInfo{
			User: proto.String("u"), Name: proto.String("n"),
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	var call schedulerpb.Call
	if err := UnmarshalStrict(MediaTypeProtobuf, good, &call); err != nil || call.GetSubscribe().GetFrameworkInfo().GetUser() != "u" {
		t.Fatalf("valid call: %v", err)
	}

	missing, err := proto.MarshalOptions{AllowPartial: true}.Marshal(&schedulerpb.Call{
		Type:      schedulerpb.Call_SUBSCRIBE.Enum(),
		Subscribe: &schedulerpb.Call_Subscribe{FrameworkInfo: &mesosproto.FrameworkInfo{}},
	})
	if err != nil {
		t.Fatal(err)
	}
	for name, in := range map[string][]byte{"garbage": []byte("\xff\xff\xff"), "missing required": missing} {
		err := UnmarshalStrict(MediaTypeProtobuf, in, &call)
		var pe *ParseError
		if !errors.As(err, &pe) || !errors.Is(err, ErrInvalidProtobuf) {
			t.Errorf("%s: err = %v", name, err)
			continue
		}
		if pe.Body() != "Failed to parse body into Call protobuf" {
			t.Errorf("%s: body = %q", name, pe.Body())
		}
	}
}

func TestUnmarshalStrictMediaType(t *testing.T) {
	var call schedulerpb.Call
	for _, mt := range []string{"", "application/json; charset=utf-8", "APPLICATION/JSON", "text/plain"} {
		if err := UnmarshalStrict(mt, []byte(`{}`), &call); err != ErrUnsupportedMediaType {
			t.Errorf("%q: err = %v", mt, err)
		}
	}
}

func TestDecodeBase64Lenient(t *testing.T) {
	tests := []struct{ in, want, err string }{
		{"", "", ""},
		{"jxx+Cjt9Sn6cHi1banyNng==", "\x8f\x1c\x7e\x0a\x3b\x7d\x4a\x7e\x9c\x1e\x2d\x5b\x6a\x7c\x8d\x9e", ""},
		{"aGVsbG8=", "hello", ""},
		{"aGVsbG8", "hello", ""},
		{"aGVs\nbG8=", "hello", ""},
		{"aGVsbG8=aGVsbG8=", "hello", ""},
		{"a", "", ""},
		{"aGVsbG8_", "", "Invalid character '_'"},
	}
	for _, tt := range tests {
		got, err := decodeBase64Lenient(tt.in)
		if tt.err != "" {
			if err == nil || err.Error() != tt.err {
				t.Errorf("%q: err = %v, want %s", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil || string(got) != tt.want {
			t.Errorf("%q = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}
