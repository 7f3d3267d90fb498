// SPDX-License-Identifier: Apache-2.0

package scheduler

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// apiPath is the scheduler endpoint on a master.
const apiPath = "/api/v1/scheduler"

// resolveLocation returns where a 307 from cur sends a SUBSCRIBE. Mesos
// sends a protocol-relative Location, "//host:port/master/api/v1/scheduler",
// which keeps cur's scheme. Absolute http(s) URLs and absolute paths are
// accepted too (but never one from https to http), and so is a bare
// "host:port" (an error in old Mesos docs); an empty path means the
// scheduler endpoint. Query and fragment are dropped.
func resolveLocation(cur *url.URL, loc string) (*url.URL, error) {
	loc = strings.TrimSpace(loc)
	if loc == "" {
		return nil, errors.New("scheduler: redirect without Location")
	}
	if !strings.HasPrefix(loc, "/") && !strings.Contains(loc, "://") {
		loc = "//" + loc // bare host:port[/path]
	}
	ref, err := url.Parse(loc)
	if err != nil {
		return nil, fmt.Errorf("scheduler: redirect to invalid Location %q: %w", loc, err)
	}
	u := cur.ResolveReference(ref)
	if u.User != nil {
		return nil, errors.New("scheduler: redirect Location carries credentials")
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("scheduler: redirect to unsupported scheme in Location %q", loc)
	}
	if cur.Scheme == "https" && u.Scheme == "http" {
		// Credentials and calls would then travel in the clear.
		return nil, fmt.Errorf("scheduler: redirect from https to http refused (Location %q)", loc)
	}
	if u.Host == "" || u.Hostname() == "" {
		return nil, fmt.Errorf("scheduler: redirect without host in Location %q", loc)
	}
	if u.Path == "" || u.Path == "/" {
		u.Path = apiPath
	}
	u.RawPath, u.RawQuery, u.Fragment, u.RawFragment, u.ForceQuery = "", "", "", "", false
	return u, nil
}

// validStreamID reports whether s is a canonical UUID string, as every
// Mesos-Stream-Id is (8-4-4-4-12 hexadecimal digits).
func validStreamID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
				return false
			}
		}
	}
	return true
}
