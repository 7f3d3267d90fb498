// SPDX-License-Identifier: Apache-2.0

package executor

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"sync"
	"time"

	"go.uber.org/zap"
	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/executorpb"
)

const (
	// minRetryDelay keeps a random backoff of ~0 from spinning.
	minRetryDelay = 10 * time.Millisecond
	// abandonAfter bounds the wait for task goroutines once Run is returning
	// and everything has been killed; a TaskFunc that ignores its ctx is
	// abandoned after it (and logged).
	abandonAfter = 5 * time.Second
	// exitAckTimeout is how long Run waits for the acknowledgement of a
	// single-task command executor's terminal update (Mesos exits with a
	// failure after 60 s; src/launcher/executor.cpp selfTerminate).
	exitAckTimeout = 60 * time.Second
)

// Run subscribes to the agent and serves events to h until the executor is
// done. It blocks, may be called once (ErrAlreadyRunning), owns every
// goroutine it starts, and when it returns they are gone, every task of the
// built-in handlers (TaskFunc, Command) has been killed and reaped, and
// Update/Message return ErrStopped.
//
// Run returns:
//   - nil after the agent's SHUTDOWN, once every task has a terminal update
//     the agent acknowledged, or when the shutdown grace period ends;
//   - nil when ctx is cancelled, after the same shutdown: SHUTDOWN is
//     delivered to h and tasks get the grace period (while the agent is
//     still reachable their terminal updates are sent);
//   - ErrDisconnected (wrapping the cause) after a shutdown caused by losing
//     the agent when the framework does not checkpoint, or when the very
//     first connection attempt fails (as Mesos's executor library does:
//     an executor that never reached its agent has nothing to recover);
//   - an error wrapping ErrRecoveryTimeout (and ErrDisconnected) when a
//     checkpointing executor could not resubscribe within
//     Config.RecoveryTimeout after losing its agent;
//   - the *APIError of a SUBSCRIBE the agent refused with anything but 503
//     or 404 (which are retried every WithSubscribeRetryInterval before the
//     first subscription and with the random backoff after one);
//   - the error a handler returned.
func (x *Executor) Run(ctx context.Context, h Handler) error {
	if h == nil {
		return errors.New("executor: Run: nil Handler")
	}
	if !x.started.CompareAndSwap(false, true) {
		return ErrAlreadyRunning
	}
	defer close(x.done)
	defer x.observeMetrics()()

	runCtx, cancelRun := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelRun()
	x.mu.Lock()
	x.runCtx = runCtx
	x.mu.Unlock()

	var bg sync.WaitGroup
	bg.Add(1)
	go func() {
		defer bg.Done()
		x.sendLoop(runCtx)
	}()

	r := &runLoop{x: x, h: h, ctx: runCtx}
	err := r.run(ctx)
	r.endSubscription()

	x.stop()
	x.forceKillAll()
	cancelRun()
	x.waitRunning(abandonAfter)
	bg.Wait()
	if x.ownClient {
		x.client.CloseIdleConnections()
	}
	if err != nil {
		x.log.Info("executor stopped", zap.Error(err))
	} else {
		x.log.Info("executor stopped")
	}
	return err
}

// stop marks the executor stopped and fails everything still queued.
func (x *Executor) stop() {
	x.announcer.End()
	x.mu.Lock()
	x.state = stateStopped
	items := x.outbox
	x.outbox = nil
	x.mu.Unlock()
	for _, it := range items {
		it.finish(ErrStopped)
	}
}

// waitRunning waits for the built-in handlers' goroutines, at most d.
func (x *Executor) waitRunning(d time.Duration) {
	done := make(chan struct{})
	go func() {
		x.runWG.Wait()
		close(done)
	}()
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
		x.mu.Lock()
		n := len(x.running)
		x.mu.Unlock()
		x.log.Error("abandoning task goroutines that ignored cancellation", zap.Int("tasks", n))
	}
}

