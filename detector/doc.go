// SPDX-License-Identifier: Apache-2.0

// Package detector tells a framework which Mesos master leads, from a master spec in any form Mesos accepts:
// "host:port", "master@ip:port", "http(s)://host:port", a comma-separated list of those ([Static]),
// "zk://[user:password@]host:port,.../path" ([ZK]) or "file:///path" (see [Parse]).
//
// Usage:
//
//	d, err := detector.Parse("zk://zk1:2181,zk2:2181/mesos", detector.WithLogger(log))
//	if err != nil { ... }                      // *SpecError; never contains a password
//	defer d.Close()
//	for {
//		mi, changed, err := d.Leader(ctx)      // nil mi: no leader known right now
//		if err != nil { return err }           // ctx's error, ErrClosed, or permanent (ErrNotAuthorized)
//		if mi != nil { u, _ := detector.MasterURL(mi, detector.Scheme(d, mi)); use(u) }
//		select { case <-changed: case <-ctx.Done(): return ctx.Err() }
//	}
//
// The change signal cannot drop a change: Leader returns the answer together with a channel that is closed
// once that answer is superseded. Intermediate answers may be skipped (a caller that asks again sees the
// latest), never the fact that something changed.
//
// # ZooKeeper
//
// Mesos masters contend by creating EPHEMERAL|SEQUENTIAL children of the base path. The ZK detector lists
// them with a watch, re-armed after every fire, and applies Mesos's rules: a child is a member when the last
// '_'-separated token of its name is an int32 sequence number; "json.info_<seq>" holds a JSON MasterInfo,
// "info_<seq>" a binary one (older masters), a bare "<seq>" a PID text "master@ip:port" (oldest masters). The
// leader is the member with the lowest sequence number across all labels (numerically, not by name).
//
// Where Mesos fails detection, this package skips and logs (once per node), so that one stray node cannot
// stop a framework: a member with an unknown label, and a member whose data cannot be decoded (or names no
// address), are skipped, and the next lowest member is reported. If the skipped node's master really leads,
// the reported master answers the framework with a redirect to it (or 503), which the client follows.
//
// Like Mesos's detector it creates the base path when missing (with Mesos's ACL: everyone may read, the
// creator may do all, when credentials are given; open otherwise); a path that exists is used even where
// the detector could not have created it. Non-retryable ZooKeeper errors — no permission to read or create
// the path (errors.Is ErrNotAuthorized; the text names the path, the operation and the digest user, never
// the password), rejected credentials — are permanent, as in Mesos: the detector ends its session and
// Leader returns the error from then on. Other errors are retried with backoff.
//
// A member's data is read once per node name, with a data watch (Mesos masters never rewrite their nodes,
// and sequential names are not reused); after each listing the runner-up's data is read too. When the
// leader's node is deleted and the client has received nothing else since that listing — no children
// watch event, no other watch event, no session event — the runner-up (or "no leader" when no usable
// member follows) is reported at once, from the deletion event, and a listing confirms it. ZooKeeper
// delivers one connection's events in transaction order and fires a node's data watch before its parent's
// children watch, so any other change to the members before the deletion would have come first; the
// runner-up must also belong to another session than the leader (a session's ephemeral nodes go in one
// transaction). The one thing this cannot see is a multi-operation that deletes the leader and then the
// runner-up in one transaction (Mesos never issues one; zkCli's deleteall may): the runner-up is then
// reported until the listing, one round trip later, corrects it. Otherwise the successor is reported
// after a single listing round trip.
//
// Sessions: the detector survives the loss of a server (the client reconnects to another within the session
// timeout, keeping its session and watches). If it stays disconnected longer than the session timeout, or is
// not connected within it at start, it reports "no leader" until it can list the members again. When the
// session expires it reports "no leader" at once, opens a new session and lists again. Server names are
// resolved at each connection attempt. ZooKeeper client logs go to the zap logger at debug level;
// nothing reaches stdout.
//
// # Static masters
//
// A static detector always reports a master, starting with the first in the list. A client that cannot
// reach it calls [Rotate] to move on to the next (wrapping around). Masters given as http:// or https://
// URLs carry their scheme ([Scheme]); for "host:port" and ZooKeeper the scheme is the caller's choice.
// Hostnames are not resolved by Parse; [MasterURL] turns a MasterInfo into "http(s)://host:port".
//
// Concurrency: detectors are safe for concurrent use. Leader's MasterInfo values are shared; do not modify
// them.
//
// Lifecycle: Parse/NewZK start the ZooKeeper session in the background (no network I/O before they return,
// except reading a file:// spec). A ZK detector owns two goroutines plus its ZooKeeper client's; Close ends
// the session and waits for all of them (up to about a second when ZooKeeper is unreachable: go-zookeeper
// waits that long for its close request). Close is idempotent; afterwards Leader returns ErrClosed and every
// outstanding channel is closed. A Static holds no goroutine.
//
// # Metrics
//
// A ZK detector records, through the OpenTelemetry metrics API (see
// [WithMeterProvider]; default: OpenTelemetry's global provider),
// mesoskit.detector.leader_changes, mesoskit.detector.leaderless.duration,
// mesoskit.detector.leader and mesoskit.detector.zookeeper.session_events
// (docs/OBSERVABILITY.md).
package detector
