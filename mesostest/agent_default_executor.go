// SPDX-License-Identifier: Apache-2.0

package mesostest

import (
	"os"
	"path/filepath"

	"go.uber.org/zap"

	"github.com/mesoskit/mesoskit/internal/taskcheck"
	"github.com/mesoskit/mesoskit/mesosproto"
)

// defaultExec is Mesos's default executor (src/launcher/default_executor.cpp)
// on an agent: it runs the tasks of the task groups launched on it, each as
// a process of its own (a nested container in Mesos), and ends once every
// one of its tasks is terminal. It runs inside the agent, not as a process
// of its own (docs/MESOSTEST-DEVIATIONS.md).
type defaultExec struct {
	key          executorKey
	containerID  string
	sandbox      string
	tasks        map[string]*task // its tasks not yet terminal
	unhealthy    bool             // a failing health check killed one of its tasks
	shuttingDown bool             // SHUTDOWN arrived: the group rule kills nothing more
}

// defaultGroup is one LAUNCH_GROUP run by a default executor: the group
// rule (taskcheck.Group) applied once every task of the group has been
// launched, as the executor waits on its containers only after launching
// them all (__launchGroup, then wait()).
type defaultGroup struct {
	exec     *defaultExec
	rule     *taskcheck.Group
	tasks    map[string]*task
	starting map[string]bool // launched tasks not yet running or ended
	ended    []groupEnd      // ends seen while some task was still starting
}

type groupEnd struct {
	id    string
	state mesosproto.TaskState
}

// validateDefaultExecutor is the DEFAULT case of the master's executor
// validation (src/master/validation.cpp executor::internal::validateType).
func validateDefaultExecutor(ei *mesosproto.ExecutorInfo) error {
	if ei.GetType() != mesosproto.ExecutorInfo_DEFAULT {
		return nil
	}
	if ei.Command != nil {
		return mesosErr("'ExecutorInfo.command' must not be set for 'DEFAULT' executor")
	}
	if c := ei.GetContainer(); c != nil {
		if c.GetType() != mesosproto.ContainerInfo_MESOS {
			return mesosErr("'ExecutorInfo.container.type' must be 'MESOS' for 'DEFAULT' executor")
		}
		if c.GetMesos().GetImage() != nil {
			return mesosErr("'ExecutorInfo.container.mesos.image' must not be set for 'DEFAULT' executor")
		}
	}
	return nil
}

// launchDefaultGroupLocked runs a validated task group on the default
// executor ei of the agent, starting the executor when it is not running:
// each task gets a container ID and a sandbox of its own under the
// executor's ("containers/<id>", linked from "tasks/<task id>" as
// __launchGroup links it) and runs as a command task, whose updates name
// the executor.
func (s *Server) launchDefaultGroupLocked(fw *framework, ei *mesosproto.ExecutorInfo, tasks []*task) {
	a := tasks[0].agent
	ex := a.exec()
	key := executorKey{fw.id, ei.GetExecutorId().GetValue()}
	pruneDefaults(ex)
	d := ex.defaults[key]
	if d == nil {
		if ex.defaults == nil {
			ex.defaults = map[executorKey]*defaultExec{}
		}
		d = &defaultExec{key: key, containerID: newUUIDString(), tasks: map[string]*task{}}
		d.sandbox = s.sandboxPath(a, fw.id, key.executor, d.containerID)
		ex.defaults[key] = d
		s.log.Info("launching default executor", zap.String("framework_id", fw.id), zap.String("executor_id", key.executor), zap.String("agent_id", a.id))
	}
	ids := make([]string, 0, len(tasks))
	for _, t := range tasks {
		ids = append(ids, t.key.task)
	}
	g := &defaultGroup{exec: d, rule: taskcheck.NewGroup(ids), tasks: map[string]*task{}, starting: map[string]bool{}}
	for _, t := range tasks {
		t.executorID = key.executor
		t.containerID = newUUIDString()
		t.sandbox = filepath.Join(d.sandbox, "containers", t.containerID)
		t.rules = &taskRules{group: g}
		g.tasks[t.key.task] = t
		g.starting[t.key.task] = true
		d.tasks[t.key.task] = t
		linkTaskSandbox(d.sandbox, t.key.task, t.sandbox)
	}
	for _, t := range tasks {
		if !s.goLocked(t.run) {
			t.gone = true
		}
	}
}

