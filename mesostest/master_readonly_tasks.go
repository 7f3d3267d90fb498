// SPDX-License-Identifier: Apache-2.0

package mesostest

import (
	"math"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/mesoskit/mesoskit/mesosproto"
)

// taskLimit is the default `limit` of /tasks (TASK_LIMIT in
// src/master/constants.hpp).
const taskLimit = 100

// numifyInt parses a query value as stout's numify<int> does
// (boost::lexical_cast<int>, plus "0x" and "-0x" hexadecimal).
func numifyInt(s string) (int64, bool) {
	neg := strings.HasPrefix(s, "-")
	body := strings.TrimPrefix(s, "-")
	if strings.HasPrefix(body, "0x") || strings.HasPrefix(body, "0X") {
		v, err := strconv.ParseInt(body[2:], 16, 64)
		if err != nil || v > math.MaxInt32+1 || (!neg && v > math.MaxInt32) {
			return 0, false
		}
		if neg {
			v = -v
		}
		return v, true
	}
	v, err := strconv.ParseInt(s, 10, 32)
	return v, err == nil
}

// listOption is `limit` or `offset` of /tasks: a value numify<int> refuses
// gives the default; a negative one becomes a huge size_t, as in Mesos.
func listOption(q url.Values, key string, def uint64) uint64 {
	vs, ok := q[key]
	if !ok {
		return def
	}
	v, ok := numifyInt(vs[0])
	if !ok {
		return def
	}
	return uint64(v)
}

// serveTasks is Master::ReadOnlyHandler::tasks: the tasks, unreachable
// tasks and completed tasks of the registered, then the completed
// frameworks (framework_id and task_id select), sorted by the timestamp
// of each task's first status (TaskComparator: descending unless
// order=asc; tasks with no status first when descending, last when
// ascending), then the [offset, offset+limit) slice of them.
func (m *master) serveTasks(w http.ResponseWriter, _ *http.Request, q url.Values) {
	limit := listOption(q, "limit", taskLimit)
	offset := listOption(q, "offset", 0)
	asc := q.Get("order") == "asc"
	fwSel, taskSel := filterOf(q, "framework_id"), filterOf(q, "task_id")
	m.render(w, q, func(jw *jsonWriter) {
		s := m.s
		ls := m.leaderStateLocked()
		ix := s.indexLocked()
		var views []taskView
		add := func(vs []taskView) {
			for _, v := range vs {
				if taskSel.accept(v.id) {
					views = append(views, v)
				}
			}
		}
		for _, fw := range ls.sortedFrameworks() {
			if fwSel.accept(fw.id) {
				add(ix.tasks[fw.id])
				add(s.completedViewsLocked(fw.id))
			}
		}
		for _, id := range ls.completed {
			if fwSel.accept(id) && s.completedFrameworkLocked(id) != nil {
				add(s.completedViewsLocked(id))
			}
		}
		first := make([]float64, len(views))
		has := make([]bool, len(views))
		for i, v := range views {
			first[i], has[i] = s.firstTimestampLocked(v)
		}
		idx := make([]int, len(views))
		for i := range idx {
			idx[i] = i
		}
		sort.SliceStable(idx, func(a, b int) bool {
			i, j := idx[a], idx[b]
			switch {
			case !has[i] && !has[j]:
				return false
			case asc:
				return !has[i] || (has[j] && first[i] < first[j])
			default:
				return !has[j] || (has[i] && first[i] > first[j])
			}
		})
		end := min(offset+limit, uint64(len(views))) // wraps as size_t does
		jw.beginObject()
		jw.arrayField("tasks")
		for i := offset; i < end; i++ {
			jw.beginObject()
			s.writeTask(jw, views[idx[i]])
			jw.endObject()
		}
		jw.endArray()
		jw.endObject()
	})
}

// taskStateSummary counts tasks per state (TaskStateSummary in
// src/master/readonly_handler.cpp).
type taskStateSummary map[mesosproto.TaskState]int64

