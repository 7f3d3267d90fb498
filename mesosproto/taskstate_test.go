// SPDX-License-Identifier: Apache-2.0

package mesosproto

import "testing"

func TestIsTerminalState(t *testing.T) {
	terminal := map[TaskState]bool{
		TaskState_TASK_FINISHED: true, TaskState_TASK_FAILED: true, TaskState_TASK_KILLED: true,
		TaskState_TASK_LOST: true, TaskState_TASK_ERROR: true, TaskState_TASK_DROPPED: true,
		TaskState_TASK_GONE: true, TaskState_TASK_GONE_BY_OPERATOR: true,
	}
	// Every state of the enum, plus a number Mesos does not define.
	for n := range TaskState_name {
		s := TaskState(n)
		if got := IsTerminalState(s); got != terminal[s] {
			t.Errorf("IsTerminalState(%v) = %v, want %v", s, got, terminal[s])
		}
	}
	if IsTerminalState(TaskState(99)) {
		t.Error("IsTerminalState(99) = true, want false")
	}
}

func TestStatusReason(t *testing.T) {
	running := &TaskStatus{State: TaskState_TASK_RUNNING.Enum()}
	if r, ok := StatusReason(running); ok {
		t.Errorf("StatusReason(no reason) = %v, true; want false", r)
	}
	if running.GetReason() != TaskStatus_REASON_COMMAND_EXECUTOR_FAILED {
		t.Errorf("GetReason of an unset reason = %v; the pitfall StatusReason documents has changed", running.GetReason())
	}
	failed := &TaskStatus{Reason: TaskStatus_REASON_COMMAND_EXECUTOR_FAILED.Enum()}
	if r, ok := StatusReason(failed); !ok || r != TaskStatus_REASON_COMMAND_EXECUTOR_FAILED {
		t.Errorf("StatusReason(set) = %v, %v", r, ok)
	}
	if _, ok := StatusReason(nil); ok {
		t.Error("StatusReason(nil) reports a reason")
	}
}
