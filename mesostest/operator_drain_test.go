// SPDX-License-Identifier: Apache-2.0

package mesostest

import (
	"net/http"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/mesoskit/mesoskit/internal/httpapi"
	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/masterpb"
)

func drainCall(id string, maxGrace *durationpb.Duration, markGone bool) *masterpb.Call {
	d := &masterpb.Call_DrainAgent{AgentId: &mesosproto.AgentID{Value: proto.String(id)}, MaxGracePeriod: maxGrace}
	if markGone {
		d.MarkGone = proto.Bool(true)
	}
	return &masterpb.Call{Type: masterpb.Call_DRAIN_AGENT.Enum(), DrainAgent: d}
}

func reactivateCall(id string) *masterpb.Call {
	return &masterpb.Call{Type: masterpb.Call_REACTIVATE_AGENT.Enum(),
		ReactivateAgent: &masterpb.Call_ReactivateAgent{AgentId: &mesosproto.AgentID{Value: proto.String(id)}}}
}

// drainedAgent returns the GET_AGENTS entry of agent id, nil if not listed.
func drainedAgent(t *testing.T, c *client, id string) *masterpb.Response_GetAgents_Agent {
	t.Helper()
	for _, a := range c.operator(operatorPath, opCall(masterpb.Call_GET_AGENTS)).GetGetAgents().GetAgents() {
		if a.GetAgentInfo().GetId().GetValue() == id {
			return a
		}
	}
	return nil
}

// TestOperatorDrainAgent follows Master::Http::drainAgent and _drainAgent
// (src/master/http.cpp), Slave::drain and Slave::statusUpdate
// (src/slave/slave.cpp) and Master::checkAndTransitionDrainingAgent
// (src/master/master.cpp): an unknown agent is 400 "Unknown agent"; a
// drained agent is deactivated (its offer rescinded) and DRAINING with the
// call's config; its task, which ignores SIGTERM and has a 60 s kill policy,
// is killed within the 100 ms max_grace_period and reports TASK_KILLED with
// REASON_AGENT_DRAINING; REACTIVATE_AGENT is refused while DRAINING; the
// agent is DRAINED once the terminal update is acknowledged, which GET_AGENTS
// and /state show; REACTIVATE_AGENT then ends the drain and offers resume.
func TestOperatorDrainAgent(t *testing.T) {
	for _, codec := range codecs {
		t.Run(codecName(codec), func(t *testing.T) {
			srv := newServer(t)
			c := newClient(t, srv, codec)
			agentID := srv.AgentIDs()[0]
			sched := newClient(t, srv, httpapi.Protobuf).subscribe(frameworkInfo("drain"))
			o := sched.offers()[0]
			task := shellTask("stubborn", o, "trap '' TERM; sleep 60")
			task.KillPolicy = &mesosproto.KillPolicy{GracePeriod: &mesosproto.DurationInfo{Nanoseconds: proto.Int64(int64(60 * time.Second))}}
			sched.mustCall(launchCall(o, nil, task), http.StatusAccepted)
			running := waitTaskUpdate(t, sched, "stubborn", mesosproto.TaskState_TASK_RUNNING)
			sched.ack(running)

			expect(t, c.operatorRaw(drainCall("nope", nil, false)), http.StatusBadRequest, "Unknown agent")
			expect(t, c.operatorRaw(drainCall(agentID, durationpb.New(100*time.Millisecond), false)), http.StatusOK, "")

			a := drainedAgent(t, c, agentID)
			wantCfg := &mesosproto.DrainConfig{
				MaxGracePeriod: &mesosproto.DurationInfo{Nanoseconds: proto.Int64(int64(100 * time.Millisecond))},
				MarkGone:       proto.Bool(false),
			}
			if a.GetActive() || !a.GetDeactivated() || a.GetDrainInfo().GetState() != mesosproto.DrainState_DRAINING ||
				!proto.Equal(a.GetDrainInfo().GetConfig(), wantCfg) || a.GetEstimatedDrainStartTime() == nil {
				t.Fatalf("draining agent %v", a)
			}
			expect(t, c.operatorRaw(reactivateCall(agentID)), http.StatusBadRequest, "Agent is still in the DRAINING state")

			// Without the cap the task would survive SIGTERM for 60 s and
			// the wait below would give up after 10 s.
			killed := waitTaskUpdate(t, sched, "stubborn", mesosproto.TaskState_TASK_KILLED)
			if killed.GetReason() != mesosproto.TaskStatus_REASON_AGENT_DRAINING {
				t.Fatalf("killed %v", killed)
			}
			if st := drainedAgent(t, c, agentID).GetDrainInfo().GetState(); st != mesosproto.DrainState_DRAINING {
				t.Fatalf("state %v before the terminal update is acknowledged", st)
			}
			sched.ack(killed)
			eventually(t, "agent DRAINED", func() bool {
				return drainedAgent(t, c, agentID).GetDrainInfo().GetState() == mesosproto.DrainState_DRAINED
			})

			state := getJSON(t, c, http.MethodGet, "/state")
			wantEq(t, "activated_slaves", at(t, state, "activated_slaves"), 0.0)
			wantEq(t, "deactivated_slaves", at(t, state, "deactivated_slaves"), 1.0)
			sl := at(t, state, "slaves", 0)
			wantEq(t, "active", at(t, sl, "active"), false)
			wantEq(t, "deactivated", at(t, sl, "deactivated"), true)
			wantKeys(t, at(t, sl, "drain_info"), "state", "config")
			wantEq(t, "drain_info.state", at(t, sl, "drain_info", "state"), "DRAINED")
			wantEq(t, "mark_gone", at(t, sl, "drain_info", "config", "mark_gone"), false)
			wantEq(t, "max_grace_period", at(t, sl, "drain_info", "config", "max_grace_period", "nanoseconds"), 1e8)
			if v, ok := at(t, sl, "estimated_drain_start_time_seconds").(float64); !ok || v <= 0 {
				t.Fatalf("estimated_drain_start_time_seconds %v", v)
			}

			expect(t, c.operatorRaw(reactivateCall(agentID)), http.StatusOK, "")
			if a := drainedAgent(t, c, agentID); !a.GetActive() || a.GetDeactivated() || a.DrainInfo != nil || a.EstimatedDrainStartTime != nil {
				t.Fatalf("reactivated agent %v", a)
			}
			if o2 := sched.offers()[0]; o2.GetAgentId().GetValue() != agentID {
				t.Fatalf("offer of %v after reactivation", o2.GetAgentId())
			}
			if _, ok := at(t, getJSON(t, c, http.MethodGet, "/slaves"), "slaves", 0).(map[string]any)["drain_info"]; ok {
				t.Fatal("/slaves shows drain_info after REACTIVATE_AGENT")
			}
		})
	}
}

