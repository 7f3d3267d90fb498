// SPDX-License-Identifier: Apache-2.0

package httpapi

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/internal/recordio"
	"github.com/mesoskit/mesoskit/mesosproto/schedulerpb"
)

func TestEncoderDecoder(t *testing.T) {
	events := []*schedulerpb.Event{
		{Type: schedulerpb.Event_HEARTBEAT.Enum()},
		offersEvent(50),
		{Type: schedulerpb.Event_ERROR.Enum(), Error: &schedulerpb.Event_Error{Message: proto.String("Framework failed over")}},
	}
	for _, c := range []Codec{Protobuf, JSON} {
		t.Run(c.MediaType(), func(t *testing.T) {
			var buf bytes.Buffer
			enc := NewEncoder(&buf, c)
			for _, ev := range events {
				if err := enc.Encode(ev); err != nil {
					t.Fatal(err)
				}
			}
			if c == JSON && !bytes.HasPrefix(buf.Bytes(), []byte("20\n{\"type\":\"HEARTBEAT\"}")) {
				t.Errorf("stream starts %q", buf.Bytes()[:24])
			}
			dec := NewDecoder(iotest.HalfReader(&buf), c, 0)
			var ev schedulerpb.Event
			for i, want := range events {
				if err := dec.Decode(&ev); err != nil {
					t.Fatalf("event %d: %v", i, err)
				}
				if !proto.Equal(&ev, want) {
					t.Fatalf("event %d differs", i)
				}
			}
			if err := dec.Decode(&ev); err != io.EOF {
				t.Fatalf("end: %v", err)
			}
		})
	}
}

func TestDecoderErrors(t *testing.T) {
	// A record that does not decode leaves the stream usable.
	in := "5\n{bad}20\n{\"type\":\"HEARTBEAT\"}3\n{}"
	dec := NewDecoder(bytes.NewReader([]byte(in)), JSON, 0)
	var ev schedulerpb.Event
	err := dec.Decode(&ev)
	var de *DecodeError
	if !errors.As(err, &de) || de.Size != 5 || de.MediaType != MediaTypeJSON || de.Unwrap() == nil ||
		!strings.HasPrefix(err.Error(), "httpapi: undecodable application/json record of 5 bytes: ") {
		t.Fatalf("err = %v", err)
	}
	if err := dec.Decode(&ev); err != nil || ev.GetType() != schedulerpb.Event_HEARTBEAT {
		t.Fatalf("after a bad record: %v", err)
	}
	// Truncated stream.
	if err := dec.Decode(&ev); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("truncated: %v", err)
	}
	// Oversized frame.
	dec = NewDecoder(bytes.NewReader([]byte("100\n")), Protobuf, 10)
	if err := dec.Decode(&ev); !errors.Is(err, recordio.ErrFrameTooLarge) {
		t.Fatalf("oversized: %v", err)
	}
}
