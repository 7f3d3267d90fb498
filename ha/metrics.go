// SPDX-License-Identifier: Apache-2.0

package ha

import (
	"context"
	"errors"
	"time"

	"go.opentelemetry.io/otel/metric"

	"github.com/mesoskit/mesoskit/internal/telemetry"
)

// WithMeterProvider sets where the Conn's metrics go (default:
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

// metrics are the instruments of a Conn and its Elections:
//
//	mesoskit.ha.terms.begun    {term}  Terms begun (Campaign won)
//	mesoskit.ha.terms.ended    {term}  Terms ended, for any reason
//	mesoskit.ha.term.duration  s       how long each ended Term lasted (time as leader)
//	mesoskit.ha.leader         1       1 while a Term of this Conn lasts, else 0
//	mesoskit.ha.fenced_writes.refused {write} fenced writes refused because their Term had ended
type metrics struct {
	ctx      context.Context
	begun    metric.Int64Counter
	ended    metric.Int64Counter
	duration metric.Float64Histogram
	leader   metric.Int64Gauge
	refused  metric.Int64Counter
}

func newMetrics(mp metric.MeterProvider) *metrics {
	m := telemetry.Meter(mp, "ha")
	return &metrics{
		ctx:      context.Background(),
		begun:    telemetry.Counter(m, "mesoskit.ha.terms.begun", "{term}", "Terms of leadership begun."),
		ended:    telemetry.Counter(m, "mesoskit.ha.terms.ended", "{term}", "Terms of leadership ended."),
		duration: telemetry.Seconds(m, "mesoskit.ha.term.duration", "Time as leader: how long each ended Term lasted."),
		leader:   telemetry.Gauge(m, "mesoskit.ha.leader", "1", "1 while this process holds a Term, 0 otherwise."),
		refused:  telemetry.Counter(m, "mesoskit.ha.fenced_writes.refused", "{write}", "Fenced writes refused because their Term had ended."),
	}
}

func (m *metrics) termBegun() {
	m.begun.Add(m.ctx, 1)
	m.leader.Record(m.ctx, 1)
}

func (m *metrics) termEnded(began time.Time) {
	m.ended.Add(m.ctx, 1)
	m.duration.Record(m.ctx, time.Since(began).Seconds())
	m.leader.Record(m.ctx, 0)
}

// refusedIf counts err when it is a refused fenced write, and returns it.
func (m *metrics) refusedIf(err error) error {
	if errors.Is(err, ErrNotLeader) {
		m.refused.Add(m.ctx, 1)
	}
	return err
}
