// SPDX-License-Identifier: Apache-2.0

package mesosproto

// StatusReason returns st's reason and whether it has one. Use it instead of GetReason when a missing
// reason matters: GetReason returns REASON_COMMAND_EXECUTOR_FAILED (the enum's first value, proto2's
// default) both for a status that says so and for one that has no reason at all, such as most
// TASK_RUNNING updates.
func StatusReason(st *TaskStatus) (TaskStatus_Reason, bool) {
	if st == nil || st.Reason == nil {
		return 0, false
	}
	return *st.Reason, true
}
