// SPDX-License-Identifier: Apache-2.0

package httpapi

import (
	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/internal/fastpb"
)

// Codec encodes and decodes messages in one media type. Implementations are
// stateless values, cheap to copy and safe for concurrent use.
type Codec interface {
	// MediaType returns MediaTypeProtobuf or MediaTypeJSON.
	MediaType() string
	// Marshal encodes m. Required fields are not checked: the peer validates.
	// JSON output is rendered as Mesos renders it (see the package doc).
	Marshal(m proto.Message) ([]byte, error)
	// Unmarshal replaces the contents of m with the message in b, leniently:
	// unknown fields and enum names are ignored, missing required fields are
	// allowed and, in JSON, bare Infinity/-Infinity/NaN are accepted. m never
	// retains b, so b may be a reused frame buffer.
	Unmarshal(b []byte, m proto.Message) error
}

// The codecs for the two media types the scheduler and executor APIs speak.
var (
	Protobuf Codec = protobufCodec{}
	JSON     Codec = jsonCodec{}
)

// CodecFor returns the codec for a media type, compared exactly (no
// parameters, case-sensitive) as Mesos compares Content-Type. Anything else
// gives ErrUnsupportedMediaType.
func CodecFor(mediaType string) (Codec, error) {
	switch mediaType {
	case MediaTypeProtobuf:
		return Protobuf, nil
	case MediaTypeJSON:
		return JSON, nil
	}
	return nil, ErrUnsupportedMediaType
}

// protobufCodec is the binary codec. To plug in faster generated code (for
// example vtprotobuf), change marshalProto and unmarshalProto only.
type protobufCodec struct{}

func (protobufCodec) MediaType() string { return MediaTypeProtobuf }

func (protobufCodec) Marshal(m proto.Message) ([]byte, error) { return marshalProto(m) }

func (protobufCodec) Unmarshal(b []byte, m proto.Message) error { return unmarshalProto(b, m) }

var protoMarshal = proto.MarshalOptions{AllowPartial: true}

func marshalProto(m proto.Message) ([]byte, error) { return protoMarshal.Marshal(m) }

// unmarshalProto decodes b into m (resetting m first) with fastpb: generated
// decoders for the Mesos message types, proto.Unmarshal (AllowPartial) for
// everything else and whatever they do not decode themselves; the result is
// the same as proto.Unmarshal's.
//
// Aliasing: neither keeps a reference to b. fastpb copies strings and bytes
// into its own arena; proto.Unmarshal copies strings (string(b[i:j])),
// appends bytes fields to fresh slices, appends unknown fields to the
// message's own buffer, and its only code path that may alias the input
// (lazy decoding of fields marked [lazy = true]) copies the buffer first
// unless the internal UnmarshalAliasBuffer flag is set, which
// proto.UnmarshalOptions cannot set (google.golang.org/protobuf v1.36.12,
// internal/impl/lazy.go). Decoding straight from a reused RecordIO frame
// buffer is therefore safe; TestUnmarshalDoesNotRetainInput checks it.
func unmarshalProto(b []byte, m proto.Message) error { return fastpb.Unmarshal(b, m) }

// jsonCodec is the Mesos-style JSON codec. Its two directions live in
// json_encode.go (marshalJSON) and json_decode.go (unmarshalJSON).
type jsonCodec struct{}

func (jsonCodec) MediaType() string { return MediaTypeJSON }

func (jsonCodec) Marshal(m proto.Message) ([]byte, error) { return marshalJSON(m) }

func (jsonCodec) Unmarshal(b []byte, m proto.Message) error { return unmarshalJSON(b, m) }