// TestOperatorDrainAgentMarkGone: with mark_gone the killed task of a
// PARTITION_AWARE framework reports TASK_GONE_BY_OPERATOR with
// REASON_AGENT_DRAINING (Slave::statusUpdate), and the agent is marked gone
// instead of DRAINED once the update is acknowledged
// (Master::checkAndTransitionDrainingAgent): it leaves GET_AGENTS and is
// then an "Unknown agent" to DRAIN_AGENT and DEACTIVATE_AGENT. An agent
// with nothing to drain is DRAINED at once, and draining it again is OK.
func TestOperatorDrainAgentMarkGone(t *testing.T) {
	for _, codec := range codecs {
		t.Run(codecName(codec), func(t *testing.T) {
			srv := newServer(t, WithAgents(2, ""))
			c := newClient(t, srv, codec)
			ids := srv.AgentIDs()
			fi := frameworkInfo("drain-gone")
			fi.Capabilities = append(fi.Capabilities, &mesosproto.FrameworkInfo_Capability{Type: mesosproto.FrameworkInfo_Capability_PARTITION_AWARE.Enum()})
			sched := newClient(t, srv, httpapi.Protobuf).subscribe(fi)
			var o *mesosproto.Offer
			for o == nil {
				for _, of := range sched.offers() {
					if of.GetAgentId().GetValue() == ids[0] {
						o = of
					}
				}
			}
			sched.mustCall(launchCall(o, nil, shellTask("busy", o, "sleep 60")), http.StatusAccepted)
			sched.ack(waitTaskUpdate(t, sched, "busy", mesosproto.TaskState_TASK_RUNNING))

			// The idle agent: DRAINED at once, and again on a second drain.
			for range 2 {
				expect(t, c.operatorRaw(drainCall(ids[1], nil, false)), http.StatusOK, "")
				a := drainedAgent(t, c, ids[1])
				if a.GetDrainInfo().GetState() != mesosproto.DrainState_DRAINED || a.GetDrainInfo().GetConfig().MaxGracePeriod != nil {
					t.Fatalf("idle agent %v", a)
				}
			}

			expect(t, c.operatorRaw(drainCall(ids[0], nil, true)), http.StatusOK, "")
			st := waitTaskUpdate(t, sched, "busy", mesosproto.TaskState_TASK_GONE_BY_OPERATOR)
			if st.GetReason() != mesosproto.TaskStatus_REASON_AGENT_DRAINING {
				t.Fatalf("status %v", st)
			}
			if a := drainedAgent(t, c, ids[0]); a.GetDrainInfo().GetState() != mesosproto.DrainState_DRAINING || !a.GetDrainInfo().GetConfig().GetMarkGone() {
				t.Fatalf("agent before the acknowledgement %v", a)
			}
			sched.ack(st)
			eventually(t, "agent gone", func() bool { return drainedAgent(t, c, ids[0]) == nil })
			expect(t, c.operatorRaw(drainCall(ids[0], nil, false)), http.StatusBadRequest, "Unknown agent")
			expect(t, c.operatorRaw(&masterpb.Call{Type: masterpb.Call_DEACTIVATE_AGENT.Enum(),
				DeactivateAgent: &masterpb.Call_DeactivateAgent{AgentId: &mesosproto.AgentID{Value: proto.String(ids[0])}}}), http.StatusBadRequest, "Unknown agent")
		})
	}
}

// TestOperatorDrainAgentMaintenance: an agent whose machine is in the
// maintenance schedule cannot be drained (Master::Http::drainAgent), with
// the machine written as operator<<(MachineID) does ("host (ip)").
func TestOperatorDrainAgentMaintenance(t *testing.T) {
	for _, codec := range codecs {
		t.Run(codecName(codec), func(t *testing.T) {
			srv := newServer(t, WithAgent(AgentConfig{Hostname: "maint-host"}))
			c := newClient(t, srv, codec)
			id := srv.AgentIDs()[0]
			expect(t, c.operatorRaw(scheduleCall(window(time.Now().Add(time.Hour), time.Hour, testMachineID("MAINT-host", "127.0.0.1")))), http.StatusOK, "")
			expect(t, c.operatorRaw(drainCall(id, nil, false)), http.StatusBadRequest,
				"Agent "+id+" is part of a maintenance schedule under Machine MAINT-host (127.0.0.1)")
			if a := drainedAgent(t, c, id); a.DrainInfo != nil || a.GetDeactivated() {
				t.Fatalf("refused drain changed the agent: %v", a)
			}
		})
	}
}
