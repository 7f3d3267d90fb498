// SPDX-License-Identifier: Apache-2.0

package executor

import (
	"context"
	"errors"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/mesoskit/mesoskit/internal/taskcheck"
	"github.com/mesoskit/mesoskit/internal/telemetry"
	"github.com/mesoskit/mesoskit/mesosproto"
)

// WithMeterProvider sets where the Executor's metrics go (default:
// OpenTelemetry's global MeterProvider; see the package documentation).
func WithMeterProvider(mp metric.MeterProvider) Option {
	return func(c *config) {
		if mp == nil {
			c.problems = append(c.problems, errors.New("WithMeterProvider: nil MeterProvider"))
			return
		}
		c.meterProvider = mp
	}
}

// Health check results (attribute mesoskit.health_check.result), indexed by taskcheck.ProbeResult.
var healthResults = [...]string{taskcheck.ProbeHealthy: "healthy", taskcheck.ProbeUnhealthy: "unhealthy", taskcheck.ProbeGrace: "grace"}

// metrics are the Executor's instruments:
//
//	mesoskit.executor.updates.sent            {update}  UPDATE calls the agent took (202)
//	mesoskit.executor.updates.acknowledged    {update}  updates the agent acknowledged
//	mesoskit.executor.updates.unacknowledged  {update}  updates journalled and not yet acknowledged (observed)
//	mesoskit.executor.resubscriptions         {attempt} SUBSCRIBE attempts after the first
//	mesoskit.executor.task.lifetime           s         from launch to the first terminal update, by mesos.task.state
//	mesoskit.executor.health_checks           {check}   health check results: healthy | unhealthy | grace
type metrics struct {
	ctx            context.Context
	meter          metric.Meter
	sent           metric.Int64Counter
	acked          metric.Int64Counter
	unacked        metric.Int64ObservableGauge
	resubscribes   metric.Int64Counter
	lifetime       metric.Float64Histogram
	lifetimeByEnd  []telemetry.Opts // by task state
	healthChecks   metric.Int64Counter
	healthByResult [3]telemetry.Opts
}

func newMetrics(mp metric.MeterProvider) *metrics {
	m := telemetry.Meter(mp, "executor")
	x := &metrics{ctx: context.Background(), meter: m}
	x.sent = telemetry.Counter(m, "mesoskit.executor.updates.sent", "{update}", "Status updates the agent took.")
	x.acked = telemetry.Counter(m, "mesoskit.executor.updates.acknowledged", "{update}", "Status updates the agent acknowledged.")
	x.unacked = telemetry.ObservableGauge(m, "mesoskit.executor.updates.unacknowledged", "{update}", "Status updates not acknowledged yet.")
	x.resubscribes = telemetry.Counter(m, "mesoskit.executor.resubscriptions", "{attempt}", "SUBSCRIBE attempts after the first.")
	x.lifetime = telemetry.Seconds(m, "mesoskit.executor.task.lifetime", "Time from a task's launch to its first terminal update, by final state.")
	x.lifetimeByEnd = telemetry.EnumOpts(mesosproto.TaskState_name, "mesos.task.state")
	x.healthChecks = telemetry.Counter(m, "mesoskit.executor.health_checks", "{check}", "Health check results.")
	for i, v := range healthResults {
		x.healthByResult[i] = telemetry.NewOpts(attribute.String("mesoskit.health_check.result", v))
	}
	return x
}

// observe registers the unacknowledged-updates gauge for one Run; the
// returned function unregisters it.
func (x *Executor) observeMetrics() func() {
	m := x.m
	reg, err := m.meter.RegisterCallback(func(_ context.Context, o metric.Observer) error {
		x.mu.Lock()
		n := len(x.journal)
		x.mu.Unlock()
		o.ObserveInt64(m.unacked, int64(n))
		return nil
	}, m.unacked)
	if err != nil || reg == nil {
		return func() {}
	}
	return func() { _ = reg.Unregister() }
}

func (m *metrics) taskEnded(launched time.Time, state mesosproto.TaskState) {
	if launched.IsZero() {
		return
	}
	m.lifetime.Record(m.ctx, time.Since(launched).Seconds(), telemetry.Enum(m.lifetimeByEnd, state).Record...)
}

func (m *metrics) healthCheck(result int) {
	m.healthChecks.Add(m.ctx, 1, m.healthByResult[result].Add...)
}
