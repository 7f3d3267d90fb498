// SPDX-License-Identifier: Apache-2.0

//go:build unix

package executor_test

import (
	"context"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/schedulerpb"
	"github.com/mesoskit/mesoskit/mesostest"
)

// These tests run the executor package for real: the mesostest agent starts
// this test binary as a custom executor process (see TestMain and
// testexecutor_test.go), with the MESOS_* environment, a sandbox and a
// bearer token, and a scheduler.Client drives it through the master.

// cluster is a mesostest server, a scheduler subscribed to it (a small raw
// client: these tests exercise the executor, not package scheduler), and
// what the scheduler saw.
type cluster struct {
	t    *testing.T
	srv  *mesostest.Server
	c    *rawScheduler
	fwID string

	mu       sync.Mutex
	pending  [][]*mesosproto.Offer_Operation // launched on the next offers, in order
	messages chan string
	failures chan *schedulerpb.Event_Failure
}

func newCluster(t *testing.T, checkpoint bool, opts ...mesostest.Option) *cluster {
	t.Helper()
	base := []mesostest.Option{
		mesostest.WithAgents(1, "cpus:8;mem:8192;disk:1000;ports:[31000-32000]"),
		mesostest.WithAllocationInterval(20 * time.Millisecond),
		mesostest.WithUpdateRetryInterval(200 * time.Millisecond),
		mesostest.WithExecutorAuthentication(),
		mesostest.WithExecutorShutdownGracePeriod(3 * time.Second),
		mesostest.WithExecutorReregistrationTimeout(500 * time.Millisecond),
	}
	srv, err := mesostest.NewServer(append(base, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	fw := &mesosproto.FrameworkInfo{
		User: proto.String("test"), Name: proto.String("executor-e2e"), Checkpoint: proto.Bool(checkpoint),
		FailoverTimeout: proto.Float64(3600),
		Capabilities: []*mesosproto.FrameworkInfo_Capability{
			{Type: mesosproto.FrameworkInfo_Capability_TASK_KILLING_STATE.Enum()},
		},
	}
	cl := &cluster{t: t, srv: srv, messages: make(chan string, 16), failures: make(chan *schedulerpb.Event_Failure, 16)}
	cl.c = startRawScheduler(t, srv.URL(), fw, cl.handle)
	if cl.fwID, err = srv.WaitSubscribed(testContext(t)); err != nil {
		t.Fatal(err)
	}
	return cl
}

// handle is the scheduler's event handler (on the stream's goroutine).
func (cl *cluster) handle(rs *rawScheduler, ev *schedulerpb.Event) {
	switch ev.GetType() {
	case schedulerpb.Event_OFFERS:
		cl.offers(rs, ev.GetOffers().GetOffers())
	case schedulerpb.Event_UPDATE:
		st := ev.GetUpdate().GetStatus()
		if len(st.GetUuid()) > 0 {
			_ = rs.call(&schedulerpb.Call{Type: schedulerpb.Call_ACKNOWLEDGE.Enum(), Acknowledge: &schedulerpb.Call_Acknowledge{
				AgentId: st.GetAgentId(), TaskId: st.GetTaskId(), Uuid: st.GetUuid()}})
		}
	case schedulerpb.Event_MESSAGE:
		cl.messages <- string(ev.GetMessage().GetData())
	case schedulerpb.Event_FAILURE:
		cl.failures <- ev.GetFailure()
	}
}

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// offers launches the next pending operations on the first offer and
// declines the rest.
func (cl *cluster) offers(rs *rawScheduler, offers []*mesosproto.Offer) {
	var ids []*mesosproto.OfferID
	for _, o := range offers {
		ids = append(ids, o.GetId())
	}
	cl.mu.Lock()
	if len(cl.pending) == 0 {
		cl.mu.Unlock()
		_ = rs.call(&schedulerpb.Call{Type: schedulerpb.Call_DECLINE.Enum(), Decline: &schedulerpb.Call_Decline{
			OfferIds: ids, Filters: &mesosproto.Filters{RefuseSeconds: proto.Float64(0)}}})
		return
	}
	ops := cl.pending[0]
	cl.pending = cl.pending[1:]
	cl.mu.Unlock()
	o := offers[0]
	for _, op := range ops {
		tasks := op.GetLaunch().GetTaskInfos()
		if op.GetLaunchGroup() != nil {
			tasks = op.GetLaunchGroup().GetTaskGroup().GetTasks()
		}
		for _, ti := range tasks {
			ti.AgentId = o.GetAgentId()
		}
	}
	if err := rs.call(&schedulerpb.Call{Type: schedulerpb.Call_ACCEPT.Enum(), Accept: &schedulerpb.Call_Accept{
		OfferIds: ids, Operations: ops, Filters: &mesosproto.Filters{RefuseSeconds: proto.Float64(0)}}}); err != nil {
		cl.t.Errorf("ACCEPT: %v", err)
	}
}

// launch queues operations for the next offer.
func (cl *cluster) launch(ops ...*mesosproto.Offer_Operation) {
	cl.mu.Lock()
	cl.pending = append(cl.pending, ops)
	cl.mu.Unlock()
}

// executorInfo makes this test binary the executor, in the given mode.
func executorInfo(t *testing.T, id, mode string) *mesosproto.ExecutorInfo {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return &mesosproto.ExecutorInfo{
		ExecutorId: &mesosproto.ExecutorID{Value: proto.String(id)},
		Type:       mesosproto.ExecutorInfo_CUSTOM.Enum(),
		Command: &mesosproto.CommandInfo{
			Shell: proto.Bool(false), Value: proto.String(exe), Arguments: []string{exe, "-test.run=^$"},
			Environment: &mesosproto.Environment{Variables: []*mesosproto.Environment_Variable{
				{Name: proto.String("MESOSKIT_TEST_EXECUTOR"), Value: proto.String(mode)},
			}},
		},
	}
}

func taskOn(ei *mesosproto.ExecutorInfo, id, data string) *mesosproto.TaskInfo {
	return &mesosproto.TaskInfo{
		Name:     proto.String(id),
		TaskId:   &mesosproto.TaskID{Value: proto.String(id)},
		Executor: ei,
		Data:     []byte(data),
		Resources: []*mesosproto.Resource{
			{Name: proto.String("cpus"), Type: mesosproto.Value_SCALAR.Enum(), Scalar: &mesosproto.Value_Scalar{Value: proto.Float64(0.1)}},
		},
	}
}

func launchOp(tasks ...*mesosproto.TaskInfo) *mesosproto.Offer_Operation {
	return &mesosproto.Offer_Operation{Type: mesosproto.Offer_Operation_LAUNCH.Enum(),
		Launch: &mesosproto.Offer_Operation_Launch{TaskInfos: tasks}}
}

// wait waits for a task state and returns that status.
func (cl *cluster) wait(id string, state mesosproto.TaskState) *mesosproto.TaskStatus {
	cl.t.Helper()
	st, err := cl.srv.WaitTask(testContext(cl.t), id, state)
	if err != nil {
		cl.t.Fatalf("%v; updates so far: %v", err, cl.srv.TaskUpdates(id))
	}
	return st
}

// states lists the states a task went through.
func states(sts []*mesosproto.TaskStatus) []string {
	var out []string
	for _, st := range sts {
		out = append(out, st.GetState().String())
	}
	return out
}

// expectStates checks the whole sequence of a task's states.
func (cl *cluster) expectStates(id string, want ...mesosproto.TaskState) {
	cl.t.Helper()
	var w []string
	for _, s := range want {
		w = append(w, s.String())
	}
	if got := states(cl.srv.TaskUpdates(id)); strings.Join(got, ",") != strings.Join(w, ",") {
		cl.t.Errorf("task %s went through %v, want %v", id, got, w)
	}
}

// exited waits for the executor process to end and returns how.
func (cl *cluster) exited(id string) mesostest.ExecutorStatus {
	cl.t.Helper()
	st, err := cl.srv.WaitExecutor(testContext(cl.t), cl.fwID, id, func(s mesostest.ExecutorStatus) bool { return s.State == "TERMINATED" })
	if err != nil {
		cl.t.Fatal(err)
	}
	return st
}

func TestE2ETaskFuncEventsAndShutdown(t *testing.T) {
	cl := newCluster(t, false)
	ei := executorInfo(t, "ex-func", "func")
	cl.launch(launchOp(taskOn(ei, "finish", "finish"), taskOn(ei, "fail", "fail:it broke"), taskOn(ei, "wait", "wait")))

	cl.wait("finish", mesosproto.TaskState_TASK_FINISHED)
	cl.expectStates("finish", mesosproto.TaskState_TASK_STARTING, mesosproto.TaskState_TASK_RUNNING, mesosproto.TaskState_TASK_FINISHED)
	if st := cl.wait("fail", mesosproto.TaskState_TASK_FAILED); st.GetMessage() != "it broke" || st.GetSource() != mesosproto.TaskStatus_SOURCE_EXECUTOR {
		t.Errorf("TASK_FAILED: %q from %v", st.GetMessage(), st.GetSource())
	}
	fin := cl.wait("finish", mesosproto.TaskState_TASK_FINISHED)
	if fin.GetExecutorId().GetValue() != "ex-func" || len(fin.GetUuid()) != 16 || fin.GetAgentId().GetValue() == "" {
		t.Errorf("update not filled in: %v", fin)
	}

	// MESSAGE both ways.
	cl.wait("wait", mesosproto.TaskState_TASK_RUNNING)
	agent := fin.GetAgentId()
	if err := cl.c.call(&schedulerpb.Call{Type: schedulerpb.Call_MESSAGE.Enum(), Message: &schedulerpb.Call_Message{
		AgentId: agent, ExecutorId: &mesosproto.ExecutorID{Value: proto.String("ex-func")}, Data: []byte("ping")}}); err != nil {
		t.Fatal(err)
	}
	select {
	case m := <-cl.messages:
		if m != "echo:ping" {
			t.Errorf("message %q", m)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("no MESSAGE from the executor")
	}

	// KILL with a policy: TASK_KILLING (the framework has the capability), then TASK_KILLED.
	policy := &mesosproto.KillPolicy{GracePeriod: &mesosproto.DurationInfo{Nanoseconds: proto.Int64(int64(time.Second))}}
	if err := cl.c.call(&schedulerpb.Call{Type: schedulerpb.Call_KILL.Enum(), Kill: &schedulerpb.Call_Kill{
		TaskId: &mesosproto.TaskID{Value: proto.String("wait")}, AgentId: agent, KillPolicy: policy}}); err != nil {
		t.Fatal(err)
	}
	cl.wait("wait", mesosproto.TaskState_TASK_KILLED)
	cl.expectStates("wait", mesosproto.TaskState_TASK_STARTING, mesosproto.TaskState_TASK_RUNNING,
		mesosproto.TaskState_TASK_KILLING, mesosproto.TaskState_TASK_KILLED)

	// SHUTDOWN: the executor stops cleanly and the master reports its end.
	if err := cl.c.call(&schedulerpb.Call{Type: schedulerpb.Call_SHUTDOWN.Enum(), Shutdown: &schedulerpb.Call_Shutdown{
		ExecutorId: &mesosproto.ExecutorID{Value: proto.String("ex-func")}, AgentId: agent}}); err != nil {
		t.Fatal(err)
	}
	if st := cl.exited("ex-func"); st.ExitStatus != "exited with status 0" || st.Subscriptions != 1 {
		t.Errorf("executor ended %q after %d subscriptions", st.ExitStatus, st.Subscriptions)
	}
	select {
	case f := <-cl.failures:
		if f.GetExecutorId().GetValue() != "ex-func" || f.GetStatus() != 0 {
			t.Errorf("FAILURE %v", f)
		}
	case <-time.After(20 * time.Second):
		t.Error("no FAILURE event for the executor's end")
	}
}

func TestE2ELaunchGroupWithCommand(t *testing.T) {
	cl := newCluster(t, false)
	ei := executorInfo(t, "ex-cmd", "command")
	shell := func(id, cmd string) *mesosproto.TaskInfo {
		ti := taskOn(nil, id, "")
		ti.Executor = nil
		ti.Command = &mesosproto.CommandInfo{Value: proto.String(cmd)}
		return ti
	}
	cl.launch(&mesosproto.Offer_Operation{Type: mesosproto.Offer_Operation_LAUNCH_GROUP.Enum(),
		LaunchGroup: &mesosproto.Offer_Operation_LaunchGroup{Executor: ei, TaskGroup: &mesosproto.TaskGroupInfo{
			Tasks: []*mesosproto.TaskInfo{shell("g-ok", "exit 0"), shell("g-bad", "exit 3")}}}})
	cl.wait("g-ok", mesosproto.TaskState_TASK_FINISHED)
	if st := cl.wait("g-bad", mesosproto.TaskState_TASK_FAILED); st.GetMessage() != "Command exited with status 3" {
		t.Errorf("message %q", st.GetMessage())
	}
	cl.expectStates("g-ok", mesosproto.TaskState_TASK_STARTING, mesosproto.TaskState_TASK_RUNNING, mesosproto.TaskState_TASK_FINISHED)
}

// A user's group executor (Command with KillGroupOnFailure) under
// mesostest: the failing task of a LAUNCH_GROUP takes down the rest of its
// group, as Mesos's default executor does (default_executor.cpp waited()).
func TestE2EGroupExecutorKillsGroup(t *testing.T) {
	cl := newCluster(t, false)
	ei := executorInfo(t, "ex-group", "group")
	shell := func(id, cmd string) *mesosproto.TaskInfo {
		ti := taskOn(nil, id, "")
		ti.Executor = nil
		ti.Command = &mesosproto.CommandInfo{Value: proto.String(cmd)}
		return ti
	}
	cl.launch(&mesosproto.Offer_Operation{Type: mesosproto.Offer_Operation_LAUNCH_GROUP.Enum(),
		LaunchGroup: &mesosproto.Offer_Operation_LaunchGroup{Executor: ei, TaskGroup: &mesosproto.TaskGroupInfo{
			Tasks: []*mesosproto.TaskInfo{shell("k-bad", "sleep 0.2; exit 3"), shell("k-long", "sleep 30")}}}})
	cl.wait("k-bad", mesosproto.TaskState_TASK_FAILED)
	st := cl.wait("k-long", mesosproto.TaskState_TASK_KILLED)
	if st.GetMessage() != "Command terminated with signal Terminated" || st.GetExecutorId().GetValue() != "ex-group" {
		t.Errorf("k-long: %v", st)
	}
}

// An update made while the agent is away is journalled, resent in the
// SUBSCRIBE after the agent comes back, and reaches the scheduler once.
func TestE2EUnacknowledgedResentAfterAgentRestart(t *testing.T) {
	cl := newCluster(t, true)
	ei := executorInfo(t, "ex-ckpt", "func")
	cl.launch(launchOp(taskOn(ei, "slow", "sleep:1secs"), taskOn(ei, "stay", "wait")))
	cl.wait("slow", mesosproto.TaskState_TASK_RUNNING)
	cl.wait("stay", mesosproto.TaskState_TASK_RUNNING)
	agentID := cl.srv.AgentIDs()[0]
	if err := cl.srv.RestartAgent(agentID, 3*time.Second); err != nil {
		t.Fatal(err)
	}
	cl.wait("slow", mesosproto.TaskState_TASK_FINISHED)
	cl.expectStates("slow", mesosproto.TaskState_TASK_STARTING, mesosproto.TaskState_TASK_RUNNING, mesosproto.TaskState_TASK_FINISHED)
	st, err := cl.srv.WaitExecutor(testContext(t), cl.fwID, "ex-ckpt", func(s mesostest.ExecutorStatus) bool {
		return s.Subscriptions == 2 && s.Subscribed
	})
	if err != nil {
		t.Fatal(err)
	}
	if st.State != "RUNNING" {
		t.Errorf("executor %s after the restart", st.State)
	}
	// The task that stayed is still served: it can be killed.
	if err := cl.c.call(&schedulerpb.Call{Type: schedulerpb.Call_KILL.Enum(), Kill: &schedulerpb.Call_Kill{
		TaskId: &mesosproto.TaskID{Value: proto.String("stay")}}}); err != nil {
		t.Fatal(err)
	}
	cl.wait("stay", mesosproto.TaskState_TASK_KILLED)
}

// Without checkpointing, losing the agent shuts the executor down: Run
// returns ErrDisconnected and the process exits.
func TestE2ENotCheckpointingExitsOnDisconnection(t *testing.T) {
	cl := newCluster(t, false)
	ei := executorInfo(t, "ex-nockpt", "func")
	cl.launch(launchOp(taskOn(ei, "t", "wait")))
	cl.wait("t", mesosproto.TaskState_TASK_RUNNING)
	if err := cl.srv.RestartAgent(cl.srv.AgentIDs()[0], 2*time.Second); err != nil {
		t.Fatal(err)
	}
	if st := cl.exited("ex-nockpt"); st.ExitStatus != "exited with status 3" {
		t.Errorf("executor ended %q, want exit status 3 (ErrDisconnected)", st.ExitStatus)
	}
	if st := cl.wait("t", mesosproto.TaskState_TASK_LOST); st.GetReason() != mesosproto.TaskStatus_REASON_RECONCILIATION {
		t.Errorf("TASK_LOST reason %v", st.GetReason())
	}
}

// A checkpointing executor gives up after MESOS_RECOVERY_TIMEOUT.
func TestE2ERecoveryTimeout(t *testing.T) {
	cl := newCluster(t, true, mesostest.WithExecutorRecoveryTimeout(500*time.Millisecond))
	ei := executorInfo(t, "ex-rt", "func")
	cl.launch(launchOp(taskOn(ei, "t", "wait")))
	cl.wait("t", mesosproto.TaskState_TASK_RUNNING)
	if err := cl.srv.RestartAgent(cl.srv.AgentIDs()[0], 10*time.Second); err != nil {
		t.Fatal(err)
	}
	if st := cl.exited("ex-rt"); st.ExitStatus != "exited with status 4" {
		t.Errorf("executor ended %q, want exit status 4 (ErrRecoveryTimeout)", st.ExitStatus)
	}
	if st := cl.wait("t", mesosproto.TaskState_TASK_FAILED); st.GetReason() != mesosproto.TaskStatus_REASON_EXECUTOR_TERMINATED {
		t.Errorf("TASK_FAILED reason %v", st.GetReason())
	}
}
