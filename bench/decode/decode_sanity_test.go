// SPDX-License-Identifier: Apache-2.0

package decode

import (
	"testing"

	"github.com/mesoskit/mesoskit/mesosproto"
)

// TestSameEvents checks that both sides decode the benchmark stream to the
// same content, so that the benchmark compares like with like.
func TestSameEvents(t *testing.T) {
	for _, m := range mediaTypes {
		t.Run(m.name, func(t *testing.T) {
			body, _ := stream(t, m.mt)
			ours := mesoskitDecoder(t, m.mt, body)
			theirs := mesosGoDecoder(t, m.mt, body)
			for range distinctEvents {
				a, b := ours(), theirs()
				ao, bo := a.GetOffers().GetOffers(), b.GetOffers().GetOffers()
				if len(ao) != offersPerEvent || len(bo) != offersPerEvent {
					t.Fatalf("offers: mesoskit %d, mesos-go %d, want %d", len(ao), len(bo), offersPerEvent)
				}
				for i := range ao {
					x, y := ao[i], bo[i]
					if x.GetId().GetValue() != y.GetID().Value || x.GetHostname() != y.GetHostname() ||
						x.GetAgentId().GetValue() != y.GetAgentID().Value ||
						x.GetUrl().GetAddress().GetIp() != y.GetURL().Address.GetIP() ||
						len(x.GetResources()) != len(y.GetResources()) ||
						len(x.GetAttributes()) != len(y.GetAttributes()) ||
						x.GetAllocationInfo().GetRole() != y.GetAllocationInfo().GetRole() {
						t.Fatalf("offer %d differs:\nmesoskit %v\nmesos-go %v", i, x, y)
					}
					for k, r := range x.GetResources() {
						s := y.GetResources()[k]
						if r.GetName() != s.GetName() || r.GetType().String() != s.GetType().String() ||
							r.GetScalar().GetValue() != s.GetScalar().GetValue() ||
							len(r.GetRanges().GetRange()) != len(s.GetRanges().GetRange()) ||
							r.GetAllocationInfo().GetRole() != s.GetAllocationInfo().GetRole() ||
							deprecatedRole(r) != s.GetRole() {
							t.Fatalf("offer %d resource %d differs:\nmesoskit %v\nmesos-go %v", i, k, r, s)
						}
					}
				}
			}
		})
	}
}

// deprecatedRole is Resource.role, deprecated but still sent by Mesos.
func deprecatedRole(r *mesosproto.Resource) string {
	return r.GetRole() //lint:ignore SA1019 Mesos still sends it; the benchmark compares it
}
