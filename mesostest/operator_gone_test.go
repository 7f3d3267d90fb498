// SPDX-License-Identifier: Apache-2.0

package mesostest

import (
	"net/http"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/internal/httpapi"
	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/masterpb"
	"github.com/mesoskit/mesoskit/mesosproto/schedulerpb"
)

// waitTaskUpdate waits for the UPDATE of taskID in state, acknowledging the
// updates before it, and returns its status.
func waitTaskUpdate(t *testing.T, s *sub, taskID string, state mesosproto.TaskState) *mesosproto.TaskStatus {
	t.Helper()
	for {
		st := s.nextSkip(schedulerpb.Event_UPDATE).GetUpdate().GetStatus()
		if st.GetTaskId().GetValue() == taskID && st.GetState() == state {
			return st
		}
		if len(st.GetUuid()) > 0 {
			s.ack(st)
		}
	}
}

func agentCount(t *testing.T, c *client) int {
	t.Helper()
	return len(c.operator(operatorPath, opCall(masterpb.Call_GET_AGENTS)).GetGetAgents().GetAgents())
}

// TestOperatorMarkAgentGone: MARK_AGENT_GONE removes the agent (Master::
// Http::_markAgentGone, Master::markGone, __removeSlave in
// src/master/master.cpp): the running task of a PARTITION_AWARE framework
// becomes TASK_GONE_BY_OPERATOR with REASON_AGENT_REMOVED_BY_OPERATOR,
// GET_AGENTS no longer lists it, marking it again is OK and an unknown
// agent is 404 "Agent '<id>' not found".
func TestOperatorMarkAgentGone(t *testing.T) {
	for _, codec := range codecs {
		t.Run(codecName(codec), func(t *testing.T) {
			srv := newServer(t)
			c := newClient(t, srv, codec)
			agentID := srv.AgentIDs()[0]
			fi := frameworkInfo("gone")
			fi.Capabilities = append(fi.Capabilities, &mesosproto.FrameworkInfo_Capability{Type: mesosproto.FrameworkInfo_Capability_PARTITION_AWARE.Enum()})
			sched := newClient(t, srv, httpapi.Protobuf).subscribe(fi)
			o := sched.offers()[0]
			sched.mustCall(launchCall(o, nil, shellTask("busy", o, "sleep 60")), http.StatusAccepted)
			waitTaskUpdate(t, sched, "busy", mesosproto.TaskState_TASK_RUNNING)
			gone := func(id string) *masterpb.Call {
				return &masterpb.Call{Type: masterpb.Call_MARK_AGENT_GONE.Enum(), MarkAgentGone: &masterpb.Call_MarkAgentGone{AgentId: &mesosproto.AgentID{Value: proto.String(id)}}}
			}
			expect(t, c.operatorRaw(gone("nope")), http.StatusNotFound, "Agent 'nope' not found")
			expect(t, c.operatorRaw(gone(agentID)), http.StatusOK, "")
			st := waitTaskUpdate(t, sched, "busy", mesosproto.TaskState_TASK_GONE_BY_OPERATOR)
			if st.GetReason() != mesosproto.TaskStatus_REASON_AGENT_REMOVED_BY_OPERATOR || st.GetMessage() != "Agent has been marked gone" ||
				st.GetSource() != mesosproto.TaskStatus_SOURCE_MASTER || st.UnreachableTime != nil {
				t.Fatalf("status %v", st)
			}
			if n := agentCount(t, c); n != 0 {
				t.Fatalf("%d agents after MARK_AGENT_GONE", n)
			}
			expect(t, c.operatorRaw(gone(agentID)), http.StatusOK, "")
		})
	}
}

