// SPDX-License-Identifier: Apache-2.0

package scheduler_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/metric/noop"
	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/internal/httpapi"
	"github.com/mesoskit/mesoskit/internal/recordio"
	"github.com/mesoskit/mesoskit/internal/telemetry/telemetrytest"
	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/schedulerpb"
	"github.com/mesoskit/mesoskit/scheduler"
)

// BenchmarkEventHotPath measures the cost of one event from the wire to the
// handler (read, decode, count, dispatch) with metrics off (a no-op
// provider) and on (the OpenTelemetry SDK): each op is one UPDATE event (no
// uuid, so no acknowledgement) of a stream of b.N.
func BenchmarkEventHotPath(b *testing.B) {
	for _, tc := range []struct {
		name string
		mp   func(b *testing.B) metric.MeterProvider
	}{
		{"metrics=off", func(*testing.B) metric.MeterProvider { return noop.NewMeterProvider() }},
		{"metrics=on", func(b *testing.B) metric.MeterProvider { return telemetrytest.New(b).Provider }},
	} {
		b.Run(tc.name, func(b *testing.B) { benchEvents(b, tc.mp(b)) })
	}
}

func benchEvents(b *testing.B, mp metric.MeterProvider) {
	codec, _ := httpapi.CodecFor(httpapi.MediaTypeProtobuf)
	var stream bytes.Buffer
	w := recordio.NewWriter(&stream)
	frame := func(ev *schedulerpb.Event) {
		body, err := codec.Marshal(ev)
		if err != nil {
			b.Fatal(err)
		}
		if err := w.WriteFrame(body); err != nil {
			b.Fatal(err)
		}
	}
	frame(&schedulerpb.Event{Type: schedulerpb.Event_SUBSCRIBED.Enum(), Subscribed: &schedulerpb.Event_Subscribed{
		FrameworkId: &mesosproto.FrameworkID{Value: proto.String("fw-1")}, HeartbeatIntervalSeconds: proto.Float64(15),
	}})
	update := &schedulerpb.Event{Type: schedulerpb.Event_UPDATE.Enum(), Update: &schedulerpb.Event_Update{Status: &mesosproto.TaskStatus{
		TaskId: &mesosproto.TaskID{Value: proto.String("task-1")}, State: mesosproto.TaskState_TASK_RUNNING.Enum(),
		Source: mesosproto.TaskStatus_SOURCE_EXECUTOR.Enum(), AgentId: &mesosproto.AgentID{Value: proto.String("agent-1")},
	}}}
	for range b.N {
		frame(update)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		if r.Header.Get("Mesos-Stream-Id") != "" {
			rw.WriteHeader(http.StatusAccepted)
			return
		}
		rw.Header().Set("Content-Type", httpapi.MediaTypeProtobuf)
		rw.Header().Set("Mesos-Stream-Id", "00000000-0000-4000-8000-000000000001")
		rw.WriteHeader(http.StatusOK)
		_, _ = rw.Write(stream.Bytes())
		rw.(http.Flusher).Flush()
		<-r.Context().Done()
	}))
	defer srv.Close()

	c, err := scheduler.New(&mesosproto.FrameworkInfo{User: proto.String("bench"), Name: proto.String("bench")},
		scheduler.WithMaster(strings.TrimPrefix(srv.URL, "http://")), scheduler.WithMeterProvider(mp),
		scheduler.WithImplicitReconciliation(0))
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var seen atomic.Int64
	done := make(chan struct{})
	b.ReportAllocs()
	b.ResetTimer()
	runErr := make(chan error, 1)
	go func() {
		runErr <- c.Run(ctx, scheduler.HandlerFunc(func(_ context.Context, e *schedulerpb.Event) error {
			if e.GetType() == schedulerpb.Event_UPDATE && seen.Add(1) == int64(b.N) {
				close(done)
			}
			return nil
		}))
	}()
	<-done
	b.StopTimer()
	cancel()
	if err := <-runErr; err != nil {
		b.Fatal(err)
	}
}
