// SPDX-License-Identifier: Apache-2.0

package recordio

import (
	"errors"
	"io"
	"math"
	"strconv"
)

// DefaultMaxFrameSize is the frame limit used when NewReader is given a
// non-positive one: 128 MiB, room for an OFFERS event from about 10,000
// agents in JSON.
const DefaultMaxFrameSize = 128 << 20

const (
	// readBufSize is the size of the read buffer; frames up to this size are
	// returned from it without a copy.
	readBufSize = 64 << 10
	// minReadBufSize keeps tiny limits from making tiny reads.
	minReadBufSize = 512
	// growStep is the least a large frame's buffer grows by; it grows by
	// doubling what has arrived otherwise, never beyond the announced size.
	growStep = 64 << 10
	// maxEmptyReads bounds consecutive (0, nil) reads, as bufio does.
	maxEmptyReads = 100
)

var errNegativeRead = errors.New("recordio: reader returned negative count from Read")

// Reader reads RecordIO frames from an io.Reader. Create it with NewReader.
type Reader struct {
	src  io.Reader
	max  int
	buf  []byte // read buffer; buf[r:w] holds unread bytes
	r, w int
	base int64 // stream offset of buf[0]

	frame []byte // buffer for frames larger than buf, reused
	rerr  error  // error returned by src, reported once buf is drained
	err   error  // sticky error of ReadFrame
}

// NewReader returns a Reader that reads frames from src and refuses frames
// larger than maxFrameSize bytes (DefaultMaxFrameSize when maxFrameSize <= 0).
func NewReader(src io.Reader, maxFrameSize int) *Reader {
	if maxFrameSize <= 0 {
		maxFrameSize = DefaultMaxFrameSize
	}
	size := readBufSize
	if want := maxFrameSize + maxDigits + 2; want < size {
		size = max(want, minReadBufSize)
	}
	return &Reader{src: src, max: maxFrameSize, buf: make([]byte, size)}
}

// Reset makes r read from src as a new stream, keeping its buffers.
func (r *Reader) Reset(src io.Reader) {
	r.src = src
	r.r, r.w, r.base = 0, 0, 0
	r.rerr, r.err = nil, nil
}

// MaxFrameSize returns the reader's frame limit in bytes.
func (r *Reader) MaxFrameSize() int { return r.max }

// ReadFrame returns the next record's bytes. The slice is owned by the Reader
// and valid only until the next call of ReadFrame or Reset.
//
// At a clean end of stream (EOF before a record starts; empty lines
// included) it returns io.EOF. A stream ending inside a record gives a
// *FrameError wrapping io.ErrUnexpectedEOF; a malformed length one wrapping
// ErrInvalidLength; an oversized record one wrapping ErrFrameTooLarge. Errors
// from the underlying reader are returned unchanged. All errors are sticky.
func (r *Reader) ReadFrame() ([]byte, error) {
	if r.err != nil {
		return nil, r.err
	}
	p, err := r.readFrame()
	if err != nil {
		r.err = err
		return nil, err
	}
	return p, nil
}

func (r *Reader) readFrame() ([]byte, error) {
	n, start, err := r.readLength()
	if err != nil {
		return nil, err
	}
	if avail := r.w - r.r; n <= uint64(avail) {
		p := r.buf[r.r : r.r+int(n) : r.r+int(n)]
		r.r += int(n)
		return p, nil
	}
	if n <= uint64(len(r.buf)) {
		return r.readBuffered(int(n), start)
	}
	return r.readLarge(int(n), start)
}

// readLength skips empty lines and parses "<digits>\n". It returns the length
// and the stream offset where it starts.
func (r *Reader) readLength() (uint64, int64, error) {
	// Empty lines before a length are tolerated, as in the Mesos docs.
	for {
		if r.r == r.w {
			if err := r.fill(); err != nil {
				return 0, 0, err // io.EOF here is a clean end between records
			}
			continue
		}
		if r.buf[r.r] != '\n' {
			break
		}
		r.r++
	}

	start := r.base + int64(r.r)
	var (
		hdr    [maxDigits + 1]byte
		hn     int
		n      uint64
		digits int
	)
	for {
		if r.r == r.w {
			if err := r.fill(); err != nil {
				if err == io.EOF {
					return 0, start, &FrameError{Err: io.ErrUnexpectedEOF, Offset: start,
						Header: string(hdr[:hn]), InHeader: true}
				}
				return 0, start, err
			}
			continue
		}
		c := r.buf[r.r]
		r.r++
		if c == '\n' {
			break
		}
		if hn < len(hdr) {
			hdr[hn] = c
			hn++
		}
		if c < '0' || c > '9' {
			return 0, start, &FrameError{Err: ErrInvalidLength, Offset: start,
				Header: string(hdr[:hn]), Reason: badByteReason(c)}
		}
		digits++
		if digits > maxDigits {
			return 0, start, &FrameError{Err: ErrInvalidLength, Offset: start,
				Header: string(hdr[:hn]), Reason: "more than 20 digits"}
		}
		d := uint64(c - '0')
		if n > (math.MaxUint64-d)/10 {
			return 0, start, &FrameError{Err: ErrInvalidLength, Offset: start,
				Header: string(hdr[:hn]), Reason: "exceeds the uint64 range"}
		}
		n = n*10 + d
	}
	if n > uint64(r.max) {
		return 0, start, &FrameError{Err: ErrFrameTooLarge, Offset: start, Size: n, Limit: r.max}
	}
	return n, start, nil
}

