// SPDX-License-Identifier: Apache-2.0

package scheduler

import (
	"math"
	"slices"
	"strconv"
	"strings"

	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/mesosproto"
)

// Scalar returns an unreserved scalar resource, Scalar("cpus", 0.5). The
// value is rounded to three decimal places, the precision Mesos computes
// with.
func Scalar(name string, value float64) *mesosproto.Resource {
	return &mesosproto.Resource{
		Name:   proto.String(name),
		Type:   mesosproto.Value_SCALAR.Enum(),
		Scalar: &mesosproto.Value_Scalar{Value: proto.Float64(fromFixed(toFixed(value)))},
	}
}

// Ranges returns an unreserved ranges resource, Ranges("ports",
// [2]uint64{31000, 31010}); each pair is an inclusive [begin, end]. The
// ranges are sorted and coalesced; a pair with begin > end is empty and
// left out.
func Ranges(name string, ranges ...[2]uint64) *mesosproto.Resource {
	return &mesosproto.Resource{
		Name:   proto.String(name),
		Type:   mesosproto.Value_RANGES.Enum(),
		Ranges: rangesProto(normRanges(ranges)),
	}
}

// Set returns an unreserved set resource, Set("disks", "a", "b"), without
// duplicate items.
func Set(name string, items ...string) *mesosproto.Resource {
	return &mesosproto.Resource{
		Name: proto.String(name),
		Type: mesosproto.Value_SET.Enum(),
		Set:  &mesosproto.Value_Set{Item: addItems(nil, items)},
	}
}

// ReservationRole returns the role r is reserved for, or "*" when r is
// unreserved. It reads both resource formats: the `reservations` stack
// (frameworks with RESERVATION_REFINEMENT; the last entry is the role) and
// the older `role` field.
func ReservationRole(r *mesosproto.Resource) string {
	if rs := r.GetReservations(); len(rs) > 0 {
		return rs[len(rs)-1].GetRole()
	}
	//lint:ignore SA1019 frameworks without RESERVATION_REFINEMENT get the pre-refinement `role`
	if role := r.GetRole(); role != "" {
		return role
	}
	return "*"
}

// Resources is a list of resources with the arithmetic of Mesos's
// Resources class (src/common/resources.cpp): what is left of an offer,
// whether a task fits, which ports to give it. Convert an offer's list with
// Resources(offer.GetResources()).
//
// Scalars are added, subtracted and compared in fixed point with three
// decimal places, as Mesos does (value × 1000 rounded to an integer), so
// 0.1 + 0.2 equals 0.3 and repeated subtraction never drifts. Ranges are
// kept sorted and coalesced ([1-2] + [3-4] is [1-4]); sets have no
// duplicates.
//
// Two resources are of the same kind, and merge when added, when their
// name, type, reservation (the `reservations` stack, or `role` plus
// `reservation`, compared in one normalized form), allocation_info, disk
// info, revocable and shared markers and provider_id agree. As in Mesos,
// persistent volumes and MOUNT, BLOCK and identified RAW disks never merge
// and are subtracted only whole, and a shared resource equals only an
// identical one. Left out: Mesos's share counting (here every copy of a
// shared resource is one entry, and Contains does not consume it), TEXT
// values, and validation of roles and reservation stacks (the master does
// that). Invalid entries (no name or type, a negative or NaN scalar, a range
// with begin > end) and empty ones are dropped by every operation, as
// Mesos drops them.
//
// Methods never modify their receiver or arguments, and their results
// share no protos with them, so a Resources may be read concurrently. The
// results are coalesced: one entry per kind, in order of first appearance.
type Resources []*mesosproto.Resource

// Add returns rs plus more.
func (rs Resources) Add(more ...*mesosproto.Resource) Resources {
	out := rs.coalesce()
	for _, r := range more {
		out = out.addOne(r)
	}
	return out
}

// Subtract returns rs minus less. Subtracting more than there is leaves
// nothing of that kind, as in Mesos; check with Contains first.
func (rs Resources) Subtract(less ...*mesosproto.Resource) Resources {
	out := rs.coalesce()
	for _, r := range less {
		out = out.subtractOne(r)
	}
	return out
}

