// SPDX-License-Identifier: Apache-2.0

package mesostest

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"

	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/internal/httpapi"
	"github.com/mesoskit/mesoskit/mesosproto"
)

// JSON models shared by the read-only endpoints, as src/common/http.cpp
// writes them (its json(...) overloads; JSON::Protobuf for the rest).
// Object keys come out sorted (encoding/json sorts map keys; stout's
// objects are ordered maps too, and the writers' field order carries no
// meaning to a JSON reader).

// jsonObject is an object under construction.
type jsonObject = map[string]any

// rawProtoJSON is JSON::Protobuf(m): the message in Mesos's JSON mapping.
func rawProtoJSON(m proto.Message) json.RawMessage {
	b, err := jsonCodec.Marshal(m)
	if err != nil {
		return json.RawMessage("{}")
	}
	return json.RawMessage(b)
}

// resourcesModel is json(ObjectWriter, Resources): cpus, gpus, mem and disk
// always (0 when absent), every scalar summed by name, ranges merged and
// written as "[a-b, c-d]", sets as "{a, b}"; revocable resources under
// "<name>_revocable"; text resources are skipped.
func resourcesModel(rs []*mesosproto.Resource) jsonObject {
	scalars := map[string]float64{"cpus": 0, "gpus": 0, "mem": 0, "disk": 0}
	ranges := map[string][][2]uint64{}
	sets := map[string][]string{}
	for _, r := range rs {
		name := r.GetName()
		if r.GetRevocable() != nil {
			name += "_revocable"
		}
		switch r.GetType() {
		case mesosproto.Value_SCALAR:
			scalars[name] += r.GetScalar().GetValue()
		case mesosproto.Value_RANGES:
			for _, rg := range r.GetRanges().GetRange() {
				ranges[name] = append(ranges[name], [2]uint64{rg.GetBegin(), rg.GetEnd()})
			}
		case mesosproto.Value_SET:
			for _, item := range r.GetSet().GetItem() {
				if !slices.Contains(sets[name], item) {
					sets[name] = append(sets[name], item)
				}
			}
		}
	}
	out := make(jsonObject, len(scalars)+len(ranges)+len(sets))
	for k, v := range scalars {
		out[k] = v
	}
	for k, v := range ranges {
		out[k] = rangesString(v)
	}
	for k, v := range sets {
		out[k] = "{" + strings.Join(v, ", ") + "}"
	}
	return out
}

// rangesString is stout's stringify(Value::Ranges) of the coalesced ranges
// (src/common/values.cpp): "[31000-32000, 33000-33001]".
func rangesString(rs [][2]uint64) string {
	rs = slices.Clone(rs)
	slices.SortFunc(rs, func(a, b [2]uint64) int {
		if a[0] != b[0] {
			if a[0] < b[0] {
				return -1
			}
			return 1
		}
		return 0
	})
	var merged [][2]uint64
	for _, r := range rs {
		if n := len(merged); n > 0 && r[0] <= merged[n-1][1]+1 {
			merged[n-1][1] = max(merged[n-1][1], r[1])
			continue
		}
		merged = append(merged, r)
	}
	var b strings.Builder
	b.WriteByte('[')
	for i, r := range merged {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(strconv.FormatUint(r[0], 10) + "-" + strconv.FormatUint(r[1], 10))
	}
	b.WriteByte(']')
	return b.String()
}

// attributesModel is json(ObjectWriter, Attributes): scalars as numbers,
// ranges, sets and text as strings.
func attributesModel(attrs []*mesosproto.Attribute) jsonObject {
	out := make(jsonObject, len(attrs))
	for _, a := range attrs {
		switch a.GetType() {
		case mesosproto.Value_SCALAR:
			out[a.GetName()] = a.GetScalar().GetValue()
		case mesosproto.Value_RANGES:
			var rs [][2]uint64
			for _, r := range a.GetRanges().GetRange() {
				rs = append(rs, [2]uint64{r.GetBegin(), r.GetEnd()})
			}
			out[a.GetName()] = rangesString(rs)
		case mesosproto.Value_SET:
			out[a.GetName()] = "{" + strings.Join(a.GetSet().GetItem(), ", ") + "}"
		case mesosproto.Value_TEXT:
			out[a.GetName()] = a.GetText().GetValue()
		}
	}
	return out
}

// taskStatusModel is json(ObjectWriter, TaskStatus): state, timestamp
// (seconds), and labels, container_status, healthy when present.
func taskStatusModel(st *mesosproto.TaskStatus) jsonObject {
	out := jsonObject{"state": st.GetState().String(), "timestamp": st.GetTimestamp()}
	if st.Labels != nil {
		out["labels"] = labelsModel(st.GetLabels())
	}
	if cs := st.GetContainerStatus(); cs != nil {
		c := jsonObject{}
		if cs.ContainerId != nil {
			c["container_id"] = rawProtoJSON(cs.GetContainerId())
		}
		if len(cs.GetNetworkInfos()) > 0 {
			var nis []jsonObject
			for _, ni := range cs.GetNetworkInfos() {
				nis = append(nis, networkInfoModel(ni))
			}
			c["network_infos"] = nis
		}
		if cs.CgroupInfo != nil {
			c["cgroup_info"] = rawProtoJSON(cs.GetCgroupInfo())
		}
		out["container_status"] = c
	}
	if st.Healthy != nil {
		out["healthy"] = st.GetHealthy()
	}
	return out
}

