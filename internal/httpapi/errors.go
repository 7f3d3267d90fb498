// SPDX-License-Identifier: Apache-2.0

package httpapi

import (
	"errors"
	"strings"
)

// Sentinel errors.
var (
	// ErrUnsupportedMediaType is returned by CodecFor and UnmarshalStrict for a
	// media type other than MediaTypeProtobuf or MediaTypeJSON.
	ErrUnsupportedMediaType = errors.New("httpapi: unsupported media type")

	// ErrInvalidProtobuf marks a body that is not a valid binary message
	// (Mesos: "Failed to parse body into Call protobuf").
	ErrInvalidProtobuf = errors.New("httpapi: body is not a valid protobuf message")
	// ErrInvalidJSON marks a body that is not JSON at all
	// (Mesos: "Failed to parse body into JSON: ...").
	ErrInvalidJSON = errors.New("httpapi: body is not valid JSON")
	// ErrJSONConversion marks JSON that does not convert into the message
	// (Mesos: "Failed to convert JSON into Call protobuf: ...").
	ErrJSONConversion = errors.New("httpapi: JSON does not convert into the message")
)

// ParseError is returned by UnmarshalStrict. Kind tells the three cases Mesos
// answers with different 400 bodies apart; Body renders that body.
type ParseError struct {
	// Kind is ErrInvalidProtobuf, ErrInvalidJSON or ErrJSONConversion.
	Kind error
	// Message is the short name of the target message, e.g. "Call".
	Message string
	// Detail is the reason, as Mesos would print it after the colon (empty
	// for ErrInvalidProtobuf, whose Mesos body has none).
	Detail string
	// Err is the underlying error, if any.
	Err error
}

// Body returns the text a Mesos master or agent puts in its 400 response.
func (e *ParseError) Body() string {
	switch e.Kind {
	case ErrInvalidProtobuf:
		return "Failed to parse body into " + e.Message + " protobuf"
	case ErrInvalidJSON:
		return "Failed to parse body into JSON: " + e.Detail
	default:
		return "Failed to convert JSON into " + e.Message + " protobuf: " + e.Detail
	}
}

// Error implements error.
func (e *ParseError) Error() string {
	var b strings.Builder
	b.WriteString("httpapi: ")
	b.WriteString(e.Body())
	if e.Kind == ErrInvalidProtobuf && e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Unwrap returns Kind and, when set, Err, so errors.Is matches either.
func (e *ParseError) Unwrap() []error {
	if e.Err == nil {
		return []error{e.Kind}
	}
	return []error{e.Kind, e.Err}
}
