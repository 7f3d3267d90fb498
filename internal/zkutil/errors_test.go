// SPDX-License-Identifier: Apache-2.0

package zkutil

import (
	"fmt"
	"testing"

	"github.com/go-zookeeper/zk"
)

func TestIsPermanent(t *testing.T) {
	for _, err := range []error{zk.ErrNoAuth, zk.ErrAuthFailed, zk.ErrInvalidACL, zk.ErrBadArguments,
		zk.ErrNoChildrenForEphemerals, zk.ErrInvalidPath, fmt.Errorf("create: %w", zk.ErrNoAuth)} {
		if !IsPermanent(err) {
			t.Errorf("IsPermanent(%v) = false, want true", err)
		}
	}
	for _, err := range []error{nil, zk.ErrNoNode, zk.ErrNodeExists, zk.ErrConnectionClosed, zk.ErrSessionExpired} {
		if IsPermanent(err) {
			t.Errorf("IsPermanent(%v) = true, want false", err)
		}
	}
}
