// SPDX-License-Identifier: Apache-2.0

package mesostest

import (
	"os"
	"syscall"
	"time"

	"go.uber.org/zap"
	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/mesosproto"
)

type taskKey struct{ framework, task string }

// task is a task on an agent, run by the built-in command executor
// (src/launcher/executor.cpp) as a real process, or simulated. The master's
// view of it (the state of the last update it forwarded) lives here too.
type task struct {
	s            *Server
	key          taskKey
	info         *mesosproto.TaskInfo
	agent        *agent
	res          resources
	holdsRes     bool
	executorID   string
	containerID  string
	sandbox      string
	killingState bool   // the framework has TASK_KILLING_STATE
	role         string // allocation role of the offer the task was launched with

	state       mesosproto.TaskState  // latest state on the agent
	updateState *mesosproto.TaskState // master: state of the last update forwarded
	updateUUID  []byte

	updates updateStream

	simulated  bool
	proc       *os.Process
	killed     bool // a kill was requested
	grace      time.Duration
	terminated bool // a terminal update was generated
	gone       bool // framework removed or server closed: no more updates
	killTimer  *time.Timer
	simTimer   *time.Timer
	exec       *executorRun // the custom executor running the task (agent_executor.go)
}

// isTerminal is protobuf::isTerminalState (src/common/protobuf_utils.cpp).
func isTerminal(s mesosproto.TaskState) bool {
	switch s {
	case mesosproto.TaskState_TASK_FINISHED, mesosproto.TaskState_TASK_FAILED,
		mesosproto.TaskState_TASK_KILLED, mesosproto.TaskState_TASK_LOST,
		mesosproto.TaskState_TASK_ERROR, mesosproto.TaskState_TASK_DROPPED,
		mesosproto.TaskState_TASK_GONE, mesosproto.TaskState_TASK_GONE_BY_OPERATOR:
		return true
	}
	return false
}

// launchTaskLocked starts a validated task on agent a (Slave::runTask and
// the command executor's launch).
func (s *Server) launchTaskLocked(fw *framework, a *agent, role string, ti *mesosproto.TaskInfo, res resources) {
	t := &task{
		s:            s,
		key:          taskKey{fw.id, ti.GetTaskId().GetValue()},
		info:         proto.Clone(ti).(*mesosproto.TaskInfo),
		agent:        a,
		res:          res,
		holdsRes:     true,
		executorID:   ti.GetTaskId().GetValue(), // the command executor is named after its task
		containerID:  newUUIDString(),
		killingState: hasCapability(fw.info, mesosproto.FrameworkInfo_Capability_TASK_KILLING_STATE),
		role:         role,
		state:        mesosproto.TaskState_TASK_STAGING,
		simulated:    s.cfg.simulated,
		grace:        s.cfg.killGracePeriod,
	}
	if d := ti.GetKillPolicy().GetGracePeriod(); d != nil {
		t.grace = time.Duration(d.GetNanoseconds())
	}
	t.sandbox = s.sandboxPath(a, fw.id, t.executorID, t.containerID)
	a.used = a.used.plus(res)
	a.frameworks[fw.id] = proto.Clone(fw.info).(*mesosproto.FrameworkInfo)
	s.tasks[t.key] = t
	s.log.Info("launching task", zap.String("framework_id", fw.id), zap.String("task_id", t.key.task), zap.String("agent_id", a.id), zap.Bool("simulated", t.simulated))

	if ti.GetExecutor() != nil {
		s.launchOnExecutorLocked(fw, t)
		return
	}
	if t.simulated {
		t.statusLocked(mesosproto.TaskState_TASK_STARTING, "", nil, mesosproto.TaskStatus_SOURCE_EXECUTOR)
		t.statusLocked(mesosproto.TaskState_TASK_RUNNING, "", nil, mesosproto.TaskStatus_SOURCE_EXECUTOR)
		if d := s.cfg.simulatedDuration; d >= 0 {
			t.simTimer = s.afterLocked(d, func() {
				if !t.terminated && !t.gone {
					t.statusLocked(mesosproto.TaskState_TASK_FINISHED, "Command exited with status 0", nil, mesosproto.TaskStatus_SOURCE_EXECUTOR)
				}
			})
		}
		return
	}
	if !s.goLocked(t.run) {
		t.gone = true
	}
}

