// SPDX-License-Identifier: Apache-2.0

package scheduler_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/mesoskit/mesoskit/internal/httpapi"
	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/schedulerpb"
	"github.com/mesoskit/mesoskit/mesostest"
	"github.com/mesoskit/mesoskit/scheduler"
)

// badProxy stands between a Client and a mesostest master. Every connection
// is passed through untouched, except the first one whose first request is
// an ACKNOWLEDGE — the Client's pipelined connection — whose requests are
// handed one at a time, in order, to script, which forwards them to the
// master or not and writes whatever answer the scenario calls for.
type badProxy struct {
	t        *testing.T
	ln       net.Listener
	upstream string // host:port of the master
	script   proxyScript

	mu      sync.Mutex
	conns   []net.Conn
	claimed bool // the pipelined connection was found
	piped   int  // requests read on it
	wg      sync.WaitGroup
}

// proxyScript handles request i (from 0) of the pipelined connection: it
// may forward it (pc.forward) and write to the client (pc.client). It
// returns false to stop reading the connection (which is then left open
// until the test ends unless the script closed it).
type proxyScript func(pc *pipeConn, i int, req *http.Request) bool

// pipeConn is the pipelined connection as the proxy sees it.
type pipeConn struct {
	client net.Conn
	up     *http.Client
	base   string
	held   [][]byte // answers a script keeps back
}

// forward sends req to the master and returns its answer as bytes
// (status line, Content-Length, body).
func (pc *pipeConn) forward(req *http.Request, body []byte) []byte {
	out, err := http.NewRequest(http.MethodPost, pc.base+req.URL.RequestURI(), strings.NewReader(string(body)))
	if err != nil {
		return []byte("HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n")
	}
	out.Header = req.Header.Clone()
	resp, err := pc.up.Do(out)
	if err != nil {
		return []byte("HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
	}
	b, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	return fmt.Appendf(nil, "HTTP/1.1 %s\r\nContent-Length: %d\r\n\r\n%s", resp.Status, len(b), b)
}

func (pc *pipeConn) write(s string) bool {
	_, err := io.WriteString(pc.client, s)
	return err == nil
}

func newBadProxy(t *testing.T, srv *mesostest.Server, script proxyScript) *badProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &badProxy{t: t, ln: ln, upstream: strings.TrimPrefix(srv.URL(), "http://"), script: script}
	p.wg.Add(1)
	go p.accept()
	t.Cleanup(p.close)
	return p
}

func (p *badProxy) url() string { return "http://" + p.ln.Addr().String() }

func (p *badProxy) close() {
	_ = p.ln.Close()
	p.mu.Lock()
	for _, c := range p.conns {
		_ = c.Close()
	}
	p.mu.Unlock()
	p.wg.Wait()
}

func (p *badProxy) track(c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.conns = append(p.conns, c)
	return true
}

func (p *badProxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.track(c)
		p.wg.Add(1)
		go p.serve(c)
	}
}

// serve reads the first request; the pipelined connection goes to the
// script, any other is spliced to the master.
func (p *badProxy) serve(c net.Conn) {
	defer p.wg.Done()
	br := bufio.NewReader(c)
	req, body, err := readRequest(br)
	if err != nil {
		_ = c.Close()
		return
	}
	p.mu.Lock()
	pipe := !p.claimed && callType(req, body) == schedulerpb.Call_ACKNOWLEDGE
	if pipe {
		p.claimed = true
	}
	p.mu.Unlock()
	if !pipe {
		p.splice(c, br, req, body)
		return
	}
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	pc := &pipeConn{client: c, up: &http.Client{Transport: tr}, base: "http://" + p.upstream}
	for i := 0; ; i++ {
		p.mu.Lock()
		p.piped++
		p.mu.Unlock()
		if !p.script(pc, i, req) {
			_, _ = io.Copy(io.Discard, br) // until the client or the test closes it
			_ = c.Close()
			return
		}
		if req, body, err = readRequest(br); err != nil {
			_ = c.Close()
			return
		}
		req.Body = io.NopCloser(strings.NewReader(string(body)))
	}
}

