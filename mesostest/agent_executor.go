// SPDX-License-Identifier: Apache-2.0

package mesostest

import (
	"bytes"
	"context"
	"os"
	"syscall"
	"time"

	"go.uber.org/zap"
	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/executorpb"
	"github.com/mesoskit/mesoskit/mesosproto/schedulerpb"
)

// Agent-side defaults for custom executors (docs/configuration/agent.md,
// src/slave/constants.hpp).
const (
	// DefaultExecutorRegistrationTimeout is --executor_registration_timeout.
	DefaultExecutorRegistrationTimeout = time.Minute
	// DefaultExecutorReregistrationTimeout is --executor_reregistration_timeout,
	// also passed to executors as MESOS_SUBSCRIPTION_BACKOFF_MAX.
	DefaultExecutorReregistrationTimeout = 2 * time.Second
	// DefaultExecutorShutdownGracePeriod is --executor_shutdown_grace_period.
	DefaultExecutorShutdownGracePeriod = 5 * time.Second
	// DefaultRecoveryTimeout is --recovery_timeout (MESOS_RECOVERY_TIMEOUT).
	DefaultRecoveryTimeout = 15 * time.Minute
	// DefaultExecutorHeartbeatInterval is DEFAULT_EXECUTOR_HEARTBEAT_INTERVAL.
	DefaultExecutorHeartbeatInterval = 30 * time.Minute
)

// executorConfig holds the options of custom executors (agent_executor_api.go).
// Zero values mean the defaults above.
type executorConfig struct {
	registrationTimeout   time.Duration
	reregistrationTimeout time.Duration
	shutdownGracePeriod   time.Duration
	recoveryTimeout       time.Duration
	heartbeatInterval     time.Duration
	authenticate          bool
	env                   []string
}

func orDefault(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}

// executorState is Slave's Executor::State.
type executorState int

const (
	executorRegistering executorState = iota // launched or recovered, not (re)subscribed yet
	executorRunning                          // subscribed
	executorTerminating                      // being shut down or destroyed
	executorTerminated                       // its process is gone
)

func (st executorState) String() string {
	return [...]string{"REGISTERING", "RUNNING", "TERMINATING", "TERMINATED"}[st]
}

type executorKey struct{ framework, executor string }

// agentExec is an agent's executor side: its executor endpoint and the
// custom executors it runs.
type agentExec struct {
	srv        *agentServer // the /api/v1/executor endpoint, started with the first executor
	runs       map[executorKey]*executorRun
	orphans    []*executorRun // forgotten by a restart, their processes still running
	exited     []ExecutorStatus
	down       bool // RestartAgent: the endpoint is away
	recovering bool // RestartAgent: back, waiting for executors to resubscribe
	recoverGen int  // guards the reregistration timer

	ctx      context.Context // ends the agent's fetches when the server closes
	cancel   context.CancelFunc
	defaults map[executorKey]*defaultExec // default executors (agent_default_executor.go)
}

// executorRun is one custom executor on an agent (Slave's Executor): its
// process, its subscription and its tasks.
type executorRun struct {
	s           *Server
	a           *agent
	key         executorKey
	info        *mesosproto.ExecutorInfo
	fwInfo      *mesosproto.FrameworkInfo
	containerID string
	sandbox     string
	checkpoint  bool
	grace       time.Duration // shutdown grace period
	token       string

	state         executorState
	proc          *os.Process
	stream        *execStream
	subscriptions int
	queued        []*queuedLaunch  // waiting for SUBSCRIBE (Executor::queuedTasks)
	tasks         map[string]*task // queued and launched tasks, until terminal
	launched      map[string]bool  // delivered to the executor
	seen          map[string]bool  // uuids of updates taken over (duplicates are acknowledged again)
	termination   *termination     // why the agent is destroying it
	exitStatus    string           // how the process ended ("exited with status 0")
	regTimer      *time.Timer
	killTimer     *time.Timer
	exited        chan struct{} // closed when the process is reaped
	res           resources     // charged on the agent until it exits (executor_accounting.go)
}

// queuedLaunch is a LAUNCH (one task) or LAUNCH_GROUP waiting for the executor.
type queuedLaunch struct {
	tasks []*task
	group bool
}

// termination is the pending ContainerTermination: what the tasks still live
// when the executor ends are told.
type termination struct {
	state   mesosproto.TaskState
	reason  mesosproto.TaskStatus_Reason
	message string
}

