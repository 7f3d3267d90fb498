// SPDX-License-Identifier: Apache-2.0

// Package mesostest is an in-process Apache Mesos cluster for tests: "the
// httptest of Mesos". A Server runs one or more masters speaking the v1
// scheduler HTTP API (POST /api/v1/scheduler and /master/api/v1/scheduler)
// with Mesos's order of checks, status codes, error bodies, headers and
// RecordIO event streams, in JSON and protobuf; and agents that offer
// resources and run CommandInfo tasks as real processes (or simulated ones),
// with the agent's status update manager (one update in flight per task,
// retried until acknowledged). Fidelity comes first: behaviours cite the
// Mesos source they follow, and docs/mesos-protocol.md §8 is the checklist.
//
// Usage:
//
//	srv, err := mesostest.NewServer(
//		mesostest.WithAgents(2, "cpus:4;mem:4096;disk:10000;ports:[31000-32000]"),
//		mesostest.WithHeartbeatInterval(100*time.Millisecond),
//		mesostest.WithAllocationInterval(20*time.Millisecond))
//	if err != nil { t.Fatal(err) }
//	defer srv.Close()
//	// point a scheduler at srv.URL() or srv.Detector(), then:
//	st, err := srv.WaitTask(ctx, "task-1", mesosproto.TaskState_TASK_FINISHED)
//
// Fault injection: Inject (an answer per call type: status, body, delay,
// times), CloseStreams, StopHeartbeats/ResumeHeartbeats, Rescind, Failover
// (another master leads; the old one answers 307), SetNoLeader (503 "No
// leader elected") and SetRecovering (503 "Master has not finished
// recovery"). Assertions: Calls, Framework, WaitTask, TaskUpdates,
// WaitSubscribed, WaitFramework, Offers.
//
// Masters in ZooKeeper: with WithZooKeeper("zk://host:port/mesos") and
// WithMasters(3) the masters contend in a real ZooKeeper as Mesos masters do
// (EPHEMERAL|SEQUENTIAL json.info_ nodes holding MasterInfo JSON; the lowest
// sequence leads; followers answer 307 to the leader, 503 while none is
// elected), and Detector hands out real ZooKeeper detectors. KillLeader,
// KillMaster (the master's session closes and its port refuses connections),
// RestartMaster (same port, new id, new sequence: a follower),
// ExpireMasterSession, WithMasterRestart, LeaderIndex and WaitLeader drive
// and observe failovers; agents and tasks survive them, frameworks
// resubscribe. KillMaster and RestartMaster work without ZooKeeper too
// (in-process leadership passes to the next running master).
//
// Concurrency: every method is safe for concurrent use. The cluster is one
// actor, as a Mesos master is: calls, timers and process exits are handled
// one at a time under one lock, so the events of a framework's stream are
// in the order the master produced them.
//
// Lifecycle: NewServer starts listening and allocating at once; Close kills
// every task process, ends every stream, and returns when every goroutine
// it started is gone (with ZooKeeper: every session is closed, so the
// masters' nodes are gone). Task sandboxes live in a temporary directory
// removed by Close (see WithSandboxDir).
//
// Deviations: a request pipelined behind an event stream on the same
// connection is not executed (net/http reads it only after the stream
// ends); framework removal kills task processes with SIGKILL at once.
//
// Custom executors (agent_executor*.go, executor_*.go): a task with an
// ExecutorInfo (or a LAUNCH_GROUP with a CUSTOM executor) starts
// ExecutorInfo.command as a real process with the agent's MESOS_*
// environment and its own sandbox; each agent then serves POST
// /api/v1/executor and /slave(1)/api/v1/executor on a port of its own, with
// the agent's order of checks (docs/mesos-protocol.md §2.3), forwards the
// executor's updates through the status update manager (duplicates
// acknowledged, not forwarded) and answers with ACKNOWLEDGED. Scheduler
// SHUTDOWN and MESSAGE calls reach executors; their MESSAGE calls and ends
// (FAILURE) reach the scheduler. RestartAgent, KillExecutor,
// ShutdownExecutor, Executors and WaitExecutor drive and observe them;
// WithExecutorAuthentication enforces bearer tokens.
//
// Not implemented yet: HTTP authentication of frameworks and TLS, the
// DEFAULT executor, the resource operations (RESERVE, CREATE, ...), offer
// constraints filtering, inverse offers, agent loss.
package mesostest
