// SPDX-License-Identifier: Apache-2.0

package mesostest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/internal/httpapi"
	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/schedulerpb"
)

func lostStatus(taskID, agentID string, uuid []byte) *mesosproto.TaskStatus {
	return &mesosproto.TaskStatus{
		TaskId:  &mesosproto.TaskID{Value: proto.String(taskID)},
		AgentId: &mesosproto.AgentID{Value: proto.String(agentID)},
		State:   mesosproto.TaskState_TASK_LOST.Enum(),
		Source:  mesosproto.TaskStatus_SOURCE_MASTER.Enum(),
		Reason:  mesosproto.TaskStatus_REASON_AGENT_REMOVED.Enum(),
		Uuid:    uuid,
	}
}

func TestSendStatusUpdates(t *testing.T) {
	for _, codec := range []httpapi.Codec{httpapi.Protobuf, httpapi.JSON} {
		t.Run(codecName(codec), func(t *testing.T) {
			srv := newServer(t, WithAgents(0, ""))
			sub := newClient(t, srv, codec).subscribe(frameworkInfo("inject"))

			given := bytes.Repeat([]byte{0x11}, 16)
			given[6] = 0x41
			in := []*mesosproto.TaskStatus{
				lostStatus("t1", "a1", nil),
				lostStatus("t2", "a1", given),
				lostStatus("t3", "a2", nil),
			}
			b, err := srv.SendStatusUpdates(sub.fwID, in...)
			if err != nil {
				t.Fatal(err)
			}
			if in[0].Uuid != nil || in[0].Timestamp != nil {
				t.Fatal("SendStatusUpdates modified its argument")
			}
			if b.Len() != 3 || b.Acknowledged() != 0 || !b.AcknowledgedAt().IsZero() {
				t.Fatalf("fresh batch: len %d, acknowledged %d at %v", b.Len(), b.Acknowledged(), b.AcknowledgedAt())
			}
			var got []*mesosproto.TaskStatus
			for range in {
				st := sub.next(schedulerpb.Event_UPDATE).GetUpdate().GetStatus()
				if !validUUIDBytes(st.GetUuid()) || st.Timestamp == nil {
					t.Fatalf("update %v: want a valid uuid and a timestamp", st)
				}
				got = append(got, st)
			}
			for i, st := range got {
				if st.GetTaskId().GetValue() != in[i].GetTaskId().GetValue() || st.GetState() != mesosproto.TaskState_TASK_LOST ||
					st.GetReason() != mesosproto.TaskStatus_REASON_AGENT_REMOVED {
					t.Fatalf("update %d = %v, want %v", i, st, in[i])
				}
				if !proto.Equal(st, b.Statuses()[i]) {
					t.Fatalf("update %d = %v, Statuses says %v", i, st, b.Statuses()[i])
				}
			}
			if !bytes.Equal(got[1].GetUuid(), given) {
				t.Fatalf("given uuid replaced: %x", got[1].GetUuid())
			}

			// An ACKNOWLEDGE naming another task or agent matches nothing.
			wrong := proto.Clone(got[0]).(*mesosproto.TaskStatus)
			wrong.AgentId = &mesosproto.AgentID{Value: proto.String("a2")}
			sub.ack(wrong)
			sub.ack(got[0])
			sub.ack(got[0]) // a duplicate
			sub.ack(got[2])
			if n := b.Acknowledged(); n != 2 {
				t.Fatalf("Acknowledged = %d, want 2", n)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
			err = b.Wait(ctx)
			cancel()
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("Wait with one update pending: %v", err)
			}
			select {
			case <-b.Done():
				t.Fatal("Done closed with one update pending")
			default:
			}
			sub.ack(got[1])
			if err := b.Wait(testCtx(t)); err != nil {
				t.Fatal(err)
			}
			if b.Acknowledged() != 3 || b.AcknowledgedAt().IsZero() {
				t.Fatalf("after the acks: %d acknowledged at %v", b.Acknowledged(), b.AcknowledgedAt())
			}
			fs, _ := srv.Framework(sub.fwID)
			if fs.Acknowledged["t1"] != 1 || fs.Acknowledged["t2"] != 1 || fs.Acknowledged["t3"] != 1 {
				t.Fatalf("Acknowledged = %v", fs.Acknowledged)
			}
			if fs.DuplicateAcks["t1"] != 2 {
				t.Fatalf("DuplicateAcks = %v, want 2 for t1 (wrong agent, duplicate)", fs.DuplicateAcks)
			}
		})
	}
}

