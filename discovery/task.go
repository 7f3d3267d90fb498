// SPDX-License-Identifier: Apache-2.0

package discovery

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/mesoskit/mesoskit/mesosproto"
)

// ShardLabel is the DiscoveryInfo label whose value, a non-negative integer, becomes a task member's shard.
const ShardLabel = "shard"

// TaskMember returns the member announcing task t, which runs on host, or an error wrapping
// ErrInvalidMember when it has nothing to announce. It is what executor.WithAnnouncer and
// scheduler.WithAnnouncer announce:
//
//   - only a task whose TaskInfo carries DiscoveryInfo is announced;
//   - serviceEndpoint is host and the first non-UDP port of DiscoveryInfo.ports, or, when it lists none,
//     the lowest port of the task's "ports" resources;
//   - each named non-UDP port of DiscoveryInfo.ports is an additional endpoint under its name;
//   - the DiscoveryInfo label "shard" (ShardLabel), when it is a non-negative integer, is the shard.
func TaskMember(host string, t *mesosproto.TaskInfo) (Member, error) {
	di := t.GetDiscovery()
	if di == nil {
		return Member{}, fmt.Errorf("%w: task %q has no DiscoveryInfo", ErrInvalidMember, t.GetTaskId().GetValue())
	}
	m := Member{Status: StatusAlive}
	primary := 0
	for _, p := range di.GetPorts().GetPorts() {
		if strings.EqualFold(p.GetProtocol(), "udp") || p.GetNumber() == 0 || p.GetNumber() > 65535 {
			continue
		}
		if primary == 0 {
			primary = int(p.GetNumber())
		}
		if name := p.GetName(); name != "" {
			if m.AdditionalEndpoints == nil {
				m.AdditionalEndpoints = map[string]Endpoint{}
			}
			m.AdditionalEndpoints[name] = Endpoint{Host: host, Port: int(p.GetNumber())}
		}
	}
	if primary == 0 {
		primary = lowestPort(t.GetResources())
	}
	if primary == 0 {
		return Member{}, fmt.Errorf("%w: task %q has DiscoveryInfo but no port (neither in DiscoveryInfo.ports nor in its \"ports\" resources)",
			ErrInvalidMember, t.GetTaskId().GetValue())
	}
	m.ServiceEndpoint = Endpoint{Host: host, Port: primary}
	for _, l := range di.GetLabels().GetLabels() {
		if l.GetKey() == ShardLabel {
			if n, err := strconv.Atoi(l.GetValue()); err == nil && n >= 0 {
				m.Shard = &n
			}
		}
	}
	return m, m.Validate()
}

func lowestPort(rs []*mesosproto.Resource) int {
	lowest := uint64(0)
	for _, r := range rs {
		if r.GetName() != "ports" || r.GetType() != mesosproto.Value_RANGES {
			continue
		}
		for _, rg := range r.GetRanges().GetRange() {
			if b := rg.GetBegin(); b > 0 && b <= 65535 && b <= rg.GetEnd() && (lowest == 0 || b < lowest) {
				lowest = b
			}
		}
	}
	return int(lowest)
}