// Contains reports whether rs holds all of other, kind by kind: an
// unreserved cpu does not contain a reserved one, nor a cpu allocated to
// role "a" one allocated to "b".
func (rs Resources) Contains(other ...*mesosproto.Resource) bool {
	remaining := rs.coalesce()
	for _, r := range Resources(other).coalesce() {
		if !remaining.containsOne(r) {
			return false
		}
		if r.Shared == nil {
			remaining = remaining.subtractOne(r)
		}
	}
	return true
}

// Equal reports whether rs and other hold the same resources.
func (rs Resources) Equal(other Resources) bool {
	return rs.Contains(other...) && other.Contains(rs...)
}

// IsEmpty reports whether rs holds no (valid, non-empty) resource.
func (rs Resources) IsEmpty() bool {
	for _, r := range rs {
		if validResource(r) && !emptyResource(r) {
			return false
		}
	}
	return true
}

// Flatten returns rs with role, reservations and allocation_info removed,
// so that resources differing only in those merge: "how many cpus in all".
// Disk info and the revocable and shared markers are kept.
func (rs Resources) Flatten() Resources {
	var out Resources
	for _, r := range rs {
		if !validResource(r) {
			continue
		}
		c := proto.Clone(r).(*mesosproto.Resource)
		//lint:ignore SA1019 clearing the pre-refinement role is the point
		c.Role = nil
		c.Reservation, c.Reservations, c.AllocationInfo = nil, nil, nil
		out = out.addOne(c)
	}
	return out
}

// Filter returns the resources of rs for which keep returns true.
func (rs Resources) Filter(keep func(*mesosproto.Resource) bool) Resources {
	var out Resources
	for _, r := range rs.coalesce() {
		if keep(r) {
			out = append(out, r)
		}
	}
	return out
}

// Unreserved returns the unreserved resources of rs.
func (rs Resources) Unreserved() Resources {
	return rs.Filter(func(r *mesosproto.Resource) bool { return ReservationRole(r) == "*" })
}

// Reserved returns the resources of rs reserved for role, or, with role
// "", every reserved resource.
func (rs Resources) Reserved(role string) Resources {
	return rs.Filter(func(r *mesosproto.Resource) bool {
		rr := ReservationRole(r)
		return rr != "*" && (role == "" || rr == role)
	})
}

// AllocatableTo returns the resources of rs that role may use: unreserved
// ones and those reserved for role or for one of its ancestors in the role
// hierarchy ("a" for "a/b"), as Mesos's Resources::allocatableTo.
func (rs Resources) AllocatableTo(role string) Resources {
	return rs.Filter(func(r *mesosproto.Resource) bool { return allocatableTo(r, role) })
}

// AllocatedTo returns the resources of rs whose allocation_info names
// role: in offers to MULTI_ROLE frameworks, those offered to that role.
// Resources without allocation_info are never included.
func (rs Resources) AllocatedTo(role string) Resources {
	return rs.Filter(func(r *mesosproto.Resource) bool {
		return r.AllocationInfo != nil && r.GetAllocationInfo().GetRole() == role
	})
}

// ScalarOf returns the sum of every scalar resource named name, of any
// kind, computed in fixed point (0 if there is none).
func (rs Resources) ScalarOf(name string) float64 {
	var sum int64
	for _, r := range rs {
		if validResource(r) && r.GetName() == name && r.GetType() == mesosproto.Value_SCALAR {
			sum += toFixed(r.GetScalar().GetValue())
		}
	}
	return fromFixed(sum)
}

// RangesOf returns the union of every ranges resource named name, sorted
// and coalesced, as inclusive [begin, end] pairs.
func (rs Resources) RangesOf(name string) [][2]uint64 {
	var out [][2]uint64
	for _, r := range rs {
		if validResource(r) && r.GetName() == name && r.GetType() == mesosproto.Value_RANGES {
			out = append(out, rangesOf(r)...)
		}
	}
	return normRanges(out)
}

// SetOf returns the union of every set resource named name, in order of
// first appearance.
func (rs Resources) SetOf(name string) []string {
	var out []string
	for _, r := range rs {
		if validResource(r) && r.GetName() == name && r.GetType() == mesosproto.Value_SET {
			out = addItems(out, r.GetSet().GetItem())
		}
	}
	return out
}

