// SPDX-License-Identifier: Apache-2.0

package detector

import (
	"errors"
	"strconv"
)

var (
	// ErrClosed is returned by Leader after Close.
	ErrClosed = errors.New("detector: closed")
	// ErrNoLeader is returned by MasterURL for a nil MasterInfo (Leader's "no leader known" answer).
	ErrNoLeader = errors.New("detector: no leading master")
	// ErrInvalidSpec is matched (errors.Is) by every *SpecError.
	ErrInvalidSpec = errors.New("detector: invalid master spec")
	// ErrNotAuthorized is matched by the permanent error a ZK detector reports when ZooKeeper denies it
	// (no permission on the path, or rejected credentials). The error text names the path and operation.
	ErrNotAuthorized = errors.New("detector: not authorized by ZooKeeper")
	// ErrNoAddress is returned by MasterURL when a MasterInfo carries no usable host and port.
	ErrNoAddress = errors.New("detector: MasterInfo has no usable address")
)

// SpecError describes a master spec that Parse rejects. Its text never contains a password: Spec is the spec
// with any credentials replaced by "xxxxx" (or, when it cannot tell where they end, everything after the
// scheme).
type SpecError struct {
	Spec   string // redacted spec (or the redacted list element / file content at fault)
	Reason string // what is wrong, e.g. `missing port in "m1"`
	Err    error  // underlying error (for example from reading a file://), may be nil
}

func (e *SpecError) Error() string {
	return "detector: invalid master spec " + strconv.Quote(e.Spec) + ": " + e.Reason
}

// Is makes errors.Is(err, ErrInvalidSpec) true.
func (e *SpecError) Is(target error) bool { return target == ErrInvalidSpec }

// Unwrap returns the underlying error, if any.
func (e *SpecError) Unwrap() error { return e.Err }
