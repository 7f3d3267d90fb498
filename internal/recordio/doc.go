// SPDX-License-Identifier: Apache-2.0

// Package recordio reads and writes the RecordIO framing that the Mesos v1
// scheduler and executor APIs use for their event streams: every record is
// its length in ASCII decimal, one '\n', then exactly that many bytes.
//
//	r := recordio.NewReader(resp.Body, 0) // 0 → DefaultMaxFrameSize
//	for {
//		frame, err := r.ReadFrame() // valid until the next ReadFrame
//		if err == io.EOF {
//			break // the stream ended cleanly between records
//		}
//		if err != nil {
//			return err // *FrameError, a transport error, or io.ErrUnexpectedEOF wrapped
//		}
//		handle(frame)
//	}
//
// Bounds: a Reader never allocates for bytes that have not arrived. A record
// that announces N bytes is refused at once when N exceeds the limit
// (ErrFrameTooLarge); below the limit its buffer grows with the bytes actually
// received, so a peer that announces 100 MiB and sends 10 bytes costs about
// 64 KiB. Frames that fit in the 64 KiB read buffer are returned from it
// without a copy; larger ones go to a frame buffer that is kept and reused,
// so steady-state reading allocates nothing.
//
// Errors are sticky: after ReadFrame returns an error (io.EOF included) every
// later call returns the same error, as the Mesos decoder stays FAILED. A
// stream with a malformed length must be dropped.
//
// Concurrency: a Reader is for one goroutine. A Writer may be shared: each
// WriteFrame is serialised and issues exactly one Write on the underlying
// writer, so records never interleave. Neither closes nor flushes the stream
// it wraps; callers that write to an http.ResponseWriter flush it themselves.
package recordio
