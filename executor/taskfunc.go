// SPDX-License-Identifier: Apache-2.0

package executor

import (
	"context"
	"fmt"
	"runtime/debug"
	"sync"
	"time"

	"go.uber.org/zap"
	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/executorpb"
)

// TaskFunc is the everyday unit of work: a Handler that runs the function on
// its own goroutine for every task the agent launches (each task of a
// LAUNCH_GROUP too) and reports its life to the agent:
//
//   - TASK_STARTING, then TASK_RUNNING, before the function is called;
//   - TASK_FINISHED when it returns nil;
//   - TASK_FAILED, with the error's text as the message, when it returns an
//     error (or panics: the panic is recovered and logged);
//   - TASK_KILLED when ctx was cancelled by a KILL or the executor's
//     shutdown, whatever the function then returns. Before that,
//     TASK_KILLING if the framework has the TASK_KILLING_STATE capability.
//     If the function has not returned when the kill grace period ends (the
//     KILL's KillPolicy, else the task's, else DefaultKillGracePeriod), the
//     executor reports TASK_KILLED anyway and stops waiting for it.
//
// The function reports progress with ReportProgress(ctx, message, data): a
// TASK_RUNNING update with that message, ordered before its end.
//
// MESSAGE events are ignored; wrap the TaskFunc in a Handler to use them.
type TaskFunc func(ctx context.Context, task *mesosproto.TaskInfo) error

// HandleEvent implements Handler.
func (f TaskFunc) HandleEvent(_ context.Context, x *Executor, e *executorpb.Event) error {
	switch e.GetType() {
	case executorpb.Event_LAUNCH:
		x.startFunc(e.GetLaunch().GetTask(), f)
	case executorpb.Event_LAUNCH_GROUP:
		for _, t := range e.GetLaunchGroup().GetTaskGroup().GetTasks() {
			x.startFunc(t, f)
		}
	default:
		x.controlEvent(e)
	}
	return nil
}

// funcTask is one running TaskFunc.
type funcTask struct {
	x      *Executor
	info   *mesosproto.TaskInfo
	cancel context.CancelFunc

	mu       sync.Mutex
	killed   bool
	reported bool // the terminal update was issued
	deadline time.Time
	timer    *time.Timer
}

func (x *Executor) startFunc(task *mesosproto.TaskInfo, f TaskFunc) {
	id := task.GetTaskId().GetValue()
	x.mu.Lock()
	parent := x.runCtx
	x.mu.Unlock()
	ctx, cancel := context.WithCancel(parent)
	t := &funcTask{x: x, info: proto.Clone(task).(*mesosproto.TaskInfo), cancel: cancel}
	ctx = context.WithValue(ctx, taskKey{}, t) // ReportProgress
	if !x.register(id, t) {
		cancel()
		x.log.Warn("ignoring LAUNCH of a task that is already running", zap.String("task_id", id))
		return
	}
	t.send(mesosproto.TaskState_TASK_STARTING, "")
	t.send(mesosproto.TaskState_TASK_RUNNING, "")
	go func() {
		defer x.unregister(id, t)
		defer cancel()
		err := t.call(ctx, f)
		t.finish(err)
	}()
}

// call runs f, turning a panic into an error.
func (t *funcTask) call(ctx context.Context, f TaskFunc) (err error) {
	defer func() {
		if p := recover(); p != nil {
			t.x.log.Error("task function panicked", zap.String("task_id", t.info.GetTaskId().GetValue()),
				zap.Any("panic", p), zap.ByteString("stack", debug.Stack()))
			err = fmt.Errorf("panic: %v", p)
		}
	}()
	return f(ctx, t.info)
}

func (t *funcTask) finish(err error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.timer != nil {
		t.timer.Stop()
	}
	if t.reported {
		return
	}
	t.reported = true
	switch {
	case t.killed:
		t.sendLocked(mesosproto.TaskState_TASK_KILLED, "")
	case err == nil:
		t.sendLocked(mesosproto.TaskState_TASK_FINISHED, "")
	default:
		t.sendLocked(mesosproto.TaskState_TASK_FAILED, err.Error())
	}
}

func (t *funcTask) kill(grace time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.reported {
		return
	}
	now := time.Now()
	if t.killed {
		if d := now.Add(grace); d.Before(t.deadline) { // a later kill may only shorten
			t.deadline = d
			t.timer.Reset(grace)
		}
		return
	}
	t.killed = true
	t.deadline = now.Add(grace)
	if t.x.FrameworkHasCapability(mesosproto.FrameworkInfo_Capability_TASK_KILLING_STATE) {
		t.sendLocked(mesosproto.TaskState_TASK_KILLING, "")
	}
	t.cancel()
	t.timer = time.AfterFunc(grace, t.graceExpired)
}

func (t *funcTask) graceExpired() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.reported {
		return
	}
	t.reported = true
	t.x.log.Warn("task function did not return within the kill grace period", zap.String("task_id", t.info.GetTaskId().GetValue()))
	t.sendLocked(mesosproto.TaskState_TASK_KILLED, "Task function did not return within the kill grace period")
}

func (t *funcTask) forceKill() { t.cancel() }

func (t *funcTask) send(state mesosproto.TaskState, msg string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.sendLocked(state, msg)
}

// sendLocked journals an update; under t.mu so a task's updates keep their
// order.
func (t *funcTask) sendLocked(state mesosproto.TaskState, msg string) {
	st := &mesosproto.TaskStatus{TaskId: t.info.GetTaskId(), State: state.Enum()}
	if msg != "" {
		st.Message = proto.String(msg)
	}
	if _, err := t.x.enqueueUpdate(st); err != nil {
		t.x.log.Warn("cannot send status update", zap.String("task_id", t.info.GetTaskId().GetValue()),
			zap.Stringer("state", state), zap.Error(err))
	}
}

// controlEvent handles the events every task runner (TaskFunc, Command)
// treats alike: KILL kills one task with its kill policy, SHUTDOWN kills them
// all within the shutdown grace period, ERROR is logged. Others are ignored.
func (x *Executor) controlEvent(e *executorpb.Event) {
	switch e.GetType() {
	case executorpb.Event_KILL:
		x.killTask(e.GetKill().GetTaskId(), e.GetKill().GetKillPolicy())
	case executorpb.Event_SHUTDOWN:
		x.killAll(x.shutdownKillGrace())
	case executorpb.Event_ERROR:
		x.log.Warn("error event", zap.String("message", e.GetError().GetMessage()))
	}
}
