// SPDX-License-Identifier: Apache-2.0

// Package discovery announces service endpoints in ZooKeeper and watches them, in the ServerSet format of
// Twitter commons that Aurora's executor wrote and that Finagle, Synapse, Prometheus
// (serverset_sd_configs) and Grafana Alloy (discovery.serverset) read: under a service path, one ephemeral
// sequential node member_<sequence> per instance, holding
//
//	{"serviceEndpoint":{"host":"10.0.0.5","port":31000},
//	 "additionalEndpoints":{"http":{"host":"10.0.0.5","port":31001}},"status":"ALIVE","shard":0}
//
// Usage:
//
//	c, err := discovery.New([]string{"zk1:2181", "zk2:2181"}, discovery.WithLogger(log))
//	defer c.Close()
//	a, err := c.Announce(ctx, "/services/demo", discovery.Member{
//		ServiceEndpoint: discovery.Endpoint{Host: "10.0.0.5", Port: 31000}})
//	defer a.Withdraw()
//
//	w, err := c.Watch("/services/demo")
//	defer w.Close()
//	for {
//		members, changed, err := w.Members(ctx) // the current set, and a channel closed when it changes
//		...
//		<-changed
//	}
//
// Tasks are announced for you by the executor runtime (executor.WithAnnouncer) or, for command tasks, by
// the scheduler [Client] (scheduler.WithAnnouncer), from the DiscoveryInfo of their TaskInfo.
//
// Lifecycle: [New] validates and does no I/O. The first [Client.Announce] or [Client.Watch] opens the
// ZooKeeper session; go-zookeeper reconnects within it, and opens a new one when it expired. Every
// [Announcement] and [Watcher] is a goroutine of its Client: an announcement is made again in every new
// session (the old session's ephemeral node went with it) and when its node is deleted by someone else, and
// is deleted by [Announcement.Withdraw] or when the context given to Announce ends. [Client.Close] ends
// them all (ending the session deletes the announced nodes at once) and returns when every goroutine is
// gone; it is idempotent.
//
// Watching: [Watcher.Members] returns the set and a channel closed when it is superseded, as
// detector.Detector's Leader does, so a change cannot be missed. Nodes whose data is not a member (not
// JSON, no serviceEndpoint, a port out of range, larger than [MaxMemberSize]) are skipped with a log line.
//
// Security: with [WithDigestAuth] the nodes are readable by everyone and writable only by those
// credentials, so that readers without credentials (Prometheus) still find the members.
//
// Concurrency: every method is safe for concurrent use.
package discovery
