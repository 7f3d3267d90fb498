// SPDX-License-Identifier: Apache-2.0

package scheduler_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"sync"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/internal/httpapi"
	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/executorpb"
	"github.com/mesoskit/mesoskit/mesosproto/schedulerpb"
	"github.com/mesoskit/mesoskit/mesostest"
	"github.com/mesoskit/mesoskit/scheduler"
)

// eventLog is a Callbacks that hands every event to the test: offers to the
// next queued action (offers no action takes are declined by the Client),
// everything else on channels.
type eventLog struct {
	mu      sync.Mutex
	seen    map[schedulerpb.Event_Type]int
	actions chan func(ctx context.Context, offers []scheduler.Offer) error

	updates       chan *mesosproto.TaskStatus
	opStatuses    chan *mesosproto.OperationStatus
	messages      chan *schedulerpb.Event_Message
	failures      chan *schedulerpb.Event_Failure
	rescinds      chan string
	inverseOffers chan []*mesosproto.InverseOffer
	ioRescinds    chan string
	errs          chan string
}

func newEventLog() *eventLog {
	return &eventLog{
		seen:          map[schedulerpb.Event_Type]int{},
		actions:       make(chan func(context.Context, []scheduler.Offer) error, 1),
		updates:       make(chan *mesosproto.TaskStatus, 100),
		opStatuses:    make(chan *mesosproto.OperationStatus, 100),
		messages:      make(chan *schedulerpb.Event_Message, 10),
		failures:      make(chan *schedulerpb.Event_Failure, 10),
		rescinds:      make(chan string, 10),
		inverseOffers: make(chan []*mesosproto.InverseOffer, 10),
		ioRescinds:    make(chan string, 10),
		errs:          make(chan string, 10),
	}
}

func (l *eventLog) saw(t schedulerpb.Event_Type) {
	l.mu.Lock()
	l.seen[t]++
	l.mu.Unlock()
}

// onOffers queues an action for the next OFFERS event and returns what it
// returned.
func (l *eventLog) onOffers(t *testing.T, f func(ctx context.Context, offers []scheduler.Offer) error) error {
	t.Helper()
	done := make(chan error, 1)
	l.actions <- func(ctx context.Context, offers []scheduler.Offer) error {
		err := f(ctx, offers)
		done <- err
		return nil // a failed call is the test's business, not Run's
	}
	return recv(t, "offer action", done)
}

func (l *eventLog) callbacks() scheduler.Callbacks {
	return scheduler.Callbacks{
		Subscribed: func(context.Context, *schedulerpb.Event_Subscribed) error {
			l.saw(schedulerpb.Event_SUBSCRIBED)
			return nil
		},
		Heartbeat: func(context.Context) error { l.saw(schedulerpb.Event_HEARTBEAT); return nil },
		Offers: func(ctx context.Context, offers []scheduler.Offer) error {
			l.saw(schedulerpb.Event_OFFERS)
			select {
			case a := <-l.actions:
				return a(ctx, offers)
			default:
				return nil
			}
		},
		Rescind: func(_ context.Context, id *mesosproto.OfferID) error {
			l.saw(schedulerpb.Event_RESCIND)
			l.rescinds <- id.GetValue()
			return nil
		},
		Update: func(_ context.Context, st *mesosproto.TaskStatus) error {
			l.saw(schedulerpb.Event_UPDATE)
			l.updates <- st
			return nil
		},
		Message: func(_ context.Context, m *schedulerpb.Event_Message) error {
			l.saw(schedulerpb.Event_MESSAGE)
			l.messages <- m
			return nil
		},
		Failure: func(_ context.Context, f *schedulerpb.Event_Failure) error {
			l.saw(schedulerpb.Event_FAILURE)
			l.failures <- f
			return nil
		},
		Error: func(_ context.Context, msg string) error {
			l.saw(schedulerpb.Event_ERROR)
			l.errs <- msg
			return nil
		},
		InverseOffers: func(_ context.Context, ios []*mesosproto.InverseOffer) error {
			l.saw(schedulerpb.Event_INVERSE_OFFERS)
			l.inverseOffers <- ios
			return nil
		},
		RescindInverseOffer: func(_ context.Context, id *mesosproto.OfferID) error {
			l.saw(schedulerpb.Event_RESCIND_INVERSE_OFFER)
			l.ioRescinds <- id.GetValue()
			return nil
		},
		UpdateOperationStatus: func(_ context.Context, st *mesosproto.OperationStatus) error {
			l.saw(schedulerpb.Event_UPDATE_OPERATION_STATUS)
			l.opStatuses <- st
			return nil
		},
	}
}

