// SPDX-License-Identifier: Apache-2.0

//lint:file-ignore SA1019 tests check the deprecated role fields Mesos still sends and reads

package mesostest

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/schedulerpb"
)

// fidelityChecklist maps every master item of the checklist in
// docs/PROTOCOL.md §8 (1-24) to the tests that cover it, here
// (mesostest) or in package scheduler ("scheduler.TestX"), where a client
// is the better witness. Items the fake does not reproduce say so in
// deviation; TestFidelityChecklist keeps the names honest.
var fidelityChecklist = []struct {
	item      int
	what      string
	tests     []string
	deviation string
}{
	{1, "SUBSCRIBE: 200, negotiated Content-Type, Mesos-Stream-Id, chunked, no Content-Length",
		[]string{"TestSubscribeStream", "TestJSONWireFormat"}, ""},
	{2, "SUBSCRIBED first (or ERROR + EOF), HEARTBEAT right after, then periodic",
		[]string{"TestSubscribeStream", "TestSubscribeSemantics"}, ""},
	{3, "latest subscription live: old stream ERROR \"Framework failed over\", old stream id 400",
		[]string{"TestSubscribeSemantics", "TestSubscribedFrameworkChecks", "scheduler.TestFrameworkFailedOverToAnotherScheduler"}, ""},
	{4, "stream closed: 403 until resubscribed, failover timer, offers discarded",
		[]string{"TestSubscribedFrameworkChecks", "TestDisconnectDiscardsOffers", "scheduler.TestCancelDisconnectsAndSecondRunResubscribes"}, ""},
	{5, "failover_timeout 0 removes at once; later SUBSCRIBE: 200 + ERROR \"Framework has been removed\"",
		[]string{"TestSubscribeSemantics", "TestInjectedFaults", "scheduler.TestFrameworkRemoved"}, ""},
	{6, "TEARDOWN: 202, stream closes without ERROR, later calls 400 \"Framework cannot be found\"",
		[]string{"TestTeardown", "scheduler.TestTeardown"}, ""},
	{7, "Mesos-Stream-Id forbidden on SUBSCRIBE, required and compared on other calls",
		[]string{"TestHTTPChecksWithoutSubscription", "TestSubscribedFrameworkChecks"}, ""},
	{8, "calls pipelined behind the stream run but are never answered",
		nil, "net/http reads a pipelined request only after the stream ends, so it is not executed either (doc.go, Deviations); clients must use a second connection either way"},
	{9, "non-leader 307 with protocol-relative Location, 503 without leader, 503 while recovering",
		[]string{"TestMasterFailover", "TestNoLeaderAndRecovery", "scheduler.TestRedirectFollowed", "scheduler.TestNoLeaderThenFailover", "scheduler.TestSubscribe503StormThenRecovery"}, ""},
	{10, "Content-Type compared exactly (415), Accept negotiated (JSON first)",
		[]string{"TestHTTPChecksWithoutSubscription", "TestJSONWireFormat"}, ""},
	{11, "JSON output in Mesos style, lenient JSON input, numeric enums rejected",
		[]string{"TestJSONWireFormat", "TestHTTPMalformedBodies"}, ""},
	{12, "RecordIO exact lengths; records split across chunks and merged",
		[]string{"TestJSONWireFormat"}, ""},
	{13, "order of checks, 400 unknown vs 403 disconnected, framework_id mismatch 400",
		[]string{"TestHTTPChecksWithoutSubscription", "TestSubscribedFrameworkChecks", "TestHTTPMalformedBodies"}, ""},
	{14, "SUBSCRIBE-level problems are 200 + ERROR + EOF",
		[]string{"TestSubscribeSemantics", "TestOfferConstraintsFilterOffers"}, "authorization is not modelled (no ACLs): no \"Not authorized\" ERROR"},
	{15, "ACK uuid exactly 16 bytes with a version; reconcile sub-message required",
		[]string{"TestHTTPChecksWithoutSubscription"}, ""},
	{16, "UPDATE_FRAMEWORK: 200 empty, 400 for user/checkpoint/principal changes",
		[]string{"TestUpdateFramework", "TestOfferConstraintsFilterOffers"}, "403 needs authorization, which is not modelled"},
	{17, "one unacknowledged update in flight per task, retried, duplicates allowed",
		[]string{"TestUpdateRetransmission", "TestMasterFailover", "scheduler.TestEndToEnd"}, ""},
	{18, "master-generated updates have no uuid, reliable ones always do",
		[]string{"TestReconcile", "TestInvalidOffers", "TestLoseAgent"}, ""},
	{19, "reconciliation: implicit, explicit rules, silent during agent recovery, LOST without PARTITION_AWARE",
		[]string{"TestReconcile", "TestAgentRecoveryAfterFailover", "TestLoseAgent", "TestEventOrder"}, ""},
	{20, "offers: invalid ACCEPT LOST/DROPPED, DECLINE unknown ignored, unused declined with filters, no RESCIND on resubscribe, offer timeout and agent removal RESCIND",
		[]string{"TestInvalidOffers", "TestDeclineFiltersAndRevive", "TestAcceptDeclinesUnusedWithFilters", "TestResubscribeDiscardsOffers", "TestOfferTimeout", "TestRescind", "TestLoseAgent"}, ""},
	{21, "SUPPRESS/REVIVE all or nothing; suppression reset by every SUBSCRIBE",
		[]string{"TestDeclineFiltersAndRevive", "TestSuppressionResetBySubscribe"}, ""},
	{22, "capability gating: TASK_KILLING, partition-aware states, allocation_info, resource format",
		[]string{"TestCapabilityGating", "TestInvalidOffers", "TestLoseAgent", "TestMultiRoleOffersAndReservations"}, ""},
	{23, "FAILURE for a lost agent to every connected framework; raw wait status for executors",
		[]string{"TestLoseAgent", "TestExecutorRegistrationTimeout"}, ""},
	{24, "events of one framework in the order the master produced them",
		[]string{"TestEventOrder", "TestLoseAgent"}, ""},
}

