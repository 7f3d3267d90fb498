// SPDX-License-Identifier: Apache-2.0

package mesostest

import (
	"path/filepath"

	"github.com/mesoskit/mesoskit/mesosproto"
)

// The agent's memory of its executors (Slave's Framework::executors and
// completedExecutors, src/slave/slave.hpp): every executor run with a
// sandbox, live or completed, with the tasks launched on it. /state shows
// them and the files API serves their sandboxes. Simulated tasks run in no
// executor and have no sandbox: the agent does not show them.
//
// Mesos keeps at most 150 completed executors per framework
// (DEFAULT_MAX_COMPLETED_EXECUTORS_PER_FRAMEWORK), 200 completed tasks per
// executor (MAX_COMPLETED_TASKS_PER_EXECUTOR) and 50 completed frameworks
// (MAX_COMPLETED_FRAMEWORKS), src/slave/constants.hpp; the records here are
// trimmed to the same bounds, and a trimmed executor's sandbox is no longer
// served.
const (
	maxCompletedExecutorsPerFramework = 150
	maxCompletedTasksPerExecutor      = 200
	maxAgentCompletedFrameworks       = 50
)

// sandboxRun is one executor run: a container with its sandbox.
type sandboxRun struct {
	fwID        string
	executorID  string
	containerID string
	dir         string
	fwInfo      *mesosproto.FrameworkInfo
	exec        *executorRun // nil for the command executor of tasks[0]
	tasks       []*task      // launched on it, in launch order
}

// agentRuns is an agent's executor runs, in launch order. Guarded by Server.mu.
type agentRuns struct {
	runs        []*sandboxRun
	byContainer map[string]*sandboxRun
	trimAt      int // len(runs) at which the next trim runs (amortized)
}

// recordAgentTaskLocked notes that task t was launched in its container on
// its agent (called by launchTaskLocked for command tasks and by
// launchOnExecutorGroupLocked for tasks of custom executors).
func (s *Server) recordAgentTaskLocked(t *task) {
	if t.simulated || t.sandbox == "" || t.agent.ex == nil || t.agent.ex.srv == nil ||
		(t.info.GetExecutor() != nil && t.exec == nil) { // its executor is not chosen yet
		return
	}
	ar := &t.agent.ex.srv.runs
	if ar.byContainer == nil {
		ar.byContainer = map[string]*sandboxRun{}
	}
	r := ar.byContainer[t.containerID]
	if r == nil {
		r = &sandboxRun{fwID: t.key.framework, executorID: t.executorID, containerID: t.containerID, dir: t.sandbox,
			fwInfo: t.agent.frameworks[t.key.framework], exec: t.exec}
		ar.byContainer[t.containerID] = r
		ar.runs = append(ar.runs, r)
	}
	r.tasks = append(r.tasks, t)
	if len(ar.runs) >= ar.trimAt {
		s.trimAgentRunsLocked(t.agent, ar)
		ar.trimAt = max(64, 2*len(ar.runs))
	}
}

// liveLocked reports whether the run is one of the agent's current
// executors: a custom executor until it terminated or a restart forgot it,
// the command executor while its task is in the cluster (its terminal
// update not yet acknowledged).
func (r *sandboxRun) liveLocked(s *Server, a *agent) bool {
	if r.exec != nil {
		return r.exec.state < executorTerminated && a.ex != nil && a.ex.runs[r.exec.key] == r.exec
	}
	t := r.tasks[0]
	return s.tasks[t.key] == t
}

