// SPDX-License-Identifier: Apache-2.0

// Package telemetrytest reads the metrics a package recorded, through the
// OpenTelemetry SDK's ManualReader, for the packages' tests. Only tests
// import it: the packages themselves depend on the metrics API alone.
package telemetrytest

import (
	"context"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

// Reader is a MeterProvider backed by a ManualReader.
type Reader struct {
	t        testing.TB
	reader   *sdkmetric.ManualReader
	Provider metric.MeterProvider
}

// New returns a Reader; the provider shuts down with the test.
func New(t testing.TB) *Reader {
	rd := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(rd))
	t.Cleanup(func() { _ = mp.Shutdown(context.Background()) })
	return &Reader{t: t, reader: rd, Provider: mp}
}

// Collect returns every metric recorded so far, by name.
func (r *Reader) Collect() map[string]metricdata.Metrics {
	r.t.Helper()
	var rm metricdata.ResourceMetrics
	if err := r.reader.Collect(context.Background(), &rm); err != nil {
		r.t.Fatalf("collect metrics: %v", err)
	}
	out := map[string]metricdata.Metrics{}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			out[m.Name] = m
		}
	}
	return out
}

// matches reports whether set has every key=value of want.
func matches(set attribute.Set, want map[string]string) bool {
	for k, v := range want {
		got, ok := set.Value(attribute.Key(k))
		if !ok || got.String() != v {
			return false
		}
	}
	return true
}

// Found reports whether name was recorded at all.
func (r *Reader) Found(name string) bool {
	_, ok := r.Collect()[name]
	return ok
}

// Unit returns the unit of metric name ("" when absent).
func (r *Reader) Unit(name string) string { return r.Collect()[name].Unit }

// Int returns the sum over the data points of the int64 counter,
// up-down counter or gauge name whose attributes include want (nil: all).
func (r *Reader) Int(name string, want map[string]string) int64 {
	r.t.Helper()
	m, ok := r.Collect()[name]
	if !ok {
		return 0
	}
	var n int64
	switch d := m.Data.(type) {
	case metricdata.Sum[int64]:
		for _, p := range d.DataPoints {
			if matches(p.Attributes, want) {
				n += p.Value
			}
		}
	case metricdata.Gauge[int64]:
		for _, p := range d.DataPoints {
			if matches(p.Attributes, want) {
				n += p.Value
			}
		}
	default:
		r.t.Fatalf("metric %s is a %T, not an int64 sum or gauge", name, m.Data)
	}
	return n
}

// Hist returns how many values the float64 histogram name recorded with
// attributes including want, and their sum.
func (r *Reader) Hist(name string, want map[string]string) (count uint64, sum float64) {
	r.t.Helper()
	m, ok := r.Collect()[name]
	if !ok {
		return 0, 0
	}
	d, ok := m.Data.(metricdata.Histogram[float64])
	if !ok {
		r.t.Fatalf("metric %s is a %T, not a float64 histogram", name, m.Data)
	}
	for _, p := range d.DataPoints {
		if matches(p.Attributes, want) {
			count += p.Count
			sum += p.Sum
		}
	}
	return count, sum
}

// Keys returns every attribute key used by the data points of name, to
// check that no high-cardinality key (a task ID) appears.
func (r *Reader) Keys(name string) map[string]bool {
	keys := map[string]bool{}
	m, ok := r.Collect()[name]
	if !ok {
		return keys
	}
	add := func(s attribute.Set) {
		for _, kv := range s.ToSlice() {
			keys[string(kv.Key)] = true
		}
	}
	switch d := m.Data.(type) {
	case metricdata.Sum[int64]:
		for _, p := range d.DataPoints {
			add(p.Attributes)
		}
	case metricdata.Gauge[int64]:
		for _, p := range d.DataPoints {
			add(p.Attributes)
		}
	case metricdata.Histogram[float64]:
		for _, p := range d.DataPoints {
			add(p.Attributes)
		}
	}
	return keys
}
