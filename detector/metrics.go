// SPDX-License-Identifier: Apache-2.0

package detector

import (
	"context"
	"sync"
	"time"

	"github.com/go-zookeeper/zk"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/mesoskit/mesoskit/internal/telemetry"
	"github.com/mesoskit/mesoskit/mesosproto"
)

// WithMeterProvider sets where the ZooKeeper detector's metrics go (default:
// OpenTelemetry's global MeterProvider; see the package documentation). A
// nil provider keeps the default.
func WithMeterProvider(mp metric.MeterProvider) Option {
	return func(c *config) { c.meterProvider = mp }
}

// metrics are the detector's instruments:
//
//	mesoskit.detector.leader_changes      {change}  answers published: mesoskit.detector.answer = leader | no_leader | error
//	mesoskit.detector.leaderless.duration s         how long each period without a leader lasted (from the start, or
//	                                                from the answer "no leader", to the next leader)
//	mesoskit.detector.leader              1         1 while a leader is known, else 0
//	mesoskit.detector.zookeeper.session_events {event} ZooKeeper session events: zookeeper.state = the state's name
type metrics struct {
	ctx        context.Context
	changes    metric.Int64Counter
	leaderless metric.Float64Histogram
	leader     metric.Int64Gauge
	sessions   metric.Int64Counter
	answerOpts [3]telemetry.Opts // leader, no_leader, error

	mu     sync.Mutex
	since  time.Time // when the current period without a leader began; zero while one is known
	states map[zk.State]telemetry.Opts
}

func newMetrics(mp metric.MeterProvider) *metrics {
	m := telemetry.Meter(mp, "detector")
	x := &metrics{ctx: context.Background(), since: time.Now(), states: map[zk.State]telemetry.Opts{}}
	x.changes = telemetry.Counter(m, "mesoskit.detector.leader_changes", "{change}", "Answers the detector published: a new leader, no leader, or an error.")
	x.leaderless = telemetry.Seconds(m, "mesoskit.detector.leaderless.duration", "How long each period without a known leading master lasted.")
	x.leader = telemetry.Gauge(m, "mesoskit.detector.leader", "1", "1 while a leading master is known, 0 otherwise.")
	x.sessions = telemetry.Counter(m, "mesoskit.detector.zookeeper.session_events", "{event}", "ZooKeeper session events, by state.")
	for i, v := range []string{"leader", "no_leader", "error"} {
		x.answerOpts[i] = telemetry.NewOpts(attribute.String("mesoskit.detector.answer", v))
	}
	return x
}

// observer returns the board's observe function: metrics, then next (tests).
func (m *metrics) observer(next func(*mesosproto.MasterInfo, error)) func(*mesosproto.MasterInfo, error) {
	return func(mi *mesosproto.MasterInfo, err error) {
		m.answer(mi, err)
		if next != nil {
			next(mi, err)
		}
	}
}

func (m *metrics) answer(mi *mesosproto.MasterInfo, err error) {
	i := 0
	switch {
	case err != nil:
		i = 2
	case mi == nil:
		i = 1
	}
	m.changes.Add(m.ctx, 1, m.answerOpts[i].Add...)
	m.mu.Lock()
	defer m.mu.Unlock()
	if i != 0 {
		if m.since.IsZero() {
			m.since = time.Now()
		}
		m.leader.Record(m.ctx, 0)
		return
	}
	if !m.since.IsZero() {
		m.leaderless.Record(m.ctx, time.Since(m.since).Seconds())
		m.since = time.Time{}
	}
	m.leader.Record(m.ctx, 1)
}

// session counts a ZooKeeper session event.
func (m *metrics) session(s zk.State) {
	m.mu.Lock()
	o, ok := m.states[s]
	if !ok {
		o = telemetry.NewOpts(attribute.String("zookeeper.state", s.String()))
		if len(m.states) < 32 { // the states are a small fixed set; bound it anyway
			m.states[s] = o
		}
	}
	m.mu.Unlock()
	m.sessions.Add(m.ctx, 1, o.Add...)
}
