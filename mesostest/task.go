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
	info         *mesosproto.TaskInfo // nil for simulated command tasks
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

	// Made once, shared by every status of the task (see statusLocked).
	taskIDpb     *mesosproto.TaskID
	executorIDpb *mesosproto.ExecutorID

	simulated  bool
	proc       *os.Process
	killed     bool // a kill was requested
	grace      time.Duration
	terminated bool // a terminal update was generated
	gone       bool // framework removed or server closed: no more updates
	killTimer  *time.Timer
	exec       *executorRun // the custom executor running the task (agent_executor.go)

	killStart    time.Time  // when SIGTERM was sent
	killDeadline time.Time  // when the scheduled SIGKILL is due
	rules        *taskRules // health check, check, max_completion_time, task group (agent_health.go)
}

// launchTaskLocked starts a validated task on agent a (Slave::runTask and
// the command executor's launch). A simulated command task runs no process:
// it gets no container, no sandbox and keeps no copy of its TaskInfo, so that
// scale tests pay only for the task's protocol state.
func (s *Server) launchTaskLocked(fw *framework, a *agent, role string, ti *mesosproto.TaskInfo, res resources) {
	simulated := s.cfg.simulated && ti.GetExecutor() == nil
	t := &task{
		s:            s,
		key:          taskKey{fw.id, ti.GetTaskId().GetValue()},
		agent:        a,
		res:          s.internResourcesLocked(res),
		holdsRes:     true,
		killingState: hasCapability(fw.info, mesosproto.FrameworkInfo_Capability_TASK_KILLING_STATE),
		role:         role,
		state:        mesosproto.TaskState_TASK_STAGING,
		simulated:    simulated,
		grace:        s.cfg.killGracePeriod,
	}
	t.executorID = t.key.task // the command executor is named after its task
	if d := ti.GetKillPolicy().GetGracePeriod(); d != nil {
		t.grace = time.Duration(d.GetNanoseconds())
	}
	if !simulated {
		t.info = proto.Clone(ti).(*mesosproto.TaskInfo)
		t.containerID = newUUIDString()
		t.sandbox = s.sandboxPath(a, fw.id, t.executorID, t.containerID)
	}
	a.setUsed(a.used.plus(res))
	if _, ok := a.frameworks[fw.id]; !ok {
		// Kept current by updateAgentFrameworkInfoLocked from then on.
		a.frameworks[fw.id] = proto.Clone(fw.info).(*mesosproto.FrameworkInfo)
	}
	s.tasks[t.key] = t
	s.recordAgentTaskLocked(t)   // the agent's /state and files API (agent_http_runs.go)
	s.operatorTaskAddedLocked(t) // operator_events.go
	if ce := s.log.Check(zap.InfoLevel, "launching task"); ce != nil {
		ce.Write(zap.String("framework_id", fw.id), zap.String("task_id", t.key.task), zap.String("agent_id", a.id), zap.Bool("simulated", t.simulated))
	}

	if ti.GetExecutor() != nil {
		s.launchOnExecutorLocked(fw, t)
		return
	}
	if t.simulated {
		t.statusLocked(mesosproto.TaskState_TASK_STARTING, "", nil, mesosproto.TaskStatus_SOURCE_EXECUTOR)
		t.statusLocked(mesosproto.TaskState_TASK_RUNNING, "", nil, mesosproto.TaskStatus_SOURCE_EXECUTOR)
		if s.cfg.simulatedDuration >= 0 {
			s.sim.addLocked(s, t) // finishes it after the simulated duration (simulated.go)
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
	// The update is immutable from here on: the update stream, the UPDATE
	// events and the history share it, and its statuses share the task,
	// agent and executor id messages (update.go).
	p := &pendingUpdate{
		taskID:     t.taskIDProto(),
		agentID:    t.agent.idProto(),
		executorID: t.executorIDProto(),
		message:    message,
		timestamp:  nowSeconds(),
		state:      state,
		source:     source,
	}
	state, reason = t.drainStatus(state, reason) // a draining agent's rewrite (operator_drain.go)
	p.state = state
	if reason != nil {
		p.reason, p.hasReason = *reason, true
	}
	fillUUID(p.uuid[:])
	t.decorateExecutorUpdateLocked(p, source) // container status and network info (agent_status.go)
	t.decorateLocked(p)                       // check_status, healthy (agent_health.go)
	t.state = state
	if mesosproto.IsTerminalState(state) {
		t.terminated = true
		t.releaseResourcesLocked()
		t.stopTimersLocked()
	}
	if t.s.cfg.noHistory {
		t.s.recordStateLocked(t.key.task, state)
	} else {
		if p.full == nil {
			p.full = p.toProto()
		}
		t.s.recordStatusLocked(t.key.framework, p.full)
	}
	t.enqueueUpdateLocked(p)
	t.groupUpdateLocked(p) // the default executor's task group rule (agent_default_executor.go)
}

// releaseResourcesLocked gives the task's resources back to its agent (the
// master recovers them when the task reaches a terminal state).
func (t *task) releaseResourcesLocked() {
	if t.holdsRes {
		t.holdsRes = false
		t.agent.setUsed(t.agent.used.minus(t.res))
	}
}

func (t *task) stopTimersLocked() {
	if t.killTimer != nil {
		t.killTimer.Stop()
		t.killTimer = nil
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
	grace := t.grace
	if d := policy.GetGracePeriod(); d != nil {
		grace = time.Duration(d.GetNanoseconds())
	}
	t.killWithGraceLocked(grace)
}

// killWithGraceLocked is the command executor's kill(taskId, gracePeriod)
// (src/launcher/executor.cpp). A kill of a task already being killed can
// only shorten the escalation: SIGKILL is re-scheduled to grace after the
// first SIGTERM (at once when that is past), and a longer grace period is
// a no-op.
func (t *task) killWithGraceLocked(grace time.Duration) {
	if t.killed {
		t.shortenKillLocked(grace)
		return
	}
	t.grace = grace
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
	t.killStart = time.Now()
	t.armKillTimerLocked(t.grace)
}

// armKillTimerLocked schedules SIGKILL of the process group after d.
func (t *task) armKillTimerLocked(d time.Duration) {
	pid := t.proc.Pid
	if t.killTimer != nil {
		t.killTimer.Stop()
	}
	t.killDeadline = time.Now().Add(d)
	t.killTimer = t.s.afterLocked(d, func() {
		if !t.terminated {
			_ = syscall.Kill(-pid, syscall.SIGKILL)
		}
	})
}

// shortenKillLocked handles a further kill with grace period grace: only a
// deadline earlier than the scheduled one counts (executor.cpp kill: "The
// escalation grace period can be only decreased").
func (t *task) shortenKillLocked(grace time.Duration) {
	if t.simulated || t.terminated {
		return
	}
	if t.proc == nil || t.killStart.IsZero() {
		// Not signalled yet (run() signals once the process started).
		t.grace = min(t.grace, grace)
		return
	}
	if !t.killStart.Add(grace).Before(t.killDeadline) {
		return
	}
	t.armKillTimerLocked(max(0, grace-time.Since(t.killStart)))
}

// recordStatusLocked remembers a status for WaitTask and TaskUpdates.
func (s *Server) recordStatusLocked(fwID string, st *mesosproto.TaskStatus) {
	id := st.GetTaskId().GetValue()
	if s.cfg.noHistory {
		s.recordStateLocked(id, st.GetState())
		return
	}
	// Statuses are never modified once made, and every accessor hands out
	// copies: the history shares them.
	s.history[id] = append(s.history[id], st)
	s.notifyLocked()
}

// recordStateLocked remembers, with WithoutHistory, that task id reached state.
func (s *Server) recordStateLocked(id string, state mesosproto.TaskState) {
	if state >= 0 && state < 64 {
		s.reached[id] |= 1 << uint(state)
	}
	s.notifyLocked()
}

func nowSeconds() float64 { return float64(time.Now().UnixNano()) / 1e9 }

// taskIDProto is the task's TaskID message, shared by all its statuses.
func (t *task) taskIDProto() *mesosproto.TaskID {
	if t.taskIDpb == nil {
		t.taskIDpb = &mesosproto.TaskID{Value: proto.String(t.key.task)}
	}
	return t.taskIDpb
}

// executorIDProto is the ExecutorID message of the task's executor, shared
// by all its statuses (made again if the task moved to another executor id).
func (t *task) executorIDProto() *mesosproto.ExecutorID {
	if t.executorIDpb == nil || t.executorIDpb.GetValue() != t.executorID {
		t.executorIDpb = &mesosproto.ExecutorID{Value: proto.String(t.executorID)}
	}
	return t.executorIDpb
}

// Shared, never written enum values for immutable statuses.
var (
	taskStateValues = func() (v [16]mesosproto.TaskState) {
		for i := range v {
			v[i] = mesosproto.TaskState(i)
		}
		return v
	}()
	statusSourceValues = func() (v [3]mesosproto.TaskStatus_Source) {
		for i := range v {
			v[i] = mesosproto.TaskStatus_Source(i)
		}
		return v
	}()
)

// taskStatePtr returns a pointer to a shared copy of s: statuses that are
// never modified need not allocate their enum fields.
func taskStatePtr(s mesosproto.TaskState) *mesosproto.TaskState {
	if s >= 0 && int(s) < len(taskStateValues) {
		return &taskStateValues[s]
	}
	return s.Enum()
}

func statusSourcePtr(s mesosproto.TaskStatus_Source) *mesosproto.TaskStatus_Source {
	if s >= 0 && int(s) < len(statusSourceValues) {
		return &statusSourceValues[s]
	}
	return s.Enum()
}
