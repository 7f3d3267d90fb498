// SPDX-License-Identifier: Apache-2.0

package mesostest

import (
	"io"
	"net/http"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/internal/httpapi"
	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/masterpb"
	"github.com/mesoskit/mesoskit/mesosproto/schedulerpb"
)

// operatorRaw posts an operator call and returns the raw answer.
func (c *client) operatorRaw(call *masterpb.Call) response {
	c.t.Helper()
	b, err := c.codec.Marshal(call)
	if err != nil {
		c.t.Fatal(err)
	}
	return c.raw(http.MethodPost, operatorPath, b, "Content-Type", c.codec.MediaType(), "Accept", c.codec.MediaType())
}

func weightsCall(role string, w float64) *masterpb.Call {
	return &masterpb.Call{Type: masterpb.Call_UPDATE_WEIGHTS.Enum(), UpdateWeights: &masterpb.Call_UpdateWeights{
		WeightInfos: []*mesosproto.WeightInfo{{Role: proto.String(role), Weight: proto.Float64(w)}}}}
}

// TestOperatorWeights: UPDATE_WEIGHTS keeps weights (trimmed roles), GET_WEIGHTS
// shows them, bad roles and weights get Master::WeightsHandler's 400s, and
// the weights survive a master failover (Mesos keeps them in the registry).
func TestOperatorWeights(t *testing.T) {
	for _, codec := range codecs {
		t.Run(codecName(codec), func(t *testing.T) {
			srv := newServer(t, WithMasters(2))
			c := newClient(t, srv, codec)
			if w := c.operator(operatorPath, opCall(masterpb.Call_GET_WEIGHTS)); w.GetType() != masterpb.Response_GET_WEIGHTS || len(w.GetGetWeights().GetWeightInfos()) != 0 {
				t.Fatalf("initial weights %v", w)
			}
			expect(t, c.operatorRaw(weightsCall(" web ", 2.5)), http.StatusOK, "")
			expect(t, c.operatorRaw(weightsCall("batch", 1)), http.StatusOK, "")
			expect(t, c.operatorRaw(weightsCall("web", 0)), http.StatusBadRequest,
				"Failed to validate update weights request JSON for role 'web': Invalid weight '0': Weights must be positive")
			expect(t, c.operatorRaw(weightsCall("a/../b", 1)), http.StatusBadRequest,
				"Failed to validate update weights request JSON: Invalid role 'a/../b': Role 'a/../b' cannot include '..' as a component")
			want := []*mesosproto.WeightInfo{
				{Weight: proto.Float64(1), Role: proto.String("batch")},
				{Weight: proto.Float64(2.5), Role: proto.String("web")},
			}
			check := func() {
				t.Helper()
				got := c.operator(operatorPath, opCall(masterpb.Call_GET_WEIGHTS)).GetGetWeights().GetWeightInfos()
				if len(got) != len(want) {
					t.Fatalf("weights %v, want %v", got, want)
				}
				for i := range got {
					if !proto.Equal(got[i], want[i]) {
						t.Fatalf("weights %v, want %v", got, want)
					}
				}
			}
			check()
			if err := srv.Failover(); err != nil {
				t.Fatal(err)
			}
			c.url = srv.MasterURLs()[srv.LeaderIndex()]
			check()
		})
	}
}

// TestOperatorLoggingLevel: SET_LOGGING_LEVEL is OK() with no body and
// GET_LOGGING_LEVEL shows the level of that master only.
func TestOperatorLoggingLevel(t *testing.T) {
	for _, codec := range codecs {
		t.Run(codecName(codec), func(t *testing.T) {
			srv := newServer(t)
			c := newClient(t, srv, codec)
			if l := c.operator(operatorPath, opCall(masterpb.Call_GET_LOGGING_LEVEL)); l.GetGetLoggingLevel().GetLevel() != 0 || l.GetGetLoggingLevel().Level == nil {
				t.Fatalf("initial level %v", l)
			}
			r := c.operatorRaw(&masterpb.Call{Type: masterpb.Call_SET_LOGGING_LEVEL.Enum(), SetLoggingLevel: &masterpb.Call_SetLoggingLevel{
				Level: proto.Uint32(3), Duration: &mesosproto.DurationInfo{Nanoseconds: proto.Int64(60e9)}}})
			expect(t, r, http.StatusOK, "")
			if l := c.operator(operatorPath, opCall(masterpb.Call_GET_LOGGING_LEVEL)); l.GetGetLoggingLevel().GetLevel() != 3 {
				t.Fatalf("level %v, want 3", l)
			}
		})
	}
}

