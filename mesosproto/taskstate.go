// SPDX-License-Identifier: Apache-2.0

package mesosproto

// IsTerminalState reports whether a task in state s has ended for good: it
// will never change state again (Mesos's protobuf::isTerminalState,
// src/common/protobuf_utils.cpp). TASK_UNREACHABLE and TASK_UNKNOWN are not
// terminal: the task may still be running somewhere.
func IsTerminalState(s TaskState) bool {
	switch s {
	case TaskState_TASK_FINISHED, TaskState_TASK_FAILED, TaskState_TASK_KILLED,
		TaskState_TASK_LOST, TaskState_TASK_ERROR, TaskState_TASK_DROPPED,
		TaskState_TASK_GONE, TaskState_TASK_GONE_BY_OPERATOR:
		return true
	}
	return false
}
