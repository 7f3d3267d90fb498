// SPDX-License-Identifier: Apache-2.0

package scheduler

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/textproto"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"

	"github.com/mesoskit/mesoskit/internal/httpapi"
	"github.com/mesoskit/mesoskit/internal/retry"
)

// pipelinedAckWindow is the least number of automatic acknowledgements in
// flight (handed over and not answered) when they are pipelined: the window
// is max(WithAckConcurrency, pipelinedAckWindow). One connection answers one
// request at a time, so the window must cover the round trip and the
// batches: in bench/ackburst (100,000 acknowledgements, two cores,
// interleaved runs) a window of 64 reached 37,000–40,000 acknowledgements
// per second where 8 reached 27,000–35,000; with the two cores shared by
// other work (load 19–24), 256 did 1.3–1.5× what 64 did in the same rounds
// at 0.8× the CPU per acknowledgement (docs/PERFORMANCE.md, "Round two:
// acknowledgements").
const pipelinedAckWindow = 256

// maxPipelinedBody bounds the body of one answer on the pipelined
// connection; a longer one ends the connection (it cannot be skipped).
const maxPipelinedBody = 64 << 10

// maxPipelinedAnswer bounds what is read from the pipelined connection for
// one answer, informational answers, status line and headers included (the
// reader's buffer reads ahead, so it is counted too): a master or proxy that
// sends endless headers ends the connection instead of filling the heap.
const maxPipelinedAnswer = 2*maxPipelinedBody + pipeReadBuffer

// pipeReadBuffer is the size of the pipelined connection's read buffer.
const pipeReadBuffer = 16 << 10

// maxInformational is how many 1xx answers may precede one final answer,
// as net/http's Transport allows (it skips them too).
const maxInformational = 5

// errPipelineClosed is why the pipelined connection ended after an answer
// with "Connection: close" or an HTTP/1.0 answer without keep-alive.
var errPipelineClosed = errors.New("scheduler: the master closed the pipelined connection")

// errPipelineRefused is why the pipelined connection ended after an answer
// other than 2xx (logged when that answer is read).
var errPipelineRefused = errors.New("scheduler: an acknowledgement was refused on the pipelined connection")

// ackPipe sends the acknowledgements of one subscription, the automatic
// ones and the application's (ackcalls.go), as HTTP/1.1 pipelined requests
// on one connection of its own (see WithPipelinedAcks): a writer goroutine
// writes them back to back, flushing when no further one is queued, and a
// reader goroutine reads the answers in request order, as the master sends
// them.
//
// Every acknowledgement holds a slot of its ackPipeline until it is
// finished: answered, handed to the net/http path (which then finishes it),
// or logged as failed (the slot is freed after the log line). When the
// connection ends for any reason (dial or handshake failure, an error, a
// timeout, an answer with "Connection: close", the end of the session) or
// an answer other than 2xx is read, every later acknowledgement goes
// through net/http (postLater) and the connection is never dialed again;
// those written and not answered are sent again through net/http too (the
// master may have applied them: Mesos's agent ignores a duplicate
// acknowledgement), unless the session has ended (then they are logged as
// dropped and the agent resends the update to the next subscription). After
// an answer other than 2xx the reader still reads the answers to what was
// written before, in order, and the writer writes nothing more.
type ackPipe struct {
	p       *ackPipeline
	addr    string      // host:port to dial
	tls     *tls.Config // nil for http
	timeout time.Duration
	head    []byte // the request up to the value of Content-Length
	tail    []byte // after that value, up to the body

	queue    chan ackJob   // handed over, not written (writer's)
	inflight chan ackJob   // being written or written, not answered (reader's); closed by the writer
	done     chan struct{} // closed by finish
	refused  atomic.Bool   // an answer other than 2xx was read: write nothing more
	once     sync.Once
	mu       sync.Mutex
	raw      net.Conn    // the TCP connection once dialed; closed by finish
	started  atomic.Bool // the writer was started (start)
}