// splice passes a connection through: the first request, then bytes both
// ways.
func (p *badProxy) splice(c net.Conn, br *bufio.Reader, req *http.Request, body []byte) {
	up, err := net.Dial("tcp", p.upstream)
	if err != nil {
		_ = c.Close()
		return
	}
	p.track(up)
	req.Body = io.NopCloser(strings.NewReader(string(body)))
	if err := req.Write(up); err != nil {
		_ = c.Close()
		_ = up.Close()
		return
	}
	done := make(chan struct{})
	go func() {
		_, _ = io.Copy(c, up)
		_ = c.Close()
		close(done)
	}()
	_, _ = io.Copy(up, br)
	_ = up.Close()
	<-done
}

// forwardedBody is the body of the request a script is handling.
func forwardedBody(req *http.Request) []byte {
	b, _ := io.ReadAll(req.Body)
	return b
}

func readRequest(br *bufio.Reader) (*http.Request, []byte, error) {
	req, err := http.ReadRequest(br)
	if err != nil {
		return nil, nil, err
	}
	body, err := io.ReadAll(io.LimitReader(req.Body, 1<<20))
	if err != nil {
		return nil, nil, err
	}
	req.Body = io.NopCloser(strings.NewReader(string(body)))
	return req, body, nil
}

func callType(req *http.Request, body []byte) schedulerpb.Call_Type {
	codec, err := httpapi.CodecFor(req.Header.Get("Content-Type"))
	if err != nil {
		return schedulerpb.Call_UNKNOWN
	}
	var call schedulerpb.Call
	if codec.Unmarshal(body, &call) != nil {
		return schedulerpb.Call_UNKNOWN
	}
	return call.GetType()
}

// fwd forwards req and writes the master's answer.
func fwd(pc *pipeConn, req *http.Request) bool {
	return pc.write(string(pc.forward(req, forwardedBody(req))))
}

// anomaly is one way a master or proxy can misbehave on the pipelined
// connection.
type anomaly struct {
	name   string
	script proxyScript
	// warn is a snippet of the one Warn line the anomaly must cause ("a|b":
	// either); "" when it must cause none and every acknowledgement stays
	// pipelined.
	warn string
	// dupOK: an acknowledgement the master applied may be sent again (the
	// answer was lost); Mesos's agent ignores the duplicate.
	dupOK bool
	// failOK: an acknowledgement is refused for good (4xx, 500) and logged
	// as failed (its caller gets the *APIError); the agent resends the
	// update.
	failOK bool
	// timeoutOK: an acknowledgement of the application's may get no answer
	// within the call timeout (its caller gets context.DeadlineExceeded).
	timeoutOK bool
}

// closedOrReset is what ends the pipeline when the master answers and closes.
const closedOrReset = "the master closed the pipelined connection|connection reset by peer|broken pipe"

