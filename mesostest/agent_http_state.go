// SPDX-License-Identifier: Apache-2.0

//lint:file-ignore SA1019 Mesos's endpoints still write the deprecated role and source fields

package mesostest

import (
	"encoding/json"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/mesosproto"
)

// agentFrameworksLocked renders the agent's frameworks and completed
// frameworks (FrameworkWriter, src/slave/http.cpp), in order of their first
// executor. A framework with a live executor is current; one whose
// executors all completed is a completed framework.
func (s *Server) agentFrameworksLocked(a *agent) (frameworks, completed []jsonObject) {
	var order []string
	byFw := map[string][]*sandboxRun{}
	live := map[string]bool{}
	if a.ex != nil && a.ex.srv != nil {
		for _, r := range a.ex.srv.runs.runs {
			if _, ok := byFw[r.fwID]; !ok {
				order = append(order, r.fwID)
			}
			byFw[r.fwID] = append(byFw[r.fwID], r)
			if r.liveLocked(s, a) {
				live[r.fwID] = true
			}
		}
	}
	frameworks, completed = []jsonObject{}, []jsonObject{}
	for _, fwID := range order {
		runs := byFw[fwID]
		fi := runs[len(runs)-1].frameworkInfoLocked(a)
		fw := jsonObject{
			"id":               fwID,
			"name":             fi.GetName(),
			"user":             fi.GetUser(),
			"failover_timeout": fi.GetFailoverTimeout(),
			"checkpoint":       fi.GetCheckpoint(),
			"hostname":         fi.GetHostname(),
		}
		if fi.Principal != nil {
			fw["principal"] = fi.GetPrincipal()
		}
		if hasCapability(fi, mesosproto.FrameworkInfo_Capability_MULTI_ROLE) {
			fw["roles"] = nonNil(fi.GetRoles())
		} else {
			fw["role"] = fi.GetRole()
		}
		executors, done := []jsonObject{}, []jsonObject{}
		for _, r := range runs {
			if r.liveLocked(s, a) {
				executors = append(executors, s.executorModelLocked(a, r))
			} else {
				done = append(done, s.executorModelLocked(a, r))
			}
		}
		if len(done) > maxCompletedExecutorsPerFramework { // trimming is amortized: show the bound exactly
			done = done[len(done)-maxCompletedExecutorsPerFramework:]
		}
		fw["executors"], fw["completed_executors"] = executors, done
		if live[fwID] {
			frameworks = append(frameworks, fw)
		} else {
			completed = append(completed, fw)
		}
	}
	if len(completed) > maxAgentCompletedFrameworks {
		completed = completed[len(completed)-maxAgentCompletedFrameworks:]
	}
	return frameworks, completed
}

// executorInfoLocked is the run's ExecutorInfo: the custom executor's, or
// the one the agent makes for a command task (Slave::getExecutorInfo).
func (r *sandboxRun) executorInfoLocked() *mesosproto.ExecutorInfo {
	if r.exec != nil {
		return r.exec.info
	}
	ti := r.tasks[0].info
	ei := &mesosproto.ExecutorInfo{
		ExecutorId:  &mesosproto.ExecutorID{Value: proto.String(r.executorID)},
		FrameworkId: &mesosproto.FrameworkID{Value: proto.String(r.fwID)},
		Name:        proto.String("Command Executor " + commandExecutorName(ti)),
		Source:      proto.String(ti.GetTaskId().GetValue()),
		Labels:      ti.GetLabels(),
	}
	return ei
}

// commandExecutorName is the "(Task: id) (Command: ...)" part of the
// command executor's name (Slave::getExecutorInfo).
func commandExecutorName(ti *mesosproto.TaskInfo) string {
	name := "(Task: " + ti.GetTaskId().GetValue() + ") "
	c := ti.GetCommand()
	hasValue := c != nil && c.Value != nil
	switch {
	case c.GetShell() && !hasValue:
		name += "(Command: NO COMMAND)"
	case c.GetShell() && len(c.GetValue()) > 15:
		name += "(Command: sh -c '" + c.GetValue()[:12] + "...')"
	case c.GetShell():
		name += "(Command: sh -c '" + c.GetValue() + "')"
	case !hasValue:
		name += "(Command: NO EXECUTABLE)"
	default:
		args := c.GetValue() + ", " + strings.Join(c.GetArguments(), ", ")
		if len(args) > 15 {
			name += "(Command: [" + args[:12] + "...])"
		} else {
			name += "(Command: [" + args + "])"
		}
	}
	return name
}

