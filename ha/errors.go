// SPDX-License-Identifier: Apache-2.0

package ha

import (
	"errors"
	"fmt"
)

// Sentinel errors. Test with errors.Is.
var (
	// ErrClosed is returned by every operation on a Conn after Close, and is
	// a Term's Err when it ended because its Conn was closed.
	ErrClosed = errors.New("ha: closed")

	// ErrNoLeader is returned by CurrentLeader when no replica campaigns.
	ErrNoLeader = errors.New("ha: no leader")

	// ErrNotLeader is returned by a write fenced by a Term (see
	// Records.Fenced, FrameworkIDStore.Fenced) when that Term has ended or
	// its election node is gone: the write was not made.
	ErrNotLeader = errors.New("ha: not the leader")

	// ErrConflict is matched by every *ConflictError: a compare-and-set
	// found another version than the one expected, and wrote nothing.
	ErrConflict = errors.New("ha: version conflict")

	// ErrNotFound is returned by Records.Get for a key that has no record.
	ErrNotFound = errors.New("ha: record not found")

	// ErrTooLarge is matched by every *SizeError: the request would exceed
	// what one ZooKeeper request may carry, and was not sent.
	ErrTooLarge = errors.New("ha: too large for ZooKeeper")

	// ErrInvalidKey is returned for a record key that cannot name a znode.
	ErrInvalidKey = errors.New("ha: invalid record key")

	// ErrNotAuthorized is matched when ZooKeeper refuses an operation
	// (NoAuth: the node's ACL does not grant it to these credentials) or the
	// credentials themselves.
	ErrNotAuthorized = errors.New("ha: not authorized by ZooKeeper")

	// ErrCampaigning is returned by Campaign while another Campaign of the
	// same Election runs or while a Term it returned is still held.
	ErrCampaigning = errors.New("ha: already campaigning or leading")

	// The reasons a Term ends, returned by Term.Err (wrapped with details).

	// ErrResigned: Term.Resign was called, or the function given to Run
	// returned.
	ErrResigned = errors.New("ha: resigned")
	// ErrSessionExpired: the ZooKeeper session holding the election node
	// ended; its ephemeral node is gone.
	ErrSessionExpired = errors.New("ha: ZooKeeper session expired")
	// ErrLeaseExpired: no heartbeat reached ZooKeeper for the lease (the
	// session timeout minus the safety margin), so the session may be about
	// to expire; leadership is given up before that can happen.
	ErrLeaseExpired = errors.New("ha: lost contact with ZooKeeper for too long")
	// ErrDeposed: the election node was deleted or the lease record was
	// taken over by another replica.
	ErrDeposed = errors.New("ha: leadership taken over")
)

// Version is a znode's data version, as used for compare-and-set. A record
// just created has version 0; every write adds one.
type Version int32

const (
	// Absent as the expected version of a Put creates the record and fails
	// with a *ConflictError if it exists; in a ConflictError it says that
	// the record did not exist.
	Absent Version = -1
	// Any as the expected version writes (or deletes) unconditionally:
	// last writer wins. Use it only for data no two writers share.
	Any Version = -2
)

func (v Version) String() string {
	switch v {
	case Absent:
		return "absent"
	case Any:
		return "any"
	}
	return fmt.Sprintf("v%d", int32(v))
}

// ConflictError reports a compare-and-set that found the record in another
// state than expected. Nothing was written.
type ConflictError struct {
	Path     string  // znode path
	Expected Version // the version the caller expected (Absent: must not exist)
	Actual   Version // the version found (Absent: no record), when it could be read; else Any
}

// Error implements error.
func (e *ConflictError) Error() string {
	actual := "another version"
	if e.Actual != Any {
		actual = e.Actual.String()
	}
	return fmt.Sprintf("ha: version conflict at %q: expected %v, found %s", e.Path, e.Expected, actual)
}

// Is makes errors.Is(err, ErrConflict) true.
func (e *ConflictError) Is(target error) bool { return target == ErrConflict }

// SizeError reports data that does not fit in one ZooKeeper request. The
// request was not sent: ZooKeeper drops the connection of a client that
// sends a packet larger than its jute.maxbuffer (1 MB by default).
type SizeError struct {
	Path  string // znode path
	Size  int    // bytes of data
	Limit int    // the most bytes of data this request could carry
}

// Error implements error.
func (e *SizeError) Error() string {
	return fmt.Sprintf("ha: %d bytes of data for %q is too large: at most %d fit in one ZooKeeper request (see WithMaxRequestSize)",
		e.Size, e.Path, e.Limit)
}

// Is makes errors.Is(err, ErrTooLarge) true.
func (e *SizeError) Is(target error) bool { return target == ErrTooLarge }
