// SPDX-License-Identifier: Apache-2.0

package scheduler

import (
	"cmp"
	"slices"
	"strconv"

	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/mesosproto"
)

// A TaskRequest is a task waiting for resources.
type TaskRequest struct {
	// Task is the task to launch; NewCommandTask and NewTask build one. Its
	// resources are what it needs; their role, reservations,
	// allocation_info and revocable marker are ignored. Match launches a
	// copy and never modifies Task.
	Task *mesosproto.TaskInfo
	// Ports is how many ports to give the task from the offer's "ports"
	// ranges, on top of any ranges Task asks for by number.
	Ports int
	// Role, when set, restricts the task to offers allocated to that role
	// (offers to MULTI_ROLE frameworks carry allocation_info) and to
	// resources the role may use: unreserved ones and those reserved for
	// the role or an ancestor. "" accepts every offer and every resource in
	// it (all of them were offered to this framework).
	Role string
	// Revocable lets the task use revocable resources (offered to
	// frameworks with the REVOCABLE_RESOURCES capability), after the
	// non-revocable ones. Tasks on revocable resources may be killed when
	// the agent needs them back.
	Revocable bool
}

// An Assignment is what Match did with one offer.
type Assignment struct {
	// Offer points into the slice given to Match.
	Offer *Offer
	// Tasks are ready to launch on Offer: agent_id is the offer's and the
	// resources are taken from the offer, with its role, reservations and
	// allocation_info, as the master requires. Empty when nothing fit.
	Tasks []*mesosproto.TaskInfo
	// Remaining is what is left of the offer.
	Remaining Resources

	executors map[string]*mesosproto.ExecutorInfo // charged on this offer, by executor ID
}

// Match packs tasks into offers, first fit: requests are placed in their
// order, each on the first offer (in order) whose remaining resources hold
// it; a request that fits no single offer is returned in unmatched, in
// order. First fit keeps the caller's priorities (earlier requests are
// served first) and fills agents one after the other; to spread tasks,
// call Match with one task per offer or reorder the offers.
//
// Within an offer a task takes, for each resource it needs, reserved
// resources before unreserved ones (and revocable ones last, if allowed),
// and the lowest free ports. A need may be split over several offered
// resources of different reservations. Persistent volumes and MOUNT or
// BLOCK disks are taken only whole; a shared resource is taken whole and
// stays available to the other tasks.
//
// Each launched copy of a task gets: agent_id; the resources it took;
// when it has ports, environment variables PORT0 ... PORT<n-1> and PORT
// (the first one) on its command, and its first port in place of a 0
// port in an HTTP or TCP health check. A request without Task is
// returned unmatched.
//
// A task with an ExecutorInfo (NewExecutor, TaskExecutor) runs under that
// custom executor, whose resources Mesos charges once per executor on an
// agent, when it starts: Match takes the executor's resources from the
// offer for the first task of that ExecutorID on it, and gives every later
// task of the same ExecutorID on the same offer the very same ExecutorInfo
// (Mesos refuses a task whose ExecutorInfo differs from the running
// executor's). An executor the offer lists as already running
// (Offer.executor_ids) is not charged again; its tasks must then carry the
// ExecutorInfo it was launched with, as returned in an earlier Assignment.
//
// Match returns one Assignment per offer, in order; launch each with
// Client.Launch (an assignment without tasks then declines its offer):
//
//	assigned, left := scheduler.Match(offers, pending)
//	pending = left // retried with the next offers
//	for _, a := range assigned {
//		err := c.Launch(ctx, []*mesosproto.OfferID{a.Offer.ProtoID()}, a.Tasks, nil)
//		...
//	}
func Match(offers []Offer, requests []TaskRequest) (assigned []Assignment, unmatched []TaskRequest) {
	assigned = make([]Assignment, len(offers))
	for i := range offers {
		o := &offers[i]
		assigned[i] = Assignment{Offer: o, Remaining: o.ProtoResources().coalesce()}
	}
	for _, req := range requests {
		placed := false
		var needs Resources
		if req.Task != nil {
			needs = needsOf(req.Task.GetResources())
		}
		for i := range assigned {
			a := &assigned[i]
			if t, rest, ok := placeTask(a.Offer, a.Remaining, req, needs, a.executors); ok {
				a.Tasks = append(a.Tasks, t)
				a.Remaining = rest
				if ex := t.GetExecutor(); ex != nil {
					if a.executors == nil {
						a.executors = make(map[string]*mesosproto.ExecutorInfo)
					}
					a.executors[ex.GetExecutorId().GetValue()] = ex
				}
				placed = true
				break
			}
		}
		if !placed {
			unmatched = append(unmatched, req)
		}
	}
	return assigned, unmatched
}

