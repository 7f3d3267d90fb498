// SPDX-License-Identifier: Apache-2.0

package scheduler

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/mesoskit/mesoskit/internal/httpapi"
)

// rawMaster is a master speaking HTTP/1.1 by hand, so that a test sees the
// bytes of each request and decides, per connection, how each is answered.
// Connection 0 is the first to connect.
type rawMaster struct {
	t      *testing.T
	ln     net.Listener
	script func(conn, i int, m *rawMaster) rawAnswer // conn's i-th request (from 0)

	mu    sync.Mutex
	reqs  []rawReq
	conns []net.Conn
	wg    sync.WaitGroup
}

type rawReq struct {
	conn int
	head string // request line and headers, as received
	body []byte
}

type rawAnswer int

const (
	answer202   rawAnswer = iota
	answer503             // 503 with a body
	answerClose           // 202 with "Connection: close", then close
	answerDrop            // close the connection without answering
	answerHold            // read on, answer later (answerAll) or never
	answerAll             // 202 to every request held, then to this one
)

func newRawMaster(t *testing.T, script func(conn, i int, m *rawMaster) rawAnswer) *rawMaster {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	m := &rawMaster{t: t, ln: ln, script: script}
	m.wg.Add(1)
	go m.accept()
	t.Cleanup(m.close)
	return m
}

func (m *rawMaster) url() string { return "http://" + m.ln.Addr().String() }

func (m *rawMaster) close() {
	_ = m.ln.Close()
	m.mu.Lock()
	for _, c := range m.conns {
		_ = c.Close()
	}
	m.mu.Unlock()
	m.wg.Wait()
}

func (m *rawMaster) accept() {
	defer m.wg.Done()
	for {
		c, err := m.ln.Accept()
		if err != nil {
			return
		}
		m.mu.Lock()
		n := len(m.conns)
		m.conns = append(m.conns, c)
		m.mu.Unlock()
		m.wg.Add(1)
		go m.serve(n, c)
	}
}

func (m *rawMaster) serve(n int, c net.Conn) {
	defer m.wg.Done()
	defer c.Close()
	br := bufio.NewReader(c)
	held := 0
	for i := 0; ; i++ {
		var head strings.Builder
		length := 0
		for {
			line, err := br.ReadString('\n')
			if err != nil {
				return
			}
			head.WriteString(line)
			if line == "\r\n" {
				break
			}
			if v, ok := strings.CutPrefix(line, "Content-Length: "); ok {
				length, _ = strconv.Atoi(strings.TrimSpace(v))
			}
		}
		body := make([]byte, length)
		if _, err := io.ReadFull(br, body); err != nil {
			return
		}
		m.mu.Lock()
		m.reqs = append(m.reqs, rawReq{conn: n, head: head.String(), body: body})
		m.mu.Unlock()
		var err error
		switch m.script(n, i, m) {
		case answer202:
			_, err = io.WriteString(c, "HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n")
		case answer503:
			_, err = io.WriteString(c, "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\nContent-Length: 4\r\n\r\nbusy")
		case answerClose:
			_, _ = io.WriteString(c, "HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
			return
		case answerDrop:
			return
		case answerHold:
			held++
		case answerAll:
			_, err = io.WriteString(c, strings.Repeat("HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n", held+1))
			held = 0
		}
		if err != nil {
			return
		}
	}
}

// received returns the requests so far.
func (m *rawMaster) received() []rawReq {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]rawReq(nil), m.reqs...)
}

// count returns how many requests connection conn (or every one, -1) sent.
func (m *rawMaster) count(conn int) int {
	n := 0
	for _, r := range m.received() {
		if conn < 0 || r.conn == conn {
			n++
		}
	}
	return n
}

// waitFor polls cond until it holds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

func all202(int, int, *rawMaster) rawAnswer { return answer202 }

