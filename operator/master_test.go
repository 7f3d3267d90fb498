// SPDX-License-Identifier: Apache-2.0

package operator_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/testing/protocmp"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/maintenancepb"
	"github.com/mesoskit/mesoskit/mesosproto/masterpb"
	"github.com/mesoskit/mesoskit/mesosproto/quotapb"
	"github.com/mesoskit/mesoskit/operator"
)

func newMaster(t *testing.T, spec string, opts ...operator.Option) *operator.Master {
	t.Helper()
	base := []operator.Option{operator.WithBackoff(5*time.Millisecond, 20*time.Millisecond)}
	m, err := operator.NewMaster(spec, append(base, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Close() })
	return m
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	t.Cleanup(cancel)
	return ctx
}

var (
	cpus    = &mesosproto.Resource{Name: proto.String("cpus"), Type: mesosproto.Value_SCALAR.Enum(), Scalar: &mesosproto.Value_Scalar{Value: proto.Float64(1)}}
	machine = &mesosproto.MachineID{Hostname: proto.String("host-1")}
	grace   = 3 * time.Second
)

// masterCase is one typed method: what it must send, what the master
// answers, and what the method must return.
type masterCase struct {
	name   string
	invoke func(ctx context.Context, m *operator.Master) (any, error)
	call   *masterpb.Call     // expected, compared exactly
	resp   *masterpb.Response // the fake's answer; nil: 202 without body
	want   any                // the method's result (nil for mutating calls)
}

func rt(t masterpb.Response_Type) *masterpb.Response_Type { return t.Enum() }

