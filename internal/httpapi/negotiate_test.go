// SPDX-License-Identifier: Apache-2.0

package httpapi

import (
	"net/http"
	"testing"
)

func TestNegotiateAccept(t *testing.T) {
	const (
		j = MediaTypeJSON
		p = MediaTypeProtobuf
	)
	tests := []struct {
		accept string
		want   string // "" = not acceptable
	}{
		{"", j}, // no header: anything
		{"application/json", j},
		{"application/x-protobuf", p},
		{"application/x-protobuf, application/json", j}, // JSON is tested first
		{"application/x-protobuf;q=1.0, application/json;q=0.1", j},
		{"application/json;q=0, application/x-protobuf", p},
		{"application/json;q=0.0, application/x-protobuf", p},
		{"application/json;q=0", ""},
		{"application/x-protobuf;q=0", ""},
		{"application/json;q=0, application/x-protobuf;q=0", ""},
		{"application/*", j},
		{"*/*", j},
		{"*/*;q=0", ""},
		{"application/*;q=0, application/x-protobuf", p},
		{"application/json;q=0, */*", p}, // specific JSON q=0 decides JSON; */* allows protobuf
		{"*/*, application/json;q=0", p}, // most specific range wins, whatever the order
		{"application/x-protobuf, */*;q=0", p},
		{"text/html", ""},
		{"text/*", ""},
		{"APPLICATION/JSON", j},
		{"Application/X-Protobuf", p},
		{"application/json; charset=utf-8", j},         // parameters ignored
		{" application / x-protobuf ", p},              // spaces removed
		{"\tapplication/json;\tq=0.5", j},              // tabs removed
		{"application/json;q=0;q=0", j},                // two q values: malformed, acceptable
		{"application/json;q=abc", ""},                 // unparsable q: not acceptable
		{"application/json;q=-1", ""},                  // q <= 0
		{"application/json;Q=0", j},                    // only "q" is the q parameter
		{"application/json;q=0.001", j},                // tiny but positive
		{",,application/x-protobuf,,", p},              // empty elements skipped
		{"application/json;q=0, application/json", ""}, // first equally specific range decides
		{"application", ""},
		{";", ""},
	}
	for _, tt := range tests {
		got, ok := NegotiateAccept(tt.accept)
		if ok != (tt.want != "") || got != tt.want {
			t.Errorf("NegotiateAccept(%q) = %q, %v; want %q", tt.accept, got, ok, tt.want)
		}
	}
}

func TestNegotiateAcceptHeader(t *testing.T) {
	tests := []struct {
		h    http.Header
		want string
	}{
		{http.Header{}, MediaTypeJSON},    // absent: anything
		{http.Header{"Accept": {""}}, ""}, // present and empty: nothing
		{http.Header{"Accept": {"application/x-protobuf"}}, MediaTypeProtobuf},
		{http.Header{"Accept": {"application/x-protobuf", "application/json"}}, MediaTypeJSON},
		{http.Header{"Accept": {"text/plain", "application/x-protobuf"}}, MediaTypeProtobuf},
	}
	for _, tt := range tests {
		got, ok := NegotiateAcceptHeader(tt.h)
		if ok != (tt.want != "") || got != tt.want {
			t.Errorf("NegotiateAcceptHeader(%v) = %q, %v; want %q", tt.h, got, ok, tt.want)
		}
	}
}
