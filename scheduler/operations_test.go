// SPDX-License-Identifier: Apache-2.0

//lint:file-ignore SA1019 tests check the deprecated role fields Mesos still sends and reads

package scheduler_test

import (
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/scheduler"
)

func TestOperationBuilders(t *testing.T) {
	task := scheduler.NewCommandTask("t", nil, "true", scheduler.Scalar("cpus", 1))
	ex := &mesosproto.ExecutorInfo{ExecutorId: &mesosproto.ExecutorID{Value: proto.String("e")}}
	disk := scheduler.Scalar("disk", 10)
	vol := scheduler.PersistentVolume(disk, "v1", "data", "me")
	for _, tc := range []struct {
		op   *mesosproto.Offer_Operation
		typ  mesosproto.Offer_Operation_Type
		body proto.Message
	}{
		{scheduler.LaunchOperation(task), mesosproto.Offer_Operation_LAUNCH, &mesosproto.Offer_Operation_Launch{TaskInfos: []*mesosproto.TaskInfo{task}}},
		{scheduler.LaunchGroupOperation(ex, task), mesosproto.Offer_Operation_LAUNCH_GROUP,
			&mesosproto.Offer_Operation_LaunchGroup{Executor: ex, TaskGroup: &mesosproto.TaskGroupInfo{Tasks: []*mesosproto.TaskInfo{task}}}},
		{scheduler.ReserveOperation(disk), mesosproto.Offer_Operation_RESERVE, &mesosproto.Offer_Operation_Reserve{Resources: []*mesosproto.Resource{disk}}},
		{scheduler.UnreserveOperation(disk), mesosproto.Offer_Operation_UNRESERVE, &mesosproto.Offer_Operation_Unreserve{Resources: []*mesosproto.Resource{disk}}},
		{scheduler.CreateOperation(vol), mesosproto.Offer_Operation_CREATE, &mesosproto.Offer_Operation_Create{Volumes: []*mesosproto.Resource{vol}}},
		{scheduler.DestroyOperation(vol), mesosproto.Offer_Operation_DESTROY, &mesosproto.Offer_Operation_Destroy{Volumes: []*mesosproto.Resource{vol}}},
		{scheduler.GrowVolumeOperation(vol, disk), mesosproto.Offer_Operation_GROW_VOLUME, &mesosproto.Offer_Operation_GrowVolume{Volume: vol, Addition: disk}},
		{scheduler.ShrinkVolumeOperation(vol, 2.5), mesosproto.Offer_Operation_SHRINK_VOLUME,
			&mesosproto.Offer_Operation_ShrinkVolume{Volume: vol, Subtract: &mesosproto.Value_Scalar{Value: proto.Float64(2.5)}}},
	} {
		if tc.op.GetType() != tc.typ || tc.op.Id != nil {
			t.Errorf("%v: type %v id %v", tc.typ, tc.op.GetType(), tc.op.Id)
		}
		var got proto.Message
		switch tc.typ {
		case mesosproto.Offer_Operation_LAUNCH:
			got = tc.op.GetLaunch()
		case mesosproto.Offer_Operation_LAUNCH_GROUP:
			got = tc.op.GetLaunchGroup()
		case mesosproto.Offer_Operation_RESERVE:
			got = tc.op.GetReserve()
		case mesosproto.Offer_Operation_UNRESERVE:
			got = tc.op.GetUnreserve()
		case mesosproto.Offer_Operation_CREATE:
			got = tc.op.GetCreate()
		case mesosproto.Offer_Operation_DESTROY:
			got = tc.op.GetDestroy()
		case mesosproto.Offer_Operation_GROW_VOLUME:
			got = tc.op.GetGrowVolume()
		case mesosproto.Offer_Operation_SHRINK_VOLUME:
			got = tc.op.GetShrinkVolume()
		}
		if !proto.Equal(got, tc.body) {
			t.Errorf("%v: %v, want %v", tc.typ, got, tc.body)
		}
		if op := scheduler.SetOperationID(tc.op, "x"); op != tc.op || op.GetId().GetValue() != "x" {
			t.Errorf("%v: SetOperationID gave %v", tc.typ, op)
		}
	}

	// PersistentVolume and ReserveFor copy their input.
	if disk.Disk != nil {
		t.Error("PersistentVolume modified its argument")
	}
	if p := vol.GetDisk().GetPersistence(); p.GetId() != "v1" || p.GetPrincipal() != "me" ||
		vol.GetDisk().GetVolume().GetContainerPath() != "data" || vol.GetDisk().GetVolume().GetMode() != mesosproto.Volume_RW {
		t.Errorf("volume %v", vol)
	}
	if v := scheduler.PersistentVolume(disk, "v2", "d", ""); v.GetDisk().GetPersistence().Principal != nil {
		t.Errorf("volume without principal %v", v)
	}

	static := scheduler.Scalar("cpus", 1)
	static.Role = proto.String("web") // pre-refinement format: statically reserved
	dyn := proto.Clone(static).(*mesosproto.Resource)
	dyn.Reservation = &mesosproto.Resource_ReservationInfo{Principal: proto.String("old")}
	unreserved := scheduler.Scalar("mem", 64)
	unreserved.Role = proto.String("*")
	unreserved.AllocationInfo = &mesosproto.Resource_AllocationInfo{Role: proto.String("web")}
	got := scheduler.ReserveFor("web/child", "me", unreserved, static, dyn)
	want := []struct {
		stack []string // type:role:principal
	}{
		{[]string{"DYNAMIC:web/child:me"}},
		{[]string{"STATIC:web:", "DYNAMIC:web/child:me"}},
		{[]string{"DYNAMIC:web:old", "DYNAMIC:web/child:me"}},
	}
	for i, r := range got {
		if r.Role != nil || r.Reservation != nil {
			t.Errorf("%d: pre-refinement fields left: %v", i, r)
		}
		var stack []string
		for _, ri := range r.GetReservations() {
			stack = append(stack, ri.GetType().String()+":"+ri.GetRole()+":"+ri.GetPrincipal())
		}
		if len(stack) != len(want[i].stack) {
			t.Errorf("%d: reservations %v, want %v", i, stack, want[i].stack)
			continue
		}
		for j := range stack {
			if stack[j] != want[i].stack[j] {
				t.Errorf("%d: reservations %v, want %v", i, stack, want[i].stack)
			}
		}
		if scheduler.ReservationRole(r) != "web/child" {
			t.Errorf("%d: ReservationRole %q", i, scheduler.ReservationRole(r))
		}
	}
	if got[0].GetAllocationInfo().GetRole() != "web" || unreserved.GetRole() != "*" || static.Reservations != nil {
		t.Error("ReserveFor lost allocation_info or modified its arguments")
	}
	if r := scheduler.ReserveFor("web", "", unreserved)[0]; r.GetReservations()[0].Principal != nil {
		t.Errorf("reservation without principal %v", r)
	}
}

