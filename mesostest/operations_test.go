// SPDX-License-Identifier: Apache-2.0

//lint:file-ignore SA1019 tests check the deprecated role fields Mesos still sends and reads

package mesostest

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/schedulerpb"
)

func opID(id string) *mesosproto.OperationID { return &mesosproto.OperationID{Value: proto.String(id)} }

// reserved is r dynamically reserved for role by principal, in the
// pre-refinement format.
func reserved(r *mesosproto.Resource, role, principal string) *mesosproto.Resource {
	c := proto.Clone(r).(*mesosproto.Resource)
	c.Role = proto.String(role)
	c.Reservation = &mesosproto.Resource_ReservationInfo{Principal: proto.String(principal)}
	return c
}

// volume is r as a persistent volume.
func volume(r *mesosproto.Resource, id, principal string) *mesosproto.Resource {
	c := proto.Clone(r).(*mesosproto.Resource)
	c.Disk = &mesosproto.Resource_DiskInfo{
		Persistence: &mesosproto.Resource_DiskInfo_Persistence{Id: proto.String(id), Principal: proto.String(principal)},
		Volume:      &mesosproto.Volume{ContainerPath: proto.String("data"), Mode: mesosproto.Volume_RW.Enum()},
	}
	return c
}

func acceptOps(o *mesosproto.Offer, ops ...*mesosproto.Offer_Operation) *schedulerpb.Call {
	return &schedulerpb.Call{Type: schedulerpb.Call_ACCEPT.Enum(), Accept: &schedulerpb.Call_Accept{
		OfferIds:   []*mesosproto.OfferID{o.GetId()},
		Operations: ops,
		Filters:    &mesosproto.Filters{RefuseSeconds: proto.Float64(0)},
	}}
}

func reserveOp(id string, rs ...*mesosproto.Resource) *mesosproto.Offer_Operation {
	op := &mesosproto.Offer_Operation{Type: mesosproto.Offer_Operation_RESERVE.Enum(), Reserve: &mesosproto.Offer_Operation_Reserve{Resources: rs}}
	if id != "" {
		op.Id = opID(id)
	}
	return op
}

func opUpdate(s *sub) *mesosproto.OperationStatus {
	s.t.Helper()
	return s.nextSkip(schedulerpb.Event_UPDATE_OPERATION_STATUS).GetUpdateOperationStatus().GetStatus()
}

func ackOp(s *sub, st *mesosproto.OperationStatus) {
	s.t.Helper()
	s.mustCall(&schedulerpb.Call{Type: schedulerpb.Call_ACKNOWLEDGE_OPERATION_STATUS.Enum(),
		AcknowledgeOperationStatus: &schedulerpb.Call_AcknowledgeOperationStatus{
			AgentId: st.GetAgentId(), Uuid: st.GetUuid().GetValue(), OperationId: st.GetOperationId()}}, http.StatusAccepted)
}

// offerWith returns an outstanding offer of s's framework holding a
// resource for which match is true, waiting for one if need be; offers
// that do not match are declined without filter, so that they come back.
func offerWith(s *sub, match func(*mesosproto.Resource) bool) *mesosproto.Offer {
	s.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		for _, o := range s.c.srv.Offers() {
			if o.GetFrameworkId().GetValue() != s.fwID {
				continue
			}
			for _, r := range o.GetResources() {
				if match(r) {
					return o
				}
			}
			s.mustCall(declineCall(o, &mesosproto.Filters{RefuseSeconds: proto.Float64(0)}), http.StatusAccepted)
		}
		time.Sleep(10 * time.Millisecond)
	}
	s.t.Fatal("no matching offer within 10s")
	return nil
}

// reconAnswer returns the next operation status without uuid (an answer to
// RECONCILE_OPERATIONS), skipping retried reliable ones.
func reconAnswer(s *sub) *mesosproto.OperationStatus {
	s.t.Helper()
	for {
		if st := opUpdate(s); st.Uuid == nil {
			return st
		}
	}
}

