// SPDX-License-Identifier: Apache-2.0

package executor

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"
	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/internal/httpapi"
	"github.com/mesoskit/mesoskit/internal/taskannounce"
	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/executorpb"
)

// Executor is one executor's connection to its agent. Create it with New and
// start it with Run. Its methods are safe for concurrent use.
type Executor struct {
	cfg         Config
	opts        config
	log         *zap.Logger
	client      *http.Client
	ownClient   bool
	codec       httpapi.Codec
	frameworkID *mesosproto.FrameworkID
	executorID  *mesosproto.ExecutorID

	started atomic.Bool
	done    chan struct{} // closed when Run has returned

	// Signals, each buffered (1) and sent without blocking.
	wake     chan struct{}          // the outbox has work for the sender
	changed  chan struct{}          // tasks, journal or running work changed
	injected chan *executorpb.Event // locally made events for the handler

	// updateHook, when set (by this package's tests only), sees every
	// journalled update.
	updateHook func(*mesosproto.TaskStatus)

	announcer *taskannounce.Set // WithAnnouncer (announce.go); nil without it
	m         *metrics          // metrics.go

	mu sync.Mutex // guards everything below
	// runCtx lives until Run returns; task goroutines derive from it.
	runCtx     context.Context
	state      connState
	gen        uint64 // subscription generation, incremented per SUBSCRIBE
	subscribed *executorpb.Event_Subscribed
	journal    []*journalEntry // unacknowledged updates, in order sent
	tasks      map[string]*trackedTask
	taskSeq    uint64
	outbox     []*outItem
	exit       *exitRequest
	// cancelSubscription ends the live subscription with a cause.
	cancelSubscription func(error)
	// subDone is closed when the subscription of generation gen ends.
	subDone <-chan struct{}
	// singleLaunched is set once a single-task Command got its task.
	singleLaunched bool
	// shuttingDown is set once a Command got SHUTDOWN (its groups' rule
	// then kills nothing more: every task is being killed).
	shuttingDown bool
	// groupUnhealthy is set once a failing health check killed a task of a
	// Command group (the default executor's executor-wide `unhealthy`).
	groupUnhealthy bool

	// Built-in handlers' work (TaskFunc goroutines, Command processes).
	running map[string]runningTask
	runWG   sync.WaitGroup
}

type connState int

const (
	stateDisconnected connState = iota
	stateSubscribing            // SUBSCRIBE sent, no event yet
	stateSubscribed             // events are flowing
	stateStopped                // Run has returned
)

// journalEntry is one update the agent has not acknowledged yet.
type journalEntry struct {
	uuid   string // 16 raw bytes
	taskID string
	update *executorpb.Call_Update
}

// trackedTask is a task the agent launched on this executor, kept until its
// terminal update has been acknowledged.
type trackedTask struct {
	info     *mesosproto.TaskInfo
	seq      uint64
	acked    bool // some update of the task was acknowledged
	terminal bool // a terminal update was issued
	launched time.Time
}

// exitRequest asks Run to return once everything is acknowledged.
type exitRequest struct {
	deadline time.Time
}

// runningTask is work a built-in handler started for a task.
type runningTask interface {
	// kill stops the task within grace; a later kill may only shorten it.
	kill(grace time.Duration)
	// forceKill stops it at once (Run is returning).
	forceKill()
}

// New validates cfg and the options and builds an Executor. It does no I/O
// and starts no goroutine. All problems are reported at once.
func New(cfg Config, opts ...Option) (*Executor, error) {
	o := defaultConfig()
	for _, opt := range opts {
		opt(&o)
	}
	problems := append([]error(nil), o.problems...)
	if cfg.FrameworkID == "" {
		problems = append(problems, errors.New("Config.FrameworkID is empty"))
	}
	if cfg.ExecutorID == "" {
		problems = append(problems, errors.New("Config.ExecutorID is empty"))
	}
	if cfg.AgentURL == "" {
		problems = append(problems, errors.New("Config.AgentURL is empty"))
	}
	codec, err := httpapi.CodecFor(o.contentType)
	if err != nil {
		problems = append(problems, fmt.Errorf("WithContentType(%q): %w", o.contentType, err))
	}
	if o.heartbeatInterval <= 0 {
		problems = append(problems, errors.New("WithHeartbeatInterval: must be positive"))
	}
	if o.subscribeRetryInterval <= 0 {
		problems = append(problems, errors.New("WithSubscribeRetryInterval: must be positive"))
	}
	if o.callTimeout <= 0 {
		problems = append(problems, errors.New("WithCallTimeout: must be positive"))
	}
	if o.maxFrameSize <= 0 {
		problems = append(problems, errors.New("WithMaxFrameSize: must be positive"))
	}
	if cfg.ShutdownGracePeriod < 0 || cfg.RecoveryTimeout < 0 || cfg.SubscriptionBackoffMax < 0 {
		problems = append(problems, errors.New("Config: durations must not be negative"))
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("executor: invalid configuration: %w", errors.Join(problems...))
	}
	if cfg.ShutdownGracePeriod == 0 {
		cfg.ShutdownGracePeriod = DefaultShutdownGracePeriod
	}
	if cfg.Checkpoint {
		if cfg.RecoveryTimeout == 0 {
			cfg.RecoveryTimeout = DefaultRecoveryTimeout
		}
		if cfg.SubscriptionBackoffMax == 0 {
			cfg.SubscriptionBackoffMax = DefaultSubscriptionBackoffMax
		}
	}
	x := &Executor{
		cfg:         cfg,
		opts:        o,
		log:         o.logger.Named("executor").With(zap.String("framework_id", cfg.FrameworkID), zap.String("executor_id", cfg.ExecutorID)),
		codec:       codec,
		frameworkID: &mesosproto.FrameworkID{Value: proto.String(cfg.FrameworkID)},
		executorID:  &mesosproto.ExecutorID{Value: proto.String(cfg.ExecutorID)},
		done:        make(chan struct{}),
		wake:        make(chan struct{}, 1),
		changed:     make(chan struct{}, 1),
		injected:    make(chan *executorpb.Event, 16),
		tasks:       make(map[string]*trackedTask),
		running:     make(map[string]runningTask),
	}
	if o.announcer != nil {
		x.announcer = taskannounce.New(o.announcer.client, o.announcer.path, x.log)
	}
	x.m = newMetrics(o.meterProvider)
	if o.httpClient != nil {
		x.client = o.httpClient
	} else {
		x.client = newHTTPClient(cfg)
		x.ownClient = true
	}
	return x, nil
}

