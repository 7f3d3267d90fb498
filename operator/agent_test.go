// SPDX-License-Identifier: Apache-2.0

package operator_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/testing/protocmp"

	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/agentpb"
	"github.com/mesoskit/mesoskit/operator"
)

type agentCase struct {
	name   string
	invoke func(ctx context.Context, a *operator.Agent) (any, error)
	call   *agentpb.Call
	resp   *agentpb.Response
	want   any
}

func art(t agentpb.Response_Type) *agentpb.Response_Type { return t.Enum() }

func agentCases() []agentCase {
	c := func(t agentpb.Call_Type, fill func(*agentpb.Call)) *agentpb.Call {
		call := &agentpb.Call{Type: t.Enum()}
		if fill != nil {
			fill(call)
		}
		return call
	}
	flags := []*mesosproto.Flag{{Name: proto.String("work_dir"), Value: proto.String("/var/lib/mesos")}}
	version := &mesosproto.VersionInfo{Version: proto.String("1.12.0")}
	metrics := []*mesosproto.Metric{{Name: proto.String("slave/uptime_secs"), Value: proto.Float64(3)}}
	files := []*mesosproto.FileInfo{{Path: proto.String("/sandbox/stdout")}}
	state := &agentpb.Response_GetState{GetTasks: &agentpb.Response_GetTasks{LaunchedTasks: snapshot(1).GetGetTasks().GetTasks()}}
	containers := []*agentpb.Response_GetContainers_Container{{
		FrameworkId: &mesosproto.FrameworkID{Value: proto.String("fw-1")},
		ExecutorId:  &mesosproto.ExecutorID{Value: proto.String("task-1")},
		ContainerId: &mesosproto.ContainerID{Value: proto.String("c-1")},
	}}
	agentInfo := &agentpb.Response_GetAgent{AgentInfo: &mesosproto.AgentInfo{Hostname: proto.String("h"), Port: proto.Int32(5051)}}
	return []agentCase{
		{"GetHealth", func(ctx context.Context, a *operator.Agent) (any, error) { return a.GetHealth(ctx) },
			c(agentpb.Call_GET_HEALTH, nil),
			&agentpb.Response{Type: art(agentpb.Response_GET_HEALTH), GetHealth: &agentpb.Response_GetHealth{Healthy: proto.Bool(true)}}, true},
		{"GetFlags", func(ctx context.Context, a *operator.Agent) (any, error) { return a.GetFlags(ctx) },
			c(agentpb.Call_GET_FLAGS, nil),
			&agentpb.Response{Type: art(agentpb.Response_GET_FLAGS), GetFlags: &agentpb.Response_GetFlags{Flags: flags}}, flags},
		{"GetVersion", func(ctx context.Context, a *operator.Agent) (any, error) { return a.GetVersion(ctx) },
			c(agentpb.Call_GET_VERSION, nil),
			&agentpb.Response{Type: art(agentpb.Response_GET_VERSION), GetVersion: &agentpb.Response_GetVersion{VersionInfo: version}}, version},
		{"GetMetrics", func(ctx context.Context, a *operator.Agent) (any, error) { return a.GetMetrics(ctx, 0) },
			c(agentpb.Call_GET_METRICS, nil),
			&agentpb.Response{Type: art(agentpb.Response_GET_METRICS), GetMetrics: &agentpb.Response_GetMetrics{Metrics: metrics}}, metrics},
		{"GetLoggingLevel", func(ctx context.Context, a *operator.Agent) (any, error) { return a.GetLoggingLevel(ctx) },
			c(agentpb.Call_GET_LOGGING_LEVEL, nil),
			&agentpb.Response{Type: art(agentpb.Response_GET_LOGGING_LEVEL), GetLoggingLevel: &agentpb.Response_GetLoggingLevel{Level: proto.Uint32(0)}}, uint32(0)},
		{"SetLoggingLevel", func(ctx context.Context, a *operator.Agent) (any, error) {
			return nil, a.SetLoggingLevel(ctx, 1, time.Second)
		},
			c(agentpb.Call_SET_LOGGING_LEVEL, func(c *agentpb.Call) {
				c.SetLoggingLevel = &agentpb.Call_SetLoggingLevel{Level: proto.Uint32(1), Duration: &mesosproto.DurationInfo{Nanoseconds: proto.Int64(1e9)}}
			}), nil, nil},
		{"ListFiles", func(ctx context.Context, a *operator.Agent) (any, error) { return a.ListFiles(ctx, "/sandbox") },
			c(agentpb.Call_LIST_FILES, func(c *agentpb.Call) { c.ListFiles = &agentpb.Call_ListFiles{Path: proto.String("/sandbox")} }),
			&agentpb.Response{Type: art(agentpb.Response_LIST_FILES), ListFiles: &agentpb.Response_ListFiles{FileInfos: files}}, files},
		{"ReadFile", func(ctx context.Context, a *operator.Agent) (any, error) {
			data, size, err := a.ReadFile(ctx, "/sandbox/stdout", 0, 0)
			return string(data) + "|" + string(rune('0'+size)), err
		}, c(agentpb.Call_READ_FILE, func(c *agentpb.Call) {
			c.ReadFile = &agentpb.Call_ReadFile{Path: proto.String("/sandbox/stdout"), Offset: proto.Uint64(0)}
		}), &agentpb.Response{Type: art(agentpb.Response_READ_FILE), ReadFile: &agentpb.Response_ReadFile{Size: proto.Uint64(2), Data: []byte("hi")}}, "hi|2"},
		{"GetState", func(ctx context.Context, a *operator.Agent) (any, error) { return a.GetState(ctx) },
			c(agentpb.Call_GET_STATE, nil),
			&agentpb.Response{Type: art(agentpb.Response_GET_STATE), GetState: state}, state},
		{"GetContainers", func(ctx context.Context, a *operator.Agent) (any, error) {
			return a.GetContainers(ctx, operator.ContainersFilter{ShowNested: true})
		}, c(agentpb.Call_GET_CONTAINERS, func(c *agentpb.Call) {
			c.GetContainers = &agentpb.Call_GetContainers{ShowNested: proto.Bool(true), ShowStandalone: proto.Bool(false)}
		}), &agentpb.Response{Type: art(agentpb.Response_GET_CONTAINERS), GetContainers: &agentpb.Response_GetContainers{Containers: containers}}, containers},
		{"GetFrameworks", func(ctx context.Context, a *operator.Agent) (any, error) { return a.GetFrameworks(ctx) },
			c(agentpb.Call_GET_FRAMEWORKS, nil),
			&agentpb.Response{Type: art(agentpb.Response_GET_FRAMEWORKS), GetFrameworks: &agentpb.Response_GetFrameworks{}}, &agentpb.Response_GetFrameworks{}},
		{"GetExecutors", func(ctx context.Context, a *operator.Agent) (any, error) { return a.GetExecutors(ctx) },
			c(agentpb.Call_GET_EXECUTORS, nil),
			&agentpb.Response{Type: art(agentpb.Response_GET_EXECUTORS), GetExecutors: &agentpb.Response_GetExecutors{}}, &agentpb.Response_GetExecutors{}},
		{"GetOperations", func(ctx context.Context, a *operator.Agent) (any, error) { return a.GetOperations(ctx) },
			c(agentpb.Call_GET_OPERATIONS, nil),
			&agentpb.Response{Type: art(agentpb.Response_GET_OPERATIONS), GetOperations: &agentpb.Response_GetOperations{}}, []*mesosproto.Operation(nil)},
		{"GetTasks", func(ctx context.Context, a *operator.Agent) (any, error) { return a.GetTasks(ctx) },
			c(agentpb.Call_GET_TASKS, nil),
			&agentpb.Response{Type: art(agentpb.Response_GET_TASKS), GetTasks: state.GetGetTasks()}, state.GetGetTasks()},
		{"GetAgent", func(ctx context.Context, a *operator.Agent) (any, error) { return a.GetAgent(ctx) },
			c(agentpb.Call_GET_AGENT, nil),
			&agentpb.Response{Type: art(agentpb.Response_GET_AGENT), GetAgent: agentInfo}, agentInfo},
		{"GetResourceProviders", func(ctx context.Context, a *operator.Agent) (any, error) { return a.GetResourceProviders(ctx) },
			c(agentpb.Call_GET_RESOURCE_PROVIDERS, nil),
			&agentpb.Response{Type: art(agentpb.Response_GET_RESOURCE_PROVIDERS), GetResourceProviders: &agentpb.Response_GetResourceProviders{}},
			[]*agentpb.Response_GetResourceProviders_ResourceProvider(nil)},
	}
}

