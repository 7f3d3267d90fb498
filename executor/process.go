// SPDX-License-Identifier: Apache-2.0

//go:build unix

package executor

import (
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"time"

	"go.uber.org/zap"
	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/internal/taskcheck"
	"github.com/mesoskit/mesoskit/mesosproto"
)

// procTask is one task run by Command: a process group, its kill state,
// its timers and its checkers. Its updates are journalled under mu, so they
// keep their order whichever goroutine makes them.
type procTask struct {
	x      *Executor
	cmd    Command
	info   *mesosproto.TaskInfo
	taskID string
	log    *zap.Logger

	mu                    sync.Mutex
	pgid                  int
	killed                bool
	terminated            bool
	killedByHealth        bool
	killedByMaxCompletion bool
	killStart             time.Time
	killDeadline          time.Time
	escalation            *time.Timer
	last                  *mesosproto.TaskStatus // the last status sent
	monitor               *taskcheck.Monitor     // health check, check, max_completion_time
	unlinkRun             func() bool            // detaches the monitor from Run's context
	checks                sync.WaitGroup         // the monitor's goroutines
	group                 *taskGroup             // its LAUNCH_GROUP, with Command.KillGroupOnFailure
}

// startProcess launches the task (see Command). It returns once the process
// has started (or failed to), after TASK_STARTING and TASK_RUNNING have been
// journalled.
func startProcess(x *Executor, c Command, task *mesosproto.TaskInfo, group *taskGroup) {
	p := &procTask{
		x: x, cmd: c, info: task, taskID: task.GetTaskId().GetValue(),
		log: x.log.With(zap.String("task_id", task.GetTaskId().GetValue())),
	}
	if !x.register(p.taskID, p) {
		p.log.Warn("ignoring LAUNCH of a task that is already running")
		return
	}
	p.group = group

	p.mu.Lock()
	defer p.mu.Unlock()
	p.sendLocked(p.newStatus(mesosproto.TaskState_TASK_STARTING))

	cmd, files, err := p.command()
	if err == nil {
		err = cmd.Start()
	}
	for _, f := range files {
		_ = f.Close() // the child has its own copies
	}
	if err != nil {
		p.log.Error("cannot launch command", zap.Error(err))
		p.terminated = true
		st := p.newStatus(mesosproto.TaskState_TASK_FAILED)
		st.Message = proto.String("Failed to launch command: " + err.Error())
		p.sendLocked(st)
		go p.done(mesosproto.TaskState_TASK_FAILED) // unregisters outside p.mu
		return
	}
	p.pgid = cmd.Process.Pid
	p.log.Info("started command", zap.Int("pid", p.pgid))
	p.startMonitor()
	p.sendLocked(p.newStatus(mesosproto.TaskState_TASK_RUNNING))
	go p.wait(cmd)
}