func masterCases() []masterCase {
	state := &masterpb.Response_GetState{GetAgents: &masterpb.Response_GetAgents{}}
	flags := []*mesosproto.Flag{{Name: proto.String("quorum"), Value: proto.String("1")}}
	version := &mesosproto.VersionInfo{Version: proto.String("1.12.0")}
	metrics := []*mesosproto.Metric{{Name: proto.String("master/elected"), Value: proto.Float64(1)}}
	files := []*mesosproto.FileInfo{{Path: proto.String("/master/log")}}
	roles := []*mesosproto.Role{{Name: proto.String("web"), Weight: proto.Float64(2)}}
	weights := []*mesosproto.WeightInfo{{Role: proto.String("web"), Weight: proto.Float64(2)}}
	tasks := &masterpb.Response_GetTasks{Tasks: snapshot(1).GetGetTasks().GetTasks()}
	schedule := &maintenancepb.Schedule{Windows: []*maintenancepb.Window{{MachineIds: []*mesosproto.MachineID{machine},
		Unavailability: &mesosproto.Unavailability{Start: &mesosproto.TimeInfo{Nanoseconds: proto.Int64(1)}}}}}
	quota := &quotapb.QuotaStatus{Configs: []*quotapb.QuotaConfig{{Role: proto.String("web")}}}
	c := func(t masterpb.Call_Type, fill func(*masterpb.Call)) *masterpb.Call {
		call := &masterpb.Call{Type: t.Enum()}
		if fill != nil {
			fill(call)
		}
		return call
	}
	agentID := &mesosproto.AgentID{Value: proto.String("agent-1")}
	return []masterCase{
		{"GetHealth", func(ctx context.Context, m *operator.Master) (any, error) { return m.GetHealth(ctx) },
			c(masterpb.Call_GET_HEALTH, nil),
			&masterpb.Response{Type: rt(masterpb.Response_GET_HEALTH), GetHealth: &masterpb.Response_GetHealth{Healthy: proto.Bool(true)}}, true},
		{"GetFlags", func(ctx context.Context, m *operator.Master) (any, error) { return m.GetFlags(ctx) },
			c(masterpb.Call_GET_FLAGS, nil),
			&masterpb.Response{Type: rt(masterpb.Response_GET_FLAGS), GetFlags: &masterpb.Response_GetFlags{Flags: flags}}, flags},
		{"GetVersion", func(ctx context.Context, m *operator.Master) (any, error) { return m.GetVersion(ctx) },
			c(masterpb.Call_GET_VERSION, nil),
			&masterpb.Response{Type: rt(masterpb.Response_GET_VERSION), GetVersion: &masterpb.Response_GetVersion{VersionInfo: version}}, version},
		{"GetMetrics", func(ctx context.Context, m *operator.Master) (any, error) { return m.GetMetrics(ctx, 2*time.Second) },
			c(masterpb.Call_GET_METRICS, func(c *masterpb.Call) {
				c.GetMetrics = &masterpb.Call_GetMetrics{Timeout: &mesosproto.DurationInfo{Nanoseconds: proto.Int64(2e9)}}
			}),
			&masterpb.Response{Type: rt(masterpb.Response_GET_METRICS), GetMetrics: &masterpb.Response_GetMetrics{Metrics: metrics}}, metrics},
		{"GetLoggingLevel", func(ctx context.Context, m *operator.Master) (any, error) { return m.GetLoggingLevel(ctx) },
			c(masterpb.Call_GET_LOGGING_LEVEL, nil),
			&masterpb.Response{Type: rt(masterpb.Response_GET_LOGGING_LEVEL), GetLoggingLevel: &masterpb.Response_GetLoggingLevel{Level: proto.Uint32(1)}}, uint32(1)},
		{"SetLoggingLevel", func(ctx context.Context, m *operator.Master) (any, error) {
			return nil, m.SetLoggingLevel(ctx, 2, time.Minute)
		}, c(masterpb.Call_SET_LOGGING_LEVEL, func(c *masterpb.Call) {
			c.SetLoggingLevel = &masterpb.Call_SetLoggingLevel{Level: proto.Uint32(2), Duration: &mesosproto.DurationInfo{Nanoseconds: proto.Int64(int64(time.Minute))}}
		}), nil, nil},
		{"ListFiles", func(ctx context.Context, m *operator.Master) (any, error) { return m.ListFiles(ctx, "/master/log") },
			c(masterpb.Call_LIST_FILES, func(c *masterpb.Call) { c.ListFiles = &masterpb.Call_ListFiles{Path: proto.String("/master/log")} }),
			&masterpb.Response{Type: rt(masterpb.Response_LIST_FILES), ListFiles: &masterpb.Response_ListFiles{FileInfos: files}}, files},
		{"ReadFile", func(ctx context.Context, m *operator.Master) (any, error) {
			data, size, err := m.ReadFile(ctx, "/master/log", 3, 4)
			return string(data) + "|" + string(rune('0'+size)), err
		}, c(masterpb.Call_READ_FILE, func(c *masterpb.Call) {
			c.ReadFile = &masterpb.Call_ReadFile{Path: proto.String("/master/log"), Offset: proto.Uint64(3), Length: proto.Uint64(4)}
		}), &masterpb.Response{Type: rt(masterpb.Response_READ_FILE), ReadFile: &masterpb.Response_ReadFile{Size: proto.Uint64(7), Data: []byte("abcd")}}, "abcd|7"},
		{"GetState", func(ctx context.Context, m *operator.Master) (any, error) { return m.GetState(ctx) },
			c(masterpb.Call_GET_STATE, nil),
			&masterpb.Response{Type: rt(masterpb.Response_GET_STATE), GetState: state}, state},
		{"GetAgents", func(ctx context.Context, m *operator.Master) (any, error) { return m.GetAgents(ctx) },
			c(masterpb.Call_GET_AGENTS, nil),
			&masterpb.Response{Type: rt(masterpb.Response_GET_AGENTS), GetAgents: state.GetGetAgents()}, state.GetGetAgents()},
		{"GetFrameworks", func(ctx context.Context, m *operator.Master) (any, error) { return m.GetFrameworks(ctx) },
			c(masterpb.Call_GET_FRAMEWORKS, nil),
			&masterpb.Response{Type: rt(masterpb.Response_GET_FRAMEWORKS), GetFrameworks: &masterpb.Response_GetFrameworks{}}, &masterpb.Response_GetFrameworks{}},
		{"GetExecutors", func(ctx context.Context, m *operator.Master) (any, error) { return m.GetExecutors(ctx) },
			c(masterpb.Call_GET_EXECUTORS, nil),
			&masterpb.Response{Type: rt(masterpb.Response_GET_EXECUTORS), GetExecutors: &masterpb.Response_GetExecutors{}}, &masterpb.Response_GetExecutors{}},
		{"GetOperations", func(ctx context.Context, m *operator.Master) (any, error) { return m.GetOperations(ctx) },
			c(masterpb.Call_GET_OPERATIONS, nil),
			&masterpb.Response{Type: rt(masterpb.Response_GET_OPERATIONS), GetOperations: &masterpb.Response_GetOperations{}}, []*mesosproto.Operation(nil)},
		{"GetTasks", func(ctx context.Context, m *operator.Master) (any, error) { return m.GetTasks(ctx) },
			c(masterpb.Call_GET_TASKS, nil),
			&masterpb.Response{Type: rt(masterpb.Response_GET_TASKS), GetTasks: tasks}, tasks},
		{"GetRoles", func(ctx context.Context, m *operator.Master) (any, error) { return m.GetRoles(ctx) },
			c(masterpb.Call_GET_ROLES, nil),
			&masterpb.Response{Type: rt(masterpb.Response_GET_ROLES), GetRoles: &masterpb.Response_GetRoles{Roles: roles}}, roles},
		{"GetWeights", func(ctx context.Context, m *operator.Master) (any, error) { return m.GetWeights(ctx) },
			c(masterpb.Call_GET_WEIGHTS, nil),
			&masterpb.Response{Type: rt(masterpb.Response_GET_WEIGHTS), GetWeights: &masterpb.Response_GetWeights{WeightInfos: weights}}, weights},
		{"UpdateWeights", func(ctx context.Context, m *operator.Master) (any, error) {
			return nil, m.UpdateWeights(ctx, weights...)
		},
			c(masterpb.Call_UPDATE_WEIGHTS, func(c *masterpb.Call) { c.UpdateWeights = &masterpb.Call_UpdateWeights{WeightInfos: weights} }), nil, nil},
		{"GetMaster", func(ctx context.Context, m *operator.Master) (any, error) { return m.GetMaster(ctx) },
			c(masterpb.Call_GET_MASTER, nil),
			&masterpb.Response{Type: rt(masterpb.Response_GET_MASTER), GetMaster: &masterpb.Response_GetMaster{StartTime: proto.Float64(1)}},
			&masterpb.Response_GetMaster{StartTime: proto.Float64(1)}},
		{"ReserveResources", func(ctx context.Context, m *operator.Master) (any, error) {
			return nil, m.ReserveResources(ctx, "agent-1", nil, []*mesosproto.Resource{cpus})
		}, c(masterpb.Call_RESERVE_RESOURCES, func(c *masterpb.Call) {
			c.ReserveResources = &masterpb.Call_ReserveResources{AgentId: agentID, Resources: []*mesosproto.Resource{cpus}}
		}), nil, nil},
		{"UnreserveResources", func(ctx context.Context, m *operator.Master) (any, error) {
			return nil, m.UnreserveResources(ctx, "agent-1", []*mesosproto.Resource{cpus})
		}, c(masterpb.Call_UNRESERVE_RESOURCES, func(c *masterpb.Call) {
			c.UnreserveResources = &masterpb.Call_UnreserveResources{AgentId: agentID, Resources: []*mesosproto.Resource{cpus}}
		}), nil, nil},
		{"CreateVolumes", func(ctx context.Context, m *operator.Master) (any, error) {
			return nil, m.CreateVolumes(ctx, "agent-1", []*mesosproto.Resource{cpus})
		}, c(masterpb.Call_CREATE_VOLUMES, func(c *masterpb.Call) {
			c.CreateVolumes = &masterpb.Call_CreateVolumes{AgentId: agentID, Volumes: []*mesosproto.Resource{cpus}}
		}), nil, nil},
		{"DestroyVolumes", func(ctx context.Context, m *operator.Master) (any, error) {
			return nil, m.DestroyVolumes(ctx, "agent-1", []*mesosproto.Resource{cpus})
		}, c(masterpb.Call_DESTROY_VOLUMES, func(c *masterpb.Call) {
			c.DestroyVolumes = &masterpb.Call_DestroyVolumes{AgentId: agentID, Volumes: []*mesosproto.Resource{cpus}}
		}), nil, nil},
		{"GrowVolume", func(ctx context.Context, m *operator.Master) (any, error) {
			return nil, m.GrowVolume(ctx, "agent-1", cpus, cpus)
		}, c(masterpb.Call_GROW_VOLUME, func(c *masterpb.Call) {
			c.GrowVolume = &masterpb.Call_GrowVolume{AgentId: agentID, Volume: cpus, Addition: cpus}
		}), nil, nil},
		{"ShrinkVolume", func(ctx context.Context, m *operator.Master) (any, error) {
			return nil, m.ShrinkVolume(ctx, "agent-1", cpus, 0.5)
		}, c(masterpb.Call_SHRINK_VOLUME, func(c *masterpb.Call) {
			c.ShrinkVolume = &masterpb.Call_ShrinkVolume{AgentId: agentID, Volume: cpus, Subtract: &mesosproto.Value_Scalar{Value: proto.Float64(0.5)}}
		}), nil, nil},
		{"GetMaintenanceStatus", func(ctx context.Context, m *operator.Master) (any, error) { return m.GetMaintenanceStatus(ctx) },
			c(masterpb.Call_GET_MAINTENANCE_STATUS, nil),
			&masterpb.Response{Type: rt(masterpb.Response_GET_MAINTENANCE_STATUS), GetMaintenanceStatus: &masterpb.Response_GetMaintenanceStatus{
				Status: &maintenancepb.ClusterStatus{DownMachines: []*mesosproto.MachineID{machine}}}},
			&maintenancepb.ClusterStatus{DownMachines: []*mesosproto.MachineID{machine}}},
		{"GetMaintenanceSchedule", func(ctx context.Context, m *operator.Master) (any, error) { return m.GetMaintenanceSchedule(ctx) },
			c(masterpb.Call_GET_MAINTENANCE_SCHEDULE, nil),
			&masterpb.Response{Type: rt(masterpb.Response_GET_MAINTENANCE_SCHEDULE), GetMaintenanceSchedule: &masterpb.Response_GetMaintenanceSchedule{Schedule: schedule}}, schedule},
		{"UpdateMaintenanceSchedule", func(ctx context.Context, m *operator.Master) (any, error) {
			return nil, m.UpdateMaintenanceSchedule(ctx, schedule)
		}, c(masterpb.Call_UPDATE_MAINTENANCE_SCHEDULE, func(c *masterpb.Call) {
			c.UpdateMaintenanceSchedule = &masterpb.Call_UpdateMaintenanceSchedule{Schedule: schedule}
		}), nil, nil},
		{"StartMaintenance", func(ctx context.Context, m *operator.Master) (any, error) {
			return nil, m.StartMaintenance(ctx, machine)
		},
			c(masterpb.Call_START_MAINTENANCE, func(c *masterpb.Call) {
				c.StartMaintenance = &masterpb.Call_StartMaintenance{Machines: []*mesosproto.MachineID{machine}}
			}), nil, nil},
		{"StopMaintenance", func(ctx context.Context, m *operator.Master) (any, error) {
			return nil, m.StopMaintenance(ctx, machine)
		},
			c(masterpb.Call_STOP_MAINTENANCE, func(c *masterpb.Call) {
				c.StopMaintenance = &masterpb.Call_StopMaintenance{Machines: []*mesosproto.MachineID{machine}}
			}), nil, nil},
		{"DrainAgent", func(ctx context.Context, m *operator.Master) (any, error) {
			return nil, m.DrainAgent(ctx, "agent-1", operator.DrainOptions{MaxGracePeriod: &grace, MarkGone: true})
		}, c(masterpb.Call_DRAIN_AGENT, func(c *masterpb.Call) {
			c.DrainAgent = &masterpb.Call_DrainAgent{AgentId: agentID, MaxGracePeriod: durationpb.New(grace), MarkGone: proto.Bool(true)}
		}), nil, nil},
		{"DeactivateAgent", func(ctx context.Context, m *operator.Master) (any, error) {
			return nil, m.DeactivateAgent(ctx, "agent-1")
		},
			c(masterpb.Call_DEACTIVATE_AGENT, func(c *masterpb.Call) { c.DeactivateAgent = &masterpb.Call_DeactivateAgent{AgentId: agentID} }), nil, nil},
		{"ReactivateAgent", func(ctx context.Context, m *operator.Master) (any, error) {
			return nil, m.ReactivateAgent(ctx, "agent-1")
		},
			c(masterpb.Call_REACTIVATE_AGENT, func(c *masterpb.Call) { c.ReactivateAgent = &masterpb.Call_ReactivateAgent{AgentId: agentID} }), nil, nil},
		{"MarkAgentGone", func(ctx context.Context, m *operator.Master) (any, error) {
			return nil, m.MarkAgentGone(ctx, "agent-1")
		},
			c(masterpb.Call_MARK_AGENT_GONE, func(c *masterpb.Call) { c.MarkAgentGone = &masterpb.Call_MarkAgentGone{AgentId: agentID} }), nil, nil},
		{"GetQuota", func(ctx context.Context, m *operator.Master) (any, error) { return m.GetQuota(ctx) },
			c(masterpb.Call_GET_QUOTA, nil),
			&masterpb.Response{Type: rt(masterpb.Response_GET_QUOTA), GetQuota: &masterpb.Response_GetQuota{Status: quota}}, quota},
		{"UpdateQuota", func(ctx context.Context, m *operator.Master) (any, error) {
			return nil, m.UpdateQuota(ctx, true, quota.GetConfigs()...)
		}, c(masterpb.Call_UPDATE_QUOTA, func(c *masterpb.Call) {
			c.UpdateQuota = &masterpb.Call_UpdateQuota{Force: proto.Bool(true), QuotaConfigs: quota.GetConfigs()}
		}), nil, nil},
		{"Teardown", func(ctx context.Context, m *operator.Master) (any, error) { return nil, m.Teardown(ctx, "fw-1") },
			c(masterpb.Call_TEARDOWN, func(c *masterpb.Call) {
				c.Teardown = &masterpb.Call_Teardown{FrameworkId: &mesosproto.FrameworkID{Value: proto.String("fw-1")}}
			}), nil, nil},
	}
}

