// SPDX-License-Identifier: Apache-2.0

//go:build unix

package executor

import (
	"context"
	"os"

	"github.com/mesoskit/mesoskit/internal/taskcheck"
	"github.com/mesoskit/mesoskit/mesosproto"
)

// startMonitor starts the task's health check, check and
// max_completion_time timer (internal/taskcheck, the rules Mesos's command
// executor applies, src/launcher/executor.cpp launch()). Call with p.mu
// held, once the process has started.
func (p *procTask) startMonitor() {
	p.x.mu.Lock()
	runCtx := p.x.runCtx
	p.x.mu.Unlock()
	p.monitor = taskcheck.Start(p.info, taskcheck.Config{
		Env: p.probeEnv(),
		Dir: p.x.sandbox(),
		Log: p.log,
		Go: func(f func()) bool {
			p.checks.Add(1)
			go func() {
				defer p.checks.Done()
				f()
			}()
			return true
		},
	}, taskcheck.Hooks{
		Health:        p.healthUpdate,
		Check:         p.checkUpdate,
		MaxCompletion: p.completionTimeout,
		Probe:         func(r taskcheck.ProbeResult) { p.x.m.healthCheck(int(r)) },
	})
	if p.monitor != nil && runCtx != nil {
		p.unlinkRun = context.AfterFunc(runCtx, p.monitor.Pause) // nothing outlives Run
	}
}

// probeEnv is the environment of COMMAND probes: the executor's own, as in
// Mesos (not the task's), without the authentication token.
func (p *procTask) probeEnv() []string {
	base := p.cmd.Env
	if base == nil {
		base = os.Environ()
	}
	env := taskcheck.NewEnv(base)
	env.Unset(EnvAuthenticationToken)
	return env.List()
}

// healthUpdate sends the last status again with healthy set, and kills the
// task when asked (src/launcher/executor.cpp taskHealthUpdated): with the
// task's kill policy, as a KILL without one.
func (p *procTask) healthUpdate(healthy, kill bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.killed || p.terminated {
		return
	}
	p.sendLocked(taskcheck.HealthUpdate(p.last, healthy))
	if kill {
		p.killedByHealth = true
		if p.group != nil {
			p.x.mu.Lock()
			p.x.groupUnhealthy = true
			p.x.mu.Unlock()
		}
		p.killLocked(killGrace(nil, p.info.GetKillPolicy()))
	}
}

// checkUpdate sends the last status again with a new check_status
// (src/launcher/executor.cpp taskCheckUpdated).
func (p *procTask) checkUpdate(cs *mesosproto.CheckStatusInfo) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.killed || p.terminated {
		return
	}
	p.sendLocked(taskcheck.CheckUpdate(p.last, cs))
}

// completionTimeout kills a task that outlived max_completion_time, with no
// grace and no TASK_KILLING (src/launcher/executor.cpp
// taskCompletionTimeout).
func (p *procTask) completionTimeout() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.terminated || p.killed {
		return
	}
	p.log.Info("max_completion_time reached: killing the task")
	p.killedByMaxCompletion = true
	p.killLocked(0)
}
