// SPDX-License-Identifier: Apache-2.0

package executor

import (
	"context"
	"errors"
	"os"

	"go.uber.org/zap"
	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/internal/taskcheck"
	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/executorpb"
)

// Command is a ready-made Handler that runs each task's TaskInfo.command as
// an operating-system process, the way Mesos's built-in command executor
// does (src/launcher/executor.cpp), and reports its life to the agent.
//
// For each LAUNCH (and each task of a LAUNCH_GROUP):
//   - TASK_STARTING is sent at once;
//   - the process starts: with CommandInfo.shell (true by default in the
//     proto) as "/bin/sh -c <value>"; otherwise value is executed (looked up
//     in the task's PATH when it has no '/') with CommandInfo.arguments as
//     its argv (arguments[0] is argv[0]; value alone when empty);
//   - its environment is Env (else the executor's own, always without
//     MESOS_EXECUTOR_AUTHENTICATION_TOKEN), then MESOS_SANDBOX and
//     MESOS_DIRECTORY from the Config, then CommandInfo.environment (VALUE
//     variables; SECRET ones are skipped, as Mesos skips unresolved
//     secrets), then MESOS_ALLOCATION_ROLE from the task's resources;
//   - its working directory is the sandbox (Config.Sandbox, else
//     Config.Directory); stdout and stderr are appended to the files
//     "stdout" and "stderr" there (without a sandbox they are the executor's
//     own);
//   - it runs in a process group of its own; CommandInfo.user is honoured
//     when the executor runs as root, and otherwise logged and ignored;
//   - TASK_RUNNING is sent once it has started (TASK_FAILED "Failed to
//     launch command: ..." if it could not start).
//
// A KILL (or the executor's shutdown) sends TASK_KILLING first if the
// framework has the TASK_KILLING_STATE capability, then SIGTERM to the
// process group, and SIGKILL when the grace period ends: the KILL's
// KillPolicy, else TaskInfo.kill_policy, else DefaultKillGracePeriod; for
// shutdown the executor's shutdown grace period less a margin. A later KILL
// can only shorten the remaining grace, never extend it.
//
// When the process ends, the terminal update is, in this order of
// precedence: TASK_FAILED with REASON_MAX_COMPLETION_TIME_REACHED if it was
// killed because TaskInfo.max_completion_time passed; TASK_KILLED if it was
// killed by KILL or shutdown (whatever its exit status); TASK_FINISHED for
// exit status 0; TASK_FAILED otherwise. The message is Mesos's: "Command
// exited with status N" or "Command terminated with signal Terminated"
// (strsignal-style names, plus " (core dumped)"). Processes of the group
// still alive after the leader exits are SIGKILLed, as destroying the
// container would.
//
// TaskInfo.health_check (COMMAND, HTTP or TCP; src/checks/health_checker.cpp)
// runs after delay_seconds, every interval_seconds, each attempt limited to
// timeout_seconds (0: none); HTTP probes GET scheme://127.0.0.1:port/path
// (::1 for IPv6), follow redirects, skip certificate checks and count
// 200-399 as healthy; TCP probes connect to 127.0.0.1:port; COMMAND probes
// exit 0. A TASK_RUNNING update with healthy=true and
// REASON_TASK_HEALTH_CHECK_STATUS_UPDATED follows the first success and the
// first success after failures; each failure outside the initial
// grace_period_seconds sends one with healthy=false, and once
// consecutive_failures failures have happened in a row the task is killed
// (its terminal update carries healthy=false). TaskInfo.check works the same
// way but never kills: a TASK_RUNNING update with
// REASON_TASK_CHECK_STATUS_UPDATED and check_status follows each change of
// the result, and every update of such a task carries a check_status of the
// check's type. Checks stop when the task is being killed or has ended.
//
// Command runs any number of tasks at once, each independently (the tasks
// of a group are not killed together unless KillGroupOnFailure is set). Set
// Single to behave like Mesos's command executor instead.
//
// In a custom executor, note that Mesos refuses a task with both an
// ExecutorInfo and a CommandInfo: tasks reach Command with a command through
// LAUNCH_GROUP (task group tasks may carry one), or through a Handler of
// yours that fills TaskInfo.command (from TaskInfo.data, say) before passing
// the event on. A task without a command value fails with TASK_FAILED.
type Command struct {
	// Env is the base environment of the tasks ("KEY=value"); nil means the
	// executor's own environment.
	Env []string
	// Single restricts the executor to one task, like Mesos's command
	// executor: a second LAUNCH gets TASK_FAILED "Attempted to run multiple
	// tasks using a \"command\" executor", a LAUNCH_GROUP shuts the executor
	// down (Run returns an error), and Run returns once the terminal update
	// of the task has been acknowledged by the agent (or with an error 60 s
	// after it if no acknowledgement comes).
	Single bool
	// KillGroupOnFailure runs each LAUNCH_GROUP as Mesos's default executor
	// runs a task group (src/launcher/default_executor.cpp waited()): once
	// every task of the group has been started, the first task of the group
	// to end TASK_FAILED or TASK_KILLED (a failed launch included) has the
	// group's other running tasks killed with DefaultKillGracePeriod (Mesos
	// uses its 3 s default here, not the tasks' kill policies), TASK_KILLING
	// first for frameworks with that capability; they end TASK_KILLED. A
	// task that ends TASK_FINISHED changes nothing, and nothing more is
	// killed once SHUTDOWN has arrived. Groups are independent of one
	// another; a KILL of one task follows its kill policy as usual and
	// then, ending TASK_KILLED, has the rest of its group killed. Once a
	// failing health check has killed a task of any group, the terminal
	// updates of group tasks say healthy=false, as the default executor's
	// do.
	KillGroupOnFailure bool
}