// runLoop is Run's state: one goroutine, selecting over the subscription,
// timers and signals.
type runLoop struct {
	x   *Executor
	h   Handler
	ctx context.Context // handlers' ctx: lives until Run returns

	sub            *subscription
	everSubscribed bool
	lastCause      error

	retryTimer    *time.Timer
	recoveryTimer *time.Timer

	draining   bool
	drainErr   error
	drainTimer *time.Timer
	exitTimer  *time.Timer
}

// subscription is one SUBSCRIBE call and, if it succeeds, its event stream.
type subscription struct {
	gen      uint64
	cancel   context.CancelCauseFunc
	events   chan *executorpb.Event
	done     chan subEnd
	snapshot map[string]bool // uuids of the updates the SUBSCRIBE carried
}

// subEnd says how a subscription ended.
type subEnd struct {
	status int   // the HTTP status of a refused SUBSCRIBE, else 0
	err    error // *APIError, or *transportError
}

func (r *runLoop) run(ctx context.Context) error {
	x := r.x
	hb := time.NewTicker(x.opts.heartbeatInterval)
	defer hb.Stop()
	defer r.stopTimers()
	userDone := ctx.Done()

	r.startSubscription()
	for {
		if done, err := r.finished(); done {
			return err
		}
		var (
			events <-chan *executorpb.Event
			ended  <-chan subEnd
		)
		if r.sub != nil {
			events, ended = r.sub.events, r.sub.done
		}
		select {
		case ev := <-events:
			r.onEvent(ev)
		case end := <-ended:
			r.onEnd(end)
		case ev := <-x.injected:
			r.deliver(ev)
		case <-timerC(r.retryTimer):
			r.retryTimer = nil
			r.startSubscription()
		case <-timerC(r.recoveryTimer):
			r.recoveryTimer = nil
			x.log.Warn("agent recovery timeout expired; shutting down", zap.Duration("recovery_timeout", x.cfg.RecoveryTimeout))
			r.startShutdown(&recoveryTimeoutError{cause: r.lastCause}, true)
		case <-hb.C:
			r.heartbeat()
		case <-userDone:
			userDone = nil
			x.log.Info("context cancelled; shutting down")
			r.startShutdown(nil, true)
		case <-timerC(r.drainTimer):
			x.log.Warn("shutdown grace period expired", zap.Duration("grace_period", x.cfg.ShutdownGracePeriod))
			return r.drainErr
		case <-timerC(r.exitTimer):
			return fmt.Errorf("executor: the agent did not acknowledge the terminal update within %v", exitAckTimeout)
		case <-x.changed:
		}
	}
}

// timerC is t's channel, or nil (never ready) for no timer.
func timerC(t *time.Timer) <-chan time.Time {
	if t == nil {
		return nil
	}
	return t.C
}

func (r *runLoop) stopTimers() {
	for _, t := range []*time.Timer{r.retryTimer, r.recoveryTimer, r.drainTimer, r.exitTimer} {
		if t != nil {
			t.Stop()
		}
	}
}

// finished reports whether Run may return now, and with what.
func (r *runLoop) finished() (bool, error) {
	x := r.x
	x.mu.Lock()
	drained := x.drainedLocked()
	exit := x.exit
	acked := len(x.journal) == 0
	launched := x.taskSeq > 0
	x.mu.Unlock()
	if r.draining && drained {
		return true, r.drainErr
	}
	if x.opts.exitAfterLastTask && launched && drained && acked {
		x.log.Info("last task ended and acknowledged; exiting")
		return true, nil
	}
	if exit != nil {
		if drained && acked {
			return true, nil
		}
		if r.exitTimer == nil {
			r.exitTimer = time.NewTimer(time.Until(exit.deadline))
		}
	}
	return false, nil
}

