// SPDX-License-Identifier: Apache-2.0

//lint:file-ignore SA1019 tests check the deprecated role fields Mesos still sends and reads

package mesostest

import (
	"context"
	"net/http"
	"strconv"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/schedulerpb"
)

func TestMasterFailover(t *testing.T) {
	srv := newServer(t)
	for _, codec := range codecs {
		t.Run(codecName(codec), func(t *testing.T) {
			old := newClient(t, srv, codec)
			fi := frameworkInfo("failover")
			fi.FailoverTimeout = proto.Float64(3600)
			s := old.subscribe(fi)
			o := s.offers()[0]
			taskID := "survivor-" + codecName(codec)
			s.mustCall(launchCall(o, nil, shellTask(taskID, o, "sleep 30")), 202)
			starting := s.update(taskID, mesosproto.TaskState_TASK_STARTING)
			if _, err := srv.WaitTask(testCtx(t), taskID, mesosproto.TaskState_TASK_RUNNING); err != nil {
				t.Fatal(err)
			}
			oldInfo := srv.MasterInfo()

			if err := srv.Failover(); err != nil {
				t.Fatal(err)
			}
			// The old leader's stream breaks (no ERROR, no clean end).
			evs, err := s.waitEnd()
			if len(evs) != 0 || err == nil || err.Error() == "EOF" {
				t.Errorf("old stream ended with %v, %v; want a broken connection", evs, err)
			}
			mi := srv.MasterInfo()
			if mi.GetId() == oldInfo.GetId() || mi.GetPort() == oldInfo.GetPort() {
				t.Fatalf("leader did not change: %v", mi)
			}
			// The old master redirects, keeping the path (as /master/...) and query.
			r := old.raw(http.MethodPost, schedulerPath+"?x=1", nil)
			if r.status != http.StatusTemporaryRedirect || r.body != "" {
				t.Fatalf("old master: %d %q", r.status, r.body)
			}
			want := "//127.0.0.1:" + strconv.Itoa(int(mi.GetPort())) + "/master/api/v1/scheduler?x=1"
			if got := r.header.Get("Location"); got != want {
				t.Errorf("Location %q, want %q", got, want)
			}
			if r := old.raw(http.MethodGet, masterSchedulerPath, nil); r.status != 307 {
				t.Errorf("GET on the old master: %d (the leader check comes first)", r.status)
			}

			nc := newClient(t, srv, codec)
			if nc.url == old.url {
				t.Fatal("URL did not move to the new leader")
			}
			// The new leader knows the framework only from its task: 403 until it subscribes.
			expect(t, nc.post(reconcileCall(s.fwID), "Mesos-Stream-Id", s.streamID), 403, "Framework is not subscribed")
			if st, _ := srv.Framework(s.fwID); st.State != FrameworkRecovered {
				t.Errorf("state %v", st.State)
			}
			s2 := nc.subscribe(fi2(fi, s.fwID))
			if s2.fwID != s.fwID {
				t.Fatalf("id %s", s2.fwID)
			}
			// The unacknowledged update is re-sent to the new leader at once.
			again := s2.update(taskID, mesosproto.TaskState_TASK_STARTING)
			if string(again.GetUuid()) != string(starting.GetUuid()) {
				t.Error("re-sent update has another uuid")
			}
			s2.ack(again)
			s2.ack(s2.update(taskID, mesosproto.TaskState_TASK_RUNNING))
			s2.mustCall(&schedulerpb.Call{Type: schedulerpb.Call_KILL.Enum(), Kill: &schedulerpb.Call_Kill{TaskId: again.GetTaskId()}}, 202)
			s2.ack(s2.update(taskID, mesosproto.TaskState_TASK_KILLED))
			// Offers come from the new leader.
			if o := s2.offers()[0]; o.GetId().GetValue()[:36] != mi.GetId() {
				t.Errorf("offer id %s", o.GetId().GetValue())
			}
			s2.mustCall(&schedulerpb.Call{Type: schedulerpb.Call_TEARDOWN.Enum()}, 202)
		})
	}
}

