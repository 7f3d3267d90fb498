// SPDX-License-Identifier: Apache-2.0

package ha_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os/user"
	"sort"
	"sync"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/ha"
	"github.com/mesoskit/mesoskit/internal/zktest"
	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/schedulerpb"
	"github.com/mesoskit/mesoskit/mesostest"
	"github.com/mesoskit/mesoskit/scheduler"
)

// taskRecord is what the test framework keeps in ZooKeeper per task, written before the task is launched.
type taskRecord struct {
	State   string `json:"state"` // "launching" until the first update, then the TaskState name
	AgentID string `json:"agent_id"`
}

const stateLaunching = "launching"

// refuseSeconds filters declined and left-over resources briefly, so that offers come back quickly.
const refuseSeconds = 0.05

// framework is the shared configuration of the replicas of a test framework: it runs `want` tasks, one
// per offer, each recorded in ZooKeeper before it is launched; a leader that takes over reconciles the
// recorded tasks and launches only those the master does not know.
type framework struct {
	srv  *mesostest.Server
	base string
	want int
	gate chan struct{} // tasks after the first gateAfter are launched only once gate is closed
	open int           // gateAfter

	mu     sync.Mutex
	events []fwEvent
}

type fwEvent struct {
	replica int
	what    string // "subscribed", "stopped"
	id      string // framework ID (subscribed) or Run's error (stopped)
	at      time.Time
}

func (f *framework) event(i int, what, id string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.events = append(f.events, fwEvent{i, what, id, time.Now()})
}

func (f *framework) eventsOf(what string) []fwEvent {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []fwEvent
	for _, e := range f.events {
		if e.what == what {
			out = append(out, e)
		}
	}
	return out
}

func frameworkInfo() *mesosproto.FrameworkInfo {
	name := "nobody"
	if u, err := user.Current(); err == nil && u.Username != "" {
		name = u.Username
	}
	return &mesosproto.FrameworkInfo{
		User:            proto.String(name),
		Name:            proto.String("ha-test"),
		FailoverTimeout: proto.Float64(60),
	}
}

// lead is the function given to ha.Run: one scheduler.Client per Term.
func (f *framework) lead(t testing.TB, r *replica) func(ctx context.Context, term *ha.Term) error {
	return func(ctx context.Context, term *ha.Term) error {
		ids, err := ha.NewFrameworkIDStore(r.conn, f.base+"/framework_id")
		if err != nil {
			return err
		}
		all, err := ha.NewRecords(r.conn, f.base+"/tasks")
		if err != nil {
			return err
		}
		tasks := all.Fenced(term)
		recs, err := tasks.List(ctx)
		if err != nil {
			return err
		}
		known := map[string]taskRecord{}
		versions := map[string]ha.Version{}
		for _, rec := range recs {
			var tr taskRecord
			if err := json.Unmarshal(rec.Data, &tr); err != nil {
				return err
			}
			known[rec.Key], versions[rec.Key] = tr, rec.Version
		}
		if f.finished(known) {
			return nil // done, by an earlier leader
		}
		client, err := scheduler.New(frameworkInfo(),
			scheduler.WithMaster(f.srv.URL()),
			scheduler.WithFrameworkIDStore(ids.Fenced(term)),
			scheduler.WithBackoff(10*time.Millisecond, 100*time.Millisecond),
			scheduler.WithRefuseSeconds(refuseSeconds),
			scheduler.WithLogger(testLogger(t).Named(fmt.Sprint("replica-", r.i))))
		if err != nil {
			return err
		}
		save := func(ctx context.Context, id string, tr taskRecord) error {
			data, _ := json.Marshal(tr)
			expect, ok := versions[id]
			if !ok {
				expect = ha.Absent
			}
			v, err := tasks.Put(ctx, id, data, expect)
			if err != nil {
				return err
			}
			known[id], versions[id] = tr, v
			return nil
		}
		err = client.Run(ctx, scheduler.Callbacks{
			Subscribed: func(ctx context.Context, e *schedulerpb.Event_Subscribed) error {
				f.event(r.i, "subscribed", e.GetFrameworkId().GetValue())
				var list []*schedulerpb.Call_Reconcile_Task
				for id, tr := range known {
					if !terminal(tr.State) {
						list = append(list, &schedulerpb.Call_Reconcile_Task{
							TaskId:  &mesosproto.TaskID{Value: proto.String(id)},
							AgentId: &mesosproto.AgentID{Value: proto.String(tr.AgentID)},
						})
					}
				}
				if len(list) == 0 {
					return nil
				}
				return client.Reconcile(ctx, list...)
			},
			Offers: func(ctx context.Context, offers []scheduler.Offer) error {
				for _, o := range offers {
					id := f.next(known)
					if id == "" {
						return nil
					}
					// Record first: a successor must know about every task that may have been launched.
					if err := save(ctx, id, taskRecord{State: stateLaunching, AgentID: o.AgentID}); err != nil {
						return err
					}
					task := &mesosproto.TaskInfo{
						Name:      proto.String(id),
						TaskId:    &mesosproto.TaskID{Value: proto.String(id)},
						AgentId:   o.ProtoAgentID(),
						Command:   &mesosproto.CommandInfo{Value: proto.String("true")},
						Resources: []*mesosproto.Resource{scalar("cpus", 0.1), scalar("mem", 16)},
					}
					filters := &mesosproto.Filters{RefuseSeconds: proto.Float64(refuseSeconds)}
					if err := client.Launch(ctx, []*mesosproto.OfferID{o.ProtoID()}, []*mesosproto.TaskInfo{task}, filters); err != nil {
						if ctx.Err() != nil {
							return ctx.Err()
						}
						// Not launched: forget the record, the next offer tries again.
						if err := tasks.Delete(ctx, id, versions[id]); err != nil {
							return err
						}
						delete(known, id)
						delete(versions, id)
					}
				}
				return nil
			},
			Update: func(ctx context.Context, st *mesosproto.TaskStatus) error {
				id := st.GetTaskId().GetValue()
				tr, ok := known[id]
				if !ok || terminal(tr.State) {
					return nil
				}
				if tr.State == stateLaunching && st.GetReason() == mesosproto.TaskStatus_REASON_RECONCILIATION &&
					(st.GetState() == mesosproto.TaskState_TASK_LOST || st.GetState() == mesosproto.TaskState_TASK_UNKNOWN ||
						st.GetState() == mesosproto.TaskState_TASK_GONE || st.GetState() == mesosproto.TaskState_TASK_DROPPED) {
					// Recorded but never launched: launch it (again) with the next offer.
					if err := tasks.Delete(ctx, id, versions[id]); err != nil {
						return err
					}
					delete(known, id)
					delete(versions, id)
					return client.Revive(ctx)
				}
				tr.State = st.GetState().String()
				if err := save(ctx, id, tr); err != nil {
					return err
				}
				if f.finished(known) {
					if err := client.AcknowledgeStatus(ctx, st); err != nil {
						return err
					}
					return client.Teardown(ctx)
				}
				return nil
			},
		})
		f.event(r.i, "stopped", fmt.Sprint(err))
		return err
	}
}

