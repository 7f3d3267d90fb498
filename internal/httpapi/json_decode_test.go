// SPDX-License-Identifier: Apache-2.0

package httpapi

import (
	"math"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/executorpb"
	"github.com/mesoskit/mesoskit/mesosproto/schedulerpb"
)

// decoders are the JSON decoders: ours and the protojson reference.
var decoders = []struct {
	name      string
	unmarshal func([]byte, proto.Message) error
}{
	{"ours", JSON.Unmarshal},
	{"protojson", unmarshalProtojson},
}

// differentialInputs are All-type documents both decoders accept.
var differentialInputs = []string{
	`{}`,
	`{"i32":-5,"i64":"-9223372036854775808","u32":4294967295,"u64":"18446744073709551615","s32":-1,"s64":"1152921504606846976",` +
		`"f32":7,"f64":"8","sf32":-9,"sf64":"-10","fl":0.25,"db":1.5,"b":false,"s":"x","by":"+/8=","color":"GREEN"}`,
	`{"i32":"12","i64":1e3,"u64":"5e2","s32":"-0","u32":1.0,"sf64":"-12E1","f32":0.5e1,"d_i32":-0}`,
	`{"db":"Infinity","fl":"-Infinity","r_db":["NaN",1e-7,-0.0,1.7976931348623157e308,"5e-324","1.5"]}`,
	`{"s":"esc \" \\ \/ \b \f \n \r \t \u0041 \u00e9 \ud83d\ude00 end","d_s":"\u0000"}`,
	`{"by":"AQI","r_by":["-_8=","-_8","","AA=="],"d_by":"+/+/"}`,
	`{"rI64":[1,"2",3e0],"rColor":["RED",2,"PURPLE"],"rChild":[{"i32":1},{"child":{"s":"deep"}}],"oStr":"o"}`,
	`{"m_int":{"-3":"a","10":"b"},"m_bool":{"true":{"id":"x","kind":"BLUE"},"false":{}},"m_str":{"k":"GREEN","u":"PURPLE"}}`,
	`{"unknown":{"a":[1,2,{"b":null}],"c":"d","e":true,"f":-1.5e3},"also":[],"i32":1}`,
	`{"child":null,"s":null,"color":null,"r_i64":null,"m_int":null}`,
	`{"color":7,"r_color":[9,0]}`,
	"\t\n {\r\n \"i32\" : 1 , \"s\" : \"x\" } \n",
	`{"o_int":5}`,
	`{"child":{"child":{"child":{"r_child":[{},{"i32":2}]}}}}`,
}

// TestJSONDecoderMatchesProtojson: on input protojson accepts, our decoder
// gives the same message.
func TestJSONDecoderMatchesProtojson(t *testing.T) {
	for _, in := range differentialInputs {
		ref, ours := newAll(), newAll()
		if err := unmarshalProtojson([]byte(in), ref); err != nil {
			t.Fatalf("reference rejects %s: %v", in, err)
		}
		if err := JSON.Unmarshal([]byte(in), ours); err != nil {
			t.Errorf("ours rejects %s: %v", in, err)
			continue
		}
		if diff := msgDiff(ref, ours); diff != "" {
			t.Errorf("%s: (-protojson +ours):\n%s", in, diff)
		}
	}
	for _, in := range eventSeeds() {
		var ref, ours schedulerpb.Event
		if err := unmarshalProtojson([]byte(in), &ref); err != nil {
			t.Fatalf("reference rejects %s: %v", in, err)
		}
		if err := JSON.Unmarshal([]byte(in), &ours); err != nil {
			t.Errorf("ours rejects %s: %v", in, err)
			continue
		}
		if diff := msgDiff(&ref, &ours); diff != "" {
			t.Errorf("%s: (-protojson +ours):\n%s", in, diff)
		}
	}
}