// executorModelLocked is ExecutorWriter (src/slave/http.cpp): launched
// tasks in "tasks", tasks the executor has not received in "queued_tasks",
// terminal ones (at most the last 200) in "completed_tasks".
func (s *Server) executorModelLocked(a *agent, r *sandboxRun) jsonObject {
	ei := r.executorInfoLocked()
	tasks, queued, done := []jsonObject{}, []jsonObject{}, []jsonObject{}
	allocated := append([]*mesosproto.Resource(nil), ei.GetResources()...)
	for _, t := range r.tasks {
		terminal := mesosproto.IsTerminalState(t.state) || t.gone
		switch {
		case terminal:
			done = append(done, s.agentTaskModelLocked(a, t))
		case r.exec != nil && !r.exec.launched[t.key.task]:
			queued = append(queued, taskInfoModel(t.info, t.role))
			allocated = append(allocated, t.info.GetResources()...)
		default:
			tasks = append(tasks, s.agentTaskModelLocked(a, t))
			allocated = append(allocated, t.info.GetResources()...)
		}
	}
	if len(done) > maxCompletedTasksPerExecutor {
		done = done[len(done)-maxCompletedTasksPerExecutor:]
	}
	out := jsonObject{
		"id":              r.executorID,
		"name":            ei.GetName(),
		"source":          ei.GetSource(),
		"container":       r.containerID,
		"directory":       r.dir,
		"resources":       resourcesModel(allocated),
		"tasks":           tasks,
		"queued_tasks":    queued,
		"completed_tasks": done,
	}
	if len(ei.GetResources()) > 0 {
		role := ei.GetResources()[0].GetAllocationInfo().GetRole()
		if role == "" && len(r.tasks) > 0 {
			role = r.tasks[0].role
		}
		out["role"] = role
	}
	if ei.Labels != nil {
		out["labels"] = labelsModel(ei.GetLabels())
	}
	if ei.Type != nil {
		out["type"] = ei.GetType().String()
	}
	return out
}

// agentTaskModelLocked is the agent's Task (createTask) of t with the
// statuses the agent saw, the latest of each state (Executor::updateTaskState
// keeps one per state). Without history (WithoutHistory) only the state is known.
func (s *Server) agentTaskModelLocked(a *agent, t *task) jsonObject {
	statuses, state := s.agentTaskStatusesLocked(a, t)
	return taskModel(t.info, t.key.framework, t.role, state, statuses)
}

// agentTaskStatusesLocked is t's state and statuses as agent a knows them
// (for /state and the agent operator API).
func (s *Server) agentTaskStatusesLocked(a *agent, t *task) ([]*mesosproto.TaskStatus, mesosproto.TaskState) {
	var statuses []*mesosproto.TaskStatus
	for _, st := range s.history[t.key.task] {
		if st.GetAgentId().GetValue() != a.id || st.GetSource() == mesosproto.TaskStatus_SOURCE_MASTER {
			continue
		}
		for i, old := range statuses {
			if old.GetState() == st.GetState() {
				statuses = append(statuses[:i], statuses[i+1:]...)
				break
			}
		}
		statuses = append(statuses, st)
	}
	state := t.state
	if t.gone && !mesosproto.IsTerminalState(state) {
		state = mesosproto.TaskState_TASK_KILLED // the framework's shutdown killed it
	}
	return statuses, state
}

// agentFlagsLocked is the agent's flags as /flags and /state show them
// (flag.stringify of each): those the fake honours.
func (s *Server) agentFlagsLocked(as *agentServer) map[string]string {
	a, cfg := as.a, s.cfg.exec
	f := map[string]string{
		"work_dir":                        s.sandboxDir,
		"ip":                              "127.0.0.1",
		"port":                            strconv.Itoa(as.port),
		"hostname":                        a.hostname,
		"resources":                       a.total.String(),
		"default_role":                    "*",
		"authenticate_http_readonly":      "false",
		"authenticate_http_executors":     strconv.FormatBool(cfg.authenticate),
		"executor_registration_timeout":   formatDuration(orDefault(cfg.registrationTimeout, DefaultExecutorRegistrationTimeout)),
		"executor_reregistration_timeout": formatDuration(orDefault(cfg.reregistrationTimeout, DefaultExecutorReregistrationTimeout)),
		"executor_shutdown_grace_period":  formatDuration(orDefault(cfg.shutdownGracePeriod, DefaultExecutorShutdownGracePeriod)),
		"recovery_timeout":                formatDuration(orDefault(cfg.recoveryTimeout, DefaultRecoveryTimeout)),
	}
	if m := s.leaderLocked(); m != nil {
		f["master"] = net.JoinHostPort(m.host, strconv.Itoa(m.port))
	}
	return f
}

