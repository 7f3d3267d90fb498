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

// portsWanted is how many ports Match gives each command task: one with -announce, in $PORT.
func (d *demo) portsWanted() int {
	if d.opts.announce == "" {
		return 0
	}
	return 1
}

// discoverable gives the command tasks with a port DiscoveryInfo naming it "http", which is what the
// Client announces.
func (d *demo) discoverable(tasks []*mesosproto.TaskInfo) {
	for _, t := range tasks {
		ports := scheduler.Resources(t.GetResources()).RangesOf("ports")
		if t.GetCommand() == nil || len(ports) == 0 {
			continue
		}
		t.Discovery = &mesosproto.DiscoveryInfo{
			Visibility: mesosproto.DiscoveryInfo_EXTERNAL.Enum(),
			Name:       proto.String("mesoskit-demo"),
			Ports: &mesosproto.Ports{Ports: []*mesosproto.Port{
				{Number: proto.Uint32(uint32(ports[0][0])), Name: proto.String("http"), Protocol: proto.String("tcp")},
			}},
		}
	}
}
