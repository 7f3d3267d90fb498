// SPDX-License-Identifier: Apache-2.0

package scheduler_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/testing/protocmp"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/scheduler"
)

// --- resource constructors for the tables ---------------------------------

// reserved returns r reserved for role in the pre-refinement format
// (`role`, plus `reservation` when principal is set: a dynamic
// reservation).
func reservedFor(r *mesosproto.Resource, role, principal string) *mesosproto.Resource {
	//lint:ignore SA1019 the pre-refinement format is one of the two under test
	r.Role = proto.String(role)
	if principal != "" {
		r.Reservation = &mesosproto.Resource_ReservationInfo{Principal: proto.String(principal)}
	}
	return r
}

// refined returns r with a reservations stack (RESERVATION_REFINEMENT).
func refined(r *mesosproto.Resource, typ mesosproto.Resource_ReservationInfo_Type, roles ...string) *mesosproto.Resource {
	for _, role := range roles {
		r.Reservations = append(r.Reservations, &mesosproto.Resource_ReservationInfo{Type: typ.Enum(), Role: proto.String(role)})
	}
	return r
}

func allocatedTo(r *mesosproto.Resource, role string) *mesosproto.Resource {
	r.AllocationInfo = &mesosproto.Resource_AllocationInfo{Role: proto.String(role)}
	return r
}

func revocableRes(r *mesosproto.Resource) *mesosproto.Resource {
	r.Revocable = &mesosproto.Resource_RevocableInfo{}
	return r
}

func sharedRes(r *mesosproto.Resource) *mesosproto.Resource {
	r.Shared = &mesosproto.Resource_SharedInfo{}
	return r
}

func persistentVolume(r *mesosproto.Resource, id string) *mesosproto.Resource {
	r.Disk = &mesosproto.Resource_DiskInfo{Persistence: &mesosproto.Resource_DiskInfo_Persistence{Id: proto.String(id)}}
	return r
}

func mountDisk(r *mesosproto.Resource, root string) *mesosproto.Resource {
	r.Disk = &mesosproto.Resource_DiskInfo{Source: &mesosproto.Resource_DiskInfo_Source{
		Type:  mesosproto.Resource_DiskInfo_Source_MOUNT.Enum(),
		Mount: &mesosproto.Resource_DiskInfo_Source_Mount{Root: proto.String(root)},
	}}
	return r
}

func rlist(list ...*mesosproto.Resource) scheduler.Resources { return list }

func scalarRaw(name string, v float64) *mesosproto.Resource {
	return &mesosproto.Resource{Name: proto.String(name), Type: mesosproto.Value_SCALAR.Enum(),
		Scalar: &mesosproto.Value_Scalar{Value: proto.Float64(v)}}
}

// sameList fails unless got and want hold the same protos in the same order.
func sameList(t *testing.T, what string, got, want scheduler.Resources) {
	t.Helper()
	if d := cmp.Diff([]*mesosproto.Resource(want), []*mesosproto.Resource(got), protocmp.Transform(), cmpopts.EquateEmpty()); d != "" {
		t.Errorf("%s: got %v, want %v (-want +got):\n%s", what, got, want, d)
	}
}

// --- builders and readers -----------------------------------------------

func TestResourceBuilders(t *testing.T) {
	if got := scheduler.Scalar("cpus", 0.1234).GetScalar().GetValue(); got != 0.123 {
		t.Errorf("Scalar rounds to three decimals: got %v, want 0.123", got)
	}
	if got := scheduler.Scalar("cpus", 0.0005).GetScalar().GetValue(); got != 0.001 {
		t.Errorf("Scalar rounds half away from zero: got %v, want 0.001", got)
	}
	r := scheduler.Ranges("ports", [2]uint64{5, 6}, [2]uint64{1, 2}, [2]uint64{3, 4}, [2]uint64{10, 9}, [2]uint64{8, 8})
	if got, want := rlist(r).RangesOf("ports"), [][2]uint64{{1, 6}, {8, 8}}; !slices.Equal(got, want) {
		t.Errorf("Ranges sorts, coalesces and drops empty pairs: got %v, want %v", got, want)
	}
	if got := len(r.GetRanges().GetRange()); got != 2 {
		t.Errorf("Ranges proto has %d ranges, want 2", got)
	}
	if got := scheduler.Set("disks", "b", "a", "b").GetSet().GetItem(); !slices.Equal(got, []string{"b", "a"}) {
		t.Errorf("Set drops duplicates, keeps order: got %v", got)
	}
	for _, r := range []*mesosproto.Resource{scheduler.Scalar("cpus", 1), scheduler.Ranges("ports"), scheduler.Set("s")} {
		//lint:ignore SA1019 checking that the deprecated field is left unset
		if r.Role != nil || len(r.Reservations) != 0 || r.AllocationInfo != nil {
			t.Errorf("%v: builders make unreserved resources in neither format", r)
		}
		if _, err := proto.Marshal(r); err != nil {
			t.Errorf("%v: %v", r, err)
		}
	}
}

