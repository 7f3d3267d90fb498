// SPDX-License-Identifier: Apache-2.0

package recordio

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"testing"
	"testing/iotest"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// readAll reads frames until an error and returns copies of them.
func readAll(r *Reader) ([]string, error) {
	var out []string
	for {
		p, err := r.ReadFrame()
		if err != nil {
			return out, err
		}
		out = append(out, string(p))
	}
}

// readers wraps a stream in the read patterns a network connection produces.
var readers = []struct {
	name string
	wrap func(io.Reader) io.Reader
}{
	{"whole", func(r io.Reader) io.Reader { return r }},
	{"one-byte", iotest.OneByteReader},
	{"half", iotest.HalfReader},
	{"data-err", iotest.DataErrReader},
	{"chunks-7", func(r io.Reader) io.Reader { return &chunkReader{r: r, n: 7} }},
}

// chunkReader returns at most n bytes per Read.
type chunkReader struct {
	r io.Reader
	n int
}

func (c *chunkReader) Read(p []byte) (int, error) {
	if len(p) > c.n {
		p = p[:c.n]
	}
	return c.r.Read(p)
}

func TestReadFrame(t *testing.T) {
	big := strings.Repeat("x", readBufSize+1000)   // larger than the read buffer
	huge := strings.Repeat("y", 3*readBufSize+123) // several buffer growths
	tests := []struct {
		name   string
		in     string
		max    int
		want   []string
		err    error  // errors.Is target for the final error
		errSub string // substring of the final error's text
	}{
		{name: "empty stream", in: "", want: nil, err: io.EOF},
		{name: "one heartbeat", in: `20` + "\n" + `{"type":"HEARTBEAT"}`, want: []string{`{"type":"HEARTBEAT"}`}, err: io.EOF},
		{name: "several", in: "1\na2\nbc3\ndef", want: []string{"a", "bc", "def"}, err: io.EOF},
		{name: "zero length", in: "0\n1\nz", want: []string{"", "z"}, err: io.EOF},
		{name: "payload with newlines", in: "3\n\n\n\n", want: []string{"\n\n\n"}, err: io.EOF},
		{name: "empty lines before lengths", in: "\n\n2\nab\n\n1\nc\n\n", want: []string{"ab", "c"}, err: io.EOF},
		{name: "leading zeros", in: "003\nabc", want: []string{"abc"}, err: io.EOF},
		{name: "max digits", in: "00000000000000000002\nab", want: []string{"ab"}, err: io.EOF},
		{name: "exactly at limit", in: "4\nabcd", max: 4, want: []string{"abcd"}, err: io.EOF},
		{name: "bigger than read buffer", in: fmt.Sprintf("%d\n%s1\nz", len(big), big), want: []string{big, "z"}, err: io.EOF},
		{name: "much bigger than read buffer", in: fmt.Sprintf("2\nab%d\n%s", len(huge), huge), want: []string{"ab", huge}, err: io.EOF},

		{name: "minus sign", in: "-5\nabcde", err: ErrInvalidLength, errSub: `"-": sign not allowed`},
		{name: "plus sign", in: "+5\nabcde", err: ErrInvalidLength, errSub: "sign not allowed"},
		{name: "leading space", in: " 5\nabcde", err: ErrInvalidLength, errSub: "whitespace not allowed"},
		{name: "trailing space", in: "5 \nabcde", err: ErrInvalidLength, errSub: `"5 "`},
		{name: "crlf", in: "5\r\nabcde", err: ErrInvalidLength, errSub: "carriage return"},
		{name: "letters", in: "1a\nx", err: ErrInvalidLength, errSub: `unexpected byte 'a'`},
		{name: "json without length", in: `{"type":"HEARTBEAT"}`, err: ErrInvalidLength, errSub: `"{"`},
		{name: "too many digits", in: "000000000000000000001\nx", err: ErrInvalidLength, errSub: "more than 20 digits"},
		{name: "uint64 overflow", in: "18446744073709551616\nx", err: ErrInvalidLength, errSub: "exceeds the uint64 range"},
		{name: "uint64 max is too large", in: "18446744073709551615\nx", err: ErrFrameTooLarge, errSub: "announces 18446744073709551615 bytes, limit is 134217728"},
		{name: "over limit", in: "5\nabcde", max: 4, err: ErrFrameTooLarge, errSub: "announces 5 bytes, limit is 4"},
		{name: "over default limit", in: "134217729\n", err: ErrFrameTooLarge, errSub: "limit is 134217728"},
		{name: "second frame invalid", in: "1\na-1\n", want: []string{"a"}, err: ErrInvalidLength, errSub: "at stream offset 3"},

		{name: "eof in length", in: "12", err: io.ErrUnexpectedEOF, errSub: `inside record length "12"`},
		{name: "eof after length", in: "5\n", err: io.ErrUnexpectedEOF, errSub: "after 0 of 5 record bytes"},
		{name: "eof in body", in: "5\nabc", err: io.ErrUnexpectedEOF, errSub: "after 3 of 5 record bytes"},
		{name: "eof in second body", in: "1\na5\nab", want: []string{"a"}, err: io.ErrUnexpectedEOF, errSub: "offset 3"},
		{name: "eof in large body", in: fmt.Sprintf("%d\n%s", len(big)+1, big), err: io.ErrUnexpectedEOF,
			errSub: fmt.Sprintf("after %d of %d record bytes", len(big), len(big)+1)},
	}
	for _, tt := range tests {
		for _, rd := range readers {
			t.Run(tt.name+"/"+rd.name, func(t *testing.T) {
				r := NewReader(rd.wrap(strings.NewReader(tt.in)), tt.max)
				got, err := readAll(r)
				if len(got) != len(tt.want) {
					t.Fatalf("got %d frames, want %d (err %v)", len(got), len(tt.want), err)
				}
				for i := range got {
					if got[i] != tt.want[i] {
						t.Errorf("frame %d = %.40q…, want %.40q…", i, got[i], tt.want[i])
					}
				}
				if !errors.Is(err, tt.err) {
					t.Fatalf("err = %v, want %v", err, tt.err)
				}
				if tt.errSub != "" && !strings.Contains(err.Error(), tt.errSub) {
					t.Errorf("err = %q, want it to contain %q", err, tt.errSub)
				}
				if tt.err != io.EOF {
					var fe *FrameError
					if !errors.As(err, &fe) {
						t.Errorf("err %T is not a *FrameError", err)
					}
				}
				// Errors are sticky.
				if _, err2 := r.ReadFrame(); err2 != err {
					t.Errorf("second call err = %v, want the same %v", err2, err)
				}
			})
		}
	}
}

