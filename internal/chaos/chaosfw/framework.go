// SPDX-License-Identifier: Apache-2.0

package main

import (
	"context"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/detector"
	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/schedulerpb"
	"github.com/mesoskit/mesoskit/scheduler"
)

// maxAttempts bounds the launches of one task: past it the framework gives up (and the soak counts the
// task lost).
const maxAttempts = 25

type fw struct {
	client  *scheduler.Client
	tasks   int
	argv    []string // the executor's command line
	attempt map[string]int
	state   map[string]mesosproto.TaskState // latest state of the current attempt; absent: to launch
	acked   map[string]bool                 // "task/uuid" acknowledged successfully
	done    int
	redeliv int
	gaveUp  bool
	since   map[string]time.Time // when the current attempt was launched
}

func runFramework(ctx context.Context, args []string) int {
	fs := flag.NewFlagSet("chaosfw", flag.ContinueOnError)
	master := fs.String("master", "", "zk://host:port/path of the masters")
	via := proxyFlags{}
	fs.Var(via, "proxy", "master host:port=proxy host:port (repeated)")
	tasks := fs.Int("tasks", 3, "tasks to run")
	dir := fs.String("dir", "", "ground-truth directory of the tasks")
	work := fs.Duration("work", time.Second, "how long each task works")
	ct := fs.String("content-type", "protobuf", "protobuf or json")
	principal := fs.String("principal", "", "principal to authenticate as")
	secretFile := fs.String("secret-file", "", "file holding the principal's secret")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *master == "" || *dir == "" || *tasks < 1 {
		fmt.Fprintln(os.Stderr, "chaosfw: want -master, -dir and -tasks")
		return 2
	}
	self, err := os.Executable()
	if err != nil {
		fmt.Fprintln(os.Stderr, "chaosfw:", err)
		return 1
	}
	opts := []scheduler.Option{scheduler.WithoutAutoAcknowledge(), scheduler.WithMissedHeartbeats(2)}
	if *ct == "json" {
		opts = append(opts, scheduler.WithContentType(scheduler.ContentTypeJSON))
	}
	if *principal != "" {
		secret, err := os.ReadFile(*secretFile)
		if err != nil {
			fmt.Fprintln(os.Stderr, "chaosfw: -secret-file:", err)
			return 2
		}
		opts = append(opts, scheduler.WithCredentials(*principal, strings.TrimRight(string(secret), "\r\n")))
	}
	inner, err := detector.Parse(*master)
	if err != nil {
		fmt.Fprintln(os.Stderr, "chaosfw:", err)
		return 2
	}
	d := &proxied{inner: inner, via: via}
	defer d.Close()
	opts = append(opts, scheduler.WithDetector(d))
	info := scheduler.NewFrameworkInfo("nobody", "chaosfw", scheduler.FrameworkCheckpoint(),
		scheduler.FrameworkFailoverTimeout(time.Minute))
	c, err := scheduler.New(info, opts...)
	if err != nil {
		fmt.Fprintln(os.Stderr, "chaosfw:", err)
		return 2
	}
	f := &fw{client: c, tasks: *tasks, argv: []string{self, "-dir", *dir, "-work", work.String()},
		attempt: map[string]int{}, state: map[string]mesosproto.TaskState{}, acked: map[string]bool{}, since: map[string]time.Time{}}
	err = c.Run(ctx, scheduler.Callbacks{
		Subscribed: func(ctx context.Context, e *schedulerpb.Event_Subscribed) error {
			fmt.Printf("subscribed as framework %s\n", e.GetFrameworkId().GetValue())
			if f.done == f.tasks {
				f.soft("teardown", c.Teardown(ctx))
			}
			return nil
		},
		Offers:    f.offers,
		Update:    f.update,
		Heartbeat: f.heartbeat,
	})
	fmt.Printf("%d/%d tasks finished, %d updates redelivered after a successful acknowledgement, %d acknowledged\n",
		f.done, f.tasks, f.redeliv, len(f.acked))
	if err != nil {
		fmt.Fprintln(os.Stderr, "chaosfw:", err)
		return 1
	}
	if f.done < f.tasks {
		return 1
	}
	return 0
}

func (f *fw) soft(call string, err error) {
	if err != nil {
		fmt.Printf("%s failed (%v); going on\n", call, err)
	}
}

func (f *fw) missing() []string {
	var ids []string
	for k := 1; k <= f.tasks; k++ {
		id := "task-" + strconv.Itoa(k)
		if _, ok := f.state[id]; !ok && f.attempt[id] < maxAttempts {
			ids = append(ids, id)
		}
	}
	return ids
}