// TestFidelityChecklist checks that every master item of §8 is accounted
// for and that every test named exists.
func TestFidelityChecklist(t *testing.T) {
	tests := map[string]bool{}
	for _, dir := range []string{".", filepath.Join("..", "scheduler")} {
		prefix := ""
		if dir != "." {
			prefix = "scheduler."
		}
		files, err := filepath.Glob(filepath.Join(dir, "*_test.go"))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			af, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.SkipObjectResolution)
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range af.Decls {
				if fd, ok := d.(*ast.FuncDecl); ok && fd.Recv == nil && strings.HasPrefix(fd.Name.Name, "Test") {
					tests[prefix+fd.Name.Name] = true
				}
			}
		}
	}
	seen := map[int]bool{}
	for _, c := range fidelityChecklist {
		seen[c.item] = true
		if len(c.tests) == 0 && c.deviation == "" {
			t.Errorf("item %d (%s) has neither a test nor a stated deviation", c.item, c.what)
		}
		for _, name := range c.tests {
			if !tests[name] {
				t.Errorf("item %d names %s, which does not exist", c.item, name)
			}
		}
	}
	for i := 1; i <= 24; i++ {
		if !seen[i] {
			t.Errorf("item %d is missing from the checklist", i)
		}
	}
}

// Item 4: a framework whose stream closes loses its outstanding offers.
func TestDisconnectDiscardsOffers(t *testing.T) {
	srv := newServer(t)
	fi := frameworkInfo("discard-on-disconnect")
	fi.FailoverTimeout = proto.Float64(60)
	s := newClient(t, srv, codecs[0]).subscribe(fi)
	s.offers()
	if st, _ := srv.Framework(s.fwID); st.Offers == 0 {
		t.Fatal("no outstanding offer")
	}
	s.cancel()
	st, err := srv.WaitFramework(testCtx(t), s.fwID, FrameworkDisconnected)
	if err != nil {
		t.Fatal(err)
	}
	if st.Offers != 0 || len(srv.Offers()) != 0 {
		t.Fatalf("%d offers of a disconnected framework, %d outstanding", st.Offers, len(srv.Offers()))
	}
}