// newAckPipe returns the pipelined path of p's session, or nil and why not
// when WithPipelinedAcks is off or the session's calls cannot be pipelined
// as net/http would send them.
func (c *Client) newAckPipe(p *ackPipeline) (*ackPipe, string) {
	if !c.cfg.pipelinedAcks {
		return nil, ""
	}
	tr := c.callTransport
	if tr == nil {
		return nil, "the HTTP client of WithHTTPClient is used"
	}
	t := c.targetFor(p.s)
	u := t.url
	if u == nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
		return nil, "the endpoint is not a plain http(s) URL"
	}
	if tr.Proxy != nil {
		if pu, err := tr.Proxy(&http.Request{Method: http.MethodPost, URL: u, Header: http.Header{}}); err != nil || pu != nil {
			return nil, "calls go through a proxy"
		}
	}
	host := u.Host
	if !plainToken(host) || strings.Contains(host, "%") {
		return nil, "the host cannot be sent as is"
	}
	uri := u.RequestURI()
	if !plainToken(uri) {
		return nil, "the path cannot be sent as is"
	}

	// The request as net/http writes it (Request.write): request line,
	// Host, User-Agent, Content-Length, the other headers sorted by name,
	// then what the Transport adds (Accept-Encoding).
	h := t.header.Clone()
	if c.cfg.creds != nil {
		h.Set(httpapi.HeaderAuthorization, c.cfg.creds.Header())
	}
	ua := "Go-http-client/1.1"
	if vs, ok := h["User-Agent"]; ok {
		ua = ""
		if len(vs) > 0 {
			ua = vs[0]
		}
	}
	gzip := !tr.DisableCompression && h.Get("Accept-Encoding") == "" && h.Get("Range") == ""
	var head, tail strings.Builder
	head.WriteString("POST " + uri + " HTTP/1.1\r\nHost: " + host + "\r\n")
	if ua != "" {
		if !plainValue(ua) {
			return nil, "a header value cannot be sent as is"
		}
		head.WriteString("User-Agent: " + ua + "\r\n")
	}
	head.WriteString("Content-Length: ")
	tail.WriteString("\r\n")
	keys := make([]string, 0, len(h))
	for k := range h {
		switch k {
		case "Host", "User-Agent", "Content-Length", "Transfer-Encoding", "Trailer":
			continue
		}
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if !plainToken(k) {
			return nil, "a header name cannot be sent as is"
		}
		for _, v := range h[k] {
			if !plainValue(v) {
				return nil, "a header value cannot be sent as is"
			}
			tail.WriteString(k + ": " + v + "\r\n")
		}
	}
	if gzip {
		tail.WriteString("Accept-Encoding: gzip\r\n")
	}
	tail.WriteString("\r\n")

	pp := &ackPipe{
		p:        p,
		addr:     hostPort(u.Hostname(), u.Port(), u.Scheme),
		timeout:  c.cfg.callTimeout,
		head:     []byte(head.String()),
		tail:     []byte(tail.String()),
		queue:    make(chan ackJob, cap(p.slots)),
		inflight: make(chan ackJob, cap(p.slots)),
		done:     make(chan struct{}),
	}
	if pp.timeout <= 0 {
		pp.timeout = DefaultCallTimeout // the dial and the writes are always bounded
	}
	if u.Scheme == "https" {
		cfg := &tls.Config{}
		if tr.TLSClientConfig != nil {
			cfg = tr.TLSClientConfig.Clone()
		}
		if cfg.ServerName == "" {
			cfg.ServerName = u.Hostname()
		}
		cfg.NextProtos = nil // HTTP/1.1 only
		pp.tls = cfg
	}
	return pp, ""
}

func hostPort(host, port, scheme string) string {
	if port == "" {
		port = "80"
		if scheme == "https" {
			port = "443"
		}
	}
	return net.JoinHostPort(host, port)
}

// plainToken reports whether s is non-empty visible ASCII.
func plainToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] >= 0x7f {
			return false
		}
	}
	return true
}

// plainValue reports whether s is a header value net/http writes unchanged
// and that cannot end the header: no CR, LF or other control character, no
// leading or trailing blank.
func plainValue(s string) bool {
	for i := 0; i < len(s); i++ {
		if (s[i] < ' ' && s[i] != '\t') || s[i] == 0x7f {
			return false
		}
	}
	return textproto.TrimString(s) == s
}

// start starts the writer unless it runs already. The caller holds a
// count of the session's calls (the Run goroutine before endSession, or a
// call of the application's in flight), so that Add cannot race
// endSession's Wait.
func (pp *ackPipe) start() {
	if pp.started.CompareAndSwap(false, true) {
		pp.p.s.calls.Add(1)
		go pp.write()
	}
}

// finished reports whether the connection has ended (or never came up).
func (pp *ackPipe) finished() bool {
	select {
	case <-pp.done:
		return true
	default:
		return false
	}
}

// finish ends the connection once; the first cause is logged.
func (pp *ackPipe) finish(err error) {
	pp.once.Do(func() {
		pp.mu.Lock()
		close(pp.done)
		if pp.raw != nil {
			_ = pp.raw.Close()
		}
		pp.mu.Unlock()
		s := pp.p.s
		if s.ctx.Err() != nil || errors.Is(err, ErrNotSubscribed) || errors.Is(err, errPipelineRefused) {
			pp.p.log.Debug("pipelined acknowledgements ended", zap.Error(err))
			return
		}
		pp.p.log.Warn("pipelined acknowledgements ended; those written and not answered are sent again, and the rest of the subscription's sent, through net/http", zap.Error(err))
	})
}