// TestOperatorTeardown: TEARDOWN removes the framework (its stream ends),
// an unknown id is 400 "No framework found with specified ID".
func TestOperatorTeardown(t *testing.T) {
	for _, codec := range codecs {
		t.Run(codecName(codec), func(t *testing.T) {
			srv := newServer(t)
			c := newClient(t, srv, codec)
			sched := newClient(t, srv, httpapi.Protobuf).subscribe(frameworkInfo("doomed"))
			td := func(id string) *masterpb.Call {
				return &masterpb.Call{Type: masterpb.Call_TEARDOWN.Enum(), Teardown: &masterpb.Call_Teardown{
					FrameworkId: &mesosproto.FrameworkID{Value: proto.String(id)}}}
			}
			expect(t, c.operatorRaw(td("no-such-framework")), http.StatusBadRequest, "No framework found with specified ID")
			expect(t, c.operatorRaw(td(sched.fwID)), http.StatusOK, "")
			if _, err := sched.waitEnd(); err != io.EOF { // the stream ends cleanly, offers may come first
				t.Fatalf("scheduler stream ended with %v", err)
			}
			if fws := c.operator(operatorPath, opCall(masterpb.Call_GET_FRAMEWORKS)).GetGetFrameworks(); len(fws.GetFrameworks()) != 0 {
				t.Fatalf("frameworks after TEARDOWN: %v", fws)
			}
			expect(t, c.operatorRaw(td(sched.fwID)), http.StatusBadRequest, "No framework found with specified ID")
		})
	}
}

// TestOperatorMasterFiles: a master without --log_dir attaches no file, so
// LIST_FILES and READ_FILE answer 404 with no body for any path.
func TestOperatorMasterFiles(t *testing.T) {
	for _, codec := range codecs {
		t.Run(codecName(codec), func(t *testing.T) {
			srv := newServer(t)
			c := newClient(t, srv, codec)
			expect(t, c.operatorRaw(&masterpb.Call{Type: masterpb.Call_LIST_FILES.Enum(),
				ListFiles: &masterpb.Call_ListFiles{Path: proto.String("/master/log")}}), http.StatusNotFound, "")
			expect(t, c.operatorRaw(&masterpb.Call{Type: masterpb.Call_READ_FILE.Enum(),
				ReadFile: &masterpb.Call_ReadFile{Path: proto.String("/master/log"), Offset: proto.Uint64(0)}}), http.StatusNotFound, "")
			expect(t, c.operatorRaw(&masterpb.Call{Type: masterpb.Call_LIST_FILES.Enum()}), http.StatusBadRequest,
				"Failed to validate master::Call: Expecting 'list_files' to be present")
		})
	}
}

// TestOperatorDeactivateAgent: a deactivated agent's offer is rescinded, it
// shows as inactive and deactivated, gets offered again once reactivated;
// unknown or active agents get Mesos's 400s.
func TestOperatorDeactivateAgent(t *testing.T) {
	for _, codec := range codecs {
		t.Run(codecName(codec), func(t *testing.T) {
			srv := newServer(t)
			c := newClient(t, srv, codec)
			agentID := srv.AgentIDs()[0]
			sched := newClient(t, srv, httpapi.Protobuf).subscribe(frameworkInfo("deact"))
			o := sched.offers()[0]
			call := func(typ masterpb.Call_Type, id string) *masterpb.Call {
				aid := &mesosproto.AgentID{Value: proto.String(id)}
				if typ == masterpb.Call_DEACTIVATE_AGENT {
					return &masterpb.Call{Type: typ.Enum(), DeactivateAgent: &masterpb.Call_DeactivateAgent{AgentId: aid}}
				}
				return &masterpb.Call{Type: typ.Enum(), ReactivateAgent: &masterpb.Call_ReactivateAgent{AgentId: aid}}
			}
			expect(t, c.operatorRaw(call(masterpb.Call_DEACTIVATE_AGENT, "nope")), http.StatusBadRequest, "Unknown agent")
			expect(t, c.operatorRaw(call(masterpb.Call_REACTIVATE_AGENT, agentID)), http.StatusBadRequest, "Agent is not deactivated")
			expect(t, c.operatorRaw(call(masterpb.Call_DEACTIVATE_AGENT, agentID)), http.StatusOK, "")
			if r := sched.nextSkip(schedulerpb.Event_RESCIND).GetRescind(); r.GetOfferId().GetValue() != o.GetId().GetValue() {
				t.Fatalf("rescinded %v, want %v", r, o.GetId())
			}
			a := c.operator(operatorPath, opCall(masterpb.Call_GET_AGENTS)).GetGetAgents().GetAgents()[0]
			if a.GetActive() || !a.GetDeactivated() {
				t.Fatalf("deactivated agent shows active %v deactivated %v", a.GetActive(), a.GetDeactivated())
			}
			sched.noOffers(200 * time.Millisecond)
			expect(t, c.operatorRaw(call(masterpb.Call_REACTIVATE_AGENT, agentID)), http.StatusOK, "")
			if o2 := sched.offers()[0]; o2.GetAgentId().GetValue() != agentID {
				t.Fatalf("offer of %v after reactivation", o2.GetAgentId())
			}
		})
	}
}

