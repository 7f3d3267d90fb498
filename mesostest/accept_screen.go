// SPDX-License-Identifier: Apache-2.0

package mesostest

import (
	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/mesosproto"
)

// screenOperationsLocked is the first pass of Master::accept over the
// operations of an ACCEPT with valid offers (src/master/master.cpp): every
// operation's resources are validated (validateAndUpgradeResources,
// validate_resources.go), a RESERVE may not name `source` (reservation
// updates), and LAUNCH and LAUNCH_GROUP may not ask for operation feedback. A failing LAUNCH or LAUNCH_GROUP sends TASK_ERROR for
// every one of its tasks (REASON_TASK_INVALID, REASON_TASK_GROUP_INVALID), a
// failing resource operation is dropped ("Operation attempted with invalid
// resources: ..."). The operations that pass are returned, in order.
func (m *master) screenOperationsLocked(fw *framework, ops []*mesosproto.Offer_Operation) []*mesosproto.Offer_Operation {
	var kept []*mesosproto.Offer_Operation // nil until one is dropped: then a copy
	dropped := false
	for i, op := range ops {
		err := validateResourcesOfOperation(op)
		if err == nil && op.GetType() == mesosproto.Offer_Operation_RESERVE && len(op.GetReserve().GetSource()) > 0 {
			err = mesosErr("Reservation updates are not yet implemented for the scheduler API.")
		}
		reason := mesosproto.TaskStatus_REASON_TASK_INVALID
		if op.GetType() == mesosproto.Offer_Operation_LAUNCH_GROUP {
			reason = mesosproto.TaskStatus_REASON_TASK_GROUP_INVALID
		}
		msg := ""
		switch {
		case err != nil:
			msg = err.Error()
		case op.Id != nil && op.GetType() == mesosproto.Offer_Operation_LAUNCH:
			msg = "The `id` field cannot be set on LAUNCH operations"
		case op.Id != nil && op.GetType() == mesosproto.Offer_Operation_LAUNCH_GROUP:
			msg = "The `id` field cannot be set on LAUNCH_GROUP operations"
		}
		if msg == "" {
			if dropped {
				kept = append(kept, op)
			}
			continue
		}
		if !dropped {
			kept, dropped = append(kept, ops[:i]...), true
		}
		tasks := operationTasks(op)
		if tasks == nil {
			m.operationErrorLocked(fw, op, "Operation attempted with invalid resources: "+msg)
			continue
		}
		for _, ti := range tasks {
			m.masterUpdateLocked(fw, ti.GetTaskId().GetValue(), ti.GetAgentId().GetValue(), mesosproto.TaskState_TASK_ERROR, reason, msg, true)
		}
	}
	if !dropped {
		return ops
	}
	return kept
}

// normalizeLaunchTask makes Master::accept's adjustments to a valid LAUNCH
// task: ExecutorInfo.framework_id is filled in, and a health check
// without a type gets COMMAND or HTTP from the field it sets. The task is
// copied only when it changes.
func normalizeLaunchTask(fw *framework, ti *mesosproto.TaskInfo) *mesosproto.TaskInfo {
	fillFramework := ti.Executor != nil && ti.GetExecutor().FrameworkId == nil
	fixHealth := ti.HealthCheck != nil && ti.GetHealthCheck().Type == nil
	if !fillFramework && !fixHealth {
		return ti
	}
	ti = proto.Clone(ti).(*mesosproto.TaskInfo)
	if fillFramework {
		ti.Executor.FrameworkId = &mesosproto.FrameworkID{Value: proto.String(fw.id)}
	}
	if fixHealth {
		ti.HealthCheck = normalizedHealthCheck(ti.GetHealthCheck())
	}
	return ti
}