func TestResourceReservationRole(t *testing.T) {
	for _, tc := range []struct {
		r    *mesosproto.Resource
		want string
	}{
		{scheduler.Scalar("cpus", 1), "*"},
		{reservedFor(scheduler.Scalar("cpus", 1), "*", ""), "*"},
		{reservedFor(scheduler.Scalar("cpus", 1), "web", ""), "web"},
		{reservedFor(scheduler.Scalar("cpus", 1), "web", "ops"), "web"},
		{refined(scheduler.Scalar("cpus", 1), mesosproto.Resource_ReservationInfo_STATIC, "a", "a/b"), "a/b"},
	} {
		if got := scheduler.ReservationRole(tc.r); got != tc.want {
			t.Errorf("ReservationRole(%v) = %q, want %q", tc.r, got, tc.want)
		}
	}
}

func TestResourceReaders(t *testing.T) {
	r := rlist(
		scheduler.Scalar("cpus", 1.5),
		reservedFor(scheduler.Scalar("cpus", 0.25), "web", ""),
		allocatedTo(scheduler.Scalar("cpus", 0.125), "web"),
		scheduler.Ranges("ports", [2]uint64{31000, 31005}),
		reservedFor(scheduler.Ranges("ports", [2]uint64{31006, 31010}, [2]uint64{40000, 40000}), "web", ""),
		scheduler.Set("disks", "a", "b"),
		reservedFor(scheduler.Set("disks", "b", "c"), "web", ""),
		scalarRaw("mem", -1), // invalid: ignored
	)
	if got := r.ScalarOf("cpus"); got != 1.875 {
		t.Errorf("ScalarOf(cpus) = %v, want 1.875", got)
	}
	if got := r.ScalarOf("mem"); got != 0 {
		t.Errorf("ScalarOf(mem) = %v, want 0 (invalid entries ignored)", got)
	}
	if got, want := r.RangesOf("ports"), [][2]uint64{{31000, 31010}, {40000, 40000}}; !slices.Equal(got, want) {
		t.Errorf("RangesOf(ports) = %v, want %v", got, want)
	}
	if got, want := r.SetOf("disks"), []string{"a", "b", "c"}; !slices.Equal(got, want) {
		t.Errorf("SetOf(disks) = %v, want %v", got, want)
	}
	if got := r.RangesOf("cpus"); len(got) != 0 {
		t.Errorf("RangesOf(cpus) = %v, want none", got)
	}
}

// --- fixed point ----------------------------------------------------------

func TestResourceScalarFixedPoint(t *testing.T) {
	sum := scheduler.Resources{}.Add(scheduler.Scalar("cpus", 0.1), scheduler.Scalar("cpus", 0.2))
	if got := sum.ScalarOf("cpus"); got != 0.3 {
		t.Errorf("0.1 + 0.2 = %v, want exactly 0.3", got)
	}
	if !sum.Equal(rlist(scheduler.Scalar("cpus", 0.3))) {
		t.Errorf("0.1 + 0.2 is not Equal to 0.3: %v", sum)
	}
	// Raw protos with float noise compare in fixed point too.
	noisy := rlist(scalarRaw("cpus", 0.1+0.2)) // 0.30000000000000004
	if !rlist(scheduler.Scalar("cpus", 0.3)).Contains(noisy...) {
		t.Error("cpus:0.3 does not contain cpus:0.30000000000000004")
	}
	if !rlist(scalarRaw("cpus", 0.3)).Contains(scalarRaw("cpus", 0.1), scalarRaw("cpus", 0.2)) {
		t.Error("cpus:0.3 does not contain cpus:0.1 + cpus:0.2")
	}
	if rlist(scheduler.Scalar("cpus", 0.3)).Contains(scalarRaw("cpus", 0.3006)) {
		t.Error("cpus:0.3 contains cpus:0.3006 (0.301 in fixed point)")
	}
	// Below a thousandth is nothing, as in Mesos.
	if got := rlist(scalarRaw("cpus", 0.0004)); !got.IsEmpty() {
		t.Errorf("cpus:0.0004 is not empty: %v", got)
	}
}

func TestResourceScalarNoDrift(t *testing.T) {
	naive := 1000.0
	for range 10000 {
		naive -= 0.1
	}
	if naive == 0 {
		t.Fatal("float64 arithmetic did not drift; the test proves nothing")
	}

	step := scheduler.Scalar("cpus", 0.1)
	left := rlist(scheduler.Scalar("cpus", 1000), scheduler.Scalar("mem", 1))
	for i := range 10000 {
		if !left.Contains(step) {
			t.Fatalf("after %d subtractions %v no longer contains cpus:0.1", i, left)
		}
		left = left.Subtract(step)
	}
	sameList(t, "1000 - 10000 × 0.1", left, rlist(scheduler.Scalar("mem", 1)))
	if left.Contains(step) {
		t.Errorf("%v contains cpus:0.1", left)
	}

	left = rlist(scheduler.Scalar("cpus", 1001))
	for range 10000 {
		left = left.Subtract(step)
	}
	if got := left.ScalarOf("cpus"); got != 1 {
		t.Errorf("1001 - 10000 × 0.1 = %v, want exactly 1", got)
	}

	var total scheduler.Resources
	for range 10000 {
		total = total.Add(scheduler.Scalar("cpus", 0.001))
	}
	if got := total.ScalarOf("cpus"); got != 10 {
		t.Errorf("10000 × 0.001 = %v, want exactly 10", got)
	}
}