func (a *agent) exec() *agentExec {
	if a.ex == nil {
		ctx, cancel := context.WithCancel(context.Background())
		a.ex = &agentExec{runs: map[executorKey]*executorRun{}, ctx: ctx, cancel: cancel}
	}
	return a.ex
}

// launchOnExecutorLocked runs task t, which names an ExecutorInfo, on that
// executor, launching the executor first when it is not running
// (Slave::runTask, Slave::launchExecutor).
func (s *Server) launchOnExecutorLocked(fw *framework, t *task) {
	s.launchOnExecutorGroupLocked(fw, t.info.GetExecutor(), []*task{t}, false)
}

// launchOnExecutorGroupLocked queues or delivers tasks (one LAUNCH, or one
// LAUNCH_GROUP when group) on executor ei.
func (s *Server) launchOnExecutorGroupLocked(fw *framework, ei *mesosproto.ExecutorInfo, tasks []*task, group bool) {
	a := tasks[0].agent
	ex := a.exec()
	key := executorKey{fw.id, ei.GetExecutorId().GetValue()}
	run := ex.runs[key]
	if run != nil && run.state >= executorTerminating {
		for _, t := range tasks {
			t.executorID = key.executor
			t.statusLocked(lostState(fw, mesosproto.TaskState_TASK_DROPPED), "Executor terminating",
				mesosproto.TaskStatus_REASON_EXECUTOR_TERMINATED.Enum(), mesosproto.TaskStatus_SOURCE_AGENT)
		}
		return
	}
	if run == nil {
		if term := s.containerCheckLocked(ei.GetContainer(), zap.String("executor_id", key.executor)); term != nil {
			s.executorNotLaunchedLocked(fw, a, key, tasks, term) // agent_containers.go
			return
		}
		var err error
		run, err = s.startExecutorLocked(fw, a, ei)
		if err != nil {
			for _, t := range tasks {
				t.executorID = key.executor
				t.statusLocked(mesosproto.TaskState_TASK_FAILED, "Failed to launch container: "+err.Error(),
					mesosproto.TaskStatus_REASON_CONTAINER_LAUNCH_FAILED.Enum(), mesosproto.TaskStatus_SOURCE_AGENT)
			}
			return
		}
	}
	for _, t := range tasks {
		t.exec = run
		t.executorID = key.executor
		t.containerID = run.containerID
		t.sandbox = run.sandbox
		run.tasks[t.key.task] = t
		s.recordAgentTaskLocked(t) // agent_http_runs.go
	}
	q := &queuedLaunch{tasks: tasks, group: group}
	if run.state == executorRunning && run.stream != nil {
		run.deliverLocked(q)
		return
	}
	run.queued = append(run.queued, q)
}

// startExecutorLocked creates the executor and starts its process.
func (s *Server) startExecutorLocked(fw *framework, a *agent, ei *mesosproto.ExecutorInfo) (*executorRun, error) {
	ex := a.exec()
	if err := s.ensureAgentServerLocked(a); err != nil {
		return nil, err
	}
	info := proto.Clone(ei).(*mesosproto.ExecutorInfo)
	if info.FrameworkId == nil {
		info.FrameworkId = &mesosproto.FrameworkID{Value: proto.String(fw.id)}
	}
	run := &executorRun{
		s:           s,
		a:           a,
		key:         executorKey{fw.id, ei.GetExecutorId().GetValue()},
		info:        info,
		fwInfo:      proto.Clone(fw.info).(*mesosproto.FrameworkInfo),
		containerID: newUUIDString(),
		checkpoint:  fw.info.GetCheckpoint(),
		grace:       orDefault(s.cfg.exec.shutdownGracePeriod, DefaultExecutorShutdownGracePeriod),
		tasks:       map[string]*task{},
		launched:    map[string]bool{},
		seen:        map[string]bool{},
		exited:      make(chan struct{}),
	}
	if d := ei.GetShutdownGracePeriod(); d != nil {
		run.grace = time.Duration(d.GetNanoseconds())
	}
	if s.cfg.exec.authenticate {
		run.token = uuidString(newUUIDBytes()) + "." + uuidString(newUUIDBytes())
	}
	run.sandbox = s.sandboxPath(a, fw.id, run.key.executor, run.containerID)
	cmd, err := run.command()
	if err != nil {
		return nil, err
	}
	ex.runs[run.key] = run
	a.frameworks[fw.id] = proto.Clone(fw.info).(*mesosproto.FrameworkInfo)
	s.log.Info("launching executor", zap.String("framework_id", fw.id), zap.String("executor_id", run.key.executor),
		zap.String("agent_id", a.id), zap.Bool("checkpoint", run.checkpoint))
	if !s.goLocked(func() { run.runProcess(cmd) }) {
		close(run.exited)
		delete(ex.runs, run.key)
		return nil, ErrClosed
	}
	timeout := orDefault(s.cfg.exec.registrationTimeout, DefaultExecutorRegistrationTimeout)
	run.regTimer = s.afterLocked(timeout, func() {
		if run.state == executorRegistering && run.subscriptions == 0 {
			s.log.Info("executor did not register in time", zap.String("executor_id", run.key.executor))
			run.destroyLocked(&termination{mesosproto.TaskState_TASK_FAILED,
				mesosproto.TaskStatus_REASON_EXECUTOR_REGISTRATION_TIMEOUT,
				"Executor did not register within " + formatDuration(timeout)})
		}
	})
	return run, nil
}

