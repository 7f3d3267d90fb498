// SPDX-License-Identifier: Apache-2.0

package ha

import "github.com/go-zookeeper/zk"

// ZKConn exposes a Conn's go-zookeeper client to the tests, for zktest.ExpireSession.
func ZKConn(c *Conn) *zk.Conn { return c.zk }
