// SPDX-License-Identifier: Apache-2.0

package operator_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/internal/httpapi"
	"github.com/mesoskit/mesoskit/internal/recordio"
	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/masterpb"
	"github.com/mesoskit/mesoskit/operator"
)

// BenchmarkSubscribeTaskUpdated measures how fast Subscribe delivers
// TASK_UPDATED events to a handler: a server writes b.N pre-encoded events
// as fast as the connection takes them (loopback), and the handler counts
// them. Reported as events/s.
func BenchmarkSubscribeTaskUpdated(b *testing.B) {
	for _, ct := range []string{httpapi.MediaTypeProtobuf, httpapi.MediaTypeJSON} {
		b.Run(ct[strings.LastIndex(ct, "/")+1:], func(b *testing.B) { benchSubscribe(b, ct) })
	}
}

func benchSubscribe(b *testing.B, ct string) {
	codec, _ := httpapi.CodecFor(ct)
	frame := func(ev *masterpb.Event) []byte {
		var buf bytes.Buffer
		body, err := codec.Marshal(ev)
		if err != nil {
			b.Fatal(err)
		}
		if err := recordio.NewWriter(&buf).WriteFrame(body); err != nil {
			b.Fatal(err)
		}
		return buf.Bytes()
	}
	sub := frame(&masterpb.Event{Type: masterpb.Event_SUBSCRIBED.Enum(), Subscribed: &masterpb.Event_Subscribed{
		GetState: snapshot(1), HeartbeatIntervalSeconds: proto.Float64(15)}})
	upd := frame(&masterpb.Event{Type: masterpb.Event_TASK_UPDATED.Enum(), TaskUpdated: &masterpb.Event_TaskUpdated{
		FrameworkId: &mesosproto.FrameworkID{Value: proto.String("7f0d2a46-9d5c-4c55-9f39-0c2a4f0b1e2d-0000")},
		State:       mesosproto.TaskState_TASK_RUNNING.Enum(),
		Status: &mesosproto.TaskStatus{
			TaskId:    &mesosproto.TaskID{Value: proto.String("web.4f1e3c2a-5b6d-11ee-8c99-0242ac120002")},
			State:     mesosproto.TaskState_TASK_RUNNING.Enum(),
			AgentId:   &mesosproto.AgentID{Value: proto.String("7f0d2a46-9d5c-4c55-9f39-0c2a4f0b1e2d-S3")},
			Source:    mesosproto.TaskStatus_SOURCE_EXECUTOR.Enum(),
			Timestamp: proto.Float64(1.7e9),
			Uuid:      []byte("0123456789abcdef"),
		},
	}})
	n := b.N
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Read the call, so that the server notices the client leaving.
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", ct)
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(sub)
		fl := w.(http.Flusher)
		batch := bytes.Repeat(upd, 256)
		for sent := 0; sent < n; sent += 256 {
			k := min(256, n-sent)
			if _, err := w.Write(batch[:k*len(upd)]); err != nil {
				return
			}
		}
		fl.Flush()
		<-r.Context().Done()
	}))
	defer srv.Close()
	m, err := operator.NewMaster(strings.TrimPrefix(srv.URL, "http://"), operator.WithContentType(ct))
	if err != nil {
		b.Fatal(err)
	}
	defer m.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	got := 0
	b.SetBytes(int64(len(upd)))
	b.ReportAllocs()
	b.ResetTimer()
	err = m.Subscribe(ctx, operator.HandlerFunc(func(_ context.Context, ev *masterpb.Event) error {
		if ev.GetType() == masterpb.Event_TASK_UPDATED {
			if got++; got == n {
				cancel()
			}
		}
		return nil
	}))
	b.StopTimer()
	if err != nil || got != n {
		b.Fatalf("Subscribe = %v after %d of %d events", err, got, n)
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "events/s")
}