// summaryStates are the states /state-summary reports, in its order.
var summaryStates = []mesosproto.TaskState{
	mesosproto.TaskState_TASK_STAGING, mesosproto.TaskState_TASK_STARTING, mesosproto.TaskState_TASK_RUNNING,
	mesosproto.TaskState_TASK_KILLING, mesosproto.TaskState_TASK_FINISHED, mesosproto.TaskState_TASK_KILLED,
	mesosproto.TaskState_TASK_FAILED, mesosproto.TaskState_TASK_LOST, mesosproto.TaskState_TASK_ERROR,
	mesosproto.TaskState_TASK_UNREACHABLE,
}

func (w *jsonWriter) taskStates(sum taskStateSummary) {
	for _, st := range summaryStates {
		w.int(st.String(), sum[st])
	}
}

// serveStateSummary is Master::ReadOnlyHandler::stateSummary: every agent
// and registered framework with its task counts per state and the ids of
// the frameworks on the agent (agents of the framework), counted over the
// tasks and completed tasks of the registered frameworks.
func (m *master) serveStateSummary(w http.ResponseWriter, _ *http.Request, q url.Values) {
	m.render(w, q, func(jw *jsonWriter) { m.writeStateSummaryLocked(jw) })
}

func (m *master) writeStateSummaryLocked(jw *jsonWriter) {
	s := m.s
	ls := m.leaderStateLocked()
	ix := s.indexLocked()
	fws := ls.sortedFrameworks()
	byFw := map[string]taskStateSummary{}
	byAgent := map[string]taskStateSummary{}
	fwAgents := map[string]map[string]bool{}
	agentFws := map[string]map[string]bool{}
	count := func(fwID string, v taskView) {
		var state mesosproto.TaskState
		var agentID string
		if v.t != nil && s.history[v.id] == nil {
			state, agentID = v.t.state, v.t.agent.id // WithoutHistory: the agent's view
		} else {
			sts := s.statusesLocked(v)
			state = s.viewStateLocked(v, sts)
			if v.t != nil {
				agentID = v.t.agent.id
			} else if n := len(sts); n > 0 {
				agentID = sts[n-1].GetAgentId().GetValue()
			}
		}
		if byFw[fwID] == nil {
			byFw[fwID], fwAgents[fwID] = taskStateSummary{}, map[string]bool{}
		}
		byFw[fwID][state]++
		fwAgents[fwID][agentID] = true
		if byAgent[agentID] == nil {
			byAgent[agentID], agentFws[agentID] = taskStateSummary{}, map[string]bool{}
		}
		byAgent[agentID][state]++
		agentFws[agentID][fwID] = true
	}
	for _, fw := range fws {
		for _, v := range ix.tasks[fw.id] {
			count(fw.id, v)
		}
		for _, v := range s.completedViewsLocked(fw.id) {
			count(fw.id, v)
		}
	}
	registered, _ := m.agentsLocked(ls)
	jw.beginObject()
	jw.str("hostname", m.info.GetHostname())
	jw.arrayField("slaves")
	for _, a := range registered {
		jw.beginObject()
		s.writeSlave(jw, a)
		jw.taskStates(byAgent[a.id])
		jw.strings("framework_ids", sortedKeys(agentFws[a.id]))
		jw.endObject()
	}
	jw.endArray()
	jw.arrayField("frameworks")
	for _, fw := range fws {
		jw.beginObject()
		writeFrameworkSummary(jw, fw, usedOf(ix.tasks[fw.id]), offeredOf(fw))
		jw.taskStates(byFw[fw.id])
		ids := sortedKeys(fwAgents[fw.id])
		if len(ids) > 0 && ids[0] == "" {
			ids = ids[1:] // tasks the master ended before they reached an agent
		}
		jw.strings("slave_ids", ids)
		jw.endObject()
	}
	jw.endArray()
	jw.endObject()
}

// firstTimestampLocked is the timestamp of the task's first status in
// statusesLocked, without building the list.
func (s *Server) firstTimestampLocked(v taskView) (float64, bool) {
	for _, st := range s.history[v.id] {
		if v.t != nil && st.GetAgentId().GetValue() != "" && st.GetAgentId().GetValue() != v.t.agent.id {
			continue
		}
		return st.GetTimestamp(), true
	}
	return 0, false
}
