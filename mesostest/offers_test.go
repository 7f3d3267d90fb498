// SPDX-License-Identifier: Apache-2.0

//lint:file-ignore SA1019 tests check the deprecated role fields Mesos still sends and reads

package mesostest

import (
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/schedulerpb"
)

func declineCall(o *mesosproto.Offer, filters *mesosproto.Filters) *schedulerpb.Call {
	return &schedulerpb.Call{Type: schedulerpb.Call_DECLINE.Enum(), Decline: &schedulerpb.Call_Decline{
		OfferIds: []*mesosproto.OfferID{o.GetId()}, Filters: filters}}
}

func TestDeclineFiltersAndRevive(t *testing.T) {
	srv := newServer(t)
	c := newClient(t, srv, codecs[0])
	s := c.subscribe(frameworkInfo("decline"))

	// refuse_seconds 0: no filter, offered again at the next allocation.
	o := s.offers()[0]
	s.mustCall(declineCall(o, &mesosproto.Filters{RefuseSeconds: proto.Float64(0)}), 202)
	o2 := s.offers()[0]
	if o2.GetId().GetValue() == o.GetId().GetValue() {
		t.Fatal("same offer id twice")
	}

	// No filters: the default 5 s filter. Nothing is offered for many
	// allocation intervals (20 ms each) ...
	s.mustCall(declineCall(o2, nil), 202)
	s.quiet(200 * time.Millisecond)
	// ... until REVIVE clears the filters.
	s.mustCall(&schedulerpb.Call{Type: schedulerpb.Call_REVIVE.Enum()}, 202)
	o3 := s.offers()[0]

	// Declining an unknown offer is ignored (202).
	s.mustCall(declineCall(&mesosproto.Offer{Id: &mesosproto.OfferID{Value: proto.String("nope")}}, nil), 202)

	// SUPPRESS stops offers without rescinding the outstanding one.
	s.mustCall(&schedulerpb.Call{Type: schedulerpb.Call_SUPPRESS.Enum()}, 202)
	s.mustCall(declineCall(o3, &mesosproto.Filters{RefuseSeconds: proto.Float64(0)}), 202)
	s.quiet(150 * time.Millisecond)
	// A REVIVE naming a role the framework does not have is dropped whole.
	s.mustCall(&schedulerpb.Call{Type: schedulerpb.Call_REVIVE.Enum(), Revive: &schedulerpb.Call_Revive{Roles: []string{"*", "other"}}}, 202)
	s.quiet(100 * time.Millisecond)
	s.mustCall(&schedulerpb.Call{Type: schedulerpb.Call_REVIVE.Enum(), Revive: &schedulerpb.Call_Revive{Roles: []string{"*"}}}, 202)
	s.offers()
}

// The refusal filter covers only what was refused: more free resources on
// the agent are offered again.
func TestAcceptDeclinesUnusedWithFilters(t *testing.T) {
	srv := newServer(t)
	c := newClient(t, srv, codecs[1])
	s := c.subscribe(frameworkInfo("unused"))
	o := s.offers()[0]
	s.mustCall(launchCall(o, &mesosproto.Filters{RefuseSeconds: proto.Float64(3600)}, shellTask("a", o, "sleep 30")), 202)
	if _, err := srv.WaitTask(testCtx(t), "a", mesosproto.TaskState_TASK_RUNNING); err != nil {
		t.Fatal(err)
	}
	s.noOffers(150 * time.Millisecond)
	// Killing the task frees its resources: the free set now exceeds what was refused.
	s.mustCall(&schedulerpb.Call{Type: schedulerpb.Call_KILL.Enum(), Kill: &schedulerpb.Call_Kill{TaskId: &mesosproto.TaskID{Value: proto.String("a")}}}, 202)
	o2 := s.nextSkip(schedulerpb.Event_OFFERS).GetOffers().GetOffers()[0]
	if cpus := findScalar(o2, "cpus"); cpus != 4 {
		t.Errorf("re-offered %v cpus", cpus)
	}
}

func findScalar(o *mesosproto.Offer, name string) float64 {
	var v float64
	for _, r := range o.GetResources() {
		if r.GetName() == name {
			v += r.GetScalar().GetValue()
		}
	}
	return v
}

func TestInvalidOffers(t *testing.T) {
	srv := newServer(t)
	for _, aware := range []bool{false, true} {
		c := newClient(t, srv, codecs[0])
		fi := frameworkInfo("invalid")
		want := mesosproto.TaskState_TASK_LOST
		if aware {
			fi.Capabilities = []*mesosproto.FrameworkInfo_Capability{{Type: mesosproto.FrameworkInfo_Capability_PARTITION_AWARE.Enum()}}
			want = mesosproto.TaskState_TASK_DROPPED
		}
		s := c.subscribe(fi)
		o := s.offers()[0]
		stale := proto.Clone(o).(*mesosproto.Offer)
		stale.Id = &mesosproto.OfferID{Value: proto.String("stale")}
		s.mustCall(launchCall(stale, nil, shellTask("t-lost", o, "true")), 202)
		st := s.update("t-lost", want)
		if st.GetReason() != mesosproto.TaskStatus_REASON_INVALID_OFFERS || st.GetSource() != mesosproto.TaskStatus_SOURCE_MASTER ||
			st.Uuid != nil || st.GetMessage() != "Task launched with invalid offers: Offer stale is no longer valid" {
			t.Errorf("update %v", st)
		}
		// The valid offer is still usable; a TASK_ERROR for an invalid task.
		bad := shellTask("t-err", o, "true")
		bad.Resources = []*mesosproto.Resource{scalar("cpus", 400)}
		s.mustCall(launchCall(o, nil, bad), 202)
		st = s.update("t-err", mesosproto.TaskState_TASK_ERROR)
		if st.GetReason() != mesosproto.TaskStatus_REASON_TASK_INVALID || st.Uuid != nil ||
			!strings.HasPrefix(st.GetMessage(), "Total resources cpus(allocated: *):400 required by task and its executor is more than available cpus(allocated: *):4; mem(allocated: *):4096") {
			t.Errorf("update %v", st)
		}
		// Offers already used are no longer valid.
		s.mustCall(launchCall(o, nil, shellTask("t-reuse", o, "true")), 202)
		if st := s.update("t-reuse", want); !strings.HasSuffix(st.GetMessage(), "is no longer valid") {
			t.Errorf("update %v", st)
		}
		s.mustCall(&schedulerpb.Call{Type: schedulerpb.Call_TEARDOWN.Enum()}, 202)
	}
}

