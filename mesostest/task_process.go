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

// run is the command executor for one task (src/launcher/executor.cpp):
// TASK_STARTING, then the process in its sandbox and own process group,
// TASK_RUNNING once it started, and a terminal update when it exits.
func (t *task) run() {
	s := t.s
	s.mu.Lock()
	if t.gone || t.terminated {
		s.mu.Unlock()
		return
	}
	t.statusLocked(mesosproto.TaskState_TASK_STARTING, "", nil, mesosproto.TaskStatus_SOURCE_EXECUTOR)
	cmdInfo := t.info.GetCommand()
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
	stdout, err = os.Create(filepath.Join(dir, "stdout"))
	if err != nil {
		return nil, nil, err
	}
	stderr, err = os.Create(filepath.Join(dir, "stderr"))
	if err != nil {
		_ = stdout.Close()
		return nil, nil, err
	}
	return stdout, stderr, nil
}

// environment is what a command task sees (the containerizer builds it
// explicitly, src/slave/containerizer/mesos/containerizer.cpp): the agent's
// executor variables, MESOS_SANDBOX, MESOS_ALLOCATION_ROLE, then
// CommandInfo.environment. PATH and HOME are passed through so that shell
// commands work.
func (t *task) environment() []string {
	env := []string{
		"PATH=" + envOr("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"),
		"MESOS_FRAMEWORK_ID=" + t.key.framework,
		"MESOS_EXECUTOR_ID=" + t.executorID,
		"MESOS_SLAVE_ID=" + t.agent.id,
		"MESOS_SLAVE_PID=slave(1)@" + agentIP(t.agent.hostname) + ":" + strconv.Itoa(t.agent.port),
		"MESOS_AGENT_ENDPOINT=" + agentIP(t.agent.hostname) + ":" + strconv.Itoa(t.agent.port),
		"MESOS_DIRECTORY=" + t.sandbox,
		"MESOS_SANDBOX=" + t.sandbox,
		"MESOS_CHECKPOINT=0",
		"MESOS_ALLOCATION_ROLE=" + t.role,
		"LIBPROCESS_PORT=0",
	}
	if home, ok := os.LookupEnv("HOME"); ok {
		env = append(env, "HOME="+home)
	}
	for _, v := range t.info.GetCommand().GetEnvironment().GetVariables() {
		if v.GetType() == mesosproto.Environment_Variable_SECRET {
			continue // secrets need a secret resolver, which mesostest does not have
		}
		env = append(env, v.GetName()+"="+v.GetValue())
	}
	return env
}

func envOr(name, def string) string {
	if v, ok := os.LookupEnv(name); ok {
		return v
	}
	return def
}
