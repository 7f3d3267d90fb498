// SPDX-License-Identifier: Apache-2.0

// Package httpapi is the HTTP plumbing the scheduler and executor clients and
// the fake master/agent (mesostest) share: codecs for the two media types,
// Mesos-style JSON, Accept negotiation, strict request parsing as Mesos does
// it, API errors, header names, and RecordIO event streams.
//
//	codec, err := httpapi.CodecFor(resp.Header.Get(httpapi.HeaderContentType))
//	if err != nil {
//		return err
//	}
//	dec := httpapi.NewDecoder(resp.Body, codec, 0)
//	for {
//		var ev schedulerpb.Event
//		if err := dec.Decode(&ev); err != nil {
//			return err // io.EOF when the master closed the stream
//		}
//	}
//
// Codecs: Protobuf is proto.Marshal and, to decode, internal/fastpb
// (generated decoders for the Mesos types, same result as proto.Unmarshal;
// partial messages allowed, unknown fields kept). JSON writes what a Mesos master writes
// (stout's JSON::Protobuf: proto names in declaration order, enum names,
// 64-bit integers as numbers, standard padded base64, non-deprecated
// defaults filled in; see json_encode.go) and reads leniently, as protojson
// with DiscardUnknown and AllowPartial does, plus Mesos's bare Infinity and
// NaN (see json_decode.go). JSON input is transcoded to the protobuf wire
// format in one allocation-free pass and handed to the protobuf decoder, so
// it costs about what protobuf does. Both Unmarshal directly from the
// caller's buffer and never retain it, so a RecordIO frame buffer can be
// reused.
//
// Server side: UnmarshalStrict parses a request body with Mesos's rules and
// returns a *ParseError whose Body is the 400 text Mesos would send;
// NegotiateAccept picks the event encoding from an Accept header.
//
// Concurrency: Protobuf, JSON, the functions and Encoder are safe for
// concurrent use; a Decoder is for one goroutine. There is no state to set
// up or tear down; caches of per-message encoding plans grow once per
// message type.
package httpapi