func (f *fw) offers(ctx context.Context, offers []scheduler.Offer) error {
	var reqs []scheduler.TaskRequest
	for _, id := range f.missing() {
		ex := scheduler.NewExecutor(fmt.Sprintf("%s-%d", id, f.attempt[id]+1), f.argv,
			scheduler.Scalar("cpus", 0.01), scheduler.Scalar("mem", 32))
		t := scheduler.NewTask(id, scheduler.TaskExecutor(ex),
			scheduler.TaskResources(scheduler.Scalar("cpus", 0.05), scheduler.Scalar("mem", 16)))
		reqs = append(reqs, scheduler.TaskRequest{Task: t})
	}
	assigned, _ := scheduler.Match(offers, reqs)
	for _, a := range assigned {
		if len(a.Tasks) == 0 {
			continue
		}
		err := f.client.Launch(ctx, []*mesosproto.OfferID{a.Offer.ProtoID()}, a.Tasks, nil)
		var refused *scheduler.APIError
		if errors.As(err, &refused) {
			fmt.Printf("launch refused: %v\n", err) // certainly not applied: launched with the next offers
			continue
		}
		var rec []*schedulerpb.Call_Reconcile_Task
		for _, t := range a.Tasks {
			id := t.GetTaskId().GetValue()
			f.attempt[id]++
			f.state[id] = mesosproto.TaskState_TASK_STAGING
			f.since[id] = time.Now()
			fmt.Printf("%s launched (attempt %d)\n", id, f.attempt[id])
			rec = append(rec, &schedulerpb.Call_Reconcile_Task{TaskId: t.GetTaskId()})
		}
		if err != nil {
			// The launch may have been applied: ask. An unknown task is answered TASK_LOST (launched again);
			// heartbeats ask again while it stays staging.
			fmt.Printf("launch failed (%v); reconciling\n", err)
			f.soft("reconcile", f.client.Reconcile(ctx, rec...))
		}
	}
	if len(f.missing()) == 0 {
		f.soft("suppress", f.client.Suppress(ctx))
	}
	return nil
}

// update handles one status, then acknowledges it from the handler and records the acknowledgement.
func (f *fw) update(ctx context.Context, st *mesosproto.TaskStatus) error {
	id := st.GetTaskId().GetValue()
	key := id + "/" + hex.EncodeToString(st.GetUuid())
	if len(st.GetUuid()) > 0 && f.acked[key] {
		f.redeliv++
		fmt.Printf("redelivered after a successful acknowledgement: %s %s uuid %s\n", id, st.GetState(), key)
	}
	fmt.Printf("update %s %s %s source %s executor %s uuid %x\n", id, st.GetState(), st.GetReason(), st.GetSource(),
		st.GetExecutorId().GetValue(), st.GetUuid())
	f.apply(ctx, st)
	if len(st.GetUuid()) > 0 {
		if err := f.client.AcknowledgeStatus(ctx, st); err != nil {
			f.soft("acknowledge", err) // the agent sends it again
		} else {
			f.acked[key] = true
		}
	}
	if f.done == f.tasks {
		f.soft("teardown", f.client.Teardown(ctx))
	}
	return nil
}

func (f *fw) apply(ctx context.Context, st *mesosproto.TaskStatus) {
	id := st.GetTaskId().GetValue()
	cur, known := f.state[id]
	if !known || mesosproto.IsTerminalState(cur) {
		return // not launched now, or over (a duplicate)
	}
	if ex := st.GetExecutorId().GetValue(); ex != "" && ex != fmt.Sprintf("%s-%d", id, f.attempt[id]) {
		return // an earlier executor's news
	}
	if f.client.IsStale(st) {
		return
	}
	switch s := st.GetState(); {
	case s == mesosproto.TaskState_TASK_FINISHED:
		f.state[id] = s
		f.done++
		fmt.Printf("%s %s [%d/%d done]\n", id, s, f.done, f.tasks)
	case mesosproto.IsTerminalState(s) || scheduler.IsLost(s):
		// Failed (the soak killed its executor), lost or dropped (an agent restart): launch it again.
		fmt.Printf("%s %s %s %s (attempt %d); launching it again\n", id, s, st.GetReason(), st.GetMessage(), f.attempt[id])
		delete(f.state, id)
		if f.attempt[id] >= maxAttempts && !f.gaveUp {
			f.gaveUp = true
			fmt.Printf("%s: giving up after %d attempts\n", id, maxAttempts)
		}
		f.soft("revive", f.client.Revive(ctx))
	default:
		f.state[id] = s
	}
}

// heartbeat reconciles the tasks still staging 5 s after their launch: a launch whose outcome was unknown
// and never reached the master is answered TASK_LOST, and launched again.
func (f *fw) heartbeat(ctx context.Context) error {
	var rec []*schedulerpb.Call_Reconcile_Task
	for id, st := range f.state {
		if st == mesosproto.TaskState_TASK_STAGING && time.Since(f.since[id]) > 5*time.Second {
			rec = append(rec, &schedulerpb.Call_Reconcile_Task{TaskId: &mesosproto.TaskID{Value: proto.String(id)}})
		}
	}
	if len(rec) > 0 {
		f.soft("reconcile", f.client.Reconcile(ctx, rec...))
	}
	return nil
}
