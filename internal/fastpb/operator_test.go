// SPDX-License-Identifier: Apache-2.0

package fastpb

import (
	"fmt"
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/masterpb"
	"github.com/mesoskit/mesoskit/mesosproto/quotapb"
)

// getState is a GET_STATE response shaped as a master sends it: agents with
// resources, frameworks, tasks with statuses and executors.
func getState(agents, tasks int) *masterpb.Response {
	s := proto.String
	scalar := func(name string, v float64) *mesosproto.Resource {
		return &mesosproto.Resource{Name: s(name), Type: mesosproto.Value_SCALAR.Enum(), Scalar: &mesosproto.Value_Scalar{Value: proto.Float64(v)}}
	}
	ports := &mesosproto.Resource{Name: s("ports"), Type: mesosproto.Value_RANGES.Enum(),
		Ranges: &mesosproto.Value_Ranges{Range: []*mesosproto.Value_Range{{Begin: proto.Uint64(31000), End: proto.Uint64(32000)}}}}
	fwID := &mesosproto.FrameworkID{Value: s("8c2b9f4e-1111-4c8e-9a52-0c4f2f1f6e11-0000")}
	st := &masterpb.Response_GetState{
		GetAgents:     &masterpb.Response_GetAgents{},
		GetFrameworks: &masterpb.Response_GetFrameworks{},
		GetTasks:      &masterpb.Response_GetTasks{},
		GetExecutors:  &masterpb.Response_GetExecutors{},
	}
	st.GetFrameworks.Frameworks = append(st.GetFrameworks.Frameworks, &masterpb.Response_GetFrameworks_Framework{
		FrameworkInfo: &mesosproto.FrameworkInfo{User: s("root"), Name: s("svc"), Id: fwID, Roles: []string{"web"},
			Capabilities: []*mesosproto.FrameworkInfo_Capability{{Type: mesosproto.FrameworkInfo_Capability_MULTI_ROLE.Enum()}}},
		Active: proto.Bool(true), Connected: proto.Bool(true), Recovered: proto.Bool(false),
		RegisteredTime: &mesosproto.TimeInfo{Nanoseconds: proto.Int64(1.7e18)},
	})
	for i := range agents {
		id := &mesosproto.AgentID{Value: s(fmt.Sprintf("8c2b9f4e-1111-4c8e-9a52-0c4f2f1f6e11-S%d", i))}
		st.GetAgents.Agents = append(st.GetAgents.Agents, &masterpb.Response_GetAgents_Agent{
			AgentInfo: &mesosproto.AgentInfo{Hostname: s(fmt.Sprintf("agent-%d", i)), Id: id, Port: proto.Int32(5051),
				Resources: []*mesosproto.Resource{scalar("cpus", 8), scalar("mem", 16384), ports}},
			Active: proto.Bool(true), Version: s("1.12.0"), Pid: s(fmt.Sprintf("slave(1)@127.0.0.1:%d", 5051+i)),
			RegisteredTime: &mesosproto.TimeInfo{Nanoseconds: proto.Int64(1.7e18)},
			TotalResources: []*mesosproto.Resource{scalar("cpus", 8), scalar("mem", 16384), ports},
		})
	}
	for i := range tasks {
		tid := &mesosproto.TaskID{Value: s(fmt.Sprintf("task-%d", i))}
		aid := st.GetAgents.Agents[i%agents].AgentInfo.Id
		st.GetTasks.Tasks = append(st.GetTasks.Tasks, &mesosproto.Task{
			Name: s("web"), TaskId: tid, FrameworkId: fwID, AgentId: aid,
			State:     mesosproto.TaskState_TASK_RUNNING.Enum(),
			Resources: []*mesosproto.Resource{scalar("cpus", 0.1), scalar("mem", 32)},
			Statuses: []*mesosproto.TaskStatus{{TaskId: tid, State: mesosproto.TaskState_TASK_RUNNING.Enum(), AgentId: aid,
				Timestamp: proto.Float64(1.7e9), Source: mesosproto.TaskStatus_SOURCE_EXECUTOR.Enum(),
				ContainerStatus: &mesosproto.ContainerStatus{NetworkInfos: []*mesosproto.NetworkInfo{{
					IpAddresses: []*mesosproto.NetworkInfo_IPAddress{{IpAddress: s("127.0.0.1")}}}}}}},
			StatusUpdateState: mesosproto.TaskState_TASK_RUNNING.Enum(),
			StatusUpdateUuid:  []byte("0123456789abcdef"),
			Limits:            map[string]*mesosproto.Value_Scalar{"cpus": {Value: proto.Float64(1)}},
		})
	}
	return &masterpb.Response{Type: masterpb.Response_GET_STATE.Enum(), GetState: st}
}

