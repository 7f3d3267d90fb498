// SPDX-License-Identifier: Apache-2.0

// Package mesostest is an in-process Apache Mesos cluster for tests: "the
// httptest of Mesos". A [Server] runs one or more masters speaking the v1
// scheduler HTTP API (POST /api/v1/scheduler and /master/api/v1/scheduler)
// with Mesos's order of checks, status codes, error bodies, headers and
// RecordIO event streams, in JSON and protobuf; and agents that offer
// resources and run CommandInfo tasks as real processes (or simulated ones),
// with the agent's status update manager (one update in flight per task,
// retried until acknowledged). Fidelity comes first: behaviours cite the
// Mesos source they follow, and docs/PROTOCOL.md §8 is the checklist.
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
// [Fault] injection: Inject (an answer per call type: status, body, delay,
// times), CloseStreams, StopHeartbeats/ResumeHeartbeats, Rescind, Failover
// (another master leads; the old one answers 307), SetNoLeader (503 "No
// leader elected") and SetRecovering (503 "Master has not finished
// recovery"). Assertions: Calls, Framework, WaitTask, TaskUpdates,
// WaitSubscribed, WaitFramework, Offers. For scale runs, [WithoutHistory]
// keeps no Calls or TaskUpdates records (WaitTask still works).
//
// Completed tasks: as the master keeps only the last
// --max_completed_tasks_per_framework (1000) completed tasks of a
// framework, the cluster forgets the history of a task (TaskUpdates,
// WaitTask, the per-task counts of Framework) once 1000 later tasks of its
// framework have completed ([WithMaxCompletedTasksPerFramework] changes the
// number). As TaskUpdates and WaitTask know tasks by id alone, the statuses
// of an id stay while any framework still runs or remembers a task of that
// id. WaitTask for a forgotten task waits as for a task never seen, so
// wait for a task's state before 1000 others complete; Framework's
// AcknowledgedTotal and DuplicateAcksTotal still count every
// acknowledgement. Reconciliation never reports completed tasks: to the
// master they are unknown, as in Mesos.
//
// Scale: a simulated task ([WithSimulatedTasks]) costs about 1 KB while it
// runs (no process, no sandbox, no copy of its TaskInfo; its status
// updates kept in compact form and encoded when written), the allocator
// skips unchanged agents without allocating, and the agents' retry timers
// and the simulated tasks' ends share one timer each: bench/scale runs
// 100,000 tasks on 1,000 agents.
//
// Masters in ZooKeeper: with WithZooKeeper("zk://host:port/mesos") and
// WithMasters(3) the masters contend in a real ZooKeeper as Mesos masters do
// (EPHEMERAL|SEQUENTIAL json.info_ nodes holding MasterInfo JSON; the lowest
// sequence leads; followers answer 307 to the leader, 503 while none is
// elected), and Detector hands out real ZooKeeper detectors. KillLeader,
// KillMaster (the master's session closes and its port refuses connections),
// RestartMaster (same port, new id, new sequence: a follower),
// ExpireMasterSession, [WithMasterRestart], LeaderIndex and WaitLeader drive
// and observe failovers; agents and tasks survive them, frameworks
// resubscribe. KillMaster and RestartMaster work without ZooKeeper too
// (in-process leadership passes to the next running master).
//
// Concurrency: every method is safe for concurrent use. The cluster is one
// actor, as a Mesos master is: calls, timers and process exits are handled
// one at a time under one lock, so the events of a framework's stream are
// in the order the master produced them.
//
// Lifecycle: [NewServer] starts listening and allocating at once; Close kills
// every task process, ends every stream, and returns when every goroutine
// it started is gone (with ZooKeeper: every session is closed, so the
// masters' nodes are gone). Task sandboxes live in a temporary directory
// removed by Close (see [WithSandboxDir]).
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
// the agent's order of checks (docs/PROTOCOL.md §5), forwards the
// executor's updates through the status update manager (duplicates
// acknowledged, not forwarded) and answers with ACKNOWLEDGED. Scheduler
// SHUTDOWN and MESSAGE calls reach executors; their MESSAGE calls and ends
// (FAILURE) reach the scheduler. RestartAgent, KillExecutor,
// ShutdownExecutor, Executors and WaitExecutor drive and observe them;
// [WithExecutorAuthentication] enforces bearer tokens.
//
// Agents and containers (agent_containers.go, agent_env.go,
// agent_fetcher.go): an agent behaves as a Mesos agent started with
// --containerizers=mesos and no image providers, so a task whose container
// is DOCKER, or MESOS with an image, fails as there; [WithImageEmulation]
// runs such tasks on the host instead. Tasks and executors get only the
// environment Mesos builds ([WithHostEnvironment] adds the test process's).
// CommandInfo.uris are fetched into the sandbox before launch, bounded by
// [WithFetchLimit]. Executors' status updates carry the container status
// with the agent's IP. Resources an agent's resource string leaves out are
// detected on the host (see [AgentConfig]). docs/MESOSTEST-DEVIATIONS.md
// lists what still differs from Mesos.
//
// Health checks and task groups (agent_health.go,
// agent_default_executor.go, with the rules of internal/taskcheck that the
// executor package uses too): a command task's health_check, check and
// max_completion_time run as in Mesos's command executor (TASK_RUNNING
// updates with healthy or check_status, a kill after consecutive_failures,
// TASK_FAILED with REASON_MAX_COMPLETION_TIME_REACHED); a LAUNCH_GROUP with
// a DEFAULT executor runs its tasks as the default executor does, killing
// the rest of the group when one fails or is killed.
//
// Security: [WithCredentials] enforces HTTP Basic authentication of
// frameworks as --authenticate_http_frameworks does (401 with
// `WWW-Authenticate: Basic realm="mesos-master-scheduler"` before any other
// check, the FrameworkInfo principal filled in or checked against the
// authenticated one). [WithTLS] serves HTTPS with a throwaway certificate
// authority generated by NewServer (CACertPool, CACertPEM; Client trusts
// it); [WithClientCertificates] also requires client certificates, which
// ClientCertificate and ClientCertificatePEM mint.
//
// Resources and maintenance (operations.go, constraints.go,
// inverse_offers.go, agent_loss.go, agent_recovery.go): ACCEPT runs
// RESERVE, UNRESERVE, CREATE, DESTROY, GROW_VOLUME and SHRINK_VOLUME on the
// agents' resources, with OPERATION_FINISHED feedback (uuid, retried until
// ACKNOWLEDGE_OPERATION_STATUS) for operations with an id and
// OPERATION_ERROR for invalid ones; RECONCILE_OPERATIONS answers as
// Master::reconcileOperations. Offers follow the framework's capabilities
// (allocation_info for MULTI_ROLE, the `reservations` format for
// RESERVATION_REFINEMENT) and its offer constraints (attributes and
// HOSTNAME). ScheduleMaintenance and CancelMaintenance drive inverse
// offers (InverseOffers, InverseOfferResponses); LoseAgent marks an agent
// unreachable (task updates, RESCIND, FAILURE); [WithAgentReregisterDelay]
// and ReregisterAgents model agents re-registering after a master
// failover. Assertions: Operation, Framework (SuppressedRoles).
//
// Master validation (validate*.go, accept_screen.go, executor_accounting.go,
// unreachable.go, offer_filters.go): ACCEPT validates every operation's
// resources, then every task as Mesos's validation::task::validate does
// (health checks, checks, max_completion_time, environment, executors,
// allocation roles, ids of live and unreachable tasks, bounded by
// [WithMaxUnreachableTasksPerFramework]), with Mesos's TASK_ERROR messages;
// executor resources are charged once while the executor lives and offers
// list the framework's executors; refusal filters end with the framework's
// connection; FrameworkInfo.offer_filters set the minimum allocatable
// resources. docs/PROTOCOL.md states the facts, docs/MESOSTEST-DEVIATIONS.md
// what differs.
//
// Status update bursts (inject.go): SendStatusUpdates makes the leading
// master send a framework UPDATE events for any statuses (for example the
// updates agents resend after a master failover), filling in uuids, and returns an [UpdateBatch] that counts the matching ACKNOWLEDGE
// calls (Acknowledged, Wait, Done, AcknowledgedAt). Such updates are sent
// once, never retried, and change no task of the cluster.
//
// The master items of the checklist in docs/PROTOCOL.md §8 map to
// their tests in fidelity_test.go. Not implemented:
// authorization (ACLs), resource providers (CREATE_DISK, DESTROY_DISK),
// fault domains (REGION and ZONE never exist), quota and weights, agents
// coming back after LoseAgent.
package mesostest