func tasksOf(reqs []rawReq, conn int, t *testing.T) []string {
	t.Helper()
	var out []string
	for _, r := range reqs {
		if conn >= 0 && r.conn != conn {
			continue
		}
		for _, task := range []string{"t1", "t2", "t3", "t4", "t5", "t6", "t7", "t8", "t9", "t10", "t11", "t12", "t13"} {
			if bytes.Equal(r.body, ackJobFor(task).body) {
				out = append(out, task)
			}
		}
	}
	return out
}

// A pipelined acknowledgement is, byte for byte, the request net/http sends
// for it: request line, every header (credentials and Accept-Encoding
// included) in the same order, body.
func TestPipelinedAckRequestExact(t *testing.T) {
	for _, ct := range []string{httpapi.MediaTypeProtobuf, httpapi.MediaTypeJSON} {
		t.Run(ct, func(t *testing.T) {
			m := newRawMaster(t, all202)
			var got [2]rawReq
			for i, on := range []bool{false, true} {
				opts := []Option{WithContentType(ct), WithoutPipelinedAcks()}
				if on {
					opts = append(opts, WithPipelinedAcks())
				}
				r, s, cancel, _ := newPipelineRunner(t, m.url(), append(opts,
					WithCredentials("principal", "secret"))...)
				if (r.acks.pipe != nil) != on {
					t.Fatalf("pipelining on=%v: pipe %v", on, r.acks.pipe)
				}
				before := len(m.received())
				r.acks.submit(ackJobFor("t1"))
				waitIdle(t, r.acks)
				cancel(errors.New("done"))
				r.endSession(s, errors.New("done"), zap.NewNop())
				reqs := m.received()
				if len(reqs) != before+1 {
					t.Fatalf("pipelining on=%v: master got %d requests, want 1", on, len(reqs)-before)
				}
				got[i] = reqs[before]
				if on && r.c.pipelinedOK.Load() != 1 {
					t.Errorf("%d acknowledgements answered on the pipelined connection, want 1", r.c.pipelinedOK.Load())
				}
			}
			if got[0].head != got[1].head || !bytes.Equal(got[0].body, got[1].body) {
				t.Errorf("pipelined request differs from net/http's:\nnet/http:\n%q\npipelined:\n%q", got[0].head, got[1].head)
			}
			for _, want := range []string{"Authorization: Basic ", "Mesos-Stream-Id: stream-1\r\n", "Content-Type: " + ct + "\r\n", "User-Agent: " + userAgent} {
				if !strings.Contains(got[1].head, want) {
					t.Errorf("pipelined request lacks %q:\n%s", want, got[1].head)
				}
			}
		})
	}
}

// Acknowledgements are written back to back on one connection, the next
// before the answer to the previous: the master holds every answer until it
// has read all of them.
func TestPipelinedAcksOneConnection(t *testing.T) {
	const n = 10
	m := newRawMaster(t, func(conn, i int, m *rawMaster) rawAnswer {
		if i == n-1 {
			return answerAll
		}
		return answerHold // answer nothing before every request has arrived
	})
	r, s, cancel, logs := newPipelineRunner(t, m.url(), WithPipelinedAcks())
	for i := 1; i <= n; i++ {
		r.acks.submit(ackJobFor("t" + strconv.Itoa(i)))
	}
	waitIdle(t, r.acks)
	cancel(errors.New("done"))
	r.endSession(s, errors.New("done"), zap.NewNop())
	if got := m.count(0); got != n {
		t.Errorf("connection 0 got %d requests, want %d", got, n)
	}
	if got := m.count(-1); got != n {
		t.Errorf("master got %d requests, want %d", got, n)
	}
	if got := r.c.pipelinedOK.Load(); got != n {
		t.Errorf("%d answered on the pipelined connection, want %d", got, n)
	}
	if w := logs.FilterLevelExact(zap.WarnLevel).Len(); w != 0 {
		t.Errorf("%d warnings: %v", w, logs.All())
	}
}

