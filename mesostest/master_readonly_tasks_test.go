// SPDX-License-Identifier: Apache-2.0

package mesostest

import (
	"net/http"
	"strconv"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/internal/httpapi"
	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/schedulerpb"
)

// simTasks starts a cluster of simulated tasks that run until killed, with
// one framework running n tasks, launched in order t0, t1, ...
func simTasks(t *testing.T, codec httpapi.Codec, n int) (*Server, *client, *sub) {
	t.Helper()
	srv := newServer(t, WithSimulatedTasks(-1))
	c := newClient(t, srv, codec)
	sb := c.subscribe(frameworkInfo("sim"))
	o := sb.offers()[0]
	var tis []*mesosproto.TaskInfo
	for i := range n {
		tis = append(tis, shellTask("t"+strconv.Itoa(i), o, "true"))
	}
	sb.mustCall(launchCall(o, nil, tis...), http.StatusAccepted)
	for range 2 * n { // STARTING and RUNNING of every task
		sb.ack(sb.next(schedulerpb.Event_UPDATE).GetUpdate().GetStatus())
	}
	return srv, c, sb
}

func taskIDs(t *testing.T, body map[string]any) []string {
	t.Helper()
	var out []string
	for _, x := range at(t, body, "tasks").([]any) {
		out = append(out, at(t, x, "id").(string))
	}
	return out
}

func firstTimestamp(t *testing.T, task any) float64 {
	t.Helper()
	return at(t, task, "statuses", 0, "timestamp").(float64)
}

// TestTasksEndpoint follows Master::ReadOnlyHandler::tasks
// (src/master/readonly_handler.cpp): framework_id and task_id select
// (IDAcceptor, src/common/http.hpp), tasks sorted by their first status's
// timestamp (TaskComparator, descending unless order=asc), then
// offset/limit (numify<int>; a bad value means the default, 100 and 0).
func TestTasksEndpoint(t *testing.T) {
	for _, codec := range []httpapi.Codec{httpapi.JSON, httpapi.Protobuf} {
		t.Run(codecName(codec), func(t *testing.T) {
			_, c, sb := simTasks(t, codec, 5)
			all := getJSON(t, c, http.MethodGet, "/tasks")
			wantKeys(t, all, "tasks")
			tasks := at(t, all, "tasks").([]any)
			if len(tasks) != 5 {
				t.Fatalf("%d tasks, want 5", len(tasks))
			}
			for i := 1; i < len(tasks); i++ {
				if firstTimestamp(t, tasks[i-1]) < firstTimestamp(t, tasks[i]) {
					t.Errorf("default order is not descending: %v", taskIDs(t, all))
				}
			}
			asc := getJSON(t, c, http.MethodGet, "/master/tasks?order=asc")
			ids, ascIDs := taskIDs(t, all), taskIDs(t, asc)
			for i := range ids {
				if ids[i] != ascIDs[len(ids)-1-i] && firstTimestamp(t, tasks[i]) != firstTimestamp(t, at(t, asc, "tasks", len(ids)-1-i)) {
					t.Errorf("asc %v is not the reverse of %v", ascIDs, ids)
				}
			}
			page := taskIDs(t, getJSON(t, c, http.MethodGet, "/tasks?limit=2&offset=1"))
			if len(page) != 2 || page[0] != ids[1] || page[1] != ids[2] {
				t.Errorf("limit=2&offset=1: %v, want %v", page, ids[1:3])
			}
			for _, q := range []string{"limit=abc", "limit=", "offset=x", "limit=1.5", "order=sideways"} {
				if got := taskIDs(t, getJSON(t, c, http.MethodGet, "/tasks?"+q)); len(got) != 5 {
					t.Errorf("%s: %v, want all 5 (defaults)", q, got)
				}
			}
			if got := taskIDs(t, getJSON(t, c, http.MethodGet, "/tasks?limit=0x2")); len(got) != 2 {
				t.Errorf("limit=0x2 (numify reads hex): %v", got)
			}
			if got := taskIDs(t, getJSON(t, c, http.MethodGet, "/tasks?offset=-1")); len(got) != 0 {
				t.Errorf("offset=-1 (a huge size_t): %v, want none", got)
			}
			if got := taskIDs(t, getJSON(t, c, http.MethodGet, "/tasks?limit=-1")); len(got) != 5 {
				t.Errorf("limit=-1 (a huge size_t): %v, want all", got)
			}
			// The lookups of the framework that broke on 404: POST, a
			// trailing slash, both filters.
			one := getJSON(t, c, http.MethodPost, "/tasks/?task_id=t3&framework_id="+sb.fwID)
			if got := taskIDs(t, one); len(got) != 1 || got[0] != "t3" {
				t.Fatalf("task_id=t3: %v", got)
			}
			wantEq(t, "slave_id", at(t, one, "tasks", 0, "slave_id"), c.srv.AgentIDs()[0])
			wantEq(t, "state", at(t, one, "tasks", 0, "state"), "TASK_RUNNING")
			wantEq(t, "ip", at(t, one, "tasks", 0, "statuses", 1, "container_status", "network_infos", 0, "ip_addresses", 0, "ip_address"), "127.0.0.1")
			for _, q := range []string{"task_id=nope", "framework_id=nope", "task_id=", "framework_id="} {
				if got := taskIDs(t, getJSON(t, c, http.MethodGet, "/tasks?"+q)); len(got) != 0 {
					t.Errorf("%s: %v, want none", q, got)
				}
			}
		})
	}
}

