// SPDX-License-Identifier: Apache-2.0

package decode

import (
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/bench/internal/fixtures"
	"github.com/mesoskit/mesoskit/internal/httpapi"
	"github.com/mesoskit/mesoskit/internal/recordio"
	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/schedulerpb"
)

// TestSameEvents checks that both sides decode the benchmark stream to the
// same content, so that the benchmark compares like with like, and that
// mesoskit's offers are exactly what proto.Unmarshal makes of the records.
func TestSameEvents(t *testing.T) {
	for _, m := range mediaTypes {
		t.Run(m.name, func(t *testing.T) {
			body, _ := stream(t, m.mt)
			ours := mesoskitDecoder(t, m.mt, body)
			theirs := mesosGoDecoder(t, m.mt, body)
			ref := referenceDecoder(t, m.mt, body)
			for range distinctEvents {
				ao, bo, want := ours(), theirs().GetOffers().GetOffers(), ref()
				if len(ao) != offersPerEvent || len(bo) != offersPerEvent || len(want) != offersPerEvent {
					t.Fatalf("offers: mesoskit %d, mesos-go %d, reference %d, want %d", len(ao), len(bo), len(want), offersPerEvent)
				}
				for i := range ao {
					x, y := &ao[i], bo[i]
					if !proto.Equal(x.Proto(), want[i]) {
						t.Fatalf("offer %d: Proto differs from proto.Unmarshal's:\n got %v\nwant %v", i, x.Proto(), want[i])
					}
					if x.ID != y.GetID().Value || x.Hostname != y.GetHostname() || x.AgentID != y.GetAgentID().Value ||
						x.Proto().GetUrl().GetAddress().GetIp() != y.GetURL().Address.GetIP() ||
						len(x.Resources) != len(y.GetResources()) || len(x.Attributes) != len(y.GetAttributes()) ||
						x.AllocationRole != y.GetAllocationInfo().GetRole() {
						t.Fatalf("offer %d differs:\nmesoskit %v\nmesos-go %v", i, x.Proto(), y)
					}
					for k, r := range x.Resources {
						s := y.GetResources()[k]
						if r.Name != s.GetName() || r.Type.String() != s.GetType().String() ||
							r.Scalar != s.GetScalar().GetValue() || len(r.Ranges) != len(s.GetRanges().GetRange()) ||
							r.AllocationRole != s.GetAllocationInfo().GetRole() ||
							deprecatedRole(r.Proto()) != s.GetRole() {
							t.Fatalf("offer %d resource %d differs:\nmesoskit %v\nmesos-go %v", i, k, r.Proto(), s)
						}
					}
					for k, a := range x.Attributes {
						s := y.GetAttributes()[k]
						if a.Name != s.GetName() || a.Text != s.GetText().GetValue() {
							t.Fatalf("offer %d attribute %d differs:\nmesoskit %v\nmesos-go %v", i, k, a.Proto(), s)
						}
					}
				}
			}
		})
	}
}

// referenceDecoder decodes the stream's events with proto.Unmarshal
// (protobuf) or the codec (JSON) and returns their offers.
func referenceDecoder(tb testing.TB, mt string, body []byte) func() []*mesosproto.Offer {
	codec, err := httpapi.CodecFor(mt)
	if err != nil {
		tb.Fatal(err)
	}
	r := recordio.NewReader(&fixtures.LoopReader{Data: body}, 0)
	return func() []*mesosproto.Offer {
		frame, err := r.ReadFrame()
		if err != nil {
			tb.Fatal(err)
		}
		ev := new(schedulerpb.Event)
		if mt == httpapi.MediaTypeProtobuf {
			err = proto.UnmarshalOptions{AllowPartial: true}.Unmarshal(frame, ev)
		} else {
			err = codec.Unmarshal(frame, ev)
		}
		if err != nil {
			tb.Fatal(err)
		}
		return ev.GetOffers().GetOffers()
	}
}

// deprecatedRole is Resource.role, deprecated but still sent by Mesos.
func deprecatedRole(r *mesosproto.Resource) string {
	return r.GetRole() //lint:ignore SA1019 Mesos still sends it; the benchmark compares it
}
