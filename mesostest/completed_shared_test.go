// SPDX-License-Identifier: Apache-2.0

package mesostest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/schedulerpb"
)

// ownOffer waits for an outstanding offer of s's framework; while there is
// none, the other frameworks decline theirs (without a filter) so that the
// allocator gives s a turn.
func ownOffer(t *testing.T, srv *Server, s *sub, others ...*sub) *mesosproto.Offer {
	t.Helper()
	ctx := testCtx(t)
	noFilter := &mesosproto.Filters{RefuseSeconds: proto.Float64(0)}
	for {
		offers := srv.Offers()
		for _, o := range offers {
			if o.GetFrameworkId().GetValue() == s.fwID {
				return o
			}
		}
		for _, other := range others {
			var ids []*mesosproto.OfferID
			for _, o := range offers {
				if o.GetFrameworkId().GetValue() == other.fwID {
					ids = append(ids, o.GetId())
				}
			}
			if len(ids) > 0 {
				// The offers may be gone already (launched on, rescinded):
				// any answer will do.
				other.call(&schedulerpb.Call{Type: schedulerpb.Call_DECLINE.Enum(),
					Decline: &schedulerpb.Call_Decline{OfferIds: ids, Filters: noFilter}})
			}
		}
		select {
		case <-ctx.Done():
			t.Fatalf("no offer for framework %s: %v", s.fwID, offers)
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// runOwn is runSimulated on an offer of s's own framework, with other
// frameworks subscribed.
func runOwn(t *testing.T, srv *Server, s *sub, others []*sub, ids ...string) {
	t.Helper()
	before, _ := srv.Framework(s.fwID)
	o := ownOffer(t, srv, s, others...)
	var tasks []*mesosproto.TaskInfo
	for _, id := range ids {
		tasks = append(tasks, shellTask(id, o, "ignored"))
	}
	s.mustCall(launchCall(o, &mesosproto.Filters{RefuseSeconds: proto.Float64(0)}, tasks...), 202)
	for finished := 0; finished < len(ids); {
		st := s.nextSkip(schedulerpb.Event_UPDATE).GetUpdate().GetStatus()
		s.ack(st)
		if st.GetState() == mesosproto.TaskState_TASK_FINISHED {
			finished++
		}
	}
	waitAcks(t, srv, s.fwID, before.AcknowledgedTotal+3*len(ids))
}

// The statuses of a task id are kept while any framework still remembers a
// task of that id: evicting framework A's completed task "x" leaves the
// history of framework B's task "x" alone, and the history goes once B
// forgets its "x" too.
func TestCompletedTasksSameIDOtherFramework(t *testing.T) {
	for _, hist := range []bool{true, false} {
		t.Run(fmt.Sprintf("history=%v", hist), func(t *testing.T) {
			opts := []Option{WithSimulatedTasks(0), WithAgents(2, "cpus:10;mem:10000"), WithMaxCompletedTasksPerFramework(1)}
			if !hist {
				opts = append(opts, WithoutHistory())
			}
			srv := newServer(t, opts...)
			a := newClient(t, srv, codecs[0]).subscribe(frameworkInfo("a"))
			b := newClient(t, srv, codecs[1]).subscribe(frameworkInfo("b"))

			runOwn(t, srv, a, []*sub{b}, "x")
			runOwn(t, srv, b, []*sub{a}, "x")
			runOwn(t, srv, a, []*sub{b}, "y") // A forgets its "x"; B still remembers its own

			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			got, err := srv.WaitTask(ctx, "x", mesosproto.TaskState_TASK_FINISHED)
			cancel()
			if err != nil || got.GetState() != mesosproto.TaskState_TASK_FINISHED {
				t.Errorf("WaitTask(x) while framework b remembers x: %v %v", got, err)
			}
			if ups := srv.TaskUpdates("x"); hist && len(ups) != 6 {
				t.Errorf("TaskUpdates(x) while framework b remembers x: %d statuses, want 6 (both runs)", len(ups))
			}
			if st, _ := srv.Framework(a.fwID); st.Acknowledged["x"] != 0 || st.AcknowledgedTotal != 6 {
				t.Errorf("framework a: Acknowledged %v total %d, want x forgotten and 6 in total", st.Acknowledged, st.AcknowledgedTotal)
			}
			if st, _ := srv.Framework(b.fwID); st.Acknowledged["x"] != 3 {
				t.Errorf("framework b: Acknowledged %v, want x:3", st.Acknowledged)
			}

			runOwn(t, srv, b, []*sub{a}, "z") // now no framework remembers a task "x"
			if ups := srv.TaskUpdates("x"); ups != nil {
				t.Errorf("TaskUpdates(x) once forgotten by every framework: %d statuses", len(ups))
			}
			ctx, cancel = context.WithTimeout(context.Background(), 50*time.Millisecond)
			_, err = srv.WaitTask(ctx, "x", mesosproto.TaskState_TASK_FINISHED)
			cancel()
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("WaitTask(x) once forgotten by every framework: %v, want a deadline error", err)
			}
		})
	}
}

// CompleteTask looks the task up directly and, when two frameworks run a
// task of the same id, always ends the one of the framework that
// subscribed first.
func TestCompleteTaskSameIDTwoFrameworks(t *testing.T) {
	srv := newServer(t, WithSimulatedTasks(-1), WithAgents(2, "cpus:10;mem:10000"))
	a := newClient(t, srv, codecs[0]).subscribe(frameworkInfo("first"))
	b := newClient(t, srv, codecs[0]).subscribe(frameworkInfo("second"))
	const n = 16
	var ids []string
	for i := range n {
		ids = append(ids, fmt.Sprintf("same-%d", i))
	}
	noFilter := &mesosproto.Filters{RefuseSeconds: proto.Float64(0)}
	launch := func(s *sub, other *sub) {
		o := ownOffer(t, srv, s, other)
		var tasks []*mesosproto.TaskInfo
		for _, id := range ids {
			tasks = append(tasks, shellTask(id, o, "ignored"))
		}
		s.mustCall(launchCall(o, noFilter, tasks...), 202)
	}
	launch(a, b)
	launch(b, a)
	for _, id := range ids {
		if _, err := srv.WaitTask(testCtx(t), id, mesosproto.TaskState_TASK_RUNNING); err != nil {
			t.Fatal(err)
		}
	}
	terminated := func(fwID, id string) bool {
		srv.mu.Lock()
		defer srv.mu.Unlock()
		tk := srv.tasks[taskKey{fwID, id}]
		if tk == nil {
			t.Fatalf("framework %s runs no task %s", fwID, id)
		}
		return tk.terminated
	}
	for _, id := range ids {
		if err := srv.CompleteTask(id, mesosproto.TaskState_TASK_FINISHED, "done"); err != nil {
			t.Fatal(err)
		}
		if !terminated(a.fwID, id) || terminated(b.fwID, id) {
			t.Fatalf("CompleteTask(%s) ended the task of the framework that subscribed second", id)
		}
	}
	// Then the second framework's, and then there is none left.
	if err := srv.CompleteTask(ids[0], mesosproto.TaskState_TASK_FAILED, ""); err != nil || !terminated(b.fwID, ids[0]) {
		t.Fatalf("CompleteTask(%s) for the second framework: %v", ids[0], err)
	}
	if err := srv.CompleteTask(ids[0], mesosproto.TaskState_TASK_FAILED, ""); !errors.Is(err, ErrUnknownTask) {
		t.Fatalf("CompleteTask(%s) with no live task left: %v, want ErrUnknownTask", ids[0], err)
	}
}
