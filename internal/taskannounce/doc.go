// SPDX-License-Identifier: Apache-2.0

// Package taskannounce keeps the ServerSet announcements of running tasks (see package
// [github.com/mesoskit/mesoskit/discovery]) for the WithAnnouncer options of the scheduler and the executor:
// a task is announced while its status says it serves (TASK_RUNNING, not reported unhealthy) and withdrawn
// on any other status or when its owner's Run returns. The callers decide which tasks are theirs and where
// they run; [Set] does the rest.
package taskannounce
