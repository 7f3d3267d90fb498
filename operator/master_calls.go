// SPDX-License-Identifier: Apache-2.0

package operator

import (
	"context"
	"fmt"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/maintenancepb"
	"github.com/mesoskit/mesoskit/mesosproto/masterpb"
	"github.com/mesoskit/mesoskit/mesosproto/quotapb"
)

// The calls of the master's operator API (include/mesos/v1/master/master.proto),
// dispatched by src/master/http.cpp, Master::Http::api. Each method sends one
// Call and returns the payload of the matching Response; calls that change
// the cluster return only an error (Mesos answers them 200 OK or 202 Accepted
// with an empty body).

// Do sends call to the leading master and returns the master's Response,
// or nil for a call the master answers without a body (the calls that change
// the cluster). It is the escape hatch for what no method covers; SUBSCRIBE
// is refused (use Subscribe). GET_* calls are retried as the methods are.
func (m *Master) Do(ctx context.Context, call *masterpb.Call) (*masterpb.Response, error) {
	if call == nil {
		return nil, callErr("Do", fmt.Errorf("nil Call"))
	}
	typ := call.GetType()
	if typ == masterpb.Call_SUBSCRIBE {
		return nil, callErr(typ.String(), fmt.Errorf("use Subscribe for the event stream"))
	}
	resp := new(masterpb.Response)
	has, err := m.conn.callResponse(ctx, m, typ.String(), call, resp, masterReadOnly(typ))
	if err != nil || !has {
		return nil, err
	}
	return resp, nil
}

// masterReadOnly reports whether a call only reads, so that it may be sent
// again after a transport error or a 503.
func masterReadOnly(t masterpb.Call_Type) bool {
	switch t {
	case masterpb.Call_GET_HEALTH, masterpb.Call_GET_FLAGS, masterpb.Call_GET_VERSION, masterpb.Call_GET_METRICS,
		masterpb.Call_GET_LOGGING_LEVEL, masterpb.Call_LIST_FILES, masterpb.Call_READ_FILE, masterpb.Call_GET_STATE,
		masterpb.Call_GET_AGENTS, masterpb.Call_GET_FRAMEWORKS, masterpb.Call_GET_EXECUTORS, masterpb.Call_GET_OPERATIONS,
		masterpb.Call_GET_TASKS, masterpb.Call_GET_ROLES, masterpb.Call_GET_WEIGHTS, masterpb.Call_GET_MASTER,
		masterpb.Call_GET_MAINTENANCE_STATUS, masterpb.Call_GET_MAINTENANCE_SCHEDULE, masterpb.Call_GET_QUOTA:
		return true
	}
	return false
}

// get sends a read-only call and checks that the Response is of type want.
func (m *Master) get(ctx context.Context, call *masterpb.Call, want masterpb.Response_Type) (*masterpb.Response, error) {
	resp := new(masterpb.Response)
	name := call.GetType().String()
	if err := m.conn.call(ctx, m, name, call, resp, true); err != nil {
		return nil, err
	}
	if resp.GetType() != want {
		return nil, callErr(name, fmt.Errorf("%w: response of type %s", ErrUnexpectedResponse, resp.GetType()))
	}
	return resp, nil
}

// send sends a call that changes the cluster; the answer's body, if any, is
// ignored.
func (m *Master) send(ctx context.Context, call *masterpb.Call) error {
	return m.conn.call(ctx, m, call.GetType().String(), call, nil, false)
}

func mcall(t masterpb.Call_Type) *masterpb.Call { return &masterpb.Call{Type: t.Enum()} }

// GetHealth reports whether the master is healthy (GET_HEALTH).
func (m *Master) GetHealth(ctx context.Context) (bool, error) {
	r, err := m.get(ctx, mcall(masterpb.Call_GET_HEALTH), masterpb.Response_GET_HEALTH)
	return r.GetGetHealth().GetHealthy(), err
}

