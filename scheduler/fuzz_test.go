// SPDX-License-Identifier: Apache-2.0

package scheduler_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/zap"
	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/internal/httpapi"
	"github.com/mesoskit/mesoskit/internal/recordio"
	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/schedulerpb"
	"github.com/mesoskit/mesoskit/scheduler"
)

// fuzzStreamID is the Mesos-Stream-Id of the fuzzed subscription.
const fuzzStreamID = "2bd0f2b0-6b5f-4bd2-8f6c-3c3f6f3b6a11"

// recordsOf encodes events as a RecordIO stream in codec.
func recordsOf(tb testing.TB, codec httpapi.Codec, evs ...*schedulerpb.Event) []byte {
	var buf bytes.Buffer
	w := recordio.NewWriter(&buf)
	for _, ev := range evs {
		b, err := codec.Marshal(ev)
		if err != nil {
			tb.Fatal(err)
		}
		if err := w.WriteFrame(b); err != nil {
			tb.Fatal(err)
		}
	}
	return buf.Bytes()
}

func fuzzSubscribed() *schedulerpb.Event {
	return &schedulerpb.Event{Type: schedulerpb.Event_SUBSCRIBED.Enum(), Subscribed: &schedulerpb.Event_Subscribed{
		FrameworkId:              &mesosproto.FrameworkID{Value: proto.String("fuzz-0000")},
		HeartbeatIntervalSeconds: proto.Float64(15),
	}}
}

// FuzzSubscribeStream feeds arbitrary bytes, after a valid SUBSCRIBED
// record, as the body of a SUBSCRIBE response to a Client, in either
// content type, with a handler that takes compact offers (Callbacks: OFFERS
// decoded straight into []Offer) or a raw one (raw: offers as messages).
// Whatever the bytes, Run must neither panic nor hang: it decodes what it
// can, dispatches it with the defaults (decline, acknowledge), and
// resubscribes or returns an error when the stream is unusable.
func FuzzSubscribeStream(f *testing.F) {
	offer := &mesosproto.Offer{
		Id:          &mesosproto.OfferID{Value: proto.String("o1")},
		FrameworkId: &mesosproto.FrameworkID{Value: proto.String("fuzz-0000")},
		AgentId:     &mesosproto.AgentID{Value: proto.String("a1")},
		Hostname:    proto.String("h"),
		Resources:   []*mesosproto.Resource{scheduler.Scalar("cpus", 1), scheduler.Ranges("ports", [2]uint64{31000, 31009})},
		Attributes: []*mesosproto.Attribute{{Name: proto.String("rack"), Type: mesosproto.Value_TEXT.Enum(),
			Text: &mesosproto.Value_Text{Value: proto.String("r1")}}},
	}
	update := &mesosproto.TaskStatus{
		TaskId:  &mesosproto.TaskID{Value: proto.String("t1")},
		State:   mesosproto.TaskState_TASK_RUNNING.Enum(),
		AgentId: offer.AgentId,
		Uuid:    bytes.Repeat([]byte{0x41}, 16),
	}
	events := []*schedulerpb.Event{
		{Type: schedulerpb.Event_HEARTBEAT.Enum()},
		{Type: schedulerpb.Event_OFFERS.Enum(), Offers: &schedulerpb.Event_Offers{Offers: []*mesosproto.Offer{offer}}},
		{Type: schedulerpb.Event_UPDATE.Enum(), Update: &schedulerpb.Event_Update{Status: update}},
		{Type: schedulerpb.Event_UPDATE_OPERATION_STATUS.Enum(), UpdateOperationStatus: &schedulerpb.Event_UpdateOperationStatus{
			Status: &mesosproto.OperationStatus{State: mesosproto.OperationState_OPERATION_FINISHED.Enum(),
				OperationId: &mesosproto.OperationID{Value: proto.String("op")}, AgentId: offer.AgentId,
				Uuid: &mesosproto.UUID{Value: bytes.Repeat([]byte{0x42}, 16)}}}},
		{Type: schedulerpb.Event_RESCIND.Enum(), Rescind: &schedulerpb.Event_Rescind{OfferId: offer.Id}},
		{Type: schedulerpb.Event_SUBSCRIBED.Enum()},
		{},
	}
	for _, codec := range []httpapi.Codec{httpapi.Protobuf, httpapi.JSON} {
		json := codec == httpapi.JSON
		all := recordsOf(f, codec, events...)
		for _, raw := range []bool{false, true} {
			f.Add(json, raw, all)
			f.Add(json, raw, all[:len(all)/2])
		}
		f.Add(json, false, recordsOf(f, codec, &schedulerpb.Event{Type: schedulerpb.Event_ERROR.Enum(), Error: &schedulerpb.Event_Error{Message: proto.String("bye")}}))
		f.Add(json, false, []byte("99999999999\n{"))
		f.Add(json, false, []byte("3\n\xff\xff\xff5\n{\"a\":"))
	}
	f.Add(true, false, []byte(`17`+"\n"+`{"type":Infinity}`))

	f.Fuzz(func(t *testing.T, json, raw bool, body []byte) {
		codec := httpapi.Protobuf
		if json {
			codec = httpapi.JSON
		}
		head := recordsOf(t, codec, fuzzSubscribed())
		var subscribes atomic.Int64
		resubscribed := make(chan struct{})
		var once sync.Once
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get(httpapi.HeaderStreamID) != "" {
				w.WriteHeader(http.StatusAccepted) // a call: DECLINE, ACKNOWLEDGE, ...
				return
			}
			if subscribes.Add(1) > 1 {
				once.Do(func() { close(resubscribed) })
				w.WriteHeader(http.StatusServiceUnavailable)
				return
			}
			w.Header().Set(httpapi.HeaderContentType, codec.MediaType())
			w.Header().Set(httpapi.HeaderStreamID, fuzzStreamID)
			w.WriteHeader(http.StatusOK)
			_, _ = w.Write(head)
			_, _ = w.Write(body)
		}))
		defer srv.Close()

		c, err := scheduler.New(&mesosproto.FrameworkInfo{User: proto.String("u"), Name: proto.String("fuzz")},
			scheduler.WithMaster(srv.URL), scheduler.WithContentType(codec.MediaType()),
			scheduler.WithBackoff(time.Millisecond, 5*time.Millisecond), scheduler.WithMaxFrameSize(1<<16),
			scheduler.WithCallTimeout(2*time.Second), scheduler.WithLogger(zap.NewNop()))
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		done := make(chan error, 1)
		var h scheduler.Handler = scheduler.Callbacks{}
		if raw {
			h = scheduler.HandlerFunc(scheduler.Callbacks{}.HandleEvent)
		}
		go func() { done <- c.Run(ctx, h) }()
		select {
		case err = <-done: // the stream ended Run (an ERROR event, say)
		case <-resubscribed: // the stream was used up: the Client came back
			cancel()
			err = <-done
		case <-time.After(10 * time.Second):
			cancel()
			select {
			case <-done:
			case <-time.After(5 * time.Second):
			}
			t.Fatalf("the Client neither resubscribed nor returned within 10s")
		}
		var ferr *scheduler.FrameworkError
		if err != nil && !errors.As(err, &ferr) && !errors.Is(err, context.Canceled) {
			t.Logf("Run = %v", err)
		}
	})
}
