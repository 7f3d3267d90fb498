// SPDX-License-Identifier: Apache-2.0

package zkutil

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

// connectBody builds a ConnectResponse body as ZooKeeper writes it.
func connectBody(version, timeoutMs int32, id int64, passwdLen int32, passwd []byte, tail ...byte) []byte {
	var b bytes.Buffer
	_ = binary.Write(&b, binary.BigEndian, version)
	_ = binary.Write(&b, binary.BigEndian, timeoutMs)
	_ = binary.Write(&b, binary.BigEndian, id)
	_ = binary.Write(&b, binary.BigEndian, passwdLen)
	b.Write(passwd)
	b.Write(tail)
	return b.Bytes()
}

func frame(body []byte) []byte {
	return append(binary.BigEndian.AppendUint32(nil, uint32(len(body))), body...)
}

var passwd16 = []byte("0123456789abcdef")

func TestDecodeConnectResponse(t *testing.T) {
	for _, tc := range []struct {
		name string
		body []byte
		want ConnectResponse
	}{
		{"read-only flag false", connectBody(0, 4000, 0x1234, 16, passwd16, 0),
			ConnectResponse{Timeout: 4 * time.Second, SessionID: 0x1234, Password: passwd16}},
		{"read-only flag true", connectBody(0, 4000, 0x1234, 16, passwd16, 1),
			ConnectResponse{Timeout: 4 * time.Second, SessionID: 0x1234, Password: passwd16, ReadOnly: true}},
		{"no read-only flag (old servers)", connectBody(0, 1000, -5, 16, passwd16),
			ConnectResponse{Timeout: time.Second, SessionID: -5, Password: passwd16}},
		{"expired session", connectBody(0, 0, 0, 16, make([]byte, 16), 0),
			ConnectResponse{Password: make([]byte, 16)}},
		{"null password", connectBody(0, 1000, 7, -1, nil),
			ConnectResponse{Timeout: time.Second, SessionID: 7}},
		{"empty password", connectBody(0, 1000, 7, 0, nil),
			ConnectResponse{Timeout: time.Second, SessionID: 7, Password: []byte{}}},
		{"trailing fields ignored", connectBody(0, 1000, 7, 1, []byte{9}, 1, 2, 3),
			ConnectResponse{Timeout: time.Second, SessionID: 7, Password: []byte{9}, ReadOnly: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := DecodeConnectResponse(tc.body)
			if err != nil {
				t.Fatal(err)
			}
			if got.ProtocolVersion != tc.want.ProtocolVersion || got.Timeout != tc.want.Timeout ||
				got.SessionID != tc.want.SessionID || got.ReadOnly != tc.want.ReadOnly ||
				!bytes.Equal(got.Password, tc.want.Password) || (got.Password == nil) != (tc.want.Password == nil) {
				t.Fatalf("DecodeConnectResponse = %+v, want %+v", got, tc.want)
			}
		})
	}
	// The password is a copy.
	body := connectBody(0, 1000, 7, 16, passwd16)
	got, err := DecodeConnectResponse(body)
	if err != nil {
		t.Fatal(err)
	}
	body[20] = 'X'
	if !bytes.Equal(got.Password, passwd16) {
		t.Fatalf("password aliases the input: %q", got.Password)
	}
}

