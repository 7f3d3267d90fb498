// SPDX-License-Identifier: Apache-2.0

package mesostest

import (
	"strings"

	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/mesosproto"
)

// validateLaunchTaskLocked is validation::task::validate for a task of a
// LAUNCH (src/master/validation.cpp): validateTask, validateExecutor and
// validateShareCgroups, in that order, each with Mesos's message. role is
// the offers' allocation role (Master::accept injects it into resources
// that carry no allocation_info). It returns the task's resources and the
// executor's, which are charged only when the executor is new on the agent
// (execRes is nil otherwise).
func (m *master) validateLaunchTaskLocked(fw *framework, a *agent, role string, ti *mesosproto.TaskInfo, available resources) (taskRes, execRes resources, err error) {
	if err := m.validateTaskFieldsLocked(fw, a, role, ti); err != nil {
		return nil, nil, err
	}
	taskRes, execRes, err = m.validateTaskExecutorLocked(fw, a, role, ti, available)
	if err != nil {
		return nil, nil, err
	}
	if lx := ti.GetContainer().GetLinuxInfo(); lx != nil && lx.ShareCgroups != nil && !lx.GetShareCgroups() {
		return nil, nil, mesosErr("Only tasks in a task group may have 'share_cgroups' set to 'false'")
	}
	return taskRes, execRes, nil
}

// validateTaskFieldsLocked is task::internal::validateTask: the task's own
// fields, its executor aside.
func (m *master) validateTaskFieldsLocked(fw *framework, a *agent, role string, ti *mesosproto.TaskInfo) error {
	id := ti.GetTaskId().GetValue()
	if err := validateID(id); err != nil {
		return err
	}
	if err := m.validateUniqueTaskIDLocked(fw, id); err != nil {
		return err
	}
	if ti.GetAgentId().GetValue() != a.id {
		return mesosErr("Task uses invalid agent " + ti.GetAgentId().GetValue() + " while agent " + a.id + " is expected")
	}
	if d := ti.GetKillPolicy().GetGracePeriod(); d != nil && d.GetNanoseconds() < 0 {
		return mesosErr("Task's 'kill_policy.grace_period' must be non-negative")
	}
	if d := ti.GetMaxCompletionTime(); d != nil && d.GetNanoseconds() < 0 {
		return mesosErr("Task's `max_completion_time` must be non-negative")
	}
	if c := ti.GetCheck(); c != nil {
		if err := validateCheckInfo(c); err != nil {
			return mesosErr("Task uses invalid check: " + err.Error())
		}
	}
	if h := ti.GetHealthCheck(); h != nil {
		if err := validateHealthCheck(normalizedHealthCheck(h)); err != nil {
			return mesosErr("Task uses invalid health check: " + err.Error())
		}
	}
	if len(ti.GetResources()) == 0 {
		return mesosErr("Task uses no resources")
	}
	if err := validateTaskResourceList(ti.GetResources(), role); err != nil {
		return mesosErr(err.prefix("Task uses invalid resources: ", "Invalid task resources: ", "Task mixes revocable and non-revocable resources: "))
	}
	if ci := ti.GetCommand(); ci != nil {
		if err := validateEnvironment(ci.GetEnvironment()); err != nil {
			return mesosErr("Task's `CommandInfo` is invalid: " + err.Error())
		}
	}
	if c := ti.GetContainer(); c != nil {
		if err := validateContainerInfo(c); err != nil {
			return mesosErr("Task's `ContainerInfo` is invalid: " + err.Error())
		}
	}
	return validateResourceLimits(ti)
}

// validateUniqueTaskIDLocked is task::internal::validateUniqueTaskID: the id
// of a live task or of one of the framework's unreachable tasks
// (unreachable.go) cannot be used again.
func (m *master) validateUniqueTaskIDLocked(fw *framework, id string) error {
	if t := m.s.tasks[taskKey{fw.id, id}]; t != nil && !t.gone {
		return mesosErr("Task has duplicate ID: " + id)
	}
	if fw.unreachable.contains(id) {
		return mesosErr("Task reuses the ID of an unreachable task: " + id)
	}
	return nil
}