func TestNoLeaderAndRecovery(t *testing.T) {
	srv := newServer(t, WithMasters(2))
	c := newClient(t, srv, codecs[0])
	d := srv.Detector()
	defer d.Close()
	ctx := testCtx(t)
	mi, ch, err := d.Leader(ctx)
	if err != nil || mi.GetPort() != uint32(srv.masters[0].port) {
		t.Fatalf("leader %v %v", mi, err)
	}

	srv.SetNoLeader()
	select {
	case <-ch:
	case <-time.After(5 * time.Second):
		t.Fatal("detector did not signal the change")
	}
	if mi, _, err := d.Leader(ctx); mi != nil || err != nil {
		t.Fatalf("no leader: %v %v", mi, err)
	}
	for _, u := range srv.MasterURLs() {
		c.url = u
		expect(t, c.post(reconcileCall("x")), 503, "No leader elected")
	}
	// The refused calls are recorded with their type, read from the body
	// for the record only.
	calls := srv.Calls()
	for _, rec := range calls[len(calls)-len(srv.MasterURLs()):] {
		if rec.Status != 503 || rec.Type != schedulerpb.Call_RECONCILE || rec.Call == nil {
			t.Errorf("refused call recorded as %d %v (call %v), want 503 RECONCILE", rec.Status, rec.Type, rec.Call)
		}
	}

	if err := srv.Failover(); err != nil {
		t.Fatal(err)
	}
	mi, _, _ = d.Leader(ctx)
	if mi.GetPort() != uint32(srv.masters[1].port) || srv.URL() != srv.masters[1].url() {
		t.Fatalf("leader after election: %v", mi)
	}
	c.url = srv.URL()
	srv.SetRecovering(time.Hour)
	expect(t, c.post(reconcileCall("x")), 503, "Master has not finished recovery")
	srv.SetRecovering(0)
	expect(t, c.post(reconcileCall("x")), 400, "Framework cannot be found")

	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	if _, _, err := d.Leader(ctx); err == nil {
		t.Fatal("Leader after Close")
	}
}

func TestInjectedFaults(t *testing.T) {
	srv := newServer(t)
	c := newClient(t, srv, codecs[1])
	srv.Inject(schedulerpb.Call_SUBSCRIBE, Fault{Status: 503, Body: "busy", Times: 2})
	for i := 0; i < 2; i++ {
		expect(t, c.post(subscribeCall(frameworkInfo("f"))), 503, "busy")
	}
	s := c.subscribe(frameworkInfo("f"))

	srv.Inject(schedulerpb.Call_RECONCILE, Fault{Status: 500, Times: -1})
	for i := 0; i < 3; i++ {
		expect(t, s.call(reconcileCall(s.fwID)), 500, "")
	}
	srv.ClearFaults()
	s.mustCall(reconcileCall(s.fwID), 202)

	// A delay without a status only slows the call down.
	srv.Inject(schedulerpb.Call_RECONCILE, Fault{Delay: 100 * time.Millisecond})
	start := time.Now()
	s.mustCall(reconcileCall(s.fwID), 202)
	if el := time.Since(start); el < 100*time.Millisecond {
		t.Errorf("delayed call took %v", el)
	}
	n := 0
	for _, call := range srv.Calls() {
		if call.Faulted {
			n++
		}
	}
	if n != 5 {
		t.Errorf("%d faulted calls recorded", n)
	}

	// Heartbeats stop and resume.
	srv.StopHeartbeats()
	drain(s)
	s.quiet(3 * srv.cfg.heartbeatInterval)
	srv.ResumeHeartbeats()
	s.next(schedulerpb.Event_HEARTBEAT)

	// CloseStreams breaks the connection; failover_timeout 0 removes the framework.
	srv.CloseStreams()
	if _, err := s.waitEnd(); err == nil || err.Error() == "EOF" {
		t.Errorf("stream ended with %v", err)
	}
	if st, _ := srv.Framework(s.fwID); st.State != FrameworkRemoved {
		t.Errorf("state %v", st.State)
	}
}

// drain discards the events already received.
func drain(s *sub) {
	for {
		select {
		case <-s.events:
		default:
			return
		}
	}
}