// --- arithmetic tables ------------------------------------------------------

func TestResourceAdd(t *testing.T) {
	for _, tc := range []struct {
		name string
		a, b scheduler.Resources
		want scheduler.Resources
	}{
		{"scalars of a kind merge",
			rlist(scheduler.Scalar("cpus", 1), scheduler.Scalar("mem", 64)), rlist(scheduler.Scalar("cpus", 0.5)),
			rlist(scheduler.Scalar("cpus", 1.5), scheduler.Scalar("mem", 64))},
		{"different names stay apart",
			rlist(scheduler.Scalar("cpus", 1)), rlist(scheduler.Scalar("gpus", 1)),
			rlist(scheduler.Scalar("cpus", 1), scheduler.Scalar("gpus", 1))},
		{"ranges coalesce",
			rlist(scheduler.Ranges("ports", [2]uint64{1, 2}, [2]uint64{10, 12})), rlist(scheduler.Ranges("ports", [2]uint64{3, 5}, [2]uint64{11, 20})),
			rlist(scheduler.Ranges("ports", [2]uint64{1, 5}, [2]uint64{10, 20}))},
		{"sets are unions",
			rlist(scheduler.Set("disks", "a", "b")), rlist(scheduler.Set("disks", "b", "c")),
			rlist(scheduler.Set("disks", "a", "b", "c"))},
		{"a receiver with duplicates is coalesced",
			rlist(scheduler.Scalar("cpus", 1), scheduler.Scalar("cpus", 2)), nil,
			rlist(scheduler.Scalar("cpus", 3))},
		{"unreserved and reserved stay apart",
			rlist(scheduler.Scalar("cpus", 1)), rlist(reservedFor(scheduler.Scalar("cpus", 1), "web", "")),
			rlist(scheduler.Scalar("cpus", 1), reservedFor(scheduler.Scalar("cpus", 1), "web", ""))},
		{"role * is unreserved in both formats",
			rlist(reservedFor(scheduler.Scalar("cpus", 1), "*", "")), rlist(scheduler.Scalar("cpus", 1)),
			rlist(reservedFor(scheduler.Scalar("cpus", 2), "*", ""))},
		{"different roles stay apart",
			rlist(reservedFor(scheduler.Scalar("cpus", 1), "a", "")), rlist(reservedFor(scheduler.Scalar("cpus", 1), "b", "")),
			rlist(reservedFor(scheduler.Scalar("cpus", 1), "a", ""), reservedFor(scheduler.Scalar("cpus", 1), "b", ""))},
		{"static and dynamic reservations stay apart",
			rlist(reservedFor(scheduler.Scalar("cpus", 1), "a", "")), rlist(reservedFor(scheduler.Scalar("cpus", 1), "a", "ops")),
			rlist(reservedFor(scheduler.Scalar("cpus", 1), "a", ""), reservedFor(scheduler.Scalar("cpus", 1), "a", "ops"))},
		{"the two formats of one reservation merge (first format kept)",
			rlist(reservedFor(scheduler.Scalar("cpus", 1), "a", "")), rlist(refined(scheduler.Scalar("cpus", 1), mesosproto.Resource_ReservationInfo_STATIC, "a")),
			rlist(reservedFor(scheduler.Scalar("cpus", 2), "a", ""))},
		{"refined stacks must be equal",
			rlist(refined(scheduler.Scalar("cpus", 1), mesosproto.Resource_ReservationInfo_STATIC, "a")),
			rlist(refined(scheduler.Scalar("cpus", 1), mesosproto.Resource_ReservationInfo_STATIC, "a", "a/b")),
			rlist(refined(scheduler.Scalar("cpus", 1), mesosproto.Resource_ReservationInfo_STATIC, "a"),
				refined(scheduler.Scalar("cpus", 1), mesosproto.Resource_ReservationInfo_STATIC, "a", "a/b"))},
		{"allocation roles stay apart",
			rlist(allocatedTo(scheduler.Scalar("cpus", 1), "a")), rlist(allocatedTo(scheduler.Scalar("cpus", 1), "b"), allocatedTo(scheduler.Scalar("cpus", 1), "a"), scheduler.Scalar("cpus", 1)),
			rlist(allocatedTo(scheduler.Scalar("cpus", 2), "a"), allocatedTo(scheduler.Scalar("cpus", 1), "b"), scheduler.Scalar("cpus", 1))},
		{"revocable stays apart",
			rlist(scheduler.Scalar("cpus", 1)), rlist(revocableRes(scheduler.Scalar("cpus", 1)), revocableRes(scheduler.Scalar("cpus", 1))),
			rlist(scheduler.Scalar("cpus", 1), revocableRes(scheduler.Scalar("cpus", 2)))},
		{"persistent volumes never merge",
			rlist(persistentVolume(scheduler.Scalar("disk", 10), "v1")), rlist(persistentVolume(scheduler.Scalar("disk", 10), "v1"), persistentVolume(scheduler.Scalar("disk", 5), "v2")),
			rlist(persistentVolume(scheduler.Scalar("disk", 10), "v1"), persistentVolume(scheduler.Scalar("disk", 10), "v1"), persistentVolume(scheduler.Scalar("disk", 5), "v2"))},
		{"MOUNT disks never merge",
			rlist(mountDisk(scheduler.Scalar("disk", 10), "/mnt/a")), rlist(mountDisk(scheduler.Scalar("disk", 10), "/mnt/a")),
			rlist(mountDisk(scheduler.Scalar("disk", 10), "/mnt/a"), mountDisk(scheduler.Scalar("disk", 10), "/mnt/a"))},
		{"shared resources are kept one entry per copy",
			rlist(sharedRes(persistentVolume(scheduler.Scalar("disk", 10), "v1"))), rlist(sharedRes(persistentVolume(scheduler.Scalar("disk", 10), "v1"))),
			rlist(sharedRes(persistentVolume(scheduler.Scalar("disk", 10), "v1")), sharedRes(persistentVolume(scheduler.Scalar("disk", 10), "v1")))},
		{"plain disk and disk with info stay apart",
			rlist(scheduler.Scalar("disk", 10)), rlist(persistentVolume(scheduler.Scalar("disk", 5), "v1")),
			rlist(scheduler.Scalar("disk", 10), persistentVolume(scheduler.Scalar("disk", 5), "v1"))},
		{"invalid and empty entries are dropped",
			rlist(nil, scalarRaw("cpus", -1), scalarRaw("cpus", math.NaN()), scalarRaw("", 1), scalarRaw("cpus", math.Inf(1)),
				&mesosproto.Resource{Name: proto.String("cpus"), Scalar: &mesosproto.Value_Scalar{Value: proto.Float64(1)}}, // no type
				&mesosproto.Resource{Name: proto.String("ports"), Type: mesosproto.Value_RANGES.Enum(), Ranges: &mesosproto.Value_Ranges{Range: []*mesosproto.Value_Range{{Begin: proto.Uint64(5), End: proto.Uint64(4)}}}},
				&mesosproto.Resource{Name: proto.String("x"), Type: mesosproto.Value_TEXT.Enum(), Scalar: &mesosproto.Value_Scalar{Value: proto.Float64(1)}},
				&mesosproto.Resource{Name: proto.String("ports"), Type: mesosproto.Value_RANGES.Enum()}, // no ranges
			),
			rlist(scheduler.Scalar("cpus", 0), scheduler.Ranges("ports"), scheduler.Set("disks"), scheduler.Scalar("mem", 1)),
			rlist(scheduler.Scalar("mem", 1))},
		{"raw values are normalized",
			rlist(&mesosproto.Resource{Name: proto.String("ports"), Type: mesosproto.Value_RANGES.Enum(), Ranges: &mesosproto.Value_Ranges{Range: []*mesosproto.Value_Range{
				{Begin: proto.Uint64(7), End: proto.Uint64(9)}, {Begin: proto.Uint64(1), End: proto.Uint64(6)}}}}),
			rlist(&mesosproto.Resource{Name: proto.String("s"), Type: mesosproto.Value_SET.Enum(), Set: &mesosproto.Value_Set{Item: []string{"x", "x"}}}),
			rlist(scheduler.Ranges("ports", [2]uint64{1, 9}), scheduler.Set("s", "x"))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sameList(t, "Add", tc.a.Add(tc.b...), tc.want)
			if !tc.a.Add(tc.b...).Contains(tc.a...) || !tc.a.Add(tc.b...).Contains(tc.b...) {
				t.Errorf("a + b does not contain a and b")
			}
		})
	}
}

