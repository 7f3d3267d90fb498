// SPDX-License-Identifier: Apache-2.0

package mesostest

import (
	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/executorpb"
)

// validateExecutorCall is validateExecutorCall (src/common/validation.cpp)
// for a call that parsed (required fields are checked by the parser).
func validateExecutorCall(c *executorpb.Call) error {
	if c.Type == nil {
		return mesosErr("Expecting 'type' to be present")
	}
	if c.ExecutorId == nil {
		return mesosErr("Expecting 'executor_id' to be present")
	}
	if c.FrameworkId == nil {
		return mesosErr("Expecting 'framework_id' to be present")
	}
	switch c.GetType() {
	case executorpb.Call_SUBSCRIBE:
		if c.Subscribe == nil {
			return mesosErr("Expecting 'subscribe' to be present")
		}
	case executorpb.Call_UPDATE:
		if c.Update == nil {
			return mesosErr("Expecting 'update' to be present")
		}
		st := c.GetUpdate().GetStatus()
		if st.Uuid == nil {
			return mesosErr("Expecting 'uuid' to be present")
		}
		if !validUUIDBytes(st.GetUuid()) {
			return mesosErr("Not a valid UUID")
		}
		if st.ExecutorId != nil && st.GetExecutorId().GetValue() != c.GetExecutorId().GetValue() {
			return mesosErr("ExecutorID in Call: " + c.GetExecutorId().GetValue() +
				" does not match ExecutorID in TaskStatus: " + st.GetExecutorId().GetValue())
		}
		if st.GetSource() != mesosproto.TaskStatus_SOURCE_EXECUTOR {
			return mesosErr("Received Call from executor " + c.GetExecutorId().GetValue() + " of framework " +
				c.GetFrameworkId().GetValue() + " with invalid source, expecting 'SOURCE_EXECUTOR'")
		}
		if st.GetState() == mesosproto.TaskState_TASK_STAGING {
			return mesosErr("Received TASK_STAGING from executor " + c.GetExecutorId().GetValue() + " of framework " +
				c.GetFrameworkId().GetValue() + " which is not allowed")
		}
	case executorpb.Call_MESSAGE:
		if c.Message == nil {
			return mesosErr("Expecting 'message' to be present")
		}
	}
	return nil
}
