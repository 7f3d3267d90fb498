// SPDX-License-Identifier: Apache-2.0

// Package taskcheck holds the rules Mesos's executors apply to the tasks they
// run, in one place for the two packages that run tasks: the executor
// package's Command handler (for users' executors) and mesostest's agents
// (which run command tasks and task groups as Mesos's command executor and
// default executor do).
//
// The rules, each from the Mesos source it cites:
//   - probes: a HealthCheck or CheckInfo as a COMMAND, HTTP or TCP probe, and
//     how a result is judged (src/checks/checker_process.cpp,
//     src/checks/health_checker.cpp interpretCheckStatusInfo);
//   - [Start]: the health checker (delay, interval, timeout, grace period,
//     consecutive failures), the checker (an update when the result
//     changes) and the max_completion_time timer of one task, reported
//     through [Hooks];
//   - the updates they make ([HealthUpdate], [CheckUpdate],
//     [EmptyCheckStatus]) and the terminal update of a reaped task
//     ([Terminal]), as src/launcher/executor.cpp and
//     src/launcher/default_executor.cpp build them;
//   - [Group]: the default executor's task-group rule (when one task of a
//     group fails or is killed, the others are killed).
//
// The owner (a process runner) keeps the task's state under its own lock and
// does the I/O (signals, sending updates); the hooks are called from the
// monitor's goroutines, never under a lock of this package.
//
// Concurrency: a [Monitor] is safe for concurrent use; a [Group] and an
// [Env] are not (the owner locks them).
package taskcheck