func TestResourceSubtract(t *testing.T) {
	for _, tc := range []struct {
		name string
		a, b scheduler.Resources
		want scheduler.Resources
	}{
		{"scalars",
			rlist(scheduler.Scalar("cpus", 4), scheduler.Scalar("mem", 1024)), rlist(scheduler.Scalar("cpus", 0.1), scheduler.Scalar("mem", 32)),
			rlist(scheduler.Scalar("cpus", 3.9), scheduler.Scalar("mem", 992))},
		{"to zero removes the entry",
			rlist(scheduler.Scalar("cpus", 1), scheduler.Scalar("mem", 1)), rlist(scheduler.Scalar("cpus", 1)),
			rlist(scheduler.Scalar("mem", 1))},
		{"below zero removes the entry",
			rlist(scheduler.Scalar("cpus", 1)), rlist(scheduler.Scalar("cpus", 2)),
			nil},
		{"ranges split",
			rlist(scheduler.Ranges("ports", [2]uint64{31000, 32000})), rlist(scheduler.Ranges("ports", [2]uint64{31500, 31500}, [2]uint64{31990, 32010})),
			rlist(scheduler.Ranges("ports", [2]uint64{31000, 31499}, [2]uint64{31501, 31989}))},
		{"ranges that do not overlap change nothing",
			rlist(scheduler.Ranges("ports", [2]uint64{10, 20})), rlist(scheduler.Ranges("ports", [2]uint64{1, 9}, [2]uint64{21, 30})),
			rlist(scheduler.Ranges("ports", [2]uint64{10, 20}))},
		{"ranges to nothing",
			rlist(scheduler.Ranges("ports", [2]uint64{10, 20}, [2]uint64{30, 30})), rlist(scheduler.Ranges("ports", [2]uint64{0, 100})),
			nil},
		{"ranges at the edges of uint64",
			rlist(scheduler.Ranges("r", [2]uint64{0, math.MaxUint64})), rlist(scheduler.Ranges("r", [2]uint64{0, 0}, [2]uint64{math.MaxUint64, math.MaxUint64})),
			rlist(scheduler.Ranges("r", [2]uint64{1, math.MaxUint64 - 1}))},
		{"sets",
			rlist(scheduler.Set("disks", "a", "b", "c")), rlist(scheduler.Set("disks", "b", "z")),
			rlist(scheduler.Set("disks", "a", "c"))},
		{"other kinds are untouched",
			rlist(reservedFor(scheduler.Scalar("cpus", 1), "web", ""), allocatedTo(scheduler.Scalar("mem", 1), "a")),
			rlist(scheduler.Scalar("cpus", 1), allocatedTo(scheduler.Scalar("mem", 1), "b"), revocableRes(reservedFor(scheduler.Scalar("cpus", 1), "web", ""))),
			rlist(reservedFor(scheduler.Scalar("cpus", 1), "web", ""), allocatedTo(scheduler.Scalar("mem", 1), "a"))},
		{"a reservation in the other format is the same kind",
			rlist(refined(scheduler.Scalar("cpus", 2), mesosproto.Resource_ReservationInfo_STATIC, "web")), rlist(reservedFor(scheduler.Scalar("cpus", 0.5), "web", "")),
			rlist(refined(scheduler.Scalar("cpus", 1.5), mesosproto.Resource_ReservationInfo_STATIC, "web"))},
		{"persistent volumes are subtracted only whole",
			rlist(persistentVolume(scheduler.Scalar("disk", 10), "v1"), persistentVolume(scheduler.Scalar("disk", 10), "v2")),
			rlist(persistentVolume(scheduler.Scalar("disk", 5), "v1"), persistentVolume(scheduler.Scalar("disk", 10), "v2")),
			rlist(persistentVolume(scheduler.Scalar("disk", 10), "v1"))},
		{"MOUNT disks are subtracted only whole",
			rlist(mountDisk(scheduler.Scalar("disk", 10), "/a"), mountDisk(scheduler.Scalar("disk", 10), "/b")),
			rlist(mountDisk(scheduler.Scalar("disk", 4), "/a"), mountDisk(scheduler.Scalar("disk", 10), "/b")),
			rlist(mountDisk(scheduler.Scalar("disk", 10), "/a"))},
		{"shared: one identical copy goes",
			rlist(sharedRes(persistentVolume(scheduler.Scalar("disk", 10), "v1")), sharedRes(persistentVolume(scheduler.Scalar("disk", 10), "v1"))),
			rlist(sharedRes(persistentVolume(scheduler.Scalar("disk", 10), "v1")), sharedRes(persistentVolume(scheduler.Scalar("disk", 4), "v1"))),
			rlist(sharedRes(persistentVolume(scheduler.Scalar("disk", 10), "v1")))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sameList(t, "Subtract", tc.a.Subtract(tc.b...), tc.want)
		})
	}
}

