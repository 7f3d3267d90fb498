// SPDX-License-Identifier: Apache-2.0

package mesostest

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"go.uber.org/zap"
	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/internal/httpapi"
	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/executorpb"
)

// Executor API paths: /api/v1/executor of the agent process, reachable as
// /slave(1)/api/v1/executor too (the agent's process id is the libprocess
// delegate); Mesos's executor library uses the latter.
const (
	executorPath      = "/api/v1/executor"
	slaveExecutorPath = "/slave(1)/api/v1/executor"
	// executorRealm is the agent's executor authentication realm.
	executorRealm = "mesos-agent-executor"
)

// agentServer is an agent's HTTP endpoint: the executor API and the
// agent's read-only endpoints and files API (agent_http.go). It listens on
// 127.0.0.1 with a port of its own from the agent's registration on, kept
// across RestartAgent; that port is the agent's port in its AgentInfo and pid.
type agentServer struct {
	a     *agent
	port  int
	hs    *http.Server
	start time.Time // the agent's start_time
	runs  agentRuns // executor runs and their sandboxes (agent_http_runs.go)
	count agentCounters
}

// ensureAgentServerLocked starts the agent's endpoint.
func (s *Server) ensureAgentServerLocked(a *agent) error {
	ex := a.exec()
	if ex.srv != nil {
		return nil
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("agent endpoint: %w", err)
	}
	ex.srv = &agentServer{a: a, port: ln.Addr().(*net.TCPAddr).Port, start: time.Now()}
	s.serveAgentLocked(ex.srv, ln)
	return nil
}

// serveAgentLocked serves the endpoint on ln with a fresh http.Server.
func (s *Server) serveAgentLocked(as *agentServer, ln net.Listener) {
	hs := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer crashOnPanic() // panic.go
		if r.URL.Path == executorPath || r.URL.Path == slaveExecutorPath {
			s.serveExecutorAPI(as.a, w, r)
			return
		}
		s.serveAgentHTTP(as, w, r) // agent_http.go
	}), ReadHeaderTimeout: 10 * time.Second}
	as.hs = hs
	if !s.goLocked(func() { _ = hs.Serve(ln) }) {
		_ = ln.Close()
	}
}

// closeAgentServers closes every agent endpoint (Server.Close, without s.mu).
func (s *Server) closeAgentServers() {
	s.mu.Lock()
	var servers []*http.Server
	for _, a := range s.agents {
		if a.ex != nil && a.ex.srv != nil && a.ex.srv.hs != nil {
			servers = append(servers, a.ex.srv.hs)
		}
	}
	s.mu.Unlock()
	for _, hs := range servers {
		_ = hs.Close()
	}
}

// serveExecutorAPI is Http::executor (src/slave/http.cpp), with its checks in
// the order of docs/PROTOCOL.md §5.
func (s *Server) serveExecutorAPI(a *agent, w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	s.handlers.Add(1)
	s.mu.Unlock()
	defer s.handlers.Done()

	if r.URL.Path != executorPath && r.URL.Path != slaveExecutorPath {
		w.WriteHeader(http.StatusNotFound)
		return
	}
	pw := plainWriter{w}
	token, ok := s.authenticateExecutor(a, r, pw) // 0
	if !ok {
		return
	}
	// 1. The agent has not recovered its state yet.
	s.mu.Lock()
	down := a.ex != nil && a.ex.down
	s.mu.Unlock()
	if down {
		pw.text(http.StatusServiceUnavailable, "Agent has not finished recovery")
		return
	}
	call, codec, ok := readExecutorCall(r, pw) // 2 to 7
	if !ok {
		return
	}
	s.executorCall(a, w, r, pw, call, codec, token) // 8 to 14
}

// plainWriter writes libprocess's plain responses: Response(body, status) as text/plain, or Response(status)
// without a body or Content-Type.
type plainWriter struct{ w http.ResponseWriter }

func (p plainWriter) text(status int, body string) {
	if body != "" {
		p.w.Header().Set(httpapi.HeaderContentType, "text/plain; charset=utf-8")
		p.w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	}
	p.w.WriteHeader(status)
	_, _ = io.WriteString(p.w, body)
}