// validateTaskExecutorLocked is task::internal::validateExecutor.
func (m *master) validateTaskExecutorLocked(fw *framework, a *agent, role string, ti *mesosproto.TaskInfo, available resources) (taskRes, execRes resources, err error) {
	if (ti.Executor != nil) == (ti.Command != nil) {
		return nil, nil, mesosErr("Task should have at least one (but not both) of CommandInfo or ExecutorInfo present")
	}
	taskRes, rerr := resourcesFromProto(ti.GetResources())
	if rerr != nil {
		return nil, nil, mesosErr("Task uses invalid resources: " + rerr.Error())
	}
	total := taskRes
	if ei := ti.GetExecutor(); ei != nil {
		if err := m.validateExecutorInfoLocked(fw, a, role, ei); err != nil {
			return nil, nil, err
		}
		if ei.Type != nil && ei.GetType() != mesosproto.ExecutorInfo_CUSTOM {
			return nil, nil, mesosErr("'ExecutorInfo.type' must be 'CUSTOM'")
		}
		if ei.Command == nil {
			return nil, nil, mesosErr("'ExecutorInfo.command' must be set")
		}
		for _, r := range ei.GetResources() {
			if r.Shared != nil {
				return nil, nil, mesosErrf("Executor resources %s should not contain any shared resources", stringifyResourceList(ei.GetResources(), role))
			}
		}
		if lx := ei.GetContainer().GetLinuxInfo(); lx != nil && lx.GetShareCgroups() {
			return nil, nil, mesosErr("The 'share_cgroups' field cannot be set to 'true' on executor containers")
		}
		exRes, rerr := resourcesFromProto(ei.GetResources())
		if rerr != nil {
			return nil, nil, mesosErr("Executor uses invalid resources: " + rerr.Error())
		}
		if overlapping(taskRes, exRes) {
			return nil, nil, mesosErrf("There are overlapping resources in the task resources %s and executor resources %s",
				stringifyResourceList(ti.GetResources(), role), stringifyResourceList(ei.GetResources(), role))
		}
		if !m.agentHasExecutorLocked(fw, a, ei.GetExecutorId().GetValue()) {
			execRes = exRes
			total = total.plus(exRes)
		}
	}
	// A resource allocated to another role than the offers' is not part of
	// what was offered.
	if foreign := foreignAllocation(ti, role); foreign || !available.contains(total) {
		need := stringifyAllocated(total, role)
		if foreign { // the fake's arithmetic has no allocation roles: render the task's own
			list := ti.GetResources()
			if execRes != nil {
				list = append(append([]*mesosproto.Resource(nil), list...), ti.GetExecutor().GetResources()...)
			}
			need = stringifyResourceList(list, role)
		}
		return nil, nil, mesosErr("Total resources " + need + " required by task and its executor is more than available " + stringifyAllocated(available, role))
	}
	return taskRes, execRes, nil
}

