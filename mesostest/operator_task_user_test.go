// SPDX-License-Identifier: Apache-2.0

package mesostest

import (
	"net/http"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/masterpb"
)

// A task run by a custom executor has no TaskInfo.command: the operator
// API's Task.user comes from the executor's command (protobuf::createTask,
// src/common/protobuf_utils.cpp). GET_TASKS used to dereference the
// missing command and leave the cluster locked.
func TestOperatorTaskUserFromExecutor(t *testing.T) {
	for _, codec := range codecs {
		t.Run(codecName(codec), func(t *testing.T) {
			srv := newServer(t, WithAgents(1, "cpus:2;mem:1024"))
			c := newClient(t, srv, codec)
			s := c.subscribe(frameworkInfo("user"))
			o := s.offers()[0]
			ti := shellTask("exec", o, "")
			ti.Command = nil
			ti.Executor = &mesosproto.ExecutorInfo{ExecutorId: &mesosproto.ExecutorID{Value: proto.String("e")},
				Command: &mesosproto.CommandInfo{Value: proto.String("sleep 30"), User: proto.String("runner")}}
			plain := shellTask("plain", o, "sleep 30")
			s.mustCall(launchCall(o, nil, ti, plain), http.StatusAccepted)
			tasks := c.operator(operatorPath, opCall(masterpb.Call_GET_TASKS)).GetGetTasks().GetTasks()
			users := map[string]string{}
			for _, task := range tasks {
				users[task.GetTaskId().GetValue()] = task.GetUser()
				if task.GetTaskId().GetValue() == "plain" && task.User != nil {
					t.Errorf("plain task has user %q, want none", task.GetUser())
				}
			}
			if len(tasks) != 2 || users["exec"] != "runner" {
				t.Fatalf("GET_TASKS users %v, want exec: runner", users)
			}
		})
	}
}