func badByteReason(c byte) string {
	switch c {
	case '-', '+':
		return "sign not allowed"
	case ' ', '\t':
		return "whitespace not allowed"
	case '\r':
		return "carriage return not allowed"
	}
	return "unexpected byte " + strconv.QuoteRune(rune(c)) + ", want a decimal digit"
}

// readBuffered reads a frame of n bytes that fits in the read buffer but has
// not fully arrived.
func (r *Reader) readBuffered(n int, start int64) ([]byte, error) {
	r.compact()
	for r.w < n {
		if err := r.fill(); err != nil {
			return nil, truncated(err, start, uint64(n), uint64(r.w))
		}
	}
	r.r = n
	return r.buf[:n:n], nil
}

// readLarge reads a frame larger than the read buffer into r.frame, growing it
// only as bytes arrive.
func (r *Reader) readLarge(n int, start int64) ([]byte, error) {
	f := r.frame[:0]
	if avail := r.w - r.r; avail > 0 {
		if cap(f) < avail {
			f = grow(f, avail, n)
		}
		f = append(f, r.buf[r.r:r.w]...)
	}
	r.base += int64(r.w)
	r.r, r.w = 0, 0

	empty := 0
	for len(f) < n {
		if r.rerr != nil {
			r.frame = f
			return nil, truncated(r.rerr, start, uint64(n), uint64(len(f)))
		}
		if len(f) == cap(f) {
			f = grow(f, len(f)+1, n)
		}
		m, err := r.src.Read(f[len(f):min(cap(f), n)])
		if m < 0 {
			r.frame = f
			return nil, errNegativeRead
		}
		f = f[:len(f)+m]
		r.base += int64(m)
		if err != nil {
			r.rerr = err
		}
		if m == 0 && err == nil {
			if empty++; empty >= maxEmptyReads {
				r.frame = f
				return nil, io.ErrNoProgress
			}
		} else {
			empty = 0
		}
	}
	r.frame = f
	return f[:n:n], nil
}

// grow returns a slice with f's contents and a capacity of at least need,
// at most limit: double what has arrived, or add growStep, whichever is more.
func grow(f []byte, need, limit int) []byte {
	c := max(2*len(f), len(f)+growStep, need)
	c = min(c, limit)
	nf := make([]byte, len(f), c)
	copy(nf, f)
	return nf
}

// truncated maps io.EOF inside a record body to a *FrameError.
func truncated(err error, start int64, size, got uint64) error {
	if err == io.EOF {
		return &FrameError{Err: io.ErrUnexpectedEOF, Offset: start, Size: size, Received: got}
	}
	return err
}

// compact moves the unread bytes to the start of the buffer.
func (r *Reader) compact() {
	if r.r == 0 {
		return
	}
	copy(r.buf, r.buf[r.r:r.w])
	r.base += int64(r.r)
	r.w -= r.r
	r.r = 0
}

// fill reads at least one more byte into the buffer, or returns an error
// (io.EOF at the end of the stream).
func (r *Reader) fill() error {
	if r.r == r.w {
		r.base += int64(r.r)
		r.r, r.w = 0, 0
	} else if r.w == len(r.buf) {
		r.compact()
	}
	for range maxEmptyReads {
		if r.rerr != nil {
			return r.rerr
		}
		m, err := r.src.Read(r.buf[r.w:])
		if m < 0 {
			return errNegativeRead
		}
		r.w += m
		if err != nil {
			r.rerr = err
		}
		if m > 0 {
			return nil
		}
	}
	return io.ErrNoProgress
}