// A framework reserves, creates a volume, grows and shrinks it, destroys
// it and unreserves, with feedback: one OPERATION_FINISHED per operation,
// with a uuid and the agent id, re-sent until acknowledged; the offers
// show every conversion. RECONCILE_OPERATIONS answers without uuid.
func TestOperationsWithFeedback(t *testing.T) {
	for _, codec := range codecs {
		t.Run(codecName(codec), func(t *testing.T) {
			srv := newServer(t, WithAgents(1, "cpus:4;mem:1024;disk:1000"), WithUpdateRetryInterval(100*time.Millisecond))
			c := newClient(t, srv, codec)
			fi := frameworkInfo("ops")
			fi.Role = proto.String("web")
			fi.Principal = proto.String("ops")
			s := c.subscribe(fi)
			o := s.offers()[0]
			agentID := o.GetAgentId().GetValue()

			// RESERVE with an id: OPERATION_FINISHED, no PENDING first.
			s.mustCall(acceptOps(o, reserveOp("r1", reserved(scalar("cpus", 1), "web", "ops"), reserved(scalar("disk", 300), "web", "ops"))), 202)
			st := opUpdate(s)
			if st.GetState() != mesosproto.OperationState_OPERATION_FINISHED || st.GetOperationId().GetValue() != "r1" ||
				st.GetAgentId().GetValue() != agentID || !validUUIDBytes(st.GetUuid().GetValue()) {
				t.Fatalf("operation status %v", st)
			}
			// Not acknowledged: the agent sends it again, same uuid.
			again := opUpdate(s)
			if !proto.Equal(again, st) {
				t.Fatalf("retried status %v, want %v", again, st)
			}
			if got, ok := srv.Operation(s.fwID, "r1"); !ok || got.GetState() != mesosproto.OperationState_OPERATION_FINISHED {
				t.Fatalf("Operation(r1) = %v, %v", got, ok)
			}
			// Reconciliation: explicit and implicit, without uuid.
			recon := func(ops ...*schedulerpb.Call_ReconcileOperations_Operation) {
				s.mustCall(&schedulerpb.Call{Type: schedulerpb.Call_RECONCILE_OPERATIONS.Enum(),
					ReconcileOperations: &schedulerpb.Call_ReconcileOperations{Operations: ops}}, 202)
			}
			agent := &mesosproto.AgentID{Value: proto.String(agentID)}
			recon(&schedulerpb.Call_ReconcileOperations_Operation{OperationId: opID("r1")})
			if r := reconAnswer(s); r.Uuid != nil || r.GetState() != mesosproto.OperationState_OPERATION_FINISHED || r.GetOperationId().GetValue() != "r1" {
				t.Fatalf("explicit reconciliation %v", r)
			}
			recon()
			if r := reconAnswer(s); r.Uuid != nil || r.GetOperationId().GetValue() != "r1" {
				t.Fatalf("implicit reconciliation %v", r)
			}
			ackOp(s, st)
			if _, ok := srv.Operation(s.fwID, "r1"); ok {
				t.Fatal("operation still tracked after its acknowledgement")
			}
			for _, tc := range []struct {
				op   *schedulerpb.Call_ReconcileOperations_Operation
				want string
			}{
				{&schedulerpb.Call_ReconcileOperations_Operation{OperationId: opID("r1"), AgentId: agent}, "Reconciliation: Operation is unknown"},
				{&schedulerpb.Call_ReconcileOperations_Operation{OperationId: opID("x"), AgentId: &mesosproto.AgentID{Value: proto.String("nope")}},
					"Reconciliation: Both operation and agent are unknown"},
				{&schedulerpb.Call_ReconcileOperations_Operation{OperationId: opID("x")}, "Reconciliation: Operation is unknown and no 'agent_id' was provided"},
			} {
				recon(tc.op)
				if r := reconAnswer(s); r.GetState() != mesosproto.OperationState_OPERATION_UNKNOWN || r.GetMessage() != tc.want || r.Uuid != nil {
					t.Errorf("reconciling %v: %v, want OPERATION_UNKNOWN %q", tc.op, r, tc.want)
				}
			}

			// The reservation shows in the next offer, in the pre-refinement format.
			o = offerWith(s, func(r *mesosproto.Resource) bool { return r.GetName() == "disk" && r.GetRole() == "web" })
			for _, r := range o.GetResources() {
				if r.GetRole() == "web" && (r.GetReservation().GetPrincipal() != "ops" || len(r.GetReservations()) != 0) {
					t.Errorf("reserved resource %v", r)
				}
			}

			// CREATE a volume on the reserved disk, then GROW and SHRINK it.
			vol := volume(reserved(scalar("disk", 100), "web", "ops"), "vol1", "ops")
			s.mustCall(acceptOps(o, &mesosproto.Offer_Operation{Type: mesosproto.Offer_Operation_CREATE.Enum(), Id: opID("c1"),
				Create: &mesosproto.Offer_Operation_Create{Volumes: []*mesosproto.Resource{vol}}}), 202)
			st = opUpdate(s)
			if st.GetState() != mesosproto.OperationState_OPERATION_FINISHED || st.GetOperationId().GetValue() != "c1" {
				t.Fatalf("CREATE: %v", st)
			}
			ackOp(s, st)
			isVol := func(size float64) func(*mesosproto.Resource) bool {
				return func(r *mesosproto.Resource) bool {
					return r.GetDisk().GetPersistence().GetId() == "vol1" && r.GetScalar().GetValue() == size
				}
			}
			o = offerWith(s, isVol(100))
			grow := &mesosproto.Offer_Operation{Type: mesosproto.Offer_Operation_GROW_VOLUME.Enum(), Id: opID("g1"),
				GrowVolume: &mesosproto.Offer_Operation_GrowVolume{Volume: vol, Addition: reserved(scalar("disk", 50), "web", "ops")}}
			s.mustCall(acceptOps(o, grow), 202)
			ackOp(s, opUpdate(s))
			o = offerWith(s, isVol(150))
			grown := volume(reserved(scalar("disk", 150), "web", "ops"), "vol1", "ops")
			shrink := &mesosproto.Offer_Operation{Type: mesosproto.Offer_Operation_SHRINK_VOLUME.Enum(), Id: opID("s1"),
				ShrinkVolume: &mesosproto.Offer_Operation_ShrinkVolume{Volume: grown, Subtract: &mesosproto.Value_Scalar{Value: proto.Float64(120)}}}
			s.mustCall(acceptOps(o, shrink), 202)
			ackOp(s, opUpdate(s))
			o = offerWith(s, isVol(30))
			if reservedDisk := findReserved(o, "disk", "web"); reservedDisk != 300-30 {
				t.Errorf("reserved plain disk %v, want 270", reservedDisk)
			}

			// DESTROY and UNRESERVE: back to where it started.
			small := volume(reserved(scalar("disk", 30), "web", "ops"), "vol1", "ops")
			s.mustCall(acceptOps(o,
				&mesosproto.Offer_Operation{Type: mesosproto.Offer_Operation_DESTROY.Enum(), Id: opID("d1"),
					Destroy: &mesosproto.Offer_Operation_Destroy{Volumes: []*mesosproto.Resource{small}}},
				&mesosproto.Offer_Operation{Type: mesosproto.Offer_Operation_UNRESERVE.Enum(), Id: opID("u1"),
					Unreserve: &mesosproto.Offer_Operation_Unreserve{Resources: []*mesosproto.Resource{
						reserved(scalar("cpus", 1), "web", "ops"), reserved(scalar("disk", 300), "web", "ops")}}},
			), 202)
			for _, want := range []string{"d1", "u1"} {
				st := opUpdate(s)
				if st.GetOperationId().GetValue() != want || st.GetState() != mesosproto.OperationState_OPERATION_FINISHED {
					t.Fatalf("got %v, want %s finished", st, want)
				}
				ackOp(s, st)
			}
			o = offerWith(s, func(r *mesosproto.Resource) bool { return r.GetName() == "disk" && r.GetScalar().GetValue() == 1000 })
			if findReserved(o, "cpus", "web") != 0 || findReserved(o, "disk", "web") != 0 {
				t.Errorf("reservations left: %v", o.GetResources())
			}

			// Invalid operations: OPERATION_ERROR, no uuid, no agent id; the
			// operation has no effect. One without id fails silently.
			for _, tc := range []struct {
				op   *mesosproto.Offer_Operation
				want string
			}{
				{reserveOp("e1", reserved(scalar("cpus", 1), "web", "someone")), "A reserve operation was attempted by authenticated principal 'ops', which does not match a reserved resource in the request with principal 'someone'"},
				{reserveOp("e2", scalar("cpus", 1)), "Resource cpus is not dynamically reserved"},
				{reserveOp("e3", reserved(scalar("cpus", 100), "web", "ops")), "cpus:4; mem:1024; disk:1000; ports:[31000-32000] does not contain cpus:100"},
				{&mesosproto.Offer_Operation{Type: mesosproto.Offer_Operation_DESTROY.Enum(), Id: opID("e4"),
					Destroy: &mesosproto.Offer_Operation_Destroy{Volumes: []*mesosproto.Resource{small}}}, "Persistent volumes not found"},
			} {
				s.mustCall(acceptOps(o, reserveOp("", reserved(scalar("cpus", 1), "web", "nobody")), tc.op), 202)
				st := opUpdate(s)
				if st.GetState() != mesosproto.OperationState_OPERATION_ERROR || st.Uuid != nil || st.AgentId != nil ||
					st.GetOperationId().GetValue() != tc.op.GetId().GetValue() || !strings.Contains(st.GetMessage(), tc.want) {
					t.Errorf("got %v, want OPERATION_ERROR containing %q", st, tc.want)
				}
				o = offerWith(s, func(r *mesosproto.Resource) bool { return r.GetName() == "cpus" && r.GetScalar().GetValue() == 4 })
			}

			// Without id: no feedback at all, but the reservation is made.
			s.mustCall(acceptOps(o, reserveOp("", reserved(scalar("mem", 64), "web", "ops"))), 202)
			offerWith(s, func(r *mesosproto.Resource) bool { return r.GetName() == "mem" && r.GetRole() == "web" })
			if _, ok := srv.Operation(s.fwID, ""); ok {
				t.Error("an operation without id is tracked")
			}
			for _, call := range srv.Calls() {
				if call.Type == schedulerpb.Call_ACKNOWLEDGE_OPERATION_STATUS && call.Status != 202 {
					t.Errorf("ACKNOWLEDGE_OPERATION_STATUS answered %d %s", call.Status, call.Body)
				}
			}
			s.mustCall(&schedulerpb.Call{Type: schedulerpb.Call_TEARDOWN.Enum()}, 202)
		})
	}
}