// TestJSONDecoderLenient: what we accept beyond protojson.
func TestJSONDecoderLenient(t *testing.T) {
	tests := []struct{ in, want string }{
		{`{"db":Infinity,"fl":-Infinity,"r_db":[NaN,1]}`, `{"db":"Infinity","fl":"-Infinity","r_db":["NaN",1]}`},
		{`{"nope":[Infinity,{"x":NaN}],"i32":1}`, `{"i32":1}`},
		{`{"r_i64":5,"r_child":{"i32":1},"r_color":"BLUE"}`, `{"r_i64":["5"],"r_child":[{"i32":1}],"r_color":["BLUE"]}`},
		{`{"r_i64":[1,null,2],"r_child":[null,{}]}`, `{"r_i64":["1","2"],"r_child":[{}]}`},
		{`{"m_int":{"1":null,"2":"b"},"m_bool":{"true":null}}`, `{"m_int":{"2":"b"}}`},
		{`{"b":"true","d_b":"false"}`, `{"b":true,"d_b":false}`},
		{`{"i32":1,"i32":2,"r_i64":[1],"r_i64":[2],"child":{"i32":1},"child":{"s":"x"}}`,
			`{"i32":2,"r_i64":["1","2"],"child":{"i32":1,"s":"x"}}`},
		{`{"o_str":"a","o_int":1}`, `{"o_int":1}`},
		{"{\"s\":\"bad \xff byte\"}", `{"s":"bad ` + "\uFFFD" + ` byte"}`},
		{`{"s":"lone \ud800 surrogate"}`, `{"s":"lone ` + "\uFFFD" + ` surrogate"}`},
	}
	for _, tt := range tests {
		got, want := newAll(), newAll()
		if err := JSON.Unmarshal([]byte(tt.in), got); err != nil {
			t.Errorf("%s: %v", tt.in, err)
			continue
		}
		if err := unmarshalProtojson([]byte(tt.want), want); err != nil {
			t.Fatal(err)
		}
		if diff := msgDiff(want, got); diff != "" {
			t.Errorf("%s: (-want +got):\n%s", tt.in, diff)
		}
	}
}

func TestJSONDecoderErrors(t *testing.T) {
	deep := strings.Repeat(`{"child":`, maxJSONDepth+1) + "{}" + strings.Repeat("}", maxJSONDepth+1)
	deepUnknown := `{"x":` + strings.Repeat("[", maxJSONDepth+1) + strings.Repeat("]", maxJSONDepth+1) + "}"
	tests := []struct{ in, errSub string }{
		{``, "offset 0: unexpected end of input"},
		{`[]`, "unexpected character '['"},
		{`null`, "unexpected character 'n'"},
		{`{} {}`, "unexpected data after the top-level object"},
		{`{"i32":1,}`, "unexpected character '}'"},
		{`{"i32" 1}`, "unexpected character '1'"},
		{`{"i32":1 "s":"x"}`, `unexpected character '"'`},
		{`{i32:1}`, "unexpected character 'i'"},
		{`{"s":"x`, "unterminated string"},
		{"{\"s\":\"a\nb\"}", "control character"},
		{`{"s":"\x"}`, "invalid escape"},
		{`{"s":"\u12"}`, "invalid \\u escape"},
		{`{"s":1}`, "field s: want a string"},
		{`{"by":"!!"}`, "field by: invalid base64"},
		{`{"i32":01}`, "unexpected character '1'"},
		{`{"i32":+1}`, "unexpected character '+'"},
		{`{"i32":1.}`, "offset 7: unexpected character '1'"},
		{`{"i32":.5}`, "unexpected character '.'"},
		{`{"i32":1.5}`, `field i32: invalid integer "1.5"`},
		{`{"i32":2147483648}`, "field i32: integer 2147483648 out of range"},
		{`{"u32":-1}`, "out of range"},
		{`{"i64":"9223372036854775808"}`, "out of range"},
		{`{"i64":1e30}`, "out of range"},
		{`{"i32":" 1"}`, "invalid integer"},
		{`{"i32":"abc"}`, "invalid integer"},
		{`{"i32":Infinity}`, "invalid integer"},
		{`{"fl":1e39}`, "out of range"},
		{`{"db":"0x10"}`, "invalid number"},
		{`{"b":1}`, "want true or false"},
		{`{"color":1.5}`, "invalid integer"},
		{`{"child":"x"}`, "field child: want an object"},
		{`{"child":[{}]}`, "field child: want an object"},
		{`{"m_int":[]}`, "field m_int: want an object"},
		{`{"m_int":{"x":"y"}}`, "map key of field m_int"},
		{`{"m_bool":{"yes":{}}}`, "map key of field m_bool"},
		{`{"nope":[1,}`, "unexpected character '}'"},
		{`{"nope":tru}`, "unexpected character 't'"},
		{deep, "maximum nesting depth"},
		{deepUnknown, "maximum nesting depth"},
	}
	for _, tt := range tests {
		m := newAll()
		err := JSON.Unmarshal([]byte(tt.in), m)
		if err == nil {
			t.Errorf("%.60s: accepted", tt.in)
			continue
		}
		if !strings.Contains(err.Error(), tt.errSub) || !strings.HasPrefix(err.Error(), "httpapi: decoding JSON httpapitest.All: ") {
			t.Errorf("%.60s: err = %v, want %q", tt.in, err, tt.errSub)
		}
	}
}

