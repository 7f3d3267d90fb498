// SPDX-License-Identifier: Apache-2.0

package scheduler

import (
	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/mesosproto"
)

// Builders for the operations of an ACCEPT (Offer.Operation), for Accept:
//
//	err := c.Accept(ctx, ids, []*mesosproto.Offer_Operation{
//		scheduler.SetOperationID(scheduler.ReserveOperation(scheduler.ReserveFor("db", "ops", disk)...), "reserve-1"),
//		scheduler.CreateOperation(scheduler.PersistentVolume(reservedDisk, "data-1", "data", "ops")),
//		scheduler.LaunchOperation(task),
//	}, nil)
//
// Operations run in order on the accepted offers; each one sees what the
// previous ones left or produced. The builders copy nothing: they keep the
// protos they are given.

// LaunchOperation launches tasks (LAUNCH). Launch is the shortcut for an
// ACCEPT with only this operation.
func LaunchOperation(tasks ...*mesosproto.TaskInfo) *mesosproto.Offer_Operation {
	return &mesosproto.Offer_Operation{
		Type:   mesosproto.Offer_Operation_LAUNCH.Enum(),
		Launch: &mesosproto.Offer_Operation_Launch{TaskInfos: tasks},
	}
}

// LaunchGroupOperation launches tasks as one group on one executor
// (LAUNCH_GROUP): they start together, or not at all.
func LaunchGroupOperation(executor *mesosproto.ExecutorInfo, tasks ...*mesosproto.TaskInfo) *mesosproto.Offer_Operation {
	return &mesosproto.Offer_Operation{
		Type: mesosproto.Offer_Operation_LAUNCH_GROUP.Enum(),
		LaunchGroup: &mesosproto.Offer_Operation_LaunchGroup{
			Executor:  executor,
			TaskGroup: &mesosproto.TaskGroupInfo{Tasks: tasks},
		},
	}
}

// ReserveOperation reserves resources dynamically (RESERVE). resources
// carry the reservation to make, as ReserveFor builds them; they must come
// from the accepted offers unreserved (or, for a refinement, reserved to
// the parent role), allocated to the role they are reserved for.
func ReserveOperation(resources ...*mesosproto.Resource) *mesosproto.Offer_Operation {
	return &mesosproto.Offer_Operation{
		Type:    mesosproto.Offer_Operation_RESERVE.Enum(),
		Reserve: &mesosproto.Offer_Operation_Reserve{Resources: resources},
	}
}

// UnreserveOperation removes the last dynamic reservation of resources
// (UNRESERVE), given as offered. Persistent volumes must be destroyed first.
func UnreserveOperation(resources ...*mesosproto.Resource) *mesosproto.Offer_Operation {
	return &mesosproto.Offer_Operation{
		Type:      mesosproto.Offer_Operation_UNRESERVE.Enum(),
		Unreserve: &mesosproto.Offer_Operation_Unreserve{Resources: resources},
	}
}

// CreateOperation creates persistent volumes (CREATE) from offered disk
// resources; PersistentVolume builds them.
func CreateOperation(volumes ...*mesosproto.Resource) *mesosproto.Offer_Operation {
	return &mesosproto.Offer_Operation{
		Type:   mesosproto.Offer_Operation_CREATE.Enum(),
		Create: &mesosproto.Offer_Operation_Create{Volumes: volumes},
	}
}

// DestroyOperation destroys persistent volumes (DESTROY), given as
// offered; no task may be using them.
func DestroyOperation(volumes ...*mesosproto.Resource) *mesosproto.Offer_Operation {
	return &mesosproto.Offer_Operation{
		Type:    mesosproto.Offer_Operation_DESTROY.Enum(),
		Destroy: &mesosproto.Offer_Operation_Destroy{Volumes: volumes},
	}
}