// startSubscription sends SUBSCRIBE with the journal on a new goroutine.
func (r *runLoop) startSubscription() {
	x := r.x
	x.mu.Lock()
	x.gen++
	if x.gen > 1 {
		x.m.resubscribes.Add(x.m.ctx, 1)
	}
	x.state = stateSubscribing
	payload := x.subscribeLocked()
	call := x.call(executorpb.Call_SUBSCRIBE, func(c *executorpb.Call) { c.Subscribe = payload })
	ctx, cancel := context.WithCancelCause(x.runCtx)
	s := &subscription{
		gen:      x.gen,
		cancel:   cancel,
		events:   make(chan *executorpb.Event),
		done:     make(chan subEnd, 1),
		snapshot: make(map[string]bool, len(x.journal)),
	}
	for _, e := range x.journal {
		s.snapshot[e.uuid] = true
	}
	x.cancelSubscription = cancel
	x.subDone = ctx.Done()
	x.mu.Unlock()

	x.log.Debug("subscribing", zap.String("agent_url", x.cfg.AgentURL),
		zap.Int("unacknowledged_tasks", len(payload.GetUnacknowledgedTasks())),
		zap.Int("unacknowledged_updates", len(payload.GetUnacknowledgedUpdates())))
	r.sub = s
	go x.stream(ctx, s, call)
}

// endSubscription cancels the live subscription, if any, and waits for its
// goroutine.
func (r *runLoop) endSubscription() {
	if r.sub == nil {
		return
	}
	r.sub.cancel(context.Canceled)
	<-r.sub.done
	r.sub = nil
	r.x.mu.Lock()
	if r.x.state != stateStopped {
		r.x.state = stateDisconnected
	}
	r.x.cancelSubscription = nil
	r.x.mu.Unlock()
}

// onEvent does the executor's own bookkeeping for ev, then hands it to the
// handler.
func (r *runLoop) onEvent(ev *executorpb.Event) {
	x := r.x
	x.mu.Lock()
	if x.state == stateSubscribing {
		// The first event proves the subscription: calls may flow. Updates
		// journalled after the SUBSCRIBE was built were not in it; send them.
		x.state = stateSubscribed
		for _, e := range x.journal {
			if !r.sub.snapshot[e.uuid] {
				x.outbox = append(x.outbox, &outItem{
					call: x.call(executorpb.Call_UPDATE, func(c *executorpb.Call) { c.Update = e.update }),
					uuid: e.uuid, gen: x.gen,
				})
			}
		}
		notify(x.wake)
		if r.recoveryTimer != nil {
			r.recoveryTimer.Stop()
			r.recoveryTimer = nil
		}
		if r.retryTimer != nil {
			r.retryTimer.Stop()
			r.retryTimer = nil
		}
		r.everSubscribed = true
		r.lastCause = nil
	}
	switch ev.GetType() {
	case executorpb.Event_SUBSCRIBED:
		x.subscribed = proto.Clone(ev.GetSubscribed()).(*executorpb.Event_Subscribed)
	case executorpb.Event_LAUNCH:
		if t := ev.GetLaunch().GetTask(); t != nil {
			x.trackLaunchLocked(proto.Clone(t).(*mesosproto.TaskInfo))
		}
	case executorpb.Event_LAUNCH_GROUP:
		for _, t := range ev.GetLaunchGroup().GetTaskGroup().GetTasks() {
			x.trackLaunchLocked(proto.Clone(t).(*mesosproto.TaskInfo))
		}
	case executorpb.Event_ACKNOWLEDGED:
		a := ev.GetAcknowledged()
		if !x.acknowledgeLocked(a.GetTaskId().GetValue(), a.GetUuid()) {
			x.log.Debug("acknowledgement of an unknown update", zap.String("task_id", a.GetTaskId().GetValue()))
		}
	}
	x.mu.Unlock()

	x.log.Debug("event", zap.Stringer("event", ev.GetType()))
	switch ev.GetType() {
	case executorpb.Event_SUBSCRIBED:
		x.log.Info("subscribed", zap.String("agent_hostname", ev.GetSubscribed().GetAgentInfo().GetHostname()))
	case executorpb.Event_SHUTDOWN:
		x.log.Info("agent asked the executor to shut down")
		r.startShutdown(nil, false)
	}
	r.deliver(ev)
}

// deliver calls the handler; an error starts the shutdown.
func (r *runLoop) deliver(ev *executorpb.Event) {
	err := r.h.HandleEvent(r.ctx, r.x, ev)
	if err == nil {
		return
	}
	if r.draining {
		r.x.log.Warn("handler error during shutdown", zap.Stringer("event", ev.GetType()), zap.Error(err))
		return
	}
	r.x.log.Error("handler error; shutting down", zap.Stringer("event", ev.GetType()), zap.Error(err))
	r.startShutdown(err, true)
}

