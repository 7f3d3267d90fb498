// SPDX-License-Identifier: Apache-2.0

// Package ha makes a Mesos framework's scheduler highly available with ZooKeeper: several replicas run,
// one leads (subscribes to the master and acts), the others stand by; the framework ID and the framework's
// own records (for example the tasks it launched) are kept in ZooKeeper, so that whichever replica takes
// over resubscribes to the same framework and reconciles the same tasks.
//
// Usage:
//
//	u, _ := detector.ParseZKURL("zk://user:pass@zk1:2181,zk2:2181/myframework")
//	conn, _ := ha.Connect(u.Servers, ha.WithDigestAuth(u.Username, u.Password), ha.WithSessionTimeout(10*time.Second))
//	defer conn.Close()
//	el, _ := ha.NewElection(conn, u.Path+"/leader", ha.WithIdentity(ha.Identity{Address: apiAddr}))
//	ids, _ := ha.NewFrameworkIDStore(conn, u.Path+"/framework_id")
//	tasks, _ := ha.NewRecords(conn, u.Path+"/tasks")
//	err := ha.Run(ctx, el, func(ctx context.Context, t *ha.Term) error { // runs only while this replica leads
//		c, _ := scheduler.New(fw, scheduler.WithMaster(master), scheduler.WithFrameworkIDStore(ids.Fenced(t)))
//		return c.Run(ctx, handler(c, tasks.Fenced(t))) // records tasks before launching; reconciles them when subscribed
//	})
//
// # [Election]
//
// Each replica's Election creates an ephemeral sequential node under the election path holding its
// [Identity] (hostname, address, PID, start time, as JSON); the lowest sequence number is elected. Every
// other candidate watches only the node just before its own, so a departure wakes one replica: no herd
// effect. [CurrentLeader] reads the elected replica's Identity, for anyone (dashboards, request forwarding).
// Campaign blocks until this replica leads and returns a [Term]; Term.Done is closed when leadership is lost,
// and [Run] ties a function's ctx to it. A lost session means a lost Term; Run then campaigns again with the
// new session, at the back of the line.
//
// # The leadership guarantee
//
// A leader holds a lease, written in the election path's own data (the lease record): every quarter of a
// lease it rewrites the record, in one multi-op with a check that its election node still exists, and
// each write ZooKeeper acknowledges extends the lease to (the time the write was sent) + lease, where lease
// = negotiated session timeout − safety margin (a quarter of the timeout by default, [WithSafetyMargin]).
// The Term ends, and Done is closed, at the first of: Resign; the session's expiry reported by
// go-zookeeper; a heartbeat rejected because the node is gone or another replica wrote the record; the
// lease running out without an acknowledged heartbeat; Conn.Close. The lease is what makes a leader stop
// in time when it is cut off from ZooKeeper: go-zookeeper reports Disconnected two thirds of a session
// timeout after it last heard from a server, and the server may expire the session one timeout after it
// last heard from the client; the lease runs from the moment the last acknowledged heartbeat was sent
// (the server heard the client after that moment), so it ends at least the margin before the session
// can expire, whether or not Disconnected was reported, and whatever go-zookeeper does meanwhile.
//
// A newly elected replica starts its Term only after its predecessor has stopped: when the lease record is
// released (a leader marks it so after its Done is closed — Resign, Close, or a leader that learns of its
// expired session), or else once the predecessor's last acknowledged heartbeat is one lease old by
// ZooKeeper's clock (the record's mtime, compared with the mtime of a write of the candidate's own), and
// only by taking the record over with a compare-and-set.
//
// Hence the guarantee: a Term's Done is closed before any other replica's Term starts; and when the leader
// is cut off from ZooKeeper or its process dies, its Done is closed (if it still runs) at least the margin
// before its session can expire, that is before a successor can even be elected. An application that
// stops acting within the margin after Done (Run cancels its function's ctx at that moment; a
// scheduler.Client then closes its subscription at once) is never subscribed on two replicas at the same
// time. This assumes that the ZooKeeper servers' wall clocks do not jump forward by more than the margin
// while a handover is judged by mtimes (NTP slews, it does not jump), that clocks run at the same rate,
// and that the leader's process is not paused: a process stopped for longer than its lease (SIGSTOP, a
// long GC pause, a suspended VM) can only close Done when it runs again. Two more fences hold even then:
// writes fenced by the Term (Records.Fenced, FrameworkIDStore.Fenced) travel with a check of the Term's
// election node and are refused by ZooKeeper once a successor can have started, and the Mesos master ends
// the old scheduler's subscription ("Framework failed over") when the new leader subscribes with the same
// framework ID.
//
// Takeover time: after a leader resigns or its [Conn] is closed, the next replica leads within a few
// ZooKeeper round trips. After a leader dies or is cut off, the next one leads when ZooKeeper expires the
// dead session: one session timeout (plus up to one tick) after the leader's last contact, so between
// about one timeout minus a ping interval and one timeout plus a tick after the failure. When a session is
// ended from outside while its leader still runs (a server does not always drop that leader's connection),
// the successor waits until the leader releases the record or its lease runs out: at most one lease.
//
// # State
//
// [FrameworkIDStore] keeps the framework ID (scheduler.FrameworkIDStore: loaded before SUBSCRIBE, stored on
// SUBSCRIBED, forgotten when the master says the framework was removed). [Records] is a keyed collection of
// small versioned records, one child node per key, with compare-and-set on the znode version (a
// *[ConflictError], matching ErrConflict, when the version differs; nothing is overwritten) and a size check
// before sending (a *[SizeError], matching ErrTooLarge, above ZooKeeper's request limit). Both offer a view
// fenced by a Term. A conditional write whose answer is lost (the connection died, ctx ended in flight) is
// read back and, if it was not applied, sent again while ctx and the fence last; when that cannot decide, it
// fails with a *[OutcomeError] matching [ErrOutcomeUnknown], which [Records.Resolve] settles later.
// [FrameworkIDStore.Dropping] makes Forget drop the framework's records with its ID.
//
// # ACLs
//
// Without credentials every node is open (OPEN_ACL_UNSAFE). With [WithDigestAuth] (the user:password of a
// zk:// URL), election nodes, the lease record, the framework ID and created parents are readable by all
// and writable only by those credentials (EVERYONE_READ_CREATOR_ALL, as Mesos does for its masters), and
// Records are readable and writable only by those credentials (CREATOR_ALL): they may hold task details.
// Replicas of one framework share the credentials.
//
// # Concurrency and lifecycle
//
// [Connect] starts a ZooKeeper client that connects in the background; operations wait for the session
// within their ctx, and reads and idempotent writes retry transient errors (lost connection) until ctx
// ends. Conn, Election, Term, Records and FrameworkIDStore are safe for concurrent use; an Election holds
// at most one Term at a time. A Term's goroutine ends when the Term has ended and released its node;
// Conn.Close ends every Term first (Done closed, lease released so that a standby takes over at once),
// then closes the session, and returns when every goroutine the package started is gone.
//
// # Metrics
//
// A Conn records, through the OpenTelemetry metrics API (see
// [WithMeterProvider]; default: OpenTelemetry's global provider), the Terms
// begun and ended, the time as leader, whether it leads, and the fenced
// writes refused: mesoskit.ha.* (docs/OBSERVABILITY.md).
package ha
