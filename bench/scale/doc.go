// SPDX-License-Identifier: Apache-2.0

// Package scale runs the scale benchmark: a mesoskit scheduler launches N
// tasks (default 100,000; env MESOSKIT_BENCH_TASKS) on a mesostest cluster
// of 1,000 agents with simulated tasks; every task goes STARTING, RUNNING,
// FINISHED and every update is acknowledged (the Client's automatic
// acknowledgement). Reported: s/run (from New to the master holding every
// acknowledgement), tasks/s, and peak-RSS-MiB of the whole process, fake
// master included, which is why the benchmark runs alone in its process
// (bench/run.sh runs it with -benchtime=1x), and resent-updates/run: the
// updates the scheduler received beyond the 3 per task, which the agents
// re-sent because an acknowledgement came after the 10 s retry interval (a
// run that cannot keep up with the first wave of TASK_STARTING updates
// does much of its work twice).
//
// Diagnostics: MESOSKIT_BENCH_PROGRESS=1 logs progress, live heap and peak
// RSS once a second; MESOSKIT_BENCH_MIDPROFILE=file writes a heap profile of
// the live heap when half of the tasks have finished, or
// MESOSKIT_BENCH_MIDPROFILE_SEC seconds into the run;
// MESOSKIT_BENCH_HEAPPROFILE=file writes one at the end. With
// MESOSKIT_BENCH_PROGRESS the progress lines also show the Client's launch
// pacing (scheduler.Client.LaunchPacing). MESOSKIT_BENCH_PACING=off runs the
// Client WithoutLaunchPacing, for comparison; MESOSKIT_BENCH_RUN_TIMEOUT (a
// Go duration, default 10m) bounds one run.
//
// mesos-go is not measured here: the target is absolute (100,000
// tasks in <= 60 s, peak RSS <= 512 MiB on a 2-core machine).
//
// Concurrency and lifecycle: benchmarks only; the cluster and the client
// are closed before the benchmark returns.
package scale