// placeTask tries to fit req, which needs needs, into what is left of offer o,
// where the executors in charged already run for earlier tasks. It does not
// modify remaining.
func placeTask(o *Offer, remaining Resources, req TaskRequest, needs Resources, charged map[string]*mesosproto.ExecutorInfo) (*mesosproto.TaskInfo, Resources, bool) {
	if req.Task == nil {
		return nil, nil, false
	}
	if req.Role != "" && o.AllocationRole != "" && o.AllocationRole != req.Role {
		return nil, nil, false
	}
	eligible := func(r *mesosproto.Resource) bool {
		return (req.Role == "" || allocatableTo(r, req.Role)) && (req.Revocable || r.Revocable == nil)
	}
	executor, execNeeds := executorFor(o, req.Task, charged)
	if !roughFit(remaining, eligible, needs.Add(execNeeds...), req.Ports) {
		return nil, nil, false
	}

	scratch := remaining.coalesce()
	var idx []int
	for i, r := range scratch {
		if eligible(r) {
			idx = append(idx, i)
		}
	}
	slices.SortStableFunc(idx, func(a, b int) int { return cmp.Compare(takeOrder(scratch[a]), takeOrder(scratch[b])) })

	var execTaken Resources
	for _, n := range execNeeds {
		got, ok := takeNeed(scratch, idx, n)
		if !ok {
			return nil, nil, false
		}
		execTaken = append(execTaken, got...)
	}
	var taken Resources
	for _, n := range needs {
		got, ok := takeNeed(scratch, idx, n)
		if !ok {
			return nil, nil, false
		}
		taken = append(taken, got...) // disjoint kinds: needs are coalesced
	}
	ports, got, ok := takeCount(scratch, idx, "ports", req.Ports)
	if !ok {
		return nil, nil, false
	}
	for _, r := range got {
		taken = taken.addOne(r)
	}
	if o.AllocationRole != "" {
		for _, r := range append(slices.Clip(taken), execTaken...) {
			if r.AllocationInfo == nil {
				r.AllocationInfo = &mesosproto.Resource_AllocationInfo{Role: proto.String(o.AllocationRole)}
			}
		}
	}

	t := proto.Clone(req.Task).(*mesosproto.TaskInfo)
	t.AgentId = o.ProtoAgentID()
	t.Resources = taken
	if executor != nil {
		t.Executor = executor
		if execNeeds != nil {
			t.Executor.Resources = execTaken
		}
	}
	if len(ports) > 0 {
		usePorts(t, ports)
	}
	return t, scratch.compact(), true
}

// needsOf returns resources without role, reservations, allocation_info and
// revocable marker, coalesced: what a task or an executor needs, wherever it
// is taken from.
func needsOf(rs []*mesosproto.Resource) Resources {
	var out Resources
	for _, r := range rs {
		if !validResource(r) {
			continue
		}
		c := proto.Clone(r).(*mesosproto.Resource)
		//lint:ignore SA1019 a need's pre-refinement role is ignored
		c.Role = nil
		c.Reservation, c.Reservations, c.AllocationInfo, c.Revocable = nil, nil, nil, nil
		out = out.addOne(c)
	}
	return out
}

// takeOrder orders the resources a task takes from: reserved before
// unreserved, revocable last.
func takeOrder(r *mesosproto.Resource) int {
	p := 0
	if ReservationRole(r) == "*" {
		p++
	}
	if r.Revocable != nil {
		p += 2
	}
	return p
}

// fitsNeed reports whether offered resource c can serve need n (ignoring
// reservation, allocation and revocability, which eligibility decides).
func fitsNeed(c, n *mesosproto.Resource) bool {
	return c.GetName() == n.GetName() && c.GetType() == n.GetType() &&
		(c.Shared != nil) == (n.Shared != nil) &&
		(c.Disk != nil) == (n.Disk != nil) && (c.Disk == nil || proto.Equal(c.Disk, n.Disk)) &&
		(c.ProviderId != nil) == (n.ProviderId != nil) && (c.ProviderId == nil || proto.Equal(c.ProviderId, n.ProviderId))
}

// roughFit is a quick necessary condition, without copying: enough of
// every scalar need, and enough ports.
func roughFit(rs Resources, eligible func(*mesosproto.Resource) bool, needs Resources, ports int) bool {
	for _, n := range needs {
		if n.GetType() != mesosproto.Value_SCALAR || n.Shared != nil {
			continue
		}
		want, have := toFixed(n.GetScalar().GetValue()), int64(0)
		for _, c := range rs {
			if eligible(c) && fitsNeed(c, n) {
				have += toFixed(c.GetScalar().GetValue())
			}
		}
		if have < want {
			return false
		}
	}
	if ports > 0 {
		var have uint64
		for _, c := range rs {
			if eligible(c) && c.GetName() == "ports" && c.GetType() == mesosproto.Value_RANGES && c.Shared == nil {
				for _, x := range rangesOf(c) {
					have += min(x[1]-x[0], uint64(ports)) + 1
				}
			}
		}
		if have < uint64(ports) {
			return false
		}
	}
	return true
}