var anomalies = []anomaly{
	{name: "close-after-first-answer", warn: "pipelined acknowledgements ended", script: func(pc *pipeConn, i int, req *http.Request) bool {
		fwd(pc, req)
		_ = pc.client.Close()
		return false
	}},
	// The proxy closes with later requests unread, so the kernel may reset
	// the connection before the client reads the answer that says so: a
	// write error ends the pipeline as well, and an answer lost to the reset
	// is sent again (seen once in a loaded CI run).
	{name: "connection-close", warn: closedOrReset, dupOK: true, script: func(pc *pipeConn, i int, req *http.Request) bool {
		b := pc.forward(req, forwardedBody(req))
		pc.write(strings.Replace(string(b), "\r\n", "\r\nConnection: close\r\n", 1))
		_ = pc.client.Close()
		return false
	}},
	{name: "http-1.0", warn: closedOrReset, dupOK: true, script: func(pc *pipeConn, i int, req *http.Request) bool {
		b := pc.forward(req, forwardedBody(req))
		pc.write(strings.Replace(string(b), "HTTP/1.1 ", "HTTP/1.0 ", 1))
		_ = pc.client.Close() // as an HTTP/1.0 server does
		return false
	}},
	{name: "informational-100-103", script: func(pc *pipeConn, i int, req *http.Request) bool {
		pc.write("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </s.css>; rel=preload\r\n\r\n")
		return fwd(pc, req)
	}},
	{name: "too-many-informational", warn: "unexpected 100 Continue", dupOK: true, script: func(pc *pipeConn, i int, req *http.Request) bool {
		b := pc.forward(req, forwardedBody(req))
		pc.write(strings.Repeat("HTTP/1.1 100 Continue\r\n\r\n", 6) + string(b))
		return false
	}},
	{name: "body-content-length", script: func(pc *pipeConn, i int, req *http.Request) bool {
		pc.forward(req, forwardedBody(req))
		return pc.write("HTTP/1.1 202 Accepted\r\nContent-Type: text/plain\r\nContent-Length: 9\r\n\r\naccepted\n")
	}},
	{name: "body-chunked", script: func(pc *pipeConn, i int, req *http.Request) bool {
		pc.forward(req, forwardedBody(req))
		return pc.write("HTTP/1.1 202 Accepted\r\nTransfer-Encoding: chunked\r\n\r\n9\r\naccepted\n\r\n0\r\n\r\n")
	}},
	{name: "closed-mid-status-line", warn: "pipelined acknowledgements ended", dupOK: true, script: func(pc *pipeConn, i int, req *http.Request) bool {
		if i == 0 {
			return fwd(pc, req)
		}
		pc.forward(req, forwardedBody(req)) // applied, its answer cut
		pc.write("HTTP/1.1 202 Acc")
		_ = pc.client.Close()
		return false
	}},
	// The proxy closes with requests unread, so the kernel resets the
	// connection, and the client may lose even the cut answer it had
	// received: that acknowledgement, applied, is sent again.
	{name: "closed-mid-body", warn: "pipelined acknowledgements ended", dupOK: true, script: func(pc *pipeConn, i int, req *http.Request) bool {
		if i == 0 {
			return fwd(pc, req)
		}
		pc.forward(req, forwardedBody(req))
		pc.write("HTTP/1.1 202 Accepted\r\nContent-Length: 10\r\n\r\nabc")
		_ = pc.client.Close()
		return false
	}},
	// While the client waits out the call timeout, the agent may send the
	// updates again and the client acknowledge them again: duplicates, as
	// with a slow master.
	{name: "silent", warn: "i/o timeout", dupOK: true, timeoutOK: true, script: func(pc *pipeConn, i int, req *http.Request) bool {
		if i == 0 {
			return fwd(pc, req)
		}
		return false // neither forwarded nor answered; the connection stays open
	}},
	{name: "503-mid-window", warn: "other than 2xx", script: func(pc *pipeConn, i int, req *http.Request) bool {
		if i == 1 {
			return pc.write("HTTP/1.1 503 Service Unavailable\r\nContent-Length: 4\r\n\r\nbusy")
		}
		return fwd(pc, req)
	}},
	{name: "500-mid-window", warn: "other than 2xx", failOK: true, script: func(pc *pipeConn, i int, req *http.Request) bool {
		if i == 1 {
			return pc.write("HTTP/1.1 500 Internal Server Error\r\nContent-Length: 4\r\n\r\noops")
		}
		return fwd(pc, req)
	}},
	{name: "400-mid-window", warn: "other than 2xx", failOK: true, script: func(pc *pipeConn, i int, req *http.Request) bool {
		if i == 1 {
			return pc.write("HTTP/1.1 400 Bad Request\r\nContent-Length: 3\r\n\r\nbad")
		}
		return fwd(pc, req)
	}},
	{name: "reordered-alike", script: func(pc *pipeConn, i int, req *http.Request) bool {
		b := pc.forward(req, forwardedBody(req))
		switch i {
		case 0:
			pc.held = append(pc.held, b)
			return true
		case 1:
			return pc.write(string(b) + string(pc.held[0]))
		}
		return pc.write(string(b))
	}},
	// The proxy refuses the first request without forwarding it and answers
	// the second (forwarded) first: the client reads 202 for the first and
	// 503 for the second. It cannot tell; the second is sent again (a
	// duplicate the agent ignores) and the first, never applied, is
	// acknowledged when its agent sends the update again.
	{name: "reordered-refusal", warn: "other than 2xx", dupOK: true, script: func(pc *pipeConn, i int, req *http.Request) bool {
		switch i {
		case 0:
			pc.held = append(pc.held, []byte("HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n"))
			return true
		case 1:
			b := pc.forward(req, forwardedBody(req))
			return pc.write(string(b) + string(pc.held[0]))
		}
		return fwd(pc, req)
	}},
	{name: "endless-headers", warn: "over", dupOK: true, script: func(pc *pipeConn, i int, req *http.Request) bool {
		pc.forward(req, forwardedBody(req))
		pc.write("HTTP/1.1 202 Accepted\r\n")
		line := "X-Filler: " + strings.Repeat("a", 1000) + "\r\n"
		for n := 0; n < 4<<10 && pc.write(line); n++ { // 4 MiB at most
		}
		return false
	}},
}