func TestResourceContains(t *testing.T) {
	offer := rlist(
		scheduler.Scalar("cpus", 2),
		reservedFor(scheduler.Scalar("cpus", 1), "web", ""),
		allocatedTo(scheduler.Scalar("mem", 512), "web"),
		scheduler.Ranges("ports", [2]uint64{31000, 31010}, [2]uint64{31020, 31030}),
		scheduler.Set("disks", "a", "b"),
		persistentVolume(scheduler.Scalar("disk", 100), "v1"),
		sharedRes(persistentVolume(scheduler.Scalar("disk", 50), "s1")),
	)
	for _, tc := range []struct {
		name string
		want scheduler.Resources
		ok   bool
	}{
		{"nothing", nil, true},
		{"itself", offer, true},
		{"less cpu", rlist(scheduler.Scalar("cpus", 1.999)), true},
		{"more cpu than unreserved", rlist(scheduler.Scalar("cpus", 2.001)), false},
		{"cpus split over entries", rlist(scheduler.Scalar("cpus", 1.5), scheduler.Scalar("cpus", 0.5)), true},
		{"cpus split over entries, too much", rlist(scheduler.Scalar("cpus", 1.5), scheduler.Scalar("cpus", 0.6)), false},
		{"reserved", rlist(reservedFor(scheduler.Scalar("cpus", 1), "web", "")), true},
		{"reserved for another role", rlist(reservedFor(scheduler.Scalar("cpus", 1), "db", "")), false},
		{"allocated", rlist(allocatedTo(scheduler.Scalar("mem", 512), "web")), true},
		{"not allocated", rlist(scheduler.Scalar("mem", 1)), false},
		{"allocated to another role", rlist(allocatedTo(scheduler.Scalar("mem", 1), "db")), false},
		{"ranges inside", rlist(scheduler.Ranges("ports", [2]uint64{31000, 31000}, [2]uint64{31025, 31030})), true},
		{"ranges across a gap", rlist(scheduler.Ranges("ports", [2]uint64{31010, 31020})), false},
		{"set subset", rlist(scheduler.Set("disks", "b")), true},
		{"set not subset", rlist(scheduler.Set("disks", "b", "c")), false},
		{"revocable is another kind", rlist(revocableRes(scheduler.Scalar("cpus", 1))), false},
		{"whole volume", rlist(persistentVolume(scheduler.Scalar("disk", 100), "v1")), true},
		{"part of a volume", rlist(persistentVolume(scheduler.Scalar("disk", 10), "v1")), false},
		{"a volume twice", rlist(persistentVolume(scheduler.Scalar("disk", 100), "v1"), persistentVolume(scheduler.Scalar("disk", 100), "v1")), false},
		{"a shared volume twice (shared, not consumed)", rlist(sharedRes(persistentVolume(scheduler.Scalar("disk", 50), "s1")), sharedRes(persistentVolume(scheduler.Scalar("disk", 50), "s1"))), true},
		{"a different shared volume", rlist(sharedRes(persistentVolume(scheduler.Scalar("disk", 40), "s1"))), false},
	} {
		if got := offer.Contains(tc.want...); got != tc.ok {
			t.Errorf("%s: Contains(%v) = %v, want %v", tc.name, tc.want, got, tc.ok)
		}
	}
	if !offer.Equal(offer.Add()) || offer.Equal(offer.Subtract(scheduler.Scalar("cpus", 0.001))) {
		t.Error("Equal")
	}
	if (scheduler.Resources{}).Contains(scheduler.Scalar("cpus", 0)) != true {
		t.Error("empty does not contain an empty resource")
	}
}

