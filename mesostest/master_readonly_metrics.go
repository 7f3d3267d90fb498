// SPDX-License-Identifier: Apache-2.0

package mesostest

import (
	"net/http"
	"net/url"
	"time"

	"github.com/mesoskit/mesoskit/mesosproto"
)

// serveMetrics is the MetricsProcess's /metrics/snapshot
// (3rdparty/libprocess/src/metrics/metrics.cpp): one JSON object of metric
// name to double, by name. Only the master's metrics the fake really
// counts are reported, under the names of src/master/metrics.cpp and with
// the definitions of the Master::_* gauges (src/master/master.cpp): the
// agent, framework and offer gauges, the tasks per non-terminal state on
// registered agents, and total, used and percent of cpus, gpus, mem and
// disk. The counters the fake keeps no lifetime count of (tasks_finished,
// messages_*, valid_status_updates, …) are left out. Every master answers,
// leading or not (master/elected tells which).
func (m *master) serveMetrics(w http.ResponseWriter, _ *http.Request, q url.Values) {
	m.render(w, q, func(jw *jsonWriter) {
		jw.beginObject()
		for _, mt := range m.metricsLocked() {
			jw.double(mt.name, mt.value)
		}
		jw.endObject()
	})
}

type metric struct {
	name  string
	value float64
}

func (m *master) metricsLocked() []metric {
	s := m.s
	leading := s.leader == m.idx && m.st != nil
	elected := 0.0
	var registered []*agent
	var fws []*framework
	offers := 0
	unreachable := 0
	if leading {
		elected = 1
		registered, _ = m.agentsLocked(m.st)
		fws = m.st.sortedFrameworks()
		offers = len(m.st.offers)
		for _, a := range s.agents {
			if a.unreachable != nil {
				unreachable++
			}
		}
	}
	connected := 0
	for _, fw := range fws {
		if fw.conn == frameworkConnected {
			connected++
		}
	}
	byState := map[mesosproto.TaskState]int{}
	onRegistered := map[*agent]bool{}
	for _, a := range registered {
		onRegistered[a] = true
	}
	if leading {
		for _, t := range s.tasks {
			if !t.gone && onRegistered[t.agent] {
				byState[t.state]++
			}
		}
	}
	unreachableTasks := 0
	for _, fw := range fws {
		u, _ := splitUnreachable(s, s.completedViewsLocked(fw.id))
		unreachableTasks += len(u)
	}
	out := []metric{}
	for _, name := range []string{"cpus", "disk", "gpus", "mem"} {
		var total, used int64
		for _, a := range registered {
			total += a.total.scalar(name)
			used += a.used.scalar(name)
		}
		pct := 0.0
		if total > 0 {
			pct = float64(used) / float64(total)
		}
		out = append(out,
			metric{"master/" + name + "_percent", pct},
			metric{"master/" + name + "_total", fromMilli(total)},
			metric{"master/" + name + "_used", fromMilli(used)})
	}
	n := func(x int) float64 { return float64(x) }
	inactive := 0 // deactivated or draining agents (Master::_slaves_inactive)
	for _, a := range registered {
		if s.op.deactivated[a.id] {
			inactive++
		}
	}
	out = append(out,
		metric{"master/elected", elected},
		metric{"master/frameworks_active", n(connected)},
		metric{"master/frameworks_connected", n(connected)},
		metric{"master/frameworks_disconnected", n(len(fws) - connected)},
		metric{"master/frameworks_inactive", n(len(fws) - connected)},
		metric{"master/outstanding_offers", n(offers)},
		metric{"master/slaves_active", n(len(registered) - inactive)},
		metric{"master/slaves_connected", n(len(registered))},
		metric{"master/slaves_disconnected", 0},
		metric{"master/slaves_inactive", n(inactive)},
		metric{"master/slaves_unreachable", n(unreachable)},
		metric{"master/tasks_killing", n(byState[mesosproto.TaskState_TASK_KILLING])},
		metric{"master/tasks_running", n(byState[mesosproto.TaskState_TASK_RUNNING])},
		metric{"master/tasks_staging", n(byState[mesosproto.TaskState_TASK_STAGING])},
		metric{"master/tasks_starting", n(byState[mesosproto.TaskState_TASK_STARTING])},
		metric{"master/tasks_unreachable", n(unreachableTasks)},
		metric{"master/uptime_secs", time.Since(m.started).Seconds()},
	)
	sortMetrics(out)
	return out
}

func sortMetrics(ms []metric) {
	for i := 1; i < len(ms); i++ {
		for j := i; j > 0 && ms[j].name < ms[j-1].name; j-- {
			ms[j], ms[j-1] = ms[j-1], ms[j]
		}
	}
}
