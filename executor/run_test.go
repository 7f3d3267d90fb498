// SPDX-License-Identifier: Apache-2.0

package executor_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/executor"
	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/executorpb"
)

func newExecutor(t *testing.T, cfg executor.Config, opts ...executor.Option) *executor.Executor {
	t.Helper()
	x, err := executor.New(cfg, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return x
}

func TestRunTaskFuncLifecycleAndShutdown(t *testing.T) {
	a := newFakeAgent(t)
	x := newExecutor(t, a.config(false))
	ran := make(chan string, 1)
	done := runAsync(context.Background(), x, executor.TaskFunc(func(ctx context.Context, task *mesosproto.TaskInfo) error {
		ran <- task.GetTaskId().GetValue()
		return nil
	}))
	sub := a.nextSubscribe(t)
	if sub.GetFrameworkId().GetValue() != "fw" || sub.GetExecutorId().GetValue() != "ex" || sub.GetSubscribe() == nil {
		t.Fatalf("SUBSCRIBE %v", sub)
	}
	a.send(launchEvent("t1"))
	a.nextUpdate(t, mesosproto.TaskState_TASK_STARTING)
	a.nextUpdate(t, mesosproto.TaskState_TASK_RUNNING)
	fin := a.nextUpdate(t, mesosproto.TaskState_TASK_FINISHED)
	if <-ran != "t1" {
		t.Error("function got the wrong task")
	}
	if fin.GetSource() != mesosproto.TaskStatus_SOURCE_EXECUTOR || fin.GetExecutorId().GetValue() != "ex" ||
		len(fin.GetUuid()) != 16 || fin.GetTimestamp() == 0 {
		t.Errorf("update not filled in: %v", fin)
	}
	if s := x.Subscribed(); s.GetAgentInfo().GetHostname() != "agent" {
		t.Errorf("Subscribed() = %v", s)
	}
	waitUnacked(t, x, 0, 0)
	a.send(&executorpb.Event{Type: executorpb.Event_SHUTDOWN.Enum()})
	if err := waitRun(t, done); err != nil {
		t.Fatalf("Run after SHUTDOWN: %v", err)
	}
	a.mu.Lock()
	for i, h := range a.auth {
		if h != "Bearer tok" {
			t.Errorf("call %d (%v): Authorization %q", i, a.calls[i].GetType(), h)
		}
	}
	a.mu.Unlock()
	if err := x.Update(context.Background(), &mesosproto.TaskStatus{TaskId: fin.GetTaskId(), State: mesosproto.TaskState_TASK_RUNNING.Enum()}); !errors.Is(err, executor.ErrStopped) {
		t.Errorf("Update after Run: %v", err)
	}
	if err := x.Run(context.Background(), executor.Callbacks{}); !errors.Is(err, executor.ErrAlreadyRunning) {
		t.Errorf("second Run: %v", err)
	}
}

// waitUnacked polls until the journal holds the given numbers.
func waitUnacked(t *testing.T, x *executor.Executor, tasks, updates int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		ts, us := x.Unacknowledged()
		if len(ts) == tasks && len(us) == updates {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("unacknowledged: %d tasks, %d updates; want %d, %d", len(ts), len(us), tasks, updates)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestRunTaskFuncKillAndFailure(t *testing.T) {
	a := newFakeAgent(t)
	a.fw.Capabilities = []*mesosproto.FrameworkInfo_Capability{{Type: mesosproto.FrameworkInfo_Capability_TASK_KILLING_STATE.Enum()}}
	x := newExecutor(t, a.config(false))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := runAsync(ctx, x, executor.TaskFunc(func(ctx context.Context, task *mesosproto.TaskInfo) error {
		if task.GetTaskId().GetValue() == "bad" {
			return errors.New("boom")
		}
		<-ctx.Done()
		return nil // killed: TASK_KILLED whatever is returned
	}))
	a.nextSubscribe(t)
	a.send(launchEvent("bad"))
	a.nextUpdate(t, mesosproto.TaskState_TASK_STARTING)
	a.nextUpdate(t, mesosproto.TaskState_TASK_RUNNING)
	if st := a.nextUpdate(t, mesosproto.TaskState_TASK_FAILED); st.GetMessage() != "boom" {
		t.Errorf("message %q", st.GetMessage())
	}
	a.send(launchEvent("k"))
	a.nextUpdate(t, mesosproto.TaskState_TASK_STARTING)
	a.nextUpdate(t, mesosproto.TaskState_TASK_RUNNING)
	a.send(&executorpb.Event{Type: executorpb.Event_KILL.Enum(), Kill: &executorpb.Event_Kill{TaskId: &mesosproto.TaskID{Value: proto.String("k")}}})
	a.nextUpdate(t, mesosproto.TaskState_TASK_KILLING)
	a.nextUpdate(t, mesosproto.TaskState_TASK_KILLED)
	cancel()
	if err := waitRun(t, done); err != nil {
		t.Fatalf("Run after cancel: %v", err)
	}
}

func TestRunResendsUnacknowledgedOnResubscribe(t *testing.T) {
	a := newFakeAgent(t)
	a.setAutoAck(false)
	x := newExecutor(t, a.config(true))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := runAsync(ctx, x, executor.Callbacks{
		Launch: func(ctx context.Context, task *mesosproto.TaskInfo) error {
			return x.Update(ctx, &mesosproto.TaskStatus{TaskId: task.GetTaskId(), State: mesosproto.TaskState_TASK_RUNNING.Enum()})
		},
	})
	a.nextSubscribe(t)
	a.send(launchEvent("t1"))
	sent := a.nextUpdate(t, mesosproto.TaskState_TASK_RUNNING)
	waitUnacked(t, x, 1, 1)

	// The agent goes away; the executor resubscribes with what is unacknowledged.
	a.endStream()
	sub := a.nextSubscribe(t).GetSubscribe()
	if len(sub.GetUnacknowledgedTasks()) != 1 || sub.GetUnacknowledgedTasks()[0].GetTaskId().GetValue() != "t1" {
		t.Fatalf("unacknowledged tasks: %v", sub.GetUnacknowledgedTasks())
	}
	if len(sub.GetUnacknowledgedUpdates()) != 1 || !bytes.Equal(sub.GetUnacknowledgedUpdates()[0].GetStatus().GetUuid(), sent.GetUuid()) {
		t.Fatalf("unacknowledged updates: %v", sub.GetUnacknowledgedUpdates())
	}
	// Now acknowledge it: the next subscription carries nothing.
	a.send(&executorpb.Event{Type: executorpb.Event_ACKNOWLEDGED.Enum(), Acknowledged: &executorpb.Event_Acknowledged{
		TaskId: sent.GetTaskId(), Uuid: sent.GetUuid()}})
	waitUnacked(t, x, 0, 0)
	a.endStream()
	sub = a.nextSubscribe(t).GetSubscribe()
	if len(sub.GetUnacknowledgedTasks())+len(sub.GetUnacknowledgedUpdates()) != 0 {
		t.Fatalf("after the ack, SUBSCRIBE still carries %v", sub)
	}
	cancel()
	if err := waitRun(t, done); err != nil {
		t.Fatal(err)
	}
}

func TestRunUpdateWhileDisconnectedIsDeliveredOnResubscribe(t *testing.T) {
	a := newFakeAgent(t)
	a.refuseSubscribes(0, http.StatusServiceUnavailable, http.StatusServiceUnavailable) // recovering agent
	x := newExecutor(t, a.config(true), executor.WithSubscribeRetryInterval(10*time.Millisecond))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := runAsync(ctx, x, executor.Callbacks{})
	a.nextSubscribe(t)
	waitSubscribed(t, x)
	a.endStream()
	a.nextSubscribe(t) // refused with 503
	st := &mesosproto.TaskStatus{TaskId: &mesosproto.TaskID{Value: proto.String("t")}, State: mesosproto.TaskState_TASK_RUNNING.Enum()}
	if err := x.Update(ctx, st); err != nil {
		t.Fatalf("Update while disconnected: %v", err)
	}
	a.nextSubscribe(t) // refused with 503
	sub := a.nextSubscribe(t).GetSubscribe()
	// Depending on timing the update is in the accepted SUBSCRIBE, or (if it
	// was made while that SUBSCRIBE was in flight) sent after SUBSCRIBED.
	if us := sub.GetUnacknowledgedUpdates(); len(us) == 1 {
		if us[0].GetStatus().GetTaskId().GetValue() != "t" {
			t.Fatal(us)
		}
	} else if got := a.nextUpdate(t, mesosproto.TaskState_TASK_RUNNING); got.GetTaskId().GetValue() != "t" {
		t.Fatal(got)
	}
	cancel()
	if err := waitRun(t, done); err != nil {
		t.Fatal(err)
	}
}

func waitSubscribed(t *testing.T, x *executor.Executor) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for x.Subscribed() == nil {
		if time.Now().After(deadline) {
			t.Fatal("never subscribed")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestRunNotCheckpointingShutsDownOnDisconnection(t *testing.T) {
	a := newFakeAgent(t)
	x := newExecutor(t, a.config(false))
	cancelled := make(chan struct{})
	done := runAsync(context.Background(), x, executor.TaskFunc(func(ctx context.Context, _ *mesosproto.TaskInfo) error {
		<-ctx.Done()
		close(cancelled)
		return ctx.Err()
	}))
	a.nextSubscribe(t)
	a.send(launchEvent("t"))
	a.nextUpdate(t, mesosproto.TaskState_TASK_STARTING)
	a.nextUpdate(t, mesosproto.TaskState_TASK_RUNNING)
	a.endStream()
	err := waitRun(t, done)
	if !errors.Is(err, executor.ErrDisconnected) || errors.Is(err, executor.ErrRecoveryTimeout) {
		t.Fatalf("Run: %v, want ErrDisconnected", err)
	}
	select {
	case <-cancelled:
	default:
		t.Error("the task's ctx was not cancelled")
	}
	select {
	case c := <-a.subscribes:
		t.Errorf("resubscribed without checkpointing: %v", c)
	default:
	}
}

func TestRunFirstConnectionFailureShutsDownEvenWhenCheckpointing(t *testing.T) {
	a := newFakeAgent(t)
	cfg := a.config(true)
	a.srv.Close() // nothing listens any more
	x := newExecutor(t, cfg)
	err := waitRun(t, runAsync(context.Background(), x, executor.Callbacks{}))
	if !errors.Is(err, executor.ErrDisconnected) {
		t.Fatalf("Run: %v, want ErrDisconnected", err)
	}
}

func TestRunRecoveryTimeout(t *testing.T) {
	a := newFakeAgent(t)
	cfg := a.config(true)
	cfg.RecoveryTimeout = 300 * time.Millisecond
	x := newExecutor(t, cfg)
	start := time.Now()
	done := runAsync(context.Background(), x, executor.Callbacks{})
	a.nextSubscribe(t)
	waitSubscribed(t, x)
	a.mu.Lock()
	a.refuseAll = http.StatusServiceUnavailable // the agent stays in recovery
	a.mu.Unlock()
	a.endStream()
	err := waitRun(t, done)
	if !errors.Is(err, executor.ErrRecoveryTimeout) || !errors.Is(err, executor.ErrDisconnected) {
		t.Fatalf("Run: %v, want ErrRecoveryTimeout", err)
	}
	if el := time.Since(start); el < 300*time.Millisecond {
		t.Errorf("gave up after %v, before the recovery timeout", el)
	}
}

func TestRunSubscribeRefused(t *testing.T) {
	a := newFakeAgent(t)
	a.refuseSubscribes(http.StatusUnauthorized)
	x := newExecutor(t, a.config(true))
	err := waitRun(t, runAsync(context.Background(), x, executor.Callbacks{}))
	var apiErr *executor.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusUnauthorized {
		t.Fatalf("Run: %v, want a 401 APIError", err)
	}
}

func TestRunHeartbeatMessageAndEvents(t *testing.T) {
	a := newFakeAgent(t)
	x := newExecutor(t, a.config(false), executor.WithHeartbeatInterval(20*time.Millisecond),
		executor.WithContentType("application/x-protobuf"))
	got := make(chan string, 16)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := runAsync(ctx, x, executor.Callbacks{
		Subscribed: func(ctx context.Context, s *executorpb.Event_Subscribed) error {
			got <- "subscribed " + s.GetFrameworkInfo().GetName()
			return nil
		},
		Message: func(ctx context.Context, data []byte) error {
			got <- "message " + string(data)
			return x.Message(ctx, []byte("pong"))
		},
		Error: func(ctx context.Context, msg string) error {
			got <- "error " + msg
			return nil
		},
		Other: func(ctx context.Context, e *executorpb.Event) error {
			got <- "other " + e.GetType().String()
			return nil
		},
	})
	a.nextSubscribe(t)
	a.nextOther(t, executorpb.Call_HEARTBEAT)
	a.send(&executorpb.Event{Type: executorpb.Event_MESSAGE.Enum(), Message: &executorpb.Event_Message{Data: []byte("ping")}})
	if m := a.nextOther(t, executorpb.Call_MESSAGE); string(m.GetMessage().GetData()) != "pong" {
		t.Errorf("MESSAGE call %v", m)
	}
	a.send(&executorpb.Event{Type: executorpb.Event_ERROR.Enum(), Error: &executorpb.Event_Error{Message: proto.String("agent says no")}})
	a.send(&executorpb.Event{Type: executorpb.Event_HEARTBEAT.Enum()})
	a.send(&executorpb.Event{Type: executorpb.Event_Type(99).Enum()})
	a.sendRaw([]byte("3\n\xff\xff\xff")) // one undecodable record: reported, stream kept
	want := []string{"subscribed fw", "message ping", "error agent says no", "other 99"}
	for _, w := range want {
		select {
		case g := <-got:
			if g != w {
				t.Fatalf("got %q, want %q", g, w)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("no %q", w)
		}
	}
	select {
	case g := <-got:
		if len(g) < 6 || g[:6] != "error " {
			t.Fatalf("got %q, want the de-serialization error", g)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("undecodable event not reported")
	}
	cancel()
	if err := waitRun(t, done); err != nil {
		t.Fatal(err)
	}
	if err := x.Message(context.Background(), nil); !errors.Is(err, executor.ErrStopped) {
		t.Errorf("Message after Run: %v", err)
	}
}

func TestRunHandlerErrorShutsDown(t *testing.T) {
	a := newFakeAgent(t)
	x := newExecutor(t, a.config(false))
	boom := errors.New("handler failed")
	shutdown := make(chan struct{})
	err := waitRun(t, runAsync(context.Background(), x, executor.Callbacks{
		Subscribed: func(context.Context, *executorpb.Event_Subscribed) error { return boom },
		Shutdown:   func(context.Context) error { close(shutdown); return nil },
	}))
	if !errors.Is(err, boom) {
		t.Fatalf("Run: %v", err)
	}
	select {
	case <-shutdown:
	default:
		t.Error("SHUTDOWN not delivered")
	}
}

func TestUpdateValidation(t *testing.T) {
	a := newFakeAgent(t)
	x := newExecutor(t, a.config(false))
	id := &mesosproto.TaskID{Value: proto.String("t")}
	for _, st := range []*mesosproto.TaskStatus{
		{State: mesosproto.TaskState_TASK_RUNNING.Enum()},
		{TaskId: id},
		{TaskId: id, State: mesosproto.TaskState_TASK_STAGING.Enum()},
	} {
		if err := x.Update(context.Background(), st); !errors.Is(err, executor.ErrInvalidStatus) {
			t.Errorf("Update(%v) = %v", st, err)
		}
	}
	if err := x.Message(context.Background(), nil); !errors.Is(err, executor.ErrNotSubscribed) {
		t.Errorf("Message before Run: %v", err)
	}
}

// WithLogger(nil) means the default, as in every package: no logging.
func TestNilLoggerIsNop(t *testing.T) {
	cfg := executor.Config{FrameworkID: "f", ExecutorID: "e", AgentURL: "http://127.0.0.1:1/api/v1/executor"}
	if _, err := executor.New(cfg, executor.WithLogger(nil)); err != nil {
		t.Fatalf("New with WithLogger(nil): %v", err)
	}
}

func TestNewValidates(t *testing.T) {
	_, err := executor.New(executor.Config{}, executor.WithContentType("text/plain"), executor.WithHeartbeatInterval(0),
		executor.WithHTTPClient(&http.Client{Timeout: time.Second}))
	if err == nil {
		t.Fatal("New accepted an empty config")
	}
	for _, want := range []string{"FrameworkID", "ExecutorID", "AgentURL", "WithContentType", "WithHeartbeatInterval",
		"WithHTTPClient"} {
		if !bytes.Contains([]byte(err.Error()), []byte(want)) {
			t.Errorf("error misses %s: %v", want, err)
		}
	}
}
