// SPDX-License-Identifier: Apache-2.0

// Package ackburst measures an acknowledgement burst: a mesostest master
// sends N (default 100,000; env MESOSKIT_BENCH_BURST) UPDATE events with
// uuids (TASK_RUNNING of N tasks on 1,000 agents, through
// mesostest.Server.SendStatusUpdates) to a subscribed client, which
// acknowledges every one. The time runs from the moment the master has
// queued the burst to the master's last missing ACKNOWLEDGE
// (UpdateBatch.AcknowledgedAt); subscribing is not timed.
//
// Each burst gets a fresh mesostest cluster without agents and without
// history (WithoutHistory), so every client talks to the same master code;
// everything is protobuf. Clients:
//
//   - impl=mesoskit: scheduler.Client with its defaults (automatic
//     acknowledgement after the handler returns, pipelined on one
//     connection per subscription, window 256: scheduler.WithPipelinedAcks);
//   - impl=mesoskit-unpipelined: the defaults plus
//     scheduler.WithoutPipelinedAcks(): the automatic acknowledgements
//     through net/http, DefaultAckConcurrency in flight;
//   - impl=mesoskit-handler-8: automatic acknowledgement off, a handler that
//     hands updates to 8 goroutines calling AcknowledgeStatus (which, with
//     the defaults, share the subscription's pipelined connection, each
//     waiting for its own answer);
//   - impl=mesoskit-acks-N: defaults with WithAckConcurrency(N), for each N
//     in env MESOSKIT_BENCH_ACKS (comma separated; none by default);
//   - impl=mesos-go: a minimal httpsched client that acknowledges each update
//     from its event loop, as mesos-go's eventrules.AckStatusUpdates does;
//   - impl=raw-N: the loopback limit: SUBSCRIBE by hand, the event stream read
//     and discarded undecoded, and the ACKNOWLEDGE calls, encoded ahead, POSTed
//     by N goroutines over keep-alive connections; N from env
//     MESOSKIT_BENCH_RAW (default "1,8");
//   - impl=raw-pipelined-N-wW: the loopback limit without net/http's client,
//     off unless env MESOSKIT_BENCH_PIPELINED lists connection counts N
//     (e.g. "1,2,4,8"); W from env MESOSKIT_BENCH_PIPELINE_WINDOW (default
//     "64"). It subscribes as raw-N does, formats every ACKNOWLEDGE ahead as
//     a whole HTTP/1.1 request (the headers raw-N sends, Content-Length
//     included), dials N plain TCP connections, and pipelines: per
//     connection a writer takes the next request from a shared counter
//     while fewer than W are unanswered, buffers them and writes every W/4
//     requests or when the window is full, and a reader parses the answers
//     in order (http.ReadResponse) and wants 202 for each. Go's net/http
//     server (mesostest) and Mesos's libprocess both answer pipelined
//     requests in order; this side is a measurement, not a client design
//     (no redirects, retries or TLS).
//
// One benchmark op is one whole burst; run with -benchtime=1x (bench/run.sh
// does). Reported: acks/s, s/burst, and cpu-ns/ack, the CPU time of the
// whole process (client and master, GC included) per acknowledgement, which
// other processes on a shared machine disturb less than wall time. The
// master also checks that no update was acknowledged twice.
//
// Concurrency and lifecycle: benchmarks only; every client and server is
// closed before its benchmark returns.
package ackburst
