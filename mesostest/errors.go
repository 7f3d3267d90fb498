// SPDX-License-Identifier: Apache-2.0

package mesostest

import "errors"

var (
	// ErrClosed is returned by methods called after Close.
	ErrClosed = errors.New("mesostest: server closed")

	// ErrNotConnected is returned by SendStatusUpdates for a framework that is
	// not subscribed to the leading master.
	ErrNotConnected = errors.New("mesostest: framework is not connected to the leading master")
	// ErrUnknownOffer is returned by Rescind for an offer that is not outstanding.
	ErrUnknownOffer = errors.New("mesostest: unknown offer")
	// ErrUnknownTask is returned by CompleteTask for a task the cluster does not run.
	ErrUnknownTask = errors.New("mesostest: unknown task")
	// ErrNotSimulated is returned by CompleteTask for a task that runs a real process.
	ErrNotSimulated = errors.New("mesostest: task is not simulated")
	// ErrInvalidOption is wrapped by NewServer when an option value is unusable.
	ErrInvalidOption = errors.New("mesostest: invalid option")
	// ErrInvalidResources is wrapped when a resource or attribute string does not parse.
	ErrInvalidResources = errors.New("mesostest: invalid resources")
	// ErrNoTLS is returned by ClientCertificate when the server runs without WithTLS.
	ErrNoTLS = errors.New("mesostest: server runs without TLS (see WithTLS)")
)
