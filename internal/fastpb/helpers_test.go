// SPDX-License-Identifier: Apache-2.0

package fastpb

import (
	"fmt"

	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/schedulerpb"
)

// offersEvent builds an OFFERS event like a master sends for n agents
// (MULTI_ROLE framework): four resources, two attributes, agent URL.
func offersEvent(n int) *schedulerpb.Event {
	const master = "5f6c2a30-0d0b-4c8e-9a52-0c4f2f1f6e11"
	scalar := func(name string, v float64) *mesosproto.Resource {
		return &mesosproto.Resource{
			Name:           proto.String(name),
			Type:           mesosproto.Value_SCALAR.Enum(),
			Scalar:         &mesosproto.Value_Scalar{Value: proto.Float64(v)},
			AllocationInfo: &mesosproto.Resource_AllocationInfo{Role: proto.String("web")},
		}
	}
	offers := make([]*mesosproto.Offer, n)
	for i := range offers {
		host := fmt.Sprintf("agent-%05d.example", i)
		offers[i] = &mesosproto.Offer{
			Id:          &mesosproto.OfferID{Value: proto.String(fmt.Sprintf("%s-O%d", master, 1000+i))},
			FrameworkId: &mesosproto.FrameworkID{Value: proto.String(master + "-0000")},
			AgentId:     &mesosproto.AgentID{Value: proto.String(fmt.Sprintf("%s-S%d", master, i))},
			Hostname:    proto.String(host),
			Url: &mesosproto.URL{
				Scheme:  proto.String("http"),
				Address: &mesosproto.Address{Hostname: proto.String(host), Ip: proto.String(fmt.Sprintf("10.0.%d.%d", i/250, i%250+2)), Port: proto.Int32(5051)},
				Path:    proto.String("/slave(1)"),
			},
			Resources: []*mesosproto.Resource{
				scalar("cpus", 7.5),
				scalar("mem", 30720),
				scalar("disk", 102400),
				{
					Name:           proto.String("ports"),
					Type:           mesosproto.Value_RANGES.Enum(),
					Ranges:         &mesosproto.Value_Ranges{Range: []*mesosproto.Value_Range{{Begin: proto.Uint64(31000), End: proto.Uint64(32000)}}},
					AllocationInfo: &mesosproto.Resource_AllocationInfo{Role: proto.String("web")},
				},
			},
			Attributes: []*mesosproto.Attribute{
				{Name: proto.String("rack"), Type: mesosproto.Value_TEXT.Enum(), Text: &mesosproto.Value_Text{Value: proto.String(fmt.Sprintf("r%d", i%16))}},
				{Name: proto.String("zone"), Type: mesosproto.Value_TEXT.Enum(), Text: &mesosproto.Value_Text{Value: proto.String("eu-1a")}},
			},
			AllocationInfo: &mesosproto.Resource_AllocationInfo{Role: proto.String("web")},
		}
		for _, r := range offers[i].Resources {
			r.Role = proto.String("*") //lint:ignore SA1019 Mesos sends it
		}
	}
	return &schedulerpb.Event{
		Type:   schedulerpb.Event_OFFERS.Enum(),
		Offers: &schedulerpb.Event_Offers{Offers: offers},
	}
}