// GetFlags returns the master's flags (GET_FLAGS).
func (m *Master) GetFlags(ctx context.Context) ([]*mesosproto.Flag, error) {
	r, err := m.get(ctx, mcall(masterpb.Call_GET_FLAGS), masterpb.Response_GET_FLAGS)
	return r.GetGetFlags().GetFlags(), err
}

// GetVersion returns the master's version (GET_VERSION).
func (m *Master) GetVersion(ctx context.Context) (*mesosproto.VersionInfo, error) {
	r, err := m.get(ctx, mcall(masterpb.Call_GET_VERSION), masterpb.Response_GET_VERSION)
	return r.GetGetVersion().GetVersionInfo(), err
}

// GetMetrics returns the master's metrics snapshot (GET_METRICS). A timeout
// > 0 bounds how long the master waits for slow metrics.
func (m *Master) GetMetrics(ctx context.Context, timeout time.Duration) ([]*mesosproto.Metric, error) {
	c := mcall(masterpb.Call_GET_METRICS)
	if timeout > 0 {
		c.GetMetrics = &masterpb.Call_GetMetrics{Timeout: durationInfo(timeout)}
	}
	r, err := m.get(ctx, c, masterpb.Response_GET_METRICS)
	return r.GetGetMetrics().GetMetrics(), err
}

// GetLoggingLevel returns the master's glog verbosity (GET_LOGGING_LEVEL).
func (m *Master) GetLoggingLevel(ctx context.Context) (uint32, error) {
	r, err := m.get(ctx, mcall(masterpb.Call_GET_LOGGING_LEVEL), masterpb.Response_GET_LOGGING_LEVEL)
	return r.GetGetLoggingLevel().GetLevel(), err
}

// SetLoggingLevel sets the master's glog verbosity to level for d, after
// which it reverts (SET_LOGGING_LEVEL).
func (m *Master) SetLoggingLevel(ctx context.Context, level uint32, d time.Duration) error {
	c := mcall(masterpb.Call_SET_LOGGING_LEVEL)
	c.SetLoggingLevel = &masterpb.Call_SetLoggingLevel{Level: proto.Uint32(level), Duration: durationInfo(d)}
	return m.send(ctx, c)
}

// ListFiles lists a directory of the master's files API (LIST_FILES).
func (m *Master) ListFiles(ctx context.Context, path string) ([]*mesosproto.FileInfo, error) {
	c := mcall(masterpb.Call_LIST_FILES)
	c.ListFiles = &masterpb.Call_ListFiles{Path: proto.String(path)}
	r, err := m.get(ctx, c, masterpb.Response_LIST_FILES)
	return r.GetListFiles().GetFileInfos(), err
}

// ReadFile reads up to length bytes (all, when length is 0) of a file of
// the master's files API at offset, and returns them with the file's size
// (READ_FILE).
func (m *Master) ReadFile(ctx context.Context, path string, offset, length uint64) (data []byte, size uint64, err error) {
	c := mcall(masterpb.Call_READ_FILE)
	c.ReadFile = &masterpb.Call_ReadFile{Path: proto.String(path), Offset: proto.Uint64(offset)}
	if length > 0 {
		c.ReadFile.Length = proto.Uint64(length)
	}
	r, err := m.get(ctx, c, masterpb.Response_READ_FILE)
	return r.GetReadFile().GetData(), r.GetReadFile().GetSize(), err
}

// GetState returns the whole cluster state: tasks, executors, frameworks
// and agents (GET_STATE).
func (m *Master) GetState(ctx context.Context) (*masterpb.Response_GetState, error) {
	r, err := m.get(ctx, mcall(masterpb.Call_GET_STATE), masterpb.Response_GET_STATE)
	return r.GetGetState(), err
}

// GetAgents returns the registered and recovered agents (GET_AGENTS).
func (m *Master) GetAgents(ctx context.Context) (*masterpb.Response_GetAgents, error) {
	r, err := m.get(ctx, mcall(masterpb.Call_GET_AGENTS), masterpb.Response_GET_AGENTS)
	return r.GetGetAgents(), err
}