// authenticateExecutor is step 0 (--authenticate_http_executors): a Bearer token the agent issued. It
// returns the token, or answers 401 and false.
func (s *Server) authenticateExecutor(a *agent, r *http.Request, pw plainWriter) (string, bool) {
	if !s.cfg.exec.authenticate {
		return "", true
	}
	h, present := r.Header["Authorization"]
	challenge := `Bearer realm="` + executorRealm + `"`
	if !present {
		pw.w.Header().Set("WWW-Authenticate", challenge)
		pw.text(http.StatusUnauthorized, "401 Unauthorized.")
		return "", false
	}
	tok, ok := strings.CutPrefix(h[0], "Bearer ")
	s.mu.Lock()
	known := ok && s.tokenKnownLocked(a, tok)
	s.mu.Unlock()
	if !known {
		pw.w.Header().Set("WWW-Authenticate", challenge+`, error="invalid_token", error_description="Invalid JWT"`)
		pw.text(http.StatusUnauthorized, "401 Unauthorized.")
		return "", false
	}
	return tok, true
}

// readExecutorCall is steps 2 to 7: method, Content-Type, parsing, validation, Accept for SUBSCRIBE (its
// codec), and HEARTBEAT, answered 202 before any lookup. It returns false when it has answered.
func readExecutorCall(r *http.Request, pw plainWriter) (*executorpb.Call, httpapi.Codec, bool) {
	// 2. Method.
	if r.Method != http.MethodPost {
		pw.w.Header().Set("Allow", http.MethodPost)
		pw.text(http.StatusMethodNotAllowed, "405 Method Not Allowed. Expecting one of { 'POST' }, but received '"+r.Method+"'.")
		return nil, nil, false
	}
	// 3. Content-Type.
	cts, present := r.Header[httpapi.HeaderContentType]
	if !present {
		pw.text(http.StatusBadRequest, "Expecting 'Content-Type' to be present")
		return nil, nil, false
	}
	contentType := cts[0]
	if contentType != httpapi.MediaTypeJSON && contentType != httpapi.MediaTypeProtobuf {
		pw.text(http.StatusUnsupportedMediaType, "Expecting 'Content-Type' of "+httpapi.MediaTypeJSON+" or "+httpapi.MediaTypeProtobuf)
		return nil, nil, false
	}
	// 4. Parsing.
	body, err := io.ReadAll(io.LimitReader(r.Body, maxRequestBody+1))
	if err != nil {
		return nil, nil, false
	}
	call := &executorpb.Call{}
	if err := httpapi.UnmarshalStrict(contentType, body, call); err != nil {
		msg := err.Error()
		var pe *httpapi.ParseError
		if errors.As(err, &pe) {
			msg = pe.Body()
		}
		pw.text(http.StatusBadRequest, msg)
		return nil, nil, false
	}
	// 5. Validation (validateExecutorCall, src/common/validation.cpp).
	if err := validateExecutorCall(call); err != nil {
		pw.text(http.StatusBadRequest, "Failed to validate Executor::Call: "+err.Error())
		return nil, nil, false
	}
	// 6. Accept, for SUBSCRIBE.
	var codec httpapi.Codec
	switch call.GetType() {
	case executorpb.Call_SUBSCRIBE:
		mediaType, ok := httpapi.NegotiateAcceptHeader(r.Header)
		if !ok {
			pw.text(http.StatusNotAcceptable, "Expecting 'Accept' to allow '"+httpapi.MediaTypeProtobuf+"' or '"+httpapi.MediaTypeJSON+"'")
			return nil, nil, false
		}
		codec, _ = httpapi.CodecFor(mediaType)
	case executorpb.Call_HEARTBEAT:
		// 7. Before any lookup: dummy ids are fine.
		pw.text(http.StatusAccepted, "")
		return nil, nil, false
	}
	return call, codec, true
}