// When the connection ends mid-pipeline — closed without an answer, or an
// answer with "Connection: close" — the acknowledgements written and not
// answered are sent again through net/http (a duplicate of one the master
// applied is ignored by Mesos's agent), with one warning for the end and one
// for the resent; later ones go through net/http too.
func TestPipelinedAcksConnectionLost(t *testing.T) {
	for _, tc := range []struct {
		name     string
		last     rawAnswer // the 10th request's answer, read as the 3rd's
		answered int       // of the first 10
	}{
		{"reset", answerDrop, 2},
		{"connection-close", answerClose, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// Requests 3..9 are held; the 10th gets tc.last, which the client
			// reads as the answer to the 3rd (answers come in order).
			m := newRawMaster(t, func(conn, i int, _ *rawMaster) rawAnswer {
				if conn != 0 {
					return answer202
				}
				if i < 2 {
					return answer202
				}
				if i < 9 {
					return answerHold
				}
				return tc.last
			})
			r, s, cancel, logs := newPipelineRunner(t, m.url(), WithPipelinedAcks())
			for i := 1; i <= 10; i++ {
				r.acks.submit(ackJobFor("t" + strconv.Itoa(i)))
			}
			waitIdle(t, r.acks)
			if !r.acks.pipe.finished() {
				t.Fatal("the pipelined connection is still in use")
			}
			if n := logs.FilterMessage("automatic acknowledgement failed; the agent will resend the update").Len(); n != 0 {
				t.Errorf("%d acknowledgements logged as failed, want 0: %v", n, logs.All())
			}
			if n := logs.FilterMessageSnippet("pipelined acknowledgements ended").FilterLevelExact(zap.WarnLevel).Len(); n != 1 {
				t.Errorf("%d warnings of the end, want 1: %v", n, logs.All())
			}
			if n := logs.FilterMessageSnippet("written and not answered are sent again").Len(); n != 1 {
				t.Errorf("the resending logged %d times, want once: %v", n, logs.All())
			}
			// The rest of the session goes through net/http.
			for i := 11; i <= 13; i++ {
				r.acks.submit(ackJobFor("t" + strconv.Itoa(i)))
			}
			waitIdle(t, r.acks)
			if got := tasksOf(m.received(), 0, t); len(got) != 10 {
				t.Errorf("connection 0 got %v, want t1..t10", got)
			}
			var others []string
			for _, rq := range m.received() {
				if rq.conn != 0 {
					others = append(others, tasksOf([]rawReq{rq}, -1, t)...)
				}
			}
			slices.Sort(others)
			var want []string
			for i := tc.answered + 1; i <= 13; i++ {
				want = append(want, "t"+strconv.Itoa(i))
			}
			slices.Sort(want)
			if !slices.Equal(others, want) {
				t.Errorf("net/http sent %v, want %v once each", others, want)
			}
			cancel(errors.New("done"))
			r.endSession(s, errors.New("done"), zap.NewNop())
		})
	}
}