// connect dials the connection and starts the reader; false when it failed
// (finish was called).
func (pp *ackPipe) connect() (net.Conn, bool) {
	s := pp.p.s
	ctx, cancel := context.WithTimeout(s.ctx, pp.timeout)
	defer cancel()
	raw, err := (&net.Dialer{KeepAlive: 30 * time.Second}).DialContext(ctx, "tcp", pp.addr)
	if err != nil {
		pp.finish(fmt.Errorf("dial: %w", err))
		return nil, false
	}
	pp.mu.Lock()
	if pp.finished() {
		pp.mu.Unlock()
		_ = raw.Close()
		return nil, false
	}
	pp.raw = raw
	pp.mu.Unlock()
	conn := raw
	if pp.tls != nil {
		tc := tls.Client(raw, pp.tls)
		if err := tc.HandshakeContext(ctx); err != nil {
			pp.finish(fmt.Errorf("TLS handshake: %w", err))
			return nil, false
		}
		conn = tc
	}
	s.calls.Add(1) // the reader; the writer (already counted) is running, so endSession has not returned from Wait
	go pp.read(conn)
	return conn, true
}

// write is the writer goroutine, started with the first acknowledgement. It
// runs until the session ends; once the connection has ended it hands what
// is still queued to net/http.
func (pp *ackPipe) write() {
	p := pp.p
	defer p.s.calls.Done()
	stop := context.AfterFunc(p.s.ctx, func() { pp.finish(errSubscriptionEnded) })
	defer func() {
		if !stop() {
			pp.finish(errSubscriptionEnded) // waits for the AfterFunc's finish
		}
	}()
	conn, piping := pp.connect()
	var w *bufio.Writer
	if piping {
		w = bufio.NewWriterSize(conn, 32<<10)
	}
	var num []byte
	for {
		select {
		case job := <-pp.queue:
			if piping && (pp.finished() || pp.refused.Load()) {
				if !pp.finished() && w.Buffered() > 0 {
					if err := w.Flush(); err != nil { // the reader waits for their answers
						pp.finish(fmt.Errorf("write: %w", err))
					}
				}
				piping = false
				close(pp.inflight)
			}
			if !piping {
				p.postLater(job, false)
				continue
			}
			pp.inflight <- job // never blocks: job holds one of cap(inflight) slots
			if w.Buffered() == 0 {
				_ = conn.SetWriteDeadline(time.Now().Add(pp.timeout))
			}
			_, _ = w.Write(pp.head)
			num = strconv.AppendInt(num[:0], int64(len(job.body)), 10)
			_, _ = w.Write(num)
			_, _ = w.Write(pp.tail)
			_, err := w.Write(job.body)
			if err == nil && len(pp.queue) == 0 {
				// Let the goroutines that are about to queue one (callers
				// woken by the answers just read) run first: one write for
				// them all instead of one each.
				runtime.Gosched()
				if len(pp.queue) == 0 {
					err = w.Flush()
				}
			}
			if err != nil {
				pp.finish(fmt.Errorf("write: %w", err))
				piping = false
				close(pp.inflight)
			}
		case <-p.s.ctx.Done():
			pp.finish(errSubscriptionEnded)
			if piping {
				close(pp.inflight)
			}
			for {
				select {
				case job := <-pp.queue:
					p.failed(job, callErr(job.typ, errSubscriptionEnded))
					<-p.slots
				default:
					return
				}
			}
		}
	}
}

// read is the reader goroutine: it reads one answer per acknowledgement
// written, in order, until the writer closes inflight. Once the connection
// has ended, what is left unanswered is sent again through net/http, or
// logged as dropped when the session has ended.
func (pp *ackPipe) read(conn net.Conn) {
	p := pp.p
	defer p.s.calls.Done()
	budget := &budgetReader{r: conn}
	br := bufio.NewReaderSize(budget, pipeReadBuffer)
	req := &http.Request{Method: http.MethodPost}
	var dead error
	resent := 0
	for job := range pp.inflight {
		if dead == nil {
			budget.n = maxPipelinedAnswer
			handled, err := pp.answer(conn, br, req, job)
			if err != nil {
				dead = err
				pp.finish(err)
			}
			if handled {
				continue
			}
		}
		if p.s.ctx.Err() == nil {
			resent++
			p.postLater(job, false)
			continue
		}
		p.failed(job, callErr(job.typ, fmt.Errorf("dropped: the subscription ended before its answer on the pipelined connection: %w", dead)))
		<-p.slots
	}
	if resent > 0 {
		p.log.Debug("acknowledgements unanswered on the pipelined connection sent again through net/http",
			zap.Int("count", resent), zap.Error(dead))
	}
	pp.finish(errPipelineRefused) // after a refusal: the writer has stopped; otherwise a no-op
}

