// SPDX-License-Identifier: Apache-2.0

package mesostest

import (
	"os"
	"time"

	"go.uber.org/zap"
	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/internal/taskcheck"
	"github.com/mesoskit/mesoskit/mesosproto"
)

// taskRules is what the executor running a command task (Mesos's command
// executor, or its default executor for a task group) keeps beside the task
// to apply the rules of internal/taskcheck: its health check, check and
// max_completion_time, the last update it sent (health and check updates
// are made from it), and why it killed the task. Tasks without any of these
// have none, so that plain and simulated tasks pay nothing.
type taskRules struct {
	monitor               *taskcheck.Monitor
	last                  *mesosproto.TaskStatus // the executor's last update
	killedByHealth        bool
	killedByMaxCompletion bool
	terminalHealthy       *bool          // healthy of the terminal update (exitLocked)
	forwarded             *pendingUpdate // the last update the master received
	group                 *defaultGroup  // the task group, under the default executor
}

// needsRules reports whether a command task needs taskRules.
func needsRules(ti *mesosproto.TaskInfo) bool {
	return ti.GetHealthCheck() != nil || ti.GetCheck() != nil || taskcheck.MaxCompletionTime(ti) > 0
}

// rulesLocked returns the task's rules, made on first use for a command task
// that needs them; nil otherwise.
func (t *task) rulesLocked() *taskRules {
	if t.rules == nil && t.info != nil && t.exec == nil && needsRules(t.info) {
		t.rules = &taskRules{}
	}
	return t.rules
}

// decorateLocked completes an update the executor makes from scratch
// (createTaskStatus in src/launcher/executor.cpp and default_executor.cpp):
// an empty check_status of the task's check type when it has a check, and
// healthy on the terminal update (exitLocked). It then becomes the last
// update. Called by statusLocked before the update is recorded.
func (t *task) decorateLocked(p *pendingUpdate) {
	r := t.rulesLocked()
	if r == nil || p.source != mesosproto.TaskStatus_SOURCE_EXECUTOR {
		return
	}
	if p.full == nil {
		p.full = p.toProto()
	}
	p.full.CheckStatus = taskcheck.TaskCheckStatus(t.info)
	if mesosproto.IsTerminalState(p.state) {
		p.full.Healthy = r.terminalHealthy
	}
	r.last = p.full
}

// startMonitorLocked starts the task's health check, check and
// max_completion_time timer once its process runs (executor.cpp launch(),
// default_executor.cpp __launchGroup()). COMMAND probes run with the task's
// environment in its sandbox, as the command executor, which shares them,
// runs them.
func (t *task) startMonitorLocked(env []string) {
	r := t.rulesLocked()
	if r == nil {
		return
	}
	s := t.s
	r.monitor = taskcheck.Start(t.info, taskcheck.Config{
		Env: env,
		Dir: t.sandbox,
		Log: s.log.With(zap.String("task_id", t.key.task)),
		Go:  s.goLocked, // Start runs under s.mu; Close waits for these goroutines
	}, taskcheck.Hooks{
		Health:        t.healthResult,
		Check:         t.checkResult,
		MaxCompletion: t.maxCompletionReached,
	})
}

// pauseMonitorLocked stops the checkers and the timer (the task ended).
func (t *task) pauseMonitorLocked() {
	if t.rules != nil {
		t.rules.monitor.Pause()
	}
}

// liveLocked reports whether the executor still reports on the task: not
// being killed, not ended, not forgotten (taskHealthUpdated,
// taskCheckUpdated: no update once killed or terminated).
func (t *task) liveLocked() bool {
	return !t.s.closed && !t.gone && !t.terminated && !t.killed && t.rules != nil && t.rules.last != nil
}