// command prepares the process; files are to be closed after Start.
func (p *procTask) command() (*exec.Cmd, []*os.File, error) {
	ci := p.info.GetCommand()
	if ci == nil || ci.GetValue() == "" {
		return nil, nil, fmt.Errorf("task has no command value")
	}
	env := p.cmd.taskEnv(p.x, p.info)
	envl := taskcheck.NewEnv(env)
	cmd := &exec.Cmd{Env: env, SysProcAttr: &syscall.SysProcAttr{Setpgid: true}}
	if ci.GetShell() {
		cmd.Path, cmd.Args = "/bin/sh", []string{"sh", "-c", ci.GetValue()}
	} else {
		pathVar, _ := envl.Get("PATH")
		path, err := taskcheck.LookPath(ci.GetValue(), pathVar)
		if err != nil {
			return nil, nil, err
		}
		cmd.Path, cmd.Args = path, ci.GetArguments()
		if len(cmd.Args) == 0 {
			cmd.Args = []string{ci.GetValue()}
		}
	}
	if err := p.setUser(cmd, ci.GetUser()); err != nil {
		return nil, nil, err
	}
	var files []*os.File
	if dir := p.x.sandbox(); dir != "" {
		cmd.Dir = dir
		for _, name := range []string{"stdout", "stderr"} {
			f, err := os.OpenFile(filepath.Join(dir, name), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
			if err != nil {
				for _, f := range files {
					_ = f.Close()
				}
				return nil, nil, err
			}
			files = append(files, f)
		}
		cmd.Stdout, cmd.Stderr = files[0], files[1]
	} else {
		cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	}
	return cmd, files, nil
}

// setUser runs the command as name when the executor is root.
func (p *procTask) setUser(cmd *exec.Cmd, name string) error {
	if name == "" {
		return nil
	}
	if cur, err := user.Current(); err == nil && cur.Username == name {
		return nil
	}
	if os.Geteuid() != 0 {
		p.log.Warn("not running as root: ignoring CommandInfo.user", zap.String("user", name))
		return nil
	}
	u, err := user.Lookup(name)
	if err != nil {
		return err
	}
	uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
	gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
	if err1 != nil || err2 != nil {
		return fmt.Errorf("user %q has a non-numeric uid or gid", name)
	}
	cmd.SysProcAttr.Credential = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
	return nil
}

// wait reaps the process and sends the terminal update
// (src/launcher/executor.cpp reaped(), through taskcheck.Terminal).
func (p *procTask) wait(cmd *exec.Cmd) {
	err := cmd.Wait()

	p.mu.Lock()
	p.terminated = true
	if p.escalation != nil {
		p.escalation.Stop()
	}
	p.monitor.Pause()
	if p.unlinkRun != nil {
		p.unlinkRun()
	}

	end := taskcheck.Terminal(taskcheck.Outcome{
		State:                 cmd.ProcessState,
		WaitErr:               err,
		Killed:                p.killed,
		KilledByMaxCompletion: p.killedByMaxCompletion,
		KilledByHealth:        p.killedByHealth,
		ExecutorUnhealthy:     p.group != nil && p.x.isGroupUnhealthy(),
	})
	st := p.newStatus(end.GetState())
	st.Reason, st.Message, st.Healthy = end.Reason, end.Message, end.Healthy
	p.log.Info("command ended", zap.String("message", st.GetMessage()), zap.Stringer("state", st.GetState()))
	p.sendLocked(st)
	pgid := p.pgid
	p.mu.Unlock()

	// Leftovers of the group die with the task, as in a destroyed container.
	_ = syscall.Kill(-pgid, syscall.SIGKILL)
	p.done(st.GetState())
}

// done waits for the checkers, unregisters, applies the task group rule,
// and, for a single-task Command, asks Run to finish once the terminal
// update is acknowledged.
func (p *procTask) done(state mesosproto.TaskState) {
	p.checks.Wait()
	p.x.unregister(p.taskID, p)
	p.group.ended(p.x, p.taskID, state)
	if p.cmd.Single {
		p.x.requestExit(exitAckTimeout)
	}
}

// kill implements runningTask (src/launcher/executor.cpp kill()).
func (p *procTask) kill(grace time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.killLocked(grace)
}

func (p *procTask) killLocked(grace time.Duration) {
	if p.terminated || p.pgid == 0 {
		return
	}
	p.monitor.Pause() // also cancels the max_completion_time timer
	now := time.Now()
	if p.killed {
		// Only shorten: a retried or longer kill changes nothing.
		deadline := p.killStart.Add(grace)
		if !deadline.Before(p.killDeadline) {
			return
		}
		p.killDeadline = deadline
		p.escalation.Reset(max(deadline.Sub(now), 0))
		p.log.Info("shortened the kill grace period", zap.Duration("grace_period", grace))
		return
	}
	p.killed = true
	p.killStart, p.killDeadline = now, now.Add(grace)
	if taskcheck.SendsKilling(p.x.FrameworkHasCapability(mesosproto.FrameworkInfo_Capability_TASK_KILLING_STATE), p.killedByMaxCompletion) {
		p.sendLocked(p.newStatus(mesosproto.TaskState_TASK_KILLING))
	}
	p.log.Info("sending SIGTERM to the process group", zap.Int("pgid", p.pgid), zap.Duration("grace_period", grace))
	if err := syscall.Kill(-p.pgid, syscall.SIGTERM); err != nil {
		p.log.Warn("SIGTERM failed", zap.Error(err))
	}
	p.escalation = time.AfterFunc(grace, p.escalate)
}

// escalate sends SIGKILL once the grace period is over.
func (p *procTask) escalate() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.terminated {
		return
	}
	p.log.Info("grace period over: sending SIGKILL to the process group", zap.Int("pgid", p.pgid))
	_ = syscall.Kill(-p.pgid, syscall.SIGKILL)
}

// forceKill implements runningTask: SIGKILL now.
func (p *procTask) forceKill() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.terminated || p.pgid == 0 {
		return
	}
	p.killed = true
	p.monitor.Pause()
	_ = syscall.Kill(-p.pgid, syscall.SIGKILL)
}

// newStatus starts a status from scratch, with an empty check_status of the
// task's check type when it has a check (as Mesos's createTaskStatus).
func (p *procTask) newStatus(state mesosproto.TaskState) *mesosproto.TaskStatus {
	return &mesosproto.TaskStatus{TaskId: p.info.GetTaskId(), State: state.Enum(), CheckStatus: taskcheck.TaskCheckStatus(p.info)}
}

// sendLocked journals st and remembers it as the last status.
func (p *procTask) sendLocked(st *mesosproto.TaskStatus) {
	p.last = st
	if _, err := p.x.enqueueUpdate(st); err != nil {
		p.log.Warn("cannot send status update", zap.Stringer("state", st.GetState()), zap.Error(err))
	}
}