// serveAgentFlags is Http::flags without an authorizer: {"flags": {...}}.
func (s *Server) serveAgentFlags(as *agentServer, w http.ResponseWriter, r *http.Request) {
	f := func() map[string]string {
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.agentFlagsLocked(as)
	}()
	writeJSONValue(w, r.URL.Query(), jsonObject{"flags": f})
}

// serveAgentContainers is Http::containers and _containers: the agent's
// live executor containers, filtered by container_id, framework_id, or
// executor_id with framework_id. Each entry has the container's status as
// the Mesos containerizer gives it without network isolation (its id and
// the executor's pid) and its statistics as the containerizer's usage()
// gives them without isolators (the timestamp and the limits derived from
// the container's resources).
func (s *Server) serveAgentContainers(as *agentServer, w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	containerID, hasCID := queryValue(q, "container_id")
	frameworkID, hasFW := queryValue(q, "framework_id")
	executorID, hasEX := queryValue(q, "executor_id")
	if (hasCID && (hasEX || hasFW)) || (!hasCID && hasEX && !hasFW) {
		writeText(w, http.StatusBadRequest, "Supported query parameters are container_id only,"+
			" framework_id only, or executor_id and framework_id only")
		return
	}
	out := func() []jsonObject {
		s.mu.Lock()
		defer s.mu.Unlock()
		a := as.a
		out := []jsonObject{}
		now := float64(time.Now().UnixNano()) / 1e9
		for _, run := range as.runs.runs {
			if !run.liveLocked(s, a) || (hasCID && run.containerID != containerID) ||
				(hasFW && run.fwID != frameworkID) || (hasEX && run.executorID != executorID) {
				continue
			}
			ei := run.executorInfoLocked()
			status := &mesosproto.ContainerStatus{ContainerId: &mesosproto.ContainerID{Value: proto.String(run.containerID)}}
			if pid := run.pidLocked(); pid > 0 {
				status.ExecutorPid = proto.Uint32(uint32(pid))
			}
			entry := jsonObject{
				"framework_id":  run.fwID,
				"executor_id":   run.executorID,
				"executor_name": ei.GetName(),
				"source":        ei.GetSource(),
				"container_id":  run.containerID,
				"status":        json.RawMessage(rawProtoJSON(status)),
				"statistics":    run.statisticsLocked(now),
			}
			out = append(out, entry)
		}
		return out
	}()
	writeJSONValue(w, q, out)
}

// serveAgentStatistics is Http::statistics and _statistics: one entry per
// live executor with its ResourceStatistics (see statisticsLocked).
func (s *Server) serveAgentStatistics(as *agentServer, w http.ResponseWriter, r *http.Request) {
	out := func() []jsonObject {
		s.mu.Lock()
		defer s.mu.Unlock()
		now := float64(time.Now().UnixNano()) / 1e9
		out := []jsonObject{}
		for _, run := range as.runs.runs {
			if !run.liveLocked(s, as.a) {
				continue
			}
			ei := run.executorInfoLocked()
			out = append(out, jsonObject{"framework_id": run.fwID, "executor_id": run.executorID,
				"executor_name": ei.GetName(), "source": ei.GetSource(), "statistics": run.statisticsLocked(now)})
		}
		return out
	}()
	writeJSONValue(w, r.URL.Query(), out)
}

// pidLocked is the pid of the executor's process, 0 before it started.
func (r *sandboxRun) pidLocked() int {
	if r.exec != nil {
		if r.exec.proc != nil {
			return r.exec.proc.Pid
		}
		return 0
	}
	if p := r.tasks[0].proc; p != nil {
		return p.Pid
	}
	return 0
}

// statisticsLocked is ResourceStatistics from MesosContainerizer's _usage
// with no isolator: the timestamp, the cpu request as cpus_soft_limit and
// the memory request as mem_soft_limit_bytes and mem_limit_bytes.
func (r *sandboxRun) statisticsLocked(now float64) jsonObject {
	var cpus, mem float64
	add := func(rs []*mesosproto.Resource) {
		for _, res := range rs {
			switch res.GetName() {
			case "cpus":
				cpus += res.GetScalar().GetValue()
			case "mem":
				mem += res.GetScalar().GetValue()
			}
		}
	}
	add(r.executorInfoLocked().GetResources())
	for _, t := range r.tasks {
		if !mesosproto.IsTerminalState(t.state) && !t.gone {
			add(t.info.GetResources())
		}
	}
	memBytes := uint64(mem) * 1024 * 1024
	return jsonObject{"timestamp": now, "cpus_soft_limit": cpus, "mem_soft_limit_bytes": memBytes, "mem_limit_bytes": memBytes}
}