// GetFrameworks returns the frameworks (GET_FRAMEWORKS).
func (m *Master) GetFrameworks(ctx context.Context) (*masterpb.Response_GetFrameworks, error) {
	r, err := m.get(ctx, mcall(masterpb.Call_GET_FRAMEWORKS), masterpb.Response_GET_FRAMEWORKS)
	return r.GetGetFrameworks(), err
}

// GetExecutors returns the executors (GET_EXECUTORS).
func (m *Master) GetExecutors(ctx context.Context) (*masterpb.Response_GetExecutors, error) {
	r, err := m.get(ctx, mcall(masterpb.Call_GET_EXECUTORS), masterpb.Response_GET_EXECUTORS)
	return r.GetGetExecutors(), err
}

// GetOperations returns the operations the master knows (GET_OPERATIONS).
func (m *Master) GetOperations(ctx context.Context) ([]*mesosproto.Operation, error) {
	r, err := m.get(ctx, mcall(masterpb.Call_GET_OPERATIONS), masterpb.Response_GET_OPERATIONS)
	return r.GetGetOperations().GetOperations(), err
}

// GetTasks returns the tasks: active, unreachable and completed (GET_TASKS).
func (m *Master) GetTasks(ctx context.Context) (*masterpb.Response_GetTasks, error) {
	r, err := m.get(ctx, mcall(masterpb.Call_GET_TASKS), masterpb.Response_GET_TASKS)
	return r.GetGetTasks(), err
}

// GetRoles returns the roles (GET_ROLES).
func (m *Master) GetRoles(ctx context.Context) ([]*mesosproto.Role, error) {
	r, err := m.get(ctx, mcall(masterpb.Call_GET_ROLES), masterpb.Response_GET_ROLES)
	return r.GetGetRoles().GetRoles(), err
}

// GetWeights returns the role weights (GET_WEIGHTS).
func (m *Master) GetWeights(ctx context.Context) ([]*mesosproto.WeightInfo, error) {
	r, err := m.get(ctx, mcall(masterpb.Call_GET_WEIGHTS), masterpb.Response_GET_WEIGHTS)
	return r.GetGetWeights().GetWeightInfos(), err
}

// UpdateWeights sets role weights (UPDATE_WEIGHTS).
func (m *Master) UpdateWeights(ctx context.Context, weights ...*mesosproto.WeightInfo) error {
	c := mcall(masterpb.Call_UPDATE_WEIGHTS)
	c.UpdateWeights = &masterpb.Call_UpdateWeights{WeightInfos: weights}
	return m.send(ctx, c)
}

// GetMaster returns the leading master's information (GET_MASTER).
func (m *Master) GetMaster(ctx context.Context) (*masterpb.Response_GetMaster, error) {
	r, err := m.get(ctx, mcall(masterpb.Call_GET_MASTER), masterpb.Response_GET_MASTER)
	return r.GetGetMaster(), err
}

// ReserveResources reserves resources on an agent (RESERVE_RESOURCES).
// source, when given, is what the resources are reserved from (a
// re-reservation); otherwise they come from the unreserved pool.
func (m *Master) ReserveResources(ctx context.Context, agentID string, source, resources []*mesosproto.Resource) error {
	c := mcall(masterpb.Call_RESERVE_RESOURCES)
	c.ReserveResources = &masterpb.Call_ReserveResources{AgentId: agentIDOf(agentID), Source: source, Resources: resources}
	return m.send(ctx, c)
}

// UnreserveResources unreserves resources on an agent (UNRESERVE_RESOURCES).
func (m *Master) UnreserveResources(ctx context.Context, agentID string, resources []*mesosproto.Resource) error {
	c := mcall(masterpb.Call_UNRESERVE_RESOURCES)
	c.UnreserveResources = &masterpb.Call_UnreserveResources{AgentId: agentIDOf(agentID), Resources: resources}
	return m.send(ctx, c)
}

