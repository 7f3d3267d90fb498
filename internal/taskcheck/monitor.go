// SPDX-License-Identifier: Apache-2.0

package taskcheck

import (
	"context"
	"time"

	"go.uber.org/zap"
	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/mesosproto"
)

// Hooks receive what a Monitor observes. Each is called from a goroutine of
// the monitor, one call at a time per hook. A call may be on its way when
// Pause returns, so a hook checks its task's state first, as Mesos's
// executors do (no health or check update once the task is being killed or
// has ended). A nil hook is not called.
type Hooks struct {
	// Health is the health checker's verdict (the TaskHealthStatus of
	// src/checks/health_checker.cpp): healthy after the first success and
	// the first success after failures; unhealthy after each failure
	// outside the grace period, with kill set once consecutive_failures
	// failures happened in a row. The task's executor sends HealthUpdate
	// and kills the task when kill is set.
	Health func(healthy, kill bool)
	// Check is a changed check result (src/checks/checker.cpp
	// processCheckResult): the executor sends CheckUpdate.
	Check func(cs *mesosproto.CheckStatusInfo)
	// MaxCompletion is max_completion_time passing: the executor kills the
	// task at once, without TASK_KILLING, and its terminal update is
	// TASK_FAILED with REASON_MAX_COMPLETION_TIME_REACHED (Terminal).
	MaxCompletion func()
	// Probe, for metrics, receives every health check attempt's result,
	// those Health does not report included (repeated successes, failures
	// ignored in the grace period).
	Probe func(ProbeResult)
}

// ProbeResult is the outcome of one health check attempt.
type ProbeResult int

// The results Hooks.Probe receives.
const (
	ProbeHealthy   ProbeResult = iota
	ProbeUnhealthy             // a failure counted against consecutive_failures
	ProbeGrace                 // a failure ignored in the grace period
)

// Config is where a Monitor's COMMAND probes run and how it starts its
// goroutines.
type Config struct {
	// Env is the environment of COMMAND probes (the executor's own in
	// Mesos); the probe's CommandInfo.environment is applied on top.
	Env []string
	// Dir is their working directory (the sandbox).
	Dir string
	// Log receives the checkers' log lines; nil: none.
	Log *zap.Logger
	// Go starts f in a goroutine the owner waits for, or reports false
	// (the owner is closing); nil: plain go statements.
	Go func(f func()) bool
}

// Monitor runs a task's health check, check and max_completion_time timer.
type Monitor struct {
	cancel context.CancelFunc
}

// Start begins monitoring task (whose process has just started): its
// health_check, check and max_completion_time, as both Mesos executors do
// once the task is launched (src/launcher/executor.cpp launch(),
// src/launcher/default_executor.cpp __launchGroup()). A health check or
// check that cannot be run is logged and skipped, as Mesos logs "Failed to
// create health checker". It returns nil when the task has none of them.
func Start(task *mesosproto.TaskInfo, cfg Config, h Hooks) *Monitor {
	hc, ck := task.GetHealthCheck(), task.GetCheck()
	maxTime := MaxCompletionTime(task)
	if hc == nil && ck == nil && maxTime == 0 {
		return nil
	}
	log := cfg.Log
	if log == nil {
		log = zap.NewNop()
	}
	start := cfg.Go
	if start == nil {
		start = func(f func()) bool { go f(); return true }
	}
	ctx, cancel := context.WithCancel(context.Background())
	m := &Monitor{cancel: cancel}
	if hc != nil && h.Health != nil {
		if pr, err := healthProbe(hc); err != nil {
			log.Error("cannot run health check", zap.Error(err))
		} else {
			hs := &healthState{hc: hc, pr: pr, cfg: cfg, log: log, report: h.Health, probed: h.Probe, startTime: time.Now()}
			start(func() { hs.run(ctx) })
		}
	}
	if ck != nil && h.Check != nil {
		if pr, err := checkProbe(ck); err != nil {
			log.Error("cannot run check", zap.Error(err))
		} else {
			start(func() { runCheck(ctx, ck, pr, cfg, log, h.Check) })
		}
	}
	if maxTime > 0 && h.MaxCompletion != nil {
		start(func() {
			if sleep(ctx, maxTime) {
				log.Info("max_completion_time reached: killing the task", zap.Duration("max_completion_time", maxTime))
				h.MaxCompletion()
			}
		})
	}
	return m
}