// TestCompletedTasks: a killed task whose terminal update was acknowledged
// leaves tasks for completed_tasks (Framework::completedTasks) and still
// shows in /tasks.
func TestCompletedTasks(t *testing.T) {
	_, c, sb := simTasks(t, httpapi.JSON, 2)
	sb.mustCall(&schedulerpb.Call{Type: schedulerpb.Call_KILL.Enum(), Kill: &schedulerpb.Call_Kill{
		TaskId: &mesosproto.TaskID{Value: proto.String("t0")}}}, http.StatusAccepted)
	sb.ack(sb.update("t0", mesosproto.TaskState_TASK_KILLED))
	deadline := testCtx(t)
	for {
		changed := c.srv.changedCh()
		st := getJSON(t, c, http.MethodGet, "/state")
		fw := at(t, st, "frameworks", 0)
		if done := at(t, fw, "completed_tasks").([]any); len(done) == 1 {
			wantEq(t, "completed id", at(t, done[0], "id"), "t0")
			wantEq(t, "completed state", at(t, done[0], "state"), "TASK_KILLED")
			wantEq(t, "last status", at(t, done[0], "statuses", 2, "state"), "TASK_KILLED")
			if n := len(at(t, fw, "tasks").([]any)); n != 1 {
				t.Errorf("%d running tasks, want 1", n)
			}
			break
		}
		select {
		case <-deadline.Done():
			t.Fatal("t0 never completed")
		case <-changed:
		}
	}
	if got := taskIDs(t, getJSON(t, c, http.MethodGet, "/tasks?task_id=t0")); len(got) != 1 {
		t.Errorf("/tasks?task_id=t0: %v", got)
	}
	sum := getJSON(t, c, http.MethodGet, "/state-summary")
	wantEq(t, "TASK_KILLED", at(t, sum, "frameworks", 0, "TASK_KILLED"), 1.0)
	wantEq(t, "TASK_RUNNING", at(t, sum, "slaves", 0, "TASK_RUNNING"), 1.0)
}

// TestUnreachableTasks: when an agent is marked unreachable, the task of a
// PARTITION_AWARE framework is shown among unreachable_tasks in state
// TASK_UNREACHABLE, that of another framework among completed_tasks in
// state TASK_LOST (Master::markUnreachable and Master::removeTask,
// src/master/master.cpp); master/tasks_unreachable counts the former.
func TestUnreachableTasks(t *testing.T) {
	for _, aware := range []bool{true, false} {
		t.Run(strconv.FormatBool(aware), func(t *testing.T) {
			srv := newServer(t, WithSimulatedTasks(-1))
			c := newClient(t, srv, httpapi.JSON)
			fi := frameworkInfo("partition")
			if aware {
				fi = partitionAware(fi)
			}
			sb := c.subscribe(fi)
			o := sb.offers()[0]
			sb.mustCall(launchCall(o, nil, shellTask("u1", o, "true")), http.StatusAccepted)
			sb.ack(sb.update("u1", mesosproto.TaskState_TASK_STARTING))
			sb.ack(sb.update("u1", mesosproto.TaskState_TASK_RUNNING))
			if err := srv.LoseAgent(srv.AgentIDs()[0]); err != nil {
				t.Fatal(err)
			}
			want, key, other := "TASK_LOST", "completed_tasks", "unreachable_tasks"
			if aware {
				want, key, other = "TASK_UNREACHABLE", "unreachable_tasks", "completed_tasks"
			}
			st := getJSON(t, c, http.MethodGet, "/state")
			wantEq(t, "unreachable_slaves", at(t, st, "unreachable_slaves"), 1.0)
			fw := at(t, st, "frameworks", 0)
			wantEq(t, key, at(t, fw, key, 0, "state"), want)
			if n := len(at(t, fw, other).([]any)); n != 0 {
				t.Errorf("%s has %d tasks", other, n)
			}
			unreachable := 0.0
			if aware {
				unreachable = 1
			}
			wantEq(t, "master/tasks_unreachable", getJSON(t, c, http.MethodGet, "/metrics/snapshot")["master/tasks_unreachable"], unreachable)
		})
	}
}