// next returns the ID of the next task to launch, or "".
func (f *framework) next(known map[string]taskRecord) string {
	for k := 1; k <= f.want; k++ {
		id := fmt.Sprintf("task-%d", k)
		if _, ok := known[id]; ok {
			continue
		}
		if k > f.open && !closedChan(f.gate) {
			return ""
		}
		return id
	}
	return ""
}

func (f *framework) finished(known map[string]taskRecord) bool {
	if len(known) < f.want {
		return false
	}
	for _, tr := range known {
		if tr.State != mesosproto.TaskState_TASK_FINISHED.String() {
			return false
		}
	}
	return true
}

func terminal(state string) bool {
	v, ok := mesosproto.TaskState_value[state]
	if !ok {
		return false
	}
	switch mesosproto.TaskState(v) {
	case mesosproto.TaskState_TASK_FINISHED, mesosproto.TaskState_TASK_FAILED, mesosproto.TaskState_TASK_KILLED,
		mesosproto.TaskState_TASK_LOST, mesosproto.TaskState_TASK_ERROR, mesosproto.TaskState_TASK_DROPPED,
		mesosproto.TaskState_TASK_GONE, mesosproto.TaskState_TASK_GONE_BY_OPERATOR:
		return true
	}
	return false
}

func scalar(name string, v float64) *mesosproto.Resource {
	return &mesosproto.Resource{Name: proto.String(name), Type: mesosproto.Value_SCALAR.Enum(),
		Scalar: &mesosproto.Value_Scalar{Value: proto.Float64(v)}}
}

// running is a replica of a framework running ha.Run.
type running struct {
	cancel context.CancelFunc
	done   chan struct{} // closed when Run has returned
	err    error
}

// stop cancels the replica and returns Run's result.
func (r *running) stop() error {
	r.cancel()
	<-r.done
	return r.err
}

// startFrameworkReplica runs replica r of f with ha.Run, recording its Terms in l.
func startFrameworkReplica(t *testing.T, f *framework, r *replica, l *ledger) *running {
	ctx, cancel := context.WithCancel(context.Background())
	run := &running{cancel: cancel, done: make(chan struct{})}
	lead := f.lead(t, r)
	go func() {
		defer close(run.done)
		run.err = ha.Run(ctx, r.el, func(ctx context.Context, term *ha.Term) error {
			l.begin(r.i, term)
			return lead(ctx, term)
		})
	}()
	t.Cleanup(func() { run.stop() })
	return run
}

