// SPDX-License-Identifier: Apache-2.0

package scheduler_test

import (
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/scheduler"
)

func execTask(id string, ex *mesosproto.ExecutorInfo, cpus float64) scheduler.TaskRequest {
	return scheduler.TaskRequest{Task: scheduler.NewTask(id, scheduler.TaskExecutor(ex),
		scheduler.TaskResources(scheduler.Scalar("cpus", cpus), scheduler.Scalar("mem", 32)))}
}

// An executor's resources are taken once per executor on an offer, as Mesos charges them; tasks of one
// executor share one ExecutorInfo; an executor already running on the agent is not charged again.
func TestMatchChargesExecutorsOnce(t *testing.T) {
	ex1 := scheduler.NewExecutor("ex1", []string{"/bin/executor"}, scheduler.Scalar("cpus", 0.5), scheduler.Scalar("mem", 64))
	ex2 := scheduler.NewExecutor("ex2", []string{"/bin/executor"}, scheduler.Scalar("cpus", 1))
	offer := multiRoleOffer("a1", "web", parseRes(t, "cpus:2;mem:256")...)
	assigned, left := scheduler.Match(scheduler.OffersFromProto(offer),
		[]scheduler.TaskRequest{execTask("t1", ex1, 0.5), execTask("t2", ex1, 0.5), execTask("t3", ex2, 0.25)})
	if len(left) != 1 || left[0].Task.GetTaskId().GetValue() != "t3" {
		t.Fatalf("unmatched %v, want t3 (0.25 cpus + its executor's 1 do not fit the 0.5 left)", left)
	}
	a := assigned[0]
	if len(a.Tasks) != 2 {
		t.Fatalf("placed %d tasks, want 2", len(a.Tasks))
	}
	if !proto.Equal(a.Tasks[0].GetExecutor(), a.Tasks[1].GetExecutor()) {
		t.Errorf("tasks of one executor carry different ExecutorInfos:\n%v\n%v", a.Tasks[0].GetExecutor(), a.Tasks[1].GetExecutor())
	}
	execRes := scheduler.Resources(a.Tasks[0].GetExecutor().GetResources())
	if execRes.ScalarOf("cpus") != 0.5 || execRes.ScalarOf("mem") != 64 {
		t.Errorf("executor resources %v, want cpus 0.5 and mem 64", execRes)
	}
	for _, r := range execRes {
		if r.GetAllocationInfo().GetRole() != "web" {
			t.Errorf("executor resource %v lacks the offer's allocation_info", r)
		}
	}
	if a.Tasks[0].Command != nil {
		t.Errorf("a task with an executor has a command: %v", a.Tasks[0].Command)
	}
	if got := a.Remaining.ScalarOf("cpus"); got != 0.5 {
		t.Errorf("remaining cpus %v, want 2 - 0.5 (executor) - 2 × 0.5 = 0.5", got)
	}
	if got := a.Remaining.ScalarOf("mem"); got != 256-64-64 {
		t.Errorf("remaining mem %v, want %v", got, 256-64-64)
	}

	// The same executor already running on the agent: only the task's resources are taken.
	running := offerOf("a2", parseRes(t, "cpus:1;mem:64")...)
	running.ExecutorIds = []*mesosproto.ExecutorID{{Value: proto.String("ex1")}}
	assigned, left = scheduler.Match(scheduler.OffersFromProto(running), []scheduler.TaskRequest{execTask("t4", ex1, 1)})
	if len(left) != 0 || len(assigned[0].Tasks) != 1 {
		t.Fatalf("a task of a running executor did not fit: unmatched %v", left)
	}
	if !proto.Equal(assigned[0].Tasks[0].GetExecutor(), ex1) {
		t.Errorf("task of a running executor carries %v, want the ExecutorInfo as given", assigned[0].Tasks[0].GetExecutor())
	}
}
