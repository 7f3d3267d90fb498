// SPDX-License-Identifier: Apache-2.0

package operator

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// apiPath is the operator API endpoint of masters and agents.
const apiPath = "/api/v1"

// resolveLocation returns where a 307 from cur sends a request. A
// non-leading Mesos master answers "//<leader host>:<port><request path and
// query>", protocol-relative so that the scheme of the request is kept
// (src/master/http.cpp, Master::Http::redirect). Absolute http(s) URLs and
// absolute paths are accepted too (never one from https to http), and so is
// a bare "host:port"; an empty path means the operator endpoint. The query
// is kept (files API requests carry theirs); the fragment is dropped.
func resolveLocation(cur *url.URL, loc string) (*url.URL, error) {
	loc = strings.TrimSpace(loc)
	if loc == "" {
		return nil, errors.New("operator: redirect without Location")
	}
	if !strings.HasPrefix(loc, "/") && !strings.Contains(loc, "://") {
		loc = "//" + loc // bare host:port[/path]
	}
	ref, err := url.Parse(loc)
	if err != nil {
		return nil, fmt.Errorf("operator: redirect to invalid Location %q: %w", truncate(loc, 128), err)
	}
	u := cur.ResolveReference(ref)
	if u.User != nil {
		return nil, errors.New("operator: redirect Location carries credentials")
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("operator: redirect to unsupported scheme in Location %q", truncate(loc, 128))
	}
	if cur.Scheme == "https" && u.Scheme == "http" {
		// Credentials would then travel in the clear.
		return nil, fmt.Errorf("operator: redirect from https to http refused (Location %q)", truncate(loc, 128))
	}
	if u.Host == "" || u.Hostname() == "" {
		return nil, fmt.Errorf("operator: redirect without host in Location %q", truncate(loc, 128))
	}
	if u.Path == "" || u.Path == "/" {
		u.Path, u.RawPath = apiPath, ""
	}
	u.Fragment, u.RawFragment = "", ""
	return u, nil
}