// takeNeed takes need n from rs[idx...] in that order, modifying rs (which
// the caller owns), and returns the taken resources.
func takeNeed(rs Resources, idx []int, n *mesosproto.Resource) (Resources, bool) {
	var taken Resources
	if n.Shared != nil {
		for _, i := range idx {
			if c := rs[i]; fitsNeed(c, n) && sameValue(c, n) {
				return taken.addOne(c), true // shared: used, not consumed
			}
		}
		return nil, false
	}
	switch n.GetType() {
	case mesosproto.Value_SCALAR:
		left := toFixed(n.GetScalar().GetValue())
		for _, i := range idx {
			c := rs[i]
			if left == 0 {
				break
			}
			if !fitsNeed(c, n) {
				continue
			}
			have := toFixed(c.GetScalar().GetValue())
			if have == 0 || (exclusive(c) && left < have) {
				continue
			}
			got := min(have, left)
			t := withValue(c)
			t.Scalar = &mesosproto.Value_Scalar{Value: proto.Float64(fromFixed(got))}
			taken = taken.addOne(t)
			c.Scalar.Value = proto.Float64(fromFixed(have - got))
			left -= got
		}
		return taken, left == 0
	case mesosproto.Value_RANGES:
		want := normRanges(rangesOf(n))
		for _, i := range idx {
			c := rs[i]
			if len(want) == 0 {
				break
			}
			if !fitsNeed(c, n) {
				continue
			}
			have := normRanges(rangesOf(c))
			got := intersectRanges(have, want)
			if len(got) == 0 {
				continue
			}
			t := withValue(c)
			t.Ranges = rangesProto(got)
			taken = taken.addOne(t)
			c.Ranges = rangesProto(subRanges(have, got))
			want = subRanges(want, got)
		}
		return taken, len(want) == 0
	case mesosproto.Value_SET:
		want := slices.Clone(n.GetSet().GetItem())
		for _, i := range idx {
			c := rs[i]
			if len(want) == 0 {
				break
			}
			if !fitsNeed(c, n) {
				continue
			}
			var got []string
			for _, it := range want {
				if slices.Contains(c.GetSet().GetItem(), it) {
					got = append(got, it)
				}
			}
			if len(got) == 0 {
				continue
			}
			t := withValue(c)
			t.Set = &mesosproto.Value_Set{Item: got}
			taken = taken.addOne(t)
			c.Set.Item = slices.DeleteFunc(c.Set.Item, func(it string) bool { return slices.Contains(got, it) })
			want = slices.DeleteFunc(want, func(it string) bool { return slices.Contains(got, it) })
		}
		return taken, len(want) == 0
	}
	return nil, false
}

// usePorts tells the task about its ports: PORT0..PORT<n-1> and PORT in
// its command's environment, the first port in health checks on port 0.
func usePorts(t *mesosproto.TaskInfo, ports []uint64) {
	if c := t.GetCommand(); c != nil {
		if c.Environment == nil {
			c.Environment = &mesosproto.Environment{}
		}
		add := func(name string, p uint64) {
			c.Environment.Variables = append(c.Environment.Variables, &mesosproto.Environment_Variable{
				Name: proto.String(name), Value: proto.String(strconv.FormatUint(p, 10)),
			})
		}
		for i, p := range ports {
			add("PORT"+strconv.Itoa(i), p)
		}
		add("PORT", ports[0])
	}
	if hc := t.GetHealthCheck(); hc != nil && ports[0] <= 65535 {
		first := uint32(ports[0])
		if h := hc.GetHttp(); h != nil && h.GetPort() == 0 {
			h.Port = proto.Uint32(first)
		}
		if tcp := hc.GetTcp(); tcp != nil && tcp.GetPort() == 0 {
			tcp.Port = proto.Uint32(first)
		}
	}
}

// executorFor returns the ExecutorInfo task should carry on offer o and what
// of it is still to be taken from the offer: nothing for a command task, for
// an executor charged by an earlier task of this offer (whose ExecutorInfo
// the task then shares), or for one the offer lists as running.
func executorFor(o *Offer, task *mesosproto.TaskInfo, charged map[string]*mesosproto.ExecutorInfo) (*mesosproto.ExecutorInfo, Resources) {
	ex := task.GetExecutor()
	if ex == nil {
		return nil, nil
	}
	id := ex.GetExecutorId().GetValue()
	if prev, ok := charged[id]; ok {
		return proto.Clone(prev).(*mesosproto.ExecutorInfo), nil
	}
	cp := proto.Clone(ex).(*mesosproto.ExecutorInfo)
	for _, running := range o.ExecutorIDs {
		if running == id {
			return cp, nil
		}
	}
	needs := needsOf(cp.GetResources())
	if needs == nil {
		needs = Resources{} // charged, with nothing to take
	}
	return cp, needs
}