// networkInfoModel is json(ObjectWriter, NetworkInfo).
func networkInfoModel(ni *mesosproto.NetworkInfo) jsonObject {
	out := jsonObject{}
	if len(ni.GetGroups()) > 0 {
		out["groups"] = ni.GetGroups()
	}
	if ni.Labels != nil {
		out["labels"] = labelsModel(ni.GetLabels())
	}
	if len(ni.GetIpAddresses()) > 0 {
		var ips []json.RawMessage
		for _, ip := range ni.GetIpAddresses() {
			ips = append(ips, rawProtoJSON(ip))
		}
		out["ip_addresses"] = ips
	}
	if ni.Name != nil {
		out["name"] = ni.GetName()
	}
	if len(ni.GetPortMappings()) > 0 {
		var pms []json.RawMessage
		for _, pm := range ni.GetPortMappings() {
			pms = append(pms, rawProtoJSON(pm))
		}
		out["port_mappings"] = pms
	}
	return out
}

// labelsModel is json(ArrayWriter, Labels): the labels as protobuf objects.
func labelsModel(ls *mesosproto.Labels) []json.RawMessage {
	out := make([]json.RawMessage, 0, len(ls.GetLabels()))
	for _, l := range ls.GetLabels() {
		out = append(out, rawProtoJSON(l))
	}
	return out
}

// commandInfoModel is json(ObjectWriter, CommandInfo).
func commandInfoModel(c *mesosproto.CommandInfo) jsonObject {
	out := jsonObject{"argv": nonNil(c.GetArguments())}
	if c.Shell != nil {
		out["shell"] = c.GetShell()
	}
	if c.Value != nil {
		out["value"] = c.GetValue()
	}
	if c.Environment != nil {
		out["environment"] = rawProtoJSON(c.GetEnvironment())
	}
	uris := make([]jsonObject, 0, len(c.GetUris()))
	for _, u := range c.GetUris() {
		uris = append(uris, jsonObject{"value": u.GetValue(), "executable": u.GetExecutable()})
	}
	out["uris"] = uris
	return out
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// taskInfoModel is json(ObjectWriter, TaskInfo) of src/slave/http.cpp (the
// agent's queued tasks): role is that of the task's allocation.
func taskInfoModel(ti *mesosproto.TaskInfo, role string) jsonObject {
	out := jsonObject{
		"id":        ti.GetTaskId().GetValue(),
		"name":      ti.GetName(),
		"slave_id":  ti.GetAgentId().GetValue(),
		"resources": resourcesModel(ti.GetResources()),
		"role":      role,
	}
	if ti.Command != nil {
		out["command"] = commandInfoModel(ti.GetCommand())
	}
	if ti.Executor != nil {
		out["executor_id"] = ti.GetExecutor().GetExecutorId().GetValue()
	}
	if ti.Discovery != nil {
		out["discovery"] = rawProtoJSON(ti.GetDiscovery())
	}
	return out
}

// taskModel is json(ObjectWriter, Task) for a Task made by createTask
// (src/common/protobuf_utils.cpp) from ti: executor_id is empty for a
// command task, user comes from the command. statuses are already in the
// order to show.
func taskModel(ti *mesosproto.TaskInfo, frameworkID, role string, state mesosproto.TaskState, statuses []*mesosproto.TaskStatus) jsonObject {
	out := jsonObject{
		"id":           ti.GetTaskId().GetValue(),
		"name":         ti.GetName(),
		"framework_id": frameworkID,
		"executor_id":  ti.GetExecutor().GetExecutorId().GetValue(),
		"slave_id":     ti.GetAgentId().GetValue(),
		"state":        state.String(),
		"resources":    resourcesModel(ti.GetResources()),
		"role":         role,
	}
	if len(ti.GetLimits()) > 0 {
		limits := jsonObject{}
		for k, v := range ti.GetLimits() {
			limits[k] = v.GetValue()
		}
		out["limits"] = limits
	}
	sts := make([]jsonObject, 0, len(statuses))
	for _, st := range statuses {
		sts = append(sts, taskStatusModel(st))
	}
	out["statuses"] = sts
	if c := ti.GetCommand(); c != nil && c.User != nil {
		out["user"] = c.GetUser()
	} else if c := ti.GetExecutor().GetCommand(); c != nil && c.User != nil {
		out["user"] = c.GetUser()
	}
	if ti.Labels != nil {
		out["labels"] = labelsModel(ti.GetLabels())
	}
	if ti.Discovery != nil {
		out["discovery"] = rawProtoJSON(ti.GetDiscovery())
	}
	if ti.Container != nil {
		out["container"] = rawProtoJSON(ti.GetContainer())
	}
	if ti.HealthCheck != nil {
		out["health_check"] = rawProtoJSON(ti.GetHealthCheck())
	}
	return out
}

var jsonCodec, _ = httpapi.CodecFor(httpapi.MediaTypeJSON)