// TestJSONDecoderAllocations: the JSON pass allocates nothing; decoding JSON
// costs the allocations of decoding the same message from protobuf.
func TestJSONDecoderAllocations(t *testing.T) {
	ev := offersEvent(10)
	js, _ := JSON.Marshal(ev)
	pb, _ := Protobuf.Marshal(ev)
	var m schedulerpb.Event
	_ = JSON.Unmarshal(js, &m) // warm the plan cache and buffer pool
	jsonAllocs := testing.AllocsPerRun(50, func() { _ = JSON.Unmarshal(js, &m) })
	pbAllocs := testing.AllocsPerRun(50, func() { _ = Protobuf.Unmarshal(pb, &m) })
	if jsonAllocs > pbAllocs {
		t.Errorf("JSON decode: %.0f allocations, protobuf: %.0f", jsonAllocs, pbAllocs)
	}
}

// TestJSONDecoderLongStrings covers length prefixes of several sizes
// (transcoding moves the content when the length needs more bytes).
func TestJSONDecoderLongStrings(t *testing.T) {
	for _, n := range []int{0, 127, 128, 16383, 16384, 1 << 21} {
		s := strings.Repeat("z", n)
		in := `{"child":{"child":{"s":"` + s + `","r_child":[{"s":"` + s + `"}]},"i32":7},"s":"end"}`
		m := newAll()
		if err := JSON.Unmarshal([]byte(in), m); err != nil {
			t.Fatalf("%d: %v", n, err)
		}
		ref := newAll()
		if err := unmarshalProtojson([]byte(in), ref); err != nil {
			t.Fatal(err)
		}
		if !proto.Equal(m, ref) {
			t.Errorf("length %d: messages differ", n)
		}
	}
}

func TestUnmarshalJSONNonFinite(t *testing.T) {
	// An executor LAUNCH event with an infinite cpu limit, as Mesos writes it.
	in := `{"type":"LAUNCH","launch":{"task":{"name":"t","task_id":{"value":"t1"},"agent_id":{"value":"a"},` +
		`"limits":{"cpus":{"value":Infinity},"mem":{"value":-Infinity}}}}}`
	for _, dec := range decoders {
		t.Run(dec.name, func(t *testing.T) {
			var ev executorpb.Event
			if err := dec.unmarshal([]byte(in), &ev); err != nil {
				t.Fatal(err)
			}
			limits := ev.GetLaunch().GetTask().GetLimits()
			if !math.IsInf(limits["cpus"].GetValue(), 1) || !math.IsInf(limits["mem"].GetValue(), -1) {
				t.Errorf("limits = %v", limits)
			}
			// We write them as strings, which Mesos and we read back.
			out, err := JSON.Marshal(&ev)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(out), `"limits":{"cpus":{"value":"Infinity"},"mem":{"value":"-Infinity"}}`) {
				t.Errorf("rendered %s", out)
			}
			var back executorpb.Event
			if err := UnmarshalStrict(MediaTypeJSON, out, &back); err != nil {
				t.Errorf("strict parse of our output: %v", err)
			}
			if !proto.Equal(&ev, &back) {
				t.Error("strict parse of our output differs")
			}
			var nan mesosproto.Value_Scalar
			if err := dec.unmarshal([]byte(`{"value":NaN}`), &nan); err != nil || !math.IsNaN(nan.GetValue()) {
				t.Errorf("NaN: %v, %v", nan.GetValue(), err)
			}
		})
	}
}