// deliverLocked sends a LAUNCH or LAUNCH_GROUP on the live stream.
func (run *executorRun) deliverLocked(q *queuedLaunch) {
	var live []*task
	for _, t := range q.tasks {
		if !t.terminated && !t.gone {
			live = append(live, t)
		}
	}
	if len(live) == 0 {
		return
	}
	for _, t := range live {
		run.launched[t.key.task] = true
	}
	if !q.group {
		run.stream.sendLocked(&executorpb.Event{Type: executorpb.Event_LAUNCH.Enum(),
			Launch: &executorpb.Event_Launch{Task: proto.Clone(live[0].info).(*mesosproto.TaskInfo)}})
		return
	}
	g := &mesosproto.TaskGroupInfo{}
	for _, t := range live {
		g.Tasks = append(g.Tasks, proto.Clone(t.info).(*mesosproto.TaskInfo))
	}
	run.stream.sendLocked(&executorpb.Event{Type: executorpb.Event_LAUNCH_GROUP.Enum(),
		LaunchGroup: &executorpb.Event_LaunchGroup{TaskGroup: g}})
}

// subscribeLocked is Slave::subscribe for a SUBSCRIBE that passed the checks:
// the new stream replaces any earlier one (closed without an event) and
// begins with SUBSCRIBED; then the resent updates are taken over again
// (their ACKNOWLEDGED events follow), launched tasks still STAGING that the
// executor does not list are dropped, and the queued launches follow.
func (run *executorRun) subscribeLocked(st *execStream, sub *executorpb.Call_Subscribe) {
	s := run.s
	if run.stream != nil {
		run.stream.closeLocked(false)
	}
	run.stream = st
	st.run = run
	run.state = executorRunning
	run.subscriptions++
	if run.regTimer != nil {
		run.regTimer.Stop()
		run.regTimer = nil
	}
	// The stream begins with SUBSCRIBED: Slave::subscribe hands the resent
	// updates to the status update manager, whose acknowledgements reach the
	// executor only later (Slave::___statusUpdate), after the SUBSCRIBED
	// event it sends at once.
	fwInfo := run.fwInfo
	if fi := run.a.frameworks[run.key.framework]; fi != nil {
		fwInfo = fi
	}
	st.sendLocked(&executorpb.Event{Type: executorpb.Event_SUBSCRIBED.Enum(), Subscribed: &executorpb.Event_Subscribed{
		ExecutorInfo:  proto.Clone(run.info).(*mesosproto.ExecutorInfo),
		FrameworkInfo: proto.Clone(fwInfo).(*mesosproto.FrameworkInfo),
		AgentInfo:     run.a.agentInfo(),
		ContainerId:   &mesosproto.ContainerID{Value: proto.String(run.containerID)},
	}})
	for _, u := range sub.GetUnacknowledgedUpdates() {
		run.updateLocked(proto.Clone(u.GetStatus()).(*mesosproto.TaskStatus))
	}
	listed := map[string]bool{}
	for _, ti := range sub.GetUnacknowledgedTasks() {
		listed[ti.GetTaskId().GetValue()] = true
	}
	for id, t := range run.tasks {
		if run.launched[id] && t.state == mesosproto.TaskState_TASK_STAGING && !listed[id] && !t.terminated {
			t.statusLocked(lostStateFor(run.fwInfo, mesosproto.TaskState_TASK_DROPPED),
				"Task launched during agent restart", mesosproto.TaskStatus_REASON_AGENT_RESTARTED.Enum(),
				mesosproto.TaskStatus_SOURCE_AGENT)
		}
	}
	queued := run.queued
	run.queued = nil
	for _, q := range queued {
		run.deliverLocked(q)
	}
	s.log.Info("executor subscribed", zap.String("executor_id", run.key.executor), zap.Int("subscription", run.subscriptions))
	s.notifyLocked()
	s.checkRecoveredLocked(run.a)
}

