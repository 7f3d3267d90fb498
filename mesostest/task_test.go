// SPDX-License-Identifier: Apache-2.0

//lint:file-ignore SA1019 tests check the deprecated role fields Mesos still sends and reads

package mesostest

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/schedulerpb"
)

// checkReliable checks the fields of an executor-generated update.
func checkReliable(t *testing.T, st *mesosproto.TaskStatus, agentID string) {
	t.Helper()
	u := st.GetUuid()
	if len(u) != 16 || u[6]>>4 != 4 || u[8]&0xc0 != 0x80 {
		t.Errorf("uuid %x is not 16 bytes of an RFC 4122 v4 UUID", u)
	}
	if st.GetSource() != mesosproto.TaskStatus_SOURCE_EXECUTOR || st.GetAgentId().GetValue() != agentID ||
		st.GetExecutorId().GetValue() != st.GetTaskId().GetValue() || st.GetTimestamp() < float64(time.Now().Add(-time.Minute).Unix()) {
		t.Errorf("update fields: %v", st)
	}
}

// The whole flow in both encodings: offers, a real `echo` task, updates
// released one at a time after each acknowledgement, task removal.
func TestLaunchEchoTask(t *testing.T) {
	srv := newServer(t, WithAgents(1, "cpus:2;mem:1024;disk:100;ports:[31000-31009]"))
	for _, codec := range codecs {
		t.Run(codecName(codec), func(t *testing.T) {
			c := newClient(t, srv, codec)
			s := c.subscribe(frameworkInfo("echo"))
			offers := s.offers()
			if len(offers) != 1 {
				t.Fatalf("%d offers", len(offers))
			}
			o := offers[0]
			agentID := srv.AgentIDs()[0]
			if o.GetAgentId().GetValue() != agentID || o.GetHostname() != "127.0.0.1" || o.GetFrameworkId().GetValue() != s.fwID ||
				!strings.HasPrefix(o.GetId().GetValue(), srv.MasterInfo().GetId()+"-O") || o.GetAllocationInfo() != nil ||
				o.GetUrl().GetPath() != "/slave(1)" || o.GetUrl().GetScheme() != "http" {
				t.Errorf("offer %v", o)
			}
			for _, r := range o.GetResources() {
				if r.GetRole() != "*" || r.AllocationInfo != nil {
					t.Errorf("resource %v", r)
				}
			}
			taskID := "echo-" + codecName(codec)
			s.mustCall(launchCall(o, nil, shellTask(taskID, o, "echo hello from $MESOS_EXECUTOR_ID")), http.StatusAccepted)

			starting := s.update(taskID, mesosproto.TaskState_TASK_STARTING)
			checkReliable(t, starting, agentID)
			// The process finishes at once, but only the head of the stream is sent.
			if _, err := srv.WaitTask(testCtx(t), taskID, mesosproto.TaskState_TASK_FINISHED); err != nil {
				t.Fatal(err)
			}
			s.quiet(100 * time.Millisecond)
			s.ack(starting)
			running := s.update(taskID, mesosproto.TaskState_TASK_RUNNING)
			checkReliable(t, running, agentID)
			s.quiet(50 * time.Millisecond)
			s.ack(running)
			finished := s.update(taskID, mesosproto.TaskState_TASK_FINISHED)
			checkReliable(t, finished, agentID)
			if finished.GetMessage() != "Command exited with status 0" {
				t.Errorf("message %q", finished.GetMessage())
			}
			s.ack(finished)
			// A duplicate acknowledgement is accepted (202) and ignored.
			s.ack(finished)

			if err := srv.waitFor(testCtx(t), func() bool { return srv.tasks[taskKey{s.fwID, taskID}] == nil }); err != nil {
				t.Fatal("task not removed after the terminal acknowledgement")
			}
			st, _ := srv.Framework(s.fwID)
			if st.Acknowledged[taskID] != 3 || st.DuplicateAcks[taskID] != 1 {
				t.Errorf("acks %v, duplicates %v", st.Acknowledged, st.DuplicateAcks)
			}
			ups := srv.TaskUpdates(taskID)
			if len(ups) != 3 {
				t.Errorf("task went through %d states", len(ups))
			}
			// The sandbox holds the output.
			matches, _ := filepath.Glob(filepath.Join(srv.SandboxDir(), "slaves", agentID, "frameworks", s.fwID, "executors", taskID, "runs", "*", "stdout"))
			if len(matches) != 1 {
				t.Fatalf("stdout files: %v", matches)
			}
			if b, _ := os.ReadFile(matches[0]); string(b) != "hello from "+taskID+"\n" {
				t.Errorf("stdout %q", b)
			}
			s.mustCall(&schedulerpb.Call{Type: schedulerpb.Call_TEARDOWN.Enum()}, 202)
		})
	}
}