// healthResult is the health checker's verdict (executor.cpp
// taskHealthUpdated): a TASK_RUNNING update with healthy, and a kill with
// the task's kill policy once consecutive_failures is reached.
func (t *task) healthResult(healthy, kill bool) {
	s := t.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if !t.liveLocked() {
		return
	}
	t.derivedLocked(taskcheck.HealthUpdate(t.rules.last, healthy))
	if kill {
		s.log.Info("task failed its health check: killing it", zap.String("task_id", t.key.task))
		t.rules.killedByHealth = true
		if g := t.rules.group; g != nil {
			g.exec.unhealthy = true
		}
		t.killLocked(nil)
	}
}

// checkResult is a changed check result (executor.cpp taskCheckUpdated).
func (t *task) checkResult(cs *mesosproto.CheckStatusInfo) {
	s := t.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if t.liveLocked() {
		t.derivedLocked(taskcheck.CheckUpdate(t.rules.last, cs))
	}
}

// maxCompletionReached kills the task at once, without TASK_KILLING
// (executor.cpp taskCompletionTimeout, default_executor.cpp maxCompletion).
func (t *task) maxCompletionReached() {
	s := t.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if !t.liveLocked() || t.proc == nil {
		return
	}
	s.log.Info("task exceeded its max_completion_time: killing it", zap.String("task_id", t.key.task))
	t.rules.killedByMaxCompletion = true
	t.killed = true
	t.grace = 0
	t.signalLocked()
}

// derivedLocked sends an update made from the last one: a fresh uuid and
// timestamp, into the task's update stream (the executor's forward()).
func (t *task) derivedLocked(st *mesosproto.TaskStatus) {
	var uuid [16]byte
	fillUUID(uuid[:])
	st.Uuid = uuid[:]
	st.Timestamp = proto.Float64(nowSeconds())
	t.rules.last = st
	t.s.recordStatusLocked(t.key.framework, st)
	t.enqueueUpdateLocked(&pendingUpdate{full: st})
}

// exitLocked sends the terminal update of a reaped command task
// (executor.cpp reaped(), default_executor.cpp waited(), through
// taskcheck.Terminal).
func (t *task) exitLocked(ps *os.ProcessState, waitErr error) {
	o := taskcheck.Outcome{State: ps, WaitErr: waitErr, Killed: t.killed}
	if r := t.rules; r != nil {
		o.KilledByMaxCompletion, o.KilledByHealth = r.killedByMaxCompletion, r.killedByHealth
		if r.group != nil {
			o.ExecutorUnhealthy = r.group.exec.unhealthy
		}
	}
	end := taskcheck.Terminal(o)
	if t.rules != nil {
		t.rules.terminalHealthy = end.Healthy
	}
	t.s.log.Info("task exited", zap.String("task_id", t.key.task), zap.Stringer("state", end.GetState()), zap.String("message", end.GetMessage()))
	t.statusLocked(end.GetState(), end.GetMessage(), end.Reason, mesosproto.TaskStatus_SOURCE_EXECUTOR)
}

// killPolicyOf is a KillPolicy with grace period d.
func killPolicyOf(d time.Duration) *mesosproto.KillPolicy {
	return &mesosproto.KillPolicy{GracePeriod: &mesosproto.DurationInfo{Nanoseconds: proto.Int64(int64(d))}}
}

// forwardedLocked remembers the update the master received last for a task
// with rules (Master::updateTask appends it to Task.statuses).
func (t *task) forwardedLocked(p *pendingUpdate) {
	if t.rules != nil {
		t.rules.forwarded = p
	}
}

// reconcileHealthLocked completes a reconciliation answer for t (nil: an
// unknown task) with the healthy and check_status of the latest status the
// master has for it (Master::reconcile through protobuf::getTaskHealth and
// getTaskCheckStatus, src/common/protobuf_utils.cpp).
func (t *task) reconcileHealthLocked(st *mesosproto.TaskStatus) {
	if t == nil || t.rules == nil || t.rules.forwarded == nil || t.rules.forwarded.full == nil {
		return
	}
	last := t.rules.forwarded.full
	if last.Healthy != nil {
		st.Healthy = proto.Bool(last.GetHealthy())
	}
	if last.CheckStatus != nil {
		st.CheckStatus = proto.Clone(last.CheckStatus).(*mesosproto.CheckStatusInfo)
	}
}