func TestDecodeConnectResponseMalformed(t *testing.T) {
	full := connectBody(0, 1000, 7, 16, passwd16, 0)
	cases := []struct {
		name string
		body []byte
		want string
	}{
		{"nil", nil, "0 bytes, want at least 20"},
		{"length only", full[:4], "4 bytes"},
		{"no password length", full[:16], "16 bytes"},
		{"short password", full[:30], "password length 16 with 10 bytes left"},
		{"huge password length", connectBody(0, 1000, 7, 0x7fffffff, passwd16), "password length 2147483647"},
		{"negative password length", connectBody(0, 1000, 7, -2, passwd16), "password length -2"},
		{"most negative password length", connectBody(0, 1000, 7, -1<<31, nil), "password length -2147483648"},
		{"negative timeout", connectBody(0, -1, 7, 16, passwd16), "negative session timeout"},
		{"too long", make([]byte, MaxConnectResponse+1), "more than 4096"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r, err := DecodeConnectResponse(tc.body)
			if !errors.Is(err, ErrMalformedConnectResponse) {
				t.Fatalf("DecodeConnectResponse = %+v, %v; want ErrMalformedConnectResponse", r, err)
			}
			if !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "zkutil: ") {
				t.Fatalf("error %q, want it to contain %q", err, tc.want)
			}
		})
	}
	// Every prefix of a valid body either decodes or fails cleanly.
	for i := range full {
		if _, err := DecodeConnectResponse(full[:i]); err != nil && !errors.Is(err, ErrMalformedConnectResponse) {
			t.Fatalf("prefix %d: %v", i, err)
		}
	}
}

// sniff feeds stream through SniffConnectResponse in reads of the given sizes and returns what was read and
// what record saw.
func sniff(t *testing.T, stream []byte, chunk int) (read []byte, calls []ConnectResponse, errs []error) {
	t.Helper()
	client, server := net.Pipe()
	defer client.Close()
	go func() {
		defer server.Close()
		for len(stream) > 0 {
			n := min(chunk, len(stream))
			if _, err := server.Write(stream[:n]); err != nil {
				return
			}
			stream = stream[n:]
		}
	}()
	c := SniffConnectResponse(client, func(r ConnectResponse, err error) {
		calls, errs = append(calls, r), append(errs, err)
	})
	read, err := io.ReadAll(c)
	if err != nil {
		t.Fatal(err)
	}
	return read, calls, errs
}

func TestSniffConnectResponse(t *testing.T) {
	resp := frame(connectBody(0, 4000, 0x42, 16, passwd16, 0))
	next := frame([]byte("the next frame, not a ConnectResponse at all"))
	stream := append(append([]byte{}, resp...), next...)
	for _, chunk := range []int{1, 3, 4, 5, 21, len(resp), len(resp) + 3, len(stream)} {
		read, calls, errs := sniff(t, stream, chunk)
		if !bytes.Equal(read, stream) {
			t.Fatalf("chunk %d: bytes changed on their way through", chunk)
		}
		if len(calls) != 1 || errs[0] != nil || calls[0].SessionID != 0x42 || calls[0].Timeout != 4*time.Second ||
			!bytes.Equal(calls[0].Password, passwd16) {
			t.Fatalf("chunk %d: record calls %+v, errors %v; want one with session 0x42", chunk, calls, errs)
		}
	}
}

func TestSniffConnectResponseMalformed(t *testing.T) {
	for _, tc := range []struct {
		name   string
		stream []byte
		want   string
	}{
		{"huge length", append(binary.BigEndian.AppendUint32(nil, 0xffffffff), 1, 2, 3), "frame of 4294967295 bytes"},
		{"empty frame", append(frame(nil), frame(passwd16)...), "0 bytes"},
		{"short body", frame([]byte{1, 2, 3}), "3 bytes"},
		{"bad password length", frame(connectBody(0, 1, 1, 99, passwd16)), "password length 99"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, chunk := range []int{1, 2, 64} {
				read, calls, errs := sniff(t, tc.stream, chunk)
				if !bytes.Equal(read, tc.stream) {
					t.Fatalf("chunk %d: bytes changed on their way through", chunk)
				}
				if len(errs) != 1 || !errors.Is(errs[0], ErrMalformedConnectResponse) || !strings.Contains(errs[0].Error(), tc.want) {
					t.Fatalf("chunk %d: record calls %+v, errors %v; want one error containing %q", chunk, calls, errs, tc.want)
				}
			}
		})
	}
	// A connection that ends before a whole frame never calls record.
	_, calls, _ := sniff(t, frame(passwd16)[:10], 3)
	if len(calls) != 0 {
		t.Fatalf("truncated frame: record called %d times", len(calls))
	}
}
