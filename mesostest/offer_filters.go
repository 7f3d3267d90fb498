// SPDX-License-Identifier: Apache-2.0

package mesostest

import (
	"github.com/mesoskit/mesoskit/mesosproto"
)

// allocatable is HierarchicalAllocatorProcess::isAllocatable
// (src/master/allocator/mesos/hierarchical.cpp) for one of the framework's
// roles: with FrameworkInfo.offer_filters[role].min_allocatable_resources
// set, resources are offered when they contain one of its quantity sets
// (every resource when it lists none); otherwise the master's default
// minimum ("cpus:0.01|mem:32") applies.
func (fw *framework) allocatable(role string, free resources) bool {
	f, ok := fw.info.GetOfferFilters()[role]
	if !ok || f.GetMinAllocatableResources() == nil {
		return free.allocatable()
	}
	qs := f.GetMinAllocatableResources().GetQuantities()
	if len(qs) == 0 {
		return true
	}
	for _, q := range qs {
		if containsQuantities(free, q) {
			return true
		}
	}
	return false
}

// containsQuantities is Resources::contains(ResourceQuantities)
// (src/common/resources.cpp): for every named quantity, the resources of
// that name add up to at least it (a range counts its ports, a set its
// items).
func containsQuantities(rs resources, q *mesosproto.OfferFilters_ResourceQuantities) bool {
	for name, v := range q.GetQuantities() {
		var have int64 // thousandths
		for k, x := range rs {
			if k.name != name {
				continue
			}
			switch x.typ {
			case mesosproto.Value_SCALAR:
				have += x.scalar
			case mesosproto.Value_RANGES:
				for _, r := range x.ranges {
					have += int64(r.end-r.begin+1) * 1000
				}
			case mesosproto.Value_SET:
				have += int64(len(x.set)) * 1000
			}
		}
		if have < toMilli(v.GetValue()) {
			return false
		}
	}
	return true
}