func TestResourceFilters(t *testing.T) {
	all := rlist(
		scheduler.Scalar("cpus", 1),
		reservedFor(scheduler.Scalar("cpus", 2), "web", ""),
		refined(scheduler.Scalar("cpus", 4), mesosproto.Resource_ReservationInfo_DYNAMIC, "web", "web/api"),
		reservedFor(scheduler.Scalar("cpus", 8), "db", "ops"),
		allocatedTo(scheduler.Scalar("mem", 16), "web"),
		allocatedTo(scheduler.Scalar("mem", 32), "db"),
	)
	for _, tc := range []struct {
		name string
		got  scheduler.Resources
		cpus float64
		mem  float64
	}{
		{"Unreserved", all.Unreserved(), 1, 48},
		{"Reserved(\"\")", all.Reserved(""), 14, 0},
		{"Reserved(web)", all.Reserved("web"), 2, 0},
		{"Reserved(web/api)", all.Reserved("web/api"), 4, 0},
		{"AllocatableTo(web)", all.AllocatableTo("web"), 3, 48},
		{"AllocatableTo(web/api)", all.AllocatableTo("web/api"), 7, 48},
		{"AllocatableTo(web/api/v1)", all.AllocatableTo("web/api/v1"), 7, 48},
		{"AllocatableTo(webx)", all.AllocatableTo("webx"), 1, 48},
		{"AllocatedTo(web)", all.AllocatedTo("web"), 0, 16},
		{"AllocatedTo(*)", all.AllocatedTo("*"), 0, 0},
		{"Filter(name=mem)", all.Filter(func(r *mesosproto.Resource) bool { return r.GetName() == "mem" }), 0, 48},
	} {
		if c, m := tc.got.ScalarOf("cpus"), tc.got.ScalarOf("mem"); c != tc.cpus || m != tc.mem {
			t.Errorf("%s = %v: cpus %v mem %v, want %v and %v", tc.name, tc.got, c, m, tc.cpus, tc.mem)
		}
	}
}

func TestResourceFlatten(t *testing.T) {
	all := rlist(
		scheduler.Scalar("cpus", 1),
		reservedFor(scheduler.Scalar("cpus", 2), "web", "ops"),
		refined(allocatedTo(scheduler.Scalar("cpus", 4), "web"), mesosproto.Resource_ReservationInfo_STATIC, "web"),
		revocableRes(scheduler.Scalar("cpus", 8)),
		scheduler.Ranges("ports", [2]uint64{1, 2}),
		allocatedTo(scheduler.Ranges("ports", [2]uint64{3, 4}), "web"),
	)
	sameList(t, "Flatten", all.Flatten(),
		rlist(scheduler.Scalar("cpus", 7), revocableRes(scheduler.Scalar("cpus", 8)), scheduler.Ranges("ports", [2]uint64{1, 4})))
	if !all.Flatten().Contains(scheduler.Scalar("cpus", 7)) || all.Contains(scheduler.Scalar("cpus", 7)) {
		t.Error("Flatten does not make reserved cpus count as plain ones")
	}
}

