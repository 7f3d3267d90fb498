// SPDX-License-Identifier: Apache-2.0

package mesostest

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"

	"go.uber.org/zap"

	"github.com/mesoskit/mesoskit/internal/taskcheck"
	"github.com/mesoskit/mesoskit/mesosproto"
)

// run is the command executor for one task (src/launcher/executor.cpp),
// once the agent has checked its container and fetched its URIs:
// TASK_STARTING, then the process in its sandbox and own process group,
// TASK_RUNNING once it started, and a terminal update when it exits.
func (t *task) run() {
	s := t.s
	cmdInfo, ok := t.launchContainer() // container checks and fetcher (agent_containers.go)
	if !ok {
		return
	}
	s.mu.Lock()
	if t.gone || t.terminated {
		s.mu.Unlock()
		return
	}
	t.statusLocked(mesosproto.TaskState_TASK_STARTING, "", nil, mesosproto.TaskStatus_SOURCE_EXECUTOR)
	sandbox := t.sandbox
	env := t.environment()
	s.mu.Unlock()

	cmd, err := buildCommand(cmdInfo, sandbox, env)
	var stdout, stderr *os.File
	if err == nil {
		stdout, stderr, err = openSandbox(sandbox)
	}
	if err == nil {
		cmd.Stdout, cmd.Stderr = stdout, stderr
		err = cmd.Start()
		_ = stdout.Close() // the child has its own copies
		_ = stderr.Close()
	}

	s.mu.Lock()
	if err != nil {
		s.log.Info("task failed to start", zap.String("task_id", t.key.task), zap.Error(err))
		t.statusLocked(mesosproto.TaskState_TASK_FAILED, "Failed to launch task: "+err.Error(),
			mesosproto.TaskStatus_REASON_COMMAND_EXECUTOR_FAILED.Enum(), mesosproto.TaskStatus_SOURCE_EXECUTOR)
		s.mu.Unlock()
		return
	}
	t.proc = cmd.Process
	if t.gone {
		_ = syscall.Kill(-t.proc.Pid, syscall.SIGKILL)
	} else if t.killed {
		t.signalLocked() // killed while launching: straight to the kill
	} else {
		t.statusLocked(mesosproto.TaskState_TASK_RUNNING, "", nil, mesosproto.TaskStatus_SOURCE_EXECUTOR)
		t.startMonitorLocked(env) // health check, check, max_completion_time (agent_health.go)
	}
	s.mu.Unlock()

	werr := cmd.Wait()

	s.mu.Lock()
	defer s.mu.Unlock()
	if t.killTimer != nil {
		t.killTimer.Stop()
		t.killTimer = nil
	}
	t.pauseMonitorLocked()
	// Leftovers of the process group (a shell's background children) die too.
	_ = syscall.Kill(-t.proc.Pid, syscall.SIGKILL)
	if t.gone {
		return
	}
	t.exitLocked(cmd.ProcessState, werr) // the terminal update (agent_health.go)
}

// wstringify is Mesos's WSTRINGIFY (src/common/status_utils.hpp), from
// internal/taskcheck: "exited with status N", "terminated with signal
// <strsignal>" (plus " (core dumped)").
func wstringify(ws syscall.WaitStatus) string { return taskcheck.DescribeWaitStatus(ws) }

// buildCommand turns a CommandInfo into a process: "/bin/sh -c value" when
// shell (the default), otherwise value as the program and arguments as argv.
func buildCommand(ci *mesosproto.CommandInfo, dir string, env []string) (*exec.Cmd, error) {
	var cmd *exec.Cmd
	if ci == nil {
		return nil, errors.New("no command to run") // a task group's task may have none (no image to run either)
	}
	if ci.GetShell() {
		if ci.Value == nil {
			return nil, errors.New("shell command has no value")
		}
		cmd = exec.Command("/bin/sh", "-c", ci.GetValue())
	} else {
		if ci.GetValue() == "" {
			return nil, errors.New("command has no value")
		}
		path, err := exec.LookPath(ci.GetValue())
		if err != nil {
			return nil, err
		}
		argv := ci.GetArguments()
		if len(argv) == 0 {
			argv = []string{ci.GetValue()}
		}
		cmd = &exec.Cmd{Path: path, Args: append([]string(nil), argv...)}
	}
	cmd.Dir = dir
	cmd.Env = env
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	return cmd, nil
}

func openSandbox(dir string) (stdout, stderr *os.File, err error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, nil, err
	}
	// Appended to: the fetcher may have written there first.
	stdout, err = os.OpenFile(filepath.Join(dir, "stdout"), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return nil, nil, err
	}
	stderr, err = os.OpenFile(filepath.Join(dir, "stderr"), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		_ = stdout.Close()
		return nil, nil, err
	}
	return stdout, stderr, nil
}

// environment is what a command task sees: the command executor's
// environment (executorEnvironment for the executor named after the task,
// with the task's CommandInfo.environment, Slave::getExecutorInfo), to
// which the command executor adds CommandInfo.environment and
// MESOS_ALLOCATION_ROLE (src/launcher/executor.cpp launchTaskSubprocess).
// Nothing comes from the test process unless WithHostEnvironment (agent_env.go).
func (t *task) environment() []string {
	s := t.s
	b := s.executorEnvBuilder(executorEnv{
		frameworkID: t.key.framework,
		executorID:  t.executorID,
		agentID:     t.agent.id,
		endpoint:    agentIP(t.agent.hostname) + ":" + strconv.Itoa(t.agent.port),
		directory:   t.sandbox,
		checkpoint:  t.agent.frameworks[t.key.framework].GetCheckpoint(),
		grace:       s.commandExecutorGrace(t.info),
	})
	b.setCommandEnv(t.info.GetCommand().GetEnvironment())
	b.set("MESOS_ALLOCATION_ROLE", t.role)
	return b.list()
}
