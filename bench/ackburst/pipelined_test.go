// SPDX-License-Identifier: Apache-2.0

package ackburst

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/mesoskit/mesoskit/internal/httpapi"
)

// defaultPipelineWindows is the requests in flight per connection of the
// raw-pipelined sides when MESOSKIT_BENCH_PIPELINE_WINDOW is unset.
var defaultPipelineWindows = []int{64}

// pipelinedClients are the raw-pipelined-N-wW sides: one per connection count
// N in env MESOSKIT_BENCH_PIPELINED (none by default) and window W in env
// MESOSKIT_BENCH_PIPELINE_WINDOW (default 64).
func pipelinedClients(tb testing.TB) []namedClient {
	var cs []namedClient
	windows := envInts(tb, "MESOSKIT_BENCH_PIPELINE_WINDOW", defaultPipelineWindows)
	for _, n := range envInts(tb, "MESOSKIT_BENCH_PIPELINED", nil) {
		for _, w := range windows {
			cs = append(cs, namedClient{
				"raw-pipelined-" + strconv.Itoa(n) + "-w" + strconv.Itoa(w),
				runPipelined(n, w),
			})
		}
	}
	return cs
}

// runPipelined is the loopback limit without net/http's client: it
// subscribes as runRaw does, then writes the ACKNOWLEDGE calls as
// pre-formatted HTTP/1.1 requests back to back on conns plain TCP
// connections, at most window unanswered per connection, and reads the
// answers in order (HTTP/1.1 pipelining; the server answers in request
// order).
func runPipelined(conns, window int) client {
	return func(ctx context.Context, b *burst) error {
		base := b.srv.URL()
		u, err := url.Parse(base)
		if err != nil {
			return err
		}
		tr := &http.Transport{}
		defer tr.CloseIdleConnections()
		hc := &http.Client{Transport: tr}

		streamID, fwID, bodies, closeStream, err := rawSession(ctx, hc, base+"/api/v1/scheduler", b)
		if err != nil {
			return err
		}
		defer closeStream()
		reqs := pipelinedRequests(u.Host, streamID, bodies)

		// Dial before the burst so the timed part is only requests.
		var d net.Dialer
		cs := make([]net.Conn, 0, conns)
		defer func() {
			for _, c := range cs {
				c.Close()
			}
		}()
		for range conns {
			c, err := d.DialContext(ctx, "tcp", u.Host)
			if err != nil {
				return err
			}
			cs = append(cs, c)
		}

		b.subscribed(fwID)
		select {
		case <-b.sent:
		case <-ctx.Done():
			return nil
		}

		var (
			next atomic.Int64
			wg   sync.WaitGroup
			fail atomic.Pointer[error]
		)
		failed := func(err error) {
			if ctx.Err() == nil {
				fail.CompareAndSwap(nil, &err)
			}
		}
		// A cancelled run or a failed connection closes every connection,
		// which ends all writers and readers.
		done := make(chan struct{})
		go func() {
			select {
			case <-ctx.Done():
			case <-done:
			}
			for _, c := range cs {
				c.Close()
			}
		}()
		for _, c := range cs {
			inflight := make(chan struct{}, window)
			wg.Add(2)
			go func() {
				defer wg.Done()
				defer close(inflight)
				if err := pipelineWrite(c, reqs, &next, inflight, window); err != nil {
					failed(err)
					c.Close()
				}
			}()
			go func() {
				defer wg.Done()
				if err := pipelineRead(c, inflight); err != nil {
					failed(err)
					c.Close()
				}
			}()
		}
		wg.Wait()
		close(done)
		if p := fail.Load(); p != nil {
			return *p
		}
		<-ctx.Done() // the run ends when the master has every ack
		return nil
	}
}

// pipelinedRequests formats each body as a whole HTTP/1.1 request with the
// headers runRaw's requests carry.
func pipelinedRequests(host, streamID string, bodies [][]byte) [][]byte {
	head := "POST /api/v1/scheduler HTTP/1.1\r\n" +
		"Host: " + host + "\r\n" +
		"Content-Type: " + httpapi.MediaTypeProtobuf + "\r\n" +
		"Accept: " + httpapi.MediaTypeProtobuf + "\r\n" +
		"Mesos-Stream-Id: " + streamID + "\r\n" +
		"Content-Length: "
	reqs := make([][]byte, len(bodies))
	for i, body := range bodies {
		r := make([]byte, 0, len(head)+8+len(body))
		r = append(r, head...)
		r = strconv.AppendInt(r, int64(len(body)), 10)
		r = append(r, "\r\n\r\n"...)
		reqs[i] = append(r, body...)
	}
	return reqs
}

// pipelineWrite takes requests from the shared counter and writes them to c
// through a buffer. Each request first takes a slot in inflight (freed by
// the reader when its answer arrives); the writer waits for one free slot,
// takes up to window/4 more that are free at once, writes that many
// requests and flushes, so a write carries every request it can.
func pipelineWrite(c net.Conn, reqs [][]byte, next *atomic.Int64, inflight chan<- struct{}, window int) error {
	w := bufio.NewWriterSize(c, 32<<10)
	batch := max(1, window/4)
	for {
		n := 0
		for n < batch {
			i := int(next.Add(1)) - 1
			if i >= len(reqs) {
				break
			}
			if n == 0 {
				inflight <- struct{}{}
			} else {
				select {
				case inflight <- struct{}{}:
				default:
					// No free slot: send what is buffered, then wait.
					if err := w.Flush(); err != nil {
						return err
					}
					inflight <- struct{}{}
				}
			}
			if _, err := w.Write(reqs[i]); err != nil {
				return err
			}
			n++
		}
		if err := w.Flush(); err != nil {
			return err
		}
		if n < batch {
			return nil // no requests left
		}
	}
}

// pipelineRead reads one answer per slot taken in inflight, in order, and
// wants 202 Accepted for each; it returns when the writer is done and every
// answer is read.
func pipelineRead(c net.Conn, inflight <-chan struct{}) error {
	r := bufio.NewReaderSize(c, 32<<10)
	req := &http.Request{Method: http.MethodPost}
	for range inflight {
		resp, err := http.ReadResponse(r, req)
		if err != nil {
			if errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			return err
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusAccepted {
			return &statusError{"ACKNOWLEDGE", resp.StatusCode}
		}
	}
	return nil
}
