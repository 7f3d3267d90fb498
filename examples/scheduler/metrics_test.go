// SPDX-License-Identifier: Apache-2.0

package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// syncBuffer is an io.Writer safe for the example and the test to share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestMetricsEndpoint runs the example with -metrics and scrapes http://ADDR/metrics while the tasks run: the
// text parses as Prometheus's exposition format and carries the scheduler's counters with their labels.
func TestMetricsEndpoint(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var out, errOut syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"-metrics", "127.0.0.1:0", "-tasks", "2", "-cmd", "sleep 30"}, &out, &errOut)
	}()
	defer func() {
		cancel()
		<-done
	}()

	addr := regexp.MustCompile(`metrics at (http://\S+/metrics)`)
	want := []string{
		`mesoskit_scheduler_events_total{mesos_event_type="SUBSCRIBED"`,
		`mesoskit_scheduler_status_updates_total{mesos_task_state="TASK_RUNNING"`,
		`mesoskit_scheduler_connected_ratio{`,
		`mesoskit_scheduler_calls_total{http_status_class="2xx",mesos_call_type="ACCEPT"`,
		`mesoskit_scheduler_call_duration_seconds_bucket{`,
	}
	deadline := time.Now().Add(50 * time.Second)
	var body string
	for {
		if m := addr.FindStringSubmatch(out.String()); m != nil {
			body = scrape(t, m[1])
			if hasAll(body, want) {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("metrics never showed %q; last scrape:\n%s\nstdout:\n%s\nstderr:\n%s", want, body, out.String(), errOut.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	families, err := p.TextToMetricFamilies(strings.NewReader(body))
	if err != nil {
		t.Fatalf("the endpoint's text does not parse: %v", err)
	}
	if f := families["mesoskit_scheduler_connected_ratio"]; f == nil || f.GetMetric()[0].GetGauge().GetValue() != 1 {
		t.Errorf("mesoskit_scheduler_connected_ratio = %v, want 1", f)
	}
}

func scrape(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %v", url, resp.StatusCode, err)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Errorf("Content-Type %q, want Prometheus text", ct)
	}
	return string(b)
}

func hasAll(body string, want []string) bool {
	for _, w := range want {
		if !strings.Contains(body, w) {
			return false
		}
	}
	return true
}
