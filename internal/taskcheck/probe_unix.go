// SPDX-License-Identifier: Apache-2.0

//go:build unix

package taskcheck

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"syscall"
)

// runCommand runs a COMMAND probe in a process group of its own, killed
// with the group when the attempt times out (CheckerProcess::commandCheck).
func (pr probe) runCommand(ctx context.Context, base []string, dir string) (probeResult, error) {
	env := NewEnv(base)
	env.Merge(pr.command.GetEnvironment())
	cmd := &exec.Cmd{Env: env.List(), Dir: dir, SysProcAttr: &syscall.SysProcAttr{Setpgid: true}}
	if pr.command.GetShell() {
		cmd.Path, cmd.Args = "/bin/sh", []string{"sh", "-c", pr.command.GetValue()}
	} else {
		pathVar, _ := env.Get("PATH")
		path, err := LookPath(pr.command.GetValue(), pathVar)
		if err != nil {
			return probeResult{}, err
		}
		cmd.Path, cmd.Args = path, pr.command.GetArguments()
		if len(cmd.Args) == 0 {
			cmd.Args = []string{pr.command.GetValue()}
		}
	}
	if err := cmd.Start(); err != nil {
		return probeResult{}, fmt.Errorf("failed to create subprocess: %w", err)
	}
	waited := make(chan struct{})
	go func() {
		select {
		case <-ctx.Done():
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		case <-waited:
		}
	}()
	err := cmd.Wait()
	close(waited)
	if ctx.Err() != nil {
		return probeResult{}, fmt.Errorf("command timed out after %v", pr.timeout)
	}
	ws, ok := WaitStatusOf(cmd.ProcessState)
	if !ok || !ws.Exited() {
		if ok {
			return probeResult{}, errors.New("command " + DescribeWaitStatus(ws))
		}
		return probeResult{}, fmt.Errorf("failed to reap the command process: %v", err)
	}
	return probeResult{exitCode: ws.ExitStatus()}, nil
}
