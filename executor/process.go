// SPDX-License-Identifier: Apache-2.0

//go:build unix

package executor

import (
	"context"
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
	completion            *time.Timer
	last                  *mesosproto.TaskStatus // the last status sent
	stopChecks            context.CancelFunc
	checks                sync.WaitGroup
}

// startProcess launches the task (see Command). It returns once the process
// has started (or failed to), after TASK_STARTING and TASK_RUNNING have been
// journalled.
func startProcess(x *Executor, c Command, task *mesosproto.TaskInfo) {
	p := &procTask{
		x: x, cmd: c, info: task, taskID: task.GetTaskId().GetValue(),
		log: x.log.With(zap.String("task_id", task.GetTaskId().GetValue())),
	}
	if !x.register(p.taskID, p) {
		p.log.Warn("ignoring LAUNCH of a task that is already running")
		return
	}
	x.mu.Lock()
	parent := x.runCtx
	x.mu.Unlock()
	checkCtx, stopChecks := context.WithCancel(parent)
	p.stopChecks = stopChecks

	p.mu.Lock()
	defer p.mu.Unlock()
	p.sendLocked(p.newStatus(mesosproto.TaskState_TASK_STARTING))

	cmd, files, err := p.command()
	if err == nil {
		if d := task.GetMaxCompletionTime(); d != nil && d.GetNanoseconds() > 0 {
			max := time.Duration(d.GetNanoseconds())
			p.completion = time.AfterFunc(max, p.completionTimeout)
		}
		err = cmd.Start()
	}
	for _, f := range files {
		_ = f.Close() // the child has its own copies
	}
	if err != nil {
		p.log.Error("cannot launch command", zap.Error(err))
		p.terminated = true
		if p.completion != nil {
			p.completion.Stop()
		}
		st := p.newStatus(mesosproto.TaskState_TASK_FAILED)
		st.Message = proto.String("Failed to launch command: " + err.Error())
		p.sendLocked(st)
		stopChecks()
		go p.done() // unregisters outside p.mu
		return
	}
	p.pgid = cmd.Process.Pid
	p.log.Info("started command", zap.Int("pid", p.pgid))

	if hc := task.GetHealthCheck(); hc != nil {
		if pr, err := healthProbe(hc); err != nil {
			p.log.Error("cannot run health check", zap.Error(err))
		} else {
			p.checks.Add(1)
			go func() {
				defer p.checks.Done()
				p.runHealthCheck(checkCtx, hc, pr)
			}()
		}
	}
	if ck := task.GetCheck(); ck != nil {
		if pr, err := checkProbe(ck); err != nil {
			p.log.Error("cannot run check", zap.Error(err))
		} else {
			p.checks.Add(1)
			go func() {
				defer p.checks.Done()
				p.runCheck(checkCtx, ck, pr)
			}()
		}
	}
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
	envl := newEnvList(env)
	cmd := &exec.Cmd{Env: env, SysProcAttr: &syscall.SysProcAttr{Setpgid: true}}
	if ci.GetShell() {
		cmd.Path, cmd.Args = "/bin/sh", []string{"sh", "-c", ci.GetValue()}
	} else {
		pathVar, _ := envl.get("PATH")
		path, err := lookPath(ci.GetValue(), pathVar)
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
// (src/launcher/executor.cpp reaped()).
func (p *procTask) wait(cmd *exec.Cmd) {
	err := cmd.Wait()

	p.mu.Lock()
	p.terminated = true
	if p.escalation != nil {
		p.escalation.Stop()
	}
	if p.completion != nil {
		p.completion.Stop()
	}
	p.stopChecks()

	var st *mesosproto.TaskStatus
	ws, ok := waitStatus(cmd.ProcessState)
	switch {
	case !ok:
		st = p.newStatus(mesosproto.TaskState_TASK_FAILED)
		st.Message = proto.String(fmt.Sprintf("Failed to get exit status for Command: %v", err))
	default:
		state := mesosproto.TaskState_TASK_FAILED
		switch {
		case p.killedByMaxCompletion:
		case p.killed:
			state = mesosproto.TaskState_TASK_KILLED
		case ws.Exited() && ws.ExitStatus() == 0:
			state = mesosproto.TaskState_TASK_FINISHED
		}
		st = p.newStatus(state)
		if p.killedByMaxCompletion {
			st.Reason = mesosproto.TaskStatus_REASON_MAX_COMPLETION_TIME_REACHED.Enum()
		}
		st.Message = proto.String("Command " + describeWaitStatus(ws))
	}
	if p.killed && p.killedByHealth {
		st.Healthy = proto.Bool(false)
	}
	p.log.Info("command ended", zap.String("message", st.GetMessage()), zap.Stringer("state", st.GetState()))
	p.sendLocked(st)
	pgid := p.pgid
	p.mu.Unlock()

	// Leftovers of the group die with the task, as in a destroyed container.
	_ = syscall.Kill(-pgid, syscall.SIGKILL)
	p.done()
}

// done waits for the checkers, unregisters, and, for a single-task Command,
// asks Run to finish once the terminal update is acknowledged.
func (p *procTask) done() {
	p.checks.Wait()
	p.x.unregister(p.taskID, p)
	if p.cmd.Single {
		p.x.requestExit(exitAckTimeout)
	}
}

func waitStatus(ps *os.ProcessState) (syscall.WaitStatus, bool) {
	if ps == nil {
		return 0, false
	}
	ws, ok := ps.Sys().(syscall.WaitStatus)
	return ws, ok
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
	if p.completion != nil {
		p.completion.Stop()
	}
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
	if !p.killedByMaxCompletion && p.x.FrameworkHasCapability(mesosproto.FrameworkInfo_Capability_TASK_KILLING_STATE) {
		p.sendLocked(p.newStatus(mesosproto.TaskState_TASK_KILLING))
	}
	p.stopChecks()
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
	p.stopChecks()
	_ = syscall.Kill(-p.pgid, syscall.SIGKILL)
}

// completionTimeout kills a task that outlived max_completion_time, with no
// grace and no TASK_KILLING.
func (p *procTask) completionTimeout() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.terminated || p.killed {
		return
	}
	p.log.Info("max_completion_time reached: killing the task")
	p.killedByMaxCompletion = true
	p.killLocked(0)
}

// newStatus starts a status from scratch, with an empty check_status of the
// task's check type when it has a check (as Mesos's createTaskStatus).
func (p *procTask) newStatus(state mesosproto.TaskState) *mesosproto.TaskStatus {
	st := &mesosproto.TaskStatus{TaskId: p.info.GetTaskId(), State: state.Enum()}
	if ck := p.info.GetCheck(); ck != nil {
		st.CheckStatus = emptyCheckStatus(ck.GetType())
	}
	return st
}

// sendLocked journals st and remembers it as the last status.
func (p *procTask) sendLocked(st *mesosproto.TaskStatus) {
	p.last = st
	if _, err := p.x.enqueueUpdate(st); err != nil {
		p.log.Warn("cannot send status update", zap.Stringer("state", st.GetState()), zap.Error(err))
	}
}

// describeWaitStatus renders a wait status as Mesos's WSTRINGIFY
// (src/common/status_utils.hpp).
func describeWaitStatus(ws syscall.WaitStatus) string {
	switch {
	case ws.Exited():
		return "exited with status " + strconv.Itoa(ws.ExitStatus())
	case ws.Signaled():
		s := "terminated with signal " + signalName(ws.Signal())
		if ws.CoreDump() {
			s += " (core dumped)"
		}
		return s
	case ws.Stopped():
		return "stopped on signal " + signalName(ws.StopSignal())
	}
	return "wait status " + strconv.Itoa(int(ws))
}

// signalName is strsignal(3)'s text for sig as glibc writes it
// ("Terminated", "Killed", "Segmentation fault").
func signalName(sig syscall.Signal) string {
	s := sig.String()
	if s == "" {
		return s
	}
	if c := s[0]; c >= 'a' && c <= 'z' {
		s = string(c-'a'+'A') + s[1:]
	}
	return s
}
