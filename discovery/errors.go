// SPDX-License-Identifier: Apache-2.0

package discovery

import "errors"

// Sentinel errors. Test with errors.Is.
var (
	// ErrClosed is returned by every operation after Client.Close, and by a Watcher after its Close.
	ErrClosed = errors.New("discovery: closed")

	// ErrInvalidMember is wrapped by the errors of Member.Validate and ParseMember.
	ErrInvalidMember = errors.New("discovery: invalid member")

	// ErrInvalidPath is wrapped when a ZooKeeper path cannot name a node.
	ErrInvalidPath = errors.New("discovery: invalid ZooKeeper path")

	// ErrNotAuthorized is matched when ZooKeeper refuses an operation (the node's ACL does not grant it to
	// these credentials) or the credentials themselves.
	ErrNotAuthorized = errors.New("discovery: not authorized by ZooKeeper")

	// ErrWithdrawn is an Announcement's Err after Withdraw or after its context ended.
	ErrWithdrawn = errors.New("discovery: withdrawn")
)
