// SPDX-License-Identifier: Apache-2.0

package fastpb

import (
	"bytes"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/testing/protocmp"
	"google.golang.org/protobuf/types/descriptorpb"

	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/agentpb"
	"github.com/mesoskit/mesoskit/mesosproto/allocatorpb"
	"github.com/mesoskit/mesoskit/mesosproto/executorpb"
	"github.com/mesoskit/mesoskit/mesosproto/maintenancepb"
	"github.com/mesoskit/mesoskit/mesosproto/masterpb"
	"github.com/mesoskit/mesoskit/mesosproto/quotapb"
	"github.com/mesoskit/mesoskit/mesosproto/schedulerpb"
)

// mesosFiles are the files whose messages have generated decoders.
var mesosFiles = []protoreflect.FileDescriptor{
	mesosproto.File_mesosproto_mesos_proto,
	schedulerpb.File_mesosproto_schedulerpb_scheduler_proto,
	executorpb.File_mesosproto_executorpb_executor_proto,
	mesosproto.File_mesosproto_mesos_operator_proto,
	allocatorpb.File_mesosproto_allocatorpb_allocator_proto,
	quotapb.File_mesosproto_quotapb_quota_proto,
	maintenancepb.File_mesosproto_maintenancepb_maintenance_proto,
	masterpb.File_mesosproto_masterpb_master_proto,
	agentpb.File_mesosproto_agentpb_agent_proto,
}

// allMessages lists every message type of mesosFiles but map entries.
func allMessages() []protoreflect.MessageType {
	var out []protoreflect.MessageType
	var walk func(protoreflect.MessageDescriptors)
	walk = func(ms protoreflect.MessageDescriptors) {
		for i := range ms.Len() {
			md := ms.Get(i)
			if md.IsMapEntry() {
				continue
			}
			mt, err := protoregistry.GlobalTypes.FindMessageByName(md.FullName())
			if err != nil {
				panic(err)
			}
			out = append(out, mt)
			walk(md.Messages())
		}
	}
	for _, f := range mesosFiles {
		walk(f.Messages())
	}
	return out
}

// check decodes b into a new mt with Unmarshal and with proto.Unmarshal and
// fails unless both fail or both give equal messages. It also checks that
// the result does not alias b, and that Unmarshal replaces what the message
// held. It reports whether the input decoded.
func check(t *testing.T, mt protoreflect.MessageType, b []byte) bool {
	t.Helper()
	want := mt.New().Interface()
	wantErr := reference.Unmarshal(b, want)

	got := mt.New().Interface()
	// Something to replace: decode the input twice into the same message.
	_ = Unmarshal(b, got)
	in := bytes.Clone(b)
	err := Unmarshal(in, got)
	if (err != nil) != (wantErr != nil) {
		t.Fatalf("%s: Unmarshal error %v, proto.Unmarshal error %v\ninput %x", mt.Descriptor().FullName(), err, wantErr, b)
	}
	if err != nil {
		return false
	}
	for i := range in {
		in[i] = 0xa5 // the decoded message must not see this
	}
	if !proto.Equal(got, want) {
		t.Fatalf("%s: differs from proto.Unmarshal (-proto +fastpb):\n%s\ninput %x", mt.Descriptor().FullName(),
			cmp.Diff(want, got, protocmp.Transform()), b)
	}
	checkArena(t, mt, b)
	return true
}

// checkArena: when the strings fit one arena chunk, the first pass counted
// exactly the bytes the second copied (interning included): no unused tail
// stays live with the message.
func checkArena(t *testing.T, mt protoreflect.MessageType, b []byte) {
	t.Helper()
	var d decoder
	if handled, ok := d.unmarshal(b, mt.New().Interface()); !handled || !ok || d.arenaN > chunkBytes {
		return
	}
	if d.arena.need != 0 || d.arena.used != len(d.arena.chunk) {
		t.Fatalf("%s: counted %d string bytes, arena chunk %d used %d\ninput %x", mt.Descriptor().FullName(), d.arenaN, len(d.arena.chunk), d.arena.used, b)
	}
}