// errLaunchGroupSingle is returned (and shuts the executor down) when a
// single-task Command receives LAUNCH_GROUP, as Mesos's command executor
// shuts down.
var errLaunchGroupSingle = errors.New("executor: LAUNCH_GROUP is not supported by a single-task command executor")

// msgMultipleTasks is Mesos's message for a second task sent to a command
// executor.
const msgMultipleTasks = `Attempted to run multiple tasks using a "command" executor`

// HandleEvent implements Handler.
func (c Command) HandleEvent(_ context.Context, x *Executor, e *executorpb.Event) error {
	switch e.GetType() {
	case executorpb.Event_LAUNCH:
		c.launch(x, e.GetLaunch().GetTask(), nil)
	case executorpb.Event_LAUNCH_GROUP:
		if c.Single {
			return errLaunchGroupSingle
		}
		tasks := e.GetLaunchGroup().GetTaskGroup().GetTasks()
		var g *taskGroup
		if c.KillGroupOnFailure {
			g = newTaskGroup(tasks)
		}
		for _, t := range tasks {
			c.launch(x, t, g)
		}
		g.launched(x)
	case executorpb.Event_SHUTDOWN:
		x.mu.Lock()
		x.shuttingDown = true
		x.mu.Unlock()
		x.controlEvent(e)
	default:
		x.controlEvent(e)
	}
	return nil
}

func (c Command) launch(x *Executor, task *mesosproto.TaskInfo, g *taskGroup) {
	if c.Single {
		x.mu.Lock()
		second := x.singleLaunched
		x.singleLaunched = true
		x.mu.Unlock()
		if second {
			st := &mesosproto.TaskStatus{
				TaskId:  task.GetTaskId(),
				State:   mesosproto.TaskState_TASK_FAILED.Enum(),
				Message: proto.String(msgMultipleTasks),
			}
			if _, err := x.enqueueUpdate(st); err != nil {
				x.log.Warn("cannot send status update", zap.Error(err))
			}
			return
		}
	}
	startProcess(x, c, proto.Clone(task).(*mesosproto.TaskInfo), g)
}

// taskEnv builds a task's environment (see Command).
func (c Command) taskEnv(x *Executor, task *mesosproto.TaskInfo) []string {
	base := c.Env
	if base == nil {
		base = os.Environ()
	}
	env := taskcheck.NewEnv(base)
	env.Unset(EnvAuthenticationToken)
	if s := x.sandbox(); s != "" {
		env.Set(EnvSandbox, s)
	}
	if x.cfg.Directory != "" {
		env.Set(EnvDirectory, x.cfg.Directory)
	}
	env.Merge(task.GetCommand().GetEnvironment())
	if res := task.GetResources(); len(res) > 0 {
		if ai := res[0].GetAllocationInfo(); ai != nil && ai.Role != nil {
			env.Set("MESOS_ALLOCATION_ROLE", ai.GetRole())
		}
	}
	return env.List()
}

// sandbox is the directory tasks run in: MESOS_SANDBOX, else MESOS_DIRECTORY.
func (x *Executor) sandbox() string {
	if x.cfg.Sandbox != "" {
		return x.cfg.Sandbox
	}
	return x.cfg.Directory
}
