// SPDX-License-Identifier: Apache-2.0

package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/mesoskit/mesoskit/executor"
	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/scheduler"
)

// Resources of each custom executor: Mesos's minimum (src/master/constants.hpp MIN_CPUS, MIN_MEM).
const (
	executorCPUs = 0.01
	executorMem  = 32
)

// offers packs the tasks not launched yet into the offers with scheduler.Match. Offers left unused are
// declined by the Client.
func (d *demo) offers(ctx context.Context, offers []scheduler.Offer) error {
	assigned, _ := scheduler.Match(offers, d.requests(d.missing()))
	for _, a := range assigned {
		if len(a.Tasks) == 0 {
			continue
		}
		d.discoverable(a.Tasks)
		if err := d.client.Launch(ctx, []*mesosproto.OfferID{a.Offer.ProtoID()}, a.Tasks, nil); err != nil {
			var refused *scheduler.APIError
			if errors.As(err, &refused) || errors.Is(err, scheduler.ErrNotSubscribed) {
				fmt.Fprintf(d.out, "launch on %s failed: %v\n", a.Offer.Hostname, err) // retried with the next offers
				continue
			}
			// Sent, but the answer was lost (the master went away): the launch may have been applied, so the
			// tasks are not launched again now. The Client reconciles them after resubscribing; a task the
			// master does not know comes back TASK_LOST and the relaunch rule (demo.go) launches it again.
			fmt.Fprintf(d.out, "launch on %s may have failed (%v); asking\n", a.Offer.Hostname, err)
		}
		for _, t := range a.Tasks {
			d.state[t.GetTaskId().GetValue()] = mesosproto.TaskState_TASK_STAGING
			fmt.Fprintf(d.out, "%-8s launched on %s\n", t.GetTaskId().GetValue(), a.Offer.Hostname)
		}
	}
	if len(d.missing()) == 0 { // nothing left to launch: stop receiving offers
		d.soft("suppress", d.client.Suppress(ctx)) // the Client states it again after resubscribing
	}
	return nil
}

// missing returns the IDs of the tasks not launched yet, in order.
func (d *demo) missing() []string {
	var ids []string
	for k := 1; k <= d.opts.tasks; k++ {
		id := "task-" + strconv.Itoa(k)
		if _, launched := d.state[id]; !launched {
			ids = append(ids, id)
		}
	}
	return ids
}

// requests describes the tasks with ids for Match: a shell command, or, with -executor, a task of the
// custom executor, one executor per task (Match charges its resources once, as Mesos does).
func (d *demo) requests(ids []string) []scheduler.TaskRequest {
	reqs := make([]scheduler.TaskRequest, 0, len(ids))
	for _, id := range ids {
		res := scheduler.TaskResources(scheduler.Scalar("cpus", d.opts.cpus), scheduler.Scalar("mem", d.opts.mem))
		if d.executor == nil {
			t := scheduler.NewTask(id, scheduler.TaskShell(d.opts.cmd), scheduler.TaskEnv("MESOS_TASK_ID", id), res)
			reqs = append(reqs, scheduler.TaskRequest{Task: t, Ports: d.portsWanted()})
			continue
		}
		ex := scheduler.NewExecutor("executor-"+id, d.executor,
			scheduler.Scalar("cpus", executorCPUs), scheduler.Scalar("mem", executorMem))
		t := scheduler.NewTask(id, scheduler.TaskExecutor(ex), res)
		t.Data = []byte(executor.FormatDuration(d.opts.work)) // how long the task works
		reqs = append(reqs, scheduler.TaskRequest{Task: t})
	}
	return reqs
}
