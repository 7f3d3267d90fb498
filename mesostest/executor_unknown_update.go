// SPDX-License-Identifier: Apache-2.0

package mesostest

import (
	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/mesosproto"
)

// forwardUnknownUpdateLocked handles an executor's UPDATE for a task the
// agent does not know (Slave::statusUpdate, "Could not find the executor"):
// the agent forwards it all the same, and the master passes it to the
// framework before it looks the task up (Master::statusUpdate), with its
// uuid, so the scheduler acknowledges it. The agent sends the executor no
// ACKNOWLEDGED for it (Slave::___statusUpdate finds no executor for the
// task), and the update carries no container_status (the container is
// unknown). It is sent once: the fake keeps no status update stream for a
// task it does not run (docs/MESOSTEST-DEVIATIONS.md).
func (run *executorRun) forwardUnknownUpdateLocked(st *mesosproto.TaskStatus) {
	s := run.s
	st.AgentId = &mesosproto.AgentID{Value: proto.String(run.a.id)}
	if st.ExecutorId == nil {
		st.ExecutorId = &mesosproto.ExecutorID{Value: proto.String(run.key.executor)}
	}
	m := s.leaderLocked()
	if m == nil || m.st == nil || !m.registeredLocked(run.a) {
		return
	}
	if fw := m.st.frameworks[run.key.framework]; fw != nil {
		fw.sendLocked(updateEvent(st))
	}
}
