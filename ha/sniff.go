// SPDX-License-Identifier: Apache-2.0

package ha

import (
	"net"
	"time"

	"github.com/mesoskit/mesoskit/internal/zkutil"
)

// sniffDialer wraps a dialer so that the ConnectResponse that opens every ZooKeeper connection is decoded
// on its way to go-zookeeper: it carries the session id and the session timeout the server negotiated,
// which go-zookeeper does not expose. The timeout matters: a leader's lease is derived from it, and a
// server may grant less than was asked for. record runs on go-zookeeper's connection goroutine; a frame
// that is not a ConnectResponse is not recorded.
func sniffDialer(dial Dialer, record func(id int64, timeout time.Duration)) Dialer {
	return func(network, address string, timeout time.Duration) (net.Conn, error) {
		conn, err := dial(network, address, timeout)
		if err != nil {
			return nil, err
		}
		return zkutil.SniffConnectResponse(conn, func(r zkutil.ConnectResponse, err error) {
			if err == nil {
				record(r.SessionID, r.Timeout)
			}
		}), nil
	}
}
