// SPDX-License-Identifier: Apache-2.0

package operator

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/mesoskit/mesoskit/internal/telemetry"
)

// WithMeterProvider sets where a Master's or an Agent's metrics go
// (default: OpenTelemetry's global MeterProvider):
//
//	mesoskit.operator.calls          {call} calls and files API requests, by mesos.call.type (the call type or
//	                                        the files API path), http.status_class and error.type
//	mesoskit.operator.call.duration  s      their duration, retries included, with the same attributes
func WithMeterProvider(mp metric.MeterProvider) Option {
	return func(c *config) {
		if mp == nil {
			c.problems = append(c.problems, errors.New("WithMeterProvider: nil MeterProvider"))
			return
		}
		c.meterProvider = mp
	}
}

type metrics struct {
	ctx      context.Context
	calls    metric.Int64Counter
	duration metric.Float64Histogram

	mu   sync.Mutex
	opts map[outcomeKey]telemetry.Opts // built on first use; names and outcomes are small fixed sets
}

type outcomeKey struct{ name, class, errType string }

func newMetrics(mp metric.MeterProvider) *metrics {
	m := telemetry.Meter(mp, "operator")
	return &metrics{
		ctx:      context.Background(),
		calls:    telemetry.Counter(m, "mesoskit.operator.calls", "{call}", "Operator API calls and files API requests, by type and outcome."),
		duration: telemetry.Seconds(m, "mesoskit.operator.call.duration", "Duration of operator API calls, retries included, by type and outcome."),
		opts:     map[outcomeKey]telemetry.Opts{},
	}
}

// call records a call named name that ended with err after d.
func (m *metrics) call(name string, err error, d time.Duration) {
	k := outcomeKey{name: name, class: "2xx"}
	if err != nil {
		var apiErr *APIError
		switch {
		case errors.As(err, &apiErr):
			k.class, k.errType = strconv.Itoa(apiErr.StatusCode/100)+"xx", "http_status"
		case errors.Is(err, context.DeadlineExceeded):
			k.class, k.errType = "none", "timeout"
		case errors.Is(err, context.Canceled):
			k.class, k.errType = "none", "canceled"
		default:
			k.class, k.errType = "none", "transport"
		}
	}
	m.mu.Lock()
	o, ok := m.opts[k]
	if !ok {
		kvs := []attribute.KeyValue{attribute.String("mesos.call.type", k.name), attribute.String("http.status_class", k.class)}
		if k.errType != "" {
			kvs = append(kvs, attribute.String("error.type", k.errType))
		}
		o = telemetry.NewOpts(kvs...)
		if len(m.opts) < 1024 { // bounded whatever the names
			m.opts[k] = o
		}
	}
	m.mu.Unlock()
	m.calls.Add(m.ctx, 1, o.Add...)
	m.duration.Record(m.ctx, d.Seconds(), o.Record...)
}
