// SPDX-License-Identifier: Apache-2.0

package mesostest

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/internal/httpapi"
	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/executorpb"
	"github.com/mesoskit/mesoskit/mesosproto/schedulerpb"
)

// In these tests the executor process is a shell that writes its
// environment to the sandbox and sleeps; the test itself speaks the
// executor API to the agent, as that executor.

const fakeExecutorCmd = "env > env.txt; exec sleep 60"

func customExecutor(id string) *mesosproto.ExecutorInfo {
	return &mesosproto.ExecutorInfo{
		ExecutorId: &mesosproto.ExecutorID{Value: proto.String(id)},
		Type:       mesosproto.ExecutorInfo_CUSTOM.Enum(),
		Command:    &mesosproto.CommandInfo{Value: proto.String(fakeExecutorCmd)},
	}
}

func executorTask(id string, o *mesosproto.Offer, ei *mesosproto.ExecutorInfo) *mesosproto.TaskInfo {
	return &mesosproto.TaskInfo{
		Name:      proto.String(id),
		TaskId:    &mesosproto.TaskID{Value: proto.String(id)},
		AgentId:   o.GetAgentId(),
		Resources: []*mesosproto.Resource{scalar("cpus", 0.1), scalar("mem", 32)},
		Executor:  ei,
	}
}

