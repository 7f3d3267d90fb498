// SPDX-License-Identifier: Apache-2.0

package mesostest

import (
	"sort"

	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/mesosproto"
)

// The master's view of custom executors (Slave::executors in
// src/master/master.hpp): an executor is added when the first task naming
// it is launched (Master::_accept, addExecutor) and removed when the agent
// reports that it exited (Master::exitedExecutor, removeExecutor). While it
// is known, its resources are charged once, later tasks naming it are
// checked against its ExecutorInfo, and offers to its framework on that
// agent list it in executor_ids (Master::offer).

// agentHasExecutorLocked is Slave::hasExecutor: the framework's executor
// id is running (or shutting down) on the agent.
func (m *master) agentHasExecutorLocked(fw *framework, a *agent, id string) bool {
	return a.ex != nil && a.ex.runs[executorKey{fw.id, id}] != nil
}

// chargeExecutorLocked charges the resources of a new executor to the
// agent, to be held until the executor exits; a launch that did not create
// the executor (its container failed) charges nothing.
func (s *Server) chargeExecutorLocked(fw *framework, a *agent, ei *mesosproto.ExecutorInfo, res resources) {
	if ei == nil || res == nil || a.ex == nil {
		return
	}
	run := a.ex.runs[executorKey{fw.id, ei.GetExecutorId().GetValue()}]
	if run == nil || run.res != nil || run.state == executorTerminated {
		return
	}
	run.res = res
	a.setUsed(a.used.plus(res))
}

// releaseResourcesLocked gives an exited executor's resources back
// (Master::removeExecutor recovering them in the allocator).
func (run *executorRun) releaseResourcesLocked() {
	if run.res != nil {
		run.a.setUsed(run.a.used.minus(run.res))
		run.res = nil
	}
}

// validateCompatibleExecutorLocked is
// executor::internal::validateCompatibleExecutorInfo
// (src/master/validation.cpp): a task naming a known executor must carry
// the same ExecutorInfo, compared as operator==(ExecutorInfo, ExecutorInfo)
// does (src/common/type_utils.cpp).
func (m *master) validateCompatibleExecutorLocked(fw *framework, a *agent, ei *mesosproto.ExecutorInfo) error {
	if a.ex == nil {
		return nil
	}
	run := a.ex.runs[executorKey{fw.id, ei.GetExecutorId().GetValue()}]
	if run == nil {
		return nil
	}
	given := ei
	if given.FrameworkId == nil { // Master::accept fills it in before validating
		given = proto.Clone(ei).(*mesosproto.ExecutorInfo)
		given.FrameworkId = &mesosproto.FrameworkID{Value: proto.String(fw.id)}
	}
	if sameExecutorInfo(run.info, given) {
		return nil
	}
	const line = "------------------------------------------------------------\n"
	return mesosErr("ExecutorInfo is not compatible with existing ExecutorInfo with same ExecutorID.\n" +
		line + "Existing ExecutorInfo:\n" + debugString(run.info.ProtoReflect()) + "\n" +
		line + "ExecutorInfo:\n" + debugString(given.ProtoReflect()) + "\n" + line)
}

// sameExecutorInfo is operator==(ExecutorInfo, ExecutorInfo): type (when
// set), id, data, resources (as Resources), command, framework id, name,
// source, container and discovery; labels, shutdown grace period and the
// rest are not compared.
func sameExecutorInfo(a, b *mesosproto.ExecutorInfo) bool {
	if (a.Type != nil) != (b.Type != nil) || a.GetType() != b.GetType() {
		return false
	}
	ra, errA := resourcesFromProto(a.GetResources())
	rb, errB := resourcesFromProto(b.GetResources())
	if errA != nil || errB != nil || !ra.contains(rb) || !rb.contains(ra) {
		return false
	}
	//lint:ignore SA1019 ExecutorInfo.source is compared by Mesos too
	if a.GetSource() != b.GetSource() || a.GetName() != b.GetName() || string(a.GetData()) != string(b.GetData()) {
		return false
	}
	return a.GetExecutorId().GetValue() == b.GetExecutorId().GetValue() &&
		a.GetFrameworkId().GetValue() == b.GetFrameworkId().GetValue() &&
		proto.Equal(a.GetCommand(), b.GetCommand()) &&
		proto.Equal(a.GetContainer(), b.GetContainer()) &&
		proto.Equal(a.GetDiscovery(), b.GetDiscovery())
}

// offerExecutorIDsLocked lists the framework's executors on the agent for
// Offer.executor_ids (Master::offer), in id order.
func offerExecutorIDsLocked(fw *framework, a *agent) []*mesosproto.ExecutorID {
	if a.ex == nil {
		return nil
	}
	var ids []string
	for k := range a.ex.runs {
		if k.framework == fw.id {
			ids = append(ids, k.executor)
		}
	}
	sort.Strings(ids)
	out := make([]*mesosproto.ExecutorID, len(ids))
	for i, id := range ids {
		out[i] = &mesosproto.ExecutorID{Value: proto.String(id)}
	}
	return out
}

// hasExecutorInfo reports whether the task was launched with an
// ExecutorInfo (a custom executor or a task group's), so that the master's
// Task has an executor_id.
func (t *task) hasExecutorInfo() bool {
	return t != nil && (t.exec != nil || t.info.GetExecutor() != nil)
}