// Item 21: every SUBSCRIBE replaces the suppressed roles with its own;
// SUPPRESS, REVIVE and UPDATE_FRAMEWORK change them in between.
func TestSuppressionResetBySubscribe(t *testing.T) {
	srv := newServer(t)
	c := newClient(t, srv, codecs[1])
	fi := frameworkInfo("suppression")
	fi.FailoverTimeout = proto.Float64(60)
	fi.Capabilities = []*mesosproto.FrameworkInfo_Capability{{Type: mesosproto.FrameworkInfo_Capability_MULTI_ROLE.Enum()}}
	fi.Roles = []string{"a", "b"}
	call := subscribeCall(fi)
	call.Subscribe.SuppressedRoles = []string{"a", "b"}
	s := c.open(call)
	s.fwID = s.next(schedulerpb.Event_SUBSCRIBED).GetSubscribed().GetFrameworkId().GetValue()
	roles := func() string {
		st, _ := srv.Framework(s.fwID)
		return strings.Join(st.SuppressedRoles, ",")
	}
	if got := roles(); got != "a,b" {
		t.Fatalf("suppressed %q after SUBSCRIBE, want a,b", got)
	}
	s.noOffers(100 * time.Millisecond)
	s.mustCall(&schedulerpb.Call{Type: schedulerpb.Call_REVIVE.Enum(), Revive: &schedulerpb.Call_Revive{Roles: []string{"a"}}}, 202)
	if got := roles(); got != "b" {
		t.Fatalf("suppressed %q after REVIVE a, want b", got)
	}
	if o := s.offers()[0]; o.GetAllocationInfo().GetRole() != "a" {
		t.Errorf("offer to role %q", o.GetAllocationInfo().GetRole())
	}
	s.mustCall(&schedulerpb.Call{Type: schedulerpb.Call_UPDATE_FRAMEWORK.Enum(), UpdateFramework: &schedulerpb.Call_UpdateFramework{
		FrameworkInfo: fi2(fi, s.fwID), SuppressedRoles: []string{"a"}}}, 200)
	if got := roles(); got != "a" {
		t.Fatalf("suppressed %q after UPDATE_FRAMEWORK, want a", got)
	}
	// A re-subscription without suppressed roles revives everything.
	s2 := c.subscribe(fi2(fi, s.fwID))
	if got := roles(); got != "" {
		t.Fatalf("suppressed %q after re-SUBSCRIBE, want none", got)
	}
	s2.offers()
}

