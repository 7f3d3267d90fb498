// SPDX-License-Identifier: Apache-2.0

// Package burst is a minimal Mesos master for the acknowledgement burst: it
// answers SUBSCRIBE with SUBSCRIBED followed at once by N UPDATE events that
// carry uuids (a reconciliation burst after a failover), as fast as the
// connection takes them, and counts the ACKNOWLEDGE calls until every uuid
// is acknowledged. Other calls get 202. It speaks protobuf and JSON with
// Mesos's headers (Content-Type, Mesos-Stream-Id) and keeps the stream open
// until the client goes away or the server closes.
//
// mesostest has no hook to inject a burst of updates without launching as
// many tasks (see the scale benchmark), hence this server. It is the same
// server for every client measured, including the raw net/http baseline.
//
//	srv, err := burst.NewServer(100000)
//	defer srv.Close()
//	run := srv.Begin()
//	// start a client against srv.URL()
//	elapsed, err := run.Wait(ctx)
//
// Concurrency: every method is safe for concurrent use; one Run at a time.
// Lifecycle: NewServer listens on 127.0.0.1 at once; Close ends streams and
// returns when every handler is gone.
package burst