// Config returns the configuration the Executor runs with (defaults filled
// in). Its token formats as "<redacted>".
func (x *Executor) Config() Config { return x.cfg }

// Subscribed returns a copy of the last SUBSCRIBED event's payload
// (ExecutorInfo, FrameworkInfo, AgentInfo, ContainerID), or nil before the
// first subscription.
func (x *Executor) Subscribed() *executorpb.Event_Subscribed {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.subscribed == nil {
		return nil
	}
	return proto.Clone(x.subscribed).(*executorpb.Event_Subscribed)
}

// FrameworkHasCapability reports whether the framework declared c in the
// FrameworkInfo of the last SUBSCRIBED event.
func (x *Executor) FrameworkHasCapability(c mesosproto.FrameworkInfo_Capability_Type) bool {
	x.mu.Lock()
	defer x.mu.Unlock()
	for _, have := range x.subscribed.GetFrameworkInfo().GetCapabilities() {
		if have.GetType() == c {
			return true
		}
	}
	return false
}

// Unacknowledged returns copies of what the next SUBSCRIBE would carry: the
// launched tasks none of whose updates the agent has acknowledged yet, and
// the updates the agent has not acknowledged, oldest first.
func (x *Executor) Unacknowledged() (tasks []*mesosproto.TaskInfo, updates []*executorpb.Call_Update) {
	x.mu.Lock()
	defer x.mu.Unlock()
	sub := x.subscribeLocked()
	for _, t := range sub.GetUnacknowledgedTasks() {
		tasks = append(tasks, proto.Clone(t).(*mesosproto.TaskInfo))
	}
	for _, u := range sub.GetUnacknowledgedUpdates() {
		updates = append(updates, proto.Clone(u).(*executorpb.Call_Update))
	}
	return tasks, updates
}

// subscribeLocked builds the SUBSCRIBE payload from the journal.
func (x *Executor) subscribeLocked() *executorpb.Call_Subscribe {
	sub := &executorpb.Call_Subscribe{}
	ordered := make([]*trackedTask, 0, len(x.tasks))
	for _, t := range x.tasks {
		if !t.acked {
			ordered = append(ordered, t)
		}
	}
	sortTasks(ordered)
	for _, t := range ordered {
		sub.UnacknowledgedTasks = append(sub.UnacknowledgedTasks, t.info)
	}
	for _, e := range x.journal {
		sub.UnacknowledgedUpdates = append(sub.UnacknowledgedUpdates, e.update)
	}
	return sub
}

func sortTasks(ts []*trackedTask) {
	for i := 1; i < len(ts); i++ { // insertion sort: few tasks, stable
		for j := i; j > 0 && ts[j].seq < ts[j-1].seq; j-- {
			ts[j], ts[j-1] = ts[j-1], ts[j]
		}
	}
}

// trackLaunchLocked records a task the agent launched.
func (x *Executor) trackLaunchLocked(t *mesosproto.TaskInfo) {
	id := t.GetTaskId().GetValue()
	if _, ok := x.tasks[id]; ok {
		return
	}
	x.taskSeq++
	x.tasks[id] = &trackedTask{info: t, seq: x.taskSeq, launched: time.Now()}
}

// acknowledgeLocked removes the acknowledged update from the journal. It
// reports whether the update was known.
func (x *Executor) acknowledgeLocked(taskID string, uuid []byte) bool {
	found := false
	for i, e := range x.journal {
		if e.uuid == string(uuid) {
			x.journal = append(x.journal[:i:i], x.journal[i+1:]...)
			found = true
			x.m.acked.Add(x.m.ctx, 1)
			break
		}
	}
	if t, ok := x.tasks[taskID]; ok {
		t.acked = true
		x.forgetIfDoneLocked(taskID)
	}
	return found
}

