// SPDX-License-Identifier: Apache-2.0

package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"sync/atomic"
	"time"

	"go.uber.org/zap"

	"github.com/mesoskit/mesoskit/detector"
	"github.com/mesoskit/mesoskit/discovery"
	"github.com/mesoskit/mesoskit/ha"
	"github.com/mesoskit/mesoskit/internal/httpapi"
	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/schedulerpb"
	"github.com/mesoskit/mesoskit/scheduler"
)

// High availability (-ha zk://hosts/path): several copies of this program run as replicas of one
// framework. They elect a leader under path/leader; only the leader subscribes. The framework ID is kept
// at path/framework_id, every task at path/tasks/<task id> (written before the task is launched, then with
// each state change), and the outcome at path/state/done. A replica that takes over resubscribes with the
// stored framework ID, reconciles the recorded tasks and launches only those the master never saw. When
// every task has ended the leader records the outcome, prints the summary and exits; the standbys see the
// record and exit with the same status. The path keeps the outcome: use a new one for a new run.

func addHAFlags(fs *flag.FlagSet, o *options) {
	fs.StringVar(&o.ha, "ha", "", "run as one replica of a highly available framework coordinated in ZooKeeper at zk://[user:pass@]hosts/path (requires -master: every replica must use the same cluster)")
	fs.DurationVar(&o.haSessionTimeout, "ha-session-timeout", 10*time.Second, "ZooKeeper session timeout with -ha: a dead leader is replaced after about this long")
	addConfigFlags(fs, o)
}

func checkHAFlags(o options) error {
	if o.ha == "" {
		if o.haConfig {
			return errors.New("-ha-config requires -ha")
		}
		return nil
	}
	if o.master == "" {
		return errors.New("-ha requires -master: with the embedded cluster every replica would run a cluster of its own")
	}
	if o.teardown {
		return errors.New("-teardown cannot be combined with -ha: stopping one replica hands the framework over to another")
	}
	if _, err := detector.ParseZKURL(o.ha); err != nil {
		return fmt.Errorf("-ha: %w", err)
	}
	if o.haSessionTimeout <= 0 {
		return errors.New("-ha-session-timeout must be positive")
	}
	return nil
}

// taskRecord is what ZooKeeper keeps per task.
type taskRecord struct {
	State   string `json:"state"` // "launching" until the first status update, then the TaskState name
	AgentID string `json:"agent_id"`
}

const stateLaunching = "launching"

// outcome is the record written when every task has ended.
type outcome struct {
	Finished int `json:"finished"`
	Tasks    int `json:"tasks"`
}

// replica holds what a replica keeps across its terms.
type replica struct {
	o       options
	out     io.Writer
	log     *zap.Logger
	conn    *ha.Conn
	ids     *ha.FrameworkIDStore
	tasks   *ha.Records
	state   *ha.Records
	leading atomic.Bool
	result  atomic.Int32      // exit status decided by a leader of this process; -1 until then
	ann     *discovery.Client // -announce (announce.go); nil without it
	config  *ha.Config        // -ha-config (config.go); nil without it
}

// runHA runs one replica and returns the exit status.
func runHA(ctx context.Context, o options, stdout, stderr io.Writer, log *zap.Logger, ann *discovery.Client) int {
	u, _ := detector.ParseZKURL(o.ha) // checked by parseFlags
	zopts := []ha.Option{ha.WithSessionTimeout(o.haSessionTimeout), ha.WithLogger(log)}
	if u.Username != "" {
		zopts = append(zopts, ha.WithDigestAuth(u.Username, u.Password))
	}
	conn, err := ha.Connect(u.Servers, zopts...)
	if err != nil {
		fmt.Fprintln(stderr, "scheduler:", err)
		return 2
	}
	defer conn.Close()
	el, err := ha.NewElection(conn, u.Path+"/leader")
	ids, err2 := ha.NewFrameworkIDStore(conn, u.Path+"/framework_id")
	tasks, err3 := ha.NewRecords(conn, u.Path+"/tasks")
	state, err4 := ha.NewRecords(conn, u.Path+"/state")
	if err := errors.Join(err, err2, err3, err4); err != nil {
		fmt.Fprintln(stderr, "scheduler:", err)
		return 2
	}
	r := &replica{o: o, out: stdout, log: log, conn: conn, ids: ids, tasks: tasks, state: state, ann: ann}
	if o.haConfig {
		r.config, _ = ha.NewConfig(conn, u.Path+"/config") // the path was checked above
	}
	r.result.Store(-1)
	me := el.Identity()
	fmt.Fprintf(stdout, "replica %s (pid %d) joined the election at %s\n", me.Hostname, me.PID, u)

	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	standbyDone := make(chan int, 1)
	watcherDone := make(chan struct{})
	go func() {
		defer close(watcherDone)
		r.watchOutcome(runCtx, cancel, standbyDone)
	}()
	go r.announceLeader(runCtx, el, me)

	err = ha.Run(runCtx, el, r.lead)
	cancel()
	<-watcherDone
	if err != nil {
		fmt.Fprintln(stderr, "scheduler:", err)
		return 1
	}
	if code := r.result.Load(); code >= 0 {
		return int(code)
	}
	select {
	case code := <-standbyDone:
		return code
	default:
	}
	return 1 // interrupted before the work was done
}

