// SPDX-License-Identifier: Apache-2.0

package recordio

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"sync"
	"testing"
)

// countingWriter records each Write call.
type countingWriter struct {
	writes [][]byte
	n      int // if > 0, accept at most n bytes per Write (short write)
	err    error
}

func (c *countingWriter) Write(p []byte) (int, error) {
	c.writes = append(c.writes, append([]byte(nil), p...))
	if c.err != nil {
		return 0, c.err
	}
	if c.n > 0 && len(p) > c.n {
		return c.n, nil
	}
	return len(p), nil
}

func TestWriteFrame(t *testing.T) {
	tests := []struct {
		in   string
		want string
	}{
		{"", "0\n"},
		{`{"type":"HEARTBEAT"}`, "20\n" + `{"type":"HEARTBEAT"}`},
		{"a\nb", "3\na\nb"},
		{strings.Repeat("z", 1000), "1000\n" + strings.Repeat("z", 1000)},
	}
	for _, tt := range tests {
		var cw countingWriter
		if err := NewWriter(&cw).WriteFrame([]byte(tt.in)); err != nil {
			t.Fatal(err)
		}
		if len(cw.writes) != 1 {
			t.Fatalf("%d Write calls, want 1", len(cw.writes))
		}
		if got := string(cw.writes[0]); got != tt.want {
			t.Errorf("WriteFrame(%.20q) wrote %.30q, want %.30q", tt.in, got, tt.want)
		}
	}
}

func TestWriteFrameErrors(t *testing.T) {
	boom := errors.New("broken pipe")
	w := NewWriter(&countingWriter{err: boom})
	if err := w.WriteFrame([]byte("x")); err != boom {
		t.Fatalf("err = %v", err)
	}
	if err := w.WriteFrame([]byte("y")); err != boom {
		t.Fatalf("sticky err = %v", err)
	}

	w = NewWriter(&countingWriter{n: 2})
	if err := w.WriteFrame([]byte("xyz")); err != io.ErrShortWrite {
		t.Fatalf("short write err = %v", err)
	}
}

// TestWriterConcurrent: concurrent writers never interleave records.
func TestWriterConcurrent(t *testing.T) {
	var buf bytes.Buffer
	w := NewWriter(&buf)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p := bytes.Repeat([]byte{byte('a' + g)}, 100+g*1000)
			for range 50 {
				if err := w.WriteFrame(p); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	frames, err := readAll(NewReader(&buf, 0))
	if err != io.EOF {
		t.Fatal(err)
	}
	if len(frames) != 8*50 {
		t.Fatalf("%d frames", len(frames))
	}
	for _, f := range frames {
		if strings.Trim(f, f[:1]) != "" {
			t.Fatalf("interleaved frame %.40q", f)
		}
	}
}

func TestWriterDropsHugeBuffer(t *testing.T) {
	w := NewWriter(io.Discard)
	if err := w.WriteFrame(make([]byte, keepBufSize+1)); err != nil {
		t.Fatal(err)
	}
	if w.buf != nil {
		t.Errorf("kept a %d byte buffer", cap(w.buf))
	}
	if err := w.WriteFrame(make([]byte, 10)); err != nil {
		t.Fatal(err)
	}
	if w.buf == nil {
		t.Error("small buffer not kept")
	}
}