// operatorMessages are operator API calls, responses and events as a
// master sends or receives them.
func operatorMessages() []proto.Message {
	s := proto.String
	state := getState(3, 7)
	return []proto.Message{
		state,
		&masterpb.Event{Type: masterpb.Event_SUBSCRIBED.Enum(), Subscribed: &masterpb.Event_Subscribed{
			GetState: state.GetState, HeartbeatIntervalSeconds: proto.Float64(15)}},
		&masterpb.Event{Type: masterpb.Event_TASK_ADDED.Enum(), TaskAdded: &masterpb.Event_TaskAdded{Task: state.GetState.GetTasks.Tasks[0]}},
		&masterpb.Event{Type: masterpb.Event_TASK_UPDATED.Enum(), TaskUpdated: &masterpb.Event_TaskUpdated{
			FrameworkId: state.GetState.GetTasks.Tasks[0].FrameworkId, Status: state.GetState.GetTasks.Tasks[0].Statuses[0],
			State: mesosproto.TaskState_TASK_FINISHED.Enum()}},
		&masterpb.Event{Type: masterpb.Event_HEARTBEAT.Enum()},
		&masterpb.Call{Type: masterpb.Call_DRAIN_AGENT.Enum(), DrainAgent: &masterpb.Call_DrainAgent{
			AgentId: state.GetState.GetAgents.Agents[0].AgentInfo.Id, MaxGracePeriod: durationpb.New(1e9), MarkGone: proto.Bool(true)}},
		&masterpb.Call{Type: masterpb.Call_UPDATE_QUOTA.Enum(), UpdateQuota: &masterpb.Call_UpdateQuota{
			QuotaConfigs: []*quotapb.QuotaConfig{{Role: s("web"), Guarantees: map[string]*mesosproto.Value_Scalar{"cpus": {Value: proto.Float64(2)}}}}}},
		&masterpb.Response{Type: masterpb.Response_GET_VERSION.Enum(), GetVersion: &masterpb.Response_GetVersion{
			VersionInfo: &mesosproto.VersionInfo{Version: s("1.12.0")}}},
	}
}

// TestOperatorMessages compares both decoders on operator API messages,
// including a GET_STATE response and the SUBSCRIBED event that carries it.
func TestOperatorMessages(t *testing.T) {
	for _, m := range operatorMessages() {
		b, err := proto.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		if !check(t, m.ProtoReflect().Type(), b) {
			t.Fatalf("%v does not decode", m)
		}
	}
}

// TestOperatorGenerated: the operator Event and Response have generated
// decoders (they are not handed to proto.Unmarshal).
func TestOperatorGenerated(t *testing.T) {
	for _, m := range operatorMessages() {
		b, err := proto.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		var d decoder
		if handled, ok := d.unmarshal(b, m.ProtoReflect().Type().New().Interface()); !handled || !ok {
			t.Errorf("%s: handled %v ok %v, want a generated decoder", m.ProtoReflect().Descriptor().FullName(), handled, ok)
		}
	}
}

// BenchmarkUnmarshalGetState decodes a GET_STATE response of 1,000 agents
// and 10,000 tasks with fastpb and with proto.Unmarshal.
func BenchmarkUnmarshalGetState(b *testing.B) {
	pb, err := proto.Marshal(getState(1000, 10000))
	if err != nil {
		b.Fatal(err)
	}
	for _, impl := range []struct {
		name string
		f    func([]byte, proto.Message) error
	}{{"fastpb", Unmarshal}, {"proto", reference.Unmarshal}} {
		b.Run("impl="+impl.name, func(b *testing.B) {
			b.SetBytes(int64(len(pb)))
			b.ReportAllocs()
			start := cpuTime()
			for b.Loop() {
				if err := impl.f(pb, new(masterpb.Response)); err != nil {
					b.Fatal(err)
				}
			}
			reportCPU(b, start)
		})
	}
}