// TakePorts takes n ports from the "ports" ranges of rs, lowest first, in
// the order the ranges appear in rs. It returns the port numbers, the
// resources that hold them (with the role, reservations and
// allocation_info of the ranges they came from, ready for a TaskInfo) and
// what is left of rs. ok is false, and nothing is taken, when rs has fewer
// than n ports. To take only ports a role may use, filter first
// (rs.AllocatableTo(role).TakePorts(n)) and subtract taken from the whole.
func (rs Resources) TakePorts(n int) (ports []uint64, taken, remaining Resources, ok bool) {
	remaining = rs.coalesce()
	all := make([]int, len(remaining))
	for i := range all {
		all[i] = i
	}
	ports, taken, ok = takeCount(remaining, all, "ports", n)
	if !ok {
		return nil, nil, rs.coalesce(), false
	}
	return ports, taken, remaining.compact(), true
}

// String renders rs for people, close to Mesos's notation:
// "cpus(web)(allocated: web):0.5; mem:32; ports:[31000-31001]", where
// "(web)" is a reservation, "{REV}" marks revocable and "<SHARED>" shared
// resources, and "[...]" shows disk info.
func (rs Resources) String() string {
	var b strings.Builder
	for _, r := range rs {
		if !validResource(r) || emptyResource(r) {
			continue
		}
		if b.Len() > 0 {
			b.WriteString("; ")
		}
		writeResource(&b, r)
	}
	return b.String()
}

func writeResource(b *strings.Builder, r *mesosproto.Resource) {
	b.WriteString(r.GetName())
	if role := ReservationRole(r); role != "*" {
		b.WriteString("(" + role + ")")
	}
	if r.AllocationInfo != nil {
		b.WriteString("(allocated: " + r.GetAllocationInfo().GetRole() + ")")
	}
	if d := r.GetDisk(); d != nil {
		var parts []string
		if src := d.GetSource(); src != nil {
			parts = append(parts, src.GetType().String())
		}
		if p := d.GetPersistence(); p != nil {
			v := p.GetId()
			if path := d.GetVolume().GetContainerPath(); path != "" {
				v += ":" + path
			}
			parts = append(parts, v)
		}
		b.WriteString("[" + strings.Join(parts, ",") + "]")
	}
	if r.Revocable != nil {
		b.WriteString("{REV}")
	}
	if r.Shared != nil {
		b.WriteString("<SHARED>")
	}
	b.WriteString(":")
	switch r.GetType() {
	case mesosproto.Value_SCALAR:
		b.WriteString(strconv.FormatFloat(fromFixed(toFixed(r.GetScalar().GetValue())), 'f', -1, 64))
	case mesosproto.Value_RANGES:
		b.WriteString("[")
		for i, x := range normRanges(rangesOf(r)) {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(strconv.FormatUint(x[0], 10) + "-" + strconv.FormatUint(x[1], 10))
		}
		b.WriteString("]")
	case mesosproto.Value_SET:
		b.WriteString("{" + strings.Join(r.GetSet().GetItem(), ", ") + "}")
	}
}

// coalesce returns a fresh, coalesced copy of rs.
func (rs Resources) coalesce() Resources {
	var out Resources
	for _, r := range rs {
		out = out.addOne(r)
	}
	return out
}

// compact drops the entries that have become empty, in place.
func (rs Resources) compact() Resources {
	return slices.DeleteFunc(rs, emptyResource)
}

// addOne adds a copy of r to rs, which it owns and may modify.
func (rs Resources) addOne(r *mesosproto.Resource) Resources {
	if !validResource(r) || emptyResource(r) {
		return rs
	}
	if r.Shared == nil {
		for _, cur := range rs {
			if sameKind(cur, r, false) {
				addValue(cur, r)
				return rs
			}
		}
	}
	c := proto.Clone(r).(*mesosproto.Resource)
	normValue(c)
	return append(rs, c)
}

// subtractOne subtracts r from rs, which it owns and may modify.
func (rs Resources) subtractOne(r *mesosproto.Resource) Resources {
	if !validResource(r) || emptyResource(r) {
		return rs
	}
	for i, cur := range rs {
		if !sameKind(cur, r, true) {
			continue
		}
		if cur.Shared != nil { // one copy, identical to r
			return slices.Delete(rs, i, i+1)
		}
		subtractValue(cur, r)
		if emptyResource(cur) {
			return slices.Delete(rs, i, i+1)
		}
		return rs
	}
	return rs
}

// containsOne reports whether one entry of the coalesced rs contains r.
func (rs Resources) containsOne(r *mesosproto.Resource) bool {
	for _, cur := range rs {
		if sameKind(cur, r, true) && containsValue(cur, r) {
			return true
		}
	}
	return false
}

// --- single resources -------------------------------------------------

