// SPDX-License-Identifier: Apache-2.0

// Package ackburst measures an acknowledgement burst: a master sends N
// (default 100,000; env MESOSKIT_BENCH_BURST) UPDATE events with uuids right
// after SUBSCRIBED, and the client acknowledges every one. The time runs
// from the start of the client to the master's last missing ACKNOWLEDGE.
//
// Clients, all against the same burst master (bench/internal/burst), all in
// protobuf:
//
//   - impl=mesoskit: scheduler.Client with its defaults (updates are
//     acknowledged automatically after the handler returns);
//   - impl=mesoskit-handler-8: scheduler.Client with automatic
//     acknowledgement off and a handler that hands updates to 8 goroutines
//     calling AcknowledgeStatus (what an application can do today);
//   - impl=mesos-go: a minimal httpsched client that acknowledges each update
//     from its event loop, as mesos-go's eventrules.AckStatusUpdates does;
//   - impl=raw-1 and impl=raw-8: bare net/http keep-alive POSTs of the same
//     pre-encoded ACKNOWLEDGE bodies with 1 and 8 goroutines: the loopback
//     limit of this machine and server.
//
// One benchmark op is one whole burst; run with -benchtime=1x (bench/run.sh
// does). Reported: acks/s and s/burst.
//
// Concurrency and lifecycle: benchmarks only; every client and server is
// closed before its benchmark returns.
package ackburst
