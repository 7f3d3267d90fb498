// SPDX-License-Identifier: Apache-2.0

package mesostest

import (
	"errors"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"time"

	"github.com/mesoskit/mesoskit/mesosproto"
)

// command builds the executor's process from ExecutorInfo.command: shell
// (the default) as "/bin/sh -c value", else value with arguments as argv;
// the sandbox as working directory, stdout/stderr files there, a process
// group of its own, and the environment of environment().
func (run *executorRun) command() (*exec.Cmd, error) {
	ci := run.info.GetCommand()
	if ci.GetValue() == "" {
		return nil, errors.New("ExecutorInfo.command has no value")
	}
	return buildCommand(ci, run.sandbox, run.environment())
}

// environment is the executor's environment (Slave's executorEnvironment,
// src/slave/slave.cpp, plus the containerizer's MESOS_SANDBOX): the formats
// are Mesos's ("1"/"0", stout durations, a UPID).
func (run *executorRun) environment() []string {
	a, cfg := run.a, run.s.cfg.exec
	port := 0
	if a.ex != nil && a.ex.srv != nil {
		port = a.ex.srv.port
	}
	endpoint := "127.0.0.1:" + strconv.Itoa(port)
	flag := func(b bool) string {
		if b {
			return "1"
		}
		return "0"
	}
	env := []string{
		"PATH=" + envOr("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"),
		"MESOS_FRAMEWORK_ID=" + run.key.framework,
		"MESOS_EXECUTOR_ID=" + run.key.executor,
		"MESOS_SLAVE_ID=" + a.id,
		"MESOS_SLAVE_PID=slave(1)@" + endpoint,
		"MESOS_AGENT_ENDPOINT=" + endpoint,
		"MESOS_DIRECTORY=" + run.sandbox,
		"MESOS_SANDBOX=" + run.sandbox,
		"MESOS_CHECKPOINT=" + flag(run.checkpoint),
		"MESOS_HTTP_COMMAND_EXECUTOR=0",
		"MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD=" + formatDuration(run.grace),
		"LIBPROCESS_PORT=0",
	}
	if run.checkpoint {
		env = append(env,
			"MESOS_RECOVERY_TIMEOUT="+formatDuration(orDefault(cfg.recoveryTimeout, DefaultRecoveryTimeout)),
			"MESOS_SUBSCRIPTION_BACKOFF_MAX="+formatDuration(orDefault(cfg.reregistrationTimeout, DefaultExecutorReregistrationTimeout)))
	}
	if run.token != "" {
		env = append(env, "MESOS_EXECUTOR_AUTHENTICATION_TOKEN="+run.token)
	}
	if home, ok := os.LookupEnv("HOME"); ok {
		env = append(env, "HOME="+home)
	}
	env = append(env, cfg.env...)
	for _, v := range run.info.GetCommand().GetEnvironment().GetVariables() {
		if v.GetType() == mesosproto.Environment_Variable_SECRET {
			continue // no secret resolver
		}
		env = append(env, v.GetName()+"="+v.GetValue())
	}
	return env
}

// runProcess starts the executor and reaps it; it runs on a goroutine
// tracked by the Server.
func (run *executorRun) runProcess(cmd *exec.Cmd) {
	s := run.s
	defer close(run.exited)
	stdout, stderr, err := openSandbox(run.sandbox)
	if err == nil {
		cmd.Stdout, cmd.Stderr = stdout, stderr
		err = cmd.Start()
		_ = stdout.Close()
		_ = stderr.Close()
	}
	s.mu.Lock()
	if err != nil {
		if run.termination == nil {
			run.termination = &termination{mesosproto.TaskState_TASK_FAILED,
				mesosproto.TaskStatus_REASON_CONTAINER_LAUNCH_FAILED, "Failed to launch container: " + err.Error()}
		}
		run.exitedLocked(err.Error(), nil)
		s.mu.Unlock()
		return
	}
	run.proc = cmd.Process
	if s.closed || run.state == executorTerminating && run.termination != nil {
		run.killLocked()
	}
	s.notifyLocked()
	s.mu.Unlock()

	werr := cmd.Wait()
	status := "unknown"
	var raw *int32
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok {
		status = wstringify(ws)
		v := int32(ws)
		raw = &v
	} else if werr != nil {
		status = werr.Error()
	}
	// Leftovers of the group die with the container.
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	s.mu.Lock()
	run.exitedLocked(status, raw)
	s.mu.Unlock()
}

// formatDuration writes d as stout's Duration does: the largest unit that
// gives a whole number ("5secs", "15mins", "1500ms").
func formatDuration(d time.Duration) string {
	units := []struct {
		name string
		d    time.Duration
	}{
		{"weeks", 7 * 24 * time.Hour}, {"days", 24 * time.Hour}, {"hrs", time.Hour}, {"mins", time.Minute},
		{"secs", time.Second}, {"ms", time.Millisecond}, {"us", time.Microsecond}, {"ns", time.Nanosecond},
	}
	if d <= 0 {
		return "0ns"
	}
	for _, u := range units {
		if d%u.d == 0 {
			return strconv.FormatInt(int64(d/u.d), 10) + u.name
		}
	}
	return strconv.FormatInt(int64(d), 10) + "ns"
}
