// SPDX-License-Identifier: Apache-2.0

package mesostest

import (
	"errors"
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
	ci, err := run.s.containerCommand(run.info.GetContainer(), run.info.GetCommand()) // agent_containers.go
	if err != nil {
		return nil, err
	}
	if ci.GetValue() == "" {
		return nil, errors.New("ExecutorInfo.command has no value")
	}
	return buildCommand(ci, run.sandbox, run.environment())
}

// environment is the executor's environment (executorEnvironment,
// agent_env.go) with ExecutorInfo.command.environment over it.
func (run *executorRun) environment() []string {
	port := 0
	if run.a.ex != nil && run.a.ex.srv != nil {
		port = run.a.ex.srv.port
	}
	b := run.s.executorEnvBuilder(executorEnv{
		frameworkID: run.key.framework,
		executorID:  run.key.executor,
		agentID:     run.a.id,
		endpoint:    "127.0.0.1:" + strconv.Itoa(port),
		directory:   run.sandbox,
		checkpoint:  run.checkpoint,
		grace:       run.grace,
		token:       run.token,
	})
	b.setCommandEnv(run.info.GetCommand().GetEnvironment())
	return b.list()
}

// runProcess starts the executor and reaps it; it runs on a goroutine
// tracked by the Server.
func (run *executorRun) runProcess(cmd *exec.Cmd) {
	s := run.s
	defer close(run.exited)
	s.mu.Lock()
	ctx := run.a.exec().ctx
	s.mu.Unlock()
	if err := s.fetchURIs(ctx, run.containerID, run.sandbox, run.info.GetCommand().GetUris()); err != nil {
		run.fetchFailed(err) // agent_containers.go
		return
	}
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
