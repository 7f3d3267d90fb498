// SPDX-License-Identifier: Apache-2.0

package operator

import (
	"context"
	"fmt"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/agentpb"
)

// The calls of an agent's operator API (include/mesos/v1/agent/agent.proto),
// dispatched by src/slave/http.cpp, Http::api. Each method sends one Call and
// returns the payload of the matching Response.

// Do sends call to the agent and returns its Response, or nil for a call the
// agent answers without a body. It is the escape hatch for what no method
// covers (container launches, resource provider configuration, ...); the
// streaming calls (ATTACH_CONTAINER_INPUT/OUTPUT,
// LAUNCH_NESTED_CONTAINER_SESSION) are refused. GET_* calls, LIST_FILES and
// READ_FILE are retried as the methods are.
func (a *Agent) Do(ctx context.Context, call *agentpb.Call) (*agentpb.Response, error) {
	if call == nil {
		return nil, callErr("Do", fmt.Errorf("nil Call"))
	}
	typ := call.GetType()
	switch typ {
	case agentpb.Call_ATTACH_CONTAINER_INPUT, agentpb.Call_ATTACH_CONTAINER_OUTPUT,
		agentpb.Call_LAUNCH_NESTED_CONTAINER_SESSION:
		return nil, callErr(typ.String(), fmt.Errorf("streaming calls are not supported"))
	}
	resp := new(agentpb.Response)
	has, err := a.conn.callResponse(ctx, a, typ.String(), call, resp, agentReadOnly(typ))
	if err != nil || !has {
		return nil, err
	}
	return resp, nil
}

// agentReadOnly reports whether an agent call only reads.
func agentReadOnly(t agentpb.Call_Type) bool {
	switch t {
	case agentpb.Call_GET_HEALTH, agentpb.Call_GET_FLAGS, agentpb.Call_GET_VERSION, agentpb.Call_GET_METRICS,
		agentpb.Call_GET_LOGGING_LEVEL, agentpb.Call_LIST_FILES, agentpb.Call_READ_FILE, agentpb.Call_GET_STATE,
		agentpb.Call_GET_CONTAINERS, agentpb.Call_GET_FRAMEWORKS, agentpb.Call_GET_EXECUTORS,
		agentpb.Call_GET_OPERATIONS, agentpb.Call_GET_TASKS, agentpb.Call_GET_AGENT,
		agentpb.Call_GET_RESOURCE_PROVIDERS:
		return true
	}
	return false
}

// get sends a read-only call and checks that the Response is of type want.
func (a *Agent) get(ctx context.Context, call *agentpb.Call, want agentpb.Response_Type) (*agentpb.Response, error) {
	resp := new(agentpb.Response)
	name := call.GetType().String()
	if err := a.conn.call(ctx, a, name, call, resp, true); err != nil {
		return nil, err
	}
	if resp.GetType() != want {
		return nil, callErr(name, fmt.Errorf("%w: response of type %s", ErrUnexpectedResponse, resp.GetType()))
	}
	return resp, nil
}

func acall(t agentpb.Call_Type) *agentpb.Call { return &agentpb.Call{Type: t.Enum()} }

// GetHealth reports whether the agent is healthy (GET_HEALTH).
func (a *Agent) GetHealth(ctx context.Context) (bool, error) {
	r, err := a.get(ctx, acall(agentpb.Call_GET_HEALTH), agentpb.Response_GET_HEALTH)
	return r.GetGetHealth().GetHealthy(), err
}

// GetFlags returns the agent's flags (GET_FLAGS).
func (a *Agent) GetFlags(ctx context.Context) ([]*mesosproto.Flag, error) {
	r, err := a.get(ctx, acall(agentpb.Call_GET_FLAGS), agentpb.Response_GET_FLAGS)
	return r.GetGetFlags().GetFlags(), err
}

// GetVersion returns the agent's version (GET_VERSION).
func (a *Agent) GetVersion(ctx context.Context) (*mesosproto.VersionInfo, error) {
	r, err := a.get(ctx, acall(agentpb.Call_GET_VERSION), agentpb.Response_GET_VERSION)
	return r.GetGetVersion().GetVersionInfo(), err
}

// GetMetrics returns the agent's metrics snapshot (GET_METRICS); a timeout
// > 0 bounds how long the agent waits for slow metrics.
func (a *Agent) GetMetrics(ctx context.Context, timeout time.Duration) ([]*mesosproto.Metric, error) {
	c := acall(agentpb.Call_GET_METRICS)
	if timeout > 0 {
		c.GetMetrics = &agentpb.Call_GetMetrics{Timeout: durationInfo(timeout)}
	}
	r, err := a.get(ctx, c, agentpb.Response_GET_METRICS)
	return r.GetGetMetrics().GetMetrics(), err
}

// GetLoggingLevel returns the agent's glog verbosity (GET_LOGGING_LEVEL).
func (a *Agent) GetLoggingLevel(ctx context.Context) (uint32, error) {
	r, err := a.get(ctx, acall(agentpb.Call_GET_LOGGING_LEVEL), agentpb.Response_GET_LOGGING_LEVEL)
	return r.GetGetLoggingLevel().GetLevel(), err
}