// watchOutcome waits for the outcome record; a standby then prints it and stops.
func (r *replica) watchOutcome(ctx context.Context, stop context.CancelFunc, code chan<- int) {
	for {
		rec, changed, err := r.state.Watch(ctx, "done")
		if err != nil {
			return // ctx ended, or the Conn: Run reports what matters
		}
		if rec.Version != ha.Absent {
			if r.leading.Load() {
				return // our own outcome: the leader finishes by itself
			}
			var oc outcome
			_ = json.Unmarshal(rec.Data, &oc)
			fmt.Fprintf(r.out, "the leader recorded the outcome: %d/%d tasks finished\n", oc.Finished, oc.Tasks)
			code <- exitStatus(oc)
			stop()
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-changed:
		}
	}
}

// announceLeader prints who leads when another replica does.
func (r *replica) announceLeader(ctx context.Context, el *ha.Election, me ha.Identity) {
	id, err := el.Leader(ctx)
	if err == nil && (id.PID != me.PID || id.Hostname != me.Hostname || !id.Started.Equal(me.Started)) {
		fmt.Fprintf(r.out, "standing by; the leader is %s (pid %d)\n", id.Hostname, id.PID)
	}
}

func exitStatus(oc outcome) int {
	if oc.Finished == oc.Tasks && oc.Tasks > 0 {
		return 0
	}
	return 1
}

// lead runs while this replica leads: one scheduler.Client per term.
func (r *replica) lead(ctx context.Context, term *ha.Term) error {
	r.leading.Store(true)
	defer r.leading.Store(false)
	fmt.Fprintf(r.out, "leading (election node %s)\n", term.Node())
	if rec, err := r.state.Get(ctx, "done"); err == nil {
		var oc outcome
		_ = json.Unmarshal(rec.Data, &oc)
		fmt.Fprintf(r.out, "already done: %d/%d tasks finished\n", oc.Finished, oc.Tasks)
		r.result.Store(int32(exitStatus(oc)))
		return nil
	} else if !errors.Is(err, ha.ErrNotFound) {
		return err
	}

	mediaType := httpapi.MediaTypeProtobuf
	if r.o.contentType == "json" {
		mediaType = httpapi.MediaTypeJSON
	}
	creds, err := credentialsOption(r.o) // auth.go
	if err != nil {
		return err
	}
	client, err := scheduler.New(frameworkInfo(r.o.failover),
		scheduler.WithMaster(r.o.master),
		scheduler.WithContentType(mediaType),
		// The task records go with the framework ID when the framework is removed.
		scheduler.WithFrameworkIDStore(r.ids.Fenced(term).Dropping(r.tasks.Fenced(term))),
		scheduler.WithLogger(r.log),
		announceOption(r.ann, r.o),
		creds,
	)
	if err != nil {
		return err
	}
	h := &haDemo{demo: newDemo(client, r.o, r.out), r: r, tasks: r.tasks.Fenced(term), state: r.state.Fenced(term),
		recs: map[string]taskRecord{}, versions: map[string]ha.Version{}, unknown: map[string]bool{}}
	h.demo.noRelaunch = true // -ha relaunches through its records instead
	if err := h.load(ctx); err != nil {
		return err
	}
	if r.config != nil {
		h.live = new(atomic.Pointer[liveConfig])
		cctx, stop := context.WithCancel(ctx)
		followed, err := r.followConfig(cctx, h.live, func(ctx context.Context) { _ = client.Revive(ctx) })
		defer func() { stop(); <-followed }()
		if err != nil {
			return err
		}
		h.applyConfig()
	}
	err = client.Run(ctx, h.callbacks())
	if ctx.Err() != nil {
		if term.Err() != nil {
			fmt.Fprintf(r.out, "leadership lost (%v); standing by\n", term.Err())
		}
		return nil // another term, maybe elsewhere, goes on
	}
	if err != nil {
		return err
	}
	r.result.Store(int32(h.summary()))
	return nil
}

// haDemo is the demo framework with its tasks recorded in ZooKeeper. Like demo, it is used only from the
// Client's callbacks, one at a time.
type haDemo struct {
	*demo
	r        *replica
	tasks    *ha.Records // fenced by the term
	state    *ha.Records
	recs     map[string]taskRecord
	versions map[string]ha.Version
	unknown  map[string]bool             // records whose last write's outcome is unknown (unsure)
	live     *atomic.Pointer[liveConfig] // -ha-config: the latest configuration (config.go)
}

