// SPDX-License-Identifier: Apache-2.0

package main

import (
	"context"
	"fmt"
	"io"

	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/schedulerpb"
	"github.com/mesoskit/mesoskit/scheduler"
)

// demo is the framework's state. Its methods run only inside scheduler callbacks, which the Client calls one
// at a time, so it needs no lock. Offers are packed by launch.go; ha.go records it all in ZooKeeper.
type demo struct {
	client   *scheduler.Client
	opts     options
	out      io.Writer
	executor []string // with -executor: the argv that starts the custom executor

	state   map[string]mesosproto.TaskState // latest state of every launched task
	done    int                             // tasks in a terminal state
	success int                             // tasks that finished
	// noRelaunch: -ha relaunches through its records (ha.go), not by the relaunch rule of update.
	noRelaunch bool
}

func newDemo(c *scheduler.Client, o options, out io.Writer) *demo {
	return &demo{client: c, opts: o, out: out, executor: o.executorArgv, state: make(map[string]mesosproto.TaskState)}
}

func (d *demo) callbacks() scheduler.Callbacks {
	return scheduler.Callbacks{
		Subscribed: func(ctx context.Context, e *schedulerpb.Event_Subscribed) error {
			fmt.Fprintf(d.out, "subscribed as framework %s\n", e.GetFrameworkId().GetValue())
			if d.done == d.opts.tasks {
				return d.finish(ctx) // the teardown failed on the previous master: again
			}
			return nil // the Client reconciles the tasks it launched after a resubscription
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

// update prints each state change with a live count; when the last task has ended, it tears the
// framework down, which ends Run.
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
		// The relaunch rule: a task Mesos reports gone (never launched, or lost with its agent or master) is
		// launched again under the same ID. Stale answers were left out above: they would make it run twice.
		fmt.Fprintf(d.out, "%-8s %-14s %s; launching it again\n", id, st.GetState(), st.GetMessage())
		delete(d.state, id) // missing() lists it again (launch.go)
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
	if d.done < d.opts.tasks {
		return nil
	}
	// Everything has ended: acknowledge this last update ourselves, then remove the framework.
	if len(st.GetUuid()) > 0 {
		d.soft("acknowledge", d.client.AcknowledgeStatus(ctx, st)) // the agent sends it again if lost
	}
	return d.finish(ctx)
}

// soft reports a call that failed on a master going away: the Client resubscribes (to the next leader) and
// the call's purpose is taken care of again there, so it must not end Run.
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
