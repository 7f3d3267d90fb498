// SPDX-License-Identifier: Apache-2.0

package mesostest

import (
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/agentpb"
)

// The agent operator API's GET_STATE, GET_FRAMEWORKS, GET_EXECUTORS,
// GET_TASKS and GET_CONTAINERS (src/slave/http.cpp: Http::_getFrameworks,
// _getExecutors, _getTasks, _getState, __containers), rendered from the
// executor runs the agent's /state and /containers render
// (agent_http_runs.go): a framework with a live executor is one of the
// agent's frameworks, one whose executors all completed is a completed
// framework; a live run is an executor, a finished one a completed executor.

// agentFrameworkRuns groups the agent's runs by framework, in order of their
// first run, with whether the framework has a live run.
type agentFrameworkRuns struct {
	fwID string
	runs []*sandboxRun
	live bool
}

func (s *Server) agentFrameworkRunsLocked(as *agentServer) []*agentFrameworkRuns {
	var out []*agentFrameworkRuns
	byFw := map[string]*agentFrameworkRuns{}
	for _, r := range as.runs.runs {
		g := byFw[r.fwID]
		if g == nil {
			g = &agentFrameworkRuns{fwID: r.fwID}
			byFw[r.fwID] = g
			out = append(out, g)
		}
		g.runs = append(g.runs, r)
		if r.liveLocked(s, as.a) {
			g.live = true
		}
	}
	return out
}

// agentGetFrameworksLocked is Http::_getFrameworks.
func (s *Server) agentGetFrameworksLocked(as *agentServer) *agentpb.Response_GetFrameworks {
	out := &agentpb.Response_GetFrameworks{}
	var completed []*agentpb.Response_GetFrameworks_Framework
	for _, g := range s.agentFrameworkRunsLocked(as) {
		f := &agentpb.Response_GetFrameworks_Framework{FrameworkInfo: g.runs[len(g.runs)-1].frameworkInfoLocked(as.a)}
		if g.live {
			out.Frameworks = append(out.Frameworks, f)
		} else {
			completed = append(completed, f)
		}
	}
	if len(completed) > maxAgentCompletedFrameworks {
		completed = completed[len(completed)-maxAgentCompletedFrameworks:]
	}
	out.CompletedFrameworks = completed
	return out
}

// agentGetExecutorsLocked is Http::_getExecutors: the live executors of the
// agent's frameworks, then the completed executors of all frameworks.
func (s *Server) agentGetExecutorsLocked(as *agentServer) *agentpb.Response_GetExecutors {
	out := &agentpb.Response_GetExecutors{}
	for _, g := range s.agentFrameworkRunsLocked(as) {
		var done []*agentpb.Response_GetExecutors_Executor
		for _, r := range g.runs {
			e := &agentpb.Response_GetExecutors_Executor{ExecutorInfo: r.executorInfoLocked()}
			if r.liveLocked(s, as.a) {
				out.Executors = append(out.Executors, e)
			} else {
				done = append(done, e)
			}
		}
		if len(done) > maxCompletedExecutorsPerFramework {
			done = done[len(done)-maxCompletedExecutorsPerFramework:]
		}
		out.CompletedExecutors = append(out.CompletedExecutors, done...)
	}
	return out
}

// agentGetTasksLocked is Http::_getTasks: tasks an executor has not received
// yet are queued (TASK_STAGING), the others of live executors launched or
// terminated, those of completed executors completed (the last 200 per
// executor). There are no pending tasks: the fake launches a task's executor
// at once.
func (s *Server) agentGetTasksLocked(as *agentServer) *agentpb.Response_GetTasks {
	out := &agentpb.Response_GetTasks{}
	for _, g := range s.agentFrameworkRunsLocked(as) {
		for _, r := range g.runs {
			live := r.liveLocked(s, as.a)
			var done []*mesosproto.Task
			for _, t := range r.tasks {
				statuses, state := s.agentTaskStatusesLocked(as.a, t)
				pt := operatorTask(t, statuses)
				pt.State = state.Enum()
				terminal := mesosproto.IsTerminalState(state)
				switch {
				case !live:
					done = append(done, pt)
				case terminal:
					out.TerminatedTasks = append(out.TerminatedTasks, pt)
				case r.exec != nil && !r.exec.launched[t.key.task]:
					pt.State, pt.Statuses = mesosproto.TaskState_TASK_STAGING.Enum(), nil // protobuf::createTask(taskInfo, TASK_STAGING, ...)
					out.QueuedTasks = append(out.QueuedTasks, pt)
				default:
					out.LaunchedTasks = append(out.LaunchedTasks, pt)
				}
			}
			if len(done) > maxCompletedTasksPerExecutor {
				done = done[len(done)-maxCompletedTasksPerExecutor:]
			}
			out.CompletedTasks = append(out.CompletedTasks, done...)
		}
	}
	return out
}

// agentGetStateLocked is Http::_getState: GET_TASKS, GET_EXECUTORS and
// GET_FRAMEWORKS of one moment.
func (s *Server) agentGetStateLocked(as *agentServer) *agentpb.Response_GetState {
	return &agentpb.Response_GetState{
		GetTasks:      s.agentGetTasksLocked(as),
		GetExecutors:  s.agentGetExecutorsLocked(as),
		GetFrameworks: s.agentGetFrameworksLocked(as),
	}
}

// agentGetContainersLocked is Http::getContainers (__containers with the
// call's show_nested and show_standalone): the live executors' containers
// with the status and statistics /containers shows. The fake has neither
// nested nor standalone containers, so both flags change nothing.
func (s *Server) agentGetContainersLocked(as *agentServer, _ *agentpb.Call_GetContainers) *agentpb.Response_GetContainers {
	out := &agentpb.Response_GetContainers{}
	now := float64(time.Now().UnixNano()) / 1e9
	for _, run := range as.runs.runs {
		if !run.liveLocked(s, as.a) {
			continue
		}
		ei := run.executorInfoLocked()
		status := &mesosproto.ContainerStatus{ContainerId: &mesosproto.ContainerID{Value: proto.String(run.containerID)}}
		if pid := run.pidLocked(); pid > 0 {
			status.ExecutorPid = proto.Uint32(uint32(pid))
		}
		st := run.statisticsLocked(now)
		out.Containers = append(out.Containers, &agentpb.Response_GetContainers_Container{
			FrameworkId:     &mesosproto.FrameworkID{Value: proto.String(run.fwID)},
			ExecutorId:      &mesosproto.ExecutorID{Value: proto.String(run.executorID)},
			ExecutorName:    proto.String(ei.GetName()),
			ContainerId:     &mesosproto.ContainerID{Value: proto.String(run.containerID)},
			ContainerStatus: status,
			ResourceStatistics: &mesosproto.ResourceStatistics{
				Timestamp:         proto.Float64(st["timestamp"].(float64)),
				CpusSoftLimit:     proto.Float64(st["cpus_soft_limit"].(float64)),
				MemSoftLimitBytes: proto.Uint64(st["mem_soft_limit_bytes"].(uint64)),
				MemLimitBytes:     proto.Uint64(st["mem_limit_bytes"].(uint64)),
			},
		})
	}
	return out
}