// CreateVolumes creates persistent volumes on an agent (CREATE_VOLUMES).
func (m *Master) CreateVolumes(ctx context.Context, agentID string, volumes []*mesosproto.Resource) error {
	c := mcall(masterpb.Call_CREATE_VOLUMES)
	c.CreateVolumes = &masterpb.Call_CreateVolumes{AgentId: agentIDOf(agentID), Volumes: volumes}
	return m.send(ctx, c)
}

// DestroyVolumes destroys persistent volumes on an agent (DESTROY_VOLUMES).
func (m *Master) DestroyVolumes(ctx context.Context, agentID string, volumes []*mesosproto.Resource) error {
	c := mcall(masterpb.Call_DESTROY_VOLUMES)
	c.DestroyVolumes = &masterpb.Call_DestroyVolumes{AgentId: agentIDOf(agentID), Volumes: volumes}
	return m.send(ctx, c)
}

// GrowVolume grows a persistent volume by addition (GROW_VOLUME).
func (m *Master) GrowVolume(ctx context.Context, agentID string, volume, addition *mesosproto.Resource) error {
	c := mcall(masterpb.Call_GROW_VOLUME)
	c.GrowVolume = &masterpb.Call_GrowVolume{AgentId: agentIDOf(agentID), Volume: volume, Addition: addition}
	return m.send(ctx, c)
}

// ShrinkVolume shrinks a persistent volume by subtract (SHRINK_VOLUME).
func (m *Master) ShrinkVolume(ctx context.Context, agentID string, volume *mesosproto.Resource, subtract float64) error {
	c := mcall(masterpb.Call_SHRINK_VOLUME)
	c.ShrinkVolume = &masterpb.Call_ShrinkVolume{AgentId: agentIDOf(agentID), Volume: volume,
		Subtract: &mesosproto.Value_Scalar{Value: proto.Float64(subtract)}}
	return m.send(ctx, c)
}

// GetMaintenanceStatus returns the machines draining or down and the
// frameworks' answers to their inverse offers (GET_MAINTENANCE_STATUS).
func (m *Master) GetMaintenanceStatus(ctx context.Context) (*maintenancepb.ClusterStatus, error) {
	r, err := m.get(ctx, mcall(masterpb.Call_GET_MAINTENANCE_STATUS), masterpb.Response_GET_MAINTENANCE_STATUS)
	return r.GetGetMaintenanceStatus().GetStatus(), err
}

// GetMaintenanceSchedule returns the maintenance schedule
// (GET_MAINTENANCE_SCHEDULE).
func (m *Master) GetMaintenanceSchedule(ctx context.Context) (*maintenancepb.Schedule, error) {
	r, err := m.get(ctx, mcall(masterpb.Call_GET_MAINTENANCE_SCHEDULE), masterpb.Response_GET_MAINTENANCE_SCHEDULE)
	return r.GetGetMaintenanceSchedule().GetSchedule(), err
}

// UpdateMaintenanceSchedule replaces the maintenance schedule
// (UPDATE_MAINTENANCE_SCHEDULE).
func (m *Master) UpdateMaintenanceSchedule(ctx context.Context, schedule *maintenancepb.Schedule) error {
	c := mcall(masterpb.Call_UPDATE_MAINTENANCE_SCHEDULE)
	c.UpdateMaintenanceSchedule = &masterpb.Call_UpdateMaintenanceSchedule{Schedule: schedule}
	return m.send(ctx, c)
}

// StartMaintenance marks scheduled machines as down (START_MAINTENANCE).
func (m *Master) StartMaintenance(ctx context.Context, machines ...*mesosproto.MachineID) error {
	c := mcall(masterpb.Call_START_MAINTENANCE)
	c.StartMaintenance = &masterpb.Call_StartMaintenance{Machines: machines}
	return m.send(ctx, c)
}

// StopMaintenance brings machines back up (STOP_MAINTENANCE).
func (m *Master) StopMaintenance(ctx context.Context, machines ...*mesosproto.MachineID) error {
	c := mcall(masterpb.Call_STOP_MAINTENANCE)
	c.StopMaintenance = &masterpb.Call_StopMaintenance{Machines: machines}
	return m.send(ctx, c)
}