func TestNewFrameworkInfo(t *testing.T) {
	fw := scheduler.NewFrameworkInfo("u", "n",
		scheduler.FrameworkCapabilities(mesosproto.FrameworkInfo_Capability_PARTITION_AWARE, mesosproto.FrameworkInfo_Capability_MULTI_ROLE),
		scheduler.FrameworkRoles("a", "b"),
		scheduler.FrameworkFailoverTimeout(36*time.Hour),
		scheduler.FrameworkCheckpoint(),
		scheduler.FrameworkPrincipal("p"),
		scheduler.FrameworkLabel("k", "v"),
		scheduler.FrameworkLabel("k2", "v2"),
		scheduler.FrameworkHostname("h"),
		scheduler.FrameworkWebUIURL("http://h/ui"),
		nil,
	)
	want := &mesosproto.FrameworkInfo{
		User: proto.String("u"), Name: proto.String("n"),
		Capabilities: []*mesosproto.FrameworkInfo_Capability{
			{Type: mesosproto.FrameworkInfo_Capability_PARTITION_AWARE.Enum()},
			{Type: mesosproto.FrameworkInfo_Capability_MULTI_ROLE.Enum()},
		},
		Roles:           []string{"a", "b"},
		FailoverTimeout: proto.Float64(36 * 3600),
		Checkpoint:      proto.Bool(true),
		Principal:       proto.String("p"),
		Labels: &mesosproto.Labels{Labels: []*mesosproto.Label{
			{Key: proto.String("k"), Value: proto.String("v")}, {Key: proto.String("k2"), Value: proto.String("v2")}}},
		Hostname: proto.String("h"),
		WebuiUrl: proto.String("http://h/ui"),
	}
	if !proto.Equal(fw, want) {
		t.Errorf("got %v\nwant %v", fw, want)
	}
	// FrameworkRoles replaces the deprecated single role.
	old := &mesosproto.FrameworkInfo{Role: proto.String("x")}
	scheduler.FrameworkRoles()(old)
	if old.Role != nil || len(old.Roles) != 0 || len(old.GetCapabilities()) != 1 {
		t.Errorf("FrameworkRoles() on a single-role framework: %v", old)
	}
	// The result is a valid FrameworkInfo for New.
	if _, err := scheduler.New(fw, scheduler.WithMaster("127.0.0.1:5050")); err != nil {
		t.Errorf("New: %v", err)
	}
}
