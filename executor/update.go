// SPDX-License-Identifier: Apache-2.0

package executor

import (
	"context"
	"crypto/rand"
	"fmt"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/executorpb"
)

// Update sends a task status update reliably. It fills in what the agent
// requires (src/common/validation.cpp validateExecutorCall): a fresh uuid of
// 16 random bytes (RFC 4122 version 4; any uuid already in st is replaced,
// since a reused one would be taken for a duplicate), source
// SOURCE_EXECUTOR, executor_id, and timestamp (now) when unset. st itself is
// not modified.
//
// The update goes into the executor's journal first, where it stays until
// the agent sends ACKNOWLEDGED for it; every (re)subscription carries the
// journal, so an update is never lost to a disconnection or an agent
// restart. Update then returns:
//   - nil once the agent answered 202, or at once when no subscription is
//     live (the update waits in the journal for the next one); an update
//     the agent answers 503 (it is still recovering) is first sent again
//     with backoff while the subscription lives (a few seconds at most),
//     then also waits in the journal;
//   - the *APIError with which the agent refused it (the update is then
//     dropped from the journal when the answer was 400);
//   - ctx.Err() if ctx ends first (the update stays journalled and is still
//     delivered);
//   - an error wrapping ErrInvalidStatus for a status the agent would
//     refuse (no task_id, no state, or TASK_STAGING), or ErrStopped after Run
//     returned; nothing is journalled then.
func (x *Executor) Update(ctx context.Context, st *mesosproto.TaskStatus) error {
	wait, err := x.enqueueUpdate(st)
	if err != nil {
		return err
	}
	return wait(ctx)
}

// enqueueUpdate journals st and queues it for sending; wait blocks until the
// outcome is known. Built-in handlers journal under their own lock (cheap,
// no I/O) so that a task's updates keep their order, and never wait.
func (x *Executor) enqueueUpdate(st *mesosproto.TaskStatus) (wait func(context.Context) error, err error) {
	if st.GetTaskId().GetValue() == "" {
		return nil, fmt.Errorf("%w: task_id is empty", ErrInvalidStatus)
	}
	if st.State == nil {
		return nil, fmt.Errorf("%w: state is not set", ErrInvalidStatus)
	}
	if st.GetState() == mesosproto.TaskState_TASK_STAGING {
		return nil, fmt.Errorf("%w: executors may not send TASK_STAGING", ErrInvalidStatus)
	}
	st = proto.Clone(st).(*mesosproto.TaskStatus)
	uuid := newUUID()
	st.Uuid = uuid
	st.Source = mesosproto.TaskStatus_SOURCE_EXECUTOR.Enum()
	st.ExecutorId = x.executorID
	if st.Timestamp == nil {
		st.Timestamp = proto.Float64(nowSeconds())
	}
	update := &executorpb.Call_Update{Status: st}
	taskID := st.GetTaskId().GetValue()

	x.mu.Lock()
	if x.state == stateStopped {
		x.mu.Unlock()
		return nil, ErrStopped
	}
	x.journal = append(x.journal, &journalEntry{uuid: string(uuid), taskID: taskID, update: update})
	if t, ok := x.tasks[taskID]; ok && mesosproto.IsTerminalState(st.GetState()) {
		if !t.terminal {
			x.m.taskEnded(t.launched, st.GetState())
		}
		t.terminal = true
	}
	var item *outItem
	if x.state == stateSubscribed {
		item = &outItem{
			call: x.call(executorpb.Call_UPDATE, func(c *executorpb.Call) { c.Update = update }),
			uuid: string(uuid), gen: x.gen, done: make(chan error, 1),
		}
		x.outbox = append(x.outbox, item)
		notify(x.wake)
	}
	hook := x.updateHook
	x.mu.Unlock()
	notify(x.changed)
	x.announceStatus(st)
	if hook != nil {
		hook(st)
	}

	if item == nil {
		return func(context.Context) error { return nil }, nil
	}
	return item.wait, nil
}

// Message sends data to the scheduler (best effort: Mesos neither retries nor
// acknowledges it). It needs a live subscription (else ErrNotSubscribed) and
// returns once the agent answered.
func (x *Executor) Message(ctx context.Context, data []byte) error {
	x.mu.Lock()
	switch x.state {
	case stateStopped:
		x.mu.Unlock()
		return ErrStopped
	case stateSubscribed:
	default:
		x.mu.Unlock()
		return ErrNotSubscribed
	}
	item := &outItem{
		call: x.call(executorpb.Call_MESSAGE, func(c *executorpb.Call) {
			c.Message = &executorpb.Call_Message{Data: append([]byte{}, data...)}
		}),
		gen: x.gen, done: make(chan error, 1),
	}
	x.outbox = append(x.outbox, item)
	notify(x.wake)
	x.mu.Unlock()
	return item.wait(ctx)
}

// call builds a Call of type t with the executor's IDs.
func (x *Executor) call(t executorpb.Call_Type, fill func(*executorpb.Call)) *executorpb.Call {
	c := &executorpb.Call{
		Type:        t.Enum(),
		FrameworkId: x.frameworkID,
		ExecutorId:  x.executorID,
	}
	if fill != nil {
		fill(c)
	}
	return c
}

// outItem is a call waiting for the sender goroutine.
type outItem struct {
	call *executorpb.Call
	uuid string     // UPDATE only
	gen  uint64     // the subscription it belongs to
	done chan error // buffered 1; nil when nobody waits
}

// wait blocks until the sender finished with the item.
func (it *outItem) wait(ctx context.Context) error {
	select {
	case err := <-it.done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// finish reports the outcome to the waiter, if any.
func (it *outItem) finish(err error) {
	if it.done != nil {
		it.done <- err
	}
}

// newUUID returns 16 random bytes shaped as an RFC 4122 version 4 UUID, as
// the agent validates (id::UUID::fromBytes).
func newUUID() []byte {
	u := make([]byte, 16)
	_, _ = rand.Read(u)     // crypto/rand.Read never fails (Go 1.24+)
	u[6] = u[6]&0x0f | 0x40 // version 4
	u[8] = u[8]&0x3f | 0x80 // variant 10
	return u
}

func nowSeconds() float64 {
	return float64(time.Now().UnixNano()) / 1e9
}
