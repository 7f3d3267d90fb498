// SPDX-License-Identifier: Apache-2.0

package mesostest

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/mesosproto"
)

// resources is the agent- and master-side resource arithmetic: a multiset of
// named resources keyed by (name, reservation role), with scalars kept in
// fixed point at three decimals as Mesos does (src/common/values.cpp,
// Value::Scalar operators round to 0.001).
type resources map[rkey]*rval

type rkey struct {
	name string
	role string // role of the last reservation, "*" when unreserved
	meta string // identity beyond name and role; "" for plain resources (resources_meta.go)
}

type rval struct {
	typ    mesosproto.Value_Type
	scalar int64 // thousandths
	ranges []rng // sorted, disjoint, not adjacent
	set    map[string]struct{}
}

type rng struct{ begin, end uint64 }

func toMilli(v float64) int64 { return int64(math.Round(v * 1000)) }

func fromMilli(m int64) float64 { return float64(m) / 1000 }

// resourcesFromProto converts protobuf resources. Unknown value types, or a
// name used with two types, are errors.
func resourcesFromProto(list []*mesosproto.Resource) (resources, error) {
	out := resources{}
	for _, r := range list {
		if r.GetName() == "" {
			return nil, fmt.Errorf("empty resource name")
		}
		v := &rval{typ: r.GetType()}
		switch r.GetType() {
		case mesosproto.Value_SCALAR:
			if r.Scalar == nil {
				return nil, fmt.Errorf("scalar resource %q has no value", r.GetName())
			}
			s := r.GetScalar().GetValue()
			if math.IsNaN(s) || math.IsInf(s, 0) || s < 0 {
				return nil, fmt.Errorf("invalid scalar resource %s:%v", r.GetName(), s)
			}
			v.scalar = toMilli(s)
		case mesosproto.Value_RANGES:
			for _, x := range r.GetRanges().GetRange() {
				if x.GetBegin() > x.GetEnd() {
					return nil, fmt.Errorf("invalid range [%d-%d] in %q", x.GetBegin(), x.GetEnd(), r.GetName())
				}
				v.ranges = addRanges(v.ranges, []rng{{x.GetBegin(), x.GetEnd()}})
			}
		case mesosproto.Value_SET:
			v.set = map[string]struct{}{}
			for _, it := range r.GetSet().GetItem() {
				v.set[it] = struct{}{}
			}
		default:
			return nil, fmt.Errorf("resource %q has unsupported type %v", r.GetName(), r.GetType())
		}
		if err := out.addOne(keyOf(r), v); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (rs resources) addOne(k rkey, v *rval) error {
	cur, ok := rs[k]
	if !ok {
		rs[k] = v.clone()
		return nil
	}
	if cur.typ != v.typ {
		return fmt.Errorf("resource %q used with types %v and %v", k.name, cur.typ, v.typ)
	}
	switch v.typ {
	case mesosproto.Value_SCALAR:
		cur.scalar += v.scalar
	case mesosproto.Value_RANGES:
		cur.ranges = addRanges(cur.ranges, v.ranges)
	case mesosproto.Value_SET:
		for it := range v.set {
			cur.set[it] = struct{}{}
		}
	}
	return nil
}

func (v *rval) clone() *rval {
	c := &rval{typ: v.typ, scalar: v.scalar}
	if v.ranges != nil {
		c.ranges = append([]rng(nil), v.ranges...)
	}
	if v.set != nil {
		c.set = make(map[string]struct{}, len(v.set))
		for it := range v.set {
			c.set[it] = struct{}{}
		}
	}
	return c
}

func (v *rval) empty() bool {
	switch v.typ {
	case mesosproto.Value_SCALAR:
		return v.scalar <= 0
	case mesosproto.Value_RANGES:
		return len(v.ranges) == 0
	case mesosproto.Value_SET:
		return len(v.set) == 0
	}
	return true
}

func (rs resources) clone() resources {
	out := make(resources, len(rs))
	for k, v := range rs {
		out[k] = v.clone()
	}
	return out
}

func (rs resources) empty() bool {
	for _, v := range rs {
		if !v.empty() {
			return false
		}
	}
	return true
}

// plus returns rs + o.
func (rs resources) plus(o resources) resources {
	out := rs.clone()
	for k, v := range o {
		_ = out.addOne(k, v) // types agree: both sides come from the same agent
	}
	return out
}

// minus returns rs - o, dropping what becomes empty. Parts of o that rs
// lacks are ignored.
func (rs resources) minus(o resources) resources {
	out := rs.clone()
	out.subtract(o)
	return out
}

// subtract is minus in place, for a map nobody else holds.
func (rs resources) subtract(o resources) {
	for k, v := range o {
		cur, ok := rs[k]
		if !ok || cur.typ != v.typ {
			continue
		}
		switch v.typ {
		case mesosproto.Value_SCALAR:
			cur.scalar -= v.scalar
			if cur.scalar < 0 {
				cur.scalar = 0
			}
		case mesosproto.Value_RANGES:
			cur.ranges = subRanges(cur.ranges, v.ranges)
		case mesosproto.Value_SET:
			for it := range v.set {
				delete(cur.set, it)
			}
		}
		if cur.empty() {
			delete(rs, k)
		}
	}
}

// contains reports whether o ⊆ rs.
func (rs resources) contains(o resources) bool {
	for k, v := range o {
		if v.empty() {
			continue
		}
		cur, ok := rs[k]
		if !ok || cur.typ != v.typ {
			return false
		}
		switch v.typ {
		case mesosproto.Value_SCALAR:
			if v.scalar > cur.scalar {
				return false
			}
		case mesosproto.Value_RANGES:
			if len(subRanges(v.ranges, cur.ranges)) != 0 {
				return false
			}
		case mesosproto.Value_SET:
			for it := range v.set {
				if _, ok := cur.set[it]; !ok {
					return false
				}
			}
		}
	}
	return true
}

// forRole keeps unreserved resources and those reserved for role.
func (rs resources) forRole(role string) resources {
	out := resources{}
	for k, v := range rs {
		if k.role == "*" || k.role == role {
			out[k] = v.clone()
		}
	}
	return out
}

func (rs resources) scalar(name string) int64 {
	var total int64
	for k, v := range rs {
		if k.name == name && v.typ == mesosproto.Value_SCALAR {
			total += v.scalar
		}
	}
	return total
}

// allocatable mirrors the allocator's default minimum allocatable resources
// ("cpus:0.01|mem:32", src/master/constants.hpp MIN_CPUS / MIN_MEM).
func (rs resources) allocatable() bool {
	return rs.scalar("cpus") >= 10 || rs.scalar("mem") >= 32000
}

var resourceOrder = map[string]int{"cpus": 0, "gpus": 1, "mem": 2, "disk": 3, "ports": 4}

func (rs resources) sortedKeys() []rkey {
	keys := make([]rkey, 0, len(rs))
	for k := range rs {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		oi, iok := resourceOrder[keys[i].name]
		oj, jok := resourceOrder[keys[j].name]
		switch {
		case iok && jok && oi != oj:
			return oi < oj
		case iok != jok:
			return iok
		case keys[i].name != keys[j].name:
			return keys[i].name < keys[j].name
		}
		if keys[i].role != keys[j].role {
			return keys[i].role < keys[j].role
		}
		return keys[i].meta < keys[j].meta
	})
	return keys
}

// toProto renders resources in the pre-refinement format (`role` set, "*"
// when unreserved, `reservation` for a dynamic one) or, with refined, in
// the post-refinement format (a `reservations` stack, nothing when
// unreserved), as Master::offer does for frameworks without and with
// RESERVATION_REFINEMENT. allocRole, when non-empty, is put in
// allocation_info (MULTI_ROLE frameworks only: Master::offer strips it
// otherwise).
func (rs resources) toProto(allocRole string, refined bool) []*mesosproto.Resource {
	var out []*mesosproto.Resource
	for _, k := range rs.sortedKeys() {
		v := rs[k]
		if v.empty() {
			continue
		}
		r := &mesosproto.Resource{Name: proto.String(k.name), Type: v.typ.Enum()}
		k.render(r, refined)
		switch v.typ {
		case mesosproto.Value_SCALAR:
			r.Scalar = &mesosproto.Value_Scalar{Value: proto.Float64(fromMilli(v.scalar))}
		case mesosproto.Value_RANGES:
			r.Ranges = &mesosproto.Value_Ranges{}
			for _, x := range v.ranges {
				r.Ranges.Range = append(r.Ranges.Range, &mesosproto.Value_Range{Begin: proto.Uint64(x.begin), End: proto.Uint64(x.end)})
			}
		case mesosproto.Value_SET:
			items := make([]string, 0, len(v.set))
			for it := range v.set {
				items = append(items, it)
			}
			sort.Strings(items)
			r.Set = &mesosproto.Value_Set{Item: items}
		}
		if allocRole != "" {
			r.AllocationInfo = &mesosproto.Resource_AllocationInfo{Role: proto.String(allocRole)}
		}
		out = append(out, r)
	}
	return out
}

// String renders resources roughly as stout's stringify(Resources) does
// ("cpus:4; mem:4096; ports:[31000-32000]"), for error messages.
func (rs resources) String() string {
	var parts []string
	for _, k := range rs.sortedKeys() {
		v := rs[k]
		parts = append(parts, k.describe()+":"+v.String())
	}
	return strings.Join(parts, "; ")
}

func (v *rval) String() string {
	switch v.typ {
	case mesosproto.Value_SCALAR:
		return strconv.FormatFloat(fromMilli(v.scalar), 'f', -1, 64)
	case mesosproto.Value_RANGES:
		parts := make([]string, len(v.ranges))
		for i, x := range v.ranges {
			parts[i] = fmt.Sprintf("%d-%d", x.begin, x.end)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case mesosproto.Value_SET:
		items := make([]string, 0, len(v.set))
		for it := range v.set {
			items = append(items, it)
		}
		sort.Strings(items)
		return "{" + strings.Join(items, ", ") + "}"
	}
	return "?"
}

// addRanges returns the union of a and b, sorted and coalesced (adjacent
// ranges merge, as src/common/values.cpp does).
func addRanges(a, b []rng) []rng {
	all := make([]rng, 0, len(a)+len(b))
	all = append(all, a...)
	all = append(all, b...)
	if len(all) == 0 {
		return nil
	}
	sort.Slice(all, func(i, j int) bool { return all[i].begin < all[j].begin })
	out := []rng{all[0]}
	for _, x := range all[1:] {
		last := &out[len(out)-1]
		if last.end == math.MaxUint64 || x.begin <= last.end+1 {
			if x.end > last.end {
				last.end = x.end
			}
			continue
		}
		out = append(out, x)
	}
	return out
}

// subRanges returns a \ b.
func subRanges(a, b []rng) []rng {
	out := append([]rng(nil), a...)
	for _, y := range b {
		var next []rng
		for _, x := range out {
			if y.end < x.begin || y.begin > x.end {
				next = append(next, x)
				continue
			}
			if y.begin > x.begin {
				next = append(next, rng{x.begin, y.begin - 1})
			}
			if y.end < x.end {
				next = append(next, rng{y.end + 1, x.end})
			}
		}
		out = next
	}
	return out
}

// maxInternedResources bounds the table of internResourcesLocked.
const maxInternedResources = 1024

// internResourcesLocked returns a resources value equal to res that tasks
// with the same resources share: resources values are never modified in
// place (plus and minus make new ones), and a cluster running many tasks
// usually runs many of the same shape. The table is reset when it holds
// maxInternedResources shapes.
func (s *Server) internResourcesLocked(res resources) resources {
	key := res.identity()
	if r, ok := s.taskRes[key]; ok {
		return r
	}
	if s.taskRes == nil || len(s.taskRes) >= maxInternedResources {
		s.taskRes = map[string]resources{}
	}
	s.taskRes[key] = res
	return res
}

// identity is a string that equals another's exactly when the two resources
// are equal: every key (name, role, meta) with its type and value, in key
// order.
func (rs resources) identity() string {
	keys := make([]rkey, 0, len(rs))
	for k := range rs {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		if a.name != b.name {
			return a.name < b.name
		}
		if a.role != b.role {
			return a.role < b.role
		}
		return a.meta < b.meta
	})
	var b []byte
	for _, k := range keys {
		v := rs[k]
		b = strconv.AppendQuote(b, k.name)
		b = strconv.AppendQuote(b, k.role)
		b = strconv.AppendQuote(b, k.meta)
		b = strconv.AppendInt(b, int64(v.typ), 10)
		b = append(b, ':')
		switch v.typ {
		case mesosproto.Value_SCALAR:
			b = strconv.AppendInt(b, v.scalar, 10)
		case mesosproto.Value_RANGES:
			for _, r := range v.ranges {
				b = strconv.AppendUint(b, r.begin, 10)
				b = append(b, '-')
				b = strconv.AppendUint(b, r.end, 10)
				b = append(b, ',')
			}
		case mesosproto.Value_SET:
			items := make([]string, 0, len(v.set))
			for it := range v.set {
				items = append(items, it)
			}
			sort.Strings(items)
			for _, it := range items {
				b = strconv.AppendQuote(b, it)
			}
		}
		b = append(b, ';')
	}
	return string(b)
}
