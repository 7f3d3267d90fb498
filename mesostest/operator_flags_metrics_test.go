// SPDX-License-Identifier: Apache-2.0

package mesostest

import (
	"net/http"
	"strings"
	"testing"

	"github.com/mesoskit/mesoskit/internal/httpapi"
	"github.com/mesoskit/mesoskit/mesosproto/masterpb"
)

// TestOperatorGetFlags: GET_FLAGS is the /flags object evolved into
// GetFlags, one {name, value} per key in name order (Master::Http::getFlags
// in src/master/http.cpp, evolve<GET_FLAGS> in src/internal/evolve.cpp).
func TestOperatorGetFlags(t *testing.T) {
	for _, codec := range codecs {
		t.Run(codecName(codec), func(t *testing.T) {
			srv := newServer(t)
			c := newClient(t, srv, codec)
			flags := getJSON(t, c, http.MethodGet, "/flags")["flags"].(map[string]any)
			resp := c.operator(operatorPath, opCall(masterpb.Call_GET_FLAGS))
			if resp.GetType() != masterpb.Response_GET_FLAGS {
				t.Fatalf("type %v", resp.GetType())
			}
			got := resp.GetGetFlags().GetFlags()
			if len(got) != len(flags) || len(got) == 0 {
				t.Fatalf("%d flags, /flags has %d", len(got), len(flags))
			}
			for i, f := range got {
				if i > 0 && got[i-1].GetName() >= f.GetName() {
					t.Fatalf("flags not in name order: %q before %q", got[i-1].GetName(), f.GetName())
				}
				if flags[f.GetName()] != f.GetValue() {
					t.Fatalf("flag %s = %q, /flags has %v", f.GetName(), f.GetValue(), flags[f.GetName()])
				}
			}
			if codec == httpapi.JSON {
				r := c.operatorRaw(opCall(masterpb.Call_GET_FLAGS))
				if !strings.HasPrefix(r.body, `{"type":"GET_FLAGS","get_flags":{"flags":[{"name":"agent_ping_timeout","value":"15secs"}`) {
					t.Fatalf("JSON body %.120s", r.body)
				}
			}
		})
	}
}

// TestOperatorGetMetrics: GET_METRICS lists the /metrics/snapshot metrics
// as {name, value} in name order, doubles as stout writes them ("0.0") (Master::Http::getMetrics,
// jsonifyGetMetrics in src/common/http.hpp), counting what the cluster has.
func TestOperatorGetMetrics(t *testing.T) {
	for _, codec := range codecs {
		t.Run(codecName(codec), func(t *testing.T) {
			srv := newServer(t, WithAgents(2, ""))
			c := newClient(t, srv, codec)
			snap := getJSON(t, c, http.MethodGet, "/metrics/snapshot")
			// validation::master::call::validate requires get_metrics.
			expect(t, c.operatorRaw(opCall(masterpb.Call_GET_METRICS)), http.StatusBadRequest,
				"Failed to validate master::Call: Expecting 'get_metrics' to be present")
			resp := c.operator(operatorPath, getMetricsCall)
			if resp.GetType() != masterpb.Response_GET_METRICS {
				t.Fatalf("type %v", resp.GetType())
			}
			got := resp.GetGetMetrics().GetMetrics()
			if len(got) != len(snap) {
				t.Fatalf("%d metrics, /metrics/snapshot has %d", len(got), len(snap))
			}
			values := map[string]float64{}
			for i, mt := range got {
				if i > 0 && got[i-1].GetName() >= mt.GetName() {
					t.Fatalf("metrics not in name order: %q before %q", got[i-1].GetName(), mt.GetName())
				}
				if _, ok := snap[mt.GetName()]; !ok {
					t.Fatalf("metric %s not in /metrics/snapshot", mt.GetName())
				}
				values[mt.GetName()] = mt.GetValue()
			}
			if values["master/slaves_active"] != 2 || values["master/elected"] != 1 || values["master/cpus_total"] != snap["master/cpus_total"] {
				t.Fatalf("metrics %v", values)
			}
			if codec == httpapi.JSON {
				r := c.operatorRaw(getMetricsCall)
				if !strings.HasPrefix(r.body, `{"type":"GET_METRICS","get_metrics":{"metrics":[{"name":"master/cpus_percent","value":0.0}`) {
					t.Fatalf("JSON body %.120s", r.body)
				}
			}
		})
	}
}

var getMetricsCall = &masterpb.Call{Type: masterpb.Call_GET_METRICS.Enum(), GetMetrics: &masterpb.Call_GetMetrics{}}