func TestReconcile(t *testing.T) {
	srv := newServer(t)
	c := newClient(t, srv, codecs[0])
	s := c.subscribe(frameworkInfo("reconcile"))
	o := s.offers()[0]
	s.mustCall(launchCall(o, nil, shellTask("known", o, "sleep 30")), 202)
	starting := s.update("known", mesosproto.TaskState_TASK_STARTING)

	check := func(st *mesosproto.TaskStatus, state mesosproto.TaskState, msg string) {
		t.Helper()
		if st.GetState() != state || st.GetMessage() != msg || st.GetSource() != mesosproto.TaskStatus_SOURCE_MASTER ||
			st.GetReason() != mesosproto.TaskStatus_REASON_RECONCILIATION || st.Uuid != nil {
			t.Errorf("got %v, want %v %q", st, state, msg)
		}
	}
	// Implicit: the state of the unacknowledged update.
	s.mustCall(reconcileCall(s.fwID), 202)
	check(s.update("known", mesosproto.TaskState_TASK_STARTING), mesosproto.TaskState_TASK_STARTING, "Reconciliation: Latest task state")
	s.ack(starting)
	s.ack(s.update("known", mesosproto.TaskState_TASK_RUNNING))

	explicit := func(taskID, agentID string) *schedulerpb.Call {
		rt := &schedulerpb.Call_Reconcile_Task{TaskId: &mesosproto.TaskID{Value: proto.String(taskID)}}
		if agentID != "" {
			rt.AgentId = &mesosproto.AgentID{Value: proto.String(agentID)}
		}
		return &schedulerpb.Call{Type: schedulerpb.Call_RECONCILE.Enum(), Reconcile: &schedulerpb.Call_Reconcile{Tasks: []*schedulerpb.Call_Reconcile_Task{rt}}}
	}
	s.mustCall(explicit("known", ""), 202)
	check(s.next(schedulerpb.Event_UPDATE).GetUpdate().GetStatus(), mesosproto.TaskState_TASK_RUNNING, "Reconciliation: Latest task state")
	s.mustCall(explicit("ghost", o.GetAgentId().GetValue()), 202)
	check(s.next(schedulerpb.Event_UPDATE).GetUpdate().GetStatus(), mesosproto.TaskState_TASK_LOST, "Reconciliation: Task is unknown to the agent")
	s.mustCall(explicit("ghost", ""), 202)
	check(s.next(schedulerpb.Event_UPDATE).GetUpdate().GetStatus(), mesosproto.TaskState_TASK_LOST, "Reconciliation: Task is unknown")
	// KILL of an unknown task reconciles it.
	s.mustCall(&schedulerpb.Call{Type: schedulerpb.Call_KILL.Enum(), Kill: &schedulerpb.Call_Kill{TaskId: &mesosproto.TaskID{Value: proto.String("ghost")}}}, 202)
	check(s.next(schedulerpb.Event_UPDATE).GetUpdate().GetStatus(), mesosproto.TaskState_TASK_LOST, "Reconciliation: Task is unknown")
	if _, err := srv.WaitTask(context.Background(), "known", mesosproto.TaskState_TASK_RUNNING); err != nil {
		t.Fatal(err)
	}
	if len(srv.TaskUpdates("ghost")) != 0 {
		t.Error("reconciliation answers recorded as task states")
	}
}

func TestUpdateFramework(t *testing.T) {
	srv := newServer(t, WithAgents(0, ""))
	c := newClient(t, srv, codecs[1])
	fi := frameworkInfo("uf")
	s := c.subscribe(fi)
	nfi := fi2(fi, s.fwID)
	nfi.Name = proto.String("renamed")
	uf := func(fi *mesosproto.FrameworkInfo, suppressed ...string) *schedulerpb.Call {
		return &schedulerpb.Call{Type: schedulerpb.Call_UPDATE_FRAMEWORK.Enum(), UpdateFramework: &schedulerpb.Call_UpdateFramework{FrameworkInfo: fi, SuppressedRoles: suppressed}}
	}
	expect(t, s.call(uf(nfi)), 200, "")
	if st, _ := srv.Framework(s.fwID); st.Info.GetName() != "renamed" {
		t.Errorf("name %q", st.Info.GetName())
	}
	bad := proto.Clone(nfi).(*mesosproto.FrameworkInfo)
	bad.User = proto.String("root2")
	expect(t, s.call(uf(bad)), 400, "FrameworkInfo update is not valid: Updating 'FrameworkInfo.user' is unsupported; attempted to update from 'tester' to 'root2'")
	bad = proto.Clone(nfi).(*mesosproto.FrameworkInfo)
	bad.Checkpoint = proto.Bool(true)
	expect(t, s.call(uf(bad)), 400, "FrameworkInfo update is not valid: Updating 'FrameworkInfo.checkpoint' is unsupported; attempted to update from 'false' to 'true'")
	bad = proto.Clone(nfi).(*mesosproto.FrameworkInfo)
	bad.Role = proto.String("a b")
	expect(t, s.call(uf(bad)), 400, "Supplied FrameworkInfo is not valid: 'FrameworkInfo.role' is not a valid role: Role component 'a b' is invalid because it contains backspace or whitespace")
	expect(t, s.call(uf(nfi, "x")), 400, "'UpdateFramework' call is not valid: Suppressed roles { x } are not contained in the set of roles")
	expect(t, s.call(uf(nfi, "*")), 200, "")
}
