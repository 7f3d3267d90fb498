// SPDX-License-Identifier: Apache-2.0

package fastpb

import (
	"testing"
	"unsafe"

	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/mesosproto/schedulerpb"
)

// TestInternedStringsIndependent: a string repeated within an event (the
// roles of every resource) is stored once, but every field keeps its own
// box, so assigning to one field changes nothing else.
func TestInternedStringsIndependent(t *testing.T) {
	b, err := proto.Marshal(offersEvent(3))
	if err != nil {
		t.Fatal(err)
	}
	var ev schedulerpb.Event
	if err := Unmarshal(b, &ev); err != nil {
		t.Fatal(err)
	}
	want := proto.Clone(&ev).(*schedulerpb.Event)
	offers := ev.GetOffers().GetOffers()
	r0, r1 := offers[0].GetResources()[0], offers[1].GetResources()[2]
	a, c := r0.GetAllocationInfo().Role, r1.GetAllocationInfo().Role
	if *a != "web" || *c != "web" {
		t.Fatalf("roles %q, %q", *a, *c)
	}
	if unsafe.StringData(*a) != unsafe.StringData(*c) {
		t.Error("the repeated role was stored twice")
	}
	if a == c {
		t.Fatal("two fields share one *string box")
	}
	*a = "changed"
	*offers[2].FrameworkId.Value = "other"
	want.GetOffers().GetOffers()[0].GetResources()[0].GetAllocationInfo().Role = proto.String("changed")
	want.GetOffers().GetOffers()[2].FrameworkId.Value = proto.String("other")
	if !proto.Equal(&ev, want) {
		t.Fatal("assigning to one field changed another")
	}
}

// TestInternArenaExact: the first pass counts exactly the string bytes the
// second one copies, interning included, so no arena byte is left unused
// (an unused tail would stay live with the message).
func TestInternArenaExact(t *testing.T) {
	msgs := append(realMessages(), offersEvent(100), offersEvent(1))
	for _, m := range msgs {
		b, err := proto.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		var d decoder
		got := m.ProtoReflect().New().Interface()
		handled, ok := d.unmarshal(b, got)
		if !handled || !ok {
			continue
		}
		if d.arena.need != 0 || d.arena.used != len(d.arena.chunk) {
			t.Errorf("%T: arena chunk %d bytes, %d used, %d more counted", m, len(d.arena.chunk), d.arena.used, d.arena.need)
		}
		if !proto.Equal(got, m) {
			t.Errorf("%T: decoded differently", m)
		}
	}
}