// Every anomaly a master or proxy can produce on the pipelined connection
// of the default options is survived: every update of every task is finally
// acknowledged (through net/http, or when the agent sends it again), the
// Run goes on, one Warn line says what happened, a duplicate acknowledgement
// happens only where an answer was lost after the master applied it, and
// goleak (TestMain) finds no goroutine left.
func TestPipelinedAckAnomalies(t *testing.T) {
	for _, a := range anomalies {
		t.Run(a.name, func(t *testing.T) {
			forEachCodec(t, func(t *testing.T, ct string) { runAnomaly(t, ct, a, false) })
		})
	}
}

// The same anomalies with acknowledgements of the application's
// (WithoutAutoAcknowledge, AcknowledgeStatus from a goroutine per update),
// which share the pipelined connection: every update is acknowledged in the
// end, and a caller gets an error only for a refusal (the *APIError of its
// own acknowledgement) or for no answer within the call timeout.
func TestPipelinedAckAnomaliesExplicit(t *testing.T) {
	for _, a := range anomalies {
		t.Run(a.name, func(t *testing.T) {
			forEachCodec(t, func(t *testing.T, ct string) { runAnomaly(t, ct, a, true) })
		})
	}
}

// explicitAcks acknowledges updates from goroutines of their own, as a
// handler that hands them to workers does, and keeps the errors.
type explicitAcks struct {
	c        *scheduler.Client
	wg       sync.WaitGroup
	inFlight atomic.Int64
	mu       sync.Mutex
	errs     []error
}

func (e *explicitAcks) update(ctx context.Context, st *mesosproto.TaskStatus) error {
	e.wg.Add(1)
	e.inFlight.Add(1)
	go func() {
		defer e.wg.Done()
		defer e.inFlight.Add(-1)
		if err := e.c.AcknowledgeStatus(ctx, st); err != nil {
			e.mu.Lock()
			e.errs = append(e.errs, fmt.Errorf("%s: %w", st.GetTaskId().GetValue(), err))
			e.mu.Unlock()
		}
	}()
	return nil
}

// check waits, once every update is acknowledged, for every caller to have
// returned, and reports the errors that anomaly a does not explain: with
// failOK, at least one caller must have got the *APIError of its refused
// acknowledgement.
func (e *explicitAcks) check(t *testing.T, a anomaly) {
	t.Helper()
	eventually(t, "every acknowledgement call returned", func() bool { return e.inFlight.Load() == 0 })
	e.mu.Lock()
	defer e.mu.Unlock()
	refused := 0
	for _, err := range e.errs {
		var apiErr *scheduler.APIError
		switch {
		case a.failOK && errors.As(err, &apiErr):
			refused++
		case a.timeoutOK && errors.Is(err, context.DeadlineExceeded):
		default:
			t.Errorf("an acknowledgement failed: %v", err)
		}
	}
	if a.failOK && refused == 0 {
		t.Errorf("no caller got the refusal of its acknowledgement")
	}
}

