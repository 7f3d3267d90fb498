// SPDX-License-Identifier: Apache-2.0

package scheduler

import (
	"bufio"
	"bytes"
	"strings"
)

// plainAccepted returns the length of the answer at the start of br's
// buffer when it is a plain success that http.ReadResponse would read the
// same way, without allocating: an HTTP/1.1 status line with a 2xx code, a
// "Content-Length: 0" header, no Connection, Transfer-Encoding or Trailer
// header, no header folded over lines or with a name that is no token, and
// the whole header block already buffered. It returns 0 for anything else,
// which the caller reads with http.ReadResponse (1xx, other codes, bodies,
// the end of the connection, HTTP/1.0, an answer split across reads). The master answers an
// ACKNOWLEDGE 202 with an empty body (docs/PROTOCOL.md, "Pipelined
// acknowledgements"), so on the pipelined connection this is nearly every
// answer.
func plainAccepted(br *bufio.Reader) int {
	buf, _ := br.Peek(br.Buffered())
	end := bytes.Index(buf, []byte("\r\n\r\n"))
	if end < 0 {
		return 0
	}
	head := buf[:end+2] // each line ends with CRLF
	nl := bytes.Index(head, []byte("\r\n"))
	line := head[:nl]
	// "HTTP/1.1 2xx" then the end of the line or a space and the reason.
	if len(line) < 12 || string(line[:10]) != "HTTP/1.1 2" || !isDigit(line[10]) || !isDigit(line[11]) ||
		(len(line) > 12 && line[12] != ' ') {
		return 0
	}
	length := false
	for rest := head[nl+2:]; len(rest) > 0; {
		i := bytes.Index(rest, []byte("\r\n"))
		h := rest[:i]
		rest = rest[i+2:]
		colon := bytes.IndexByte(h, ':')
		if colon <= 0 || h[0] == ' ' || h[0] == '\t' || bytes.IndexByte(h, '\n') >= 0 || bytes.IndexByte(h, '\r') >= 0 {
			return 0
		}
		name, value := h[:colon], bytes.Trim(h[colon+1:], " \t")
		switch {
		case bytes.EqualFold(name, []byte("Content-Length")):
			if string(value) != "0" {
				return 0
			}
			length = true
		case bytes.EqualFold(name, []byte("Connection")), bytes.EqualFold(name, []byte("Transfer-Encoding")),
			bytes.EqualFold(name, []byte("Trailer")):
			return 0
		case !token(name):
			return 0
		}
	}
	if !length {
		return 0
	}
	return end + 4
}

func isDigit(b byte) bool { return '0' <= b && b <= '9' }

// token reports whether b is a header name as RFC 9110 (5.1, 5.6.2)
// allows it, as textproto checks it.
func token(b []byte) bool {
	for _, c := range b {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', isDigit(c), strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
}