// validateExecutorInfoLocked is executor::internal::validate for the
// ExecutorInfo of a LAUNCH task (src/master/validation.cpp): its type,
// id, shutdown grace period, command and container, then the framework
// id (filled in by the master when absent), the resources and the
// compatibility with a running executor of the same id.
func (m *master) validateExecutorInfoLocked(fw *framework, a *agent, role string, ei *mesosproto.ExecutorInfo) error {
	switch ei.GetType() {
	case mesosproto.ExecutorInfo_DEFAULT:
		if ei.Command != nil {
			return mesosErr("'ExecutorInfo.command' must not be set for 'DEFAULT' executor")
		}
		if c := ei.GetContainer(); c != nil {
			if c.GetType() != mesosproto.ContainerInfo_MESOS {
				return mesosErr("'ExecutorInfo.container.type' must be 'MESOS' for 'DEFAULT' executor")
			}
			if c.GetMesos().GetImage() != nil {
				return mesosErr("'ExecutorInfo.container.mesos.image' must not be set for 'DEFAULT' executor")
			}
		}
	case mesosproto.ExecutorInfo_CUSTOM:
		if ei.Command == nil {
			return mesosErr("'ExecutorInfo.command' must be set for 'CUSTOM' executor")
		}
	}
	if err := validateID(ei.GetExecutorId().GetValue()); err != nil {
		return err
	}
	if d := ei.GetShutdownGracePeriod(); d != nil && d.GetNanoseconds() < 0 {
		return mesosErr("ExecutorInfo's 'shutdown_grace_period' must be non-negative")
	}
	if ci := ei.GetCommand(); ci != nil {
		if err := validateEnvironment(ci.GetEnvironment()); err != nil {
			return mesosErr("Executor's `CommandInfo` is invalid: " + err.Error())
		}
	}
	if c := ei.GetContainer(); c != nil {
		if err := validateContainerInfo(c); err != nil {
			return mesosErr("Executor's `ContainerInfo` is invalid: " + err.Error())
		}
	}
	if fid := ei.GetFrameworkId(); fid != nil && fid.GetValue() != fw.id {
		return mesosErrf("ExecutorInfo has an invalid FrameworkID (Actual: %s vs Expected: %s)", fid.GetValue(), fw.id)
	}
	if err := validateTaskResourceList(ei.GetResources(), role); err != nil {
		return mesosErr(err.prefix("Executor uses invalid resources: ", "Invalid executor resources: ", "Executor mixes revocable and non-revocable resources: "))
	}
	return m.validateCompatibleExecutorLocked(fw, a, ei)
}

// resourceListError is an error of validateTaskResourceList, told apart by
// which of Mesos's checks failed, since each caller words them differently.
type resourceListError struct {
	kind int // 0: resource::validate, 1: single allocation role, 2: revocable mix
	msg  string
}

func (e *resourceListError) prefix(invalid, roles, revocable string) string {
	return [...]string{invalid, roles, revocable}[e.kind] + e.msg
}

// validateTaskResourceList is the common part of
// task::internal::validateResources and executor::internal::validateResources:
// resource::validate (Resources::validate, fractional gpus),
// validateAllocatedToSingleRole (after the master injected the offers' role
// into resources without allocation_info) and
// validateRevocableAndNonRevocableResources.
func validateTaskResourceList(list []*mesosproto.Resource, role string) *resourceListError {
	if err := validateResourceList(list); err != nil {
		return &resourceListError{0, "Invalid resources: " + err.Error()}
	}
	var gpus float64
	for _, r := range list {
		if r.GetName() == "gpus" && r.GetType() == mesosproto.Value_SCALAR {
			gpus += r.GetScalar().GetValue()
		}
	}
	if int64(gpus*1000)%1000 != 0 {
		return &resourceListError{0, "Invalid 'gpus' resource: The 'gpus' resource must be an unsigned integer"}
	}
	first := ""
	for i, r := range list {
		got := role
		if r.AllocationInfo != nil {
			got = r.GetAllocationInfo().GetRole()
		}
		if i == 0 {
			first = got
		} else if got != first {
			return &resourceListError{1, "The resources have multiple allocation roles ('" + got + "' and '" + first + "') but only one allocation role is allowed"}
		}
	}
	anyRevocable := false
	for _, r := range list {
		anyRevocable = anyRevocable || r.Revocable != nil
	}
	if !anyRevocable {
		return nil
	}
	revocable, plain := map[string]bool{}, map[string]bool{}
	for _, r := range list {
		if r.Revocable != nil {
			revocable[r.GetName()] = true
		} else {
			plain[r.GetName()] = true
		}
	}
	for _, r := range list {
		if n := r.GetName(); revocable[n] && plain[n] {
			return &resourceListError{2, "Cannot use both revocable and non-revocable '" + n + "' at the same time"}
		}
	}
	return nil
}

