// SPDX-License-Identifier: Apache-2.0

package scheduler

import (
	"net/url"
	"testing"
)

func TestResolveLocation(t *testing.T) {
	cur := &url.URL{Scheme: "http", Host: "m1:5050", Path: apiPath}
	curTLS := &url.URL{Scheme: "https", Host: "m1:5050", Path: apiPath}
	tests := []struct {
		name string
		cur  *url.URL
		loc  string
		want string // "" means an error
	}{
		{"protocol-relative as Mesos sends it", cur, "//m2:5050/master/api/v1/scheduler", "http://m2:5050/master/api/v1/scheduler"},
		{"protocol-relative keeps https", curTLS, "//m2:5050/master/api/v1/scheduler", "https://m2:5050/master/api/v1/scheduler"},
		{"protocol-relative without path", cur, "//m2:5050", "http://m2:5050/api/v1/scheduler"},
		{"protocol-relative root path", cur, "//m2:5050/", "http://m2:5050/api/v1/scheduler"},
		{"absolute http", cur, "http://m2:5050/api/v1/scheduler", "http://m2:5050/api/v1/scheduler"},
		{"no downgrade from https to http", curTLS, "http://m2:5050/api/v1/scheduler", ""},
		{"absolute https", cur, "https://m2:5050/api/v1/scheduler", "https://m2:5050/api/v1/scheduler"},
		{"absolute path on the same host", cur, "/master/api/v1/scheduler", "http://m1:5050/master/api/v1/scheduler"},
		{"bare host:port from the old docs", cur, "m2:5050", "http://m2:5050/api/v1/scheduler"},
		{"bare host:port with path", cur, "m2:5050/master/api/v1/scheduler", "http://m2:5050/master/api/v1/scheduler"},
		{"IPv6 host", cur, "//[::1]:5050/api/v1/scheduler", "http://[::1]:5050/api/v1/scheduler"},
		{"query and fragment dropped", cur, "//m2:5050/api/v1/scheduler?x=1#f", "http://m2:5050/api/v1/scheduler"},
		{"surrounding space", cur, "  //m2:5050/api/v1/scheduler ", "http://m2:5050/api/v1/scheduler"},
		{"empty", cur, "", ""},
		{"blank", cur, "   ", ""},
		{"unsupported scheme", cur, "ftp://m2:5050/x", ""},
		{"no host", cur, "http:///api/v1/scheduler", ""},
		{"credentials", cur, "//u:p@m2:5050/api/v1/scheduler", ""},
		{"invalid port", cur, "//m2:port/api", ""},
		{"control character", cur, "//m2:5050/\x7f", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := resolveLocation(tt.cur, tt.loc)
			if tt.want == "" {
				if err == nil {
					t.Fatalf("resolveLocation(%q) = %v, want an error", tt.loc, got)
				}
				return
			}
			if err != nil {
				t.Fatalf("resolveLocation(%q): %v", tt.loc, err)
			}
			if got.String() != tt.want {
				t.Fatalf("resolveLocation(%q) = %q, want %q", tt.loc, got, tt.want)
			}
		})
	}
}

func TestValidStreamID(t *testing.T) {
	tests := []struct {
		id   string
		want bool
	}{
		{"6d4f2a1b-8c3e-4f5a-9b7c-1d2e3f4a5b6c", true},
		{"6D4F2A1B-8C3E-4F5A-9B7C-1D2E3F4A5B6C", true},
		{"00000000-0000-0000-0000-000000000000", true},
		{"", false},
		{"6d4f2a1b8c3e4f5a9b7c1d2e3f4a5b6c", false},      // no dashes
		{"6d4f2a1b-8c3e-4f5a-9b7c-1d2e3f4a5b6", false},   // short
		{"6d4f2a1b-8c3e-4f5a-9b7c-1d2e3f4a5b6cd", false}, // long
		{"6d4f2a1b-8c3e-4f5a-9b7c_1d2e3f4a5b6c", false},  // wrong separator
		{"6d4f2a1g-8c3e-4f5a-9b7c-1d2e3f4a5b6c", false},  // not hex
		{"{6d4f2a1b-8c3e-4f5a-9b7c-1d2e3f4a5b6}", false}, // braces
		{"6d4f2a1b-8c3e-4f5a-9b7c-1d2e3f4a5b6\n", false}, // newline
	}
	for _, tt := range tests {
		if got := validStreamID(tt.id); got != tt.want {
			t.Errorf("validStreamID(%q) = %v, want %v", tt.id, got, tt.want)
		}
	}
}