// TestOperatorStartMaintenance: START_MAINTENANCE of a DRAINING machine
// removes its agents (every task TASK_LOST, REASON_AGENT_REMOVED, "Agent
// <host> removed: Operator initiated 'Machine DOWN'") and makes it DOWN;
// STOP_MAINTENANCE brings it UP (Master::Http::_startMaintenance,
// _stopMaintenance, Master::_removeSlave).
func TestOperatorStartMaintenance(t *testing.T) {
	for _, codec := range codecs {
		t.Run(codecName(codec), func(t *testing.T) {
			srv := newServer(t, WithAgent(AgentConfig{Hostname: "down-host"}))
			c := newClient(t, srv, codec)
			fi := frameworkInfo("down")
			fi.Capabilities = append(fi.Capabilities, &mesosproto.FrameworkInfo_Capability{Type: mesosproto.FrameworkInfo_Capability_PARTITION_AWARE.Enum()})
			sched := newClient(t, srv, httpapi.Protobuf).subscribe(fi)
			o := sched.offers()[0]
			sched.mustCall(launchCall(o, nil, shellTask("busy", o, "sleep 60")), http.StatusAccepted)
			waitTaskUpdate(t, sched, "busy", mesosproto.TaskState_TASK_RUNNING)

			start := func(ids ...*mesosproto.MachineID) *masterpb.Call {
				return &masterpb.Call{Type: masterpb.Call_START_MAINTENANCE.Enum(), StartMaintenance: &masterpb.Call_StartMaintenance{Machines: ids}}
			}
			stop := func(ids ...*mesosproto.MachineID) *masterpb.Call {
				return &masterpb.Call{Type: masterpb.Call_STOP_MAINTENANCE.Enum(), StopMaintenance: &masterpb.Call_StopMaintenance{Machines: ids}}
			}
			id := testMachineID("down-host", "127.0.0.1")
			expect(t, c.operatorRaw(start(id)), http.StatusBadRequest, `Machine '{"hostname":"down-host","ip":"127.0.0.1"}' is not part of a maintenance schedule`)
			expect(t, c.operatorRaw(scheduleCall(window(time.Now(), time.Hour, id))), http.StatusOK, "")
			expect(t, c.operatorRaw(start(id)), http.StatusOK, "")
			st := waitTaskUpdate(t, sched, "busy", mesosproto.TaskState_TASK_LOST) // even for PARTITION_AWARE frameworks
			if st.GetReason() != mesosproto.TaskStatus_REASON_AGENT_REMOVED || st.GetMessage() != "Agent down-host removed: Operator initiated 'Machine DOWN'" {
				t.Fatalf("status %v", st)
			}
			if n := agentCount(t, c); n != 0 {
				t.Fatalf("%d agents after START_MAINTENANCE", n)
			}
			ms := c.operator(operatorPath, opCall(masterpb.Call_GET_MAINTENANCE_STATUS)).GetGetMaintenanceStatus().GetStatus()
			if len(ms.GetDownMachines()) != 1 || !proto.Equal(ms.GetDownMachines()[0], id) || len(ms.GetDrainingMachines()) != 0 {
				t.Fatalf("status %v", ms)
			}
			expect(t, c.operatorRaw(start(id)), http.StatusBadRequest, `Machine '{"hostname":"down-host","ip":"127.0.0.1"}' is not in DRAINING mode and cannot be brought down`)
			expect(t, c.operatorRaw(stop(id)), http.StatusOK, "")
			if ms := c.operator(operatorPath, opCall(masterpb.Call_GET_MAINTENANCE_STATUS)).GetGetMaintenanceStatus().GetStatus(); len(ms.GetDownMachines()) != 0 {
				t.Fatalf("status after STOP_MAINTENANCE %v", ms)
			}
		})
	}
}

// TestMachineDownUpEndpoints: /machine/down brings a machine scheduled
// through /maintenance/schedule DOWN as START_MAINTENANCE does (its agent
// removed, the task TASK_LOST), /machine/up brings it back UP
// (Master::Http::machineDown, machineUp, src/master/http.cpp).
func TestMachineDownUpEndpoints(t *testing.T) {
	srv := newServer(t, WithAgent(AgentConfig{Hostname: "http-down"}))
	c := newClient(t, srv, httpapi.JSON)
	sched := newClient(t, srv, httpapi.Protobuf).subscribe(frameworkInfo("httpdown"))
	o := sched.offers()[0]
	sched.mustCall(launchCall(o, nil, shellTask("busy", o, "sleep 60")), http.StatusAccepted)
	waitTaskUpdate(t, sched, "busy", mesosproto.TaskState_TASK_RUNNING)
	machine := `[{"hostname":"http-down","ip":"127.0.0.1"}]`
	sc := `{"windows":[{"machine_ids":` + machine + `,"unavailability":{"start":{"nanoseconds":1},"duration":{"nanoseconds":3600000000000}}}]}`
	expect(t, c.raw(http.MethodPost, "/maintenance/schedule", []byte(sc)), http.StatusOK, "")
	notDown := `Machine '{"hostname":"http-down","ip":"127.0.0.1"}' is not in DOWN mode and cannot be brought up`
	expect(t, c.raw(http.MethodPost, "/machine/up", []byte(machine)), http.StatusBadRequest, notDown)
	expect(t, c.raw(http.MethodPost, "/machine/down", []byte(machine)), http.StatusOK, "")
	st := waitTaskUpdate(t, sched, "busy", mesosproto.TaskState_TASK_LOST)
	if st.GetMessage() != "Agent http-down removed: Operator initiated 'Machine DOWN'" {
		t.Fatalf("status %v", st)
	}
	expect(t, c.raw(http.MethodPost, "/machine/down", []byte(machine)), http.StatusBadRequest,
		`Machine '{"hostname":"http-down","ip":"127.0.0.1"}' is not in DRAINING mode and cannot be brought down`)
	expect(t, c.raw(http.MethodPost, "/machine/up", []byte(machine)), http.StatusOK, "")
	if n := agentCount(t, c); n != 0 {
		t.Fatalf("%d agents after /machine/down", n)
	}
}
