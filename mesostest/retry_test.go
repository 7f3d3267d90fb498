// SPDX-License-Identifier: Apache-2.0

package mesostest

import (
	"testing"
	"time"

	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/schedulerpb"
)

// The shared retry queue (retry.go) re-sends each stream's head on its own
// schedule, and an acknowledged head is never re-sent again while the other
// streams keep being retried.
func TestRetryQueueStreams(t *testing.T) {
	srv := newServer(t, WithSimulatedTasks(-1), WithAgents(1, "cpus:10;mem:10000"),
		WithUpdateRetryInterval(20*time.Millisecond), WithUpdateRetryMax(40*time.Millisecond))
	c := newClient(t, srv, codecs[1])
	s := c.subscribe(frameworkInfo("retries"))
	o := s.offers()[0]
	s.mustCall(launchCall(o, nil, shellTask("a", o, "ignored"), shellTask("b", o, "ignored")), 202)

	// Both STARTING updates come, then come again (same uuid), unacknowledged.
	seen := map[string]int{}
	uuids := map[string]string{}
	var startingA *mesosproto.TaskStatus
	for seen["a"] < 3 || seen["b"] < 3 {
		st := s.nextSkip(schedulerpb.Event_UPDATE).GetUpdate().GetStatus()
		id := st.GetTaskId().GetValue()
		if st.GetState() != mesosproto.TaskState_TASK_STARTING {
			t.Fatalf("%s: %v before its STARTING was acknowledged", id, st.GetState())
		}
		if u, ok := uuids[id]; ok && u != string(st.GetUuid()) {
			t.Fatalf("%s: a retransmission carries another uuid", id)
		}
		uuids[id] = string(st.GetUuid())
		seen[id]++
		if id == "a" {
			startingA = st
		}
	}

	// Acknowledge a's head: its RUNNING follows, and after that a's STARTING
	// never comes again, while b's keeps being re-sent.
	s.ack(startingA)
	runningA := false
	bAfter := 0
	for !runningA || bAfter < 3 {
		st := s.nextSkip(schedulerpb.Event_UPDATE).GetUpdate().GetStatus()
		switch id, state := st.GetTaskId().GetValue(), st.GetState(); {
		case id == "a" && state == mesosproto.TaskState_TASK_RUNNING:
			runningA = true
		case id == "a" && runningA:
			t.Fatalf("a: %v re-sent after its acknowledgement", state)
		case id == "b" && runningA:
			if state != mesosproto.TaskState_TASK_STARTING {
				t.Fatalf("b: %v before its STARTING was acknowledged", state)
			}
			bAfter++
		}
	}
	srv.mu.Lock()
	queued := len(srv.retries.h)
	srv.mu.Unlock()
	if queued != 2 { // a's RUNNING and b's STARTING
		t.Errorf("%d streams queued for retry, want 2", queued)
	}
}

// Streams leave the retry queue when their tasks leave the cluster without
// an acknowledgement: the agent lost, the framework torn down, Close.
func TestRetryQueueEmptiesWithTasks(t *testing.T) {
	queued := func(srv *Server) int {
		srv.mu.Lock()
		defer srv.mu.Unlock()
		return len(srv.retries.h)
	}
	launch := func(t *testing.T, srv *Server, s *sub, ids ...string) {
		t.Helper()
		o := s.offers()[0]
		var tasks []*mesosproto.TaskInfo
		for _, id := range ids {
			tasks = append(tasks, shellTask(id, o, "ignored"))
		}
		s.mustCall(launchCall(o, nil, tasks...), 202)
		if _, err := srv.WaitTask(testCtx(t), ids[len(ids)-1], mesosproto.TaskState_TASK_RUNNING); err != nil {
			t.Fatal(err)
		}
		if n := queued(srv); n != len(ids) {
			t.Fatalf("%d streams queued for retry, want %d", n, len(ids))
		}
	}
	t.Run("agent lost", func(t *testing.T) {
		srv := newServer(t, WithSimulatedTasks(-1), WithAgents(1, "cpus:10;mem:10000"))
		s := newClient(t, srv, codecs[0]).subscribe(frameworkInfo("lost"))
		launch(t, srv, s, "a", "b", "c")
		if err := srv.LoseAgent(srv.AgentIDs()[0]); err != nil {
			t.Fatal(err)
		}
		if n := queued(srv); n != 0 {
			t.Errorf("%d streams queued after the agent was lost", n)
		}
	})
	t.Run("teardown", func(t *testing.T) {
		srv := newServer(t, WithSimulatedTasks(-1), WithAgents(1, "cpus:10;mem:10000"))
		s := newClient(t, srv, codecs[1]).subscribe(frameworkInfo("teardown"))
		launch(t, srv, s, "a", "b")
		s.mustCall(&schedulerpb.Call{Type: schedulerpb.Call_TEARDOWN.Enum()}, 202)
		if n := queued(srv); n != 0 {
			t.Errorf("%d streams queued after TEARDOWN", n)
		}
	})
	t.Run("close", func(t *testing.T) {
		srv := newServer(t, WithSimulatedTasks(-1), WithAgents(1, "cpus:10;mem:10000"))
		s := newClient(t, srv, codecs[0]).subscribe(frameworkInfo("close"))
		launch(t, srv, s, "a", "b")
		srv.Close()
		if n := queued(srv); n != 0 {
			t.Errorf("%d streams queued after Close", n)
		}
	})
}
