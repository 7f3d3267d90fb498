// SPDX-License-Identifier: Apache-2.0

package zktest

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"strings"
	"time"
)

// fourLetterWord sends cmd (e.g. "srvr") to addr and returns the whole answer (the server closes the
// connection after answering). At most 64 KiB is read.
func fourLetterWord(addr, cmd string, timeout time.Duration) ([]byte, error) {
	conn, err := net.DialTimeout("tcp", addr, timeout)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	if err := conn.SetDeadline(time.Now().Add(timeout)); err != nil {
		return nil, err
	}
	if _, err := io.WriteString(conn, cmd); err != nil {
		return nil, err
	}
	return io.ReadAll(io.LimitReader(conn, 64<<10))
}

// srvrMode asks addr for `srvr` and returns the value of its "Mode:" line (standalone, leader, follower,
// observer). A server that is up but not serving answers without that line: errNotServing. go-zookeeper's
// FLWSrvr is not used: it cannot parse the version string of Debian's build.
func srvrMode(addr string, timeout time.Duration) (string, error) {
	out, err := fourLetterWord(addr, "srvr", timeout)
	if err != nil {
		return "", err
	}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "Mode:"); ok {
			return strings.TrimSpace(v), nil
		}
	}
	if len(out) == 0 {
		return "", fmt.Errorf("%w: empty srvr answer", errNotServing)
	}
	if bytes.Contains(out, []byte("not currently serving")) {
		return "", errNotServing
	}
	return "", fmt.Errorf("%w: %q", errNoMode, firstLine(out))
}

func firstLine(b []byte) string {
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		b = b[:i]
	}
	if len(b) > 120 {
		b = b[:120]
	}
	return string(b)
}
