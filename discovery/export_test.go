// SPDX-License-Identifier: Apache-2.0

package discovery

import "github.com/go-zookeeper/zk"

// ZKConn exposes a Client's go-zookeeper client to the tests, for zktest.ExpireSession (nil before the
// first Announce or Watch).
func ZKConn(c *Client) *zk.Conn {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.zk
}
