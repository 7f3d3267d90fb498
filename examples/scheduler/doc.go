// SPDX-License-Identifier: Apache-2.0

// Command scheduler is a small Mesos framework: it launches -tasks copies of a shell command, prints every
// state change with a live count, and exits 0 when all of them finished.
//
// With no -master it starts an embedded Mesos (package mesostest: one master, two agents, real processes)
// inside this process, so `go run ./examples/scheduler` needs nothing else. With -master it runs the same
// framework on a real cluster or on cmd/mesos-local:
//
//	go run ./examples/scheduler                                   # embedded cluster
//	go run ./examples/scheduler -master 127.0.0.1:5050            # a master (or cmd/mesos-local)
//	go run ./examples/scheduler -master zk://zk1:2181,zk2:2181/mesos
//	go run ./examples/scheduler -master 127.0.0.1:5050 -ha zk://127.0.0.1:2181/demo   # start it 3 times
//	go run ./examples/scheduler -announce zk://127.0.0.1:2181/services/demo   # tasks announced (announce.go)
//	go run ./examples/scheduler -master 127.0.0.1:5050 -principal me -secret-file ~/.mesos-secret   # auth.go
//
// With -ha the program is one replica of a highly available framework: the replicas elect a leader in
// ZooKeeper, and the others stand by and take over when it dies (see ha.go).
//
// The framework registers with a one-minute failover timeout, so a lost connection does not cost it its tasks.
// Ctrl-C disconnects without tearing the framework down (the master keeps its tasks for the failover
// timeout) unless -teardown is given. When every task has ended it tears the framework down: its work is done.
package main