// An acknowledgement answered 503 on the pipelined connection was not
// applied: it is sent again through net/http, once. The answers to those
// written before the 503 was read are still read on the connection; the
// later ones go through net/http.
func TestPipelinedAck503Retried(t *testing.T) {
	m := newRawMaster(t, func(conn, i int, m *rawMaster) rawAnswer {
		if conn == 0 && i == 1 {
			return answer503
		}
		return answer202
	})
	r, s, cancel, logs := newPipelineRunner(t, m.url(), WithPipelinedAcks(), WithBackoff(time.Millisecond, 10*time.Millisecond))
	for i := 1; i <= 5; i++ {
		r.acks.submit(ackJobFor("t" + strconv.Itoa(i)))
	}
	waitIdle(t, r.acks)
	if !r.acks.pipe.refused.Load() {
		t.Error("the writer goes on after a 503")
	}
	on0 := tasksOf(m.received(), 0, t)
	r.acks.submit(ackJobFor("t6"))
	waitIdle(t, r.acks)
	waitFor(t, "the pipelined connection's end", r.acks.pipe.finished)
	var others []string
	for _, r := range m.received() {
		if r.conn != 0 {
			others = append(others, tasksOf([]rawReq{r}, -1, t)...)
		}
	}
	// t1 and t2 are written before the 503 is read; t3..t5 may be.
	if len(on0) < 2 || strings.Join(on0, ",") != strings.Join([]string{"t1", "t2", "t3", "t4", "t5"}[:len(on0)], ",") {
		t.Errorf("pipelined connection got %v, want t1, t2 and maybe t3..t5 in order", on0)
	}
	if got := tasksOf(m.received(), 0, t); !slices.Equal(got, on0) {
		t.Errorf("pipelined connection got %v after the 503, want no more than %v", got, on0)
	}
	wantOthers := append([]string{"t2"}, []string{"t3", "t4", "t5", "t6"}[len(on0)-2:]...)
	slices.Sort(others)
	if !slices.Equal(others, wantOthers) {
		t.Errorf("net/http sent %v, want %v once each", others, wantOthers)
	}
	if got := r.c.pipelinedOK.Load(); got != uint64(len(on0)-1) {
		t.Errorf("%d answered 202 on the pipelined connection, want %d", got, len(on0)-1)
	}
	if w := logs.FilterLevelExact(zap.WarnLevel).All(); len(w) != 1 || !strings.Contains(w[0].Message, "other than 2xx") {
		t.Errorf("warnings %v, want one of the 503", w)
	}
	cancel(errors.New("done"))
	r.endSession(s, errors.New("done"), zap.NewNop())
}

// Other answers are logged as the workers log a failed acknowledgement.
func TestPipelinedAckRefusedLogged(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "Framework 'fw-1' not found", http.StatusBadRequest)
	}))
	t.Cleanup(srv.Close)
	r, s, cancel, logs := newPipelineRunner(t, srv.URL, WithPipelinedAcks())
	r.acks.submit(ackJobFor("t1"))
	r.acks.submit(ackJobFor("t2"))
	waitIdle(t, r.acks)
	failed := logs.FilterMessage("automatic acknowledgement failed; the agent will resend the update").FilterLevelExact(zap.WarnLevel)
	if failed.Len() != 2 {
		t.Fatalf("%d failures logged, want 2: %v", failed.Len(), logs.All())
	}
	if e := failed.All()[0].ContextMap()["error"].(string); !strings.Contains(e, "400") || !strings.Contains(e, "not found") {
		t.Errorf("failure logged as %q", e)
	}
	if !r.acks.pipe.refused.Load() {
		t.Error("the writer goes on after a 400")
	}
	cancel(errors.New("done"))
	r.endSession(s, errors.New("done"), zap.NewNop())
}

// Pipelining is not used, and acknowledgements go through net/http, with
// WithHTTPClient, through a proxy, or with a header value that could end
// the header.
func TestPipelinedAcksNotUsed(t *testing.T) {
	for _, tc := range []struct {
		name  string
		opts  []Option
		setup func(r *runner, s *session)
	}{
		{"http-client", []Option{WithHTTPClient(&http.Client{})}, nil},
		{"proxy", nil, func(r *runner, s *session) {
			r.c.callTransport.Proxy = http.ProxyURL(&url.URL{Scheme: "http", Host: "127.0.0.1:9"})
		}},
		{"stream-id-crlf", nil, func(r *runner, s *session) { s.streamID = "stream-1\r\nX-Injected: 1" }},
		{"stream-id-lf", nil, func(r *runner, s *session) { s.streamID = "stream-1\nX-Injected: 1" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := newAckRecorder(t)
			r, s, cancel, logs := newPipelineRunner(t, rec.srv.URL, append(tc.opts, WithPipelinedAcks())...)
			if tc.setup != nil {
				tc.setup(r, s)
			}
			before := logs.FilterMessageSnippet("acknowledgements not pipelined").Len()
			r.acks = newAckPipeline(r.c, s, r.acks.log)
			if r.acks.pipe != nil {
				t.Fatal("acknowledgements pipelined")
			}
			if logs.FilterMessageSnippet("acknowledgements not pipelined").Len() != before+1 {
				t.Errorf("no debug log of why: %v", logs.All())
			}
			if tc.name == "http-client" {
				r.acks.submit(ackJobFor("t1"))
				waitIdle(t, r.acks)
				if len(rec.received()) != 1 {
					t.Errorf("master got %d acknowledgements, want 1", len(rec.received()))
				}
			}
			cancel(errors.New("done"))
			r.endSession(s, errors.New("done"), zap.NewNop())
		})
	}
}

