// SPDX-License-Identifier: Apache-2.0

package scheduler

import (
	"fmt"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/internal/httpapi"
	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/schedulerpb"
)

func testOffer(i int) *mesosproto.Offer {
	return &mesosproto.Offer{
		Id:          &mesosproto.OfferID{Value: proto.String(fmt.Sprintf("o-%d", i))},
		FrameworkId: &mesosproto.FrameworkID{Value: proto.String("fw")},
		AgentId:     &mesosproto.AgentID{Value: proto.String(fmt.Sprintf("a-%d", i))},
		Hostname:    proto.String(fmt.Sprintf("h-%d", i)),
		Url: &mesosproto.URL{Scheme: proto.String("http"),
			Address: &mesosproto.Address{Ip: proto.String("127.0.0.1"), Port: proto.Int32(5051)}},
		Resources: []*mesosproto.Resource{
			{Name: proto.String("cpus"), Type: mesosproto.Value_SCALAR.Enum(), Scalar: &mesosproto.Value_Scalar{Value: proto.Float64(2)}},
			{Name: proto.String("ports"), Type: mesosproto.Value_RANGES.Enum(), Ranges: &mesosproto.Value_Ranges{
				Range: []*mesosproto.Value_Range{{Begin: proto.Uint64(31000), End: proto.Uint64(32000)}}}},
		},
	}
}

// The stream reader decodes OFFERS for an OffersHandler into compact
// offers only: the event it queues carries no protobuf offers (on the
// protobuf path none are ever built; on the JSON path they are dropped),
// and each offer's Proto is the offer sent. Other events, and every event
// for another Handler, decode as before.
func TestStreamDecodeCompactOffers(t *testing.T) {
	sent := []*mesosproto.Offer{testOffer(1), testOffer(2)}
	offersEv := &schedulerpb.Event{Type: schedulerpb.Event_OFFERS.Enum(), Offers: &schedulerpb.Event_Offers{Offers: sent}}
	updateEv := &schedulerpb.Event{Type: schedulerpb.Event_UPDATE.Enum(), Update: &schedulerpb.Event_Update{
		Status: &mesosproto.TaskStatus{TaskId: &mesosproto.TaskID{Value: proto.String("t")}, State: mesosproto.TaskState_TASK_RUNNING.Enum()}}}
	for _, codec := range []httpapi.Codec{httpapi.Protobuf, httpapi.JSON} {
		for _, slim := range []bool{true, false} {
			t.Run(fmt.Sprintf("%s/slim=%v", codec.MediaType(), slim), func(t *testing.T) {
				rd := &streamReader{codec: codec, slim: slim}
				frame, err := codec.Marshal(offersEv)
				if err != nil {
					t.Fatal(err)
				}
				se, err := rd.decode(frame)
				if err != nil {
					t.Fatal(err)
				}
				if se.ev.GetType() != schedulerpb.Event_OFFERS || se.offers.compact != slim || se.offers.len() != len(sent) {
					t.Fatalf("decoded %v with %d offers (compact %v)", se.ev, se.offers.len(), se.offers.compact)
				}
				if slim && se.ev.Offers != nil {
					t.Fatalf("the queued event carries protobuf offers: %v", se.ev.Offers)
				}
				if !slim && !proto.Equal(se.ev, offersEv) {
					t.Fatalf("decoded %v, want %v", se.ev, offersEv)
				}
				got := se.offers.protoOffers()
				for i := range sent {
					if !proto.Equal(got[i], sent[i]) || se.offers.id(i) != sent[i].GetId().GetValue() ||
						se.offers.agent(i) != sent[i].GetAgentId().GetValue() || se.offers.hostname(i) != sent[i].GetHostname() {
						t.Fatalf("offer %d: got %v, want %v", i, got[i], sent[i])
					}
				}
				frame, err = codec.Marshal(updateEv)
				if err != nil {
					t.Fatal(err)
				}
				se, err = rd.decode(frame)
				if err != nil || !proto.Equal(se.ev, updateEv) || se.offers.len() != 0 {
					t.Fatalf("UPDATE decoded as %v, %v", se.ev, err)
				}
				if _, err := rd.decode(frame[:len(frame)-3]); err == nil {
					t.Fatal("a truncated frame decoded without error")
				}
			})
		}
	}
}

// offerBatch keeps one form, converts a batch of the other form appended
// to it, and never writes into the arrays it was given.
func TestOfferBatch(t *testing.T) {
	pbs := []*mesosproto.Offer{testOffer(1), testOffer(2), testOffer(3)}
	compact := offerBatch{compact: true, offers: OffersFromProto(pbs...)}
	raw := offerBatch{pb: pbs}
	ids := func(b offerBatch) string {
		s := ""
		for i := range b.len() {
			s += b.id(i) + " "
		}
		return s
	}
	var held offerBatch
	held = held.append(compact.slice(0, 2))
	held = held.append(raw.slice(2, 3)) // converted to the compact form
	if !held.compact || ids(held) != "o-1 o-2 o-3 " || !proto.Equal(held.offers[2].Proto(), pbs[2]) {
		t.Fatalf("held %+v (%s)", held, ids(held))
	}
	held = held.without(1)
	if ids(held) != "o-1 o-3 " || ids(compact) != "o-1 o-2 o-3 " {
		t.Fatalf("without: %s; the original became %s", ids(held), ids(compact))
	}
	var p offerBatch
	p = p.append(raw.slice(0, 1)).append(compact.slice(1, 3))
	if p.compact || ids(p) != "o-1 o-2 o-3 " || !proto.Equal(p.pb[1], pbs[1]) {
		t.Fatalf("protobuf batch %+v (%s)", p, ids(p))
	}
	part := p.slice(0, 1).append(raw.slice(2, 3))
	if ids(part) != "o-1 o-3 " || ids(p) != "o-1 o-2 o-3 " {
		t.Fatalf("appending to a slice changed the batch: %s, %s", ids(part), ids(p))
	}
	ev := partEvent(compact.slice(1, 2))
	if ev.ev.GetOffers() != nil || ev.offers.len() != 1 {
		t.Fatalf("compact part event %v", ev.ev)
	}
	if ev := partEvent(raw.slice(1, 2)); len(ev.ev.GetOffers().GetOffers()) != 1 {
		t.Fatalf("protobuf part event %v", ev.ev)
	}
}