// forgetIfDoneLocked drops a task whose terminal update was acknowledged.
func (x *Executor) forgetIfDoneLocked(taskID string) {
	t, ok := x.tasks[taskID]
	if !ok || !t.terminal || !t.acked {
		return
	}
	for _, e := range x.journal {
		if e.taskID == taskID {
			return
		}
	}
	delete(x.tasks, taskID)
}

// drainedLocked reports whether nothing is left to wait for before Run may
// return: every launched task has a terminal update, no built-in task work
// is running and, while an agent listens, every update is acknowledged.
func (x *Executor) drainedLocked() bool {
	if len(x.running) > 0 {
		return false
	}
	for _, t := range x.tasks {
		if !t.terminal {
			return false
		}
	}
	return len(x.journal) == 0 || x.state != stateSubscribed
}

// notify sends a non-blocking signal.
func notify(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

// inject hands a locally made event to Run's loop (dropped, with a log
// line, if the loop is far behind).
func (x *Executor) inject(e *executorpb.Event) {
	select {
	case x.injected <- e:
	default:
		x.log.Warn("dropping injected event: queue full", zap.Stringer("event", e.GetType()))
	}
}

// requestExit makes Run return nil once drained (everything acknowledged),
// or an error after timeout, as Mesos's command executor exits after the
// acknowledgement of its terminal update (src/launcher/executor.cpp).
func (x *Executor) requestExit(timeout time.Duration) {
	x.mu.Lock()
	if x.exit == nil {
		x.exit = &exitRequest{deadline: time.Now().Add(timeout)}
	}
	x.mu.Unlock()
	notify(x.changed)
}

// register records running work of a built-in handler under the task ID.
// It returns false if work for that task already runs or Run has stopped.
func (x *Executor) register(taskID string, r runningTask) bool {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.state == stateStopped {
		return false
	}
	if _, ok := x.running[taskID]; ok {
		return false
	}
	x.running[taskID] = r
	x.runWG.Add(1)
	return true
}

// unregister removes it again, once its goroutines are finished.
func (x *Executor) unregister(taskID string, r runningTask) {
	x.mu.Lock()
	if x.running[taskID] == r {
		delete(x.running, taskID)
		x.runWG.Done()
	}
	x.mu.Unlock()
	notify(x.changed)
}

// killTask kills running work for taskID with the grace period Mesos's
// executors use (src/launcher/executor.cpp kill()): the KILL event's policy,
// else the task's KillPolicy, else 3 seconds. Unknown tasks are ignored, as
// the default executor does.
func (x *Executor) killTask(taskID *mesosproto.TaskID, override *mesosproto.KillPolicy) {
	x.mu.Lock()
	r := x.running[taskID.GetValue()]
	var info *mesosproto.TaskInfo
	if t := x.tasks[taskID.GetValue()]; t != nil {
		info = t.info
	}
	x.mu.Unlock()
	if r == nil {
		x.log.Info("ignoring kill of a task that is not running", zap.String("task_id", taskID.GetValue()))
		return
	}
	r.kill(killGrace(override, info.GetKillPolicy()))
}

// DefaultKillGracePeriod is the time between SIGTERM and SIGKILL (or between
// cancelling a TaskFunc's context and reporting TASK_KILLED) when neither the
// KILL event nor the task carries a KillPolicy with a grace period, as in
// Mesos's command executor.
const DefaultKillGracePeriod = 3 * time.Second

func killGrace(override, task *mesosproto.KillPolicy) time.Duration {
	switch {
	case override.GetGracePeriod() != nil:
		return nonNegative(time.Duration(override.GetGracePeriod().GetNanoseconds()))
	case task.GetGracePeriod() != nil:
		return nonNegative(time.Duration(task.GetGracePeriod().GetNanoseconds()))
	}
	return DefaultKillGracePeriod
}

func nonNegative(d time.Duration) time.Duration { return max(d, 0) }

// shutdownKillGrace is the kill grace used for SHUTDOWN: the shutdown grace
// period less a margin to report the terminal updates before the agent
// destroys the container. Mesos's command executor keeps 2 s (1 s for its
// reaper's polling, 1 s for the rest); processes here are reaped at once, so
// the margin is 1 s, or half the period when that is under 2 s.
func (x *Executor) shutdownKillGrace() time.Duration {
	g := x.cfg.ShutdownGracePeriod
	return g - min(time.Second, g/2)
}

// killAll kills every running task with grace.
func (x *Executor) killAll(grace time.Duration) {
	x.mu.Lock()
	rs := make([]runningTask, 0, len(x.running))
	for _, r := range x.running {
		rs = append(rs, r)
	}
	x.mu.Unlock()
	for _, r := range rs {
		r.kill(grace)
	}
}

// forceKillAll stops every running task at once.
func (x *Executor) forceKillAll() {
	x.mu.Lock()
	rs := make([]runningTask, 0, len(x.running))
	for _, r := range x.running {
		rs = append(rs, r)
	}
	x.mu.Unlock()
	for _, r := range rs {
		r.forceKill()
	}
}
