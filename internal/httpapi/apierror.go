// SPDX-License-Identifier: Apache-2.0

package httpapi

import (
	"io"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"
)

const (
	// maxErrorBodyRead is how much of an error response NewAPIError reads.
	maxErrorBodyRead = 4 << 10
	// maxErrorBodyText is how much of the body Error includes.
	maxErrorBodyText = 1 << 10
)

// APIError is a response from Mesos other than the expected 200 or 202.
// Its text never includes request headers or credentials.
type APIError struct {
	StatusCode int    // e.g. 400
	Status     string // e.g. "400 Bad Request"
	Body       string // the start of the response body (at most 4 KiB), trimmed
	Call       string // the call type name, e.g. "ACCEPT"; may be empty
	Location   string // the Location header (307 redirects): "//host:port/path"
}

// NewAPIError builds an APIError from resp, reading at most 4 KiB of its body.
// It does not close resp.Body.
func NewAPIError(resp *http.Response, call string) *APIError {
	e := &APIError{
		StatusCode: resp.StatusCode,
		Status:     resp.Status,
		Call:       call,
		Location:   resp.Header.Get(HeaderLocation),
	}
	if e.Status == "" {
		e.Status = strconv.Itoa(resp.StatusCode) + " " + http.StatusText(resp.StatusCode)
	}
	if resp.Body != nil {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBodyRead))
		e.Body = strings.TrimSpace(string(b))
	}
	return e
}

// Error returns "mesos: [CALL call: ]400 Bad Request: <body>", with the body
// cut to about 1 KiB and control characters replaced, and " (Location:
// //host:port/path)" for redirects.
func (e *APIError) Error() string {
	var b strings.Builder
	b.WriteString("mesos: ")
	if e.Call != "" {
		b.WriteString(e.Call)
		b.WriteString(" call: ")
	}
	status := e.Status
	if status == "" {
		status = strconv.Itoa(e.StatusCode) + " " + http.StatusText(e.StatusCode)
	}
	b.WriteString(status)
	if e.Body != "" {
		b.WriteString(": ")
		writeClean(&b, e.Body, maxErrorBodyText)
	}
	if e.Location != "" {
		b.WriteString(" (Location: ")
		writeClean(&b, e.Location, maxErrorBodyText)
		b.WriteString(")")
	}
	return b.String()
}

// writeClean writes at most limit bytes of s, cut at a rune boundary, with
// invalid UTF-8 and control characters replaced, and "…" when cut.
func writeClean(b *strings.Builder, s string, limit int) {
	cut := len(s) > limit
	if cut {
		s = s[:limit]
		for len(s) > 0 { // drop a partial rune at the end
			if r, size := utf8.DecodeLastRuneInString(s); r != utf8.RuneError || size != 1 {
				break
			}
			s = s[:len(s)-1]
		}
	}
	for _, r := range s {
		switch {
		case r == utf8.RuneError:
			b.WriteRune('\uFFFD')
		case r < 0x20 || r == 0x7F:
			b.WriteByte(' ')
		default:
			b.WriteRune(r)
		}
	}
	if cut {
		b.WriteString("…")
	}
}
