// SPDX-License-Identifier: Apache-2.0

package mesostest

import (
	"fmt"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/mesosproto"
)

// The acknowledgement of a terminal update, which ends the task, allocates
// nothing on its own with the default (no-op) logger: the debug log of the
// task's removal costs nothing unless debug logging is on.
//
// testing.AllocsPerRun counts the allocations of the whole process, so a
// stray allocation of another goroutine (the server's heartbeats, a previous
// test's server shutting down) can land in one measurement: the path is
// measured in up to three rounds and the best round must stay below one.
func TestTerminalAckAllocations(t *testing.T) {
	const (
		n      = 400
		rounds = 3
	)
	srv := newServer(t, WithSimulatedTasks(-1), WithAgents(1, "cpus:100;mem:100000"),
		WithMaxCompletedTasksPerFramework(10*n))
	s := newClient(t, srv, codecs[0]).subscribe(frameworkInfo("ack-allocs"))
	o := ownOffer(t, srv, s)
	var tasks []*mesosproto.TaskInfo
	for i := range rounds * (n + 1) { // AllocsPerRun calls f once more to warm up
		ti := shellTask(fmt.Sprintf("t%d", i), o, "ignored")
		ti.Resources = []*mesosproto.Resource{scalar("cpus", 0.01), scalar("mem", 1)}
		tasks = append(tasks, ti)
	}
	s.mustCall(launchCall(o, &mesosproto.Filters{RefuseSeconds: proto.Float64(0)}, tasks...), 202)
	for _, ti := range tasks {
		if err := srv.CompleteTask(ti.GetTaskId().GetValue(), mesosproto.TaskState_TASK_FINISHED, ""); err != nil {
			t.Fatal(err)
		}
	}

	srv.mu.Lock()
	defer srv.mu.Unlock()
	m := srv.leaderLocked()
	fw := m.st.frameworks[s.fwID]
	if fw == nil {
		t.Fatal("framework unknown to the leader")
	}
	agentID := srv.agents[0].id
	head := func(id string) *task {
		tk := srv.tasks[taskKey{s.fwID, id}]
		if tk == nil || len(tk.updates.pending) == 0 {
			t.Fatalf("task %s has no pending update", id)
		}
		return tk
	}
	// Acknowledge STARTING and RUNNING: the terminal update is at the head.
	for _, ti := range tasks {
		id := ti.GetTaskId().GetValue()
		for range 2 {
			m.acknowledgeLocked(fw, agentID, id, head(id).updates.pending[0].GetUuid())
		}
		if st := head(id).updates.pending[0].GetState(); st != mesosproto.TaskState_TASK_FINISHED || len(head(id).updates.pending) != 1 {
			t.Fatalf("task %s: head %v of %d", id, st, len(head(id).updates.pending))
		}
	}
	uuids := make([][]byte, len(tasks))
	for i, ti := range tasks {
		uuids[i] = head(ti.GetTaskId().GetValue()).updates.pending[0].GetUuid()
	}
	next := 0
	allocs := -1.0
	for range rounds {
		a := testing.AllocsPerRun(n, func() {
			m.acknowledgeLocked(fw, agentID, tasks[next].GetTaskId().GetValue(), uuids[next])
			next++
		})
		if allocs < 0 || a < allocs {
			allocs = a
		}
		if allocs < 1 {
			break
		}
	}
	for _, ti := range tasks[next:] { // rounds not needed: end their tasks too
		id := ti.GetTaskId().GetValue()
		m.acknowledgeLocked(fw, agentID, id, head(id).updates.pending[0].GetUuid())
	}
	for _, ti := range tasks {
		if srv.tasks[taskKey{s.fwID, ti.GetTaskId().GetValue()}] != nil {
			t.Fatalf("task %s still known after its terminal update was acknowledged", ti.GetTaskId().GetValue())
		}
	}
	if allocs >= 1 {
		t.Errorf("acknowledging a terminal update: %v allocations, want less than one on average", allocs)
	}
}
