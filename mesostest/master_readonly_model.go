// SPDX-License-Identifier: Apache-2.0

package mesostest

import (
	"net"
	"sort"
	"strconv"
	"time"

	"github.com/mesoskit/mesoskit/mesosproto"
)

// The JSON models of the master's endpoints, written from the hand-made
// json() overloads of src/common/http.cpp and the writers of
// src/master/readonly_handler.cpp (not protobuf-to-JSON: only the pieces
// those functions hand to JSON::Protobuf are rendered by httpapi.AppendJSON).

// agentCapabilities are the capabilities a Mesos 1.12 agent reports
// (AGENT_CAPABILITIES in src/slave/constants.cpp).
var agentCapabilities = []string{
	"HIERARCHICAL_ROLE", "MULTI_ROLE", "RESERVATION_REFINEMENT", "RESOURCE_PROVIDER",
	"RESIZE_VOLUME", "AGENT_OPERATION_FEEDBACK", "AGENT_DRAINING", "TASK_RESOURCE_LIMITS",
}

// secs is Time::secs(): seconds since the epoch as a double; the zero
// time is 0.
func secs(t time.Time) float64 {
	if t.IsZero() {
		return 0
	}
	return float64(t.UnixNano()) / 1e9
}

// agentIPLocked is the IP of the agent's libprocess address, as offers
// and operation messages show it (agentIP).
func (s *Server) agentIPLocked(a *agent) string { return agentIP(a.hostname) }

// agentPIDLocked is the agent's UPID as the master shows it: a Mesos agent
// is the libprocess process "slave(1)" of its own OS process.
func (s *Server) agentPIDLocked(a *agent) string {
	return "slave(1)@" + net.JoinHostPort(s.agentIPLocked(a), strconv.Itoa(a.port))
}

// writeSlaveInfo is json(JSON::ObjectWriter*, const SlaveInfo&)
// (src/common/http.cpp): id, hostname, port, attributes.
func (s *Server) writeSlaveInfo(w *jsonWriter, a *agent) {
	w.str("id", a.id)
	w.str("hostname", a.hostname)
	w.int("port", int64(a.port))
	w.objectField("attributes")
	writeAttributes(w, a.attributes)
	w.endObject()
}

// writeAttributes is json(JSON::ObjectWriter*, const Attributes&): one
// field per attribute, scalars as numbers, ranges and sets stringified,
// text as is.
func writeAttributes(w *jsonWriter, attrs []*mesosproto.Attribute) {
	for _, at := range attrs {
		switch at.GetType() {
		case mesosproto.Value_SCALAR:
			w.double(at.GetName(), at.GetScalar().GetValue())
		case mesosproto.Value_RANGES:
			var rs []rng
			for _, r := range at.GetRanges().GetRange() {
				rs = append(rs, rng{r.GetBegin(), r.GetEnd()})
			}
			w.key(at.GetName())
			w.b = appendRangesString(w.b, rs)
		case mesosproto.Value_SET:
			w.key(at.GetName())
			w.b = append(w.b, `"{`...)
			for i, it := range at.GetSet().GetItem() {
				if i > 0 {
					w.b = append(w.b, ", "...)
				}
				w.b = appendJSONStringBody(w.b, it)
			}
			w.b = append(w.b, `}"`...)
		case mesosproto.Value_TEXT:
			w.str(at.GetName(), at.GetText().GetValue())
		}
	}
}

// writeSlave is SlaveWriter::operator() (src/master/readonly_handler.cpp).
func (s *Server) writeSlave(w *jsonWriter, a *agent) {
	s.writeSlaveInfo(w, a)
	w.str("pid", s.agentPIDLocked(a))
	w.double("registered_time", secs(a.registeredAt))
	w.resourcesField("resources", a.total)
	w.resourcesField("used_resources", a.used)
	w.resourcesField("offered_resources", a.offered)
	reserved := reservationsByRole(a.total)
	w.objectField("reserved_resources")
	for _, role := range sortedKeys(reserved) {
		w.resourcesField(role, reserved[role])
	}
	w.endObject()
	w.resourcesField("unreserved_resources", a.total.forRole("*"))
	w.bool("active", !s.op.deactivated[a.id])
	w.bool("deactivated", s.op.deactivated[a.id])
	w.str("version", mesosVersion)
	w.strings("capabilities", agentCapabilities)
	s.writeSlaveDrain(w, a) // operator_drain.go
}