// Pause stops the checkers and the timer: an attempt in progress is
// abandoned (its COMMAND probe killed) and reports nothing. Mesos pauses
// them when the task is being killed and when it has ended. Pause does not
// wait for the goroutines (the owner does, through Config.Go), so it may be
// called under the lock the hooks take. Pause on a nil Monitor does nothing.
func (m *Monitor) Pause() {
	if m != nil {
		m.cancel()
	}
}

// MaxCompletionTime is TaskInfo.max_completion_time, 0 when unset or not
// positive (Mesos arms the timer only for a positive one).
func MaxCompletionTime(task *mesosproto.TaskInfo) time.Duration {
	if d := task.GetMaxCompletionTime(); d != nil && d.GetNanoseconds() > 0 {
		return time.Duration(d.GetNanoseconds())
	}
	return 0
}

// healthState is Mesos's HealthChecker (src/checks/health_checker.cpp).
type healthState struct {
	hc        *mesosproto.HealthCheck
	pr        probe
	cfg       Config
	log       *zap.Logger
	report    func(healthy, kill bool)
	probed    func(ProbeResult) // nil: not told
	startTime time.Time

	initializing bool
	failures     uint32
}

// run performs an attempt after delay_seconds, then interval_seconds after
// each result (CheckerProcess::scheduleNext).
func (h *healthState) run(ctx context.Context) {
	h.initializing = true
	if !sleep(ctx, Seconds(h.hc.GetDelaySeconds())) {
		return
	}
	for {
		res, err := h.pr.run(ctx, h.cfg.Env, h.cfg.Dir)
		if ctx.Err() != nil {
			return // paused: a kill or the end of the task
		}
		if err == nil {
			err = h.pr.healthy(res)
		}
		if err != nil {
			h.failure(err)
		} else {
			h.success()
		}
		if !sleep(ctx, Seconds(h.hc.GetIntervalSeconds())) {
			return
		}
	}
}

// failure is HealthChecker::failure: ignored while initializing inside the
// grace period; otherwise counted and reported, with kill once
// consecutive_failures are reached.
func (h *healthState) failure(err error) {
	grace := Seconds(h.hc.GetGracePeriodSeconds())
	if h.initializing && grace > 0 && time.Since(h.startTime) <= grace {
		h.log.Info("ignoring health check failure: still in grace period", zap.Error(err))
		h.tell(ProbeGrace)
		return
	}
	h.tell(ProbeUnhealthy)
	h.failures++
	h.log.Warn("health check failed", zap.Error(err), zap.Uint32("consecutive_failures", h.failures))
	h.report(false, h.failures >= h.hc.GetConsecutiveFailures())
}

// success is HealthChecker::success: reported on the first success and on
// the first success after failures.
func (h *healthState) success() {
	h.tell(ProbeHealthy)
	if h.initializing || h.failures > 0 {
		h.report(true, false)
		h.initializing = false
	}
	h.failures = 0
}

func (h *healthState) tell(r ProbeResult) {
	if h.probed != nil {
		h.probed(r)
	}
}

// runCheck is Mesos's Checker (src/checks/checker.cpp): a report each time
// the result changes; a failed attempt counts as an empty result.
func runCheck(ctx context.Context, ck *mesosproto.CheckInfo, pr probe, cfg Config, log *zap.Logger, report func(*mesosproto.CheckStatusInfo)) {
	previous := EmptyCheckStatus(pr.kind)
	if !sleep(ctx, Seconds(ck.GetDelaySeconds())) {
		return
	}
	for {
		res, err := pr.run(ctx, cfg.Env, cfg.Dir)
		if ctx.Err() != nil {
			return
		}
		cs := EmptyCheckStatus(pr.kind)
		if err != nil {
			log.Warn("check failed", zap.Error(err))
		} else {
			cs = pr.checkStatus(res)
		}
		if !proto.Equal(cs, previous) {
			report(cs)
			previous = cs
		}
		if !sleep(ctx, Seconds(ck.GetIntervalSeconds())) {
			return
		}
	}
}

// sleep waits d or until ctx ends (false).
func sleep(ctx context.Context, d time.Duration) bool {
	if ctx.Err() != nil {
		return false
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