func TestUpdateRetransmission(t *testing.T) {
	srv := newServer(t, WithUpdateRetryInterval(30*time.Millisecond), WithUpdateRetryMax(240*time.Millisecond))
	c := newClient(t, srv, codecs[0])
	s := c.subscribe(frameworkInfo("retry"))
	o := s.offers()[0]
	s.mustCall(launchCall(o, nil, shellTask("r1", o, "true")), 202)
	first := s.update("r1", mesosproto.TaskState_TASK_STARTING)
	start := time.Now()
	// Doubling sends the retries 30, 90 and 210 ms after the first; a fixed
	// interval would send the third by 90 ms. start may trail the first's
	// arrival by the time this goroutine took to read it (up to ~60 ms on a
	// loaded machine), hence the 150 ms bound.
	for i := range 3 {
		again := s.update("r1", mesosproto.TaskState_TASK_STARTING)
		if string(again.GetUuid()) != string(first.GetUuid()) {
			t.Fatalf("retransmission %d carries another uuid", i+1)
		}
	}
	if el := time.Since(start); el < 150*time.Millisecond {
		t.Errorf("three retries after %v; the interval should double (30, 60, 120 ms)", el)
	}
	s.ack(first)
	s.ack(s.update("r1", mesosproto.TaskState_TASK_RUNNING))
	s.ack(s.update("r1", mesosproto.TaskState_TASK_FINISHED))
	st, _ := srv.Framework(s.fwID)
	if st.Acknowledged["r1"] != 3 || len(st.DuplicateAcks) != 0 {
		t.Errorf("acks %v %v", st.Acknowledged, st.DuplicateAcks)
	}
}

func TestFailedAndKilledTasks(t *testing.T) {
	srv := newServer(t)
	c := newClient(t, srv, codecs[1])
	fi := frameworkInfo("kill")
	fi.Capabilities = []*mesosproto.FrameworkInfo_Capability{{Type: mesosproto.FrameworkInfo_Capability_TASK_KILLING_STATE.Enum()}}
	s := c.subscribe(fi)
	o := s.offers()[0]
	nonShell := shellTask("argv", o, "/bin/sh")
	nonShell.Command.Shell = proto.Bool(false)
	nonShell.Command.Arguments = []string{"sh", "-c", "exit 0"}
	s.mustCall(launchCall(o, nil, shellTask("fail", o, "exit 3"), shellTask("sleep", o, "sleep 30"), nonShell), 202)

	fail, err := srv.WaitTask(testCtx(t), "fail", mesosproto.TaskState_TASK_FAILED)
	if err != nil {
		t.Fatal(err)
	}
	if fail.GetMessage() != "Command exited with status 3" {
		t.Errorf("message %q", fail.GetMessage())
	}
	if _, err := srv.WaitTask(testCtx(t), "argv", mesosproto.TaskState_TASK_FINISHED); err != nil {
		t.Fatal(err)
	}
	running, err := srv.WaitTask(testCtx(t), "sleep", mesosproto.TaskState_TASK_RUNNING)
	if err != nil {
		t.Fatal(err)
	}
	pid := int(running.GetContainerStatus().GetExecutorPid())
	s.mustCall(&schedulerpb.Call{Type: schedulerpb.Call_KILL.Enum(), Kill: &schedulerpb.Call_Kill{TaskId: running.GetTaskId()}}, 202)
	killed, err := srv.WaitTask(testCtx(t), "sleep", mesosproto.TaskState_TASK_KILLED)
	if err != nil {
		t.Fatal(err)
	}
	if killed.GetMessage() != "Command terminated with signal Terminated" {
		t.Errorf("message %q", killed.GetMessage())
	}
	if err := syscall.Kill(pid, 0); err == nil {
		t.Errorf("process %d still alive", pid)
	}
	var states []mesosproto.TaskState
	for _, st := range srv.TaskUpdates("sleep") {
		states = append(states, st.GetState())
	}
	want := []mesosproto.TaskState{mesosproto.TaskState_TASK_STARTING, mesosproto.TaskState_TASK_RUNNING, mesosproto.TaskState_TASK_KILLING, mesosproto.TaskState_TASK_KILLED}
	if !equalStates(states, want) {
		t.Errorf("states %v, want %v", states, want)
	}

	// Acknowledge everything, in whatever order the streams interleave.
	pending := map[string]int{"fail": 3, "argv": 3, "sleep": 4}
	for n := 10; n > 0; n-- {
		st := s.next(schedulerpb.Event_UPDATE).GetUpdate().GetStatus()
		s.ack(st)
		pending[st.GetTaskId().GetValue()]--
	}
	for id, n := range pending {
		if n != 0 {
			t.Errorf("task %s: %d updates not delivered", id, n)
		}
	}
}

