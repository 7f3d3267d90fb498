// SPDX-License-Identifier: Apache-2.0

package zktest

import "errors"

// ErrNotInstalled is returned by [Available] and [New] when no ZooKeeper installation (or no Java runtime) is
// found.
var ErrNotInstalled = errors.New("zktest: ZooKeeper not installed: apt-get install zookeeper, or set ZOOKEEPER_HOME")

// errNotServing is returned by the srvr probe while a server is up but not (yet) serving clients.
var errNotServing = errors.New("zktest: server not serving")