// TestRandomWire compares both decoders on random wire format for every
// message type.
func TestRandomWire(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	g := &wireGen{r: r, maxDepth: 4}
	iterations := 40
	if testing.Short() {
		iterations = 5
	}
	decoded := 0
	for _, mt := range allMessages() {
		for range iterations {
			b := g.message(mt.Descriptor(), 0)
			if check(t, mt, b) {
				decoded++
			}
		}
	}
	if decoded == 0 {
		t.Fatal("no random input decoded: the generator is broken")
	}
	t.Logf("%d random inputs decoded", decoded)
}

// TestCorruptedWire compares both decoders on damaged input: truncated,
// bytes flipped.
func TestCorruptedWire(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	g := &wireGen{r: r, maxDepth: 3}
	types := []protoreflect.MessageType{
		(&schedulerpb.Event{}).ProtoReflect().Type(),
		(&schedulerpb.Call{}).ProtoReflect().Type(),
		(&mesosproto.Offer{}).ProtoReflect().Type(),
		(&mesosproto.TaskStatus{}).ProtoReflect().Type(),
		(&executorpb.Event{}).ProtoReflect().Type(),
		(&masterpb.Event{}).ProtoReflect().Type(),
		(&masterpb.Response{}).ProtoReflect().Type(),
		(&agentpb.Response{}).ProtoReflect().Type(),
	}
	failed := 0
	for _, mt := range types {
		for range 300 {
			b := g.message(mt.Descriptor(), 0)
			if len(b) == 0 {
				continue
			}
			switch r.IntN(3) {
			case 0:
				b = b[:r.IntN(len(b))]
			case 1:
				b[r.IntN(len(b))] ^= byte(1 << r.IntN(8))
			default:
				b[r.IntN(len(b))] = byte(r.IntN(256))
			}
			if !check(t, mt, b) {
				failed++
			}
		}
	}
	if failed == 0 {
		t.Fatal("no corrupted input was rejected: the corruption is too gentle")
	}
}

// TestRealEvents compares both decoders on events and calls as Mesos and
// schedulers send them.
func TestRealEvents(t *testing.T) {
	for _, m := range realMessages() {
		b, err := proto.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		if !check(t, m.ProtoReflect().Type(), b) {
			t.Fatalf("%v does not decode", m)
		}
	}
}

// TestNotGenerated: other message types go to proto.Unmarshal.
func TestNotGenerated(t *testing.T) {
	fd := &descriptorpb.FileDescriptorProto{Name: proto.String("x.proto"), Package: proto.String("x")}
	b, err := proto.Marshal(fd)
	if err != nil {
		t.Fatal(err)
	}
	var got descriptorpb.FileDescriptorProto
	if err := Unmarshal(b, &got); err != nil || !proto.Equal(&got, fd) {
		t.Fatalf("got %v, %v; want %v", &got, err, fd)
	}
}

// TestAppendDoesNotOverwrite: repeated fields have capacity equal to their
// length, so appending to one never changes another message.
func TestAppendDoesNotOverwrite(t *testing.T) {
	b, err := proto.Marshal(offersEvent(3))
	if err != nil {
		t.Fatal(err)
	}
	var ev schedulerpb.Event
	if err := Unmarshal(b, &ev); err != nil {
		t.Fatal(err)
	}
	want := proto.Clone(&ev)
	offers := ev.GetOffers().GetOffers()
	for _, o := range offers {
		if cap(o.Resources) != len(o.Resources) {
			t.Fatalf("resources: len %d cap %d", len(o.Resources), cap(o.Resources))
		}
	}
	extra := &mesosproto.Resource{Name: proto.String("gpus")}
	offers[0].Resources = append(offers[0].Resources, extra)
	offers[0].Resources = offers[0].Resources[:len(offers[0].Resources)-1]
	if !proto.Equal(&ev, want) {
		t.Fatal("appending to one offer's resources changed the event")
	}
}