// SetLoggingLevel sets the agent's glog verbosity to level for d
// (SET_LOGGING_LEVEL).
func (a *Agent) SetLoggingLevel(ctx context.Context, level uint32, d time.Duration) error {
	c := acall(agentpb.Call_SET_LOGGING_LEVEL)
	c.SetLoggingLevel = &agentpb.Call_SetLoggingLevel{Level: proto.Uint32(level), Duration: durationInfo(d)}
	return a.conn.call(ctx, a, c.GetType().String(), c, nil, false)
}

// ListFiles lists a directory of the agent's files API (LIST_FILES).
func (a *Agent) ListFiles(ctx context.Context, path string) ([]*mesosproto.FileInfo, error) {
	c := acall(agentpb.Call_LIST_FILES)
	c.ListFiles = &agentpb.Call_ListFiles{Path: proto.String(path)}
	r, err := a.get(ctx, c, agentpb.Response_LIST_FILES)
	return r.GetListFiles().GetFileInfos(), err
}

// ReadFile reads up to length bytes (all, when length is 0) of a file of
// the agent's files API at offset, and returns them with the file's size
// (READ_FILE). For following a growing file, see TailFile.
func (a *Agent) ReadFile(ctx context.Context, path string, offset, length uint64) (data []byte, size uint64, err error) {
	c := acall(agentpb.Call_READ_FILE)
	c.ReadFile = &agentpb.Call_ReadFile{Path: proto.String(path), Offset: proto.Uint64(offset)}
	if length > 0 {
		c.ReadFile.Length = proto.Uint64(length)
	}
	r, err := a.get(ctx, c, agentpb.Response_READ_FILE)
	return r.GetReadFile().GetData(), r.GetReadFile().GetSize(), err
}

// GetState returns the agent's tasks, executors and frameworks (GET_STATE).
func (a *Agent) GetState(ctx context.Context) (*agentpb.Response_GetState, error) {
	r, err := a.get(ctx, acall(agentpb.Call_GET_STATE), agentpb.Response_GET_STATE)
	return r.GetGetState(), err
}

// ContainersFilter selects the containers GetContainers lists besides the
// top-level containers of executors.
type ContainersFilter struct {
	ShowNested     bool // nested containers (of task groups, debug sessions)
	ShowStandalone bool // standalone containers (launched with LAUNCH_CONTAINER)
}

// GetContainers returns the agent's containers with their status and
// resource statistics (GET_CONTAINERS).
func (a *Agent) GetContainers(ctx context.Context, f ContainersFilter) ([]*agentpb.Response_GetContainers_Container, error) {
	c := acall(agentpb.Call_GET_CONTAINERS)
	if f.ShowNested || f.ShowStandalone {
		c.GetContainers = &agentpb.Call_GetContainers{ShowNested: proto.Bool(f.ShowNested), ShowStandalone: proto.Bool(f.ShowStandalone)}
	}
	r, err := a.get(ctx, c, agentpb.Response_GET_CONTAINERS)
	return r.GetGetContainers().GetContainers(), err
}

// GetFrameworks returns the frameworks with executors on the agent
// (GET_FRAMEWORKS).
func (a *Agent) GetFrameworks(ctx context.Context) (*agentpb.Response_GetFrameworks, error) {
	r, err := a.get(ctx, acall(agentpb.Call_GET_FRAMEWORKS), agentpb.Response_GET_FRAMEWORKS)
	return r.GetGetFrameworks(), err
}

// GetExecutors returns the agent's executors (GET_EXECUTORS).
func (a *Agent) GetExecutors(ctx context.Context) (*agentpb.Response_GetExecutors, error) {
	r, err := a.get(ctx, acall(agentpb.Call_GET_EXECUTORS), agentpb.Response_GET_EXECUTORS)
	return r.GetGetExecutors(), err
}

// GetOperations returns the agent's operations (GET_OPERATIONS).
func (a *Agent) GetOperations(ctx context.Context) ([]*mesosproto.Operation, error) {
	r, err := a.get(ctx, acall(agentpb.Call_GET_OPERATIONS), agentpb.Response_GET_OPERATIONS)
	return r.GetGetOperations().GetOperations(), err
}

// GetTasks returns the agent's tasks (GET_TASKS).
func (a *Agent) GetTasks(ctx context.Context) (*agentpb.Response_GetTasks, error) {
	r, err := a.get(ctx, acall(agentpb.Call_GET_TASKS), agentpb.Response_GET_TASKS)
	return r.GetGetTasks(), err
}

// GetAgent returns the agent's AgentInfo and drain state (GET_AGENT).
func (a *Agent) GetAgent(ctx context.Context) (*agentpb.Response_GetAgent, error) {
	r, err := a.get(ctx, acall(agentpb.Call_GET_AGENT), agentpb.Response_GET_AGENT)
	return r.GetGetAgent(), err
}

// GetResourceProviders returns the agent's resource providers
// (GET_RESOURCE_PROVIDERS).
func (a *Agent) GetResourceProviders(ctx context.Context) ([]*agentpb.Response_GetResourceProviders_ResourceProvider, error) {
	r, err := a.get(ctx, acall(agentpb.Call_GET_RESOURCE_PROVIDERS), agentpb.Response_GET_RESOURCE_PROVIDERS)
	return r.GetGetResourceProviders().GetResourceProviders(), err
}
