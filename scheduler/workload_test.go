// SPDX-License-Identifier: Apache-2.0

package scheduler_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesostest"
	"github.com/mesoskit/mesoskit/scheduler"
)

// workload launches n real `echo` tasks on the offers it gets, at most two
// per offer, and records every status update it sees.
type workload struct {
	c   *scheduler.Client
	n   int
	cmd string

	mu       sync.Mutex
	launched int
	states   map[string][]mesosproto.TaskState
	reliable map[string]int // updates carrying a uuid, per task
	done     map[string]bool
	allDone  chan struct{}
	errs     []error // Launch errors
}

func newWorkload(n int) *workload {
	return &workload{
		n:        n,
		cmd:      "echo hello from mesoskit",
		states:   map[string][]mesosproto.TaskState{},
		reliable: map[string]int{},
		done:     map[string]bool{},
		allDone:  make(chan struct{}),
	}
}

func scalar(name string, v float64) *mesosproto.Resource {
	return &mesosproto.Resource{
		Name:   proto.String(name),
		Type:   mesosproto.Value_SCALAR.Enum(),
		Scalar: &mesosproto.Value_Scalar{Value: proto.Float64(v)},
	}
}

func echoTask(id, cmd string, agent *mesosproto.AgentID) *mesosproto.TaskInfo {
	return &mesosproto.TaskInfo{
		Name:      proto.String(id),
		TaskId:    &mesosproto.TaskID{Value: proto.String(id)},
		AgentId:   agent,
		Resources: []*mesosproto.Resource{scalar("cpus", 0.1), scalar("mem", 32)},
		Command:   &mesosproto.CommandInfo{Value: proto.String(cmd), Shell: proto.Bool(true)},
	}
}

// callbacks returns the workload's Offers and Update callbacks.
func (w *workload) callbacks() scheduler.Callbacks {
	return scheduler.Callbacks{Offers: w.offers, Update: w.update}
}

func (w *workload) offers(ctx context.Context, offers []scheduler.Offer) error {
	for _, o := range offers {
		w.mu.Lock()
		var tasks []*mesosproto.TaskInfo
		for len(tasks) < 2 && w.launched < w.n {
			tasks = append(tasks, echoTask(fmt.Sprintf("task-%d", w.launched), w.cmd, o.ProtoAgentID()))
			w.launched++
		}
		w.mu.Unlock()
		if len(tasks) == 0 {
			continue // left to the automatic decline
		}
		if err := w.c.Launch(ctx, []*mesosproto.OfferID{o.ProtoID()}, tasks, nil); err != nil {
			w.mu.Lock()
			w.errs = append(w.errs, err)
			w.launched -= len(tasks) // try again on a later offer
			w.mu.Unlock()
		}
	}
	return nil
}

func (w *workload) update(_ context.Context, st *mesosproto.TaskStatus) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	id := st.GetTaskId().GetValue()
	w.states[id] = append(w.states[id], st.GetState())
	if len(st.GetUuid()) > 0 {
		w.reliable[id]++
	}
	if terminal(st.GetState()) && !w.done[id] {
		w.done[id] = true
		if len(w.done) == w.n {
			close(w.allDone)
		}
	}
	return nil
}

func terminal(s mesosproto.TaskState) bool {
	switch s {
	case mesosproto.TaskState_TASK_FINISHED, mesosproto.TaskState_TASK_FAILED, mesosproto.TaskState_TASK_KILLED,
		mesosproto.TaskState_TASK_LOST, mesosproto.TaskState_TASK_ERROR, mesosproto.TaskState_TASK_DROPPED,
		mesosproto.TaskState_TASK_GONE, mesosproto.TaskState_TASK_GONE_BY_OPERATOR:
		return true
	}
	return false
}

// lifecycle ranks the states a command task goes through.
var lifecycle = map[mesosproto.TaskState]int{
	mesosproto.TaskState_TASK_STAGING:  0,
	mesosproto.TaskState_TASK_STARTING: 1,
	mesosproto.TaskState_TASK_RUNNING:  2,
	mesosproto.TaskState_TASK_FINISHED: 3,
}

// check asserts that every task went through its states once each, in
// order, ended FINISHED, and that the master saw exactly one acknowledgement
// per reliable update and no duplicate.
func (w *workload) check(t *testing.T, srv *mesostest.Server, frameworkID string) {
	t.Helper()
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.states) != w.n {
		t.Fatalf("updates for %d tasks, want %d", len(w.states), w.n)
	}
	// The last acknowledgement is sent after the last Update returns: wait
	// for the master to have them all, then check there is no extra one.
	var st mesostest.FrameworkStatus
	eventually(t, "every reliable update acknowledged", func() bool {
		var ok bool
		st, ok = srv.Framework(frameworkID)
		if !ok {
			return false
		}
		for id, n := range w.reliable {
			if st.Acknowledged[id] < n {
				return false
			}
		}
		return true
	})
	for id, states := range w.states {
		if last := states[len(states)-1]; last != mesosproto.TaskState_TASK_FINISHED {
			t.Errorf("task %s ended %v, want TASK_FINISHED (states %v)", id, last, states)
		}
		for i := 1; i < len(states); i++ {
			if lifecycle[states[i]] <= lifecycle[states[i-1]] {
				t.Errorf("task %s: states out of order or repeated: %v", id, states)
				break
			}
		}
		if w.reliable[id] == 0 {
			t.Errorf("task %s: no update carried a uuid", id)
		}
		if got := st.Acknowledged[id]; got != w.reliable[id] {
			t.Errorf("task %s: master saw %d acknowledgements, want %d (one per reliable update)", id, got, w.reliable[id])
		}
		if d := st.DuplicateAcks[id]; d != 0 {
			t.Errorf("task %s: %d duplicate acknowledgements", id, d)
		}
	}
}