// validResource follows Resources::validate for the value: a name, a type with its
// value, scalars finite and not negative, ranges with begin <= end.
func validResource(r *mesosproto.Resource) bool {
	if r == nil || r.GetName() == "" || r.Type == nil {
		return false
	}
	switch r.GetType() {
	case mesosproto.Value_SCALAR:
		v := r.GetScalar().GetValue()
		return r.Scalar != nil && !math.IsNaN(v) && !math.IsInf(v, 0) && v >= 0
	case mesosproto.Value_RANGES:
		if r.Ranges == nil {
			return false
		}
		for _, x := range r.GetRanges().GetRange() {
			if x.GetBegin() > x.GetEnd() {
				return false
			}
		}
		return true
	case mesosproto.Value_SET:
		return r.Set != nil
	}
	return false
}

// emptyResource is Resources::isEmpty: a zero scalar (in fixed point), no range,
// no item.
func emptyResource(r *mesosproto.Resource) bool {
	switch r.GetType() {
	case mesosproto.Value_SCALAR:
		return toFixed(r.GetScalar().GetValue()) == 0
	case mesosproto.Value_RANGES:
		return len(r.GetRanges().GetRange()) == 0
	case mesosproto.Value_SET:
		return len(r.GetSet().GetItem()) == 0
	}
	return true
}

// reservationsOf returns r's reservation stack in the refined format; the
// pre-refinement `role` (+ `reservation`) becomes one STATIC (or DYNAMIC)
// entry, as convertResourceFormat does.
func reservationsOf(r *mesosproto.Resource) []*mesosproto.Resource_ReservationInfo {
	if len(r.GetReservations()) > 0 {
		return r.GetReservations()
	}
	role := ReservationRole(r)
	if role == "*" {
		return nil
	}
	ri := &mesosproto.Resource_ReservationInfo{Type: mesosproto.Resource_ReservationInfo_STATIC.Enum(), Role: proto.String(role)}
	if old := r.GetReservation(); old != nil {
		ri.Type = mesosproto.Resource_ReservationInfo_DYNAMIC.Enum()
		ri.Principal, ri.Labels = old.Principal, old.Labels
	}
	return []*mesosproto.Resource_ReservationInfo{ri}
}

// sameMeta compares everything but the value and the share marker's
// consequences.
func sameMeta(a, b *mesosproto.Resource) bool {
	if a.GetName() != b.GetName() || a.GetType() != b.GetType() ||
		(a.Revocable != nil) != (b.Revocable != nil) || (a.Shared != nil) != (b.Shared != nil) {
		return false
	}
	if (a.AllocationInfo != nil) != (b.AllocationInfo != nil) ||
		(a.AllocationInfo != nil && !proto.Equal(a.AllocationInfo, b.AllocationInfo)) {
		return false
	}
	if (a.Disk != nil) != (b.Disk != nil) || (a.Disk != nil && !proto.Equal(a.Disk, b.Disk)) {
		return false
	}
	if (a.ProviderId != nil) != (b.ProviderId != nil) || (a.ProviderId != nil && !proto.Equal(a.ProviderId, b.ProviderId)) {
		return false
	}
	ra, rb := reservationsOf(a), reservationsOf(b)
	return slices.EqualFunc(ra, rb, func(x, y *mesosproto.Resource_ReservationInfo) bool { return proto.Equal(x, y) })
}

// sameKind is Mesos's addable (subtract false) or subtractable (true).
func sameKind(a, b *mesosproto.Resource, subtract bool) bool {
	if !sameMeta(a, b) {
		return false
	}
	if a.Shared != nil {
		return sameValue(a, b)
	}
	if exclusive(a) {
		return subtract && sameValue(a, b)
	}
	return true
}

// exclusive reports whether r can only be used whole and never merges: a
// persistent volume, a MOUNT or BLOCK disk, an identified RAW disk.
func exclusive(r *mesosproto.Resource) bool {
	d := r.GetDisk()
	if d == nil {
		return false
	}
	if d.Persistence != nil {
		return true
	}
	src := d.GetSource()
	if src == nil {
		return false
	}
	switch src.GetType() {
	case mesosproto.Resource_DiskInfo_Source_MOUNT, mesosproto.Resource_DiskInfo_Source_BLOCK:
		return true
	case mesosproto.Resource_DiskInfo_Source_RAW:
		return src.Id != nil
	}
	return false
}

