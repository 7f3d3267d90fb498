// SPDX-License-Identifier: Apache-2.0

package discovery_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/mesoskit/mesoskit/discovery"
	"github.com/mesoskit/mesoskit/internal/promtest"
)

// The ServerSet format checked against a real consumer: Prometheus's serverset_sd_configs discovers
// exactly the announced endpoints (with their additional endpoints, status and shard as labels), and drops
// them when they are withdrawn.
func TestPrometheusDiscoversAnnouncements(t *testing.T) {
	zkc := zkServer.Get(t)
	path := basePath(t) + "/services/demo"
	prom := promtest.Start(t, fmt.Sprintf(`
global:
  scrape_interval: 1h
scrape_configs:
  - job_name: demo
    serverset_sd_configs:
      - servers: [%q]
        paths: [%q]
        timeout: 2s
`, zkc.Servers()[0], path))
	ctx := testCtx(t)
	c := newClient(t, zkc)
	shard := 1
	a, err := c.Announce(ctx, path, discovery.Member{
		ServiceEndpoint:     discovery.Endpoint{Host: "127.0.0.1", Port: 1001},
		AdditionalEndpoints: map[string]discovery.Endpoint{"http-admin": {Host: "127.0.0.2", Port: 2001}},
		Shard:               &shard,
	})
	if err != nil {
		t.Fatal(err)
	}
	b, err := c.Announce(ctx, path, endpoint(1002))
	if err != nil {
		t.Fatal(err)
	}
	targets := waitTargets(t, prom, "127.0.0.1:1001", "127.0.0.1:1002")
	for _, tg := range targets {
		if tg.DiscoveredLabels["__address__"] != "127.0.0.1:1001" {
			continue
		}
		want := map[string]string{
			"__meta_serverset_endpoint_host":            "127.0.0.1",
			"__meta_serverset_endpoint_port":            "1001",
			"__meta_serverset_endpoint_host_http_admin": "127.0.0.2",
			"__meta_serverset_endpoint_port_http_admin": "2001",
			"__meta_serverset_status":                   "ALIVE",
			"__meta_serverset_shard":                    "1",
		}
		for k, v := range want {
			if got := tg.DiscoveredLabels[k]; got != v {
				t.Errorf("label %s = %q, want %q (labels %v)", k, got, v, tg.DiscoveredLabels)
			}
		}
	}
	if err := a.Withdraw(); err != nil {
		t.Fatal(err)
	}
	waitTargets(t, prom, "127.0.0.1:1002")
	_ = b.Withdraw()
	waitTargets(t, prom)
}

// waitTargets polls Prometheus until the addresses of its active targets are exactly want.
func waitTargets(t *testing.T, prom *promtest.Server, want ...string) []promtest.Target {
	t.Helper()
	slices.Sort(want)
	ctx := testCtx(t)
	var last []string
	for {
		targets, err := prom.ActiveTargets(ctx)
		if err == nil {
			last = last[:0]
			for _, tg := range targets {
				last = append(last, tg.DiscoveredLabels["__address__"])
			}
			slices.Sort(last)
			if slices.Equal(last, want) {
				return targets
			}
		}
		select {
		case <-ctx.Done():
			t.Fatalf("Prometheus targets %v, want %v (last error %v)", last, want, err)
		case <-time.After(100 * time.Millisecond):
		}
	}
}
