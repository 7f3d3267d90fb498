// SPDX-License-Identifier: Apache-2.0

package main

import (
	"context"
	"fmt"
	"io"
	"strconv"

	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/scheduler"
)

// A job is a shell command that must succeed once.
type job struct{ name, cmd string }

// jobs is the batch. flaky fails on its first attempt ($ATTEMPT is 1), to show a retry.
var jobs = []job{
	{"extract", `echo "extracting"; sleep 1`},
	{"transform", `echo "transforming"; sleep 2`},
	{"flaky", `echo "attempt $ATTEMPT"; [ "$ATTEMPT" -gt 1 ]`},
	{"load", `echo "loading"; sleep 1`},
}

// batch runs every job, retrying a failed one up to retries times. Its methods run only inside the
// Client's callbacks, one at a time, so it needs no lock.
type batch struct {
	client    *scheduler.Client
	out       io.Writer
	retries   int
	pending   []scheduler.TaskRequest // waiting for an offer
	attempts  map[string]int          // job name → attempts so far
	running   map[string]job          // task ID → its job
	succeeded int
	failed    int
}

func newBatch(c *scheduler.Client, retries int, out io.Writer) *batch {
	b := &batch{client: c, out: out, retries: retries, attempts: map[string]int{}, running: map[string]job{}}
	for _, j := range jobs {
		b.pending = append(b.pending, b.attempt(j))
	}
	return b
}

// attempt is the next try of j: a new task ID each time, as Mesos wants (<job>-<attempt>).
func (b *batch) attempt(j job) scheduler.TaskRequest {
	b.attempts[j.name]++
	n := strconv.Itoa(b.attempts[j.name])
	t := scheduler.NewTask(j.name+"-"+n, scheduler.TaskShell(j.cmd), scheduler.TaskEnv("ATTEMPT", n),
		scheduler.TaskResources(scheduler.Scalar("cpus", 0.1), scheduler.Scalar("mem", 32)))
	b.running[t.GetTaskId().GetValue()] = j
	return scheduler.TaskRequest{Task: t}
}

func (b *batch) callbacks() scheduler.Callbacks {
	return scheduler.Callbacks{Offers: b.offers, Update: b.update}
}

// offers launches what is pending; what fits no offer waits for the next ones.
func (b *batch) offers(ctx context.Context, offers []scheduler.Offer) error {
	assigned, left := scheduler.Match(offers, b.pending)
	b.pending = left
	for _, a := range assigned {
		if len(a.Tasks) == 0 {
			continue // declined by the Client
		}
		if err := b.client.Launch(ctx, []*mesosproto.OfferID{a.Offer.ProtoID()}, a.Tasks, nil); err != nil {
			fmt.Fprintf(b.out, "launch on %s failed (%v); trying again\n", a.Offer.Hostname, err)
			for _, t := range a.Tasks {
				b.pending = append(b.pending, scheduler.TaskRequest{Task: t})
			}
			continue
		}
		for _, t := range a.Tasks {
			fmt.Fprintf(b.out, "%-12s launched on %s\n", t.GetTaskId().GetValue(), a.Offer.Hostname)
		}
	}
	if len(b.pending) == 0 {
		return b.client.Suppress(ctx) // nothing to launch until a retry
	}
	return nil
}

// update counts ended tasks, retries failed ones, and tears the framework down when all jobs are done.
func (b *batch) update(ctx context.Context, st *mesosproto.TaskStatus) error {
	id := st.GetTaskId().GetValue()
	j, ok := b.running[id]
	if !ok || !mesosproto.IsTerminalState(st.GetState()) {
		return nil // running, or a task we no longer follow
	}
	delete(b.running, id)
	switch {
	case st.GetState() == mesosproto.TaskState_TASK_FINISHED:
		b.succeeded++
		fmt.Fprintf(b.out, "%-12s succeeded\n", id)
	case b.attempts[j.name] <= b.retries:
		fmt.Fprintf(b.out, "%-12s %s (%s); retrying\n", id, st.GetState(), st.GetMessage())
		b.pending = append(b.pending, b.attempt(j))
		return b.client.Revive(ctx)
	default:
		b.failed++
		fmt.Fprintf(b.out, "%-12s %s (%s); giving up after %d attempts\n", id, st.GetState(), st.GetMessage(), b.attempts[j.name])
	}
	if b.succeeded+b.failed < len(jobs) {
		return nil
	}
	if err := b.client.AcknowledgeStatus(ctx, st); err != nil { // the last update, before the framework goes
		return err
	}
	return b.client.Teardown(ctx)
}