// GrowVolumeOperation grows a persistent volume, as offered, by addition:
// disk of the same kind as the volume without its persistence
// (GROW_VOLUME; the agent needs the RESIZE_VOLUME capability).
func GrowVolumeOperation(volume, addition *mesosproto.Resource) *mesosproto.Offer_Operation {
	return &mesosproto.Offer_Operation{
		Type:       mesosproto.Offer_Operation_GROW_VOLUME.Enum(),
		GrowVolume: &mesosproto.Offer_Operation_GrowVolume{Volume: volume, Addition: addition},
	}
}

// ShrinkVolumeOperation shrinks a persistent volume, as offered, by
// subtract megabytes, which go back to the disk it was made of
// (SHRINK_VOLUME).
func ShrinkVolumeOperation(volume *mesosproto.Resource, subtract float64) *mesosproto.Offer_Operation {
	return &mesosproto.Offer_Operation{
		Type: mesosproto.Offer_Operation_SHRINK_VOLUME.Enum(),
		ShrinkVolume: &mesosproto.Offer_Operation_ShrinkVolume{
			Volume:   volume,
			Subtract: &mesosproto.Value_Scalar{Value: proto.Float64(subtract)},
		},
	}
}

// SetOperationID sets op's id and returns op. With an id, the framework
// gets UPDATE_OPERATION_STATUS events for the operation (OPERATION_FINISHED,
// or OPERATION_ERROR when it is invalid, ...), which the Client
// acknowledges like task updates, and can ask about it with
// ReconcileOperations. LAUNCH and LAUNCH_GROUP must not have one: their
// tasks fail with TASK_ERROR.
func SetOperationID(op *mesosproto.Offer_Operation, id string) *mesosproto.Offer_Operation {
	op.Id = &mesosproto.OperationID{Value: proto.String(id)}
	return op
}

// ReserveFor returns copies of resources with a dynamic reservation for
// role by principal (empty: none) pushed on top of the reservations they
// have, in the `reservations` format, which every Mesos master accepts:
// the resources to pass to ReserveOperation. The master requires principal
// to be the framework's principal when it has one. Pushing onto a reserved
// resource refines the reservation, which needs the
// RESERVATION_REFINEMENT capability.
func ReserveFor(role, principal string, resources ...*mesosproto.Resource) []*mesosproto.Resource {
	out := make([]*mesosproto.Resource, len(resources))
	for i, r := range resources {
		c := proto.Clone(r).(*mesosproto.Resource)
		stack := reservationsOf(c)
		ri := &mesosproto.Resource_ReservationInfo{
			Type: mesosproto.Resource_ReservationInfo_DYNAMIC.Enum(),
			Role: proto.String(role),
		}
		if principal != "" {
			ri.Principal = proto.String(principal)
		}
		//lint:ignore SA1019 the pre-refinement fields are replaced by the `reservations` stack
		c.Role, c.Reservation = nil, nil
		c.Reservations = append(stack, ri)
		out[i] = c
	}
	return out
}

// PersistentVolume returns a copy of disk (a disk resource, usually
// reserved) as a persistent volume with the given id, mounted read-write
// at containerPath in the sandbox of tasks that use it, created by
// principal (empty: none; the master requires the framework's principal
// when it has one): the volume to pass to CreateOperation.
func PersistentVolume(disk *mesosproto.Resource, id, containerPath, principal string) *mesosproto.Resource {
	c := proto.Clone(disk).(*mesosproto.Resource)
	if c.Disk == nil {
		c.Disk = &mesosproto.Resource_DiskInfo{}
	}
	c.Disk.Persistence = &mesosproto.Resource_DiskInfo_Persistence{Id: proto.String(id)}
	if principal != "" {
		c.Disk.Persistence.Principal = proto.String(principal)
	}
	c.Disk.Volume = &mesosproto.Volume{
		ContainerPath: proto.String(containerPath),
		Mode:          mesosproto.Volume_RW.Enum(),
	}
	return c
}
