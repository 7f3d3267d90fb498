// SPDX-License-Identifier: Apache-2.0

package ha

import (
	"encoding/binary"
	"net"
	"time"
)

// sniffDialer wraps a dialer so that the ConnectResponse that opens every ZooKeeper connection is decoded
// on its way to go-zookeeper: it carries the session id and the session timeout the server negotiated,
// which go-zookeeper does not expose. The timeout matters: a leader's lease is derived from it, and a
// server may grant less than was asked for.
func sniffDialer(dial Dialer, record func(id int64, timeout time.Duration)) Dialer {
	return func(network, address string, timeout time.Duration) (net.Conn, error) {
		conn, err := dial(network, address, timeout)
		if err != nil {
			return nil, err
		}
		return &sniffConn{Conn: conn, record: record}, nil
	}
}

// sniffConn passes everything through and decodes the first frame the server sends. Reads come from
// go-zookeeper's connection goroutine, one at a time, so the fields need no lock.
type sniffConn struct {
	net.Conn
	record func(id int64, timeout time.Duration)
	buf    []byte
	done   bool
}

func (s *sniffConn) Read(p []byte) (int, error) {
	n, err := s.Conn.Read(p)
	if !s.done && n > 0 {
		s.feed(p[:n])
	}
	return n, err
}

// feed accumulates the ConnectResponse: length(4) protocolVersion(4) timeOut(4) sessionId(8) passwd(4+n).
func (s *sniffConn) feed(p []byte) {
	s.buf = append(s.buf, p...)
	if len(s.buf) < 4 {
		return
	}
	size := int(binary.BigEndian.Uint32(s.buf))
	if size < 16 || size > 4096 {
		s.done, s.buf = true, nil // not a ConnectResponse
		return
	}
	if len(s.buf) < 4+size {
		return
	}
	body := s.buf[4 : 4+size]
	s.done, s.buf = true, nil
	timeoutMs := int32(binary.BigEndian.Uint32(body[4:8]))
	id := int64(binary.BigEndian.Uint64(body[8:16]))
	s.record(id, time.Duration(timeoutMs)*time.Millisecond)
}
