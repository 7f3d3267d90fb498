// SPDX-License-Identifier: Apache-2.0

package executor_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/mesoskit/mesoskit/executor"
	"github.com/mesoskit/mesoskit/internal/telemetry/telemetrytest"
	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/executorpb"
)

// waitInt polls a metric until it has the wanted value.
func waitInt(t *testing.T, mr *telemetrytest.Reader, name string, attrs map[string]string, want int64) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		got := mr.Int(name, attrs)
		if got == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s%v = %d, want %d", name, attrs, got, want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Updates sent, acknowledged and unacknowledged, resubscriptions and task
// lifetimes, against an agent endpoint.
func TestMetricsUpdates(t *testing.T) {
	mr := telemetrytest.New(t)
	a := newFakeAgent(t)
	a.setAutoAck(false)
	x := newExecutor(t, a.config(true), executor.WithMeterProvider(mr.Provider))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := runAsync(ctx, x, executor.TaskFunc(func(context.Context, *mesosproto.TaskInfo) error { return nil }))
	a.nextSubscribe(t)
	a.send(launchEvent("t1"))
	var sent []*mesosproto.TaskStatus
	for _, st := range []mesosproto.TaskState{mesosproto.TaskState_TASK_STARTING, mesosproto.TaskState_TASK_RUNNING, mesosproto.TaskState_TASK_FINISHED} {
		sent = append(sent, a.nextUpdate(t, st))
	}
	waitInt(t, mr, "mesoskit.executor.updates.sent", nil, 3)
	waitInt(t, mr, "mesoskit.executor.updates.unacknowledged", nil, 3)
	if n := mr.Int("mesoskit.executor.updates.acknowledged", nil); n != 0 {
		t.Errorf("updates.acknowledged = %d before any ACKNOWLEDGED, want 0", n)
	}
	if n, sum := mr.Hist("mesoskit.executor.task.lifetime", map[string]string{"mesos.task.state": "TASK_FINISHED"}); n != 1 || sum <= 0 {
		t.Errorf("task.lifetime{TASK_FINISHED}: %d values (sum %v s), want 1 > 0", n, sum)
	}
	for _, st := range sent {
		a.send(&executorpb.Event{Type: executorpb.Event_ACKNOWLEDGED.Enum(), Acknowledged: &executorpb.Event_Acknowledged{
			TaskId: st.GetTaskId(), Uuid: st.GetUuid()}})
	}
	waitInt(t, mr, "mesoskit.executor.updates.acknowledged", nil, 3)
	waitInt(t, mr, "mesoskit.executor.updates.unacknowledged", nil, 0)

	if n := mr.Int("mesoskit.executor.resubscriptions", nil); n != 0 {
		t.Errorf("resubscriptions = %d before any, want 0", n)
	}
	a.endStream()
	a.nextSubscribe(t)
	waitInt(t, mr, "mesoskit.executor.resubscriptions", nil, 1)
	cancel()
	if err := waitRun(t, done); err != nil {
		t.Fatal(err)
	}
}

// An agent URL that answers with a web page instead of an event stream is
// named ErrNotMesos, and Run ends (it never subscribed).
func TestNotMesosAgent(t *testing.T) {
	for _, tc := range []struct {
		name, contentType string
	}{
		{"HTML page", "text/html; charset=utf-8"},
		{"not RecordIO", "application/x-protobuf"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", tc.contentType)
				_, _ = w.Write([]byte("<html><body>Welcome</body></html>"))
			}))
			defer srv.Close()
			cfg := executor.Config{FrameworkID: "fw", ExecutorID: "ex", AgentURL: srv.URL + "/api/v1/executor",
				ShutdownGracePeriod: time.Second}
			x := newExecutor(t, cfg)
			err := waitRun(t, runAsync(context.Background(), x, executor.Callbacks{}))
			if !errors.Is(err, executor.ErrNotMesos) || !errors.Is(err, executor.ErrDisconnected) {
				t.Fatalf("Run = %v, want ErrDisconnected wrapping ErrNotMesos", err)
			}
		})
	}
}
