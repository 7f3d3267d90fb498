// SPDX-License-Identifier: Apache-2.0

//lint:file-ignore SA1019 FullFrameworkWriter writes the deprecated FrameworkInfo.role of single-role frameworks

package mesostest

import (
	"net/http"
	"net/url"
	"sort"

	"github.com/mesoskit/mesoskit/mesosproto"
)

// Build facts /state reports (build::DATE, TIME, USER in
// src/common/build.hpp); the fake has no build of Mesos to describe.
const (
	buildDate = "2024-08-23 14:59:00"
	buildTime = 1724425140.0
	buildUser = "mesostest"
)

// stateIndex groups the cluster's tasks by framework once per request:
// pointers into the model, sorted by task id, no copies.
type stateIndex struct {
	tasks map[string][]taskView
}

func (s *Server) indexLocked() *stateIndex {
	ix := &stateIndex{tasks: map[string][]taskView{}}
	for k, t := range s.tasks {
		if t.gone {
			continue
		}
		ix.tasks[k.framework] = append(ix.tasks[k.framework], taskView{t: t, frameworkID: k.framework, id: k.task})
	}
	for _, vs := range ix.tasks {
		sortTaskViews(vs)
	}
	return ix
}

// completedViewsLocked returns a framework's completed tasks, oldest
// first (Framework::completedTasks, a bounded circular buffer).
func (s *Server) completedViewsLocked(fwID string) []taskView {
	rec := s.records[fwID]
	if rec == nil {
		return nil
	}
	ct := &rec.completed
	n := len(ct.ring)
	out := make([]taskView, 0, n)
	for i := range n {
		j := (ct.head + i) % n
		var t *task
		if j < len(ct.tasks) {
			t = ct.tasks[j]
		}
		out = append(out, taskView{t: t, frameworkID: fwID, id: ct.ring[j]})
	}
	return out
}

// leaderStateLocked is m's leader-only state, empty when m lost
// leadership since the request was let through.
func (m *master) leaderStateLocked() *leaderState {
	if m.st != nil {
		return m.st
	}
	return &leaderState{frameworks: map[string]*framework{}, offers: map[string]*offer{}, recovered: map[string]bool{}}
}

// sortedFrameworks returns the leader's frameworks in id order.
func (ls *leaderState) sortedFrameworks() []*framework {
	out := make([]*framework, 0, len(ls.frameworks))
	for _, fw := range ls.frameworks {
		out = append(out, fw)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].id < out[j].id })
	return out
}

// usedOf is Framework::totalUsedResources: the resources of its tasks
// that hold resources, summed without copying each task's.
func usedOf(views []taskView) resources {
	out := resources{}
	for _, v := range views {
		if v.t != nil && v.t.holdsRes {
			for k, r := range v.t.res {
				_ = out.addOne(k, r)
			}
		}
	}
	return out
}

func offeredOf(fw *framework) resources {
	out := resources{}
	for _, o := range fw.offers {
		for k, r := range o.res {
			_ = out.addOne(k, r)
		}
	}
	return out
}

// writeFrameworkSummary is json(JSON::ObjectWriter*, const
// Summary<Framework>&) (src/master/readonly_handler.cpp). HTTP frameworks
// have no pid, so none is written.
func writeFrameworkSummary(w *jsonWriter, fw *framework, used, offered resources) {
	w.str("id", fw.id)
	w.str("name", fw.info.GetName())
	w.resourcesField("used_resources", used)
	w.resourcesField("offered_resources", offered)
	w.arrayField("capabilities")
	for _, c := range fw.info.GetCapabilities() {
		w.strElem(c.GetType().String())
	}
	w.endArray()
	w.str("hostname", fw.info.GetHostname())
	w.str("webui_url", fw.info.GetWebuiUrl())
	live := fw.unregistered.IsZero() // a removed framework is neither
	w.bool("active", live && fw.conn == frameworkConnected)
	w.bool("connected", live && fw.conn == frameworkConnected)
	w.bool("recovered", live && fw.conn == frameworkRecovered)
}