// load takes over the recorded tasks.
func (h *haDemo) load(ctx context.Context) error {
	all, err := h.tasks.List(ctx)
	if err != nil {
		return err
	}
	for _, rec := range all {
		var tr taskRecord
		if err := json.Unmarshal(rec.Data, &tr); err != nil {
			return fmt.Errorf("task record %s: %w", rec.Key, err)
		}
		h.recs[rec.Key], h.versions[rec.Key] = tr, rec.Version
		st := mesosproto.TaskState_TASK_STAGING
		if v, ok := mesosproto.TaskState_value[tr.State]; ok {
			st = mesosproto.TaskState(v)
		}
		h.demo.state[rec.Key] = st
		if mesosproto.IsTerminalState(st) {
			h.done++
			if st == mesosproto.TaskState_TASK_FINISHED {
				h.success++
			}
		}
	}
	if len(all) > 0 {
		fmt.Fprintf(h.out, "took over %d recorded tasks (%d done)\n", len(all), h.done)
	}
	return nil
}

func (h *haDemo) callbacks() scheduler.Callbacks {
	cb := h.demo.callbacks()
	cb.Subscribed = h.subscribed
	cb.Offers = h.offers
	cb.Update = h.update
	cb.Disconnected = func(ctx context.Context, err error) {
		if ctx.Err() == nil && h.done < h.opts.tasks {
			fmt.Fprintf(h.out, "disconnected (%v); resubscribing\n", err)
		}
	}
	return cb
}

// subscribed reconciles the recorded tasks that have not ended.
func (h *haDemo) subscribed(ctx context.Context, e *schedulerpb.Event_Subscribed) error {
	fmt.Fprintf(h.out, "subscribed as framework %s\n", e.GetFrameworkId().GetValue())
	if h.done == h.opts.tasks {
		// Every task ended (and was acknowledged) before the previous leader recorded the outcome: no
		// update will come, so record it now and finish (found by the chaos soak, internal/chaos).
		data, _ := json.Marshal(outcome{Finished: h.success, Tasks: h.opts.tasks})
		if _, err := h.state.Put(ctx, "done", data, ha.Absent); err != nil && !errors.Is(err, ha.ErrConflict) {
			return err
		}
		return h.demo.finish(ctx)
	}
	var list []*schedulerpb.Call_Reconcile_Task
	for id, tr := range h.recs {
		if st := h.demo.state[id]; !mesosproto.IsTerminalState(st) {
			list = append(list, &schedulerpb.Call_Reconcile_Task{
				TaskId:  &mesosproto.TaskID{Value: &id},
				AgentId: &mesosproto.AgentID{Value: &tr.AgentID},
			})
		}
	}
	if len(list) == 0 {
		return nil
	}
	fmt.Fprintf(h.out, "reconciling %d recorded tasks\n", len(list))
	h.demo.soft("reconcile", h.client.Reconcile(ctx, list...)) // asked again after the next SUBSCRIBED
	return nil
}

// offers launches the tasks that are not recorded yet, recording each before launching it.
func (h *haDemo) offers(ctx context.Context, offers []scheduler.Offer) error {
	h.applyConfig()
	assigned, _ := scheduler.Match(offers, h.requests(h.missing()))
	for _, a := range assigned {
		if len(a.Tasks) == 0 {
			continue
		}
		h.discoverable(a.Tasks)
		for _, t := range a.Tasks {
			if err := h.save(ctx, t.GetTaskId().GetValue(), taskRecord{State: stateLaunching, AgentID: a.Offer.AgentID}); err != nil {
				return err
			}
		}
		if err := h.client.Launch(ctx, []*mesosproto.OfferID{a.Offer.ProtoID()}, a.Tasks, nil); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			fmt.Fprintf(h.out, "launch on %s failed: %v\n", a.Offer.Hostname, err)
			for _, t := range a.Tasks { // not launched: the next offers try again
				if err := h.forget(ctx, t.GetTaskId().GetValue()); err != nil {
					return err
				}
			}
			continue
		}
		for _, t := range a.Tasks {
			h.demo.state[t.GetTaskId().GetValue()] = mesosproto.TaskState_TASK_STAGING
			fmt.Fprintf(h.out, "%-8s launched on %s\n", t.GetTaskId().GetValue(), a.Offer.Hostname)
		}
	}
	if len(h.missing()) == 0 {
		h.demo.soft("suppress", h.client.Suppress(ctx))
	}
	return nil
}

// missing returns the tasks not recorded yet, in order.
func (h *haDemo) missing() []string {
	var ids []string
	for k := 1; k <= h.opts.tasks; k++ {
		if id := "task-" + strconv.Itoa(k); h.recs[id].State == "" {
			ids = append(ids, id)
		}
	}
	return ids
}

