// SPDX-License-Identifier: Apache-2.0

package mesostest

import (
	"net/http"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/internal/httpapi"
	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/allocatorpb"
	"github.com/mesoskit/mesoskit/mesosproto/maintenancepb"
	"github.com/mesoskit/mesoskit/mesosproto/masterpb"
	"github.com/mesoskit/mesoskit/mesosproto/schedulerpb"
)

func scheduleCall(windows ...*maintenancepb.Window) *masterpb.Call {
	return &masterpb.Call{Type: masterpb.Call_UPDATE_MAINTENANCE_SCHEDULE.Enum(),
		UpdateMaintenanceSchedule: &masterpb.Call_UpdateMaintenanceSchedule{Schedule: &maintenancepb.Schedule{Windows: windows}}}
}

func window(start time.Time, d time.Duration, ids ...*mesosproto.MachineID) *maintenancepb.Window {
	return &maintenancepb.Window{MachineIds: ids, Unavailability: &mesosproto.Unavailability{
		Start:    &mesosproto.TimeInfo{Nanoseconds: proto.Int64(start.UnixNano())},
		Duration: &mesosproto.DurationInfo{Nanoseconds: proto.Int64(int64(d))}}}
}

func testMachineID(host, ip string) *mesosproto.MachineID {
	id := &mesosproto.MachineID{}
	if host != "" {
		id.Hostname = proto.String(host)
	}
	if ip != "" {
		id.Ip = proto.String(ip)
	}
	return id
}

// TestOperatorMaintenance: UPDATE_MAINTENANCE_SCHEDULE puts the machine's
// agent in maintenance (its offers carry the unavailability and the
// framework using it gets an inverse offer); GET_MAINTENANCE_SCHEDULE shows
// the schedule, GET_MAINTENANCE_STATUS the draining machine with the
// framework's answer; removing the machine from the schedule brings it UP.
func TestOperatorMaintenance(t *testing.T) {
	for _, codec := range codecs {
		t.Run(codecName(codec), func(t *testing.T) {
			srv := newServer(t, WithAgent(AgentConfig{Hostname: "maint-host"}))
			c := newClient(t, srv, codec)
			agentID := srv.AgentIDs()[0]
			sched := newClient(t, srv, httpapi.Protobuf).subscribe(frameworkInfo("maint"))
			o := sched.offers()[0]
			sched.mustCall(withFW(launchCall(o, &mesosproto.Filters{RefuseSeconds: proto.Float64(0)}, shellTask("busy", o, "sleep 30")), sched.fwID), 202)
			if _, err := srv.WaitTask(testCtx(t), "busy", mesosproto.TaskState_TASK_RUNNING); err != nil {
				t.Fatal(err)
			}

			start := time.Now().Add(time.Hour).Truncate(time.Second)
			// Hostnames compare case-insensitively (hash<MachineID>).
			id := testMachineID("MAINT-host", "127.0.0.1")
			expect(t, c.operatorRaw(scheduleCall(window(start, 2*time.Hour, id))), http.StatusOK, "")
			io := sched.nextSkip(schedulerpb.Event_INVERSE_OFFERS).GetInverseOffers().GetInverseOffers()[0]
			if io.GetAgentId().GetValue() != agentID || io.GetUnavailability().GetStart().GetNanoseconds() != start.UnixNano() {
				t.Fatalf("inverse offer %v", io)
			}
			sched.mustCall(withFW(inverseAnswer(schedulerpb.Call_DECLINE_INVERSE_OFFERS, io, nil), sched.fwID), 202)

			sc := c.operator(operatorPath, opCall(masterpb.Call_GET_MAINTENANCE_SCHEDULE)).GetGetMaintenanceSchedule().GetSchedule()
			if len(sc.GetWindows()) != 1 || !proto.Equal(sc.GetWindows()[0].GetMachineIds()[0], id) {
				t.Fatalf("schedule %v", sc)
			}
			st := c.operator(operatorPath, opCall(masterpb.Call_GET_MAINTENANCE_STATUS)).GetGetMaintenanceStatus().GetStatus()
			if len(st.GetDrainingMachines()) != 1 || len(st.GetDownMachines()) != 0 {
				t.Fatalf("status %v", st)
			}
			dm := st.GetDrainingMachines()[0]
			if !proto.Equal(dm.GetId(), id) || len(dm.GetStatuses()) != 1 || dm.GetStatuses()[0].GetStatus() != allocatorpb.InverseOfferStatus_DECLINE ||
				dm.GetStatuses()[0].GetFrameworkId().GetValue() != sched.fwID {
				t.Fatalf("draining machine %v", dm)
			}

			// STOP_MAINTENANCE needs a DOWN machine.
			stop := func(ids ...*mesosproto.MachineID) *masterpb.Call {
				return &masterpb.Call{Type: masterpb.Call_STOP_MAINTENANCE.Enum(), StopMaintenance: &masterpb.Call_StopMaintenance{Machines: ids}}
			}
			expect(t, c.operatorRaw(stop(id)), http.StatusBadRequest, `Machine '{"hostname":"MAINT-host","ip":"127.0.0.1"}' is not in DOWN mode and cannot be brought up`)
			expect(t, c.operatorRaw(stop(testMachineID("other", ""))), http.StatusBadRequest, `Machine '{"hostname":"other"}' is not part of a maintenance schedule`)
			expect(t, c.operatorRaw(stop()), http.StatusBadRequest, "List of machines is empty")

			expect(t, c.operatorRaw(scheduleCall()), http.StatusOK, "")
			if st := c.operator(operatorPath, opCall(masterpb.Call_GET_MAINTENANCE_STATUS)).GetGetMaintenanceStatus().GetStatus(); len(st.GetDrainingMachines()) != 0 {
				t.Fatalf("status after clearing the schedule %v", st)
			}
			srv.mu.Lock()
			inMaintenance := srv.agentByID[agentID].maintenance != nil
			srv.mu.Unlock()
			if inMaintenance {
				t.Fatal("agent still in maintenance after the schedule was cleared")
			}
		})
	}
}

// TestOperatorMaintenanceBadSchedule: maintenance::validation::schedule's
// errors, 400 with the message alone.
func TestOperatorMaintenanceBadSchedule(t *testing.T) {
	srv := newServer(t)
	c := newClient(t, srv, httpapi.JSON)
	now := time.Now()
	for _, tc := range []struct {
		call *masterpb.Call
		want string
	}{
		{scheduleCall(window(now, time.Hour)), "List of machines in the maintenance window is empty"},
		{scheduleCall(window(now, -time.Hour, testMachineID("h", ""))), "Unavailability 'duration' is negative"},
		{scheduleCall(window(now, time.Hour, testMachineID("", ""))), "Both 'hostname' and 'ip' for a machine are empty"},
		{scheduleCall(window(now, time.Hour, testMachineID("h", "300.1.1.1"))), "Failed to parse IPv4: 300.1.1.1"},
		{scheduleCall(window(now, time.Hour, testMachineID("h", "")), window(now, time.Hour, testMachineID("H", ""))),
			`Machine '{"hostname":"H"}' appears more than once in the schedule`},
	} {
		expect(t, c.operatorRaw(tc.call), http.StatusBadRequest, tc.want)
	}
}