func TestMultiRoleOffersAndReservations(t *testing.T) {
	srv := newServer(t, WithAgent(AgentConfig{Resources: "cpus:2;mem:512;cpus(web):1;mem(web):128", Attributes: "rack:r1;level:3"}))
	c := newClient(t, srv, codecs[0])
	fi := frameworkInfo("multi")
	fi.Capabilities = []*mesosproto.FrameworkInfo_Capability{{Type: mesosproto.FrameworkInfo_Capability_MULTI_ROLE.Enum()}}
	fi.Roles = []string{"web"}
	s := c.subscribe(fi)
	o := s.offers()[0]
	if o.GetAllocationInfo().GetRole() != "web" {
		t.Errorf("allocation_info %v", o.GetAllocationInfo())
	}
	roles := map[string]float64{}
	for _, r := range o.GetResources() {
		if r.GetAllocationInfo().GetRole() != "web" {
			t.Errorf("resource without allocation_info: %v", r)
		}
		if r.GetName() == "cpus" {
			roles[r.GetRole()] += r.GetScalar().GetValue()
		}
	}
	if roles["*"] != 2 || roles["web"] != 1 {
		t.Errorf("cpus by role %v", roles)
	}
	if len(o.GetAttributes()) != 2 || o.GetAttributes()[0].GetText().GetValue() != "r1" || o.GetAttributes()[1].GetScalar().GetValue() != 3 {
		t.Errorf("attributes %v", o.GetAttributes())
	}

	// A framework with role "*" only sees the unreserved resources.
	s2 := newClient(t, srv, codecs[1]).subscribe(frameworkInfo("star"))
	s.mustCall(declineCall(o, &mesosproto.Filters{RefuseSeconds: proto.Float64(3600)}), 202)
	o2 := s2.offers()[0]
	if findScalar(o2, "cpus") != 2 || o2.AllocationInfo != nil {
		t.Errorf("offer to role *: %v", o2)
	}
}

func TestRescind(t *testing.T) {
	srv := newServer(t)
	c := newClient(t, srv, codecs[1])
	s := c.subscribe(frameworkInfo("rescind"))
	o := s.offers()[0]
	if err := srv.Rescind(o.GetId().GetValue()); err != nil {
		t.Fatal(err)
	}
	ev := s.next(schedulerpb.Event_RESCIND)
	if ev.GetRescind().GetOfferId().GetValue() != o.GetId().GetValue() {
		t.Errorf("rescind %v", ev)
	}
	if err := srv.Rescind(o.GetId().GetValue()); err != ErrUnknownOffer {
		t.Errorf("second rescind: %v", err)
	}
	// Without a filter, the resources come back at the next allocation.
	s.offers()
	if len(srv.Offers()) != 1 {
		t.Errorf("outstanding offers %d", len(srv.Offers()))
	}
}

func TestOfferTimeout(t *testing.T) {
	srv := newServer(t, WithOfferTimeout(50*time.Millisecond))
	s := newClient(t, srv, codecs[0]).subscribe(frameworkInfo("timeout"))
	o := s.offers()[0]
	if id := s.next(schedulerpb.Event_RESCIND).GetRescind().GetOfferId().GetValue(); id != o.GetId().GetValue() {
		t.Errorf("rescinded %s", id)
	}
	s.offers()
}

// Re-subscription discards outstanding offers without RESCIND.
func TestResubscribeDiscardsOffers(t *testing.T) {
	srv := newServer(t, WithAllocationInterval(time.Hour))
	c := newClient(t, srv, codecs[0])
	fi := frameworkInfo("discard")
	fi.FailoverTimeout = proto.Float64(60)
	s := c.subscribe(fi)
	o := s.offers()[0]
	s2 := c.subscribe(fi2(fi, s.fwID))
	evs, _ := s.waitEnd()
	for _, ev := range evs {
		if ev.GetType() == schedulerpb.Event_RESCIND {
			t.Errorf("RESCIND on re-subscription")
		}
	}
	// The resources are offered again on the new stream (event-driven allocation).
	o2 := s2.offers()[0]
	if o2.GetId().GetValue() == o.GetId().GetValue() {
		t.Error("old offer re-sent")
	}
	s2.mustCall(launchCall(o, nil, shellTask("x", o, "true")), 202)
	if st := s2.update("x", mesosproto.TaskState_TASK_LOST); st.GetReason() != mesosproto.TaskStatus_REASON_INVALID_OFFERS {
		t.Errorf("update %v", st)
	}
}