// TestOperatorRoles: GET_ROLES lists the frameworks' roles with their
// ancestors and the roles with a weight, sorted, each with its weight, the
// scalar resources allocated or offered in its subtree, and its frameworks.
func TestOperatorRoles(t *testing.T) {
	for _, codec := range codecs {
		t.Run(codecName(codec), func(t *testing.T) {
			srv := newServer(t)
			c := newClient(t, srv, codec)
			expect(t, c.operatorRaw(weightsCall("batch", 2)), http.StatusOK, "")
			fi := frameworkInfo("roles")
			fi.Role = proto.String("web/a") //lint:ignore SA1019 a single-role framework
			sched := newClient(t, srv, httpapi.Protobuf).subscribe(fi)
			sched.offers() // the whole agent is offered to web/a
			roles := c.operator(operatorPath, opCall(masterpb.Call_GET_ROLES)).GetGetRoles().GetRoles()
			var names []string
			for _, r := range roles {
				names = append(names, r.GetName())
			}
			if len(names) != 3 || names[0] != "batch" || names[1] != "web" || names[2] != "web/a" {
				t.Fatalf("roles %v", names)
			}
			if roles[0].GetWeight() != 2 || len(roles[0].GetResources()) != 0 || len(roles[0].GetFrameworks()) != 0 {
				t.Errorf("batch: %v", roles[0])
			}
			for _, r := range roles[1:] {
				if r.GetWeight() != 1 || len(r.GetResources()) != 3 || r.GetResources()[0].GetName() != "cpus" || r.GetResources()[0].GetScalar().GetValue() != 4 {
					t.Errorf("%s: %v", r.GetName(), r)
				}
			}
			if len(roles[1].GetFrameworks()) != 0 || len(roles[2].GetFrameworks()) != 1 || roles[2].GetFrameworks()[0].GetValue() != sched.fwID {
				t.Errorf("frameworks: web %v, web/a %v", roles[1].GetFrameworks(), roles[2].GetFrameworks())
			}
		})
	}
}

// TestOperatorOperations: GET_OPERATIONS lists an operation with an id
// until its feedback is acknowledged.
func TestOperatorOperations(t *testing.T) {
	for _, codec := range codecs {
		t.Run(codecName(codec), func(t *testing.T) {
			srv := newServer(t, WithAgents(1, "cpus:4;mem:1024;disk:1000"))
			c := newClient(t, srv, codec)
			fi := frameworkInfo("ops")
			fi.Role = proto.String("web") //lint:ignore SA1019 a single-role framework
			fi.Principal = proto.String("ops")
			s := newClient(t, srv, httpapi.Protobuf).subscribe(fi)
			o := s.offers()[0]
			s.mustCall(acceptOps(o, reserveOp("r1", reserved(scalar("cpus", 1), "web", "ops"))), 202)
			st := opUpdate(s)
			ops := c.operator(operatorPath, opCall(masterpb.Call_GET_OPERATIONS)).GetGetOperations().GetOperations()
			if len(ops) != 1 {
				t.Fatalf("operations %v", ops)
			}
			op := ops[0]
			if op.GetInfo().GetId().GetValue() != "r1" || op.GetFrameworkId().GetValue() != s.fwID || op.GetAgentId().GetValue() != o.GetAgentId().GetValue() ||
				!proto.Equal(op.GetLatestStatus(), st) || len(op.GetUuid().GetValue()) != 16 {
				t.Fatalf("operation %v", op)
			}
			ackOp(s, st)
			if ops := c.operator(operatorPath, opCall(masterpb.Call_GET_OPERATIONS)).GetGetOperations().GetOperations(); len(ops) != 0 {
				t.Fatalf("operations after the acknowledgement %v", ops)
			}
		})
	}
}
