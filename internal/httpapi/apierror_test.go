// SPDX-License-Identifier: Apache-2.0

package httpapi

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"unicode/utf8"
)

type countingBody struct {
	r    io.Reader
	read int
}

func (c *countingBody) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.read += n
	return n, err
}

func (c *countingBody) Close() error { return nil }

func TestAPIError(t *testing.T) {
	tests := []struct {
		name     string
		resp     *http.Response
		call     string
		want     string
		bodySize int // expected len(Body), -1 to skip
	}{
		{
			name: "bad request",
			resp: &http.Response{StatusCode: 400, Status: "400 Bad Request",
				Body: io.NopCloser(strings.NewReader("Failed to validate scheduler::Call: Expecting 'type' to be present\n"))},
			call: "ACCEPT",
			want: "mesos: ACCEPT call: 400 Bad Request: Failed to validate scheduler::Call: Expecting 'type' to be present",
		},
		{
			name: "redirect",
			resp: &http.Response{StatusCode: 307, Status: "307 Temporary Redirect",
				Header: http.Header{"Location": {"//m2.example:5050/api/v1/scheduler"}}, Body: http.NoBody},
			call: "SUBSCRIBE",
			want: "mesos: SUBSCRIBE call: 307 Temporary Redirect (Location: //m2.example:5050/api/v1/scheduler)",
		},
		{
			name: "no status text, no call, no body",
			resp: &http.Response{StatusCode: 503},
			want: "mesos: 503 Service Unavailable",
		},
		{
			name: "control characters",
			resp: &http.Response{StatusCode: 500, Status: "500 Internal Server Error",
				Body: io.NopCloser(strings.NewReader("line1\nline2\x1b[31m\xff"))},
			want: "mesos: 500 Internal Server Error: line1 line2 [31m\uFFFD",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := NewAPIError(tt.resp, tt.call)
			if got := e.Error(); got != tt.want {
				t.Errorf("Error() = %q\nwant      %q", got, tt.want)
			}
			if e.StatusCode != tt.resp.StatusCode || e.Call != tt.call {
				t.Errorf("fields %+v", e)
			}
		})
	}
}

func TestAPIErrorBodyLimits(t *testing.T) {
	body := &countingBody{r: strings.NewReader(strings.Repeat("é", 10<<10))} // 20 KiB
	e := NewAPIError(&http.Response{StatusCode: 400, Status: "400 Bad Request", Body: body}, "KILL")
	if body.read > maxErrorBodyRead {
		t.Errorf("read %d bytes of the body", body.read)
	}
	if len(e.Body) > maxErrorBodyRead {
		t.Errorf("Body holds %d bytes", len(e.Body))
	}
	msg := e.Error()
	if len(msg) > maxErrorBodyText+100 || !strings.HasSuffix(msg, "…") || !utf8.ValidString(msg) {
		t.Errorf("Error() is %d bytes, valid UTF-8 %v, ends %q", len(msg), utf8.ValidString(msg), msg[len(msg)-8:])
	}
}

// TestAPIErrorNoCredentials: the request's headers never reach the text.
func TestAPIErrorNoCredentials(t *testing.T) {
	req, _ := http.NewRequest(http.MethodPost, "http://m1:5050/api/v1/scheduler", nil)
	req.Header.Set("Authorization", "Basic c2VjcmV0OnNlY3JldA==")
	req.SetBasicAuth("principal", "hunter2")
	resp := &http.Response{StatusCode: 401, Status: "401 Unauthorized", Request: req,
		Header: http.Header{"Www-Authenticate": {`Basic realm="mesos-master-scheduler"`}},
		Body:   io.NopCloser(strings.NewReader("401 Unauthorized."))}
	msg := NewAPIError(resp, "SUBSCRIBE").Error()
	for _, secret := range []string{"hunter2", "principal", "Basic", "c2VjcmV0"} {
		if strings.Contains(msg, secret) {
			t.Errorf("Error() %q contains %q", msg, secret)
		}
	}
}