// TestAgentCalls sends every typed agent call to a fake agent and checks
// the Call it received and the result.
func TestAgentCalls(t *testing.T) {
	forEachCodec(t, func(t *testing.T, ct string) {
		ag := newFakeAgent(t)
		a := newAgent(t, ag.hostPort(), operator.WithContentType(ct))
		for _, tc := range agentCases() {
			t.Run(tc.name, func(t *testing.T) {
				ag.mu.Lock()
				ag.calls = nil
				ag.respond = func(*agentpb.Call) *agentpb.Response { return tc.resp }
				ag.mu.Unlock()
				got, err := tc.invoke(ctxT(t), a)
				if err != nil {
					t.Fatalf("%s: %v", tc.name, err)
				}
				ag.mu.Lock()
				calls := append([]*agentpb.Call(nil), ag.calls...)
				ag.mu.Unlock()
				if len(calls) != 1 {
					t.Fatalf("agent received %d calls, want 1", len(calls))
				}
				if diff := cmp.Diff(tc.call, calls[0], protocmp.Transform()); diff != "" {
					t.Errorf("call sent (-want +got):\n%s", diff)
				}
				if diff := cmp.Diff(tc.want, got, protocmp.Transform()); diff != "" {
					t.Errorf("result (-want +got):\n%s", diff)
				}
			})
		}
	})
}

// TestAgentDo: Do sends any call and refuses the streaming ones.
func TestAgentDo(t *testing.T) {
	forEachCodec(t, func(t *testing.T, ct string) {
		ag := newFakeAgent(t)
		a := newAgent(t, ag.hostPort(), operator.WithContentType(ct))
		resp, err := a.Do(ctxT(t), &agentpb.Call{Type: agentpb.Call_KILL_CONTAINER.Enum(),
			KillContainer: &agentpb.Call_KillContainer{ContainerId: &mesosproto.ContainerID{Value: proto.String("c-1")}}})
		if err != nil || resp != nil {
			t.Fatalf("Do(KILL_CONTAINER) = %v, %v", resp, err)
		}
		for _, typ := range []agentpb.Call_Type{agentpb.Call_ATTACH_CONTAINER_INPUT, agentpb.Call_ATTACH_CONTAINER_OUTPUT,
			agentpb.Call_LAUNCH_NESTED_CONTAINER_SESSION} {
			if _, err := a.Do(ctxT(t), &agentpb.Call{Type: typ.Enum()}); err == nil {
				t.Errorf("Do(%s) succeeded", typ)
			}
		}
		if _, err := a.GetHealth(ctxT(t)); !errors.Is(err, operator.ErrUnexpectedResponse) {
			t.Errorf("GetHealth answered without body: %v", err)
		}
	})
}