func sameValue(a, b *mesosproto.Resource) bool {
	switch a.GetType() {
	case mesosproto.Value_SCALAR:
		return toFixed(a.GetScalar().GetValue()) == toFixed(b.GetScalar().GetValue())
	case mesosproto.Value_RANGES:
		return slices.Equal(normRanges(rangesOf(a)), normRanges(rangesOf(b)))
	case mesosproto.Value_SET:
		return containsValue(a, b) && containsValue(b, a)
	}
	return false
}

// normValue puts r's value in canonical form: scalar rounded, ranges
// coalesced, set items unique.
func normValue(r *mesosproto.Resource) {
	switch r.GetType() {
	case mesosproto.Value_SCALAR:
		r.Scalar.Value = proto.Float64(fromFixed(toFixed(r.GetScalar().GetValue())))
	case mesosproto.Value_RANGES:
		r.Ranges = rangesProto(normRanges(rangesOf(r)))
	case mesosproto.Value_SET:
		r.Set.Item = addItems(nil, r.GetSet().GetItem())
	}
}

func addValue(dst, r *mesosproto.Resource) {
	switch dst.GetType() {
	case mesosproto.Value_SCALAR:
		dst.Scalar.Value = proto.Float64(fromFixed(toFixed(dst.GetScalar().GetValue()) + toFixed(r.GetScalar().GetValue())))
	case mesosproto.Value_RANGES:
		dst.Ranges = rangesProto(normRanges(append(rangesOf(dst), rangesOf(r)...)))
	case mesosproto.Value_SET:
		dst.Set.Item = addItems(dst.GetSet().GetItem(), r.GetSet().GetItem())
	}
}

// subtractValue subtracts r's value from dst's; a scalar below zero
// becomes zero (Mesos removes negative results).
func subtractValue(dst, r *mesosproto.Resource) {
	switch dst.GetType() {
	case mesosproto.Value_SCALAR:
		d := max(toFixed(dst.GetScalar().GetValue())-toFixed(r.GetScalar().GetValue()), 0)
		dst.Scalar.Value = proto.Float64(fromFixed(d))
	case mesosproto.Value_RANGES:
		dst.Ranges = rangesProto(subRanges(normRanges(rangesOf(dst)), normRanges(rangesOf(r))))
	case mesosproto.Value_SET:
		drop := make(map[string]bool, len(r.GetSet().GetItem()))
		for _, it := range r.GetSet().GetItem() {
			drop[it] = true
		}
		dst.Set.Item = slices.DeleteFunc(dst.Set.Item, func(it string) bool { return drop[it] })
	}
}

func containsValue(have, want *mesosproto.Resource) bool {
	switch have.GetType() {
	case mesosproto.Value_SCALAR:
		return toFixed(want.GetScalar().GetValue()) <= toFixed(have.GetScalar().GetValue())
	case mesosproto.Value_RANGES:
		return len(subRanges(normRanges(rangesOf(want)), normRanges(rangesOf(have)))) == 0
	case mesosproto.Value_SET:
		for _, it := range want.GetSet().GetItem() {
			if !slices.Contains(have.GetSet().GetItem(), it) {
				return false
			}
		}
		return true
	}
	return false
}

// allocatableTo is Resources::isAllocatableTo.
func allocatableTo(r *mesosproto.Resource, role string) bool {
	rr := ReservationRole(r)
	return rr == "*" || rr == role || strings.HasPrefix(role, rr+"/")
}

// takeCount takes n values of the ranges resources named name among
// rs[idx...] (in that order, lowest values first), modifying rs (which the
// caller owns); the taken values and resources are returned. Nothing is
// modified when fewer than n are available.
func takeCount(rs Resources, idx []int, name string, n int) ([]uint64, Resources, bool) {
	if n <= 0 {
		return nil, nil, true
	}
	var avail uint64
	for _, i := range idx {
		r := rs[i]
		if r.GetName() == name && r.GetType() == mesosproto.Value_RANGES && r.Shared == nil {
			for _, x := range rangesOf(r) {
				avail += min(x[1]-x[0], uint64(n)) + 1 // no overflow on [0-MaxUint64]
				if avail >= uint64(n) {
					break
				}
			}
		}
		if avail >= uint64(n) {
			break
		}
	}
	if avail < uint64(n) {
		return nil, nil, false
	}
	var values []uint64
	var taken Resources
	left := uint64(n)
	for _, i := range idx {
		r := rs[i]
		if left == 0 {
			break
		}
		if r.GetName() != name || r.GetType() != mesosproto.Value_RANGES || r.Shared != nil {
			continue
		}
		var got [][2]uint64
		for _, x := range normRanges(rangesOf(r)) {
			if left == 0 {
				break
			}
			end := x[1]
			if end-x[0] >= left {
				end = x[0] + left - 1
			}
			got = append(got, [2]uint64{x[0], end})
			left -= end - x[0] + 1
			for v := x[0]; ; v++ {
				values = append(values, v)
				if v == end {
					break
				}
			}
		}
		if len(got) == 0 {
			continue
		}
		t := withValue(r)
		t.Ranges = rangesProto(got)
		taken = taken.addOne(t)
		r.Ranges = rangesProto(subRanges(normRanges(rangesOf(r)), got))
	}
	return values, taken, true
}

