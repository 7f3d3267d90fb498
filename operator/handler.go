// SPDX-License-Identifier: Apache-2.0

package operator

import (
	"context"

	"github.com/mesoskit/mesoskit/mesosproto/masterpb"
)

// Handler handles the events of the master's operator event stream (see
// Master.Subscribe). Every subscription starts with a SUBSCRIBED event that
// carries the whole cluster state; the events after it are changes to that
// state. A SUBSCRIBED event that is not the first one Subscribe delivers
// means the stream was replaced (a dropped connection, missed heartbeats, a
// new leading master) and events may have been lost in between: the handler
// must then rebuild whatever it derived from earlier events from the new
// snapshot. Callbacks.Subscribed is told so with its resync argument.
type Handler interface {
	HandleEvent(ctx context.Context, ev *masterpb.Event) error
}

// HandlerFunc adapts a function to Handler.
type HandlerFunc func(ctx context.Context, ev *masterpb.Event) error

// HandleEvent calls f.
func (f HandlerFunc) HandleEvent(ctx context.Context, ev *masterpb.Event) error { return f(ctx, ev) }

// DisconnectHandler is implemented by handlers that want to know when a
// subscription that had reached SUBSCRIBED ends and why (ErrMissedHeartbeats,
// ErrLeaderChanged, io.EOF for a stream the master closed, a transport
// error, ...). Subscribe then backs off and subscribes again.
type DisconnectHandler interface {
	HandleDisconnected(ctx context.Context, err error)
}

// Callbacks is a Handler with one optional function per event type of
// mesos.v1.master.Event (include/mesos/v1/master/master.proto). A nil field
// ignores its events. Callbacks run one at a time, in stream order, on the
// goroutine of Subscribe; a callback that returns an error ends Subscribe
// with it.
type Callbacks struct {
	// Subscribed receives the snapshot of the cluster that starts every
	// subscription. resync is false for the first one and true for every
	// later one: events may have been missed since the previous snapshot,
	// so replace all state built from earlier events with this one.
	Subscribed func(ctx context.Context, s *masterpb.Event_Subscribed, resync bool) error
	// TaskAdded: a task became known to the master (launched, or recovered
	// from a re-registering agent).
	TaskAdded func(ctx context.Context, e *masterpb.Event_TaskAdded) error
	// TaskUpdated: a task changed state.
	TaskUpdated func(ctx context.Context, e *masterpb.Event_TaskUpdated) error
	// AgentAdded and AgentRemoved: an agent registered, or was removed.
	AgentAdded   func(ctx context.Context, e *masterpb.Event_AgentAdded) error
	AgentRemoved func(ctx context.Context, e *masterpb.Event_AgentRemoved) error
	// FrameworkAdded, FrameworkUpdated and FrameworkRemoved: a framework
	// subscribed, changed (re-subscribed, UPDATE_FRAMEWORK) or was removed.
	FrameworkAdded   func(ctx context.Context, e *masterpb.Event_FrameworkAdded) error
	FrameworkUpdated func(ctx context.Context, e *masterpb.Event_FrameworkUpdated) error
	FrameworkRemoved func(ctx context.Context, e *masterpb.Event_FrameworkRemoved) error
	// Heartbeat: the master's periodic HEARTBEAT. Heartbeats that arrive
	// while a callback is still running are coalesced.
	Heartbeat func(ctx context.Context) error
	// Disconnected: a subscription that had reached SUBSCRIBED ended, for
	// the reason given; Subscribe backs off and subscribes again.
	Disconnected func(ctx context.Context, err error)
	// Other receives events of types this version does not know.
	Other func(ctx context.Context, ev *masterpb.Event) error
}

// HandleEvent dispatches ev to its callback. The resync flag of Subscribed
// is known only when Subscribe dispatches (see isResync).
func (c Callbacks) HandleEvent(ctx context.Context, ev *masterpb.Event) error {
	switch ev.GetType() {
	case masterpb.Event_SUBSCRIBED:
		if c.Subscribed != nil {
			return c.Subscribed(ctx, ev.GetSubscribed(), isResync(ctx))
		}
	case masterpb.Event_TASK_ADDED:
		if c.TaskAdded != nil {
			return c.TaskAdded(ctx, ev.GetTaskAdded())
		}
	case masterpb.Event_TASK_UPDATED:
		if c.TaskUpdated != nil {
			return c.TaskUpdated(ctx, ev.GetTaskUpdated())
		}
	case masterpb.Event_AGENT_ADDED:
		if c.AgentAdded != nil {
			return c.AgentAdded(ctx, ev.GetAgentAdded())
		}
	case masterpb.Event_AGENT_REMOVED:
		if c.AgentRemoved != nil {
			return c.AgentRemoved(ctx, ev.GetAgentRemoved())
		}
	case masterpb.Event_FRAMEWORK_ADDED:
		if c.FrameworkAdded != nil {
			return c.FrameworkAdded(ctx, ev.GetFrameworkAdded())
		}
	case masterpb.Event_FRAMEWORK_UPDATED:
		if c.FrameworkUpdated != nil {
			return c.FrameworkUpdated(ctx, ev.GetFrameworkUpdated())
		}
	case masterpb.Event_FRAMEWORK_REMOVED:
		if c.FrameworkRemoved != nil {
			return c.FrameworkRemoved(ctx, ev.GetFrameworkRemoved())
		}
	case masterpb.Event_HEARTBEAT:
		if c.Heartbeat != nil {
			return c.Heartbeat(ctx)
		}
	default:
		if c.Other != nil {
			return c.Other(ctx, ev)
		}
	}
	return nil
}

// HandleDisconnected implements DisconnectHandler.
func (c Callbacks) HandleDisconnected(ctx context.Context, err error) {
	if c.Disconnected != nil {
		c.Disconnected(ctx, err)
	}
}

// resyncKey marks the ctx of a SUBSCRIBED event that is not the first.
type resyncKey struct{}

// IsResync reports whether ctx is that of a SUBSCRIBED event that replaces
// an earlier subscription (see Handler): a Handler other than Callbacks
// uses it to learn that it must rebuild its state.
func IsResync(ctx context.Context) bool { return isResync(ctx) }

func isResync(ctx context.Context) bool {
	v, _ := ctx.Value(resyncKey{}).(bool)
	return v
}
