// SPDX-License-Identifier: Apache-2.0

// Package testevents builds scheduler events shaped like those a Mesos 1.x master sends, for the tests and
// benchmarks of several packages (internal/httpapi, internal/fastpb, the bench module), so that they all
// measure and check the same bytes. It is not used by any non-test code.
package testevents

import (
	"fmt"

	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/schedulerpb"
)

// MasterID is the master ID the generated IDs derive from (IDs follow Mesos's formats: <master>-O<n>,
// <master>-S<n>, <master>-0000).
const MasterID = "5f6c2a30-0d0b-4c8e-9a52-0c4f2f1f6e11"

// Offers is an OFFERS event as a master sends it to a MULTI_ROLE framework (role "web") without
// RESERVATION_REFINEMENT, with n offers from n agents. Each offer has its IDs, hostname, agent URL, two text
// attributes, allocation info and four resources: cpus, mem and disk scalars and a ports range, each with the
// deprecated role "*" and allocation info. seq varies the offer IDs (offer i of event seq is O<seq*n+i>).
func Offers(n, seq int) *schedulerpb.Event {
	offers := make([]*mesosproto.Offer, n)
	for i := range offers {
		host := fmt.Sprintf("agent-%05d.example", i)
		offers[i] = &mesosproto.Offer{
			Id:          &mesosproto.OfferID{Value: proto.String(fmt.Sprintf("%s-O%d", MasterID, seq*n+i))},
			FrameworkId: &mesosproto.FrameworkID{Value: proto.String(MasterID + "-0000")},
			AgentId:     &mesosproto.AgentID{Value: proto.String(fmt.Sprintf("%s-S%d", MasterID, i))},
			Hostname:    proto.String(host),
			Url: &mesosproto.URL{
				Scheme: proto.String("http"),
				Address: &mesosproto.Address{
					Hostname: proto.String(host),
					Ip:       proto.String(fmt.Sprintf("10.0.%d.%d", i/250, i%250+2)),
					Port:     proto.Int32(5051),
				},
				Path: proto.String("/slave(1)"),
			},
			Resources: []*mesosproto.Resource{
				scalar("cpus", 7.5),
				scalar("mem", 30720),
				scalar("disk", 102400),
				{
					Name: proto.String("ports"),
					Type: mesosproto.Value_RANGES.Enum(),
					Ranges: &mesosproto.Value_Ranges{Range: []*mesosproto.Value_Range{
						{Begin: proto.Uint64(31000), End: proto.Uint64(32000)},
					}},
					AllocationInfo: &mesosproto.Resource_AllocationInfo{Role: proto.String("web")},
				},
			},
			Attributes: []*mesosproto.Attribute{
				text("rack", fmt.Sprintf("r%d", i%16)),
				text("zone", "eu-1a"),
			},
			AllocationInfo: &mesosproto.Resource_AllocationInfo{Role: proto.String("web")},
		}
		for _, r := range offers[i].Resources {
			r.Role = proto.String("*") //lint:ignore SA1019 Mesos still sends it to frameworks without RESERVATION_REFINEMENT
		}
	}
	return &schedulerpb.Event{
		Type:   schedulerpb.Event_OFFERS.Enum(),
		Offers: &schedulerpb.Event_Offers{Offers: offers},
	}
}

func scalar(name string, v float64) *mesosproto.Resource {
	return &mesosproto.Resource{
		Name:           proto.String(name),
		Type:           mesosproto.Value_SCALAR.Enum(),
		Scalar:         &mesosproto.Value_Scalar{Value: proto.Float64(v)},
		AllocationInfo: &mesosproto.Resource_AllocationInfo{Role: proto.String("web")},
	}
}

func text(name, v string) *mesosproto.Attribute {
	return &mesosproto.Attribute{
		Name: proto.String(name),
		Type: mesosproto.Value_TEXT.Enum(),
		Text: &mesosproto.Value_Text{Value: proto.String(v)},
	}
}