func runAnomaly(t *testing.T, ct string, a anomaly, explicit bool) {
	srv := newServer(t, mesostest.WithAgents(1, testAgentConfig), mesostest.WithSimulatedTasks(200*time.Millisecond),
		mesostest.WithUpdateRetryInterval(anomalyRetry))
	proxy := newBadProxy(t, srv, a.script)
	core, logs := observer.New(zap.DebugLevel)
	opts := []scheduler.Option{scheduler.WithMaster(proxy.url()),
		scheduler.WithLogger(zap.New(core)), scheduler.WithCallTimeout(2 * time.Second)}
	acks := &explicitAcks{}
	var update func(context.Context, *mesosproto.TaskStatus) error
	if explicit {
		opts = append(opts, scheduler.WithoutAutoAcknowledge())
		update = acks.update
	}
	c := newClient(t, nil, ct, frameworkInfo("anomaly-"+a.name), opts...)
	acks.c = c
	var (
		mu       sync.Mutex
		fwID     string
		launched bool
	)
	r := start(t, c, scheduler.Callbacks{
		Update: update,
		Subscribed: func(_ context.Context, s *schedulerpb.Event_Subscribed) error {
			mu.Lock()
			fwID = s.GetFrameworkId().GetValue()
			mu.Unlock()
			return nil
		},
		Offers: func(ctx context.Context, offers []scheduler.Offer) error {
			mu.Lock()
			defer mu.Unlock()
			if launched {
				return nil
			}
			var ts []*mesosproto.TaskInfo
			for i := range anomalyTasks {
				ts = append(ts, echoTask(fmt.Sprintf("t%d", i), "ignored", offers[0].ProtoAgentID()))
			}
			launched = c.Launch(ctx, []*mesosproto.OfferID{offers[0].ProtoID()}, ts, nil) == nil
			return nil
		},
	})
	// STARTING, RUNNING and FINISHED of every task, each released once.
	var fs mesostest.FrameworkStatus
	eventually(t, "every update acknowledged", func() bool {
		mu.Lock()
		id := fwID
		mu.Unlock()
		fs, _ = srv.Framework(id)
		for i := range anomalyTasks {
			if fs.Acknowledged[fmt.Sprintf("t%d", i)] != 3 {
				return false
			}
		}
		return true
	})
	if r.returned() {
		t.Fatalf("Run returned: %v", r.wait())
	}
	if explicit {
		acks.check(t, a)
	}
	proxy.mu.Lock()
	piped := proxy.piped
	proxy.mu.Unlock()
	if piped == 0 {
		t.Fatal("no acknowledgement went through the pipelined connection")
	}
	if !a.dupOK && fs.DuplicateAcksTotal != 0 {
		var calls []string
		for _, call := range callsOf(srv, schedulerpb.Call_ACKNOWLEDGE) {
			calls = append(calls, fmt.Sprintf("%s/%x:%d", call.Call.GetAcknowledge().GetTaskId().GetValue(), call.Call.GetAcknowledge().GetUuid()[:2], call.Status))
		}
		t.Errorf("duplicate acknowledgements: %v; ACKNOWLEDGE calls %v", fs.DuplicateAcks, calls)
	}
	failed := logs.FilterMessageSnippet("automatic acknowledgement failed").Len()
	if failed != 0 && !a.failOK {
		t.Errorf("%d acknowledgements logged as failed: %v", failed, logs.All())
	}
	warns := logs.FilterLevelExact(zap.WarnLevel).FilterMessageSnippet("pipelined acknowledgements").All()
	if a.warn == "" {
		if w := logs.FilterLevelExact(zap.WarnLevel).All(); len(w) != 0 {
			t.Errorf("warnings: %v", w)
		}
		if acks := len(callsOf(srv, schedulerpb.Call_ACKNOWLEDGE)); acks != piped {
			t.Errorf("%d ACKNOWLEDGE calls, %d of them pipelined: want all", acks, piped)
		}
	} else if len(warns) != 1 || !containsAny(fmt.Sprint(warns[0].Message, warns[0].ContextMap()), strings.Split(a.warn, "|")) {
		t.Errorf("warnings %v, want one about %q", warns, a.warn)
	}
	if err := r.stop(); err != nil {
		t.Errorf("Run: %v", err)
	}
	acks.wg.Wait()
}

