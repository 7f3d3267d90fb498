// SPDX-License-Identifier: Apache-2.0

package taskcheck

import (
	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/mesosproto"
)

// EmptyCheckStatus is a CheckStatusInfo of type t with no result yet
// (src/checks/checker.cpp createEmptyCheckStatusInfo).
func EmptyCheckStatus(t mesosproto.CheckInfo_Type) *mesosproto.CheckStatusInfo {
	cs := &mesosproto.CheckStatusInfo{Type: t.Enum()}
	switch t {
	case mesosproto.CheckInfo_COMMAND:
		cs.Command = &mesosproto.CheckStatusInfo_Command{}
	case mesosproto.CheckInfo_HTTP:
		cs.Http = &mesosproto.CheckStatusInfo_Http{}
	case mesosproto.CheckInfo_TCP:
		cs.Tcp = &mesosproto.CheckStatusInfo_Tcp{}
	}
	return cs
}

// TaskCheckStatus is the check_status of an update made from scratch for
// task: an empty one of its check's type when it has a check, else nil.
// Both Mesos executors set it on every such update (createTaskStatus in
// src/launcher/executor.cpp and src/launcher/default_executor.cpp).
func TaskCheckStatus(task *mesosproto.TaskInfo) *mesosproto.CheckStatusInfo {
	if ck := task.GetCheck(); ck != nil {
		return EmptyCheckStatus(ck.GetType())
	}
	return nil
}

// HealthUpdate is the update a health result makes: the last update sent
// for the task again, with reason REASON_TASK_HEALTH_CHECK_STATUS_UPDATED
// and healthy set (taskHealthUpdated in src/launcher/executor.cpp and
// src/launcher/default_executor.cpp, through protobuf::createTaskStatus).
// Its uuid and timestamp are cleared for the sender to fill.
func HealthUpdate(last *mesosproto.TaskStatus, healthy bool) *mesosproto.TaskStatus {
	st := derived(last)
	st.Reason = mesosproto.TaskStatus_REASON_TASK_HEALTH_CHECK_STATUS_UPDATED.Enum()
	st.Healthy = proto.Bool(healthy)
	return st
}

// CheckUpdate is the update a changed check result makes: the last update
// again, with reason REASON_TASK_CHECK_STATUS_UPDATED and check_status cs
// (taskCheckUpdated in src/launcher/executor.cpp). Its uuid and timestamp
// are cleared for the sender to fill.
func CheckUpdate(last *mesosproto.TaskStatus, cs *mesosproto.CheckStatusInfo) *mesosproto.TaskStatus {
	st := derived(last)
	st.Reason = mesosproto.TaskStatus_REASON_TASK_CHECK_STATUS_UPDATED.Enum()
	st.CheckStatus = proto.Clone(cs).(*mesosproto.CheckStatusInfo)
	return st
}

func derived(last *mesosproto.TaskStatus) *mesosproto.TaskStatus {
	st := proto.Clone(last).(*mesosproto.TaskStatus)
	st.Uuid, st.Timestamp = nil, nil
	return st
}

// SendsKilling reports whether killing a task sends TASK_KILLING first: only
// when the framework has the TASK_KILLING_STATE capability, and never for
// the kill of max_completion_time (kill() in src/launcher/executor.cpp and
// src/launcher/default_executor.cpp).
func SendsKilling(frameworkCapable, byMaxCompletion bool) bool {
	return frameworkCapable && !byMaxCompletion
}