// agentInfo is the AgentInfo of SUBSCRIBED (hostname, not host).
func (a *agent) agentInfo() *mesosproto.AgentInfo {
	ai := &mesosproto.AgentInfo{
		Hostname: proto.String(a.hostname),
		Id:       &mesosproto.AgentID{Value: proto.String(a.id)},
	}
	if a.ex != nil && a.ex.srv != nil {
		ai.Port = proto.Int32(int32(a.ex.srv.port))
	}
	return ai
}

// updateLocked takes over a status update from the executor
// (Slave::statusUpdate and the status update manager): duplicates (same
// uuid) are acknowledged again but not forwarded; new ones enter the task's
// update stream; ACKNOWLEDGED goes back on the live stream either way.
func (run *executorRun) updateLocked(st *mesosproto.TaskStatus) {
	s := run.s
	uuid := string(st.GetUuid())
	id := st.GetTaskId().GetValue()
	t := run.tasks[id]
	if t == nil {
		t = s.tasks[taskKey{run.key.framework, id}]
	}
	switch {
	case run.seen[uuid]:
		s.log.Debug("duplicate status update", zap.String("task_id", id))
	case t == nil:
		run.forwardUnknownUpdateLocked(st) // executor_unknown_update.go
		return                             // no ACKNOWLEDGED (Slave::___statusUpdate)
	case t.exec != run || t.gone:
		s.log.Info("status update for an unknown task", zap.String("task_id", id), zap.Stringer("state", st.GetState()))
	case t.terminated:
		s.log.Info("status update after a terminal one", zap.String("task_id", id), zap.Stringer("state", st.GetState()))
	default:
		run.seen[uuid] = true
		st.AgentId = &mesosproto.AgentID{Value: proto.String(run.a.id)}
		if st.ExecutorId == nil {
			st.ExecutorId = &mesosproto.ExecutorID{Value: proto.String(run.key.executor)}
		}
		st.Source = mesosproto.TaskStatus_SOURCE_EXECUTOR.Enum() // Slave::statusUpdate sets it for executors' updates
		run.mergeContainerStatusLocked(st)                       // Slave::_statusUpdate (agent_status.go)
		t.takeUpdateLocked(st)
		if t.terminated {
			delete(run.tasks, id)
		}
	}
	if run.stream != nil {
		run.stream.sendLocked(&executorpb.Event{Type: executorpb.Event_ACKNOWLEDGED.Enum(),
			Acknowledged: &executorpb.Event_Acknowledged{TaskId: st.GetTaskId(), Uuid: st.GetUuid()}})
	}
}

// takeUpdateLocked enters an update made elsewhere (the executor) into the
// task's state and update stream, as statusLocked does for the agent's own.
func (t *task) takeUpdateLocked(st *mesosproto.TaskStatus) {
	if state, reason := t.drainStatus(st.GetState(), st.Reason); state != st.GetState() || reason != st.Reason {
		st.State, st.Reason = state.Enum(), reason // a draining agent's rewrite (operator_drain.go)
	}
	t.state = st.GetState()
	if mesosproto.IsTerminalState(t.state) {
		t.terminated = true
		t.releaseResourcesLocked()
		t.stopTimersLocked()
	}
	t.s.recordStatusLocked(t.key.framework, st)
	t.enqueueUpdateLocked(&pendingUpdate{full: st})
}

