// SPDX-License-Identifier: Apache-2.0

// Package zkutil holds the small pieces of go-zookeeper plumbing that detector, ha, mesostest and
// internal/zktest share: a host provider that resolves names at each connection, a zap adapter for the
// client's logger, a decoder of ZooKeeper's ConnectResponse (with a connection wrapper that sniffs it:
// go-zookeeper does not expose the negotiated timeout or the session password), and IsPermanent, which
// tells the ZooKeeper errors that retrying cannot fix.
//
// Concurrency: HostList and the logger adapter are safe for concurrent use; DecodeConnectResponse is a pure
// function. Nothing here owns goroutines.
package zkutil