// writeFullFramework is FullFrameworkWriter::operator()
// (src/master/readonly_handler.cpp).
func (s *Server) writeFullFramework(w *jsonWriter, fw *framework, tasks, completed []taskView) {
	used, offered := usedOf(tasks), offeredOf(fw)
	writeFrameworkSummary(w, fw, used, offered)
	info := fw.info
	w.str("user", info.GetUser())
	w.double("failover_timeout", info.GetFailoverTimeout())
	w.bool("checkpoint", info.GetCheckpoint())
	w.double("registered_time", secs(fw.registered))
	w.double("unregistered_time", secs(fw.unregistered))
	if info.Principal != nil {
		w.str("principal", info.GetPrincipal())
	}
	w.resourcesField("resources", used.plus(offered))
	if !fw.registered.Equal(fw.reregistered) {
		w.double("reregistered_time", secs(fw.reregistered))
	}
	if fw.multiRole() {
		w.strings("roles", info.GetRoles())
	} else {
		w.str("role", info.GetRole())
	}
	w.arrayField("tasks")
	for _, v := range tasks {
		w.beginObject()
		s.writeTask(w, v)
		w.endObject()
	}
	w.endArray()
	// A task of an agent marked unreachable left the cluster as completed;
	// Mesos keeps it among the unreachable tasks when its state is
	// TASK_UNREACHABLE (PARTITION_AWARE frameworks), among the completed
	// ones when TASK_LOST (Master::removeTask, src/master/master.cpp).
	unreachable, done := splitUnreachable(s, completed)
	for _, part := range []struct {
		key   string
		views []taskView
	}{{"unreachable_tasks", unreachable}, {"completed_tasks", done}} {
		w.arrayField(part.key)
		for _, v := range part.views {
			w.beginObject()
			s.writeTask(w, v)
			w.endObject()
		}
		w.endArray()
	}
	w.arrayField("offers")
	for _, o := range sortedOffers(fw) {
		w.beginObject()
		writeOffer(w, o)
		w.endObject()
	}
	w.endArray()
	w.arrayField("executors")
	for _, run := range s.frameworkExecutorsLocked(fw.id) {
		w.beginObject()
		writeExecutorInfo(w, run.info, fw.id)
		w.str("slave_id", run.a.id)
		w.endObject()
	}
	w.endArray()
	if info.GetLabels() != nil {
		writeLabels(w, "labels", info.GetLabels())
	}
	if fw.constraints != nil {
		w.protobuf("offer_constraints", fw.constraints)
	} else {
		w.objectField("offer_constraints")
		w.endObject()
	}
}

func sortedOffers(fw *framework) []*offer {
	out := make([]*offer, 0, len(fw.offers))
	for _, o := range fw.offers {
		out = append(out, o)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].id < out[j].id })
	return out
}

// writeOffer is json(JSON::ObjectWriter*, const Offer&) (src/common/http.cpp).
func writeOffer(w *jsonWriter, o *offer) {
	w.str("id", o.id)
	w.str("framework_id", o.fw.id)
	w.protobuf("allocation_info", &mesosproto.Resource_AllocationInfo{Role: &o.role})
	w.str("slave_id", o.agent.id)
	w.resourcesField("resources", o.res)
}

// frameworkExecutorsLocked returns the custom executors of a framework on
// every agent (Framework::executors), by agent then executor id.
func (s *Server) frameworkExecutorsLocked(fwID string) []*executorRun {
	var out []*executorRun
	for _, a := range s.agents {
		if a.ex == nil {
			continue
		}
		var runs []*executorRun
		for k, run := range a.ex.runs {
			if k.framework == fwID && run.info != nil {
				runs = append(runs, run)
			}
		}
		sort.Slice(runs, func(i, j int) bool { return runs[i].key.executor < runs[j].key.executor })
		out = append(out, runs...)
	}
	return out
}

// completedFrameworkLocked returns a removed framework as it was when
// removed: Mesos keeps the whole Framework in frameworks.completed.
func (s *Server) completedFrameworkLocked(id string) *framework {
	if rec := s.records[id]; rec != nil {
		return rec.last
	}
	return nil
}

// agentsLocked returns the agents registered with the leader,
// and those it waits for after a failover (slaves.recovered).
func (m *master) agentsLocked(ls *leaderState) (registered, recovered []*agent) {
	for _, a := range m.s.agents {
		switch {
		case a.unreachable != nil:
		case ls.recovered[a.id]:
			recovered = append(recovered, a)
		default:
			registered = append(registered, a)
		}
	}
	return registered, recovered
}

// serveState is Master::ReadOnlyHandler::state.
func (m *master) serveState(w http.ResponseWriter, _ *http.Request, q url.Values) {
	m.render(w, q, func(jw *jsonWriter) { m.writeStateLocked(jw) })
}

