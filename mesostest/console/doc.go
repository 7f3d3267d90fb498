// SPDX-License-Identifier: Apache-2.0

// Package console is mesoskit's web console for a Mesos cluster: one HTML page ([Handler] renders it with
// html/template), a plain JavaScript file and a stylesheet, embedded in the binary; no build toolchain, no
// network beyond the cluster.
//
// Every [github.com/mesoskit/mesoskit/mesostest] master serves it at "/" (and so does mesos-local). The page
// reads only what any Mesos cluster exposes:
//
//   - the master's v1 operator API (POST /api/v1): GET_MASTER to find the leader, and SUBSCRIBE, whose
//     SUBSCRIBED event carries the whole state (tasks with their full status history, frameworks with their
//     offers, agents with total, allocated and offered resources, executors) and whose TASK_ADDED,
//     TASK_UPDATED, AGENT_*, FRAMEWORK_* events keep the page live without reloading;
//   - the master's read-only endpoints: /master/redirect to follow the leader, /metrics/snapshot for the
//     per-role "suppressed" gauges Mesos publishes for each framework;
//   - each agent's files API (/files/browse, /files/read) for a task's sandbox, through JSONP (the "jsonp"
//     query parameter that libprocess honours), as Mesos's own web UI reads agents on other ports, so no
//     CORS header is needed.
//
// With [WithUpstream] the handler serves the console for a remote cluster (a real Mesos master, say) and
// proxies the page's master requests to it, following the leader among the upstream masters; agents are
// still read directly by the browser.
package console
