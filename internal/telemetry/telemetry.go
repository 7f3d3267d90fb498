// SPDX-License-Identifier: Apache-2.0

// Package telemetry holds what the public packages share to record metrics
// through the OpenTelemetry metrics API: the meter of a package, and
// attribute sets built once so that recording a measurement allocates
// nothing.
//
// The packages depend on the API only (go.opentelemetry.io/otel/metric and
// the root module go.opentelemetry.io/otel, which the API itself requires
// for its attribute package and which holds the global MeterProvider). An
// application chooses the SDK and the exporter.
package telemetry

import (
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/metric/noop"
)

// ScopePrefix prefixes the instrumentation scope of each package, for
// example "github.com/mesoskit/mesoskit/scheduler".
const ScopePrefix = "github.com/mesoskit/mesoskit/"

// Meter returns the meter of package pkg ("scheduler", ...) from mp, or from
// OpenTelemetry's global MeterProvider when mp is nil, so that an
// application that installs a global provider gets the metrics without
// passing it.
func Meter(mp metric.MeterProvider, pkg string) metric.Meter {
	if mp == nil {
		mp = otel.GetMeterProvider()
	}
	return mp.Meter(ScopePrefix + pkg)
}

// Opts is a prebuilt attribute set in the shapes Add and Record take; pass
// Add... or Record... so that no slice is made per measurement.
type Opts struct {
	Add     []metric.AddOption
	Record  []metric.RecordOption
	Observe []metric.ObserveOption
}

// NewOpts builds the options for the attribute set of kvs.
func NewOpts(kvs ...attribute.KeyValue) Opts {
	o := metric.WithAttributeSet(attribute.NewSet(kvs...))
	return Opts{Add: []metric.AddOption{o}, Record: []metric.RecordOption{o}, Observe: []metric.ObserveOption{o}}
}

// EnumOpts builds one Opts per value of a protobuf enum (its _name map),
// indexed by value; values beyond the table use the entry of 0 (Enum below).
// Each set has key=name plus extra.
func EnumOpts(names map[int32]string, key string, extra ...attribute.KeyValue) []Opts {
	n := int32(0)
	for v := range names {
		n = max(n, v)
	}
	out := make([]Opts, n+1)
	for v := range out {
		name, ok := names[int32(v)]
		if !ok {
			name = names[0]
		}
		out[v] = NewOpts(append([]attribute.KeyValue{attribute.String(key, name)}, extra...)...)
	}
	return out
}

// Enum returns table[v], or table[0] for a value the table does not know
// (a newer Mesos).
func Enum[T ~int32](table []Opts, v T) Opts {
	if v < 0 || int(v) >= len(table) {
		return table[0]
	}
	return table[v]
}

// Counter returns the Int64Counter name of m, or a no-op one if m refuses it
// (it never does for the valid names the packages use; New does not fail
// over metrics).
func Counter(m metric.Meter, name, unit, desc string) metric.Int64Counter {
	c, err := m.Int64Counter(name, metric.WithUnit(unit), metric.WithDescription(desc))
	if err != nil || c == nil {
		return noop.Int64Counter{}
	}
	return c
}

// UpDown returns the Int64UpDownCounter name of m (see Counter).
func UpDown(m metric.Meter, name, unit, desc string) metric.Int64UpDownCounter {
	c, err := m.Int64UpDownCounter(name, metric.WithUnit(unit), metric.WithDescription(desc))
	if err != nil || c == nil {
		return noop.Int64UpDownCounter{}
	}
	return c
}

// Gauge returns the Int64Gauge name of m (see Counter).
func Gauge(m metric.Meter, name, unit, desc string) metric.Int64Gauge {
	g, err := m.Int64Gauge(name, metric.WithUnit(unit), metric.WithDescription(desc))
	if err != nil || g == nil {
		return noop.Int64Gauge{}
	}
	return g
}

// Seconds returns the Float64Histogram name of m, in seconds (see Counter),
// with bucket boundaries from 1 ms to about 5 min.
func Seconds(m metric.Meter, name, desc string) metric.Float64Histogram {
	h, err := m.Float64Histogram(name, metric.WithUnit("s"), metric.WithDescription(desc),
		metric.WithExplicitBucketBoundaries(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300))
	if err != nil || h == nil {
		return noop.Float64Histogram{}
	}
	return h
}

// ObservableCounter returns the Int64ObservableCounter name of m (see
// Counter); its cumulative values come from a callback registered with
// m.RegisterCallback. The hot paths count in atomics and the callback
// reports them, so that counting an event costs one atomic add.
func ObservableCounter(m metric.Meter, name, unit, desc string) metric.Int64ObservableCounter {
	c, err := m.Int64ObservableCounter(name, metric.WithUnit(unit), metric.WithDescription(desc))
	if err != nil || c == nil {
		return noop.Int64ObservableCounter{}
	}
	return c
}

// ObservableGauge returns the Int64ObservableGauge name of m (see Counter);
// its values come from a callback registered with m.RegisterCallback.
func ObservableGauge(m metric.Meter, name, unit, desc string) metric.Int64ObservableGauge {
	g, err := m.Int64ObservableGauge(name, metric.WithUnit(unit), metric.WithDescription(desc))
	if err != nil || g == nil {
		return noop.Int64ObservableGauge{}
	}
	return g
}