// TestMasterCalls sends every typed call to a fake master and checks the
// Call it received and the result the method returned.
func TestMasterCalls(t *testing.T) {
	forEachCodec(t, func(t *testing.T, ct string) {
		f := newFakeMaster(t)
		m := newMaster(t, f.hostPort(), operator.WithContentType(ct))
		for _, tc := range masterCases() {
			t.Run(tc.name, func(t *testing.T) {
				f.set(func(f *fakeMaster) {
					f.calls = nil
					f.respond = func(*masterpb.Call) *masterpb.Response { return tc.resp }
				})
				got, err := tc.invoke(ctxT(t), m)
				if err != nil {
					t.Fatalf("%s: %v", tc.name, err)
				}
				calls := f.received()
				if len(calls) != 1 {
					t.Fatalf("master received %d calls, want 1", len(calls))
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

// TestMasterCallsCovered checks that every call type of the schema but
// SUBSCRIBE and the deprecated quota calls has a typed method tested above.
func TestMasterCallsCovered(t *testing.T) {
	covered := map[masterpb.Call_Type]bool{}
	for _, tc := range masterCases() {
		covered[tc.call.GetType()] = true
	}
	skip := map[masterpb.Call_Type]bool{masterpb.Call_UNKNOWN: true, masterpb.Call_SUBSCRIBE: true}
	for _, name := range []string{"SET_QUOTA", "REMOVE_QUOTA"} { // deprecated: Do only
		skip[masterpb.Call_Type(masterpb.Call_Type_value[name])] = true
	}
	for n := range masterpb.Call_Type_name {
		typ := masterpb.Call_Type(n)
		if !covered[typ] && !skip[typ] {
			t.Errorf("no typed method tested for %s", typ)
		}
	}
}

// TestMasterDo sends calls through Do: one answered without a body, one
// with a Response.
func TestMasterDo(t *testing.T) {
	forEachCodec(t, func(t *testing.T, ct string) {
		f := newFakeMaster(t)
		m := newMaster(t, f.hostPort(), operator.WithContentType(ct))
		f.set(func(f *fakeMaster) {
			f.respond = func(c *masterpb.Call) *masterpb.Response {
				if c.GetType() == masterpb.Call_GET_HEALTH {
					return &masterpb.Response{Type: rt(masterpb.Response_GET_HEALTH), GetHealth: &masterpb.Response_GetHealth{Healthy: proto.Bool(true)}}
				}
				return nil
			}
		})
		resp, err := m.Do(ctxT(t), &masterpb.Call{Type: masterpb.Call_DEACTIVATE_AGENT.Enum(),
			DeactivateAgent: &masterpb.Call_DeactivateAgent{AgentId: &mesosproto.AgentID{Value: proto.String("a-1")}}})
		if err != nil || resp != nil {
			t.Fatalf("Do(DEACTIVATE_AGENT) = %v, %v; want nil, nil", resp, err)
		}
		if got := f.received()[0].GetDeactivateAgent().GetAgentId().GetValue(); got != "a-1" {
			t.Errorf("DEACTIVATE_AGENT agent %q", got)
		}
		resp, err = m.Do(ctxT(t), &masterpb.Call{Type: masterpb.Call_GET_HEALTH.Enum()})
		if err != nil || !resp.GetGetHealth().GetHealthy() {
			t.Fatalf("Do(GET_HEALTH) = %v, %v", resp, err)
		}
		if _, err := m.Do(ctxT(t), &masterpb.Call{Type: masterpb.Call_SUBSCRIBE.Enum()}); err == nil {
			t.Error("Do(SUBSCRIBE) succeeded; want an error pointing at Subscribe")
		}
		if _, err := m.Do(ctxT(t), nil); err == nil {
			t.Error("Do(nil) succeeded")
		}
	})
}

// TestMasterAPIError: a refused call yields *APIError with the status, the
// body and the call type; a response of the wrong type is
// ErrUnexpectedResponse.
func TestMasterAPIError(t *testing.T) {
	f := newFakeMaster(t)
	m := newMaster(t, f.hostPort())
	f.set(func(f *fakeMaster) { f.fail = []int{http.StatusBadRequest} })
	_, err := m.GetState(ctxT(t))
	var apiErr *operator.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 400 || apiErr.Call != "GET_STATE" || apiErr.Body != "injected" {
		t.Fatalf("GetState error = %v; want *APIError 400 GET_STATE with the body", err)
	}
	if got := f.requestCount(); got != 1 {
		t.Errorf("a 400 was retried: %d requests", got)
	}
	f.set(func(f *fakeMaster) {
		f.respond = func(*masterpb.Call) *masterpb.Response {
			return &masterpb.Response{Type: rt(masterpb.Response_GET_FLAGS)}
		}
	})
	if _, err := m.GetState(ctxT(t)); !errors.Is(err, operator.ErrUnexpectedResponse) {
		t.Errorf("GetState answered with GET_FLAGS: %v; want ErrUnexpectedResponse", err)
	}
	f.set(func(f *fakeMaster) { f.respond = nil })
	if _, err := m.GetHealth(ctxT(t)); !errors.Is(err, operator.ErrUnexpectedResponse) {
		t.Errorf("GetHealth answered 202 without body: %v; want ErrUnexpectedResponse", err)
	}
}

// TestMasterRetries: read-only calls are sent again after 503; calls that
// change the cluster are not.
func TestMasterRetries(t *testing.T) {
	f := newFakeMaster(t)
	m := newMaster(t, f.hostPort())
	f.set(func(f *fakeMaster) {
		f.fail = []int{http.StatusServiceUnavailable, http.StatusServiceUnavailable}
		f.respond = func(*masterpb.Call) *masterpb.Response {
			return &masterpb.Response{Type: rt(masterpb.Response_GET_HEALTH), GetHealth: &masterpb.Response_GetHealth{Healthy: proto.Bool(true)}}
		}
	})
	ok, err := m.GetHealth(ctxT(t))
	if err != nil || !ok {
		t.Fatalf("GetHealth after two 503s = %v, %v", ok, err)
	}
	if got := f.requestCount(); got != 3 {
		t.Errorf("%d requests, want 3", got)
	}
	f.set(func(f *fakeMaster) { f.fail = []int{http.StatusServiceUnavailable}; f.requests = 0 })
	err = m.Teardown(ctxT(t), "fw-1")
	var apiErr *operator.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 503 {
		t.Fatalf("Teardown after 503 = %v; want the 503", err)
	}
	if got := f.requestCount(); got != 1 {
		t.Errorf("TEARDOWN sent %d times, want once", got)
	}
	f.set(func(f *fakeMaster) { f.fail = []int{503, 503, 503, 503, 503}; f.requests = 0 })
	if _, err := m.GetHealth(ctxT(t)); !errors.As(err, &apiErr) || apiErr.StatusCode != 503 {
		t.Errorf("GetHealth after four 503s = %v; want the 503", err)
	}
	if got := f.requestCount(); got != 4 {
		t.Errorf("%d attempts, want 4", got)
	}
}

// TestMasterFollowsRedirect: a non-leading master answers 307 with a
// protocol-relative Location; the client follows it and sends the next
// calls to the leader directly while the detector's answer stands.
func TestMasterFollowsRedirect(t *testing.T) {
	forEachCodec(t, func(t *testing.T, ct string) {
		leader, other := newFakeMaster(t), newFakeMaster(t)
		other.set(func(f *fakeMaster) { f.redirect = leader.hostPort() })
		leader.set(func(f *fakeMaster) {
			f.respond = func(*masterpb.Call) *masterpb.Response {
				return &masterpb.Response{Type: rt(masterpb.Response_GET_HEALTH), GetHealth: &masterpb.Response_GetHealth{Healthy: proto.Bool(true)}}
			}
		})
		m := newMaster(t, other.hostPort(), operator.WithContentType(ct))
		for range 3 {
			if ok, err := m.GetHealth(ctxT(t)); err != nil || !ok {
				t.Fatalf("GetHealth = %v, %v", ok, err)
			}
		}
		if got := other.requestCount(); got != 1 {
			t.Errorf("the non-leading master got %d requests, want 1", got)
		}
		if got := len(leader.received()); got != 3 {
			t.Errorf("the leader got %d calls, want 3", got)
		}
	})
}

// TestMasterRedirectLoop: masters redirecting to each other fail the call
// with ErrTooManyRedirects instead of looping.
func TestMasterRedirectLoop(t *testing.T) {
	a, b := newFakeMaster(t), newFakeMaster(t)
	a.set(func(f *fakeMaster) { f.redirect = b.hostPort() })
	b.set(func(f *fakeMaster) { f.redirect = a.hostPort() })
	m := newMaster(t, a.hostPort())
	if _, err := m.GetHealth(ctxT(t)); !errors.Is(err, operator.ErrTooManyRedirects) {
		t.Fatalf("GetHealth = %v; want ErrTooManyRedirects", err)
	}
	if got := a.requestCount(); got != 1 {
		t.Errorf("a redirect loop was retried: %d requests", got)
	}
}

// TestMasterStaticListRotates: with a list of masters, a master that cannot
// be reached makes the client try the next one.
func TestMasterStaticListRotates(t *testing.T) {
	f := newFakeMaster(t)
	dead := newFakeMaster(t)
	deadAddr := dead.hostPort()
	dead.close()
	f.set(func(f *fakeMaster) {
		f.respond = func(*masterpb.Call) *masterpb.Response {
			return &masterpb.Response{Type: rt(masterpb.Response_GET_HEALTH), GetHealth: &masterpb.Response_GetHealth{Healthy: proto.Bool(true)}}
		}
	})
	m := newMaster(t, deadAddr+","+f.hostPort())
	if ok, err := m.GetHealth(ctxT(t)); err != nil || !ok {
		t.Fatalf("GetHealth = %v, %v", ok, err)
	}
}

// TestNewMasterValidation: every configuration problem is reported at once,
// without the secret.
func TestNewMasterValidation(t *testing.T) {
	_, err := operator.NewMaster("", operator.WithContentType("text/plain"), operator.WithBackoff(0, -1),
		operator.WithMissedHeartbeats(0), operator.WithCredentials("a:b", "s3cr:et"), operator.WithScheme("ftp"))
	if err == nil {
		t.Fatal("NewMaster accepted a bad configuration")
	}
	for _, want := range []string{"empty master spec", "WithContentType", "WithBackoff", "WithMissedHeartbeats", "principal", "WithScheme"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	if strings.Contains(err.Error(), "s3cr") {
		t.Errorf("error %q shows the secret", err)
	}
	if _, err := operator.NewMaster("zk://", operator.WithMaxRedirects(-1)); err == nil || !strings.Contains(err.Error(), "WithMaxRedirects") {
		t.Errorf("NewMaster(zk://, WithMaxRedirects(-1)) = %v", err)
	}
	m, err := operator.NewMaster("127.0.0.1:5050")
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := m.GetHealth(ctxT(t)); !errors.Is(err, operator.ErrClosed) {
		t.Errorf("GetHealth after Close = %v; want ErrClosed", err)
	}
}