// writeSlaveFull adds to writeSlave what SlavesWriter::writeSlave adds for
// /slaves: the resources in full, in the ENDPOINT format.
func (s *Server) writeSlaveFull(w *jsonWriter, a *agent) {
	s.writeSlave(w, a)
	reserved := reservationsByRole(a.total)
	w.objectField("reserved_resources_full")
	for _, role := range sortedKeys(reserved) {
		w.resourcesFullField(role, reserved[role])
	}
	w.endObject()
	w.resourcesFullField("unreserved_resources_full", a.total.forRole("*"))
	w.resourcesFullField("used_resources_full", a.used)
	w.resourcesFullField("offered_resources_full", a.offered)
}

// reservationsByRole is Resources::reservations(): reserved resources
// grouped by the role of their last reservation.
func reservationsByRole(rs resources) map[string]resources {
	out := map[string]resources{}
	for k, v := range rs {
		if k.role == "*" {
			continue
		}
		if out[k.role] == nil {
			out[k.role] = resources{}
		}
		out[k.role][k] = v
	}
	return out
}

// taskView is what the master's Task message holds for one task, taken from
// the cluster model without copying: a running task (t set), or a
// completed one (t set when the cluster kept it, else only its id).
type taskView struct {
	t           *task
	frameworkID string
	id          string
}

// statusesLocked returns the task's statuses as the master keeps them in
// Task.statuses (Master::updateTask, src/master/master.cpp): one per state
// change, a repeated state replacing the previous status. They are the
// statuses of the task id on the task's agent (the history is kept by task
// id alone). Nil with WithoutHistory.
func (s *Server) statusesLocked(v taskView) []*mesosproto.TaskStatus {
	return s.appendStatusesLocked(nil, v)
}

// appendStatusesLocked appends the statuses of statusesLocked to out.
func (s *Server) appendStatusesLocked(out []*mesosproto.TaskStatus, v taskView) []*mesosproto.TaskStatus {
	for _, st := range s.history[v.id] {
		if v.t != nil && st.GetAgentId().GetValue() != "" && st.GetAgentId().GetValue() != v.t.agent.id {
			continue
		}
		if n := len(out); n > 0 && out[n-1].GetState() == st.GetState() {
			out[n-1] = st
			continue
		}
		out = append(out, st)
	}
	return out
}

// viewStateLocked is Task.state: the state of the latest status the
// master saw for the task.
func (s *Server) viewStateLocked(v taskView, statuses []*mesosproto.TaskStatus) mesosproto.TaskState {
	if n := len(statuses); n > 0 {
		last := statuses[n-1].GetState()
		if v.t == nil || mesosproto.IsTerminalState(last) || last == mesosproto.TaskState_TASK_UNREACHABLE {
			return last
		}
	}
	if v.t != nil {
		return v.t.state
	}
	return mesosproto.TaskState_TASK_STAGING
}