// foreignAllocation reports whether a resource of the task or its executor
// names another allocation role than role.
func foreignAllocation(ti *mesosproto.TaskInfo, role string) bool {
	for _, list := range [][]*mesosproto.Resource{ti.GetResources(), ti.GetExecutor().GetResources()} {
		for _, r := range list {
			if r.AllocationInfo != nil && r.GetAllocationInfo().GetRole() != role {
				return true
			}
		}
	}
	return false
}

// overlapping is resource::detectOverlappingSetAndRangeResources for two
// lists: some range or set item is in both.
func overlapping(a, b resources) bool {
	for k, v := range b {
		w := a[k]
		if w == nil || v.typ != w.typ {
			continue
		}
		switch v.typ {
		case mesosproto.Value_RANGES:
			if len(subRanges(v.ranges, w.ranges)) != len(v.ranges) || !sameRanges(subRanges(v.ranges, w.ranges), v.ranges) {
				return true
			}
		case mesosproto.Value_SET:
			for it := range v.set {
				if _, ok := w.set[it]; ok {
					return true
				}
			}
		}
	}
	return false
}

func sameRanges(a, b []rng) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// validateResourceLimits is task::internal::validateResourceLimits (the
// fake's agents all have the TASK_RESOURCE_LIMITS capability).
func validateResourceLimits(ti *mesosproto.TaskInfo) error {
	limits := ti.GetLimits()
	if len(limits) == 0 {
		return nil
	}
	for name := range limits {
		if name != "cpus" && name != "mem" {
			return mesosErr("Only cpus and mem may be included in a task's resource limits")
		}
	}
	res, err := resourcesFromProto(ti.GetResources())
	if err != nil {
		return nil // reported by the resource checks
	}
	if l, ok := limits["cpus"]; ok {
		if !hasScalar(ti.GetResources(), "cpus") {
			return mesosErr("When a CPU limit is specified, a CPU request must also be specified")
		}
		if toMilli(l.GetValue()) < res.scalar("cpus") {
			return mesosErr("The cpu limit must be greater than or equal to the cpu request")
		}
	}
	if l, ok := limits["mem"]; ok {
		if !hasScalar(ti.GetResources(), "mem") {
			return mesosErr("When a memory limit is specified, a memory request must also be specified")
		}
		if v := l.GetValue(); v <= 1e15 && toMilli(v) < res.scalar("mem") {
			return mesosErr("The memory limit must be greater than or equal to the memory request")
		}
	}
	return nil
}

func hasScalar(list []*mesosproto.Resource, name string) bool {
	for _, r := range list {
		if r.GetName() == name && r.GetType() == mesosproto.Value_SCALAR {
			return true
		}
	}
	return false
}

// normalizedHealthCheck is Master::accept's backwards compatibility for a
// health check without a type: COMMAND when only `command` is set, HTTP
// when only `http` is.
func normalizedHealthCheck(h *mesosproto.HealthCheck) *mesosproto.HealthCheck {
	if h.Type != nil {
		return h
	}
	c := proto.Clone(h).(*mesosproto.HealthCheck)
	switch {
	case h.Command != nil && h.Http == nil:
		c.Type = mesosproto.HealthCheck_COMMAND.Enum()
	case h.Http != nil && h.Command == nil:
		c.Type = mesosproto.HealthCheck_HTTP.Enum()
	}
	return c
}

// stringifyResourceList renders resources as the master does after it
// injected the allocation role: each as stringifyResource, joined by "; ".
func stringifyResourceList(list []*mesosproto.Resource, role string) string {
	if len(list) == 0 {
		return "{}"
	}
	parts := make([]string, len(list))
	for i, r := range list {
		if r.AllocationInfo == nil {
			c := proto.Clone(r).(*mesosproto.Resource)
			c.AllocationInfo = &mesosproto.Resource_AllocationInfo{Role: proto.String(role)}
			r = c
		}
		parts[i] = stringifyResource(r)
	}
	return strings.Join(parts, "; ")
}

// stringifyAllocated renders resources of the fake's arithmetic as Mesos
// renders the same resources allocated to role.
func stringifyAllocated(rs resources, role string) string {
	return stringifyResourceList(rs.toProto("", true), role)
}
