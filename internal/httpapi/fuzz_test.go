// SPDX-License-Identifier: Apache-2.0

package httpapi

import (
	"bytes"
	"encoding/json"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/mesosproto/schedulerpb"
)

// eventSeeds are scheduler events in JSON: the §4.3 documents and a few
// shapes Mesos produces.
func eventSeeds() []string {
	return []string{
		docSubscribed, docOffers, docUpdate, docError,
		`{"type":"HEARTBEAT"}`,
		`{"type":"RESCIND","rescind":{"offer_id":{"value":"o1"}}}`,
		`{"type":"FAILURE","failure":{"agent_id":{"value":"a"},"executor_id":{"value":"e"},"status":137}}`,
		`{"type":"MESSAGE","message":{"agent_id":{"value":"a"},"executor_id":{"value":"e"},"data":"aGVsbG8="}}`,
		`{"type":"SUBSCRIBED","subscribed":{"framework_id":{"value":"f"},"heartbeat_interval_seconds":Infinity}}`,
		`{"type":"OFFERS","offers":{"offers":[{"resources":[{"name":"cpus","type":"SCALAR","scalar":{"value":NaN}}]}]}}`,
		`{"type":"FUTURE_EVENT","future":{"x":[1,2,3]}}`,
		`{"type":"UPDATE","update":{"status":{"task_id":{"value":"\u00e9\"\\"},"state":"TASK_LOST","timestamp":1e300}}}`,
	}
}

// FuzzDecodeEventJSON: the JSON decoders never panic; ours accepts what
// protojson accepts and decodes it to the same message; and a decoded event
// re-encodes to JSON that decodes to an equal message (after one round,
// which fills in defaults and repairs invalid UTF-8, output is a fixpoint).
func FuzzDecodeEventJSON(f *testing.F) {
	for _, s := range eventSeeds() {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		_ = UnmarshalStrict(MediaTypeJSON, b, &schedulerpb.Event{}) // must not panic
		var ev schedulerpb.Event
		err := JSON.Unmarshal(b, &ev)
		checkAgainstReference(t, b, &ev, err)
		if err != nil {
			return
		}
		checkRoundTrips(t, &ev)
	})
}

// FuzzJSONDecoderAllTypes runs the JSON decoder against protojson on a
// message with every field kind, maps and a oneof.
func FuzzJSONDecoderAllTypes(f *testing.F) {
	for _, s := range differentialInputs {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m := newAll()
		err := JSON.Unmarshal(b, m)
		checkAgainstReference(t, b, m, err)
		if err != nil {
			return
		}
		out, err := JSON.Marshal(m)
		if err != nil || !json.Valid(out) {
			t.Fatalf("re-encoding: %q, %v", out, err)
		}
		m2 := newAll()
		if err := JSON.Unmarshal(out, m2); err != nil {
			t.Fatalf("cannot decode our output %s: %v", out, err)
		}
		if out2, _ := JSON.Marshal(m2); !bytes.Equal(out, out2) {
			t.Fatalf("JSON output not stable:\n%s\n%s", out, out2)
		}
	})
}

// checkAgainstReference: where protojson (with the reference preprocessing)
// accepts b, ours must accept it with the same result (ours, err). Inputs
// with bare Infinity/NaN are skipped (the reference quotes them anywhere,
// which turns them into strings for string fields too), and so is invalid
// JSON that protojson lets through (it takes "0e" for a number).
func checkAgainstReference(t *testing.T, b []byte, ours proto.Message, err error) {
	t.Helper()
	if !bytes.Equal(quoteNonFinite(b), b) || !json.Valid(b) {
		return
	}
	ref := ours.ProtoReflect().New().Interface()
	if refErr := unmarshalProtojson(b, ref); refErr != nil {
		return
	}
	if err != nil {
		t.Fatalf("protojson accepts %q, ours fails: %v", b, err)
	}
	if diff := msgDiff(ref, ours); diff != "" {
		t.Fatalf("decoders disagree on %q (-protojson +ours):\n%s", b, diff)
	}
}

// FuzzDecodeEventProtobuf: the protobuf decoders never panic, and a decoded
// event round-trips through both codecs.
func FuzzDecodeEventProtobuf(f *testing.F) {
	for _, s := range eventSeeds() {
		var ev schedulerpb.Event
		if err := JSON.Unmarshal([]byte(s), &ev); err != nil {
			f.Fatal(err)
		}
		b, err := Protobuf.Marshal(&ev)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	b, err := Protobuf.Marshal(offersEvent(2))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Fuzz(func(t *testing.T, b []byte) {
		_ = UnmarshalStrict(MediaTypeProtobuf, b, &schedulerpb.Event{}) // must not panic
		var ev schedulerpb.Event
		if err := Protobuf.Unmarshal(b, &ev); err != nil {
			return
		}
		checkRoundTrips(t, &ev)
	})
}

func checkRoundTrips(t *testing.T, ev *schedulerpb.Event) {
	t.Helper()
	// Protobuf: exact round trip, unknown fields included.
	pb, err := Protobuf.Marshal(ev)
	if err != nil {
		t.Fatalf("protobuf marshal: %v", err)
	}
	var fromPB schedulerpb.Event
	if err := Protobuf.Unmarshal(pb, &fromPB); err != nil {
		t.Fatalf("protobuf unmarshal of our output: %v", err)
	}
	if !proto.Equal(ev, &fromPB) {
		t.Fatal("protobuf round trip changed the event")
	}

	// JSON: valid output; decode(encode(x)) is a fixpoint after one round.
	out1, err := JSON.Marshal(ev)
	if err != nil {
		t.Fatalf("JSON marshal: %v", err)
	}
	if !json.Valid(out1) {
		t.Fatalf("invalid JSON output %q", out1)
	}
	var m2, m3 schedulerpb.Event
	if err := JSON.Unmarshal(out1, &m2); err != nil {
		t.Fatalf("cannot decode our output %s: %v", out1, err)
	}
	out2, err := JSON.Marshal(&m2)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out1, out2) {
		t.Fatalf("JSON output not stable:\n%s\n%s", out1, out2)
	}
	if err := JSON.Unmarshal(out2, &m3); err != nil {
		t.Fatal(err)
	}
	if !proto.Equal(&m2, &m3) {
		t.Fatalf("JSON round trip changed the event: %s", out2)
	}
	// The strict (Mesos) parser reads our output the same way, for complete
	// messages without NaN (Mesos refuses "NaN").
	if proto.CheckInitialized(&m2) == nil && !bytes.Contains(out1, []byte(`"NaN"`)) {
		var strict schedulerpb.Event
		if err := UnmarshalStrict(MediaTypeJSON, out1, &strict); err != nil {
			t.Fatalf("strict parse of our output %s: %v", out1, err)
		}
		if !proto.Equal(&m2, &strict) {
			t.Fatalf("strict and lenient parsers disagree on %s", out1)
		}
	}
}