// writeTask is json(JSON::ObjectWriter*, const Task&) (src/common/http.cpp).
// executor_id is empty for command tasks: the master's Task carries the
// executor id only for tasks with an ExecutorInfo (protobuf::createTask,
// src/common/protobuf_utils.cpp).
func (s *Server) writeTask(w *jsonWriter, v taskView) {
	w.statuses = s.appendStatusesLocked(w.statuses[:0], v)
	statuses := w.statuses
	t := v.t
	var info *mesosproto.TaskInfo
	if t != nil {
		info = t.info
	}
	w.str("id", v.id)
	name := info.GetName()
	if t != nil && t.simulated && name == "" {
		name = v.id
	}
	w.str("name", name)
	w.str("framework_id", v.frameworkID)
	w.str("executor_id", info.GetExecutor().GetExecutorId().GetValue())
	agentID := ""
	if t != nil {
		agentID = t.agent.id
	} else if n := len(statuses); n > 0 {
		agentID = statuses[n-1].GetAgentId().GetValue()
	}
	w.str("slave_id", agentID)
	w.str("state", s.viewStateLocked(v, statuses).String())
	var res resources
	role := ""
	if t != nil {
		res, role = t.res, t.role
	}
	w.resourcesField("resources", res)
	if lim := info.GetLimits(); len(lim) > 0 {
		w.objectField("limits")
		for _, k := range sortedKeys(lim) {
			w.double(k, lim[k].GetValue())
		}
		w.endObject()
	}
	w.str("role", role)
	w.arrayField("statuses")
	for _, st := range statuses {
		w.beginObject()
		s.writeStatus(w, t, st)
		w.endObject()
	}
	w.endArray()
	if c := info.GetCommand(); c != nil && c.User != nil {
		w.str("user", c.GetUser())
	} else if c := info.GetExecutor().GetCommand(); c != nil && c.User != nil {
		w.str("user", c.GetUser())
	}
	if info.GetLabels() != nil {
		writeLabels(w, "labels", info.GetLabels())
	}
	if info.GetDiscovery() != nil {
		w.protobuf("discovery", info.GetDiscovery())
	}
	if info.GetContainer() != nil {
		w.protobuf("container", info.GetContainer())
	}
	if info.GetHealthCheck() != nil {
		w.protobuf("health_check", info.GetHealthCheck())
	}
}

// writeLabels is json(JSON::ArrayWriter*, const Labels&): the labels as
// JSON::Protobuf objects.
func writeLabels(w *jsonWriter, k string, l *mesosproto.Labels) {
	w.arrayField(k)
	for _, x := range l.GetLabels() {
		w.protoElem(x)
	}
	w.endArray()
}

// writeStatus is json(JSON::ObjectWriter*, const TaskStatus&): state,
// timestamp, labels, container_status, healthy. A status an executor sent
// through the agent carries the container's status with the agent's IP
// in network_infos, which Slave::_statusUpdate (src/slave/slave.cpp) fills
// in when the containerizer reports none; the fake agent renders that
// here for the statuses of tasks it runs.
func (s *Server) writeStatus(w *jsonWriter, t *task, st *mesosproto.TaskStatus) {
	w.str("state", st.GetState().String())
	w.double("timestamp", st.GetTimestamp())
	if st.GetLabels() != nil {
		writeLabels(w, "labels", st.GetLabels())
	}
	cs := st.GetContainerStatus()
	fromExecutor := st.GetSource() == mesosproto.TaskStatus_SOURCE_EXECUTOR && t != nil
	if cs != nil || fromExecutor {
		w.objectField("container_status")
		switch {
		case cs.GetContainerId() != nil:
			w.protobuf("container_id", cs.GetContainerId())
		case fromExecutor && t.containerID != "":
			// JSON::Protobuf of a ContainerID with only its value.
			w.objectField("container_id")
			w.str("value", t.containerID)
			w.endObject()
		}
		switch {
		case len(cs.GetNetworkInfos()) > 0:
			w.arrayField("network_infos")
			for _, ni := range cs.GetNetworkInfos() {
				w.beginObject()
				writeNetworkInfo(w, ni)
				w.endObject()
			}
			w.endArray()
		case fromExecutor:
			w.arrayField("network_infos")
			w.beginObject()
			// JSON::Protobuf of an IPAddress with only ip_address set:
			// the protocol's default, IPv4, is written too.
			w.arrayField("ip_addresses")
			w.beginObject()
			w.str("protocol", "IPv4")
			w.str("ip_address", s.agentIPLocked(t.agent))
			w.endObject()
			w.endArray()
			w.endObject()
			w.endArray()
		}
		if cs.GetCgroupInfo() != nil {
			w.protobuf("cgroup_info", cs.GetCgroupInfo())
		}
		w.endObject()
	}
	if st.Healthy != nil {
		w.bool("healthy", st.GetHealthy())
	}
}

