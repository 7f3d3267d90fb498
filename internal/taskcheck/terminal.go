// SPDX-License-Identifier: Apache-2.0

//go:build unix

package taskcheck

import (
	"os"
	"strconv"
	"syscall"

	"github.com/mesoskit/mesoskit/mesosproto"
)

// Outcome is how a task's process ended, and what its executor had done to
// it.
type Outcome struct {
	// State is the process's state; nil when it could not be reaped.
	State *os.ProcessState
	// WaitErr is the error of waiting for it, if any.
	WaitErr error
	// Killed: the executor killed it (KILL, shutdown, a failing health
	// check, its group, max_completion_time).
	Killed bool
	// KilledByMaxCompletion: the kill was that of max_completion_time.
	KilledByMaxCompletion bool
	// KilledByHealth: a failing health check of this task had it killed
	// (the command executor: reaped() sets healthy=false when killed by one).
	KilledByHealth bool
	// ExecutorUnhealthy: a failing health check has killed one of the
	// executor's tasks (the default executor: waited() then sets
	// healthy=false on every terminal update, killed or not; MESOS-8543).
	ExecutorUnhealthy bool
}

// Terminal is the terminal update of a reaped task, as reaped() in
// src/launcher/executor.cpp and waited() in
// src/launcher/default_executor.cpp make it: TASK_FAILED with
// REASON_MAX_COMPLETION_TIME_REACHED when max_completion_time killed it,
// else TASK_KILLED when it was killed, else TASK_FINISHED for exit status 0,
// else TASK_FAILED; the message is "Command " + WSTRINGIFY(status); healthy
// is false when a failing health check killed it, or with
// ExecutorUnhealthy. Only state, reason, message and healthy are set.
func Terminal(o Outcome) *mesosproto.TaskStatus {
	st := &mesosproto.TaskStatus{}
	ws, ok := WaitStatusOf(o.State)
	switch {
	case !ok:
		msg := "Failed to get exit status for Command"
		if o.WaitErr != nil {
			msg += ": " + o.WaitErr.Error()
		}
		st.State, st.Message = mesosproto.TaskState_TASK_FAILED.Enum(), &msg
	default:
		state := mesosproto.TaskState_TASK_FAILED
		switch {
		case o.KilledByMaxCompletion:
			st.Reason = mesosproto.TaskStatus_REASON_MAX_COMPLETION_TIME_REACHED.Enum()
		case o.Killed:
			state = mesosproto.TaskState_TASK_KILLED
		case ws.Exited() && ws.ExitStatus() == 0:
			state = mesosproto.TaskState_TASK_FINISHED
		}
		msg := "Command " + DescribeWaitStatus(ws)
		st.State, st.Message = state.Enum(), &msg
	}
	if (o.Killed && o.KilledByHealth) || o.ExecutorUnhealthy {
		f := false
		st.Healthy = &f
	}
	return st
}

// WaitStatusOf is the wait status of a reaped process.
func WaitStatusOf(ps *os.ProcessState) (syscall.WaitStatus, bool) {
	if ps == nil {
		return 0, false
	}
	ws, ok := ps.Sys().(syscall.WaitStatus)
	return ws, ok
}

// DescribeWaitStatus renders a wait status as Mesos's WSTRINGIFY
// (src/common/status_utils.hpp): "exited with status N", "terminated with
// signal Killed" (strsignal names, plus " (core dumped)").
func DescribeWaitStatus(ws syscall.WaitStatus) string {
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
