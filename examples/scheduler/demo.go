// SPDX-License-Identifier: Apache-2.0

package main

import (
	"context"
	"fmt"
	"io"
	"strconv"

	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/executor"
	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/schedulerpb"
	"github.com/mesoskit/mesoskit/scheduler"
)

// demo is the framework's state. Its methods run only inside scheduler callbacks, which the Client calls one
// at a time, so it needs no lock.
type demo struct {
	client   *scheduler.Client
	opts     options
	out      io.Writer
	executor *mesosproto.CommandInfo // with -executor: how to start the custom executor

	next    int                             // tasks launched so far; the next task is task-<next+1>
	state   map[string]mesosproto.TaskState // latest state of every launched task
	done    int                             // tasks in a terminal state
	success int                             // tasks that finished

	portOffer  string // -announce: the offer ports are being taken from (announce.go)
	portsTaken int    // and how many

	again      []string // tasks Mesos reported gone, to launch again (the relaunch rule)
	noRelaunch bool     // -ha relaunches through its records instead (ha.go)
}

func newDemo(c *scheduler.Client, o options, out io.Writer) *demo {
	return &demo{client: c, opts: o, out: out, state: make(map[string]mesosproto.TaskState)}
}

func (d *demo) callbacks() scheduler.Callbacks {
	return scheduler.Callbacks{
		Subscribed: func(ctx context.Context, e *schedulerpb.Event_Subscribed) error {
			fmt.Fprintf(d.out, "subscribed as framework %s\n", e.GetFrameworkId().GetValue())
			// After a resubscription the master may know more than we saw; ask for the latest states.
			if d.done == d.opts.tasks && d.opts.tasks > 0 {
				return d.finish(ctx) // the teardown failed on the previous master: again
			}
			if len(d.state) > 0 {
				d.soft("reconcile", d.client.Reconcile(ctx)) // the Client reconciles its tasks anyway
			}
			return nil
		},
		Offers: d.offers,
		Update: d.update,
		Disconnected: func(ctx context.Context, err error) {
			if d.done < d.opts.tasks {
				fmt.Fprintf(d.out, "disconnected (%v); resubscribing\n", err)
			}
		},
	}
}

// offers packs the tasks still to launch into the offers. Offers left unused are declined by the Client.
func (d *demo) offers(ctx context.Context, offers []*mesosproto.Offer) error {
	for _, offer := range offers {
		cpus, mem := scalar(offer, "cpus"), scalar(offer, "mem")
		needCPUs, needMem := d.opts.cpus, d.opts.mem
		if d.executor != nil { // each task brings its own executor, which needs resources too
			needCPUs += executorCPUs
			needMem += executorMem
		}
		var tasks []*mesosproto.TaskInfo
		relaunched := 0
		for len(d.again) > 0 && cpus >= needCPUs && mem >= needMem {
			tasks = append(tasks, d.task(offer, d.again[0]))
			d.again = d.again[1:]
			relaunched++
			cpus -= needCPUs
			mem -= needMem
		}
		for d.next < d.opts.tasks && cpus >= needCPUs && mem >= needMem {
			d.next++
			tasks = append(tasks, d.task(offer, "task-"+strconv.Itoa(d.next)))
			cpus -= needCPUs
			mem -= needMem
		}
		if len(tasks) == 0 {
			continue
		}
		if err := d.client.Launch(ctx, []*mesosproto.OfferID{offer.GetId()}, tasks, nil); err != nil {
			// The launch did not reach the master: give the tasks back to the next offers.
			for _, t := range tasks[:relaunched] {
				d.again = append(d.again, t.GetTaskId().GetValue())
			}
			d.next -= len(tasks) - relaunched
			fmt.Fprintf(d.out, "launch on %s failed: %v\n", offer.GetHostname(), err)
			continue
		}
		for _, t := range tasks {
			d.state[t.GetTaskId().GetValue()] = mesosproto.TaskState_TASK_STAGING
			fmt.Fprintf(d.out, "%-8s launched on %s\n", t.GetTaskId().GetValue(), offer.GetHostname())
		}
	}
	if d.next == d.opts.tasks && len(d.again) == 0 {
		// Nothing left to launch: stop receiving offers.
		d.soft("suppress", d.client.Suppress(ctx)) // the Client states it again after resubscribing
	}
	return nil
}

// soft reports a call that failed on a master going away: the Client resubscribes (to the next leader) and
// the call's purpose is taken care of again there, so it must not end Run (found by internal/chaos).
func (d *demo) soft(call string, err error) {
	if err != nil {
		fmt.Fprintf(d.out, "%s failed (%v); going on\n", call, err)
	}
}

