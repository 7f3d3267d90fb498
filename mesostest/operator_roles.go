// SPDX-License-Identifier: Apache-2.0

package mesostest

import (
	"sort"
	"strings"

	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/masterpb"
)

// getRolesLocked is Master::ReadOnlyHandler::getRoles
// (src/master/readonly_handler.cpp): every known role (Master::knownRoles:
// the frameworks' roles, roles with a weight or a quota, and their
// ancestors, sorted) with its weight (1 by default), the cpus, mem, disk and
// gpus allocated or offered to it or to its subroles, and its frameworks.
func (m *master) getRolesLocked() *masterpb.Response_GetRoles {
	s := m.s
	known := map[string]bool{}
	add := func(role string) {
		known[role] = true
		for i := strings.LastIndex(role, "/"); i > 0; i = strings.LastIndex(role, "/") {
			role = role[:i]
			known[role] = true
		}
	}
	members := map[string][]string{}
	for id, fw := range m.st.frameworks {
		for _, r := range fw.roles() {
			add(r)
			members[r] = append(members[r], id)
		}
	}
	for r := range s.op.weights {
		add(r)
	}
	for r := range s.op.quotas {
		add(r)
	}
	names := make([]string, 0, len(known))
	for r := range known {
		names = append(names, r)
	}
	sort.Strings(names)

	out := &masterpb.Response_GetRoles{}
	for _, name := range names {
		var sum resources
		inSubtree := func(role string) bool { return role == name || strings.HasPrefix(role, name+"/") }
		for k, t := range s.tasks {
			if t.holdsRes && inSubtree(t.role) && m.st.frameworks[k.framework] != nil {
				sum = sum.plus(t.res)
			}
		}
		for _, o := range m.st.offers {
			if inSubtree(o.role) {
				sum = sum.plus(o.res)
			}
		}
		weight := 1.0 // DEFAULT_WEIGHT
		if w, ok := s.op.weights[name]; ok {
			weight = w
		}
		role := &mesosproto.Role{Name: proto.String(name), Weight: proto.Float64(weight)}
		for _, rname := range []string{"cpus", "disk", "gpus", "mem"} { // ResourceQuantities is sorted by name
			if v := sum.scalar(rname); v > 0 {
				role.Resources = append(role.Resources, &mesosproto.Resource{
					Name: proto.String(rname), Type: mesosproto.Value_SCALAR.Enum(),
					Scalar: &mesosproto.Value_Scalar{Value: proto.Float64(fromMilli(v))},
				})
			}
		}
		ids := members[name]
		sort.Strings(ids)
		for _, id := range ids {
			role.Frameworks = append(role.Frameworks, &mesosproto.FrameworkID{Value: proto.String(id)})
		}
		out.Roles = append(out.Roles, role)
	}
	return out
}

// getOperationsLocked is Master::ReadOnlyHandler::getOperations: the
// operations the registered agents track, i.e. those with an id whose
// feedback was not acknowledged yet (operations.go), each with its status.
func (m *master) getOperationsLocked() *masterpb.Response_GetOperations {
	out := &masterpb.Response_GetOperations{}
	for _, a := range m.s.agents {
		if !m.registeredLocked(a) {
			continue
		}
		runs := make([]*operationRun, 0, len(a.operations))
		for _, run := range a.operations {
			runs = append(runs, run)
		}
		sort.Slice(runs, func(i, j int) bool {
			if runs[i].key.framework != runs[j].key.framework {
				return runs[i].key.framework < runs[j].key.framework
			}
			return runs[i].key.id < runs[j].key.id
		})
		for _, run := range runs {
			out.Operations = append(out.Operations, &mesosproto.Operation{
				FrameworkId:  &mesosproto.FrameworkID{Value: proto.String(run.key.framework)},
				AgentId:      a.idProto(),
				Info:         proto.CloneOf(run.info),
				LatestStatus: proto.CloneOf(run.latest),
				Statuses:     []*mesosproto.OperationStatus{proto.CloneOf(run.latest)},
				Uuid:         &mesosproto.UUID{Value: run.uuid},
			})
		}
	}
	return out
}
