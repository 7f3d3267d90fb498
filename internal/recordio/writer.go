// SPDX-License-Identifier: Apache-2.0

package recordio

import (
	"io"
	"strconv"
	"sync"
)

// keepBufSize is the largest write buffer a Writer keeps between frames.
const keepBufSize = 256 << 10

// Writer writes RecordIO frames to an io.Writer. It is safe for concurrent
// use; frames never interleave.
type Writer struct {
	mu  sync.Mutex
	dst io.Writer
	buf []byte
	err error
}

// NewWriter returns a Writer that writes frames to dst.
func NewWriter(dst io.Writer) *Writer {
	return &Writer{dst: dst}
}

// WriteFrame writes "<len(p)>\n" followed by p with a single Write call on
// the underlying writer, so a chunked HTTP response carries one record per
// chunk, as Mesos sends them. p is not retained. After a failed or short
// write the stream is corrupt, and every later call returns the same error.
func (w *Writer) WriteFrame(p []byte) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err != nil {
		return w.err
	}
	b := strconv.AppendUint(w.buf[:0], uint64(len(p)), 10)
	b = append(b, '\n')
	b = append(b, p...)
	n, err := w.dst.Write(b)
	if err == nil && n != len(b) {
		err = io.ErrShortWrite
	}
	if cap(b) <= keepBufSize {
		w.buf = b[:0]
	} else {
		w.buf = nil
	}
	if err != nil {
		w.err = err
	}
	return err
}