func equalStates(a, b []mesosproto.TaskState) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// A task that ignores SIGTERM is SIGKILLed after the kill policy's grace.
func TestKillEscalates(t *testing.T) {
	srv := newServer(t)
	c := newClient(t, srv, codecs[0])
	s := c.subscribe(frameworkInfo("esc"))
	o := s.offers()[0]
	ti := shellTask("stubborn", o, "trap '' TERM; echo ready; while :; do sleep 0.05; done")
	s.mustCall(launchCall(o, nil, ti), 202)
	if _, err := srv.WaitTask(testCtx(t), "stubborn", mesosproto.TaskState_TASK_RUNNING); err != nil {
		t.Fatal(err)
	}
	// Let the shell install its trap.
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		m, _ := filepath.Glob(filepath.Join(srv.SandboxDir(), "slaves", "*", "frameworks", "*", "executors", "stubborn", "runs", "*", "stdout"))
		if len(m) > 0 {
			if b, _ := os.ReadFile(m[0]); len(b) > 0 {
				break
			}
		}
	}
	start := time.Now()
	s.mustCall(&schedulerpb.Call{Type: schedulerpb.Call_KILL.Enum(), Kill: &schedulerpb.Call_Kill{TaskId: ti.TaskId,
		KillPolicy: &mesosproto.KillPolicy{GracePeriod: &mesosproto.DurationInfo{Nanoseconds: proto.Int64(int64(200 * time.Millisecond))}}}}, 202)
	st, err := srv.WaitTask(testCtx(t), "stubborn", mesosproto.TaskState_TASK_KILLED)
	if err != nil {
		t.Fatal(err)
	}
	if el := time.Since(start); el < 200*time.Millisecond {
		t.Errorf("killed after %v, before the grace period", el)
	}
	if st.GetMessage() != "Command terminated with signal Killed" {
		t.Errorf("message %q", st.GetMessage())
	}
}

func TestSimulatedTasks(t *testing.T) {
	srv := newServer(t, WithSimulatedTasks(-1), WithAgents(2, "cpus:100;mem:100000"))
	c := newClient(t, srv, codecs[1])
	s := c.subscribe(frameworkInfo("sim"))
	offers := s.offers()
	for len(offers) < 2 {
		offers = append(offers, s.offers()...)
	}
	var tasks []*mesosproto.TaskInfo
	for i := 0; i < 50; i++ {
		tasks = append(tasks, shellTask("sim-"+string(rune('a'+i%26))+string(rune('a'+i/26)), offers[0], "ignored"))
	}
	s.mustCall(launchCall(offers[0], nil, tasks...), 202)
	for _, ti := range tasks {
		if _, err := srv.WaitTask(testCtx(t), ti.GetTaskId().GetValue(), mesosproto.TaskState_TASK_RUNNING); err != nil {
			t.Fatal(err)
		}
	}
	if err := srv.CompleteTask("sim-aa", mesosproto.TaskState_TASK_FAILED, "boom"); err != nil {
		t.Fatal(err)
	}
	if st, err := srv.WaitTask(testCtx(t), "sim-aa", mesosproto.TaskState_TASK_FAILED); err != nil || st.GetMessage() != "boom" {
		t.Fatalf("%v %v", st, err)
	}
	if err := srv.CompleteTask("nope", mesosproto.TaskState_TASK_FAILED, ""); err != ErrUnknownTask {
		t.Errorf("unknown task: %v", err)
	}
	s.mustCall(&schedulerpb.Call{Type: schedulerpb.Call_KILL.Enum(), Kill: &schedulerpb.Call_Kill{TaskId: tasks[1].TaskId}}, 202)
	if _, err := srv.WaitTask(testCtx(t), tasks[1].GetTaskId().GetValue(), mesosproto.TaskState_TASK_KILLED); err != nil {
		t.Fatal(err)
	}
}

// Close kills running task processes.
func TestCloseKillsTasks(t *testing.T) {
	srv, err := NewServer(fastOpts()...)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	c := newClient(t, srv, codecs[0])
	s := c.subscribe(frameworkInfo("close"))
	o := s.offers()[0]
	s.mustCall(launchCall(o, nil, shellTask("long", o, "sleep 60")), 202)
	st, err := srv.WaitTask(testCtx(t), "long", mesosproto.TaskState_TASK_RUNNING)
	if err != nil {
		t.Fatal(err)
	}
	pid := int(st.GetContainerStatus().GetExecutorPid())
	dir := srv.SandboxDir()
	srv.Close()
	if err := syscall.Kill(pid, 0); err == nil {
		t.Errorf("process %d survived Close", pid)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("sandbox directory left behind: %v", err)
	}
	s.waitEnd()
}
