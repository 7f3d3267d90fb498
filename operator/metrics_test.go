// SPDX-License-Identifier: Apache-2.0

package operator_test

import (
	"testing"

	"github.com/mesoskit/mesoskit/internal/telemetry/telemetrytest"
	"github.com/mesoskit/mesoskit/mesosproto/masterpb"
	"github.com/mesoskit/mesoskit/operator"
)

// Calls are counted by type and outcome, with their duration, against a
// mesostest master.
func TestMetricsCalls(t *testing.T) {
	forEachCodec(t, func(t *testing.T, ct string) {
		mr := telemetrytest.New(t)
		srv := newCluster(t)
		m := newMaster(t, srv.URL(), operator.WithContentType(ct), operator.WithMeterProvider(mr.Provider))
		ctx := ctxT(t)
		if ok, err := m.GetHealth(ctx); err != nil || !ok {
			t.Fatalf("GetHealth = %v, %v", ok, err)
		}
		ok := map[string]string{"mesos.call.type": "GET_HEALTH", "http.status_class": "2xx"}
		if n := mr.Int("mesoskit.operator.calls", ok); n != 1 {
			t.Errorf("calls{GET_HEALTH,2xx} = %d, want 1", n)
		}
		if n, sum := mr.Hist("mesoskit.operator.call.duration", ok); n != 1 || sum <= 0 {
			t.Errorf("call.duration{GET_HEALTH}: %d values (sum %v s), want 1 > 0", n, sum)
		}
		// Mesos answers an UNKNOWN call 501 Not Implemented.
		if _, err := m.Do(ctx, &masterpb.Call{Type: masterpb.Call_UNKNOWN.Enum()}); err == nil {
			t.Fatal("Do(UNKNOWN) succeeded")
		}
		bad := map[string]string{"mesos.call.type": "UNKNOWN", "http.status_class": "5xx", "error.type": "http_status"}
		if n := mr.Int("mesoskit.operator.calls", bad); n != 1 {
			t.Errorf("calls{UNKNOWN,5xx} = %d, want 1", n)
		}
	})
}
