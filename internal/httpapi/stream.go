// SPDX-License-Identifier: Apache-2.0

package httpapi

import (
	"fmt"
	"io"

	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/internal/recordio"
)

// Decoder reads a RecordIO stream of messages (scheduler or executor events)
// in one encoding. It is for one goroutine.
type Decoder struct {
	r *recordio.Reader
	c Codec
}

// NewDecoder returns a Decoder reading from r with codec c and frames of at
// most maxFrameSize bytes (recordio.DefaultMaxFrameSize when <= 0).
func NewDecoder(r io.Reader, c Codec, maxFrameSize int) *Decoder {
	return &Decoder{r: recordio.NewReader(r, maxFrameSize), c: c}
}

// Decode reads the next record into m, straight from the frame buffer. It
// returns io.EOF at a clean end of stream, the recordio error (sticky: the
// stream is unusable) for a framing problem or transport failure, and a
// *DecodeError when one record does not decode, after which the stream
// remains usable.
func (d *Decoder) Decode(m proto.Message) error {
	frame, err := d.r.ReadFrame()
	if err != nil {
		return err
	}
	if err := d.c.Unmarshal(frame, m); err != nil {
		return &DecodeError{MediaType: d.c.MediaType(), Size: len(frame), Err: err}
	}
	return nil
}

// DecodeError reports a record that does not decode as a message.
type DecodeError struct {
	MediaType string
	Size      int // record size in bytes
	Err       error
}

// Error implements error.
func (e *DecodeError) Error() string {
	return fmt.Sprintf("httpapi: undecodable %s record of %d bytes: %v", e.MediaType, e.Size, e.Err)
}

// Unwrap returns the codec's error.
func (e *DecodeError) Unwrap() error { return e.Err }

// Encoder writes messages as RecordIO records in one encoding. It is safe
// for concurrent use; records never interleave.
type Encoder struct {
	w *recordio.Writer
	c Codec
}

// NewEncoder returns an Encoder writing to w with codec c. It neither flushes
// nor closes w.
func NewEncoder(w io.Writer, c Codec) *Encoder {
	return &Encoder{w: recordio.NewWriter(w), c: c}
}

// Encode writes m as one record with one Write call.
func (e *Encoder) Encode(m proto.Message) error {
	b, err := e.c.Marshal(m)
	if err != nil {
		return err
	}
	return e.w.WriteFrame(b)
}