// execEnv launches a task on a fake executor and returns the executor's
// status and environment once its process has started.
func execEnv(t *testing.T, srv *Server, fi *mesosproto.FrameworkInfo, exID, taskID string) (*sub, ExecutorStatus, map[string]string) {
	t.Helper()
	s := newClient(t, srv, httpapi.Protobuf).subscribe(fi)
	o := s.offers()[0]
	s.mustCall(launchCall(o, nil, executorTask(taskID, o, customExecutor(exID))), http.StatusAccepted)
	st, err := srv.WaitExecutor(testCtx(t), s.fwID, exID, func(st ExecutorStatus) bool { return st.PID != 0 })
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(st.Sandbox, "env.txt")
	deadline := time.Now().Add(10 * time.Second)
	for {
		b, err := os.ReadFile(path)
		if err == nil && bytes.Contains(b, []byte("MESOS_EXECUTOR_ID=")) {
			env := map[string]string{}
			for _, line := range strings.Split(string(b), "\n") {
				if k, v, ok := strings.Cut(line, "="); ok {
					env[k] = v
				}
			}
			return s, st, env
		}
		if time.Now().After(deadline) {
			t.Fatalf("no environment written to %s: %v", path, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// execClient speaks the executor API as executor ex of framework fw.
type execClient struct {
	t     *testing.T
	base  string // http://127.0.0.1:port
	fw    string
	ex    string
	token string
	hc    *http.Client
}

func newExecClient(t *testing.T, st ExecutorStatus, token string) *execClient {
	tr := &http.Transport{Proxy: nil}
	t.Cleanup(tr.CloseIdleConnections)
	return &execClient{t: t, base: "http://" + st.Endpoint, fw: st.FrameworkID, ex: st.ExecutorID, token: token,
		hc: &http.Client{Transport: tr}}
}

func (e *execClient) call(t executorpb.Call_Type, fill func(*executorpb.Call)) *executorpb.Call {
	c := &executorpb.Call{Type: t.Enum(), FrameworkId: &mesosproto.FrameworkID{Value: proto.String(e.fw)},
		ExecutorId: &mesosproto.ExecutorID{Value: proto.String(e.ex)}}
	if fill != nil {
		fill(c)
	}
	return c
}

// raw sends a request to path; hdr are "Name", "value" pairs (Authorization
// is added when the client has a token and hdr does not set it).
func (e *execClient) raw(method, path string, body []byte, hdr ...string) response {
	e.t.Helper()
	req, err := http.NewRequest(method, e.base+path, bytes.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	if e.token != "" {
		req.Header.Set("Authorization", "Bearer "+e.token)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := e.hc.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return response{status: resp.StatusCode, header: resp.Header, body: string(b)}
}

func (e *execClient) post(c *executorpb.Call, hdr ...string) response {
	e.t.Helper()
	b, err := httpapi.Protobuf.Marshal(c)
	if err != nil {
		e.t.Fatal(err)
	}
	return e.raw(http.MethodPost, slaveExecutorPath, b, append([]string{"Content-Type", httpapi.MediaTypeProtobuf}, hdr...)...)
}

func (e *execClient) update(taskID string, state mesosproto.TaskState, uuid []byte) *executorpb.Call {
	return e.call(executorpb.Call_UPDATE, func(c *executorpb.Call) {
		c.Update = &executorpb.Call_Update{Status: &mesosproto.TaskStatus{
			TaskId: &mesosproto.TaskID{Value: proto.String(taskID)}, State: state.Enum(),
			Source: mesosproto.TaskStatus_SOURCE_EXECUTOR.Enum(), Uuid: uuid,
		}}
	})
}

// execSub is an open executor event stream.
type execSub struct {
	t      *testing.T
	events chan *executorpb.Event
	end    chan error
	cancel context.CancelFunc
}

func (e *execClient) subscribe(sub *executorpb.Call_Subscribe) *execSub {
	e.t.Helper()
	if sub == nil {
		sub = &executorpb.Call_Subscribe{}
	}
	b, _ := httpapi.Protobuf.Marshal(e.call(executorpb.Call_SUBSCRIBE, func(c *executorpb.Call) { c.Subscribe = sub }))
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, e.base+executorPath, bytes.NewReader(b))
	req.Header.Set("Content-Type", httpapi.MediaTypeProtobuf)
	req.Header.Set("Accept", httpapi.MediaTypeProtobuf)
	if e.token != "" {
		req.Header.Set("Authorization", "Bearer "+e.token)
	}
	resp, err := e.hc.Do(req)
	if err != nil {
		cancel()
		e.t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		cancel()
		e.t.Fatalf("SUBSCRIBE: %d %s", resp.StatusCode, b)
	}
	s := &execSub{t: e.t, events: make(chan *executorpb.Event, 64), end: make(chan error, 1), cancel: cancel}
	go func() {
		defer resp.Body.Close()
		dec := httpapi.NewDecoder(resp.Body, httpapi.Protobuf, 0)
		for {
			ev := &executorpb.Event{}
			if err := dec.Decode(ev); err != nil {
				s.end <- err
				close(s.events)
				return
			}
			s.events <- ev
		}
	}()
	e.t.Cleanup(func() {
		cancel()
		for range s.events {
		}
	})
	return s
}

func (s *execSub) next(want executorpb.Event_Type) *executorpb.Event {
	s.t.Helper()
	for {
		select {
		case ev, ok := <-s.events:
			if !ok {
				s.t.Fatalf("stream ended (%v) before %v", <-s.end, want)
			}
			if ev.GetType() == executorpb.Event_HEARTBEAT && want != executorpb.Event_HEARTBEAT {
				continue
			}
			if ev.GetType() != want {
				s.t.Fatalf("event %v, want %v", ev.GetType(), want)
			}
			return ev
		case <-time.After(10 * time.Second):
			s.t.Fatalf("no %v event", want)
			return nil
		}
	}
}

// waitEnd waits for the stream to end and returns the events it still had.
func (s *execSub) waitEnd() ([]*executorpb.Event, error) {
	s.t.Helper()
	var evs []*executorpb.Event
	timeout := time.After(10 * time.Second)
	for {
		select {
		case ev, ok := <-s.events:
			if !ok {
				return evs, <-s.end
			}
			evs = append(evs, ev)
		case <-timeout:
			s.t.Fatal("stream did not end")
			return nil, nil
		}
	}
}

func TestExecutorEnvironment(t *testing.T) {
	for _, checkpoint := range []bool{false, true} {
		srv := newServer(t, WithExecutorAuthentication(), WithExecutorShutdownGracePeriod(1500*time.Millisecond))
		fi := frameworkInfo("env")
		fi.Checkpoint = proto.Bool(checkpoint)
		s, st, env := execEnv(t, srv, fi, "ex", "t")
		want := map[string]string{
			"MESOS_FRAMEWORK_ID":                   s.fwID,
			"MESOS_EXECUTOR_ID":                    "ex",
			"MESOS_SLAVE_ID":                       st.AgentID,
			"MESOS_SLAVE_PID":                      "slave(1)@" + st.Endpoint,
			"MESOS_AGENT_ENDPOINT":                 st.Endpoint,
			"MESOS_DIRECTORY":                      st.Sandbox,
			"MESOS_SANDBOX":                        st.Sandbox,
			"MESOS_CHECKPOINT":                     "0",
			"MESOS_HTTP_COMMAND_EXECUTOR":          "0",
			"MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD": "1500ms",
			"LIBPROCESS_PORT":                      "0",
		}
		if checkpoint {
			want["MESOS_CHECKPOINT"] = "1"
			want["MESOS_RECOVERY_TIMEOUT"] = "15mins"
			want["MESOS_SUBSCRIPTION_BACKOFF_MAX"] = "2secs"
		}
		for k, v := range want {
			if env[k] != v {
				t.Errorf("checkpoint=%v: %s=%q, want %q", checkpoint, k, env[k], v)
			}
		}
		if _, ok := env["MESOS_RECOVERY_TIMEOUT"]; ok != checkpoint {
			t.Errorf("checkpoint=%v: MESOS_RECOVERY_TIMEOUT present: %v", checkpoint, ok)
		}
		if env["MESOS_EXECUTOR_AUTHENTICATION_TOKEN"] == "" {
			t.Error("no MESOS_EXECUTOR_AUTHENTICATION_TOKEN")
		}
		if wd, _ := filepath.EvalSymlinks(st.Sandbox); env["PWD"] != "" && env["PWD"] != st.Sandbox && env["PWD"] != wd {
			t.Errorf("working directory %q, want the sandbox %q", env["PWD"], st.Sandbox)
		}
	}
}

func TestExecutorEndpointOrderOfChecks(t *testing.T) {
	srv := newServer(t, WithExecutorAuthentication())
	s, st, env := execEnv(t, srv, frameworkInfo("checks"), "ex", "t1")
	e := newExecClient(t, st, env["MESOS_EXECUTOR_AUTHENTICATION_TOKEN"])
	pb := []string{"Content-Type", httpapi.MediaTypeProtobuf}
	body := func(c *executorpb.Call) []byte { b, _ := httpapi.Protobuf.Marshal(c); return b }
	other := *e
	other.fw = "no-such-framework"
	unknownEx := *e
	unknownEx.ex = "no-such-executor"

	// 0. Authentication first, even before the method check.
	e2 := *e
	e2.token = ""
	r := e2.raw(http.MethodGet, executorPath, nil)
	if r.status != http.StatusUnauthorized || r.header.Get("WWW-Authenticate") != `Bearer realm="mesos-agent-executor"` {
		t.Fatalf("no token: %d %q", r.status, r.header.Get("WWW-Authenticate"))
	}
	r = e.raw(http.MethodGet, executorPath, nil, "Authorization", "Bearer forged")
	if r.status != http.StatusUnauthorized || !strings.Contains(r.header.Get("WWW-Authenticate"), `error="invalid_token"`) {
		t.Fatalf("bad token: %d %q", r.status, r.header.Get("WWW-Authenticate"))
	}
	// 2, 3, 4, 5, 6: method, content type, parsing, validation, Accept.
	expect(t, e.raw(http.MethodGet, executorPath, nil), http.StatusMethodNotAllowed,
		"405 Method Not Allowed. Expecting one of { 'POST' }, but received 'GET'.")
	expect(t, e.raw(http.MethodPost, executorPath, body(e.call(executorpb.Call_HEARTBEAT, nil))), http.StatusBadRequest,
		"Expecting 'Content-Type' to be present")
	expect(t, e.raw(http.MethodPost, executorPath, nil, "Content-Type", "application/json; charset=utf-8"),
		http.StatusUnsupportedMediaType, "Expecting 'Content-Type' of application/json or application/x-protobuf")
	expect(t, e.raw(http.MethodPost, executorPath, []byte{0xff, 0xff}, pb...), http.StatusBadRequest,
		"Failed to parse body into Call protobuf")
	bad := e.update("t1", mesosproto.TaskState_TASK_RUNNING, newUUIDBytes())
	bad.Update.Status.Source = mesosproto.TaskStatus_SOURCE_AGENT.Enum()
	expect(t, e.post(bad), http.StatusBadRequest, "Failed to validate Executor::Call: Received Call from executor ex of framework "+
		s.fwID+" with invalid source, expecting 'SOURCE_EXECUTOR'")
	expect(t, e.post(e.update("t1", mesosproto.TaskState_TASK_STAGING, newUUIDBytes())), http.StatusBadRequest,
		"Failed to validate Executor::Call: Received TASK_STAGING from executor ex of framework "+s.fwID+" which is not allowed")
	expect(t, e.post(e.update("t1", mesosproto.TaskState_TASK_RUNNING, []byte("short"))), http.StatusBadRequest,
		"Failed to validate Executor::Call: Not a valid UUID")
	expect(t, e.post(e.call(executorpb.Call_SUBSCRIBE, func(c *executorpb.Call) { c.Subscribe = &executorpb.Call_Subscribe{} }),
		"Accept", "text/html"), http.StatusNotAcceptable,
		"Expecting 'Accept' to allow 'application/x-protobuf' or 'application/json'")
	// 7. HEARTBEAT before any lookup.
	expect(t, other.post(other.call(executorpb.Call_HEARTBEAT, nil)), http.StatusAccepted, "")
	// 9. Unknown framework, unknown executor.
	expect(t, other.post(other.update("t1", mesosproto.TaskState_TASK_RUNNING, newUUIDBytes())), http.StatusBadRequest, "Framework cannot be found")
	expect(t, unknownEx.post(unknownEx.update("t1", mesosproto.TaskState_TASK_RUNNING, newUUIDBytes())), http.StatusBadRequest, "Executor cannot be found")
	// 11. Not subscribed yet.
	expect(t, e.post(e.update("t1", mesosproto.TaskState_TASK_RUNNING, newUUIDBytes())), http.StatusForbidden, "Executor is not subscribed")

	// 12. SUBSCRIBE: SUBSCRIBED, then the queued LAUNCH.
	es := e.subscribe(nil)
	sb := es.next(executorpb.Event_SUBSCRIBED).GetSubscribed()
	if sb.GetFrameworkInfo().GetId().GetValue() != s.fwID || sb.GetExecutorInfo().GetExecutorId().GetValue() != "ex" ||
		sb.GetAgentInfo().GetHostname() == "" || sb.GetContainerId().GetValue() != st.ContainerID {
		t.Fatalf("SUBSCRIBED %v", sb)
	}
	if l := es.next(executorpb.Event_LAUNCH).GetLaunch().GetTask(); l.GetTaskId().GetValue() != "t1" {
		t.Fatalf("LAUNCH %v", l)
	}
	// 13. UPDATE: 202, ACKNOWLEDGED, forwarded once; a duplicate is acknowledged again only.
	uuid := newUUIDBytes()
	expect(t, e.post(e.update("t1", mesosproto.TaskState_TASK_RUNNING, uuid)), http.StatusAccepted, "")
	if a := es.next(executorpb.Event_ACKNOWLEDGED).GetAcknowledged(); !bytes.Equal(a.GetUuid(), uuid) || a.GetTaskId().GetValue() != "t1" {
		t.Fatalf("ACKNOWLEDGED %v", a)
	}
	got := s.update("t1", mesosproto.TaskState_TASK_RUNNING)
	if !bytes.Equal(got.GetUuid(), uuid) || got.GetSource() != mesosproto.TaskStatus_SOURCE_EXECUTOR || got.GetAgentId().GetValue() != st.AgentID {
		t.Fatalf("forwarded %v", got)
	}
	s.ack(got)
	expect(t, e.post(e.update("t1", mesosproto.TaskState_TASK_RUNNING, uuid)), http.StatusAccepted, "")
	es.next(executorpb.Event_ACKNOWLEDGED)
	if n := len(srv.TaskUpdates("t1")); n != 1 {
		t.Errorf("%d updates recorded, want 1", n)
	}
	// MESSAGE to the scheduler, and back.
	expect(t, e.post(e.call(executorpb.Call_MESSAGE, func(c *executorpb.Call) { c.Message = &executorpb.Call_Message{Data: []byte("hi")} })),
		http.StatusAccepted, "")
	if m := s.nextSkip(schedulerpb.Event_MESSAGE).GetMessage(); string(m.GetData()) != "hi" || m.GetExecutorId().GetValue() != "ex" {
		t.Fatalf("MESSAGE %v", m)
	}
	s.mustCall(&schedulerpb.Call{Type: schedulerpb.Call_MESSAGE.Enum(), Message: &schedulerpb.Call_Message{
		AgentId: got.GetAgentId(), ExecutorId: got.GetExecutorId(), Data: []byte("yo")}}, http.StatusAccepted)
	if d := es.next(executorpb.Event_MESSAGE).GetMessage().GetData(); string(d) != "yo" {
		t.Fatalf("MESSAGE event %q", d)
	}
	// KILL reaches the executor.
	s.mustCall(&schedulerpb.Call{Type: schedulerpb.Call_KILL.Enum(), Kill: &schedulerpb.Call_Kill{TaskId: got.GetTaskId()}}, http.StatusAccepted)
	if k := es.next(executorpb.Event_KILL).GetKill(); k.GetTaskId().GetValue() != "t1" {
		t.Fatalf("KILL %v", k)
	}
	// 14. UNKNOWN.
	expect(t, e.post(e.call(executorpb.Call_UNKNOWN, nil)), http.StatusNotImplemented, "")
	// A second SUBSCRIBE closes the first stream without an event.
	es2 := e.subscribe(nil)
	es2.next(executorpb.Event_SUBSCRIBED)
	if evs, err := es.waitEnd(); len(evs) != 0 || !errors.Is(err, io.EOF) {
		t.Fatalf("first stream ended with %v, %v; want EOF and no event", evs, err)
	}
}

// Tasks the executor got but does not list on resubscription, still
// STAGING, are dropped (TASK_LOST without PARTITION_AWARE).
func TestExecutorResubscribeDropsUnlistedStagingTasks(t *testing.T) {
	srv := newServer(t)
	s, st, _ := execEnv(t, srv, frameworkInfo("staging"), "ex", "t1")
	e := newExecClient(t, st, "")
	es := e.subscribe(nil)
	es.next(executorpb.Event_SUBSCRIBED)
	es.next(executorpb.Event_LAUNCH)
	e.subscribe(nil).next(executorpb.Event_SUBSCRIBED)
	got := s.update("t1", mesosproto.TaskState_TASK_LOST)
	if got.GetReason() != mesosproto.TaskStatus_REASON_AGENT_RESTARTED || got.GetSource() != mesosproto.TaskStatus_SOURCE_AGENT {
		t.Fatalf("TASK_LOST %v from %v", got.GetReason(), got.GetSource())
	}
}

func TestExecutorRegistrationTimeout(t *testing.T) {
	srv := newServer(t, WithExecutorRegistrationTimeout(200*time.Millisecond))
	s, _, _ := execEnv(t, srv, frameworkInfo("regtimeout"), "ex", "t1")
	got := s.update("t1", mesosproto.TaskState_TASK_FAILED)
	if got.GetReason() != mesosproto.TaskStatus_REASON_EXECUTOR_REGISTRATION_TIMEOUT ||
		got.GetMessage() != "Executor did not register within 200ms" {
		t.Fatalf("TASK_FAILED %v %q", got.GetReason(), got.GetMessage())
	}
	// FAILURE.status is the raw wait status: SIGKILL is 9, not an exit code.
	if f := s.nextSkip(schedulerpb.Event_FAILURE).GetFailure(); f.GetExecutorId().GetValue() != "ex" || f.GetStatus() != int32(syscall.SIGKILL) {
		t.Fatalf("FAILURE %v", f)
	}
}

// The scheduler's SHUTDOWN: a SHUTDOWN event, then the executor is destroyed
// after its grace period and its live tasks fail.
func TestExecutorShutdownCall(t *testing.T) {
	srv := newServer(t, WithExecutorShutdownGracePeriod(200*time.Millisecond))
	s, st, _ := execEnv(t, srv, frameworkInfo("shutdown"), "ex", "t1")
	e := newExecClient(t, st, "")
	es := e.subscribe(nil)
	es.next(executorpb.Event_SUBSCRIBED)
	es.next(executorpb.Event_LAUNCH)
	expect(t, e.post(e.update("t1", mesosproto.TaskState_TASK_RUNNING, newUUIDBytes())), http.StatusAccepted, "")
	es.next(executorpb.Event_ACKNOWLEDGED)
	s.ack(s.update("t1", mesosproto.TaskState_TASK_RUNNING))
	s.mustCall(&schedulerpb.Call{Type: schedulerpb.Call_SHUTDOWN.Enum(), Shutdown: &schedulerpb.Call_Shutdown{
		ExecutorId: &mesosproto.ExecutorID{Value: proto.String("ex")}, AgentId: &mesosproto.AgentID{Value: proto.String(st.AgentID)}}},
		http.StatusAccepted)
	es.next(executorpb.Event_SHUTDOWN)
	got := s.update("t1", mesosproto.TaskState_TASK_FAILED)
	if got.GetReason() != mesosproto.TaskStatus_REASON_EXECUTOR_TERMINATED || got.GetMessage() != "Executor terminated" {
		t.Fatalf("TASK_FAILED %v %q", got.GetReason(), got.GetMessage())
	}
	if ex, err := srv.WaitExecutor(testCtx(t), s.fwID, "ex", func(x ExecutorStatus) bool { return x.State == "TERMINATED" }); err != nil ||
		ex.ExitStatus != "terminated with signal Killed" {
		t.Fatalf("executor %+v, %v", ex, err)
	}
	// The executor is gone: the agent no longer knows it.
	expect(t, e.post(e.update("t1", mesosproto.TaskState_TASK_RUNNING, newUUIDBytes())), http.StatusBadRequest, "Framework cannot be found")
}

// RestartAgent: the endpoint is away, then answers 503 to everything, then
// accepts only SUBSCRIBE while recovering; a checkpointing executor that
// resubscribes keeps its tasks, one that does not is destroyed.
func TestExecutorAgentRestart(t *testing.T) {
	srv := newServer(t, WithExecutorReregistrationTimeout(300*time.Millisecond))
	fi := frameworkInfo("restart")
	fi.Checkpoint = proto.Bool(true)
	s, st, _ := execEnv(t, srv, fi, "ex", "t1")
	e := newExecClient(t, st, "")
	es := e.subscribe(nil)
	es.next(executorpb.Event_SUBSCRIBED)
	es.next(executorpb.Event_LAUNCH)
	expect(t, e.post(e.update("t1", mesosproto.TaskState_TASK_RUNNING, newUUIDBytes())), http.StatusAccepted, "")
	s.ack(s.update("t1", mesosproto.TaskState_TASK_RUNNING))

	if err := srv.RestartAgent(st.AgentID, 600*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if _, err := es.waitEnd(); err == nil || errors.Is(err, io.EOF) {
		t.Fatalf("stream ended with %v; want a broken connection", err)
	}
	// Away, then 503 for everything, then SUBSCRIBE only.
	deadline := time.Now().Add(10 * time.Second)
	seen503 := false
	for {
		if time.Now().After(deadline) {
			t.Fatal("the agent never came back")
		}
		r, err := tryPost(e, e.call(executorpb.Call_SUBSCRIBE, func(c *executorpb.Call) { c.Subscribe = &executorpb.Call_Subscribe{} }))
		if err == nil && r.status == http.StatusServiceUnavailable {
			if r.body != "Agent has not finished recovery" {
				t.Fatalf("503 body %q", r.body)
			}
			seen503 = true
		}
		if err == nil && r.status == http.StatusOK {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if !seen503 {
		t.Error("never saw 503 during the restart")
	}
	// The probe above subscribed (and went away); the agent is RECOVERING no
	// more once its only executor has resubscribed, so UPDATE works again.
	es2 := e.subscribe(nil)
	es2.next(executorpb.Event_SUBSCRIBED)
	expect(t, e.post(e.update("t1", mesosproto.TaskState_TASK_FINISHED, newUUIDBytes())), http.StatusAccepted, "")
	s.update("t1", mesosproto.TaskState_TASK_FINISHED)
}

func TestExecutorReregistrationTimeout(t *testing.T) {
	srv := newServer(t, WithExecutorReregistrationTimeout(200*time.Millisecond))
	fi := frameworkInfo("rereg")
	fi.Checkpoint = proto.Bool(true)
	s, st, _ := execEnv(t, srv, fi, "ex", "t1")
	e := newExecClient(t, st, "")
	es := e.subscribe(nil)
	es.next(executorpb.Event_SUBSCRIBED)
	es.next(executorpb.Event_LAUNCH)
	if err := srv.RestartAgent(st.AgentID, 100*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	got := s.update("t1", mesosproto.TaskState_TASK_LOST)
	if got.GetReason() != mesosproto.TaskStatus_REASON_EXECUTOR_REREGISTRATION_TIMEOUT ||
		got.GetMessage() != "Executor did not reregister within 200ms" {
		t.Fatalf("TASK_LOST %v %q", got.GetReason(), got.GetMessage())
	}
}

// Without checkpointing the restarted agent forgets the executor and its tasks.
func TestExecutorAgentRestartWithoutCheckpoint(t *testing.T) {
	srv := newServer(t)
	s, st, _ := execEnv(t, srv, frameworkInfo("nockpt"), "ex", "t1")
	e := newExecClient(t, st, "")
	es := e.subscribe(nil)
	es.next(executorpb.Event_SUBSCRIBED)
	es.next(executorpb.Event_LAUNCH)
	if err := srv.RestartAgent(st.AgentID, 100*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	got := s.update("t1", mesosproto.TaskState_TASK_LOST)
	if got.GetReason() != mesosproto.TaskStatus_REASON_RECONCILIATION || got.GetMessage() != "Reconciliation: task unknown to the agent" {
		t.Fatalf("TASK_LOST %v %q", got.GetReason(), got.GetMessage())
	}
	// The forgotten executor is still listed while its process runs.
	if _, err := srv.WaitExecutor(testCtx(t), s.fwID, "ex", func(x ExecutorStatus) bool { return x.PID != 0 }); err != nil {
		t.Fatal(err)
	}
}

// tryPost is post that reports transport errors instead of failing.
func tryPost(e *execClient, c *executorpb.Call) (response, error) {
	b, _ := httpapi.Protobuf.Marshal(c)
	req, _ := http.NewRequest(http.MethodPost, e.base+executorPath, bytes.NewReader(b))
	req.Header.Set("Content-Type", httpapi.MediaTypeProtobuf)
	resp, err := e.hc.Do(req)
	if err != nil {
		return response{}, err
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusOK {
		return response{status: resp.StatusCode}, nil // a stream: do not read it
	}
	body, _ := io.ReadAll(resp.Body)
	return response{status: resp.StatusCode, body: string(body)}, nil
}