// executorCall is steps 8 to 14: the agent's state, the executor, the token's claims, the subscription, and
// the call itself.
func (s *Server) executorCall(a *agent, w http.ResponseWriter, r *http.Request, pw plainWriter, call *executorpb.Call, codec httpapi.Codec, token string) {
	s.mu.Lock()
	ex := a.exec()
	// 8. Only SUBSCRIBE while recovering.
	if ex.recovering && call.GetType() != executorpb.Call_SUBSCRIBE {
		s.mu.Unlock()
		pw.text(http.StatusServiceUnavailable, "Agent has not finished recovery")
		return
	}
	// 9. Framework and executor.
	fwID, exID := call.GetFrameworkId().GetValue(), call.GetExecutorId().GetValue()
	run := ex.runs[executorKey{fwID, exID}]
	if run == nil {
		s.mu.Unlock()
		if s.frameworkKnownOnAgent(a, fwID) {
			pw.text(http.StatusBadRequest, "Executor cannot be found")
		} else {
			pw.text(http.StatusBadRequest, "Framework cannot be found")
		}
		return
	}
	// 10. The token's claims must name this executor.
	if s.cfg.exec.authenticate && token != run.token {
		s.mu.Unlock()
		pw.text(http.StatusForbidden, "Token is not valid for executor '"+exID+"' of framework '"+fwID+"'")
		return
	}
	// 11. Non-SUBSCRIBE calls need a subscription.
	if call.GetType() != executorpb.Call_SUBSCRIBE && run.state == executorRegistering {
		s.mu.Unlock()
		pw.text(http.StatusForbidden, "Executor is not subscribed")
		return
	}
	switch call.GetType() {
	case executorpb.Call_SUBSCRIBE:
		// 12.
		st := newExecStream(codec)
		if run.state >= executorTerminating {
			// The agent, the framework or the executor is terminating.
			st.sendLocked(&executorpb.Event{Type: executorpb.Event_SHUTDOWN.Enum()})
			st.closeLocked(false)
		} else {
			run.subscribeLocked(st, call.GetSubscribe())
		}
		s.mu.Unlock()
		s.serveExecStream(w, r, st)
	case executorpb.Call_UPDATE:
		// 13.
		run.updateLocked(proto.Clone(call.GetUpdate().GetStatus()).(*mesosproto.TaskStatus))
		s.mu.Unlock()
		pw.text(http.StatusAccepted, "")
	case executorpb.Call_MESSAGE:
		run.messageLocked(call.GetMessage().GetData())
		s.mu.Unlock()
		pw.text(http.StatusAccepted, "")
	default:
		// 14.
		s.mu.Unlock()
		pw.text(http.StatusNotImplemented, "")
	}
}

// tokenKnownLocked reports whether tok was issued to an executor of a.
func (s *Server) tokenKnownLocked(a *agent, tok string) bool {
	if a.ex == nil || tok == "" {
		return false
	}
	for _, run := range a.ex.runs {
		if run.token == tok {
			return true
		}
	}
	for _, run := range a.ex.orphans {
		if run.token == tok {
			return true
		}
	}
	return false
}

// frameworkKnownOnAgent reports whether a runs anything of framework fwID.
func (s *Server) frameworkKnownOnAgent(a *agent, fwID string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k := range a.exec().runs {
		if k.framework == fwID {
			return true
		}
	}
	return false
}

// execStream is one executor subscription (see eventQueue).
type execStream struct {
	eventQueue[*executorpb.Event]
	run   *executorRun
	codec httpapi.Codec
}

func newExecStream(codec httpapi.Codec) *execStream {
	return &execStream{eventQueue: newEventQueue[*executorpb.Event](), codec: codec}
}

// serveExecStream writes the events of st, with a HEARTBEAT every executor
// heartbeat interval, until it closes or the executor goes away.
func (s *Server) serveExecStream(w http.ResponseWriter, r *http.Request, st *execStream) {
	rc := http.NewResponseController(w)
	w.Header().Set(httpapi.HeaderContentType, st.codec.MediaType())
	w.WriteHeader(http.StatusOK)
	writeEvents(s, r, rc, w, st.codec, &st.eventQueue, func(ev *executorpb.Event) proto.Message { return ev },
		orDefault(s.cfg.exec.heartbeatInterval, DefaultExecutorHeartbeatInterval),
		func() { st.sendLocked(&executorpb.Event{Type: executorpb.Event_HEARTBEAT.Enum()}) },
		func() { s.execStreamBroken(st) })
}

// execStreamBroken is the agent noticing its executor's connection closed
// (Slave::_httpExecutorTerminated... the executor stays registered and may
// subscribe again; its process is what the agent watches).
func (s *Server) execStreamBroken(st *execStream) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st.closing = true
	if run := st.run; run != nil && run.stream == st {
		run.stream = nil
		s.log.Info("executor stream closed", zap.String("executor_id", run.key.executor))
	}
}