// launches returns, per task ID, how many accepted ACCEPT calls launched it.
func launches(srv *mesostest.Server) map[string]int {
	out := map[string]int{}
	for _, c := range srv.Calls() {
		if c.Type != schedulerpb.Call_ACCEPT || c.Status != 202 {
			continue
		}
		for _, op := range c.Call.GetAccept().GetOperations() {
			for _, ti := range op.GetLaunch().GetTaskInfos() {
				out[ti.GetTaskId().GetValue()]++
			}
		}
	}
	return out
}

// subscribes returns the successful SUBSCRIBE calls.
func subscribes(srv *mesostest.Server) []mesostest.Call {
	var out []mesostest.Call
	for _, c := range srv.Calls() {
		if c.Type == schedulerpb.Call_SUBSCRIBE && c.Status == 200 {
			out = append(out, c)
		}
	}
	return out
}

// reconciled returns the task IDs of the RECONCILE calls made on stream.
func reconciled(srv *mesostest.Server, stream string) []string {
	var out []string
	for _, c := range srv.Calls() {
		if c.Type == schedulerpb.Call_RECONCILE && c.StreamID == stream {
			for _, rt := range c.Call.GetReconcile().GetTasks() {
				out = append(out, rt.GetTaskId().GetValue())
			}
		}
	}
	sort.Strings(out)
	return out
}

// callsAfter returns the calls made on stream after tm.
func callsAfter(srv *mesostest.Server, stream string, tm time.Time) []mesostest.Call {
	var out []mesostest.Call
	for _, c := range srv.Calls() {
		if c.StreamID == stream && c.Type != schedulerpb.Call_SUBSCRIBE && c.Time.After(tm) {
			out = append(out, c)
		}
	}
	return out
}

