// SPDX-License-Identifier: Apache-2.0

package mesostest

import (
	"bufio"
	"bytes"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// readRecord reads one RecordIO record.
func readRecord(t *testing.T, r *bufio.Reader) string {
	t.Helper()
	line, err := r.ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	n, err := strconv.Atoi(strings.TrimSuffix(line, "\n"))
	if err != nil {
		t.Fatalf("length %q", line)
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(r, b); err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// The JSON stream as bytes on the wire: RecordIO lengths, Mesos-style
// JSON (proto names, enums as names, nested "offers":{"offers":[...]}).
func TestJSONWireFormat(t *testing.T) {
	for _, split := range []bool{false, true} {
		opts := []Option{WithAgents(1, "cpus:1;mem:128")}
		if split {
			opts = append(opts, WithFrameSplitting())
		}
		srv := newServer(t, opts...)
		body := `{"type":"SUBSCRIBE","subscribe":{"framework_info":{"user":"u","name":"n"}}}`
		req, _ := http.NewRequest(http.MethodPost, srv.URL()+schedulerPath, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/x-protobuf;q=0.9, */*;q=0.1")
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		if resp.Header.Get("Content-Type") != "application/json" {
			t.Errorf("JSON is chosen whenever acceptable: %q", resp.Header.Get("Content-Type"))
		}
		r := bufio.NewReader(resp.Body)
		sub := readRecord(t, r)
		if !strings.HasPrefix(sub, `{"type":"SUBSCRIBED","subscribed":{"framework_id":{"value":"`) ||
			!strings.Contains(sub, `"heartbeat_interval_seconds":0.2`) || !strings.Contains(sub, `"version":"1.12.0"`) {
			t.Errorf("SUBSCRIBED %s", sub)
		}
		if hb := readRecord(t, r); hb != `{"type":"HEARTBEAT"}` {
			t.Errorf("HEARTBEAT %s", hb)
		}
		var offers string
		deadline := time.Now().Add(10 * time.Second)
		for !strings.Contains(offers, "OFFERS") && time.Now().Before(deadline) {
			offers = readRecord(t, r)
		}
		if !strings.HasPrefix(offers, `{"type":"OFFERS","offers":{"offers":[{"id":{"value":"`) ||
			!strings.Contains(offers, `{"name":"cpus","type":"SCALAR","scalar":{"value":1`) || !strings.Contains(offers, `"role":"*"`) ||
			bytes.Contains([]byte(offers), []byte("allocation_info")) {
			t.Errorf("OFFERS %s", offers)
		}
		resp.Body.Close()
	}
}