// killExecutorTaskLocked is KILL for a task on a custom executor
// (Slave::killTask): a task not yet delivered is killed by the agent
// (TASK_KILLED, REASON_TASK_KILLED_DURING_LAUNCH); a delivered one gets a
// KILL event, with the call's KillPolicy.
func (s *Server) killExecutorTaskLocked(t *task, policy *mesosproto.KillPolicy) {
	run := t.exec
	if !run.launched[t.key.task] {
		for _, q := range run.queued {
			for i, qt := range q.tasks {
				if qt == t {
					q.tasks = append(q.tasks[:i:i], q.tasks[i+1:]...)
					break
				}
			}
		}
		delete(run.tasks, t.key.task)
		t.statusLocked(mesosproto.TaskState_TASK_KILLED, "Killed before delivery to the executor",
			mesosproto.TaskStatus_REASON_TASK_KILLED_DURING_LAUNCH.Enum(), mesosproto.TaskStatus_SOURCE_AGENT)
		return
	}
	if run.stream == nil || run.state != executorRunning {
		s.log.Info("kill for a task whose executor is not subscribed: dropped", zap.String("task_id", t.key.task))
		return
	}
	k := &executorpb.Event_Kill{TaskId: &mesosproto.TaskID{Value: proto.String(t.key.task)}}
	if policy != nil {
		k.KillPolicy = proto.Clone(policy).(*mesosproto.KillPolicy)
	}
	run.stream.sendLocked(&executorpb.Event{Type: executorpb.Event_KILL.Enum(), Kill: k})
}

// shutdownLocked is Slave::shutdownExecutor: SHUTDOWN on the stream, and the
// container destroyed when the grace period ends.
func (run *executorRun) shutdownLocked() {
	if run.state >= executorTerminating {
		return
	}
	run.state = executorTerminating
	if run.regTimer != nil {
		run.regTimer.Stop()
	}
	if run.stream != nil {
		run.stream.sendLocked(&executorpb.Event{Type: executorpb.Event_SHUTDOWN.Enum()})
	}
	run.s.log.Info("shutting down executor", zap.String("executor_id", run.key.executor), zap.Duration("grace_period", run.grace))
	run.killTimer = run.s.afterLocked(run.grace, func() {
		if run.state != executorTerminated {
			run.killLocked()
		}
	})
	run.s.notifyLocked()
}

// destroyLocked kills the executor now; the tasks it leaves are told term.
func (run *executorRun) destroyLocked(term *termination) {
	if run.state == executorTerminated {
		return
	}
	if run.termination == nil {
		run.termination = term
	}
	run.state = executorTerminating
	run.killLocked()
	run.s.notifyLocked()
}

// killLocked SIGKILLs the executor's process group.
func (run *executorRun) killLocked() {
	if run.proc != nil {
		_ = syscall.Kill(-run.proc.Pid, syscall.SIGKILL)
	}
	if run.stream != nil {
		run.stream.closeLocked(true)
	}
}

// exitedLocked is the executor's process being reaped
// (Slave::executorTerminated): every task still live fails (by default
// TASK_FAILED, REASON_EXECUTOR_TERMINATED, "Executor terminated"), and the
// executor is removed.
func (run *executorRun) exitedLocked(status string, waitStatus *int32) {
	s := run.s
	run.state = executorTerminated
	run.exitStatus = status
	run.releaseResourcesLocked() // executor_accounting.go
	for _, t := range []*time.Timer{run.regTimer, run.killTimer} {
		if t != nil {
			t.Stop()
		}
	}
	if run.stream != nil {
		run.stream.closeLocked(true)
		run.stream = nil
	}
	term := run.termination
	if term == nil {
		term = &termination{mesosproto.TaskState_TASK_FAILED, mesosproto.TaskStatus_REASON_EXECUTOR_TERMINATED, "Executor terminated"}
	}
	for _, t := range run.tasks {
		if !t.terminated && !t.gone {
			t.statusLocked(term.state, term.message, term.reason.Enum(), mesosproto.TaskStatus_SOURCE_AGENT)
		}
	}
	run.tasks = map[string]*task{}
	run.queued = nil
	if ex := run.a.ex; ex != nil {
		if ex.runs[run.key] == run {
			delete(ex.runs, run.key)
		}
		for i, o := range ex.orphans {
			if o == run {
				ex.orphans = append(ex.orphans[:i:i], ex.orphans[i+1:]...)
				break
			}
		}
	}
	if ex := run.a.ex; ex != nil {
		ex.exited = append(ex.exited, run.statusLocked())
	}
	// The master tells the framework (Master::exitedExecutor), unless the
	// agent is not registered with it.
	if m := s.leaderLocked(); m != nil && m.st != nil && waitStatus != nil && m.registeredLocked(run.a) {
		if fw := m.st.frameworks[run.key.framework]; fw != nil {
			fw.sendLocked(&schedulerpb.Event{Type: schedulerpb.Event_FAILURE.Enum(), Failure: &schedulerpb.Event_Failure{
				AgentId:    &mesosproto.AgentID{Value: proto.String(run.a.id)},
				ExecutorId: &mesosproto.ExecutorID{Value: proto.String(run.key.executor)},
				Status:     proto.Int32(*waitStatus),
			}})
		}
	}
	s.log.Info("executor exited", zap.String("executor_id", run.key.executor), zap.String("status", status))
	s.notifyLocked()
	s.checkRecoveredLocked(run.a)
}

