// SPDX-License-Identifier: Apache-2.0

package mesostest

import (
	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/masterpb"
)

// getFlagsLocked is Master::Http::getFlags (src/master/http.cpp): the JSON
// object /flags renders (Master::Http::__flags) evolved into GetFlags, one
// Flag per key in the object's (name) order (evolve<GET_FLAGS> in
// src/internal/evolve.cpp). Both surfaces read masterFlagsLocked.
func (m *master) getFlagsLocked() *masterpb.Response {
	fl := m.masterFlagsLocked()
	out := &masterpb.Response_GetFlags{Flags: make([]*mesosproto.Flag, 0, len(fl))}
	for _, f := range fl {
		out.Flags = append(out.Flags, &mesosproto.Flag{Name: proto.String(f.name), Value: proto.String(f.value)})
	}
	return &masterpb.Response{Type: masterpb.Response_GET_FLAGS.Enum(), GetFlags: out}
}

// getMetricsLocked is Master::Http::getMetrics (src/master/http.cpp): the
// snapshot /metrics/snapshot serves (process::metrics::snapshot, a map
// ordered by name) as GetMetrics, one Metric per entry
// (serializeGetMetrics / jsonifyGetMetrics in src/common/http.hpp). The
// call's timeout only bounds gauges that answer late; the fake's answer at
// once. Both surfaces read metricsLocked.
func (m *master) getMetricsLocked() *masterpb.Response {
	ms := m.metricsLocked()
	return &masterpb.Response{Type: masterpb.Response_GET_METRICS.Enum(), GetMetrics: &masterpb.Response_GetMetrics{Metrics: metricsProto(ms)}}
}

// metricsProto converts a snapshot into v1 Metrics, in its order.
func metricsProto(ms []metric) []*mesosproto.Metric {
	out := make([]*mesosproto.Metric, 0, len(ms))
	for _, mt := range ms {
		out = append(out, &mesosproto.Metric{Name: proto.String(mt.name), Value: proto.Float64(mt.value)})
	}
	return out
}