// startShutdown enters the shutdown path once: no more resubscription, the
// handler gets SHUTDOWN (when inject; the agent's own SHUTDOWN is delivered
// by the caller), and Run returns reason once drained or after the shutdown
// grace period.
func (r *runLoop) startShutdown(reason error, inject bool) {
	if r.draining {
		return
	}
	r.draining = true
	r.drainErr = reason
	r.drainTimer = time.NewTimer(r.x.cfg.ShutdownGracePeriod)
	if r.retryTimer != nil {
		r.retryTimer.Stop()
		r.retryTimer = nil
	}
	if r.recoveryTimer != nil {
		r.recoveryTimer.Stop()
		r.recoveryTimer = nil
	}
	if inject {
		r.deliver(&executorpb.Event{Type: executorpb.Event_SHUTDOWN.Enum()})
	}
}

// onEnd decides what follows the end of a subscription, as Mesos's executor
// library does (src/executor/executor.cpp disconnected, backoff, _send).
func (r *runLoop) onEnd(end subEnd) {
	x := r.x
	r.sub.cancel(end.err)
	r.sub = nil
	x.mu.Lock()
	x.state = stateDisconnected
	x.cancelSubscription = nil
	items := x.outbox
	x.outbox = nil
	x.mu.Unlock()
	for _, it := range items {
		it.finish(staleResult(it))
	}
	r.lastCause = end.err
	if r.draining {
		x.log.Info("subscription ended during shutdown", zap.Error(end.err))
		return
	}

	if end.status != 0 {
		if end.status == http.StatusServiceUnavailable || end.status == http.StatusNotFound {
			// The agent is recovering or its routes are not up yet.
			x.log.Warn("SUBSCRIBE not accepted yet; retrying", zap.Error(end.err))
			r.scheduleRetry(false)
			return
		}
		x.log.Error("SUBSCRIBE refused; shutting down", zap.Error(end.err))
		r.startShutdown(end.err, true)
		return
	}

	switch {
	case !r.everSubscribed:
		x.log.Error("could not connect to the agent; shutting down", zap.Error(end.err))
		r.startShutdown(fmt.Errorf("%w: %w", ErrDisconnected, end.err), true)
	case !x.cfg.Checkpoint:
		x.log.Error("disconnected from the agent and the framework does not checkpoint; shutting down", zap.Error(end.err))
		r.startShutdown(fmt.Errorf("%w: %w", ErrDisconnected, end.err), true)
	case r.recoveryTimer == nil:
		x.log.Warn("disconnected from the agent; reconnecting", zap.Error(end.err),
			zap.Duration("recovery_timeout", x.cfg.RecoveryTimeout))
		r.recoveryTimer = time.NewTimer(x.cfg.RecoveryTimeout)
		r.startSubscription() // the first attempt is immediate, as in Mesos
	default:
		r.scheduleRetry(true)
	}
}

// scheduleRetry arms the next SUBSCRIBE: after WithSubscribeRetryInterval
// before the first subscription, and after a random delay in
// [0, SubscriptionBackoffMax] once recovering (Mesos's backoff()).
func (r *runLoop) scheduleRetry(recovering bool) {
	x := r.x
	d := x.opts.subscribeRetryInterval
	if r.everSubscribed || recovering {
		d = randomDelay(x.cfg.SubscriptionBackoffMax)
	}
	r.retryTimer = time.NewTimer(d)
}

func randomDelay(maxDelay time.Duration) time.Duration {
	d := time.Duration(0)
	if maxDelay > 0 {
		d = time.Duration(rand.Int64N(int64(maxDelay) + 1))
	}
	return max(d, minRetryDelay)
}

// heartbeat queues a HEARTBEAT call while subscribed.
func (r *runLoop) heartbeat() {
	x := r.x
	x.mu.Lock()
	if x.state == stateSubscribed {
		x.outbox = append(x.outbox, &outItem{call: x.call(executorpb.Call_HEARTBEAT, nil), gen: x.gen})
		notify(x.wake)
	}
	x.mu.Unlock()
}