// containsAny reports whether s contains one of subs.
func containsAny(s string, subs []string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

// anomalyTasks is how many tasks each anomaly test launches.
const anomalyTasks = 6

// anomalyRetry is the agents' first retry interval for an unacknowledged
// update in the anomaly tests: long enough that a loaded machine does not
// make the agent send an update again before its first acknowledgement
// arrives (a duplicate nobody caused), short enough to wait for.
const anomalyRetry = 3 * time.Second

// With a proxy in the environment (HTTP_PROXY), net/http sends the calls
// through it, and so do the acknowledgements: pipelining steps aside (a
// Debug line says why) and every update is acknowledged through the proxy.
// net/http reads the environment once per process, so the test runs in a
// child process of its own.
func TestPipelinedAcksEnvProxy(t *testing.T) {
	if os.Getenv("MESOSKIT_TEST_ENV_PROXY_CHILD") != "1" {
		cmd := exec.Command(os.Args[0], "-test.run=^TestPipelinedAcksEnvProxy$", "-test.count=1", "-test.v")
		cmd.Env = append(os.Environ(), "MESOSKIT_TEST_ENV_PROXY_CHILD=1")
		out, err := cmd.CombinedOutput()
		if err != nil || !strings.Contains(string(out), "--- PASS: TestPipelinedAcksEnvProxy") {
			t.Fatalf("child: %v\n%s", err, out)
		}
		return
	}
	srv := newServer(t, mesostest.WithAgents(1, testAgentConfig), mesostest.WithSimulatedTasks(200*time.Millisecond))
	var proxied atomic.Int64
	proxy := httptest.NewServer(&httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			proxied.Add(1)
			pr.Out.URL.Scheme, pr.Out.URL.Host = "http", strings.TrimPrefix(srv.URL(), "http://")
		},
		FlushInterval: -1,
	})
	t.Cleanup(proxy.Close)
	t.Setenv("HTTP_PROXY", proxy.URL)
	core, logs := observer.New(zap.DebugLevel)
	// A name, not a loopback address: net/http never proxies those.
	c := newClient(t, nil, httpapi.MediaTypeProtobuf, frameworkInfo("env-proxy"),
		scheduler.WithMaster("http://mesos-master.invalid:5050"), scheduler.WithLogger(zap.New(core)))
	var (
		mu       sync.Mutex
		fwID     string
		launched bool
	)
	r := start(t, c, scheduler.Callbacks{
		Subscribed: func(_ context.Context, s *schedulerpb.Event_Subscribed) error {
			mu.Lock()
			fwID = s.GetFrameworkId().GetValue()
			mu.Unlock()
			return nil
		},
		Offers: func(ctx context.Context, offers []scheduler.Offer) error {
			mu.Lock()
			defer mu.Unlock()
			if !launched {
				launched = c.Launch(ctx, []*mesosproto.OfferID{offers[0].ProtoID()},
					[]*mesosproto.TaskInfo{echoTask("t0", "ignored", offers[0].ProtoAgentID())}, nil) == nil
			}
			return nil
		},
	})
	eventually(t, "every update acknowledged", func() bool {
		mu.Lock()
		id := fwID
		mu.Unlock()
		fs, _ := srv.Framework(id)
		return fs.Acknowledged["t0"] == 3
	})
	if n := logs.FilterMessageSnippet("acknowledgements not pipelined: calls go through a proxy").Len(); n == 0 {
		t.Errorf("no Debug line saying why: %v", logs.All())
	}
	if n := len(callsOf(srv, schedulerpb.Call_ACKNOWLEDGE)); proxied.Load() < int64(n)+2 { // + SUBSCRIBE and ACCEPT
		t.Errorf("the proxy passed %d requests, want the %d acknowledgements and more", proxied.Load(), n)
	}
	if err := r.stop(); err != nil {
		t.Errorf("Run: %v", err)
	}
}
