// SPDX-License-Identifier: Apache-2.0

package executor

import (
	"context"

	"go.uber.org/zap"

	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/executorpb"
)

// Handler receives the events of an executor's subscription.
//
// HandleEvent runs on Run's goroutine, one event at a time, in stream order,
// never while the Executor holds a lock and never after Run returns; it may
// call any Executor method (Update, Message, ...). A handler that blocks
// stalls the stream, so long work belongs on the handler's own goroutines
// (TaskFunc and Command do that for you). ctx lives until Run returns.
//
// The Executor has already done its own bookkeeping when HandleEvent sees
// an event: LAUNCH and LAUNCH_GROUP tasks are tracked as unacknowledged,
// ACKNOWLEDGED has removed the update from the journal, SUBSCRIBED is
// available from Executor.Subscribed. Besides the agent's events, Run
// delivers locally made ones as Mesos's library does: SHUTDOWN when the
// executor must stop for another reason (disconnection without
// checkpointing, recovery timeout, Run's ctx cancelled, a handler error), and
// ERROR for an undecodable event or an unexpected answer to a call.
//
// Returning an error makes Run shut down (SHUTDOWN is delivered, tasks are
// given the grace period) and return that error.
type Handler interface {
	HandleEvent(ctx context.Context, x *Executor, e *executorpb.Event) error
}

// HandlerFunc adapts a function to Handler.
type HandlerFunc func(ctx context.Context, x *Executor, e *executorpb.Event) error

// HandleEvent calls f.
func (f HandlerFunc) HandleEvent(ctx context.Context, x *Executor, e *executorpb.Event) error {
	return f(ctx, x, e)
}

// Callbacks is a Handler with one optional, typed function per event, for
// executors that manage their tasks themselves. Functions close over the
// *Executor returned by New to send updates. The contract of Handler
// applies: one call at a time, in stream order; a returned error shuts the
// executor down.
//
// When a field is nil: LaunchGroup falls back to calling Launch for each
// task of the group; Kill, Shutdown, Message, Acknowledged, Subscribed and
// Other do nothing; Error logs the message. HEARTBEAT events need no action
// (Other does not receive them).
type Callbacks struct {
	// Subscribed: the agent accepted the subscription (also after every
	// resubscription). FrameworkInfo carries the framework's capabilities.
	Subscribed func(ctx context.Context, s *executorpb.Event_Subscribed) error
	// Launch: run this task. Send TASK_STARTING/TASK_RUNNING and, eventually,
	// a terminal update with Executor.Update.
	Launch func(ctx context.Context, task *mesosproto.TaskInfo) error
	// LaunchGroup: run these tasks together.
	LaunchGroup func(ctx context.Context, group *mesosproto.TaskGroupInfo) error
	// Kill: kill this task. policy (may be nil) overrides the task's own
	// KillPolicy.
	Kill func(ctx context.Context, taskID *mesosproto.TaskID, policy *mesosproto.KillPolicy) error
	// Acknowledged: the agent has taken over the update with this uuid (not
	// an acknowledgement by the scheduler).
	Acknowledged func(ctx context.Context, taskID *mesosproto.TaskID, uuid []byte) error
	// Message: data the scheduler sent with a MESSAGE call.
	Message func(ctx context.Context, data []byte) error
	// Shutdown: kill every task and send their terminal updates within the
	// shutdown grace period (Executor.Config().ShutdownGracePeriod; ctx has
	// no deadline). Run returns once every task has a terminal update that
	// the agent acknowledged, or when the grace period ends.
	Shutdown func(ctx context.Context) error
	// Error: the agent or the library reported an error.
	Error func(ctx context.Context, message string) error
	// Other receives events of types this package does not know.
	Other func(ctx context.Context, e *executorpb.Event) error
}

// HandleEvent dispatches e to the matching field.
func (c Callbacks) HandleEvent(ctx context.Context, x *Executor, e *executorpb.Event) error {
	switch e.GetType() {
	case executorpb.Event_SUBSCRIBED:
		if c.Subscribed != nil {
			return c.Subscribed(ctx, e.GetSubscribed())
		}
	case executorpb.Event_LAUNCH:
		if c.Launch != nil {
			return c.Launch(ctx, e.GetLaunch().GetTask())
		}
	case executorpb.Event_LAUNCH_GROUP:
		if c.LaunchGroup != nil {
			return c.LaunchGroup(ctx, e.GetLaunchGroup().GetTaskGroup())
		}
		if c.Launch != nil {
			for _, t := range e.GetLaunchGroup().GetTaskGroup().GetTasks() {
				if err := c.Launch(ctx, t); err != nil {
					return err
				}
			}
		}
	case executorpb.Event_KILL:
		if c.Kill != nil {
			return c.Kill(ctx, e.GetKill().GetTaskId(), e.GetKill().GetKillPolicy())
		}
	case executorpb.Event_ACKNOWLEDGED:
		if c.Acknowledged != nil {
			return c.Acknowledged(ctx, e.GetAcknowledged().GetTaskId(), e.GetAcknowledged().GetUuid())
		}
	case executorpb.Event_MESSAGE:
		if c.Message != nil {
			return c.Message(ctx, e.GetMessage().GetData())
		}
	case executorpb.Event_SHUTDOWN:
		if c.Shutdown != nil {
			return c.Shutdown(ctx)
		}
	case executorpb.Event_ERROR:
		if c.Error != nil {
			return c.Error(ctx, e.GetError().GetMessage())
		}
		x.log.Warn("error event", zap.String("message", e.GetError().GetMessage()))
	case executorpb.Event_HEARTBEAT:
	default:
		if c.Other != nil {
			return c.Other(ctx, e)
		}
	}
	return nil
}