// trimAgentRunsLocked drops the oldest completed runs beyond Mesos's bounds.
func (s *Server) trimAgentRunsLocked(a *agent, ar *agentRuns) {
	completedPerFw := map[string]int{}
	liveFw := map[string]bool{}
	for _, r := range ar.runs {
		if r.liveLocked(s, a) {
			liveFw[r.fwID] = true
		} else {
			completedPerFw[r.fwID]++
		}
	}
	// Frameworks with nothing live are completed frameworks: keep the
	// latest maxAgentCompletedFrameworks of them.
	var doneFws []string
	seen := map[string]bool{}
	for i := len(ar.runs) - 1; i >= 0; i-- {
		fw := ar.runs[i].fwID
		if !liveFw[fw] && !seen[fw] {
			seen[fw] = true
			doneFws = append(doneFws, fw)
		}
	}
	dropFw := map[string]bool{}
	if len(doneFws) > maxAgentCompletedFrameworks {
		for _, fw := range doneFws[maxAgentCompletedFrameworks:] {
			dropFw[fw] = true
		}
	}
	kept := ar.runs[:0]
	for _, r := range ar.runs {
		drop := dropFw[r.fwID]
		if !drop && completedPerFw[r.fwID] > maxCompletedExecutorsPerFramework && !r.liveLocked(s, a) {
			completedPerFw[r.fwID]--
			drop = true
		}
		if drop {
			delete(ar.byContainer, r.containerID)
			continue
		}
		kept = append(kept, r)
	}
	clear(ar.runs[len(kept):])
	ar.runs = kept
}

// mountSpec is one sandbox and the virtual paths it is attached under.
type mountSpec struct {
	dir      string
	virtuals [3]string
}

// agentMountsLocked lists the agent's attachments (the agent's Files): each
// sandbox under its real path, the real .../runs/latest path and the
// virtual /frameworks/<fw>/executors/<ex>/runs/latest, "latest" being the
// executor's newest run (Framework::addExecutor, src/slave/slave.cpp).
func (s *Server) agentMountsLocked(a *agent) []mountSpec {
	if a.ex == nil || a.ex.srv == nil {
		return nil
	}
	out := make([]mountSpec, 0, len(a.ex.srv.runs.runs))
	for _, r := range a.ex.srv.runs.runs {
		out = append(out, mountSpec{dir: r.dir, virtuals: [3]string{
			r.dir,
			filepath.Join(filepath.Dir(r.dir), "latest"),
			"/frameworks/" + r.fwID + "/executors/" + r.executorID + "/runs/latest",
		}})
	}
	return out
}

// buildMounts attaches the specs in order (a later run of an executor takes
// over its "latest" paths). It touches the file system: call without s.mu.
func buildMounts(specs []mountSpec) fileMounts {
	m := make(fileMounts, 3*len(specs))
	for _, sp := range specs {
		canon, err := filepath.EvalSymlinks(sp.dir)
		if err != nil {
			continue // not created yet: attaching it fails, as in Mesos
		}
		for _, v := range sp.virtuals {
			m.mount(canon, v)
		}
	}
	return m
}

// agentFiles is the files table of agent agentID, for the files endpoints
// and the agent operator API's LIST_FILES and READ_FILE. An unknown agent
// has nothing attached.
func (s *Server) agentFiles(agentID string) fileMounts {
	specs := func() []mountSpec {
		s.mu.Lock()
		defer s.mu.Unlock()
		if a := s.agentByID[agentID]; a != nil {
			return s.agentMountsLocked(a)
		}
		return nil
	}()
	return buildMounts(specs)
}

// listAgentFiles is LIST_FILES of the agent operator API (Http::listFiles,
// src/slave/http.cpp, over Files::browse): the entries of a virtual
// directory of agent agentID, or a *filesError.
func (s *Server) listAgentFiles(agentID, path string) ([]fileEntry, error) {
	return s.agentFiles(agentID).browse(path)
}

// readAgentFile is READ_FILE of the agent operator API (Http::readFile over
// Files::read): the file's size and up to length bytes (all when length is
// negative, at most 16 pages) from offset, or a *filesError.
func (s *Server) readAgentFile(agentID, path string, offset, length int64) (int64, []byte, error) {
	return s.agentFiles(agentID).read(path, offset, length)
}

// frameworkInfoLocked is the FrameworkInfo the agent holds for the run's
// framework: the current one while the agent runs something of it.
func (r *sandboxRun) frameworkInfoLocked(a *agent) *mesosproto.FrameworkInfo {
	if fi := a.frameworks[r.fwID]; fi != nil {
		return fi
	}
	return r.fwInfo
}
