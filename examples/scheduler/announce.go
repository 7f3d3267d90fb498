// SPDX-License-Identifier: Apache-2.0

package main

import (
	"errors"
	"flag"
	"fmt"

	"go.uber.org/zap"
	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/detector"
	"github.com/mesoskit/mesoskit/discovery"
	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/scheduler"
)

// Service discovery (-announce zk://hosts/services/demo): every command task gets a port from its offer
// (in $PORT) and DiscoveryInfo naming it "http"; the Client announces each task in ZooKeeper while it
// runs, as a ServerSet member that Prometheus's serverset_sd_configs finds (see README.md).

func addAnnounceFlags(fs *flag.FlagSet, o *options) {
	fs.StringVar(&o.announce, "announce", "", "announce running tasks as ServerSet members in ZooKeeper at zk://[user:pass@]hosts/path (command tasks only)")
}

func checkAnnounceFlags(o options) error {
	if o.announce == "" {
		return nil
	}
	if o.executor {
		return errors.New("-announce announces command tasks; the custom executor's tasks are not announced")
	}
	if _, err := detector.ParseZKURL(o.announce); err != nil {
		return fmt.Errorf("-announce: %w", err)
	}
	return nil
}

// newAnnouncer returns the ZooKeeper client of -announce, or nil without it.
func newAnnouncer(o options, log *zap.Logger) (*discovery.Client, error) {
	if o.announce == "" {
		return nil, nil
	}
	u, _ := detector.ParseZKURL(o.announce) // checked by parseFlags
	opts := []discovery.Option{discovery.WithLogger(log)}
	if u.Username != "" {
		opts = append(opts, discovery.WithDigestAuth(u.Username, u.Password))
	}
	return discovery.New(u.Servers, opts...)
}

// announceOption is the scheduler option of -announce (nil without it).
func announceOption(d *discovery.Client, o options) scheduler.Option {
	if d == nil {
		return nil
	}
	u, _ := detector.ParseZKURL(o.announce)
	return scheduler.WithAnnouncer(d, u.Path)
}

// discoverable gives a command task the next free port of its offer and DiscoveryInfo naming it "http".
func (d *demo) discoverable(t *mesosproto.TaskInfo, offer *mesosproto.Offer) {
	if d.opts.announce == "" {
		return
	}
	if d.portOffer != offer.GetId().GetValue() {
		d.portOffer, d.portsTaken = offer.GetId().GetValue(), 0
	}
	var port uint64
	n := d.portsTaken
	for _, r := range offer.GetResources() {
		for _, rg := range r.GetRanges().GetRange() {
			if r.GetName() != "ports" || port != 0 {
				continue
			}
			if size := rg.GetEnd() - rg.GetBegin() + 1; uint64(n) < size {
				port = rg.GetBegin() + uint64(n)
			} else {
				n -= int(size)
			}
		}
	}
	if port == 0 {
		return // no port left: launched, but not announced
	}
	d.portsTaken++
	t.Resources = append(t.Resources, &mesosproto.Resource{
		Name: proto.String("ports"), Type: mesosproto.Value_RANGES.Enum(),
		Ranges: &mesosproto.Value_Ranges{Range: []*mesosproto.Value_Range{{Begin: proto.Uint64(port), End: proto.Uint64(port)}}},
	})
	t.Discovery = &mesosproto.DiscoveryInfo{
		Visibility: mesosproto.DiscoveryInfo_EXTERNAL.Enum(),
		Name:       proto.String("mesoskit-demo"),
		Ports: &mesosproto.Ports{Ports: []*mesosproto.Port{
			{Number: proto.Uint32(uint32(port)), Name: proto.String("http"), Protocol: proto.String("tcp")},
		}},
	}
	t.Command.Environment.Variables = append(t.Command.Environment.Variables, &mesosproto.Environment_Variable{
		Name: proto.String("PORT"), Value: proto.String(fmt.Sprint(port)),
	})
}