// budgetReader reads from r at most n bytes, then fails: the reader resets
// n before each answer.
type budgetReader struct {
	r io.Reader
	n int64
}

var errAnswerTooLong = fmt.Errorf("an answer is over %d bytes", maxPipelinedAnswer)

func (b *budgetReader) Read(buf []byte) (int, error) {
	if b.n <= 0 {
		return 0, errAnswerTooLong
	}
	if int64(len(buf)) > b.n {
		buf = buf[:b.n]
	}
	n, err := b.r.Read(buf)
	b.n -= int64(n)
	return n, err
}

// answer reads the answer to job and finishes job (handled) unless there
// was none. A non-nil error ends the connection. An answer other than 2xx
// makes the writer stop (refused): the rest of the subscription's
// acknowledgements go through net/http, where each answer is its own
// request's, since an intermediary that reorders answers would make this
// one another's.
func (pp *ackPipe) answer(conn net.Conn, br *bufio.Reader, req *http.Request, job ackJob) (handled bool, err error) {
	p := pp.p
	// Always bounded, even with WithCallTimeout(0): a master that never
	// answers would otherwise hold the window, and dispatch, for good.
	_ = conn.SetReadDeadline(time.Now().Add(pp.timeout))
	if _, err := br.Peek(1); err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return false, fmt.Errorf("read: %w", err)
	}
	if n := plainAccepted(br); n > 0 { // nearly every answer, without ReadResponse's allocations
		_, _ = br.Discard(n)
		p.c.pipelinedOK.Add(1)
		p.succeeded(job)
		<-p.slots
		return true, nil
	}
	var resp *http.Response
	for i := 0; ; i++ {
		resp, err = http.ReadResponse(br, req)
		if err != nil {
			if errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			return false, fmt.Errorf("read: %w", err)
		}
		// 1xx: informational, no body, the final answer follows (RFC 9110
		// 15.2); net/http's Transport skips them too. 101 would switch
		// protocols: nothing this connection can go on with.
		if resp.StatusCode >= 200 {
			break
		}
		if resp.StatusCode == http.StatusSwitchingProtocols || i == maxInformational {
			return false, fmt.Errorf("unexpected %s", resp.Status)
		}
	}
	var apiErr *APIError
	if resp.StatusCode >= 300 {
		apiErr = httpapi.NewAPIError(resp, job.typ.String()) // reads at most 4 KiB of the body
	}
	n, rerr := io.Copy(io.Discard, io.LimitReader(resp.Body, maxPipelinedBody+1))
	switch {
	case rerr != nil:
		err = fmt.Errorf("read: %w", rerr)
	case n > maxPipelinedBody:
		err = fmt.Errorf("an answer's body is over %d bytes", maxPipelinedBody)
	case resp.Close:
		err = errPipelineClosed
	}
	switch {
	case apiErr == nil:
		p.c.pipelinedOK.Add(1)
		p.succeeded(job)
		<-p.slots
		return true, err
	case retryable(apiErr):
		p.postLater(job, true) // not applied: sent again through net/http
	default:
		p.failed(job, callErr(job.typ, apiErr))
		<-p.slots
	}
	if !pp.refused.Swap(true) && err == nil {
		p.log.Warn("pipelined acknowledgements: an answer other than 2xx; the rest of the subscription's go through net/http",
			zap.Int("status", resp.StatusCode), zap.String("task_id", job.taskID))
	}
	return true, err
}

// postLater sends job through net/http on a goroutine of its own (counted
// in the session's calls), which finishes it: an acknowledgement queued
// when the pipelined connection ended, or one answered 503 (again; it waits
// the first backoff delay before). Each holds a slot, so at most the window
// run at once. Called by the writer or the reader, themselves counted in
// the session's calls.
func (p *ackPipeline) postLater(job ackJob, again bool) {
	p.s.calls.Add(1)
	go func() {
		defer p.s.calls.Done()
		ctx, cancel := p.s.ctx, context.CancelFunc(func() {})
		if t := p.c.cfg.callTimeout; t > 0 {
			ctx, cancel = context.WithTimeoutCause(p.s.ctx, t, errCallTimedOut)
		}
		var err error
		switch {
		case again && !retry.Sleep(ctx, retry.New(p.c.cfg.backoffInitial, p.c.cfg.backoffMax).Next(), nil):
			err = callErr(job.typ, context.Cause(ctx))
		case job.reply != nil:
			err = p.c.postRetried(ctx, p.s, job.typ, job.body) // its caller records the call's metrics
		default:
			err = p.c.postAttempts(ctx, p.s, job.typ, job.body)
		}
		cancel()
		if err != nil && p.s.ctx.Err() != nil {
			err = callErr(job.typ, errSubscriptionEnded)
		}
		if err != nil {
			p.failed(job, err)
		} else {
			p.succeeded(job)
		}
		<-p.slots
	}()
}