func TestSendStatusUpdatesErrors(t *testing.T) {
	srv := newServer(t, WithAgents(0, ""))
	c := newClient(t, srv, httpapi.Protobuf)
	sub := c.subscribe(frameworkInfo("inject"))

	if _, err := srv.SendStatusUpdates("no-such-framework", lostStatus("t", "a", nil)); !errors.Is(err, ErrNotConnected) {
		t.Fatalf("unknown framework: %v, want ErrNotConnected", err)
	}
	bad := []*mesosproto.TaskStatus{
		{AgentId: &mesosproto.AgentID{Value: proto.String("a")}, State: mesosproto.TaskState_TASK_LOST.Enum()},
		{TaskId: &mesosproto.TaskID{Value: proto.String("t")}, AgentId: &mesosproto.AgentID{Value: proto.String("a")}},
		{TaskId: &mesosproto.TaskID{Value: proto.String("t")}, State: mesosproto.TaskState_TASK_LOST.Enum()},
		lostStatus("t", "a", []byte("short")),
		{TaskId: &mesosproto.TaskID{Value: proto.String("t")}, AgentId: &mesosproto.AgentID{Value: proto.String("a")},
			State: mesosproto.TaskState(99).Enum()}, // not a TaskState: the client would decode no state
	}
	for i, st := range bad {
		if _, err := srv.SendStatusUpdates(sub.fwID, lostStatus("ok", "a", nil), st); err == nil {
			t.Fatalf("bad status %d accepted", i)
		}
	}
	u := newUUIDBytes()
	if _, err := srv.SendStatusUpdates(sub.fwID, lostStatus("t1", "a", u), lostStatus("t2", "a", u)); err == nil {
		t.Fatal("repeated uuid accepted")
	}
	if _, err := srv.SendStatusUpdates(sub.fwID, lostStatus("t1", "a", u)); err != nil {
		t.Fatal(err)
	}
	if _, err := srv.SendStatusUpdates(sub.fwID, lostStatus("t2", "a", u)); err == nil {
		t.Fatal("uuid already pending accepted")
	}
	// Only the one valid batch reached the stream.
	if st := sub.next(schedulerpb.Event_UPDATE).GetUpdate().GetStatus(); st.GetTaskId().GetValue() != "t1" {
		t.Fatalf("update %v, want t1", st)
	}
	sub.quiet(100 * time.Millisecond)

	b, err := srv.SendStatusUpdates(sub.fwID)
	if err != nil || b.Wait(testCtx(t)) != nil {
		t.Fatalf("empty batch: %v", err)
	}

	// The ACKNOWLEDGE of an injected update is validated like any other.
	r := sub.call(&schedulerpb.Call{Type: schedulerpb.Call_ACKNOWLEDGE.Enum(), Acknowledge: &schedulerpb.Call_Acknowledge{
		AgentId: &mesosproto.AgentID{Value: proto.String("a")}, TaskId: &mesosproto.TaskID{Value: proto.String("t1")}, Uuid: []byte("short")}})
	if r.status != http.StatusBadRequest {
		t.Fatalf("invalid uuid: %d %q", r.status, r.body)
	}

	pending, err := srv.SendStatusUpdates(sub.fwID, lostStatus("t3", "a", nil))
	if err != nil {
		t.Fatal(err)
	}
	srv.Close()
	if err := pending.Wait(testCtx(t)); !errors.Is(err, ErrClosed) {
		t.Fatalf("Wait after Close: %v, want ErrClosed", err)
	}
	if _, err := srv.SendStatusUpdates(sub.fwID, lostStatus("t4", "a", nil)); !errors.Is(err, ErrClosed) {
		t.Fatalf("after Close: %v, want ErrClosed", err)
	}
}

// TestSendStatusUpdatesBurst acknowledges a burst from several goroutines.
func TestSendStatusUpdatesBurst(t *testing.T) {
	srv := newServer(t, WithAgents(0, ""), WithoutHistory())
	sub := newClient(t, srv, httpapi.Protobuf).subscribe(frameworkInfo("burst"))
	const n = 500
	in := make([]*mesosproto.TaskStatus, n)
	for i := range in {
		in[i] = lostStatus(fmt.Sprintf("task-%d", i), "agent", nil)
	}
	b, err := srv.SendStatusUpdates(sub.fwID, in...)
	if err != nil {
		t.Fatal(err)
	}
	work := make(chan *mesosproto.TaskStatus)
	done := make(chan struct{})
	for range 4 {
		go func() {
			defer func() { done <- struct{}{} }()
			for st := range work {
				r := sub.call(&schedulerpb.Call{Type: schedulerpb.Call_ACKNOWLEDGE.Enum(), Acknowledge: &schedulerpb.Call_Acknowledge{
					AgentId: st.GetAgentId(), TaskId: st.GetTaskId(), Uuid: st.GetUuid()}})
				if r.status != http.StatusAccepted {
					t.Errorf("ACKNOWLEDGE: %d %q", r.status, r.body)
				}
			}
		}()
	}
	for range n {
		work <- sub.next(schedulerpb.Event_UPDATE).GetUpdate().GetStatus()
	}
	close(work)
	for range 4 {
		<-done
	}
	if err := b.Wait(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	if fs, _ := srv.Framework(sub.fwID); len(fs.Acknowledged) != n || len(fs.DuplicateAcks) != 0 {
		t.Fatalf("Acknowledged %d tasks, DuplicateAcks %v", len(fs.Acknowledged), fs.DuplicateAcks)
	}
}
