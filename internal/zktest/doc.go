// SPDX-License-Identifier: Apache-2.0

// Package zktest runs real ZooKeeper servers for tests: one standalone server or an ensemble, on free
// 127.0.0.1 ports, in a temporary directory, with functions to stop, kill and restart a member and to expire
// a client's session.
//
// It uses Debian's `zookeeper` package (jars in /usr/share/java) or an Apache binary distribution named by
// ZOOKEEPER_HOME, and java from JAVA_HOME or PATH. When neither is installed, Start skips the test with a
// message saying how to get ZooKeeper — unless MESOSKIT_REQUIRE_ZK=1 (set by `make test`), in which case the
// test fails.
//
// Usage:
//
//	func TestSomething(t *testing.T) {
//		zkc := zktest.Start(t)                       // or zktest.StartEnsemble(t, 3)
//		conn := zkc.Connect(t, time.Second)           // a *zk.Conn with a session, closed at cleanup
//		_, _ = conn.Create("/x", nil, 0, zk.WorldACL(zk.PermAll))
//		spec := "zk://" + zkc.ConnectString() + "/mesos"
//		zkc.ExpireSession(t, conn)                    // the server expires conn's session for real
//		zkc.Kill(t, zkc.Leader())                     // SIGKILL a member; zkc.Restart(t, i) brings it back
//	}
//
// Servers run with tickTime=500 (so 1 s session timeouts are possible: ZooKeeper clamps session timeouts to
// [2, 20] ticks), the admin server off, every four-letter word allowed, and -Xmx256m. Readiness is decided
// by polling the `srvr` four-letter word until it reports a `Mode:` line (`ruok` answers before the server
// serves), with a deadline ([DefaultStartTimeout]). Server output goes to a log file per server in the
// temporary directory; when the test failed, the tails of those logs (and of the go-zookeeper client log
// of connections made through [Cluster.Logger]) are written with t.Log.
//
// Sessions: [Cluster.ExpireSession] needs the session's password, which go-zookeeper does not expose. It is
// learnt by the dialer from [Cluster.Dialer]: connections that tests want to expire must be made with
// zk.WithDialer(c.Dialer()) (as [Cluster.Connect] does), including connections made inside the code under
// test (give it the dialer through its options).
//
// Concurrency: a Cluster's methods may be called from any goroutine; methods taking a testing.TB call
// t.Fatal, so call them from the goroutine running that test.
//
// Lifecycle: Start and StartEnsemble register Close with t.Cleanup, which also runs when the test panics.
// Close kills every process the cluster started (SIGKILL to each server's process group), waits until they
// have exited, and removes the temporary directory. The servers are also started with a parent-death signal,
// so they die with the test binary even when cleanups cannot run (a panic on another goroutine, a -timeout).
// New/Close serve TestMain, where there is no testing.TB.
package zktest
