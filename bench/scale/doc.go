// SPDX-License-Identifier: Apache-2.0

// Package scale runs the scale benchmark: a mesoskit scheduler launches N
// tasks (default 100,000; env MESOSKIT_BENCH_TASKS) on a mesostest cluster
// of 1,000 agents with simulated tasks; every task goes STARTING, RUNNING,
// FINISHED and every update is acknowledged (the Client's automatic
// acknowledgement). Reported: s/run (from New to the master holding every
// acknowledgement), tasks/s, and peak-RSS-MiB of the whole process, fake
// master included, which is why the benchmark runs alone in its process
// (bench/run.sh runs it with -benchtime=1x).
//
// mesos-go is not measured here: the target is absolute (100,000
// tasks in <= 60 s, peak RSS <= 512 MiB on a 2-core machine).
//
// Concurrency and lifecycle: benchmarks only; the cluster and the client
// are closed before the benchmark returns.
package scale
