// SPDX-License-Identifier: Apache-2.0

package mesostest

import (
	"net/http"
	"testing"

	"github.com/mesoskit/mesoskit/internal/httpapi"
	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/masterpb"
)

// TestOperatorCompletedTasks: a task whose terminal update was acknowledged
// leaves the master's tasks for its framework's completed tasks cache, and
// GET_TASKS, GET_STATE and SUBSCRIBED list it among completed_tasks with its
// statuses (Master::ReadOnlyHandler::serializeGetTasks / jsonifyGetTasks,
// src/master/readonly_handler.cpp; Framework::addCompletedTask).
func TestOperatorCompletedTasks(t *testing.T) {
	for _, codec := range codecs {
		t.Run(codecName(codec), func(t *testing.T) {
			srv := newServer(t)
			c := newClient(t, srv, codec)
			sched := newClient(t, srv, httpapi.Protobuf).subscribe(frameworkInfo("completed"))
			o := sched.offers()[0]
			sched.mustCall(launchCall(o, nil, shellTask("quick", o, "true")), http.StatusAccepted)
			sched.ack(waitTaskUpdate(t, sched, "quick", mesosproto.TaskState_TASK_FINISHED))
			eventually(t, "task removed", func() bool {
				srv.mu.Lock()
				defer srv.mu.Unlock()
				return len(srv.tasks) == 0
			})
			check := func(what string, gt *masterpb.Response_GetTasks) {
				t.Helper()
				if len(gt.GetTasks()) != 0 || len(gt.GetCompletedTasks()) != 1 {
					t.Fatalf("%s: %d tasks, %d completed", what, len(gt.GetTasks()), len(gt.GetCompletedTasks()))
				}
				ct := gt.GetCompletedTasks()[0]
				if ct.GetTaskId().GetValue() != "quick" || ct.GetState() != mesosproto.TaskState_TASK_FINISHED || len(ct.GetStatuses()) == 0 ||
					ct.GetStatuses()[len(ct.GetStatuses())-1].GetState() != mesosproto.TaskState_TASK_FINISHED {
					t.Fatalf("%s: completed task %v", what, ct)
				}
			}
			check("GET_TASKS", c.operator(operatorPath, opCall(masterpb.Call_GET_TASKS)).GetGetTasks())
			check("GET_STATE", c.operator(operatorPath, opCall(masterpb.Call_GET_STATE)).GetGetState().GetGetTasks())
			check("SUBSCRIBED", c.operatorSubscribe().any().GetSubscribed().GetGetState().GetGetTasks())
		})
	}
}