func TestFrameErrorFields(t *testing.T) {
	r := NewReader(strings.NewReader("1\na999\n"), 100)
	if _, err := r.ReadFrame(); err != nil {
		t.Fatal(err)
	}
	_, err := r.ReadFrame()
	var fe *FrameError
	if !errors.As(err, &fe) {
		t.Fatalf("err = %v", err)
	}
	if fe.Size != 999 || fe.Limit != 100 || fe.Offset != 3 || fe.Err != ErrFrameTooLarge {
		t.Errorf("FrameError = %+v", fe)
	}
}

// TestMergedFrames feeds many frames in one Read and checks that small
// frames come straight from the read buffer.
func TestMergedFrames(t *testing.T) {
	var in bytes.Buffer
	w := NewWriter(&in)
	var want []string
	for i := range 500 {
		s := strings.Repeat(string(rune('a'+i%26)), i%300)
		want = append(want, s)
		if err := w.WriteFrame([]byte(s)); err != nil {
			t.Fatal(err)
		}
	}
	for _, rd := range readers {
		t.Run(rd.name, func(t *testing.T) {
			got, err := readAll(NewReader(rd.wrap(bytes.NewReader(in.Bytes())), 0))
			if err != io.EOF {
				t.Fatalf("err = %v", err)
			}
			if len(got) != len(want) {
				t.Fatalf("got %d frames, want %d", len(got), len(want))
			}
			for i := range want {
				if got[i] != want[i] {
					t.Fatalf("frame %d differs", i)
				}
			}
		})
	}
}

// TestTransportError passes a non-EOF read error through unchanged.
func TestTransportError(t *testing.T) {
	boom := errors.New("connection reset")
	for _, in := range []string{"", "1\na", "12", "5\nab", fmt.Sprintf("%d\nab", readBufSize*2)} {
		r := NewReader(io.MultiReader(strings.NewReader(in), iotest.ErrReader(boom)), 0)
		_, err := readAll(r)
		if err != boom {
			t.Errorf("input %q: err = %v, want %v", in, err, boom)
		}
	}
}

