// SPDX-License-Identifier: Apache-2.0

package zkutil

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"time"
)

// MaxConnectResponse is the largest ConnectResponse body accepted (ZooKeeper's is 37 bytes: a 16-byte
// password and a read-only flag).
const MaxConnectResponse = 4096

// ErrMalformedConnectResponse is wrapped by every error of DecodeConnectResponse and SniffConnectResponse.
var ErrMalformedConnectResponse = errors.New("zkutil: malformed ConnectResponse")

// ConnectResponse is the reply that opens every ZooKeeper client connection. For a session that can no
// longer be resumed (it expired) the server answers with SessionID 0 and Timeout 0, then closes the
// connection.
type ConnectResponse struct {
	ProtocolVersion int32
	Timeout         time.Duration // negotiated session timeout (sent in milliseconds)
	SessionID       int64
	Password        []byte // a copy; nil when absent
	ReadOnly        bool   // the server serves read-only (only sent by servers that support the mode)
}

// DecodeConnectResponse decodes a ConnectResponse body (the frame without its 4-byte length):
// protocolVersion(int32) timeOut(int32) sessionId(int64) passwd(int32 length, then bytes; -1 for none) and an
// optional readOnly byte. Bytes after that are ignored (a later protocol may add fields). Malformed input
// gives an error wrapping ErrMalformedConnectResponse, never a panic.
func DecodeConnectResponse(body []byte) (ConnectResponse, error) {
	const fixed = 4 + 4 + 8 + 4
	if len(body) < fixed {
		return ConnectResponse{}, fmt.Errorf("%w: %d bytes, want at least %d", ErrMalformedConnectResponse, len(body), fixed)
	}
	if len(body) > MaxConnectResponse {
		return ConnectResponse{}, fmt.Errorf("%w: %d bytes, more than %d", ErrMalformedConnectResponse, len(body), MaxConnectResponse)
	}
	timeoutMs := int32(binary.BigEndian.Uint32(body[4:8]))
	if timeoutMs < 0 {
		return ConnectResponse{}, fmt.Errorf("%w: negative session timeout %d ms", ErrMalformedConnectResponse, timeoutMs)
	}
	r := ConnectResponse{
		ProtocolVersion: int32(binary.BigEndian.Uint32(body[0:4])),
		Timeout:         time.Duration(timeoutMs) * time.Millisecond,
		SessionID:       int64(binary.BigEndian.Uint64(body[8:16])),
	}
	n := int32(binary.BigEndian.Uint32(body[16:20]))
	rest := body[fixed:]
	switch {
	case n == -1:
	case n < 0 || int64(n) > int64(len(rest)):
		return ConnectResponse{}, fmt.Errorf("%w: password length %d with %d bytes left", ErrMalformedConnectResponse, n, len(rest))
	default:
		r.Password = append([]byte{}, rest[:n]...)
		rest = rest[n:]
	}
	if len(rest) > 0 {
		r.ReadOnly = rest[0] != 0
	}
	return r, nil
}

// SniffConnectResponse wraps conn, a fresh connection to a ZooKeeper server, so that the first frame the
// server sends — the ConnectResponse — is decoded on its way to the reader and handed to record, once, with
// the decoding error if it is not one (record is then not called again). The bytes read are passed through
// unchanged. Reads must not be concurrent (go-zookeeper reads from one goroutine); record runs on the
// reading goroutine, before the Read that completes the frame returns.
func SniffConnectResponse(conn net.Conn, record func(ConnectResponse, error)) net.Conn {
	return &sniffConn{Conn: conn, record: record}
}

type sniffConn struct {
	net.Conn
	record func(ConnectResponse, error)
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

// feed accumulates the first frame, never more than its announced length (which is bounded).
func (s *sniffConn) feed(p []byte) {
	if len(s.buf) < 4 {
		take := min(len(p), 4-len(s.buf))
		s.buf, p = append(s.buf, p[:take]...), p[take:]
		if len(s.buf) < 4 {
			return
		}
	}
	size := int(binary.BigEndian.Uint32(s.buf))
	if size > MaxConnectResponse {
		s.done, s.buf = true, nil
		s.record(ConnectResponse{}, fmt.Errorf("%w: frame of %d bytes, more than %d", ErrMalformedConnectResponse, size, MaxConnectResponse))
		return
	}
	take := min(len(p), 4+size-len(s.buf))
	s.buf = append(s.buf, p[:take]...)
	if len(s.buf) < 4+size {
		return
	}
	r, err := DecodeConnectResponse(s.buf[4:])
	s.done, s.buf = true, nil
	s.record(r, err)
}