// Item 22: what a framework sees depends on its capabilities.
func TestCapabilityGating(t *testing.T) {
	srv := newServer(t, WithSimulatedTasks(-1), WithAgent(AgentConfig{Resources: "cpus:4;mem:1024;cpus(web):1"}))
	c := newClient(t, srv, codecs[0])
	caps := func(fi *mesosproto.FrameworkInfo, cs ...mesosproto.FrameworkInfo_Capability_Type) *mesosproto.FrameworkInfo {
		for _, x := range cs {
			fi.Capabilities = append(fi.Capabilities, &mesosproto.FrameworkInfo_Capability{Type: x.Enum()})
		}
		return fi
	}

	// TASK_KILLING only with TASK_KILLING_STATE.
	for _, killing := range []bool{false, true} {
		fi := frameworkInfo("kill-" + strconv.FormatBool(killing))
		if killing {
			caps(fi, mesosproto.FrameworkInfo_Capability_TASK_KILLING_STATE)
		}
		s := c.subscribe(fi)
		taskID := "k-" + strconv.FormatBool(killing)
		launchOn(s, srv.AgentIDs()[0], taskID)
		s.ack(s.update(taskID, mesosproto.TaskState_TASK_STARTING))
		s.ack(s.update(taskID, mesosproto.TaskState_TASK_RUNNING))
		s.mustCall(&schedulerpb.Call{Type: schedulerpb.Call_KILL.Enum(), Kill: &schedulerpb.Call_Kill{TaskId: &mesosproto.TaskID{Value: proto.String(taskID)}}}, 202)
		if killing {
			s.ack(s.update(taskID, mesosproto.TaskState_TASK_KILLING))
		}
		s.ack(s.update(taskID, mesosproto.TaskState_TASK_KILLED))
		s.mustCall(&schedulerpb.Call{Type: schedulerpb.Call_TEARDOWN.Enum()}, 202)
	}

	// Reconciliation of an unknown task: GONE only for PARTITION_AWARE.
	for _, aware := range []bool{false, true} {
		fi := frameworkInfo("aware-" + strconv.FormatBool(aware))
		want := mesosproto.TaskState_TASK_LOST
		if aware {
			partitionAware(fi)
			want = mesosproto.TaskState_TASK_GONE
		}
		s := c.subscribe(fi)
		s.mustCall(explicitReconcile(reconcileTask("ghost", srv.AgentIDs()[0])), 202)
		if st := s.next(schedulerpb.Event_UPDATE).GetUpdate().GetStatus(); st.GetState() != want {
			t.Errorf("partition aware %v: %v, want %v", aware, st.GetState(), want)
		}
		s.mustCall(explicitReconcile(reconcileTask("ghost", "")), 202)
		want = mesosproto.TaskState_TASK_LOST
		if aware {
			want = mesosproto.TaskState_TASK_UNKNOWN
		}
		if st := s.next(schedulerpb.Event_UPDATE).GetUpdate().GetStatus(); st.GetState() != want {
			t.Errorf("partition aware %v, no agent: %v, want %v", aware, st.GetState(), want)
		}
		s.mustCall(&schedulerpb.Call{Type: schedulerpb.Call_TEARDOWN.Enum()}, 202)
	}

	// Resource format and allocation_info. A dynamic reservation first.
	setup := c.subscribe(func() *mesosproto.FrameworkInfo {
		fi := frameworkInfo("reserver")
		fi.Role = proto.String("web")
		return fi
	}())
	o := offerWith(setup, func(r *mesosproto.Resource) bool { return r.GetName() == "mem" })
	setup.mustCall(acceptOps(o, reserveOp("", reserved(scalar("mem", 128), "web", "p"))), 202)
	offerWith(setup, func(r *mesosproto.Resource) bool { return r.GetName() == "mem" && r.GetRole() == "web" })
	setup.mustCall(&schedulerpb.Call{Type: schedulerpb.Call_TEARDOWN.Enum()}, 202)

	for _, tc := range []struct {
		name      string
		multiRole bool
		refined   bool
	}{{"plain", false, false}, {"multi-role", true, false}, {"refinement", true, true}} {
		fi := frameworkInfo(tc.name)
		if tc.multiRole {
			caps(fi, mesosproto.FrameworkInfo_Capability_MULTI_ROLE)
			fi.Roles = []string{"web"}
		} else {
			fi.Role = proto.String("web")
		}
		if tc.refined {
			caps(fi, mesosproto.FrameworkInfo_Capability_RESERVATION_REFINEMENT)
		}
		s := c.subscribe(fi)
		o := offerWith(s, func(r *mesosproto.Resource) bool { return r.GetName() == "mem" })
		if got := o.AllocationInfo != nil; got != tc.multiRole {
			t.Errorf("%s: offer allocation_info %v", tc.name, o.GetAllocationInfo())
		}
		kinds := map[string]bool{}
		for _, r := range o.GetResources() {
			if got := r.AllocationInfo != nil; got != tc.multiRole || (tc.multiRole && r.GetAllocationInfo().GetRole() != "web") {
				t.Errorf("%s: resource allocation_info %v", tc.name, r)
			}
			rs := r.GetReservations()
			switch {
			case tc.refined && r.Role == nil && r.Reservation == nil && len(rs) == 0:
				kinds["unreserved"] = true
			case tc.refined && r.Role == nil && len(rs) == 1 && rs[0].GetType() == mesosproto.Resource_ReservationInfo_STATIC && rs[0].GetRole() == "web":
				kinds["static"] = true
			case tc.refined && r.Role == nil && len(rs) == 1 && rs[0].GetType() == mesosproto.Resource_ReservationInfo_DYNAMIC &&
				rs[0].GetRole() == "web" && rs[0].GetPrincipal() == "p":
				kinds["dynamic"] = true
			case !tc.refined && r.Role != nil && r.GetRole() == "*" && r.Reservation == nil && len(rs) == 0:
				kinds["unreserved"] = true
			case !tc.refined && r.GetRole() == "web" && r.Reservation == nil && len(rs) == 0:
				kinds["static"] = true
			case !tc.refined && r.GetRole() == "web" && r.GetReservation().GetPrincipal() == "p" && len(rs) == 0:
				kinds["dynamic"] = true
			default:
				t.Errorf("%s: resource in the wrong format: %v", tc.name, r)
			}
		}
		if len(kinds) != 3 {
			t.Errorf("%s: resource kinds %v, want unreserved, static and dynamic", tc.name, kinds)
		}
		s.mustCall(&schedulerpb.Call{Type: schedulerpb.Call_TEARDOWN.Enum()}, 202)
	}
}

// Item 24: the answers to one RECONCILE arrive in the order asked, after
// what the master produced before.
func TestEventOrder(t *testing.T) {
	srv := newServer(t, WithAgents(0, ""))
	s := newClient(t, srv, codecs[1]).subscribe(partitionAware(frameworkInfo("order")))
	var tasks []*schedulerpb.Call_Reconcile_Task
	for i := range 50 {
		tasks = append(tasks, reconcileTask("t"+strconv.Itoa(i), ""))
	}
	s.mustCall(explicitReconcile(tasks...), 202)
	s.mustCall(explicitReconcile(reconcileTask("last", "")), 202)
	for i := range 50 {
		st := s.next(schedulerpb.Event_UPDATE).GetUpdate().GetStatus()
		if st.GetTaskId().GetValue() != "t"+strconv.Itoa(i) || st.GetState() != mesosproto.TaskState_TASK_UNKNOWN {
			t.Fatalf("answer %d: %v", i, st)
		}
	}
	if st := s.next(schedulerpb.Event_UPDATE).GetUpdate().GetStatus(); st.GetTaskId().GetValue() != "last" {
		t.Fatalf("last answer %v", st)
	}
}