func (m *master) writeStateLocked(jw *jsonWriter) {
	s := m.s
	ls := m.leaderStateLocked()
	registered, recovered := m.agentsLocked(ls)
	unreachable := 0
	for _, a := range s.agents {
		if a.unreachable != nil {
			unreachable++
		}
	}
	jw.beginObject()
	jw.str("version", mesosVersion)
	jw.str("build_date", buildDate)
	jw.double("build_time", buildTime)
	jw.str("build_user", buildUser)
	jw.double("start_time", secs(m.started))
	if s.leader == m.idx {
		jw.double("elected_time", secs(m.elected))
	}
	jw.str("id", m.info.GetId())
	jw.str("pid", m.info.GetPid())
	jw.str("hostname", m.info.GetHostname())
	jw.arrayField("capabilities")
	for _, c := range m.info.GetCapabilities() {
		jw.strElem(c.GetType().String())
	}
	jw.endArray()
	inactive := 0 // Master::_const_slaves_inactive: registered, not active
	for _, a := range registered {
		if s.op.deactivated[a.id] {
			inactive++
		}
	}
	jw.double("activated_slaves", float64(len(registered)-inactive))
	jw.double("deactivated_slaves", float64(inactive))
	jw.double("unreachable_slaves", float64(unreachable))
	if l := s.leaderLocked(); l != nil {
		jw.str("leader", l.info.GetPid())
		jw.objectField("leader_info")
		writeMasterInfo(jw, l.info)
		jw.endObject()
	}
	jw.objectField("flags")
	for _, f := range m.masterFlagsLocked() {
		jw.str(f.name, f.value)
	}
	jw.endObject()
	jw.arrayField("slaves")
	for _, a := range registered {
		jw.beginObject()
		s.writeSlave(jw, a)
		jw.endObject()
	}
	jw.endArray()
	jw.arrayField("recovered_slaves")
	for _, a := range recovered {
		jw.beginObject()
		s.writeSlaveInfo(jw, a)
		jw.endObject()
	}
	jw.endArray()
	m.writeFrameworksLocked(jw, ls, idFilter{})
	jw.emptyArray("orphan_tasks")
	jw.emptyArray("unregistered_frameworks")
	jw.endObject()
}

// writeFrameworksLocked writes "frameworks" and "completed_frameworks",
// only framework id when it is not empty (IDAcceptor).
func (m *master) writeFrameworksLocked(jw *jsonWriter, ls *leaderState, id idFilter) {
	s := m.s
	ix := s.indexLocked()
	jw.arrayField("frameworks")
	for _, fw := range ls.sortedFrameworks() {
		if !id.accept(fw.id) {
			continue
		}
		jw.beginObject()
		s.writeFullFramework(jw, fw, ix.tasks[fw.id], s.completedViewsLocked(fw.id))
		jw.endObject()
	}
	jw.endArray()
	jw.arrayField("completed_frameworks")
	for _, cid := range ls.completed {
		if !id.accept(cid) {
			continue
		}
		fw := s.completedFrameworkLocked(cid)
		if fw == nil {
			continue
		}
		jw.beginObject()
		s.writeFullFramework(jw, fw, nil, s.completedViewsLocked(cid))
		jw.endObject()
	}
	jw.endArray()
}

// serveFrameworks is Master::ReadOnlyHandler::frameworks: framework_id
// selects one framework; an unknown id selects none.
func (m *master) serveFrameworks(w http.ResponseWriter, _ *http.Request, q url.Values) {
	id := filterOf(q, "framework_id")
	m.render(w, q, func(jw *jsonWriter) {
		jw.beginObject()
		m.writeFrameworksLocked(jw, m.leaderStateLocked(), id)
		jw.emptyArray("unregistered_frameworks")
		jw.endObject()
	})
}

// serveSlaves is Master::ReadOnlyHandler::slaves (SlavesWriter): slave_id
// selects one agent.
func (m *master) serveSlaves(w http.ResponseWriter, _ *http.Request, q url.Values) {
	id := filterOf(q, "slave_id")
	m.render(w, q, func(jw *jsonWriter) {
		registered, recovered := m.agentsLocked(m.leaderStateLocked())
		jw.beginObject()
		jw.arrayField("slaves")
		for _, a := range registered {
			if !id.accept(a.id) {
				continue
			}
			jw.beginObject()
			m.s.writeSlaveFull(jw, a)
			jw.endObject()
		}
		jw.endArray()
		jw.arrayField("recovered_slaves")
		for _, a := range recovered {
			if !id.accept(a.id) {
				continue
			}
			jw.beginObject()
			m.s.writeSlaveInfo(jw, a)
			jw.endObject()
		}
		jw.endArray()
		jw.endObject()
	})
}

// idFilter is IDAcceptor (src/common/http.hpp): with the query parameter
// present, even empty, only that id is accepted.
type idFilter struct {
	set bool
	id  string
}

func filterOf(q url.Values, key string) idFilter {
	vs, ok := q[key]
	if !ok {
		return idFilter{}
	}
	return idFilter{set: true, id: vs[0]}
}

func (f idFilter) accept(id string) bool { return !f.set || f.id == id }

// splitUnreachable separates the completed tasks whose state is
// TASK_UNREACHABLE from the others.
func splitUnreachable(s *Server, views []taskView) (unreachable, done []taskView) {
	for _, v := range views {
		if s.viewStateLocked(v, s.statusesLocked(v)) == mesosproto.TaskState_TASK_UNREACHABLE {
			unreachable = append(unreachable, v)
		} else {
			done = append(done, v)
		}
	}
	return unreachable, done
}
