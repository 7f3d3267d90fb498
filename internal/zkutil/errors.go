// SPDX-License-Identifier: Apache-2.0

package zkutil

import (
	"errors"

	"github.com/go-zookeeper/zk"
)

// IsPermanent reports ZooKeeper errors that retrying the same request cannot
// fix (authentication, ACLs, bad arguments or paths): Mesos's group fails on
// them instead of retrying, and so do the detector and mesostest's masters.
func IsPermanent(err error) bool {
	for _, p := range []error{
		zk.ErrNoAuth, zk.ErrAuthFailed, zk.ErrInvalidACL, zk.ErrBadArguments,
		zk.ErrNoChildrenForEphemerals, zk.ErrInvalidPath,
	} {
		if errors.Is(err, p) {
			return true
		}
	}
	return false
}