// messageLocked is an executor's MESSAGE going to its framework
// (Slave::sendFrameworkMessage, Master::exitedExecutor... forwarded as the
// scheduler's MESSAGE event).
func (run *executorRun) messageLocked(data []byte) {
	m := run.s.leaderLocked()
	if m == nil || m.st == nil || !m.registeredLocked(run.a) {
		return
	}
	fw := m.st.frameworks[run.key.framework]
	if fw == nil {
		return
	}
	fw.sendLocked(&schedulerpb.Event{Type: schedulerpb.Event_MESSAGE.Enum(), Message: &schedulerpb.Event_Message{
		AgentId:    &mesosproto.AgentID{Value: proto.String(run.a.id)},
		ExecutorId: &mesosproto.ExecutorID{Value: proto.String(run.key.executor)},
		Data:       bytes.Clone(data),
	}})
}

// frameworkMessageLocked is the scheduler's MESSAGE call reaching the
// executor (best effort: dropped when it is not subscribed).
func (s *Server) frameworkMessageLocked(fw *framework, msg *schedulerpb.Call_Message) {
	a := s.agentByID[msg.GetAgentId().GetValue()]
	if a == nil || a.ex == nil || !fw.m.registeredLocked(a) {
		return
	}
	run := a.ex.runs[executorKey{fw.id, msg.GetExecutorId().GetValue()}]
	if run == nil || run.stream == nil || run.state != executorRunning {
		return
	}
	run.stream.sendLocked(&executorpb.Event{Type: executorpb.Event_MESSAGE.Enum(),
		Message: &executorpb.Event_Message{Data: bytes.Clone(msg.GetData())}})
}

// shutdownExecutorCallLocked is the scheduler's SHUTDOWN call.
func (s *Server) shutdownExecutorCallLocked(fw *framework, sh *schedulerpb.Call_Shutdown) {
	a := s.agentByID[sh.GetAgentId().GetValue()]
	if a == nil || a.ex == nil || !fw.m.registeredLocked(a) {
		return
	}
	if s.shutdownDefaultLocked(a, fw.id, sh.GetExecutorId().GetValue()) { // agent_default_executor.go
		return
	}
	if run := a.ex.runs[executorKey{fw.id, sh.GetExecutorId().GetValue()}]; run != nil {
		run.shutdownLocked()
	}
}

// shutdownFrameworkExecutorsLocked shuts down the framework's executors on
// every agent (framework removal).
func (s *Server) shutdownFrameworkExecutorsLocked(fwID string) {
	for _, a := range s.agents {
		if a.ex == nil {
			continue
		}
		for k, run := range a.ex.runs {
			if k.framework == fwID {
				run.shutdownLocked()
			}
		}
	}
}

// closeExecutorsLocked kills every executor process (Server.Close).
func (s *Server) closeExecutorsLocked() {
	for _, a := range s.agents {
		if a.ex == nil {
			continue
		}
		a.ex.cancel()
		for _, run := range a.ex.runs {
			run.killLocked()
		}
		for _, run := range a.ex.orphans {
			run.killLocked()
		}
	}
}

// lostStateFor is lostState for a FrameworkInfo.
func lostStateFor(fi *mesosproto.FrameworkInfo, aware mesosproto.TaskState) mesosproto.TaskState {
	if hasCapability(fi, mesosproto.FrameworkInfo_Capability_PARTITION_AWARE) {
		return aware
	}
	return mesosproto.TaskState_TASK_LOST
}
