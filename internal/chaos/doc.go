// SPDX-License-Identifier: Apache-2.0

// Package chaos is the chaos soak of issue #14, as a test: real ZooKeeper (internal/zktest), cmd/mesos-local
// with three masters contending in it and authentication on, frameworks as processes (examples/scheduler:
// plain Clients in both content types and -ha replicas; chaosfw: the soak's own framework with handler
// acknowledgements, its own executor, reaching the masters through proxies), and a seeded schedule of
// faults: leader kills, ZooKeeper connection cuts and freezes through loopback proxies (a freeze longer than
// the masters' session timeout expires their sessions), SIGKILL of the leading HA replica, cuts and freezes
// of the framework↔master HTTP connections, agent restarts and SIGKILL of a task's executor. Tasks record
// their own start and end in files, and the verdict is counted from those files, the frameworks' exit
// statuses, the updates chaosfw saw again after acknowledging them, and a scan of every output of the run
// for the frameworks' secret (docs/RELIABILITY.md).
//
// `go test ./internal/chaos` runs a small seeded soak (under a minute); `make chaos` runs the full one
// (-chaos.full, at least 500 faults, at most 10 minutes); -chaos.seed and -chaos.size change it. The last
// line is
//
//	chaos: <F> faults, <done>/<total> tasks finished, <L> lost, <D> duplicate launches, <X> framework processes exited non-zero, <S> s
//
// and the test fails unless L = D = X = 0 and done = total.
package chaos