// finish tears the framework down once every task has ended. A teardown failing on a master that is going
// away is tried again after the next SUBSCRIBED.
func (d *demo) finish(ctx context.Context) error {
	d.soft("teardown", d.client.Teardown(ctx))
	return nil
}

func (d *demo) task(offer *mesosproto.Offer, id string) *mesosproto.TaskInfo {
	if d.executor != nil {
		return &mesosproto.TaskInfo{
			Name:    proto.String(id),
			TaskId:  &mesosproto.TaskID{Value: proto.String(id)},
			AgentId: offer.GetAgentId(),
			Data:    []byte(executor.FormatDuration(d.opts.work)),
			Executor: &mesosproto.ExecutorInfo{
				ExecutorId: &mesosproto.ExecutorID{Value: proto.String("executor-" + id)},
				Name:       proto.String("mesoskit demo executor"),
				Command:    d.executor,
				Resources:  []*mesosproto.Resource{scalarResource("cpus", executorCPUs), scalarResource("mem", executorMem)},
			},
			Resources: []*mesosproto.Resource{
				scalarResource("cpus", d.opts.cpus),
				scalarResource("mem", d.opts.mem),
			},
		}
	}
	t := &mesosproto.TaskInfo{
		Name:    proto.String(id),
		TaskId:  &mesosproto.TaskID{Value: proto.String(id)},
		AgentId: offer.GetAgentId(),
		Command: &mesosproto.CommandInfo{
			Value: proto.String(d.opts.cmd),
			Environment: &mesosproto.Environment{Variables: []*mesosproto.Environment_Variable{
				{Name: proto.String("MESOS_TASK_ID"), Value: proto.String(id)},
			}},
		},
		Resources: []*mesosproto.Resource{
			scalarResource("cpus", d.opts.cpus),
			scalarResource("mem", d.opts.mem),
		},
	}
	d.discoverable(t, offer)
	return t
}

func (d *demo) update(ctx context.Context, st *mesosproto.TaskStatus) error {
	id := st.GetTaskId().GetValue()
	prev, known := d.state[id]
	if !known || prev == st.GetState() || mesosproto.IsTerminalState(prev) {
		return nil // a duplicate, a reconciliation answer with nothing new, or a task we do not own
	}
	if d.client.IsStale(st) {
		return nil // answers a reconciliation sent before the task's last launch: nothing new
	}
	if scheduler.IsLost(st.GetState()) && !d.noRelaunch {
		// The relaunch rule: a task Mesos reports gone (never launched, or lost with its agent or master)
		// is launched again under the same ID. Stale answers were left out above: they would make it run
		// twice.
		fmt.Fprintf(d.out, "%-8s %-14s %s; launching it again\n", id, st.GetState(), st.GetMessage())
		delete(d.state, id)
		d.again = append(d.again, id)
		d.soft("revive", d.client.Revive(ctx))
		return nil
	}
	d.state[id] = st.GetState()
	if mesosproto.IsTerminalState(st.GetState()) {
		d.done++
		if st.GetState() == mesosproto.TaskState_TASK_FINISHED {
			d.success++
		}
	}
	line := fmt.Sprintf("%-8s %-14s [%d running, %d/%d done]", id, st.GetState(), d.running(), d.done, d.opts.tasks)
	if msg := st.GetMessage(); msg != "" && st.GetState() != mesosproto.TaskState_TASK_FINISHED {
		line += " " + msg
	}
	fmt.Fprintln(d.out, line)

	if d.done == d.opts.tasks {
		// Everything has ended: acknowledge this last update ourselves, then remove the framework.
		if len(st.GetUuid()) > 0 {
			d.soft("acknowledge", d.client.AcknowledgeStatus(ctx, st)) // the agent sends it again if lost
		}
		return d.finish(ctx)
	}
	return nil
}

func (d *demo) running() int {
	n := 0
	for _, s := range d.state {
		if s == mesosproto.TaskState_TASK_RUNNING {
			n++
		}
	}
	return n
}

// summary prints the final line and returns the exit status: 0 only when every task finished.
func (d *demo) summary() int {
	fmt.Fprintf(d.out, "%d/%d tasks finished\n", d.success, d.opts.tasks)
	if d.success == d.opts.tasks {
		return 0
	}
	return 1
}

func scalar(offer *mesosproto.Offer, name string) float64 {
	var v float64
	for _, r := range offer.GetResources() {
		if r.GetName() == name && r.GetType() == mesosproto.Value_SCALAR {
			v += r.GetScalar().GetValue()
		}
	}
	return v
}

func scalarResource(name string, v float64) *mesosproto.Resource {
	return &mesosproto.Resource{
		Name:   proto.String(name),
		Type:   mesosproto.Value_SCALAR.Enum(),
		Scalar: &mesosproto.Value_Scalar{Value: proto.Float64(v)},
	}
}
