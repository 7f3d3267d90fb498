// SPDX-License-Identifier: Apache-2.0

package mesostest

import (
	"testing"

	"github.com/mesoskit/mesoskit/mesosproto"
)

func TestWithoutHistory(t *testing.T) {
	srv := newServer(t, WithoutHistory(), WithSimulatedTasks(-1), WithAgents(1, "cpus:10;mem:10000"))
	c := newClient(t, srv, codecs[0])
	s := c.subscribe(frameworkInfo("nohist"))
	o := s.offers()[0]
	s.mustCall(launchCall(o, nil, shellTask("t1", o, "ignored")), 202)
	st, err := srv.WaitTask(testCtx(t), "t1", mesosproto.TaskState_TASK_RUNNING)
	if err != nil {
		t.Fatal(err)
	}
	if st.GetTaskId().GetValue() != "t1" || st.GetState() != mesosproto.TaskState_TASK_RUNNING {
		t.Fatalf("WaitTask: %v", st)
	}
	if err := srv.CompleteTask("t1", mesosproto.TaskState_TASK_FINISHED, "done"); err != nil {
		t.Fatal(err)
	}
	if _, err := srv.WaitTask(testCtx(t), "t1", mesosproto.TaskState_TASK_FINISHED); err != nil {
		t.Fatal(err)
	}
	// Earlier states still count as reached.
	if _, err := srv.WaitTask(testCtx(t), "t1", mesosproto.TaskState_TASK_STARTING); err != nil {
		t.Fatal(err)
	}
	if got := srv.Calls(); got != nil {
		t.Errorf("Calls: %d records, want nil", len(got))
	}
	if got := srv.TaskUpdates("t1"); got != nil {
		t.Errorf("TaskUpdates: %d records, want nil", len(got))
	}
}