// writeNetworkInfo is json(JSON::ObjectWriter*, const NetworkInfo&).
func writeNetworkInfo(w *jsonWriter, ni *mesosproto.NetworkInfo) {
	if len(ni.GetGroups()) > 0 {
		w.strings("groups", ni.GetGroups())
	}
	if ni.GetLabels() != nil {
		writeLabels(w, "labels", ni.GetLabels())
	}
	if len(ni.GetIpAddresses()) > 0 {
		w.arrayField("ip_addresses")
		for _, ip := range ni.GetIpAddresses() {
			w.protoElem(ip)
		}
		w.endArray()
	}
	if ni.Name != nil {
		w.str("name", ni.GetName())
	}
	if len(ni.GetPortMappings()) > 0 {
		w.arrayField("port_mappings")
		for _, pm := range ni.GetPortMappings() {
			w.protoElem(pm)
		}
		w.endArray()
	}
}

// writeExecutorInfo is json(JSON::ObjectWriter*, const ExecutorInfo&). The
// master fills in the framework id of an ExecutorInfo that has none
// (Master::accept, src/master/master.cpp).
func writeExecutorInfo(w *jsonWriter, ei *mesosproto.ExecutorInfo, fwID string) {
	w.str("executor_id", ei.GetExecutorId().GetValue())
	w.str("name", ei.GetName())
	if id := ei.GetFrameworkId().GetValue(); id != "" {
		fwID = id
	}
	w.str("framework_id", fwID)
	w.objectField("command")
	writeCommandInfo(w, ei.GetCommand())
	w.endObject()
	res, err := resourcesFromProto(ei.GetResources())
	if err != nil {
		res = resources{}
	}
	w.resourcesField("resources", res)
	if rs := ei.GetResources(); len(rs) > 0 {
		w.str("role", rs[0].GetAllocationInfo().GetRole())
	}
	if ei.GetLabels() != nil {
		writeLabels(w, "labels", ei.GetLabels())
	}
	if ei.Type != nil {
		w.str("type", ei.GetType().String())
	}
}

// writeCommandInfo is json(JSON::ObjectWriter*, const CommandInfo&).
func writeCommandInfo(w *jsonWriter, c *mesosproto.CommandInfo) {
	if c == nil {
		c = &mesosproto.CommandInfo{}
	}
	if c.Shell != nil {
		w.bool("shell", c.GetShell())
	}
	if c.Value != nil {
		w.str("value", c.GetValue())
	}
	w.strings("argv", c.GetArguments())
	if c.GetEnvironment() != nil {
		w.protobuf("environment", c.GetEnvironment())
	}
	w.arrayField("uris")
	for _, u := range c.GetUris() {
		w.beginObject()
		w.str("value", u.GetValue())
		w.bool("executable", u.GetExecutable())
		w.endObject()
	}
	w.endArray()
}

// writeMasterInfo is json(JSON::ObjectWriter*, const MasterInfo&).
func writeMasterInfo(w *jsonWriter, mi *mesosproto.MasterInfo) {
	w.str("id", mi.GetId())
	w.str("pid", mi.GetPid())
	w.int("port", int64(mi.GetPort()))
	w.str("hostname", mi.GetHostname())
}

// sortTaskViews orders tasks by task id, for a stable output (Mesos writes
// its hashmaps in hash order).
func sortTaskViews(vs []taskView) {
	sort.Slice(vs, func(i, j int) bool { return vs[i].id < vs[j].id })
}
