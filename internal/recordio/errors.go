// SPDX-License-Identifier: Apache-2.0

package recordio

import (
	"errors"
	"io"
	"strconv"
)

// Sentinel errors. A *FrameError wraps one of these or io.ErrUnexpectedEOF;
// test with errors.Is.
var (
	// ErrInvalidLength reports a record length that is not a plain decimal
	// number: a sign, a space, a letter, too many digits, or an overflow.
	ErrInvalidLength = errors.New("recordio: invalid record length")
	// ErrFrameTooLarge reports a record that announces more bytes than the
	// reader's limit. Nothing is allocated for it.
	ErrFrameTooLarge = errors.New("recordio: frame too large")
)

// maxDigits is the number of digits in the largest uint64 (18446744073709551615).
const maxDigits = 20

// FrameError describes a malformed, oversized or truncated record.
type FrameError struct {
	// Err is ErrInvalidLength, ErrFrameTooLarge or io.ErrUnexpectedEOF.
	Err error
	// Offset is the position in the stream where the record's length starts.
	Offset int64
	// Header holds the bytes of the length line seen so far (at most
	// maxDigits+1 of them), for ErrInvalidLength and a truncated length.
	Header string
	// Reason says what is wrong with the length (ErrInvalidLength only).
	Reason string
	// Size is the announced record size (ErrFrameTooLarge, truncated body).
	Size uint64
	// Limit is the reader's maximum frame size (ErrFrameTooLarge).
	Limit int
	// Received counts the record bytes that arrived before the stream ended
	// (truncated body).
	Received uint64
	// InHeader is true when the stream ended inside a length line.
	InHeader bool
}

// Error implements error.
func (e *FrameError) Error() string {
	b := make([]byte, 0, 128)
	switch {
	case errors.Is(e.Err, ErrFrameTooLarge):
		b = append(b, "recordio: frame too large: record announces "...)
		b = strconv.AppendUint(b, e.Size, 10)
		b = append(b, " bytes, limit is "...)
		b = strconv.AppendInt(b, int64(e.Limit), 10)
	case errors.Is(e.Err, ErrInvalidLength):
		b = append(b, "recordio: invalid record length "...)
		b = strconv.AppendQuote(b, e.Header)
		if e.Reason != "" {
			b = append(b, ": "...)
			b = append(b, e.Reason...)
		}
	case e.InHeader:
		b = append(b, "recordio: stream ended inside record length "...)
		b = strconv.AppendQuote(b, e.Header)
		b = append(b, ": "...)
		b = append(b, io.ErrUnexpectedEOF.Error()...)
	default:
		b = append(b, "recordio: stream ended after "...)
		b = strconv.AppendUint(b, e.Received, 10)
		b = append(b, " of "...)
		b = strconv.AppendUint(b, e.Size, 10)
		b = append(b, " record bytes: "...)
		b = append(b, io.ErrUnexpectedEOF.Error()...)
	}
	b = append(b, " (at stream offset "...)
	b = strconv.AppendInt(b, e.Offset, 10)
	b = append(b, ')')
	return string(b)
}

// Unwrap returns the sentinel: ErrInvalidLength, ErrFrameTooLarge or
// io.ErrUnexpectedEOF.
func (e *FrameError) Unwrap() error { return e.Err }
