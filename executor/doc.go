// SPDX-License-Identifier: Apache-2.0

// Package executor is the executor side of the Mesos v1 executor HTTP API:
// the program an agent starts to run a framework's tasks. The library owns
// every protocol obligation: it subscribes to the agent, keeps the updates
// and tasks the agent has not acknowledged and resends them on every
// resubscription, fills in uuid/source/timestamp/executor_id, sends the
// bearer token and the periodic HEARTBEAT call, reconnects after an agent
// restart when the framework checkpoints, and shuts down within the grace
// period when it must.
//
// Usage (a custom executor; the agent sets the MESOS_* environment):
//
//	func main() {
//		cfg, err := executor.ConfigFromEnv() // every problem at once
//		if err != nil { log.Fatal(err) }
//		x, err := executor.New(cfg)
//		if err != nil { log.Fatal(err) }
//		ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
//		defer stop()
//		err = x.Run(ctx, executor.TaskFunc(func(ctx context.Context, t *mesosproto.TaskInfo) error {
//			return work(ctx, t.GetData()) // nil → TASK_FINISHED, error → TASK_FAILED, ctx done → TASK_KILLED
//		}))
//		if err != nil { log.Fatal(err) }
//	}
//
// Three ways to handle tasks: [TaskFunc] (a function per task), [Command] (runs
// TaskInfo.command as processes, like Mesos's command executor, with kill
// policies and health checks; with Command.KillGroupOnFailure, task groups
// behave as under Mesos's default executor), and [Callbacks] (a typed
// function per event, for full control; send updates with Executor.Update).
//
// # Lifecycle
//
// [New] validates and builds; it does no I/O and starts no goroutine. Run
// blocks until the executor is done (see Run for every way it ends) and may
// be called once. Losing the agent: a checkpointing executor
// (MESOS_CHECKPOINT=1) retries SUBSCRIBE after random delays in
// [0, MESOS_SUBSCRIPTION_BACKOFF_MAX] for up to MESOS_RECOVERY_TIMEOUT, then
// shuts down; a non-checkpointing one shuts down at once. As in Mesos's
// library, an executor whose very first connection attempt fails shuts down
// even when checkpointing, and 503/404 answers to SUBSCRIBE (agent still
// recovering) are retried. Unlike Mesos, the recovery timer is cancelled by
// a successful SUBSCRIBE rather than by a TCP connection. Shutting down
// means: SHUTDOWN is delivered to the handler, TaskFunc and Command kill
// their tasks, and Run waits for every task's terminal update to be
// acknowledged, at most MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD. Run does not
// kill its own process group or exit the process (Mesos's library does);
// main should exit when Run returns.
//
// # Concurrency
//
// [Executor] methods are safe for concurrent use. Handlers run on Run's
// goroutine, one event at a time, in stream order. Calls to the agent leave
// one at a time, in the order they were made, so a task's updates reach the
// agent in order. Run owns every goroutine it starts (the built-in handlers'
// ones included) and they are gone when it returns; the one exception is a
// TaskFunc that ignores its cancelled ctx, which is abandoned (and logged)
// 5 s after everything else stopped.
//
// # Environment
//
// [ConfigFromEnv] reads every variable of the agent's executorEnvironment
// (see [ConfigFromLookup]). MESOS_DOMAIN_SOCKET is supported (HTTP over the
// Unix socket) as long as the path fits in a sockaddr_un (107 bytes); Mesos
// shortens longer paths by changing directory, which a library should not
// do, so a longer path is reported as an error. LIBPROCESS_SSL_ENABLED
// selects https with the system's certificate roots; other LIBPROCESS_SSL_*
// settings are not read (use [WithHTTPClient]). The authentication token is
// never logged, never part of an error, formats as "<redacted>", and is
// removed from the process environment by ConfigFromEnv, as Mesos does.
//
// # Metrics
//
// The Executor records, through the OpenTelemetry metrics API (see
// [WithMeterProvider]; default: OpenTelemetry's global provider), the
// updates sent, acknowledged and still unacknowledged, resubscriptions, task
// lifetimes by final state and health check results: mesoskit.executor.*
// (docs/OBSERVABILITY.md).
package executor
