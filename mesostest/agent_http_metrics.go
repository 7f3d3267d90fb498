// SPDX-License-Identifier: Apache-2.0

package mesostest

import (
	"net/http"
	"time"

	"github.com/mesoskit/mesoskit/mesosproto"
)

// agentCounters are the agent's counters (src/slave/metrics.cpp): status
// updates the agent took in, by state. Guarded by Server.mu.
type agentCounters struct {
	updates      map[mesosproto.TaskState]uint64
	validUpdates uint64
}

// countUpdateLocked counts a status update generated on agent a (by its
// executor or by the agent itself).
func (a *agent) countUpdateLocked(state mesosproto.TaskState) {
	if a.ex == nil || a.ex.srv == nil {
		return
	}
	c := &a.ex.srv.count
	if c.updates == nil {
		c.updates = map[mesosproto.TaskState]uint64{}
	}
	c.updates[state]++
	c.validUpdates++
}

// serveAgentMetrics is /metrics/snapshot of the agent
// (3rdparty/libprocess/src/metrics/metrics.cpp, MetricsProcess::snapshot) with
// the agent's metric names (src/slave/metrics.cpp) for what mesostest counts:
// uptime, registration, active frameworks, tasks by live state (gauges),
// terminal task updates by state (counters), executors by state, status
// updates, and the cpus/gpus/mem/disk totals, amounts in use and percentages.
func (s *Server) serveAgentMetrics(as *agentServer, w http.ResponseWriter, r *http.Request) {
	snap := func() map[string]float64 {
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.agentMetricsLocked(as)
	}()
	writeJSONValue(w, r.URL.Query(), snap)
}

func (s *Server) agentMetricsLocked(as *agentServer) map[string]float64 {
	a := as.a
	m := map[string]float64{
		"slave/uptime_secs":       time.Since(as.start).Seconds(),
		"slave/registered":        0,
		"slave/frameworks_active": float64(len(a.frameworks)),
		"slave/recovery_errors":   0,
	}
	if l := s.leaderLocked(); l != nil && l.registeredLocked(a) {
		m["slave/registered"] = 1
	}
	live := map[mesosproto.TaskState]float64{}
	for _, t := range s.tasks {
		if t.agent == a && !t.gone && !mesosproto.IsTerminalState(t.state) {
			live[t.state]++
		}
	}
	m["slave/tasks_staging"] = live[mesosproto.TaskState_TASK_STAGING]
	m["slave/tasks_starting"] = live[mesosproto.TaskState_TASK_STARTING]
	m["slave/tasks_running"] = live[mesosproto.TaskState_TASK_RUNNING]
	m["slave/tasks_killing"] = live[mesosproto.TaskState_TASK_KILLING]
	c := as.count
	m["slave/tasks_finished"] = float64(c.updates[mesosproto.TaskState_TASK_FINISHED])
	m["slave/tasks_failed"] = float64(c.updates[mesosproto.TaskState_TASK_FAILED])
	m["slave/tasks_killed"] = float64(c.updates[mesosproto.TaskState_TASK_KILLED])
	m["slave/tasks_lost"] = float64(c.updates[mesosproto.TaskState_TASK_LOST])
	m["slave/tasks_gone"] = float64(c.updates[mesosproto.TaskState_TASK_GONE])
	m["slave/valid_status_updates"] = float64(c.validUpdates)
	m["slave/invalid_status_updates"] = 0

	var registering, running, terminating, terminated float64
	for _, r := range as.runs.runs {
		switch {
		case r.exec != nil && r.exec.state == executorRegistering:
			registering++
		case r.exec != nil && r.exec.state == executorTerminating:
			terminating++
		case r.liveLocked(s, a):
			running++
		default:
			terminated++
		}
	}
	m["slave/executors_registering"] = registering
	m["slave/executors_running"] = running
	m["slave/executors_terminating"] = terminating
	m["slave/executors_terminated"] = terminated

	for _, name := range []string{"cpus", "gpus", "mem", "disk"} {
		total, used := float64(a.total.scalar(name))/1000, float64(a.used.scalar(name))/1000
		m["slave/"+name+"_total"] = total
		m["slave/"+name+"_used"] = used
		pct := 0.0
		if total > 0 {
			pct = used / total
		}
		m["slave/"+name+"_percent"] = pct
	}
	return m
}
