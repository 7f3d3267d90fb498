// SPDX-License-Identifier: Apache-2.0

package scheduler_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/schedulerpb"
	"github.com/mesoskit/mesoskit/scheduler"
)

// pacedOffers records the offers launch pacing hands over, in either form,
// and launches one task per offer.
type pacedOffers struct {
	c     **scheduler.Client
	mu    sync.Mutex
	parts []string            // offer IDs of each part
	got   []*mesosproto.Offer // every offer handed over, as a message
}

func (h *pacedOffers) take(ctx context.Context, offers []*mesosproto.Offer) error {
	var ids []string
	for _, o := range offers {
		ids = append(ids, o.GetId().GetValue())
	}
	h.mu.Lock()
	h.parts = append(h.parts, strings.Join(ids, ","))
	h.got = append(h.got, offers...)
	h.mu.Unlock()
	for _, o := range offers {
		task := echoTask("task-"+o.GetId().GetValue(), "true", o.GetAgentId())
		if err := (*h.c).Launch(ctx, []*mesosproto.OfferID{o.GetId()}, []*mesosproto.TaskInfo{task}, nil); err != nil {
			return err
		}
	}
	return nil
}

// compact takes the offers as Callbacks does.
func (h *pacedOffers) compact() scheduler.Handler {
	return scheduler.Callbacks{Offers: func(ctx context.Context, offers []scheduler.Offer) error {
		pbs := make([]*mesosproto.Offer, len(offers))
		for i := range offers {
			pbs[i] = offers[i].Proto()
		}
		return h.take(ctx, pbs)
	}}
}

// raw takes them as a HandlerFunc does.
func (h *pacedOffers) raw() scheduler.Handler {
	return scheduler.HandlerFunc(func(ctx context.Context, e *schedulerpb.Event) error {
		if e.GetType() != schedulerpb.Event_OFFERS {
			return nil
		}
		return h.take(ctx, e.GetOffers().GetOffers())
	})
}

// Launch pacing holds offers back, hands them over in parts in the order
// they came and drops a held offer on RESCIND, whether the handler takes
// compact offers (Callbacks) or messages (a raw Handler); either way the
// offers handed over are the ones the master sent, whole.
func TestLaunchPacingOfferForms(t *testing.T) {
	forEachCodec(t, func(t *testing.T, ct string) {
		for _, form := range []string{"compact", "raw"} {
			t.Run(form, func(t *testing.T) {
				var f *fakeMaster
				f = newFakeMaster(t, pacingScript(&f))
				c := newFakeClient(t, f, ct, scheduler.WithLaunchPacing(2, 2))
				h := &pacedOffers{c: &c}
				handler := h.compact()
				if form == "raw" {
					handler = h.raw()
				}
				start(t, c, handler)
				eventually(t, "the third ACCEPT", func() bool { return f.countCalls(schedulerpb.Call_ACCEPT) >= 3 })
				h.mu.Lock()
				parts, got := strings.Join(h.parts, " | "), append([]*mesosproto.Offer(nil), h.got...)
				h.mu.Unlock()
				if parts != "o-1 | o-2 | o-4" {
					t.Fatalf("handler was given offers %q; want o-1 | o-2 | o-4", parts)
				}
				for _, o := range got {
					var i int
					if _, err := fmt.Sscanf(o.GetId().GetValue(), "o-%d", &i); err != nil {
						t.Fatal(err)
					}
					if want := pacingOffer(i); !proto.Equal(o, want) {
						t.Fatalf("offer handed over\n got %v\nwant %v", o, want)
					}
				}
				if st := c.LaunchPacing(); st.Withheld != 2 || st.Dropped != 1 || st.Held != 0 {
					t.Fatalf("LaunchPacing() = %+v; want 2 withheld, 1 dropped, none held", st)
				}
			})
		}
	})
}

// pacingOffer is the i-th offer pacingScript sends.
func pacingOffer(i int) *mesosproto.Offer {
	return &mesosproto.Offer{
		Id:          &mesosproto.OfferID{Value: proto.String(fmt.Sprintf("o-%d", i))},
		FrameworkId: &mesosproto.FrameworkID{Value: proto.String("fw-1")},
		AgentId:     &mesosproto.AgentID{Value: proto.String(fmt.Sprintf("a-%d", i))},
		Hostname:    proto.String("agent.example"),
		Resources:   []*mesosproto.Resource{scalar("cpus", 1), scalar("mem", 1024)},
	}
}