// TestUnknownEnumName: an unknown enum name leaves an optional field unset
// and is dropped from repeated fields and maps, as Mesos does; protojson
// (with DiscardUnknown) behaves the same.
func TestUnknownEnumName(t *testing.T) {
	for _, dec := range decoders {
		t.Run(dec.name, func(t *testing.T) {
			var ev schedulerpb.Event
			if err := dec.unmarshal([]byte(`{"type":"SOMETHING_NEW","error":{"message":"x"}}`), &ev); err != nil {
				t.Fatal(err)
			}
			if ev.Type != nil || ev.GetError().GetMessage() != "x" {
				t.Errorf("type = %v, error = %v", ev.Type, ev.GetError())
			}

			m := newAll()
			in := `{"color":"PURPLE","r_color":["RED","PURPLE","BLUE"],"m_str":{"a":"PURPLE","b":"GREEN"}}`
			if err := dec.unmarshal([]byte(in), m); err != nil {
				t.Fatal(err)
			}
			if m.Has(allTypes.Fields().ByName("color")) {
				t.Error("unknown optional enum name set the field")
			}
			l := m.Get(allTypes.Fields().ByName("r_color")).List()
			if l.Len() != 2 || l.Get(0).Enum() != 0 || l.Get(1).Enum() != 2 {
				t.Errorf("r_color has %d elements", l.Len())
			}
			mp := m.Get(allTypes.Fields().ByName("m_str")).Map()
			if mp.Len() != 1 || mp.Get(protoreflectKey("b")).Enum() != 1 {
				t.Errorf("m_str has %d entries", mp.Len())
			}
		})
	}
}

func TestUnmarshalJSONLenient(t *testing.T) {
	for _, dec := range decoders {
		t.Run(dec.name, func(t *testing.T) {
			var ev schedulerpb.Event
			// Unknown keys, 64-bit integers as strings, required fields missing.
			in := `{"type":"OFFERS","new_top_level":{"a":[1,{"b":null}]},"offers":{"offers":[{"hostname":"h",` +
				`"resources":[{"name":"ports","type":"RANGES","ranges":{"range":[{"begin":"31000","end":32000}]},"future":true}]}]}}`
			if err := dec.unmarshal([]byte(in), &ev); err != nil {
				t.Fatal(err)
			}
			o := ev.GetOffers().GetOffers()
			if len(o) != 1 || o[0].GetHostname() != "h" || o[0].GetResources()[0].GetRanges().GetRange()[0].GetBegin() != 31000 {
				t.Errorf("decoded %v", &ev)
			}
			// Unmarshal replaces earlier contents.
			if err := dec.unmarshal([]byte(`{"type":"HEARTBEAT"}`), &ev); err != nil {
				t.Fatal(err)
			}
			if ev.Offers != nil || ev.GetType() != schedulerpb.Event_HEARTBEAT {
				t.Errorf("not reset: %v", &ev)
			}
		})
	}
}

func TestUnmarshalJSONErrors(t *testing.T) {
	for _, in := range []string{``, `{`, `[]`, `{"type":1.5}`, `{"offers":[]}`, `{"type":"HEARTBEAT"} x`} {
		ev := schedulerpb.Event{Type: schedulerpb.Event_OFFERS.Enum()}
		err := JSON.Unmarshal([]byte(in), &ev)
		if err == nil {
			t.Errorf("Unmarshal(%q) succeeded", in)
			continue
		}
		if !strings.HasPrefix(err.Error(), "httpapi: decoding JSON mesos.v1.scheduler.Event: ") {
			t.Errorf("error text %q", err)
		}
		if ev.Type != nil {
			t.Errorf("Unmarshal(%q) failed but left old contents", in)
		}
	}
}
