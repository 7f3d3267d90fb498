// SPDX-License-Identifier: Apache-2.0

// Package fastpb decodes the protobuf wire format into the Mesos message
// types (mesosproto, schedulerpb, executorpb) about three times faster than
// proto.Unmarshal (twice, garbage collection included) and with a small
// fraction of its allocations, into the same google.golang.org/protobuf
// messages. internal/httpapi's protobuf
// codec (and through it the JSON codec, which transcodes to protobuf) uses
// it for every event and call.
//
//	var ev schedulerpb.Event
//	if err := fastpb.Unmarshal(frame, &ev); err != nil {
//		return err
//	}
//	// frame may be reused now: ev never references it
//
// How: the decoding functions are generated (gen/, `make generate`) from
// the descriptors and Go struct layouts of the compiled mesosproto packages,
// two per message, reading the wire format with direct field access instead
// of protobuf-go's table-driven reflection. A first pass (size_X) checks the
// input and counts what the message needs: messages and scalars per Go type
// (proto2 optional scalars are pointers), string bytes, and the element count
// of every repeated field. The second pass (dec_X) then takes everything from
// slabs allocated at exactly those sizes, in chunks of just under 32 KiB
// (small objects for the Go allocator), and copies all strings and bytes into
// one arena that strings point into. Taking a value from a slab advances an
// index, so that the decoder stores no pointer into itself (each would pass
// the collector's write barrier while it marks). A 100-offer OFFERS event
// takes 28 allocations instead of 8,811. Repeated fields get their slice
// once, with capacity equal to length, so appending to one never writes into
// another message's memory. A string repeated within the message (the
// framework ID of every offer, roles, resource names) is stored in the arena
// once (intern.go), but every field keeps its own *string box, so assigning
// to one field never changes another.
//
// Exactness: the result equals proto.UnmarshalOptions{AllowPartial: true}
// .Unmarshal's (proto.Equal, including unknown fields, which are kept in
// order exactly as protobuf-go keeps them, and fields sent with an
// unexpected wire type, which are unknown fields as protobuf-go makes them). Anything the generated code
// does not decode itself goes to proto.Unmarshal: messages with maps or
// oneofs (as submessages, merged), nesting deeper than 100, and every input
// it finds malformed, which proto.Unmarshal then decodes again from scratch,
// so that errors are protobuf-go's. Tests compare both decoders on real
// events, random messages of every generated type and fuzzed bytes.
//
// Memory: a decoded message lives in the slabs and arena of its event, so a
// message kept after its event is dropped keeps the whole event alive (one
// offer of a 100-offer event keeps about 265 KB). This is the price of
// allocating an event in a few dozen allocations; clone (proto.Clone) what
// you keep for long. Nothing is shared between events.
//
// Concurrency: Unmarshal is safe for concurrent use; each call has its own
// decoder, on its stack. Lifecycle: no state to set up or tear down.
package fastpb
