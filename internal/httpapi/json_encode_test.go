// SPDX-License-Identifier: Apache-2.0

package httpapi

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/schedulerpb"
)

func TestAppendDouble(t *testing.T) {
	tests := []struct {
		in   float64
		want string
	}{
		{0, "0.0"},
		{math.Copysign(0, -1), "-0.0"},
		{1, "1.0"},
		{4, "4.0"},
		{15, "15.0"},
		{604800, "604800.0"},
		{1724434740.25, "1724434740.25"},
		{0.5, "0.5"},
		{0.1, "0.1"},
		{-2.5, "-2.5"},
		{1e20, "100000000000000000000.0"},
		{1e21, "1e21"},
		{1.5e21, "1.5e21"},
		{1.2345e23, "1.2345e23"},
		{1e-6, "0.000001"},
		{1.5e-6, "0.0000015"},
		{1e-7, "1e-7"},
		{-1.25e-7, "-1.25e-7"},
		{math.MaxFloat64, "1.7976931348623157e308"},
		{5e-324, "5e-324"},
		{math.Inf(1), `"Infinity"`},
		{math.Inf(-1), `"-Infinity"`},
		{math.NaN(), `"NaN"`},
	}
	for _, tt := range tests {
		if got := string(appendDouble(nil, tt.in)); got != tt.want {
			t.Errorf("appendDouble(%v) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

// TestAppendDoubleRoundTrip: every finite double renders as a valid JSON
// number that parses back to the same value.
func TestAppendDoubleRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 200000 {
		f := math.Float64frombits(r.Uint64())
		if math.IsNaN(f) || math.IsInf(f, 0) {
			continue
		}
		s := appendDouble(nil, f)
		if !json.Valid(s) {
			t.Fatalf("%v renders as invalid JSON %s", f, s)
		}
		g, err := strconv.ParseFloat(string(s), 64)
		if err != nil || g != f {
			t.Fatalf("%v renders as %s, parses as %v (%v)", f, s, g, err)
		}
	}
}

func TestAppendString(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", `""`},
		{"plain", `"plain"`},
		{`q"b\s`, `"q\"b\\s"`},
		{"\n\r\t\b\f", `"\n\r\t\b\f"`},
		{"\x00\x01\x1f", `"\u0000\u0001\u001F"`},
		{"\x7f/<>&", "\"\x7f/<>&\""},
		{"é→😀", `"é→😀"`},
		{"a\xffb\xc3", "\"a\uFFFDb\uFFFD\""},
	}
	for _, tt := range tests {
		got := appendString(nil, tt.in)
		if string(got) != tt.want {
			t.Errorf("appendString(%q) = %s, want %s", tt.in, got, tt.want)
		}
		if !json.Valid(got) {
			t.Errorf("appendString(%q) is not valid JSON", tt.in)
		}
	}
}

func TestMarshalJSONScalars(t *testing.T) {
	m := newAll()
	set := func(name string, v any) {
		fd := allTypes.Fields().ByName(protoreflectName(name))
		m.Set(fd, valueOf(fd, v))
	}
	set("i32", int32(-5))
	set("i64", int64(math.MinInt64))
	set("u32", uint32(math.MaxUint32))
	set("u64", uint64(math.MaxUint64))
	set("s32", int32(-1))
	set("s64", int64(1)<<60)
	set("f32", uint32(7))
	set("f64", uint64(8))
	set("sf32", int32(-9))
	set("sf64", int64(-10))
	set("fl", float32(0.25))
	set("db", 1.5)
	set("b", false)
	set("s", "x\"y")
	set("by", []byte{0xfb, 0xff})
	set("color", "GREEN")
	set("o_int", int32(3))
	got, err := JSON.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"i32":-5,"i64":-9223372036854775808,"u32":4294967295,"u64":18446744073709551615,"s32":-1,` +
		`"s64":1152921504606846976,"f32":7,"f64":8,"sf32":-9,"sf64":-10,"fl":0.25,"db":1.5,"b":false,` +
		`"s":"x\"y","by":"+/8=","color":"GREEN","o_int":3,` + allDefaults + `}`
	if string(got) != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func TestMarshalJSONEmpty(t *testing.T) {
	got, err := JSON.Marshal(newAll())
	if err != nil {
		t.Fatal(err)
	}
	if want := "{" + allDefaults + "}"; string(got) != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	for _, m := range []proto.Message{nil, (*mesosproto.FrameworkID)(nil)} {
		if got, err := JSON.Marshal(m); err != nil || string(got) != "{}" {
			t.Errorf("Marshal(%#v) = %s, %v", m, got, err)
		}
	}
}

func TestMarshalJSONRepeatedAndMaps(t *testing.T) {
	in := `{"r_i64":[1,-2,"3"],"r_db":[1,"Infinity",0.5],"r_color":["BLUE","RED"],"r_child":[{},{"i32":1}],` +
		`"r_by":["AA==",""],"m_int":{"10":"ten","-3":"minus three","2":"two"},` +
		`"m_bool":{"true":{"id":"t"},"false":{"id":"f","kind":"GREEN"}},"m_str":{"b":"GREEN","a":"RED"},"o_str":"o"}`
	m := newAll()
	if err := JSON.Unmarshal([]byte(in), m); err != nil {
		t.Fatal(err)
	}
	got, err := JSON.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	child := "{" + allDefaults + "}"
	child1 := `{"i32":1,` + allDefaults + "}"
	want := `{"r_i64":[1,-2,3],"r_db":[1.0,"Infinity",0.5],"r_color":["BLUE","RED"],"r_child":[` + child + "," + child1 + `],` +
		`"r_by":["AA==",""],"m_int":{"-3":"minus three","2":"two","10":"ten"},` +
		`"m_bool":{"false":{"id":"f","kind":"GREEN"},"true":{"id":"t"}},"m_str":{"a":"RED","b":"GREEN"},"o_str":"o",` +
		allDefaults + "}"
	if string(got) != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	// Our output reads back (through protojson) to the same message plus defaults.
	back := newAll()
	if err := JSON.Unmarshal(got, back); err != nil {
		t.Fatal(err)
	}
	again, _ := JSON.Marshal(back)
	if string(again) != string(got) {
		t.Errorf("second round differs:\n%s\n%s", again, got)
	}
}

// TestMarshalJSONMatchesProtojsonSemantics: for a big Mesos message, our
// output means the same as protojson's (proto names), modulo defaults and
// 64-bit integers written as numbers.
func TestMarshalJSONMatchesProtojsonSemantics(t *testing.T) {
	ev := offersEvent(20)
	ours, err := JSON.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	var back schedulerpb.Event
	if err := protojson.Unmarshal(ours, &back); err != nil {
		t.Fatalf("protojson cannot read our output: %v", err)
	}
	// offersEvent sets no field that has a default, so nothing is added.
	if !proto.Equal(ev, &back) {
		t.Error("protojson reads our output as a different message")
	}
	if strings.Contains(string(ours), `"31000"`) || !strings.Contains(string(ours), `"begin":31000,"end":32000`) {
		t.Error("integers must be JSON numbers")
	}
}

// TestMarshalJSONUnknownEnumNumbers: Go keeps unknown numbers of closed
// enums in the field; C++ Mesos would have moved them to unknown fields, so
// they are not rendered.
func TestMarshalJSONUnknownEnumNumbers(t *testing.T) {
	ev := &schedulerpb.Event{Type: schedulerpb.Event_Type(6199).Enum()}
	if got, _ := JSON.Marshal(ev); string(got) != `{}` {
		t.Errorf("Event with type 6199 = %s", got)
	}

	m := newAll()
	fields := allTypes.Fields()
	m.Set(fields.ByName("color"), protoreflectEnum(9))
	m.Set(fields.ByName("d_color"), protoreflectEnum(9)) // has a default: shows the default
	l := m.Mutable(fields.ByName("r_color")).List()
	for _, n := range []int32{0, 9, 2} {
		l.Append(protoreflectEnum(n))
	}
	mp := m.Mutable(fields.ByName("m_str")).Map()
	mp.Set(protoreflectKey("a"), protoreflectEnum(9))
	mp.Set(protoreflectKey("b"), protoreflectEnum(1))
	got, _ := JSON.Marshal(m)
	want := `{"r_color":["RED","BLUE"],"m_str":{"b":"GREEN"},` + allDefaults + `}`
	if string(got) != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}

	m = newAll()
	m.Mutable(fields.ByName("r_color")).List().Append(protoreflectEnum(9))
	m.Mutable(fields.ByName("m_str")).Map().Set(protoreflectKey("a"), protoreflectEnum(9))
	if got, _ := JSON.Marshal(m); string(got) != "{"+allDefaults+"}" {
		t.Errorf("only unknown values: %s", got)
	}
}
