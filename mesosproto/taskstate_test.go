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