// update records each state change before the demo reacts to it (and the Client acknowledges it).
func (h *haDemo) update(ctx context.Context, st *mesosproto.TaskStatus) error {
	h.applyConfig()
	id := st.GetTaskId().GetValue()
	tr, known := h.recs[id]
	if !known {
		return nil
	}
	if h.client.IsStale(st) {
		return nil // answers a reconciliation sent before the last launch: nothing new
	}
	if tr.State == stateLaunching && st.GetReason() == mesosproto.TaskStatus_REASON_RECONCILIATION && neverLaunched(st.GetState()) {
		// Recorded, but the launch never reached the master: launch it now.
		fmt.Fprintf(h.out, "%-8s was never launched; launching it\n", id)
		if err := h.forget(ctx, id); err != nil {
			return err
		}
		return h.client.Revive(ctx)
	}
	prev := h.demo.state[id]
	if prev == st.GetState() || mesosproto.IsTerminalState(prev) {
		return h.demo.update(ctx, st) // nothing new: the demo ignores it
	}
	tr.State = st.GetState().String()
	if err := h.save(ctx, id, tr); err != nil {
		return err
	}
	if mesosproto.IsTerminalState(st.GetState()) && h.done+1 == h.opts.tasks {
		// This update ends the work: record the outcome before the demo tears the framework down.
		success := h.success
		if st.GetState() == mesosproto.TaskState_TASK_FINISHED {
			success++
		}
		data, _ := json.Marshal(outcome{Finished: success, Tasks: h.opts.tasks})
		if _, err := h.state.Put(ctx, "done", data, ha.Absent); err != nil {
			return err
		}
	}
	return h.demo.update(ctx, st)
}

// neverLaunched reports the states a master answers reconciliation with for a task it does not know.
func neverLaunched(s mesosproto.TaskState) bool {
	switch s {
	case mesosproto.TaskState_TASK_LOST, mesosproto.TaskState_TASK_UNKNOWN, mesosproto.TaskState_TASK_GONE,
		mesosproto.TaskState_TASK_DROPPED:
		return true
	}
	return false
}

// save writes a task's record with compare-and-set.
func (h *haDemo) save(ctx context.Context, id string, tr taskRecord) error {
	if err := h.reread(ctx, id); err != nil {
		return err
	}
	data, _ := json.Marshal(tr)
	expect, ok := h.versions[id]
	if !ok {
		expect = ha.Absent
	}
	v, err := h.tasks.Put(ctx, id, data, expect)
	if errors.Is(err, ha.ErrOutcomeUnknown) { // read back: was it written?
		var applied bool
		if applied, v, err = h.tasks.Resolve(ctx, err); err == nil && !applied {
			v, err = h.tasks.Put(ctx, id, data, expect)
		}
	}
	if err != nil {
		h.unsure(id, err)
		return fmt.Errorf("recording %s: %w", id, err)
	}
	h.recs[id], h.versions[id] = tr, v
	return nil
}

// forget deletes a task's record, so that it is launched again.
func (h *haDemo) forget(ctx context.Context, id string) error {
	if err := h.reread(ctx, id); err != nil {
		return err
	}
	err := h.tasks.Delete(ctx, id, h.versions[id])
	if errors.Is(err, ha.ErrOutcomeUnknown) { // read back: was it deleted?
		var applied bool
		if applied, _, err = h.tasks.Resolve(ctx, err); err == nil && !applied {
			err = h.tasks.Delete(ctx, id, h.versions[id])
		}
	}
	if err != nil {
		h.unsure(id, err)
		return fmt.Errorf("forgetting %s: %w", id, err)
	}
	delete(h.recs, id)
	delete(h.versions, id)
	delete(h.demo.state, id)
	return nil
}

// unsure notes a write whose outcome stayed unknown (its ctx ended before ZooKeeper's answer or a read-back:
// the Client then treats the handler's error as the end of the subscription, not of Run): the record's
// version is read again before the next write (found by the chaos soak, internal/chaos).
func (h *haDemo) unsure(id string, err error) {
	if errors.Is(err, ha.ErrOutcomeUnknown) {
		h.unknown[id] = true
	}
}

// reread takes the record's version from ZooKeeper after a write whose outcome stayed unknown.
func (h *haDemo) reread(ctx context.Context, id string) error {
	if !h.unknown[id] {
		return nil
	}
	rec, err := h.tasks.Get(ctx, id)
	switch {
	case errors.Is(err, ha.ErrNotFound):
		delete(h.versions, id)
	case err != nil:
		return fmt.Errorf("re-reading %s: %w", id, err)
	default:
		h.versions[id] = rec.Version
	}
	delete(h.unknown, id)
	return nil
}