// pruneDefaults forgets the default executors whose tasks are all gone
// without a terminal update (their framework was removed, or the server is
// closing), so that they do not pile up.
func pruneDefaults(ex *agentExec) {
	for k, d := range ex.defaults {
		gone := true
		for _, t := range d.tasks {
			if !t.gone {
				gone = false
				break
			}
		}
		if gone {
			delete(ex.defaults, k)
		}
	}
}

// linkTaskSandbox makes "tasks/<task id>" in the executor's sandbox point
// to the task's container sandbox (default_executor.cpp __launchGroup). A
// failure only loses the link.
func linkTaskSandbox(execSandbox, taskID, target string) {
	dir := filepath.Join(execSandbox, "tasks")
	if err := os.MkdirAll(dir, 0o755); err == nil {
		_ = os.Symlink(target, filepath.Join(dir, taskID))
	}
}

// groupUpdateLocked follows an update of a task of a default executor
// (called by statusLocked once the update is in the stream): the group rule
// on terminal updates (default_executor.cpp waited(): the update is
// forwarded first, then the group is killed), and the executor's end once
// it has no task left.
func (t *task) groupUpdateLocked(p *pendingUpdate) {
	if t.rules == nil || t.rules.group == nil {
		return
	}
	g := t.rules.group
	terminal := mesosproto.IsTerminalState(p.state)
	if p.state == mesosproto.TaskState_TASK_RUNNING || terminal {
		delete(g.starting, t.key.task)
	}
	if terminal {
		g.ended = append(g.ended, groupEnd{t.key.task, p.state})
		delete(g.exec.tasks, t.key.task)
		if len(g.exec.tasks) == 0 {
			if ex := t.agent.ex; ex != nil && ex.defaults[g.exec.key] == g.exec {
				delete(ex.defaults, g.exec.key)
			}
			t.s.log.Info("default executor has no task left: it ends", zap.String("executor_id", g.exec.key.executor))
		}
	}
	if len(g.starting) > 0 {
		return
	}
	ended := g.ended
	g.ended = nil
	for _, e := range ended {
		kill := g.rule.Ended(e.id, e.state, g.exec.shuttingDown)
		if len(kill) > 0 {
			t.s.log.Info("killing task group", zap.String("task_id", e.id), zap.Stringer("state", e.state), zap.Strings("tasks", kill))
		}
		for _, id := range kill {
			// kill(container) without a grace period: the executor's
			// default, not the task's kill policy.
			if other := g.tasks[id]; other != nil {
				other.killLocked(killPolicyOf(t.s.cfg.killGracePeriod))
			}
		}
	}
}

// shutdownDefaultLocked is a scheduler's SHUTDOWN of a default executor
// (default_executor.cpp shutdown()): every task still running is killed
// with the executor's default grace period, and ends TASK_KILLED; the
// executor ends with its last task. It reports false when the agent runs
// no such default executor.
func (s *Server) shutdownDefaultLocked(a *agent, fwID, executorID string) bool {
	if a.ex == nil {
		return false
	}
	d := a.ex.defaults[executorKey{fwID, executorID}]
	if d == nil {
		return false
	}
	s.log.Info("shutting down default executor", zap.String("executor_id", executorID))
	d.shuttingDown = true
	for _, t := range d.tasks {
		t.killLocked(killPolicyOf(s.cfg.killGracePeriod))
	}
	return true
}
