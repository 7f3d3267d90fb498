// SPDX-License-Identifier: Apache-2.0

package scheduler

import (
	"testing"

	"go.opentelemetry.io/otel/metric/noop"
	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/internal/telemetry/telemetrytest"
	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/schedulerpb"
)

// BenchmarkMetricsEvent is the metrics part of the event hot path alone
// (what metrics.event does for an UPDATE), with a no-op provider and with
// the SDK. It must not allocate.
func BenchmarkMetricsEvent(b *testing.B) {
	ev := &schedulerpb.Event{Type: schedulerpb.Event_UPDATE.Enum(), Update: &schedulerpb.Event_Update{Status: &mesosproto.TaskStatus{
		TaskId: &mesosproto.TaskID{Value: proto.String("t")}, State: mesosproto.TaskState_TASK_RUNNING.Enum(),
	}}}
	for _, tc := range []struct {
		name string
		m    func(b *testing.B) *metrics
	}{
		{"metrics=off", func(*testing.B) *metrics { return newMetrics(noop.NewMeterProvider()) }},
		{"metrics=on", func(b *testing.B) *metrics { return newMetrics(telemetrytest.New(b).Provider) }},
	} {
		b.Run(tc.name, func(b *testing.B) {
			m := tc.m(b)
			b.ReportAllocs()
			for b.Loop() {
				m.event(ev)
			}
			if n := testing.AllocsPerRun(100, func() { m.event(ev) }); n != 0 {
				b.Fatalf("%v allocations per event", n)
			}
		})
	}
}