// TestSchedulerFailover runs three replicas of a framework against mesostest, on a three-server ZooKeeper
// ensemble: one subscribes; when its session is expired a standby resubscribes with the same framework ID
// and reconciles the recorded tasks instead of launching them again (launching only the one that never
// reached the master), while a ZooKeeper member dies; a partitioned leader stops calling the master
// before the next one subscribes; a restart of every replica keeps the state; the work completes.
func TestSchedulerFailover(t *testing.T) {
	zkc := zktest.StartEnsemble(t, 3)
	srv, err := mesostest.NewServer(
		mesostest.WithAgents(1, "cpus:4;mem:4096"),
		mesostest.WithSimulatedTasks(-1),
		mesostest.WithHeartbeatInterval(100*time.Millisecond),
		mesostest.WithAllocationInterval(20*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	ctx := testCtx(t)
	base := basePath(t)
	f := &framework{srv: srv, base: base, want: 4, open: 3, gate: make(chan struct{})}
	l := newLedger()
	start := func(i int) (*replica, *running) {
		r := newReplica(t, zkc, base+"/leader", i, safeSession)
		return r, startFrameworkReplica(t, f, r, l)
	}
	reps := make([]*replica, 3)
	runs := make([]*running, 3)
	for i := range 3 {
		reps[i], runs[i] = start(i)
	}

	// One leader subscribes and runs three tasks.
	for k := 1; k <= 3; k++ {
		if _, err := srv.WaitTask(ctx, fmt.Sprintf("task-%d", k), mesosproto.TaskState_TASK_RUNNING); err != nil {
			t.Fatal(err)
		}
	}
	subs := subscribes(srv)
	if len(subs) != 1 {
		t.Fatalf("%d subscriptions, want 1", len(subs))
	}
	fwID := subs[0].FrameworkID
	first := l.waitTerms(t, 1)

	// The fourth task is recorded, but its launch hangs at the master and never happens.
	srv.Inject(schedulerpb.Call_ACCEPT, mesostest.Fault{Status: 503, Body: "stuck", Delay: waitLimit})
	raw := rawConn(t, zkc)
	close(f.gate)
	waitFor(t, "task-4 to be recorded", func() bool {
		ok, _, _ := raw.Exists(base + "/tasks/task-4")
		return ok
	})

	// Expire the leader's session, and kill a ZooKeeper follower meanwhile.
	expired := time.Now()
	expireSession(t, zkc, reps[first.replica].conn)
	victim := (zkc.Leader() + 1) % 3
	zkc.Kill(t, victim)
	second := l.waitTerms(t, 2)
	waitFor(t, "the second subscription", func() bool { return len(subscribes(srv)) == 2 })
	sub2 := subscribes(srv)[1]
	if sub2.FrameworkID != fwID {
		t.Fatalf("resubscribed as %q, want the same framework %q", sub2.FrameworkID, fwID)
	}
	takeover := sub2.Time.Sub(expired)
	t.Logf("session expired → replica %d resubscribed in %v (session timeout %v)", second.replica, takeover, safeSession)
	if takeover > safeSession+time.Second {
		t.Errorf("takeover took %v, more than the session timeout (%v) plus a step", takeover, safeSession)
	}
	if _, err := srv.WaitTask(ctx, "task-4", mesosproto.TaskState_TASK_RUNNING); err != nil {
		t.Fatal(err)
	}
	if got := reconciled(srv, sub2.StreamID); fmt.Sprint(got) != "[task-1 task-2 task-3 task-4]" {
		t.Errorf("the new leader reconciled %v, want the four recorded tasks", got)
	}
	if got := launches(srv); len(got) != 4 || got["task-1"] != 1 || got["task-2"] != 1 || got["task-3"] != 1 || got["task-4"] != 1 {
		t.Errorf("launches: %v; want each task launched once", got)
	}
	// The old leader had stopped before the new one subscribed.
	stopped := f.eventsOf("stopped")
	if len(stopped) != 1 || stopped[0].replica != first.replica || stopped[0].id != "<nil>" || !stopped[0].at.Before(sub2.Time) {
		t.Errorf("old leader stopped: %+v; new subscription at %v", stopped, sub2.Time.Format("15:04:05.000000"))
	}
	zkc.Restart(t, victim)

	// Partition the new leader: it stops calling the master before the third replica subscribes.
	waitFor(t, "the expired replica back in line", func() bool { return len(children(t, zkc, base+"/leader")) == 3 })
	partitioned := time.Now()
	reps[second.replica].net.Partition()
	third := l.waitTerms(t, 3)
	waitFor(t, "the third subscription", func() bool { return len(subscribes(srv)) == 3 })
	sub3 := subscribes(srv)[2]
	t.Logf("partition → replica %d resubscribed in %v", third.replica, sub3.Time.Sub(partitioned))
	if sub3.FrameworkID != fwID {
		t.Errorf("third subscription as %q", sub3.FrameworkID)
	}
	stopped = f.eventsOf("stopped")
	if len(stopped) != 2 || stopped[1].replica != second.replica || !stopped[1].at.Before(sub3.Time) {
		t.Errorf("partitioned leader stopped: %+v; next subscription at %v", stopped, sub3.Time.Format("15:04:05.000000"))
	}
	if late := callsAfter(srv, sub2.StreamID, stopped[1].at); len(late) != 0 {
		t.Errorf("the partitioned leader called the master after it stopped: %v", late)
	}
	reps[second.replica].net.Heal()
	l.check(t)

	// Restart every replica: the state is in ZooKeeper.
	for _, run := range runs {
		if err := run.stop(); err != nil {
			t.Errorf("replica stopped with %v", err)
		}
	}
	for _, r := range reps {
		r.conn.Close()
	}
	for i := range 3 {
		reps[i], runs[i] = start(3 + i)
	}
	waitFor(t, "the subscription after the restart", func() bool { return len(subscribes(srv)) == 4 })
	sub4 := subscribes(srv)[3]
	if sub4.FrameworkID != fwID {
		t.Errorf("after the restart: subscribed as %q", sub4.FrameworkID)
	}
	waitFor(t, "reconciliation after the restart", func() bool { return len(reconciled(srv, sub4.StreamID)) == 4 })

	// The work completes: the leader tears the framework down and every replica's Run returns nil.
	for k := 1; k <= 4; k++ {
		if err := srv.CompleteTask(fmt.Sprintf("task-%d", k), mesosproto.TaskState_TASK_FINISHED, ""); err != nil {
			t.Fatal(err)
		}
	}
	for i, run := range runs {
		select {
		case <-run.done:
			if run.err != nil {
				t.Errorf("replica %d: %v", 3+i, run.err)
			}
		case <-ctx.Done():
			t.Fatalf("replica %d did not finish", 3+i)
		}
	}
	l.check(t)
	if got := launches(srv); len(got) != 4 {
		t.Errorf("launches: %v", got)
	}
	if st, _ := srv.Framework(fwID); st.State != mesostest.FrameworkRemoved {
		t.Errorf("framework %s is %v, want removed", fwID, st.State)
	}
	ids, _ := ha.NewFrameworkIDStore(reps[0].conn, base+"/framework_id")
	if id, err := ids.Load(ctx); err != nil || id != "" {
		t.Errorf("framework ID after teardown: %q, %v; want it forgotten", id, err)
	}
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		t.Fatal("timed out")
	}
}
