// SPDX-License-Identifier: Apache-2.0

package scheduler

import (
	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/schedulerpb"
)

// streamEvent is one event as the stream reader hands it to the Run
// goroutine: the decoded event and, for OFFERS, its offers in the form the
// handler takes. For an OffersHandler they are compact and ev is just
// {Type: OFFERS} (the protobuf-go offer messages are never built); for any
// other Handler they are ev's own messages. ev nil is the pacer's wake-up
// (see deliver).
type streamEvent struct {
	ev     *schedulerpb.Event
	offers offerBatch // OFFERS only
}

// protoEvent wraps an event decoded into protobuf-go messages.
func protoEvent(ev *schedulerpb.Event) streamEvent {
	se := streamEvent{ev: ev}
	if ev.GetType() == schedulerpb.Event_OFFERS {
		se.offers = offerBatch{pb: ev.GetOffers().GetOffers()}
	}
	return se
}

// partEvent makes an OFFERS event of b (a part of a larger event, under
// launch pacing): compact offers ride beside a bare event, protobuf ones in
// it.
func partEvent(b offerBatch) streamEvent {
	ev := &schedulerpb.Event{Type: schedulerpb.Event_OFFERS.Enum()}
	if !b.compact {
		ev.Offers = &schedulerpb.Event_Offers{Offers: b.pb}
	}
	return streamEvent{ev: ev, offers: b}
}

// offerBatch is the offers of an OFFERS event, or a part of them, in one of
// two forms: compact (offers, for an OffersHandler) or protobuf messages
// (pb, for any other Handler). The form is the handler's, so it is the same
// for every batch of a Run; the methods below read either, and the
// conversions make the rare mismatch (none in the Client today) correct
// rather than silent.
type offerBatch struct {
	compact bool
	offers  []Offer
	pb      []*mesosproto.Offer
}

func (b offerBatch) len() int {
	if b.compact {
		return len(b.offers)
	}
	return len(b.pb)
}

// id returns offer_id.value of the i-th offer.
func (b offerBatch) id(i int) string {
	if b.compact {
		return b.offers[i].ID
	}
	return b.pb[i].GetId().GetValue()
}

// agent returns agent_id.value of the i-th offer.
func (b offerBatch) agent(i int) string {
	if b.compact {
		return b.offers[i].AgentID
	}
	return b.pb[i].GetAgentId().GetValue()
}

// hostname returns the hostname of the i-th offer.
func (b offerBatch) hostname(i int) string {
	if b.compact {
		return b.offers[i].Hostname
	}
	return b.pb[i].GetHostname()
}

// slice returns offers [i, j), with no spare capacity: appending to the
// result never writes into b.
func (b offerBatch) slice(i, j int) offerBatch {
	if b.compact {
		return offerBatch{compact: true, offers: b.offers[i:j:j]}
	}
	return offerBatch{pb: b.pb[i:j:j]}
}

// without returns the batch without its i-th offer, in a new array.
func (b offerBatch) without(i int) offerBatch {
	if b.compact {
		return offerBatch{compact: true, offers: append(b.offers[:i:i], b.offers[i+1:]...)}
	}
	return offerBatch{pb: append(b.pb[:i:i], b.pb[i+1:]...)}
}

// append returns b followed by o, in b's form (or o's when b is empty),
// never sharing o's array.
func (b offerBatch) append(o offerBatch) offerBatch {
	if b.len() == 0 && !b.compact {
		b.compact = o.compact
	}
	if b.compact {
		b.offers = append(b.offers, o.compactOffers()...)
	} else {
		b.pb = append(b.pb, o.protoOffers()...)
	}
	return b
}

// compactOffers returns the offers in the compact form, converting
// protobuf ones.
func (b offerBatch) compactOffers() []Offer {
	if b.compact {
		return b.offers
	}
	return OffersFromProto(b.pb...)
}

// protoOffers returns the offers as protobuf messages, building them from
// compact ones.
func (b offerBatch) protoOffers() []*mesosproto.Offer {
	if !b.compact {
		return b.pb
	}
	out := make([]*mesosproto.Offer, len(b.offers))
	for i := range b.offers {
		out[i] = b.offers[i].Proto()
	}
	return out
}
