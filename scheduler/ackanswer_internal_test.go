// SPDX-License-Identifier: Apache-2.0

package scheduler

import (
	"bufio"
	"io"
	"net/http"
	"strings"
	"testing"
)

// plainAccepted takes an answer only when http.ReadResponse reads it as a
// 2xx that keeps the connection, with an empty body, ending where
// plainAccepted says; everything else is left to ReadResponse.
func TestPlainAccepted(t *testing.T) {
	next := "HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n"
	for _, c := range []struct {
		answer string
		plain  bool
		cut    bool // the connection ends there: nothing follows
	}{
		{"HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n", true, false},
		{"HTTP/1.1 202 Accepted\r\nDate: Sun, 06 Dec 2026 20:00:00 GMT\r\nContent-Length: 0\r\n\r\n", true, false},
		{"HTTP/1.1 200 OK\r\ncontent-length:0\r\nContent-Type: text/plain\r\n\r\n", true, false},
		{"HTTP/1.1 204 No Content\r\nContent-Length:  0 \r\n\r\n", true, false},
		{"HTTP/1.1 202\r\nContent-Length: 0\r\n\r\n", true, false},
		{"HTTP/1.1 202 Accepted\r\n\r\n", false, false},                                        // no length: a body up to the close
		{"HTTP/1.1 202 Accepted\r\nContent-Length: 9\r\n\r\naccepted\n", false, false},         // a body
		{"HTTP/1.1 202 Accepted\r\nContent-Length: 00\r\n\r\n", false, false},                  // not "0" as written
		{"HTTP/1.1 202 Accepted\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", false, false}, // chunked
		{"HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", false, false},
		{"HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\nConnection: keep-alive\r\n\r\n", false, false},
		{"HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\nTrailer: X\r\n\r\n", false, false},
		{"HTTP/1.0 202 Accepted\r\nContent-Length: 0\r\n\r\n", false, false},
		{"HTTP/1.1 100 Continue\r\n\r\n", false, false},
		{"HTTP/1.1 103 Early Hints\r\nLink: </s.css>\r\n\r\n", false, false},
		{"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n", false, false},
		{"HTTP/1.1 302 Found\r\nContent-Length: 0\r\n\r\n", false, false},
		{"HTTP/1.1 2020 Odd\r\nContent-Length: 0\r\n\r\n", false, false},
		{"HTTP/1.1 2x2 Odd\r\nContent-Length: 0\r\n\r\n", false, false},
		{"HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n folded\r\n\r\n", false, false},
		{"HTTP/1.1 202 Accepted\r\nContent-Length : 0\r\n\r\n", false, false},
		{"HTTP/1.1 202 Accepted\r\nX@Y: z\r\nContent-Length: 0\r\n\r\n", false, false},
		{"HTTP/1.1 202 Accepted\r\nNoColon\r\nContent-Length: 0\r\n\r\n", false, false},
		{"HTTP/1.1 202 Accepted\r\nContent-Length: 0\n\r\n", false, false}, // a bare LF
		{"HTTP/1.1 202 Acc", false, true},
		{"HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n", false, true},
	} {
		in := c.answer + next
		if c.cut {
			in = c.answer
		}
		br := bufio.NewReaderSize(strings.NewReader(in), 4096)
		if _, err := br.Peek(1); err != nil {
			t.Fatal(err)
		}
		n := plainAccepted(br)
		if (n > 0) != c.plain {
			t.Errorf("%q: plainAccepted = %d, want plain %v", c.answer, n, c.plain)
			continue
		}
		if n == 0 {
			continue
		}
		// What ReadResponse makes of the same bytes.
		rr := bufio.NewReader(strings.NewReader(c.answer + next))
		resp, err := http.ReadResponse(rr, &http.Request{Method: http.MethodPost})
		if err != nil {
			t.Errorf("%q: ReadResponse: %v", c.answer, err)
			continue
		}
		body, err := io.ReadAll(resp.Body)
		if err != nil || len(body) != 0 || resp.StatusCode/100 != 2 || resp.Close {
			t.Errorf("%q: ReadResponse: status %d, close %v, body %q, %v", c.answer, resp.StatusCode, resp.Close, body, err)
		}
		if used := len(c.answer+next) - rr.Buffered(); used != n || n != len(c.answer) {
			t.Errorf("%q: plainAccepted = %d, ReadResponse used %d, answer %d bytes", c.answer, n, used, len(c.answer))
		}
	}
}