func TestResourceTakePorts(t *testing.T) {
	offer := rlist(
		scheduler.Scalar("cpus", 1),
		allocatedTo(reservedFor(scheduler.Ranges("ports", [2]uint64{8080, 8081}), "web", ""), "web"),
		allocatedTo(scheduler.Ranges("ports", [2]uint64{31005, 31010}, [2]uint64{31000, 31001}), "web"),
	)
	before := proto.Clone(&mesosproto.Offer{Resources: offer}).(*mesosproto.Offer)
	for _, tc := range []struct {
		n         int
		ports     []uint64
		taken     scheduler.Resources
		remaining scheduler.Resources
		ok        bool
	}{
		{0, nil, nil, offer, true},
		{1, []uint64{8080}, rlist(allocatedTo(reservedFor(scheduler.Ranges("ports", [2]uint64{8080, 8080}), "web", ""), "web")),
			rlist(scheduler.Scalar("cpus", 1),
				allocatedTo(reservedFor(scheduler.Ranges("ports", [2]uint64{8081, 8081}), "web", ""), "web"),
				allocatedTo(scheduler.Ranges("ports", [2]uint64{31000, 31001}, [2]uint64{31005, 31010}), "web")), true},
		{5, []uint64{8080, 8081, 31000, 31001, 31005},
			rlist(allocatedTo(reservedFor(scheduler.Ranges("ports", [2]uint64{8080, 8081}), "web", ""), "web"),
				allocatedTo(scheduler.Ranges("ports", [2]uint64{31000, 31001}, [2]uint64{31005, 31005}), "web")),
			rlist(scheduler.Scalar("cpus", 1), allocatedTo(scheduler.Ranges("ports", [2]uint64{31006, 31010}), "web")), true},
		{10, []uint64{8080, 8081, 31000, 31001, 31005, 31006, 31007, 31008, 31009, 31010},
			rlist(allocatedTo(reservedFor(scheduler.Ranges("ports", [2]uint64{8080, 8081}), "web", ""), "web"),
				allocatedTo(scheduler.Ranges("ports", [2]uint64{31000, 31001}, [2]uint64{31005, 31010}), "web")),
			rlist(scheduler.Scalar("cpus", 1)), true},
		{11, nil, nil, offer.Add(), false},
	} {
		ports, taken, remaining, ok := offer.TakePorts(tc.n)
		if ok != tc.ok || !slices.Equal(ports, tc.ports) {
			t.Errorf("TakePorts(%d) = %v, %v; want %v, %v", tc.n, ports, ok, tc.ports, tc.ok)
		}
		sameList(t, fmt.Sprintf("TakePorts(%d) taken", tc.n), taken, tc.taken)
		sameList(t, fmt.Sprintf("TakePorts(%d) remaining", tc.n), remaining, tc.remaining.Add())
		if ok && !remaining.Add(taken...).Equal(offer) {
			t.Errorf("TakePorts(%d): remaining + taken = %v, want %v", tc.n, remaining.Add(taken...), offer)
		}
	}
	if !proto.Equal(before, &mesosproto.Offer{Resources: offer}) {
		t.Error("TakePorts modified its receiver")
	}
	// The whole uint64 range does not overflow the count.
	ports, _, remaining, ok := rlist(scheduler.Ranges("ports", [2]uint64{0, math.MaxUint64})).TakePorts(2)
	if !ok || !slices.Equal(ports, []uint64{0, 1}) || !slices.Equal(remaining.RangesOf("ports"), [][2]uint64{{2, math.MaxUint64}}) {
		t.Errorf("TakePorts(2) of [0-max] = %v, %v, %v", ports, remaining, ok)
	}
}

func TestResourceOperationsDoNotAlias(t *testing.T) {
	a := rlist(scheduler.Scalar("cpus", 1), scheduler.Ranges("ports", [2]uint64{1, 10}), scheduler.Set("s", "x"))
	b := rlist(scheduler.Scalar("cpus", 1), scheduler.Ranges("ports", [2]uint64{5, 20}), scheduler.Set("s", "y"))
	snapA, snapB := cloneList(a), cloneList(b)
	results := []scheduler.Resources{a.Add(b...), a.Subtract(b...), a.Flatten(), a.Filter(func(*mesosproto.Resource) bool { return true }),
		a.Unreserved(), b.Add()}
	_, taken, rest, _ := a.TakePorts(3)
	results = append(results, taken, rest)
	for _, r := range results {
		for _, x := range r {
			x.Name = proto.String("changed")
			x.Scalar, x.Ranges, x.Set = nil, nil, nil
		}
	}
	sameList(t, "receiver after operations", a, snapA)
	sameList(t, "argument after operations", b, snapB)
}

func cloneList(l scheduler.Resources) scheduler.Resources {
	out := make(scheduler.Resources, len(l))
	for i, r := range l {
		out[i] = proto.Clone(r).(*mesosproto.Resource)
	}
	return out
}