// waitUpdate returns the next update of taskID in state, skipping others.
func (l *eventLog) waitUpdate(t *testing.T, taskID string, state mesosproto.TaskState) *mesosproto.TaskStatus {
	t.Helper()
	for {
		st := recv(t, taskID+" "+state.String(), l.updates)
		if st.GetTaskId().GetValue() == taskID && st.GetState() == state {
			return st
		}
	}
}

// fakeExecutor speaks the executor HTTP API to an agent of a mesostest
// cluster, as a custom executor would.
type fakeExecutor struct {
	t      *testing.T
	codec  httpapi.Codec
	url    string
	fw, ex string
	events chan *executorpb.Event
}

func subscribeExecutor(t *testing.T, codec httpapi.Codec, st mesostest.ExecutorStatus) *fakeExecutor {
	t.Helper()
	e := &fakeExecutor{t: t, codec: codec, url: "http://" + st.Endpoint + "/api/v1/executor", fw: st.FrameworkID, ex: st.ExecutorID,
		events: make(chan *executorpb.Event, 100)}
	body := e.encode(&executorpb.Call{Type: executorpb.Call_SUBSCRIBE.Enum(), Subscribe: &executorpb.Call_Subscribe{}})
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, e.url, bytes.NewReader(body))
	req.Header.Set("Content-Type", codec.MediaType())
	req.Header.Set("Accept", codec.MediaType())
	tr := &http.Transport{Proxy: nil}
	resp, err := (&http.Client{Transport: tr}).Do(req)
	if err != nil || resp.StatusCode != http.StatusOK {
		cancel()
		t.Fatalf("executor SUBSCRIBE: %v %v", resp, err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		dec := httpapi.NewDecoder(resp.Body, codec, 0)
		for {
			ev := &executorpb.Event{}
			if err := dec.Decode(ev); err != nil {
				return
			}
			e.events <- ev
		}
	}()
	t.Cleanup(func() {
		cancel()
		resp.Body.Close()
		<-done
		tr.CloseIdleConnections()
	})
	return e
}

func (e *fakeExecutor) encode(c *executorpb.Call) []byte {
	c.FrameworkId = &mesosproto.FrameworkID{Value: proto.String(e.fw)}
	c.ExecutorId = &mesosproto.ExecutorID{Value: proto.String(e.ex)}
	b, err := e.codec.Marshal(c)
	if err != nil {
		e.t.Fatal(err)
	}
	return b
}

func (e *fakeExecutor) call(c *executorpb.Call) {
	e.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, e.url, bytes.NewReader(e.encode(c)))
	req.Header.Set("Content-Type", e.codec.MediaType())
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		e.t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		e.t.Fatalf("executor %v: %d %s", c.GetType(), resp.StatusCode, b)
	}
}

// next returns the next executor event of type want, skipping others.
func (e *fakeExecutor) next(want executorpb.Event_Type) *executorpb.Event {
	e.t.Helper()
	for {
		if ev := recv(e.t, "executor "+want.String(), e.events); ev.GetType() == want {
			return ev
		}
	}
}

var errNoOffer = errors.New("no offer of agent 0")