// findReserved sums the scalar named name reserved for role in o.
func findReserved(o *mesosproto.Offer, name, role string) float64 {
	var v float64
	for _, r := range o.GetResources() {
		if r.GetName() == name && r.GetRole() == role && r.GetDisk() == nil {
			v += r.GetScalar().GetValue()
		}
	}
	return v
}

// An acknowledgement with a uuid that was never sent, or for an unknown
// operation or agent, is accepted (202) and ignored; the right one removes
// the operation.
func TestAcknowledgeOperationIgnoresUnknown(t *testing.T) {
	srv := newServer(t, WithAgents(1, "cpus:2;mem:256"), WithUpdateRetryInterval(time.Hour), WithUpdateRetryMax(time.Hour))
	fi := frameworkInfo("ack")
	fi.Role = proto.String("web")
	s := newClient(t, srv, codecs[1]).subscribe(fi)
	o := s.offers()[0]
	s.mustCall(acceptOps(o, reserveOp("r", reserved(scalar("cpus", 1), "web", "x"))), 202)
	st := opUpdate(s)
	if st.GetState() != mesosproto.OperationState_OPERATION_FINISHED {
		t.Fatalf("RESERVE: %v", st)
	}
	other := newUUIDBytes()
	for _, ack := range []*schedulerpb.Call_AcknowledgeOperationStatus{
		{AgentId: o.GetAgentId(), Uuid: other, OperationId: opID("r")},
		{AgentId: &mesosproto.AgentID{Value: proto.String("nope")}, Uuid: st.GetUuid().GetValue(), OperationId: opID("r")},
		{AgentId: o.GetAgentId(), Uuid: st.GetUuid().GetValue(), OperationId: opID("other")},
	} {
		s.mustCall(&schedulerpb.Call{Type: schedulerpb.Call_ACKNOWLEDGE_OPERATION_STATUS.Enum(), AcknowledgeOperationStatus: ack}, 202)
		if _, ok := srv.Operation(s.fwID, "r"); !ok || bytes.Equal(other, st.GetUuid().GetValue()) {
			t.Fatalf("operation gone after a wrong acknowledgement %v", ack)
		}
	}
	ackOp(s, st)
	if _, ok := srv.Operation(s.fwID, "r"); ok {
		t.Fatal("operation still tracked")
	}
}