func TestResourceString(t *testing.T) {
	r := rlist(
		scheduler.Scalar("cpus", 0.1+0.2),
		allocatedTo(reservedFor(scheduler.Scalar("cpus", 1), "web", ""), "web"),
		revocableRes(scheduler.Scalar("cpus", 2)),
		scheduler.Ranges("ports", [2]uint64{31000, 31001}, [2]uint64{31005, 31005}),
		scheduler.Set("disks", "a", "b"),
		sharedRes(persistentVolume(scheduler.Scalar("disk", 64), "v1")),
		mountDisk(scheduler.Scalar("disk", 1024), "/mnt"),
		scheduler.Scalar("mem", 0),
	)
	want := "cpus:0.3; cpus(web)(allocated: web):1; cpus{REV}:2; ports:[31000-31001, 31005-31005]; disks:{a, b}; disk[v1]<SHARED>:64; disk[MOUNT]:1024"
	if got := r.String(); got != want {
		t.Errorf("String() =\n%s\nwant\n%s", got, want)
	}
}

// TestResourceProperties checks algebraic laws on random resources.
func TestResourceProperties(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	random := func() scheduler.Resources {
		var out scheduler.Resources
		for range rng.IntN(6) {
			var r *mesosproto.Resource
			switch rng.IntN(3) {
			case 0:
				r = scheduler.Scalar([]string{"cpus", "mem"}[rng.IntN(2)], float64(rng.IntN(5000))/1000)
			case 1:
				b := uint64(rng.IntN(50))
				r = scheduler.Ranges("ports", [2]uint64{b, b + uint64(rng.IntN(10))})
			default:
				r = scheduler.Set("disks", []string{"a", "b", "c", "d"}[:1+rng.IntN(4)]...)
			}
			if rng.IntN(3) == 0 {
				r = reservedFor(r, "web", "")
			}
			if rng.IntN(4) == 0 {
				r = allocatedTo(r, "web")
			}
			out = append(out, r)
		}
		return out
	}
	for i := range 500 {
		a, b := random(), random()
		sum := a.Add(b...)
		if !sum.Contains(a...) || !sum.Contains(b...) {
			t.Fatalf("#%d: %v + %v = %v does not contain both", i, a, b, sum)
		}
		if !sum.Equal(b.Add(a...)) {
			t.Fatalf("#%d: a + b != b + a: %v, %v", i, sum, b.Add(a...))
		}
		if diff := a.Subtract(b...); !diff.Add(b...).Contains(a...) || !a.Contains(diff...) {
			t.Fatalf("#%d: (a - b) + b does not contain a, or a does not contain a - b: a=%v b=%v a-b=%v", i, a, b, diff)
		}
		if a.Contains(b...) && !a.Subtract(b...).Add(b...).Equal(a) {
			t.Fatalf("#%d: a ⊇ b but (a - b) + b != a: a=%v b=%v", i, a, b)
		}
		for _, name := range []string{"cpus", "mem"} {
			if got, want := sum.ScalarOf(name), a.ScalarOf(name)+b.ScalarOf(name); math.Round(got*1000) != math.Round(want*1000) {
				t.Fatalf("#%d: ScalarOf(%s) of a sum = %v, want %v", i, name, got, want)
			}
		}
		if !a.Flatten().Contains(a.Unreserved().Flatten()...) {
			t.Fatalf("#%d: flattened %v does not contain its unreserved part", i, a)
		}
	}
}

// TestResourceRangesModel compares range arithmetic with a bitmap model.
func TestResourceRangesModel(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	random := func() (*mesosproto.Resource, uint64) {
		var pairs [][2]uint64
		var bits uint64
		for range rng.IntN(5) {
			b := uint64(rng.IntN(64))
			e := min(b+uint64(rng.IntN(8)), 63)
			pairs = append(pairs, [2]uint64{b, e})
			for v := b; v <= e; v++ {
				bits |= 1 << v
			}
		}
		return scheduler.Ranges("ports", pairs...), bits
	}
	toBits := func(r scheduler.Resources) uint64 {
		var bits uint64
		for _, x := range r.RangesOf("ports") {
			for v := x[0]; v <= x[1]; v++ {
				bits |= 1 << v
			}
		}
		return bits
	}
	for i := range 2000 {
		a, am := random()
		b, bm := random()
		if got := toBits(rlist(a).Add(b)); got != am|bm {
			t.Fatalf("#%d: %v + %v = %064b, want %064b", i, rlist(a), rlist(b), got, am|bm)
		}
		if got := toBits(rlist(a).Subtract(b)); got != am&^bm {
			t.Fatalf("#%d: %v - %v = %064b, want %064b", i, rlist(a), rlist(b), got, am&^bm)
		}
		if got, want := rlist(a).Contains(b), bm&^am == 0; got != want {
			t.Fatalf("#%d: %v contains %v = %v, want %v", i, rlist(a), rlist(b), got, want)
		}
		// Stored coalesced: sorted, no two ranges touch.
		for _, res := range rlist(a).Add(b) {
			r := res.GetRanges().GetRange()
			for j := 1; j < len(r); j++ {
				if r[j].GetBegin() <= r[j-1].GetEnd()+1 {
					t.Fatalf("#%d: ranges %v not coalesced", i, r)
				}
			}
		}
	}
}
