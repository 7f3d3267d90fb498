// SPDX-License-Identifier: Apache-2.0

// Command chaosfw is the chaos soak's own framework (package internal/chaos) and its executor, one binary.
//
// As a framework it runs on the plain scheduler.Client with handler acknowledgements
// (scheduler.WithoutAutoAcknowledge; the handler calls AcknowledgeStatus), checkpointing, authenticated
// (-principal, -secret-file), and reaches the masters through the soak's proxies: its detector reads the
// leader from ZooKeeper and rewrites the leader's address to the proxy given for it (-proxy
// master=proxy). It records every (task, uuid) it acknowledged successfully and prints a "redelivered"
// line for an update it sees again after that. A task that fails or is lost (the soak kills executors and
// restarts agents) is launched again under the same task ID with a new executor ID; updates of an earlier
// executor and stale reconciliation answers (scheduler.Client.IsStale) are not news. It tears the framework
// down once every task has finished and exits 0; 1 if Run failed.
//
// Started by an agent (MESOS_EXECUTOR_ID is set), it is the executor: each task records its start and end
// in -dir as <task>.start.<pid> and <task>.end.<pid> around a sleep of -work, as the soak's command tasks
// do.
package main