// The end of the session aborts the acknowledgements the master sits on:
// endSession returns at once and they are logged as dropped.
func TestPipelinedAcksSessionEnd(t *testing.T) {
	m := newRawMaster(t, func(int, int, *rawMaster) rawAnswer { return answerHold })
	r, s, cancel, logs := newPipelineRunner(t, m.url(), WithPipelinedAcks())
	for i := 1; i <= 5; i++ {
		r.acks.submit(ackJobFor("t" + strconv.Itoa(i)))
	}
	waitFor(t, "5 requests", func() bool { return m.count(0) == 5 })
	cancel(errors.New("stream closed"))
	done := make(chan struct{})
	go func() {
		r.endSession(s, errors.New("stream closed"), zap.NewNop())
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("endSession still waiting for the pipelined connection")
	}
	if n := logs.FilterMessage("automatic acknowledgement failed; the agent will resend the update").Len(); n != 5 {
		t.Errorf("%d acknowledgements logged as dropped, want 5: %v", n, logs.All())
	}
	if n := m.count(-1); n != 5 {
		t.Errorf("master got %d requests, want 5", n)
	}
}

// A session that ends before its first acknowledgement never dials.
func TestPipelinedAcksNoAckNoConnection(t *testing.T) {
	m := newRawMaster(t, all202)
	r, s, cancel, _ := newPipelineRunner(t, m.url(), WithPipelinedAcks())
	cancel(errors.New("done"))
	r.endSession(s, errors.New("done"), zap.NewNop())
	m.mu.Lock()
	n := len(m.conns)
	m.mu.Unlock()
	if n != 0 {
		t.Errorf("%d connections, want 0", n)
	}
}

// Over https, the pipelined connection is a TLS client of the master with
// the Client's TLS configuration.
func TestPipelinedAcksTLS(t *testing.T) {
	var mu sync.Mutex
	n := 0
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		mu.Lock()
		n++
		mu.Unlock()
		w.WriteHeader(http.StatusAccepted)
	}))
	t.Cleanup(srv.Close)
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	r, s, cancel, logs := newPipelineRunner(t, srv.URL, WithPipelinedAcks(), WithTLS(&tls.Config{RootCAs: pool}))
	if r.acks.pipe == nil || r.acks.pipe.tls == nil {
		t.Fatal("not pipelined over TLS")
	}
	for i := 1; i <= 5; i++ {
		r.acks.submit(ackJobFor("t" + strconv.Itoa(i)))
	}
	waitIdle(t, r.acks)
	if got := r.c.pipelinedOK.Load(); got != 5 {
		t.Errorf("%d answered on the pipelined connection, want 5: %v", got, logs.All())
	}
	mu.Lock()
	if n != 5 {
		t.Errorf("master got %d, want 5", n)
	}
	mu.Unlock()
	cancel(errors.New("done"))
	r.endSession(s, errors.New("done"), zap.NewNop())
	srv.CloseClientConnections()
}
