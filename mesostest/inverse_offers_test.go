// SPDX-License-Identifier: Apache-2.0

package mesostest

import (
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/schedulerpb"
)

func inverseAnswer(typ schedulerpb.Call_Type, io *mesosproto.InverseOffer, filters *mesosproto.Filters) *schedulerpb.Call {
	ids := []*mesosproto.OfferID{io.GetId()}
	c := &schedulerpb.Call{Type: typ.Enum()}
	if typ == schedulerpb.Call_ACCEPT_INVERSE_OFFERS {
		c.AcceptInverseOffers = &schedulerpb.Call_AcceptInverseOffers{InverseOfferIds: ids, Filters: filters}
	} else {
		c.DeclineInverseOffers = &schedulerpb.Call_DeclineInverseOffers{InverseOfferIds: ids, Filters: filters}
	}
	return c
}

// noEvent asserts that no event of type typ arrives within d.
func (s *sub) noEvent(typ schedulerpb.Event_Type, d time.Duration) {
	s.t.Helper()
	deadline := time.After(d)
	for {
		select {
		case ev, ok := <-s.events:
			if !ok {
				return
			}
			if ev.GetType() == typ {
				s.t.Fatalf("unexpected %v: %v", typ, ev)
			}
		case <-deadline:
			return
		}
	}
}

// Maintenance: inverse offers go to the frameworks using the agent, offers
// carry the unavailability, answers are recorded and filter, and
// cancelling the schedule rescinds what is outstanding.
func TestInverseOffers(t *testing.T) {
	for _, codec := range codecs {
		t.Run(codecName(codec), func(t *testing.T) {
			srv := newServer(t, WithAgents(2, "cpus:2;mem:512"))
			agent0 := srv.AgentIDs()[0]
			c := newClient(t, srv, codec)

			// A runs a task on agent 0 and keeps being offered the rest of
			// it; it refuses agent 1 for an hour. B is offered nothing.
			a := c.subscribe(frameworkInfo("a"))
			launched := false
			for !launched {
				for _, o := range a.offers() {
					if o.GetAgentId().GetValue() == agent0 && !launched {
						a.mustCall(launchCall(o, &mesosproto.Filters{RefuseSeconds: proto.Float64(0)}, shellTask("busy", o, "sleep 30")), 202)
						launched = true
					} else {
						a.mustCall(declineCall(o, &mesosproto.Filters{RefuseSeconds: proto.Float64(3600)}), 202)
					}
				}
			}
			bcall := subscribeCall(frameworkInfo("b"))
			bcall.Subscribe.SuppressedRoles = []string{"*"} // never offered anything
			b := c.open(bcall)
			b.fwID = b.next(schedulerpb.Event_SUBSCRIBED).GetSubscribed().GetFrameworkId().GetValue()
			if _, err := srv.WaitTask(testCtx(t), "busy", mesosproto.TaskState_TASK_RUNNING); err != nil {
				t.Fatal(err)
			}

			start := time.Now().Add(time.Hour).Truncate(time.Second)
			if err := srv.ScheduleMaintenance(agent0, start, 2*time.Hour); err != nil {
				t.Fatal(err)
			}
			if err := srv.ScheduleMaintenance("nope", start, 0); err == nil {
				t.Error("ScheduleMaintenance of an unknown agent succeeded")
			}
			ios := a.nextSkip(schedulerpb.Event_INVERSE_OFFERS).GetInverseOffers().GetInverseOffers()
			if len(ios) != 1 {
				t.Fatalf("inverse offers %v", ios)
			}
			io := ios[0]
			u := io.GetUnavailability()
			if io.GetAgentId().GetValue() != agent0 || io.GetFrameworkId().GetValue() != a.fwID || len(io.GetResources()) != 0 ||
				u.GetStart().GetNanoseconds() != start.UnixNano() || u.GetDuration().GetNanoseconds() != int64(2*time.Hour) ||
				io.GetUrl().GetPath() != "/slave(1)" {
				t.Errorf("inverse offer %v", io)
			}
			// Offers of the agent carry the unavailability.
			o := offerWith(a, func(*mesosproto.Resource) bool { return true })
			if o.GetAgentId().GetValue() != agent0 || !proto.Equal(o.GetUnavailability(), u) {
				t.Errorf("offer during maintenance %v", o)
			}
			b.noEvent(schedulerpb.Event_INVERSE_OFFERS, 100*time.Millisecond)

			// Cancelling rescinds the outstanding inverse offer.
			if err := srv.CancelMaintenance(agent0); err != nil {
				t.Fatal(err)
			}
			if id := a.nextSkip(schedulerpb.Event_RESCIND_INVERSE_OFFER).GetRescindInverseOffer().GetInverseOfferId().GetValue(); id != io.GetId().GetValue() {
				t.Errorf("rescinded inverse offer %s, want %s", id, io.GetId().GetValue())
			}
			if len(srv.InverseOffers()) != 0 {
				t.Errorf("outstanding inverse offers after cancel: %v", srv.InverseOffers())
			}

			// Scheduled again: a decline without filter brings a new inverse
			// offer at once; an accept with the default 5 s filter does not.
			if err := srv.ScheduleMaintenance(agent0, start, 0); err != nil {
				t.Fatal(err)
			}
			io = a.nextSkip(schedulerpb.Event_INVERSE_OFFERS).GetInverseOffers().GetInverseOffers()[0]
			if io.GetUnavailability().Duration != nil {
				t.Errorf("unavailability without end has a duration: %v", io.GetUnavailability())
			}
			a.mustCall(inverseAnswer(schedulerpb.Call_DECLINE_INVERSE_OFFERS, io, &mesosproto.Filters{RefuseSeconds: proto.Float64(0)}), 202)
			io2 := a.nextSkip(schedulerpb.Event_INVERSE_OFFERS).GetInverseOffers().GetInverseOffers()[0]
			if io2.GetId().GetValue() == io.GetId().GetValue() {
				t.Fatal("same inverse offer id twice")
			}
			if r := srv.InverseOfferResponses(agent0); len(r) != 1 || r[0].Accepted || r[0].FrameworkID != a.fwID {
				t.Errorf("responses after decline %+v", r)
			}
			// Answering an unknown inverse offer is ignored.
			a.mustCall(inverseAnswer(schedulerpb.Call_ACCEPT_INVERSE_OFFERS, io, nil), 202)
			a.mustCall(inverseAnswer(schedulerpb.Call_ACCEPT_INVERSE_OFFERS, io2, nil), 202)
			if r := srv.InverseOfferResponses(agent0); len(r) != 1 || !r[0].Accepted {
				t.Errorf("responses after accept %+v", r)
			}
			a.noEvent(schedulerpb.Event_INVERSE_OFFERS, 200*time.Millisecond)
			if len(srv.InverseOffers()) != 0 {
				t.Errorf("outstanding inverse offers after accept: %v", srv.InverseOffers())
			}
			a.mustCall(&schedulerpb.Call{Type: schedulerpb.Call_TEARDOWN.Enum()}, 202)
			b.mustCall(&schedulerpb.Call{Type: schedulerpb.Call_TEARDOWN.Enum()}, 202)
		})
	}
}