// Every call type of the v1 scheduler API and every event type, end to end
// against mesostest, in both encodings: the typed methods reach the master
// and are answered 2xx, the Callbacks get every event, operation updates
// with a uuid are acknowledged once and those without never.
func TestEveryCallAndEvent(t *testing.T) {
	forEachCodec(t, func(t *testing.T, ct string) {
		codec, _ := httpapi.CodecFor(ct)
		srv := newServer(t, mesostest.WithAgents(2, "cpus:4;mem:2048;disk:1000"))
		agents := srv.AgentIDs()
		agent0 := &mesosproto.AgentID{Value: proto.String(agents[0])}
		fw := scheduler.NewFrameworkInfo(osUser(), "every",
			scheduler.FrameworkRoles("web"),
			scheduler.FrameworkCapabilities(mesosproto.FrameworkInfo_Capability_PARTITION_AWARE,
				mesosproto.FrameworkInfo_Capability_TASK_KILLING_STATE),
			scheduler.FrameworkFailoverTimeout(time.Minute),
			scheduler.FrameworkPrincipal("every"))
		c := newClient(t, srv, ct, fw, scheduler.WithRefuseSeconds(0))
		l := newEventLog()
		sig := newSignals()
		r := start(t, c, sig.callbacks(l.callbacks()))
		id := recv(t, "SUBSCRIBED", sig.subscribed)
		ctx := context.Background()

		// ACCEPT on agent 0: a reservation with feedback, a command task,
		// a task on a custom executor.
		exInfo := &mesosproto.ExecutorInfo{
			ExecutorId: &mesosproto.ExecutorID{Value: proto.String("ex")},
			Type:       mesosproto.ExecutorInfo_CUSTOM.Enum(),
			Command:    &mesosproto.CommandInfo{Value: proto.String("exec sleep 60")},
		}
		accept := func(ctx context.Context, offers []scheduler.Offer) error {
			for _, o := range offers {
				if o.AgentID != agents[0] {
					continue
				}
				sleeper := scheduler.NewCommandTask("sleeper", o.ProtoAgentID(), "sleep 30", scheduler.Scalar("cpus", 0.1), scheduler.Scalar("mem", 32))
				onExec := scheduler.NewTask("on-ex", scheduler.TaskAgent(o.ProtoAgentID()),
					scheduler.TaskResources(scheduler.Scalar("cpus", 0.1), scheduler.Scalar("mem", 32)))
				onExec.Executor = exInfo
				ops := []*mesosproto.Offer_Operation{
					scheduler.SetOperationID(scheduler.ReserveOperation(
						scheduler.ReserveFor("web", "every", scheduler.Scalar("cpus", 1), scheduler.Scalar("disk", 100))...), "reserve-1"),
					scheduler.LaunchOperation(sleeper, onExec),
				}
				return c.Accept(ctx, []*mesosproto.OfferID{o.ProtoID()}, ops, nil)
			}
			return errNoOffer
		}
		for attempt := 1; ; attempt++ {
			err := l.onOffers(t, accept)
			if err == nil {
				break
			}
			if !errors.Is(err, errNoOffer) || attempt == 50 {
				t.Fatalf("ACCEPT: %v", err)
			}
		}
		st := recv(t, "operation status", l.opStatuses)
		if st.GetState() != mesosproto.OperationState_OPERATION_FINISHED || st.GetOperationId().GetValue() != "reserve-1" || len(st.GetUuid().GetValue()) != 16 {
			t.Fatalf("operation status %v", st)
		}
		// Acknowledged automatically, with the uuid bytes and the agent id.
		eventually(t, "operation acknowledged", func() bool { _, ok := srv.Operation(id, "reserve-1"); return !ok })
		acks := callsOf(srv, schedulerpb.Call_ACKNOWLEDGE_OPERATION_STATUS)
		if len(acks) != 1 || acks[0].Status != http.StatusAccepted ||
			!bytes.Equal(acks[0].Call.GetAcknowledgeOperationStatus().GetUuid(), st.GetUuid().GetValue()) ||
			acks[0].Call.GetAcknowledgeOperationStatus().GetAgentId().GetValue() != agents[0] ||
			acks[0].Call.GetAcknowledgeOperationStatus().GetOperationId().GetValue() != "reserve-1" {
			t.Fatalf("ACKNOWLEDGE_OPERATION_STATUS calls %+v", acks)
		}
		l.waitUpdate(t, "sleeper", mesosproto.TaskState_TASK_RUNNING)

		// RECONCILE_OPERATIONS: the acknowledged operation is unknown now;
		// the answer has no uuid and is not acknowledged.
		if err := c.ReconcileOperations(ctx, &schedulerpb.Call_ReconcileOperations_Operation{
			OperationId: &mesosproto.OperationID{Value: proto.String("reserve-1")}, AgentId: agent0}); err != nil {
			t.Fatal(err)
		}
		if st := recv(t, "reconciled operation", l.opStatuses); st.GetState() != mesosproto.OperationState_OPERATION_UNKNOWN || st.Uuid != nil {
			t.Fatalf("operation reconciliation %v", st)
		}
		if err := c.ReconcileOperations(ctx); err != nil {
			t.Fatal(err)
		}

		// RECONCILE: an answer without uuid, never acknowledged.
		ackedBefore := len(callsOf(srv, schedulerpb.Call_ACKNOWLEDGE))
		if err := c.Reconcile(ctx, &schedulerpb.Call_Reconcile_Task{TaskId: &mesosproto.TaskID{Value: proto.String("sleeper")}}); err != nil {
			t.Fatal(err)
		}
		if st := l.waitUpdate(t, "sleeper", mesosproto.TaskState_TASK_RUNNING); st.GetReason() != mesosproto.TaskStatus_REASON_RECONCILIATION || st.Uuid != nil {
			t.Fatalf("reconciliation %v", st)
		}

		// MESSAGE both ways and SHUTDOWN through a custom executor.
		exSt, err := srv.WaitExecutor(ctx, id, "ex", func(st mesostest.ExecutorStatus) bool { return st.PID != 0 })
		if err != nil {
			t.Fatal(err)
		}
		ex := subscribeExecutor(t, codec, exSt)
		ex.next(executorpb.Event_SUBSCRIBED)
		ex.call(&executorpb.Call{Type: executorpb.Call_MESSAGE.Enum(), Message: &executorpb.Call_Message{Data: []byte("ping")}})
		if m := recv(t, "MESSAGE", l.messages); string(m.GetData()) != "ping" || m.GetExecutorId().GetValue() != "ex" || m.GetAgentId().GetValue() != agents[0] {
			t.Fatalf("MESSAGE %v", m)
		}
		if err := c.Message(ctx, agent0, exInfo.ExecutorId, []byte("pong")); err != nil {
			t.Fatal(err)
		}
		if d := ex.next(executorpb.Event_MESSAGE).GetMessage().GetData(); string(d) != "pong" {
			t.Fatalf("executor got %q", d)
		}
		if err := c.Shutdown(ctx, exInfo.ExecutorId, agent0); err != nil {
			t.Fatal(err)
		}
		ex.next(executorpb.Event_SHUTDOWN)
		if err := srv.KillExecutor(id, "ex"); err != nil {
			t.Fatal(err)
		}
		if f := recv(t, "FAILURE of the executor", l.failures); f.GetExecutorId().GetValue() != "ex" || f.Status == nil {
			t.Fatalf("FAILURE %v", f)
		}

		// Maintenance: INVERSE_OFFERS, RESCIND_INVERSE_OFFER, both answers.
		maint := time.Now().Add(time.Hour)
		if err := srv.ScheduleMaintenance(agents[0], maint, time.Hour); err != nil {
			t.Fatal(err)
		}
		ios := recv(t, "INVERSE_OFFERS", l.inverseOffers)
		if err := srv.CancelMaintenance(agents[0]); err != nil {
			t.Fatal(err)
		}
		if got := recv(t, "RESCIND_INVERSE_OFFER", l.ioRescinds); got != ios[0].GetId().GetValue() {
			t.Fatalf("rescinded inverse offer %s, want %s", got, ios[0].GetId().GetValue())
		}
		if err := srv.ScheduleMaintenance(agents[0], maint, time.Hour); err != nil {
			t.Fatal(err)
		}
		ios = recv(t, "INVERSE_OFFERS", l.inverseOffers)
		if err := c.DeclineInverseOffers(ctx, []*mesosproto.OfferID{ios[0].GetId()}, &mesosproto.Filters{RefuseSeconds: proto.Float64(0)}); err != nil {
			t.Fatal(err)
		}
		ios = recv(t, "INVERSE_OFFERS after a decline", l.inverseOffers)
		if err := c.AcceptInverseOffers(ctx, []*mesosproto.OfferID{ios[0].GetId()}, nil); err != nil {
			t.Fatal(err)
		}
		eventually(t, "inverse offer accepted", func() bool {
			r := srv.InverseOfferResponses(agents[0])
			return len(r) == 1 && r[0].Accepted && r[0].FrameworkID == id
		})
		if err := srv.CancelMaintenance(agents[0]); err != nil {
			t.Fatal(err)
		}

		// SUPPRESS, REVIVE, REQUEST, UPDATE_FRAMEWORK.
		if err := c.Suppress(ctx, "web"); err != nil {
			t.Fatal(err)
		}
		if st, _ := srv.Framework(id); len(st.SuppressedRoles) != 1 || st.SuppressedRoles[0] != "web" {
			t.Fatalf("suppressed roles %v", st.SuppressedRoles)
		}
		if err := c.Revive(ctx, "web"); err != nil {
			t.Fatal(err)
		}
		if err := c.Request(ctx, &mesosproto.Request{AgentId: agent0, Resources: []*mesosproto.Resource{scheduler.Scalar("cpus", 1)}}); err != nil {
			t.Fatal(err)
		}
		renamed := proto.Clone(fw).(*mesosproto.FrameworkInfo)
		renamed.Name = proto.String("every-renamed")
		if err := c.UpdateFramework(ctx, renamed); err != nil {
			t.Fatal(err)
		}
		if st, _ := srv.Framework(id); st.Info.GetName() != "every-renamed" {
			t.Fatalf("framework name %q after UPDATE_FRAMEWORK", st.Info.GetName())
		}

		// RESCIND of an offer, and an explicit DECLINE.
		// An offer handed to the callback may already be rescinded by the master (the maintenance changes above
		// rescind offers, and that RESCIND can still be queued behind the OFFERS event): try the next OFFERS then.
		var rescinded string
		for attempt := 0; rescinded == ""; attempt++ {
			if attempt == 50 {
				t.Fatal("no offer could be rescinded in 50 OFFERS events")
			}
			if err := l.onOffers(t, func(ctx context.Context, offers []scheduler.Offer) error {
				for i, o := range offers {
					err := srv.Rescind(o.ID)
					if errors.Is(err, mesostest.ErrUnknownOffer) {
						continue
					}
					if err != nil {
						return err
					}
					rescinded = o.ID
					if i+1 < len(offers) {
						return c.Decline(ctx, []*mesosproto.OfferID{offers[i+1].ProtoID()}, &mesosproto.Filters{RefuseSeconds: proto.Float64(0)})
					}
					return nil
				}
				return nil
			}); err != nil {
				t.Fatal(err)
			}
		}
		for got := ""; got != rescinded; {
			got = recv(t, "RESCIND", l.rescinds) // earlier ones come from the maintenance changes
		}

		// KILL: TASK_KILLING (the framework has TASK_KILLING_STATE), then KILLED.
		if err := c.Kill(ctx, &mesosproto.TaskID{Value: proto.String("sleeper")}, agent0, nil); err != nil {
			t.Fatal(err)
		}
		l.waitUpdate(t, "sleeper", mesosproto.TaskState_TASK_KILLING)
		l.waitUpdate(t, "sleeper", mesosproto.TaskState_TASK_KILLED)

		// FAILURE of a lost agent.
		if err := srv.LoseAgent(agents[1]); err != nil {
			t.Fatal(err)
		}
		if f := recv(t, "FAILURE of the agent", l.failures); f.GetAgentId().GetValue() != agents[1] || f.ExecutorId != nil {
			t.Fatalf("FAILURE %v", f)
		}

		// Every update with a uuid was acknowledged exactly once; none without.
		eventually(t, "acknowledgements", func() bool {
			st, _ := srv.Framework(id)
			return st.Acknowledged["sleeper"] == 4 // STARTING, RUNNING, KILLING, KILLED
		})
		st2, _ := srv.Framework(id)
		if len(st2.DuplicateAcks) != 0 {
			t.Errorf("duplicate acknowledgements %v", st2.DuplicateAcks)
		}
		for _, a := range callsOf(srv, schedulerpb.Call_ACKNOWLEDGE)[ackedBefore:] {
			if len(a.Call.GetAcknowledge().GetUuid()) != 16 {
				t.Errorf("ACKNOWLEDGE without a proper uuid: %v", a.Call)
			}
		}
		if n := len(callsOf(srv, schedulerpb.Call_ACKNOWLEDGE_OPERATION_STATUS)); n != 1 {
			t.Errorf("%d ACKNOWLEDGE_OPERATION_STATUS calls, want 1", n)
		}

		// No more calls from the first scheduler: no offers, nothing to
		// acknowledge.
		if err := c.Suppress(ctx); err != nil {
			t.Fatal(err)
		}
		eventually(t, "no outstanding offer", func() bool { st, _ := srv.Framework(id); return st.Offers == 0 })
		before := len(srv.Calls())

		// ERROR: another scheduler takes the framework over; TEARDOWN by it.
		fw2 := proto.Clone(renamed).(*mesosproto.FrameworkInfo)
		fw2.Id = &mesosproto.FrameworkID{Value: proto.String(id)}
		c2 := newClient(t, srv, ct, fw2)
		sig2 := newSignals()
		r2 := start(t, c2, sig2.callbacks(scheduler.Callbacks{}))
		recv(t, "second SUBSCRIBED", sig2.subscribed)
		if msg := recv(t, "ERROR", l.errs); msg != "Framework failed over" {
			t.Fatalf("ERROR %q", msg)
		}
		var ferr *scheduler.FrameworkError
		if err := r.wait(); !errors.As(err, &ferr) {
			t.Fatalf("Run = %v, want *FrameworkError", err)
		}
		if err := c2.Teardown(ctx); err != nil {
			t.Fatal(err)
		}
		if err := r2.wait(); err != nil {
			t.Fatalf("second Run after Teardown = %v", err)
		}

		// Every event type reached the Callbacks, every call type the master.
		l.mu.Lock()
		for typ := schedulerpb.Event_SUBSCRIBED; typ <= schedulerpb.Event_UPDATE_OPERATION_STATUS; typ++ {
			if l.seen[typ] == 0 {
				t.Errorf("no %v event", typ)
			}
		}
		l.mu.Unlock()
		calls := map[schedulerpb.Call_Type]bool{}
		for i, call := range srv.Calls() {
			if i < before && call.Status/100 != 2 {
				t.Errorf("%v answered %d %s", call.Type, call.Status, call.Body)
			}
			calls[call.Type] = true
		}
		for typ := schedulerpb.Call_SUBSCRIBE; typ <= schedulerpb.Call_UPDATE_FRAMEWORK; typ++ {
			if !calls[typ] {
				t.Errorf("no %v call", typ)
			}
		}
	})
}