// DrainOptions are the optional fields of DRAIN_AGENT.
type DrainOptions struct {
	// MaxGracePeriod, when not nil, caps the kill grace period of the
	// agent's tasks (0 kills them at once); nil keeps their own.
	MaxGracePeriod *time.Duration
	// MarkGone marks the agent gone once drained.
	MarkGone bool
}

// DrainAgent deactivates an agent and kills its tasks (DRAIN_AGENT).
func (m *Master) DrainAgent(ctx context.Context, agentID string, opts DrainOptions) error {
	c := mcall(masterpb.Call_DRAIN_AGENT)
	c.DrainAgent = &masterpb.Call_DrainAgent{AgentId: agentIDOf(agentID)}
	if opts.MaxGracePeriod != nil {
		c.DrainAgent.MaxGracePeriod = durationpb.New(*opts.MaxGracePeriod)
	}
	if opts.MarkGone {
		c.DrainAgent.MarkGone = proto.Bool(true)
	}
	return m.send(ctx, c)
}

// DeactivateAgent stops offers of an agent's resources (DEACTIVATE_AGENT).
func (m *Master) DeactivateAgent(ctx context.Context, agentID string) error {
	c := mcall(masterpb.Call_DEACTIVATE_AGENT)
	c.DeactivateAgent = &masterpb.Call_DeactivateAgent{AgentId: agentIDOf(agentID)}
	return m.send(ctx, c)
}

// ReactivateAgent resumes offers of a deactivated or drained agent
// (REACTIVATE_AGENT).
func (m *Master) ReactivateAgent(ctx context.Context, agentID string) error {
	c := mcall(masterpb.Call_REACTIVATE_AGENT)
	c.ReactivateAgent = &masterpb.Call_ReactivateAgent{AgentId: agentIDOf(agentID)}
	return m.send(ctx, c)
}

// MarkAgentGone tells the master that an agent is gone for good: its tasks
// are lost and it may never come back (MARK_AGENT_GONE).
func (m *Master) MarkAgentGone(ctx context.Context, agentID string) error {
	c := mcall(masterpb.Call_MARK_AGENT_GONE)
	c.MarkAgentGone = &masterpb.Call_MarkAgentGone{AgentId: agentIDOf(agentID)}
	return m.send(ctx, c)
}

// GetQuota returns the quota configuration and status (GET_QUOTA).
func (m *Master) GetQuota(ctx context.Context) (*quotapb.QuotaStatus, error) {
	r, err := m.get(ctx, mcall(masterpb.Call_GET_QUOTA), masterpb.Response_GET_QUOTA)
	return r.GetGetQuota().GetStatus(), err
}

// UpdateQuota sets the quota of roles (UPDATE_QUOTA); force skips the
// master's capacity check.
func (m *Master) UpdateQuota(ctx context.Context, force bool, configs ...*quotapb.QuotaConfig) error {
	c := mcall(masterpb.Call_UPDATE_QUOTA)
	c.UpdateQuota = &masterpb.Call_UpdateQuota{QuotaConfigs: configs}
	if force {
		c.UpdateQuota.Force = proto.Bool(true)
	}
	return m.send(ctx, c)
}

// Teardown removes a framework: its tasks are killed and it may never
// subscribe again (TEARDOWN).
func (m *Master) Teardown(ctx context.Context, frameworkID string) error {
	c := mcall(masterpb.Call_TEARDOWN)
	c.Teardown = &masterpb.Call_Teardown{FrameworkId: &mesosproto.FrameworkID{Value: proto.String(frameworkID)}}
	return m.send(ctx, c)
}

func agentIDOf(id string) *mesosproto.AgentID { return &mesosproto.AgentID{Value: proto.String(id)} }

func durationInfo(d time.Duration) *mesosproto.DurationInfo {
	return &mesosproto.DurationInfo{Nanoseconds: proto.Int64(int64(d))}
}