type zeroReader struct{}

func (zeroReader) Read([]byte) (int, error) { return 0, nil }

func TestNoProgress(t *testing.T) {
	for _, in := range []string{"", "5\nab", fmt.Sprintf("%d\nab", readBufSize*2)} {
		r := NewReader(io.MultiReader(strings.NewReader(in), zeroReader{}), 0)
		if _, err := readAll(r); err != io.ErrNoProgress {
			t.Errorf("input %q: err = %v, want io.ErrNoProgress", in, err)
		}
	}
}

// TestAnnouncedSizeIsNotAllocated: a peer announcing a 100 MiB frame and
// sending 1 MiB makes the reader hold about 2 MiB, not 100.
func TestAnnouncedSizeIsNotAllocated(t *testing.T) {
	const announced = 100 << 20
	const sent = 1 << 20
	in := io.MultiReader(
		strings.NewReader(fmt.Sprintf("%d\n", announced)),
		io.LimitReader(repeatReader('z'), sent),
	)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	r := NewReader(in, 0)
	_, err := r.ReadFrame()
	runtime.ReadMemStats(&after)
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("err = %v", err)
	}
	if c := cap(r.frame); c > 2*sent+growStep {
		t.Errorf("frame buffer capacity %d after %d bytes arrived", c, sent)
	}
	// Every buffer ever allocated (doublings included) stays far below the announced size.
	if got := after.TotalAlloc - before.TotalAlloc; got > 8<<20 {
		t.Errorf("allocated %d bytes for %d received", got, sent)
	}
}

type repeatReader byte

func (b repeatReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(b)
	}
	return len(p), nil
}

// TestBufferReuse checks the frame buffer is reused and steady-state reading
// allocates nothing, for frames below and above the read buffer size.
func TestBufferReuse(t *testing.T) {
	for _, size := range []int{20, 4 << 10, readBufSize + 1, 300 << 10} {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			var one bytes.Buffer
			if err := NewWriter(&one).WriteFrame(bytes.Repeat([]byte{'q'}, size)); err != nil {
				t.Fatal(err)
			}
			src := &loopReader{data: one.Bytes()}
			r := NewReader(src, 0)
			if _, err := r.ReadFrame(); err != nil { // warm-up sizes the buffers
				t.Fatal(err)
			}
			allocs := testing.AllocsPerRun(200, func() {
				p, err := r.ReadFrame()
				if err != nil || len(p) != size {
					t.Fatalf("ReadFrame = %d bytes, %v", len(p), err)
				}
			})
			if allocs != 0 {
				t.Errorf("%.1f allocations per frame, want 0", allocs)
			}
		})
	}
}

// loopReader serves data endlessly, in reads of up to 16 KiB (as a TCP
// connection might deliver), so frames straddle reads.
type loopReader struct {
	data []byte
	off  int
}

func (l *loopReader) Read(p []byte) (int, error) {
	if len(p) > 16<<10 {
		p = p[:16<<10]
	}
	n := 0
	for n < len(p) {
		c := copy(p[n:], l.data[l.off:])
		n += c
		l.off = (l.off + c) % len(l.data)
	}
	return n, nil
}

func TestReset(t *testing.T) {
	r := NewReader(strings.NewReader("x"), 0)
	if _, err := r.ReadFrame(); !errors.Is(err, ErrInvalidLength) {
		t.Fatalf("err = %v", err)
	}
	r.Reset(strings.NewReader("2\nok"))
	p, err := r.ReadFrame()
	if err != nil || string(p) != "ok" {
		t.Fatalf("after Reset: %q, %v", p, err)
	}
	if r.MaxFrameSize() != DefaultMaxFrameSize {
		t.Errorf("MaxFrameSize = %d", r.MaxFrameSize())
	}
}

// TestFrameSliceCapacity: appending to a returned frame must not overwrite
// the next frame's bytes.
func TestFrameSliceCapacity(t *testing.T) {
	r := NewReader(strings.NewReader("2\nab2\ncd"), 0)
	p, err := r.ReadFrame()
	if err != nil {
		t.Fatal(err)
	}
	if cap(p) != len(p) {
		t.Errorf("cap = %d, len = %d", cap(p), len(p))
	}
}
