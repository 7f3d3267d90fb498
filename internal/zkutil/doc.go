// SPDX-License-Identifier: Apache-2.0

// Package zkutil holds the small pieces of go-zookeeper plumbing that package detector, package ha and
// internal/zktest share: a host provider that resolves names at each connection, a zap adapter for the
// client's logger, and a decoder of ZooKeeper's ConnectResponse (with a connection wrapper that sniffs it:
// go-zookeeper does not expose the negotiated timeout or the session password).
//
// Concurrency: HostList and the logger adapter are safe for concurrent use; DecodeConnectResponse is a pure
// function. Nothing here owns goroutines.
package zkutil
