// SPDX-License-Identifier: Apache-2.0

// Package operator is a client of the Mesos v1 operator API: typed calls to
// the leading master and to agents (POST /api/v1), the master's operator
// event stream, and the agents' sandbox files API.
//
// Usage:
//
//	m, err := operator.NewMaster("zk://zk1:2181,zk2:2181/mesos")
//	if err != nil { return err }
//	defer m.Close()
//	state, err := m.GetState(ctx) // tasks, executors, frameworks, agents
//
//	err = m.Subscribe(ctx, operator.Callbacks{
//		Subscribed: func(ctx context.Context, s *masterpb.Event_Subscribed, resync bool) error {
//			view.Reset(s.GetGetState()) // resync: events may have been missed; start over
//			return nil
//		},
//		TaskUpdated: func(ctx context.Context, e *masterpb.Event_TaskUpdated) error {
//			view.Update(e.GetStatus())
//			return nil
//		},
//	})
//
//	a, err := operator.NewAgent("10.0.0.7:5051")
//	_, err = a.TailFile(ctx, operator.SandboxPath(fwID, taskID)+"/stdout", os.Stdout,
//		operator.TailFollow(time.Second))
//
// # Masters
//
// [NewMaster] takes a master spec in any form [detector.Parse] accepts and
// follows the leading master as scheduler.Client does: each call asks the
// detector, follows the 307 a non-leading master answers with
// (protocol-relative "//host:port/..."), and remembers where it led while
// the detector's answer stands. [Master] has one method per call of
// mesos.v1.master.Call (GetHealth, GetState, GetAgents, ReserveResources,
// DrainAgent, UpdateQuota, Teardown, ...) and [Master.Do] for the rest.
// Read-only calls are sent again after a transport error or a 503; calls that
// change the cluster are sent once.
//
// [Master.Subscribe] opens the event stream with the resilience of the
// scheduler: a heartbeat watchdog, resubscription with a backoff that never
// gives up, and leader changes. Every subscription starts with a SUBSCRIBED
// event carrying the whole cluster state; a later SUBSCRIBED means events may
// have been missed, and the [Handler] must rebuild its state from it
// ([Callbacks].Subscribed's resync argument, or [IsResync]).
//
// # Agents
//
// [NewAgent] takes an agent's address. [Agent] has the agent's calls
// (GetState, GetContainers, GetTasks, ListFiles, ReadFile, ...) and its
// files API: [Agent.Browse], [Agent.ReadAt], [Agent.FileSize] and
// [Agent.TailFile], which follows a task's stdout or stderr as "tail -f"
// does, bounded in memory. [SandboxPath] names an executor's sandbox.
//
// # Options
//
// The options carry the names of package scheduler's: [WithCredentials]
// (HTTP Basic, as masters and agents with --authenticate_http_readonly or
// --authenticate_http_readwrite require), [WithTLS], [WithTLSFiles],
// [WithScheme], [WithHTTPClient], [WithContentType] (protobuf, the default,
// or JSON), [WithLogger], [WithBackoff], [WithMissedHeartbeats],
// [WithCallTimeout], [WithMaxRedirects].
//
// # Errors
//
// A master or agent that refuses a request yields an error wrapping
// *[APIError] with its status and body. The sentinels ([ErrNoLeader],
// [ErrTooManyRedirects], [ErrMissedHeartbeats], [ErrLeaderChanged],
// [ErrUnexpectedResponse], [ErrTooLarge], [ErrClosed]) are matched with
// errors.Is. Neither errors nor logs ever carry a credential.
//
// # Metrics
//
// A Master or an Agent records, through the OpenTelemetry metrics API (see
// [WithMeterProvider]; default: OpenTelemetry's global provider),
// mesoskit.operator.calls and mesoskit.operator.call.duration by call type
// and outcome (docs/OBSERVABILITY.md).
package operator