// An operation update acknowledged by the handler is not acknowledged a
// second time; with WithoutAutoAcknowledge() nothing is acknowledged and
// the agent sends the update again.
func TestOperationStatusAcknowledgement(t *testing.T) {
	forEachCodec(t, func(t *testing.T, ct string) {
		for _, auto := range []bool{true, false} {
			srv := newServer(t, mesostest.WithAgents(1, testAgentConfig), mesostest.WithUpdateRetryInterval(50*time.Millisecond))
			fw := scheduler.NewFrameworkInfo(osUser(), "op-ack", scheduler.FrameworkRoles("web"), scheduler.FrameworkFailoverTimeout(time.Minute))
			var opts []scheduler.Option
			if !auto {
				opts = append(opts, scheduler.WithoutAutoAcknowledge())
			}
			c := newClient(t, srv, ct, fw, opts...)
			statuses := make(chan *mesosproto.OperationStatus, 10)
			reserved := false
			sig := newSignals()
			start(t, c, sig.callbacks(scheduler.Callbacks{
				Offers: func(ctx context.Context, offers []scheduler.Offer) error {
					if reserved {
						return nil
					}
					reserved = true
					op := scheduler.SetOperationID(scheduler.ReserveOperation(scheduler.ReserveFor("web", "", scheduler.Scalar("cpus", 1))...), "r")
					return c.Accept(ctx, []*mesosproto.OfferID{offers[0].ProtoID()}, []*mesosproto.Offer_Operation{op}, nil)
				},
				UpdateOperationStatus: func(ctx context.Context, st *mesosproto.OperationStatus) error {
					statuses <- st
					if auto {
						return c.AcknowledgeOperationStatus(ctx, st)
					}
					return nil
				},
			}))
			id := recv(t, "SUBSCRIBED", sig.subscribed)
			first := recv(t, "operation status", statuses)
			if auto {
				eventually(t, "operation acknowledged", func() bool { _, ok := srv.Operation(id, "r"); return !ok })
				if n := len(callsOf(srv, schedulerpb.Call_ACKNOWLEDGE_OPERATION_STATUS)); n != 1 {
					t.Errorf("%d ACKNOWLEDGE_OPERATION_STATUS calls, want 1", n)
				}
				continue
			}
			again := recv(t, "operation status again", statuses)
			if !bytes.Equal(again.GetUuid().GetValue(), first.GetUuid().GetValue()) {
				t.Errorf("retried with another uuid")
			}
			if n := len(callsOf(srv, schedulerpb.Call_ACKNOWLEDGE_OPERATION_STATUS)); n != 0 {
				t.Errorf("%d ACKNOWLEDGE_OPERATION_STATUS calls with WithoutAutoAcknowledge()", n)
			}
			if err := c.AcknowledgeOperationStatus(context.Background(), &mesosproto.OperationStatus{}); err != nil {
				t.Errorf("AcknowledgeOperationStatus without uuid = %v, want nil (nothing to do)", err)
			}
		}
	})
}