// statusLocked is a status update generated on the agent (by the executor
// or the agent itself): it gets a fresh uuid and timestamp and enters the
// task's status update stream.
func (t *task) statusLocked(state mesosproto.TaskState, message string, reason *mesosproto.TaskStatus_Reason, source mesosproto.TaskStatus_Source) {
	if t.gone || t.terminated {
		return
	}
	st := &mesosproto.TaskStatus{
		TaskId:     &mesosproto.TaskID{Value: proto.String(t.key.task)},
		State:      state.Enum(),
		Source:     source.Enum(),
		Reason:     reason,
		AgentId:    &mesosproto.AgentID{Value: proto.String(t.agent.id)},
		ExecutorId: &mesosproto.ExecutorID{Value: proto.String(t.executorID)},
		Timestamp:  proto.Float64(nowSeconds()),
		Uuid:       newUUIDBytes(),
	}
	if message != "" {
		st.Message = proto.String(message)
	}
	if state == mesosproto.TaskState_TASK_RUNNING && t.proc != nil {
		st.ContainerStatus = &mesosproto.ContainerStatus{
			ContainerId: &mesosproto.ContainerID{Value: proto.String(t.containerID)},
			ExecutorPid: proto.Uint32(uint32(t.proc.Pid)),
		}
	}
	t.state = state
	if isTerminal(state) {
		t.terminated = true
		t.releaseResourcesLocked()
		t.stopTimersLocked()
	}
	t.s.recordStatusLocked(t.key.framework, st)
	t.enqueueUpdateLocked(st)
}

// releaseResourcesLocked gives the task's resources back to its agent (the
// master recovers them when the task reaches a terminal state).
func (t *task) releaseResourcesLocked() {
	if t.holdsRes {
		t.holdsRes = false
		t.agent.used = t.agent.used.minus(t.res)
	}
}

func (t *task) stopTimersLocked() {
	if t.killTimer != nil {
		t.killTimer.Stop()
		t.killTimer = nil
	}
	if t.simTimer != nil {
		t.simTimer.Stop()
		t.simTimer = nil
	}
}

// stopLocked ends the task without any further update: its process group
// is killed at once (framework removal, server close).
func (t *task) stopLocked() {
	t.gone = true
	t.stopTimersLocked()
	t.updates.stopLocked()
	if t.proc != nil && !t.terminated {
		_ = syscall.Kill(-t.proc.Pid, syscall.SIGKILL)
	}
}

// killLocked is KILL reaching the command executor: TASK_KILLING when the
// framework understands it, SIGTERM to the process group, SIGKILL after the
// grace period (KillPolicy in the KILL call, else in the TaskInfo, else 3 s).
func (t *task) killLocked(policy *mesosproto.KillPolicy) {
	if t.terminated || t.gone {
		return
	}
	if t.exec != nil {
		t.s.killExecutorTaskLocked(t, policy)
		return
	}
	if d := policy.GetGracePeriod(); d != nil {
		t.grace = time.Duration(d.GetNanoseconds())
	}
	if t.killed {
		return
	}
	t.killed = true
	if !t.simulated && t.state == mesosproto.TaskState_TASK_STAGING {
		// Not yet delivered to its executor (Slave::killTask).
		t.statusLocked(mesosproto.TaskState_TASK_KILLED, "Killed before delivery to the executor",
			mesosproto.TaskStatus_REASON_TASK_KILLED_DURING_LAUNCH.Enum(), mesosproto.TaskStatus_SOURCE_AGENT)
		return
	}
	if t.killingState {
		t.statusLocked(mesosproto.TaskState_TASK_KILLING, "", nil, mesosproto.TaskStatus_SOURCE_EXECUTOR)
	}
	if t.simulated {
		t.statusLocked(mesosproto.TaskState_TASK_KILLED, "Command terminated with signal Terminated", nil, mesosproto.TaskStatus_SOURCE_EXECUTOR)
		return
	}
	if t.proc != nil {
		t.signalLocked()
	}
	// Otherwise run() signals the process as soon as it has started.
}

func (t *task) signalLocked() {
	_ = syscall.Kill(-t.proc.Pid, syscall.SIGTERM)
	pid := t.proc.Pid
	t.killTimer = t.s.afterLocked(t.grace, func() {
		if !t.terminated {
			_ = syscall.Kill(-pid, syscall.SIGKILL)
		}
	})
}

// recordStatusLocked remembers a status for WaitTask and TaskUpdates.
func (s *Server) recordStatusLocked(fwID string, st *mesosproto.TaskStatus) {
	id := st.GetTaskId().GetValue()
	if s.cfg.noHistory {
		if n := st.GetState(); n >= 0 && n < 64 {
			s.reached[id] |= 1 << uint(n)
		}
		s.notifyLocked()
		return
	}
	s.history[id] = append(s.history[id], proto.Clone(st).(*mesosproto.TaskStatus))
	s.notifyLocked()
}

func nowSeconds() float64 { return float64(time.Now().UnixNano()) / 1e9 }