// withValue returns a copy of r without its value, to be filled in.
func withValue(r *mesosproto.Resource) *mesosproto.Resource {
	c := proto.Clone(r).(*mesosproto.Resource)
	c.Scalar, c.Ranges, c.Set = nil, nil, nil
	return c
}

// --- values -----------------------------------------------------------

// Scalars are compared and summed as Mesos's convertToFixed does
// (src/common/values.cpp): value × 1000, rounded half away from zero.
const fixedScale = 1000

func toFixed(v float64) int64 {
	x := math.Round(v * fixedScale)
	switch {
	case math.IsNaN(x):
		return 0
	case x >= math.MaxInt64:
		return math.MaxInt64
	case x <= math.MinInt64:
		return math.MinInt64
	}
	return int64(x)
}

func fromFixed(f int64) float64 { return float64(f) / fixedScale }

func rangesOf(r *mesosproto.Resource) [][2]uint64 {
	rs := r.GetRanges().GetRange()
	out := make([][2]uint64, 0, len(rs))
	for _, x := range rs {
		out = append(out, [2]uint64{x.GetBegin(), x.GetEnd()})
	}
	return out
}

func rangesProto(rs [][2]uint64) *mesosproto.Value_Ranges {
	out := &mesosproto.Value_Ranges{Range: make([]*mesosproto.Value_Range, 0, len(rs))}
	for _, x := range rs {
		out.Range = append(out.Range, &mesosproto.Value_Range{Begin: proto.Uint64(x[0]), End: proto.Uint64(x[1])})
	}
	return out
}

// normRanges returns the ranges sorted and coalesced (overlapping and
// adjacent ones merged); pairs with begin > end are dropped.
func normRanges(in [][2]uint64) [][2]uint64 {
	rs := make([][2]uint64, 0, len(in))
	for _, x := range in {
		if x[0] <= x[1] {
			rs = append(rs, x)
		}
	}
	slices.SortFunc(rs, func(a, b [2]uint64) int {
		switch {
		case a[0] < b[0]:
			return -1
		case a[0] > b[0]:
			return 1
		}
		return 0
	})
	out := rs[:0]
	for _, x := range rs {
		if n := len(out); n > 0 && (out[n-1][1] == math.MaxUint64 || x[0] <= out[n-1][1]+1) {
			out[n-1][1] = max(out[n-1][1], x[1])
			continue
		}
		out = append(out, x)
	}
	return out
}

// subRanges returns a minus b; both must be normalized.
func subRanges(a, b [][2]uint64) [][2]uint64 {
	var out [][2]uint64
	j := 0
	for _, x := range a {
		begin, end := x[0], x[1]
		for j < len(b) && b[j][1] < begin {
			j++
		}
		k := j
		cut := false
		for ; k < len(b) && b[k][0] <= end; k++ {
			if b[k][0] > begin {
				out = append(out, [2]uint64{begin, b[k][0] - 1})
			}
			if b[k][1] >= end {
				cut = true
				break
			}
			begin = b[k][1] + 1
		}
		if !cut {
			out = append(out, [2]uint64{begin, end})
		}
	}
	return out
}

// intersectRanges returns a ∩ b; both must be normalized.
func intersectRanges(a, b [][2]uint64) [][2]uint64 {
	return subRanges(a, subRanges(a, b))
}

// addItems appends the items of more that items does not have yet.
func addItems(items, more []string) []string {
	out := slices.Clone(items)
	for _, it := range more {
		if !slices.Contains(out, it) {
			out = append(out, it)
		}
	}
	return out
}
