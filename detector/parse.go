// SPDX-License-Identifier: Apache-2.0

package detector

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

const (
	// maxSpecFileSize bounds what a file:// spec may point at.
	maxSpecFileSize = 64 << 10
	// maxSpecFileDepth bounds file:// specs pointing at files holding file:// specs.
	maxSpecFileDepth = 4
)

// Parse makes a detector from a master spec, in every form Mesos accepts (the whole spec is trimmed first):
//
//   - "host:port" or "master@ip:port" (a libprocess PID): a static master, spoken to in the caller's
//     scheme (see Scheme);
//   - "http://host:port" or "https://host:port": a static master with that scheme (a missing port means 80
//     or 443; a path, query or credentials are rejected);
//   - a comma-separated list of the above: a [Static] detector that reports the first and moves on to the
//     next when told the current one is unreachable ([Rotate]); a non-leading master answers with a
//     redirect to the leader, which the client follows;
//   - "zk://[user:password@]host1:port1[,host2:port2...]/path": a [ZK] detector (see ParseZKURL for the
//     parsing rules; the path "/" is rejected);
//   - "file:///path/to/file" (or "file://relative/path"): the file's content, trimmed, parsed again as any
//     of these forms. The file may be at most 64 KiB, and file:// specs may nest at most 4 deep.
//
// Options apply to ZooKeeper detectors. A malformed spec gives a *SpecError (errors.Is ErrInvalidSpec) that
// names what is wrong and never contains the password.
func Parse(spec string, opts ...Option) (Detector, error) {
	ps, err := parseSpec(spec, 0)
	if err != nil {
		return nil, err
	}
	if u := ps.zk; u != nil {
		if u.Username != "" {
			opts = append(append([]Option{}, opts...), WithDigestAuth(u.Username, u.Password))
		}
		return NewZK(u.Servers, u.Path, opts...)
	}
	return newStatic(ps.static), nil
}

// parsedSpec is a syntactically valid spec: either a ZooKeeper URL or static masters.
type parsedSpec struct {
	zk     *ZKURL
	static []staticMaster
}

// parseSpec checks a spec and reads file:// specs; it connects to nothing.
func parseSpec(spec string, depth int) (*parsedSpec, error) {
	s := strings.TrimSpace(spec)
	scheme, _ := specScheme(s)
	switch {
	case s == "":
		return nil, &SpecError{Spec: "", Reason: "empty spec"}
	case scheme == "zk":
		u, err := ParseZKURL(s)
		if err != nil {
			return nil, err
		}
		return &parsedSpec{zk: u}, nil
	case scheme == "file":
		content, err := readSpecFile(s, depth)
		if err != nil {
			return nil, err
		}
		ps, err := parseSpec(content, depth+1)
		var se *SpecError
		if errors.As(err, &se) {
			return nil, &SpecError{Spec: s, Reason: fmt.Sprintf("in the file's content %q: %s", se.Spec, se.Reason), Err: se.Err}
		}
		return ps, err
	case s == "local":
		return nil, &SpecError{Spec: s, Reason: `"local" (an in-process cluster) is not supported; see package mesostest`}
	}
	ms, err := parseStaticMasters(strings.Split(s, ","))
	if err != nil {
		return nil, err
	}
	return &parsedSpec{static: ms}, nil
}

func readSpecFile(s string, depth int) (string, error) {
	path := s[len("file://"):]
	if path == "" {
		return "", &SpecError{Spec: s, Reason: "missing file path"}
	}
	if depth >= maxSpecFileDepth {
		return "", &SpecError{Spec: s, Reason: fmt.Sprintf("file:// specs nested more than %d deep", maxSpecFileDepth)}
	}
	f, err := os.Open(path)
	if err != nil {
		return "", &SpecError{Spec: s, Reason: "cannot read the file: " + err.Error(), Err: err}
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxSpecFileSize+1))
	if err != nil {
		return "", &SpecError{Spec: s, Reason: "cannot read the file: " + err.Error(), Err: err}
	}
	if len(b) > maxSpecFileSize {
		return "", &SpecError{Spec: s, Reason: fmt.Sprintf("file larger than %d bytes", maxSpecFileSize)}
	}
	content := strings.TrimSpace(string(b))
	if content == "" {
		return "", &SpecError{Spec: s, Reason: "the file is empty"}
	}
	return content, nil
}

// specScheme returns the lower-cased scheme of "scheme://..." when the part before "://" looks like one.
func specScheme(s string) (string, bool) {
	i := strings.Index(s, "://")
	if i <= 0 {
		return "", false
	}
	for j, r := range s[:i] {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z':
		case j > 0 && (r >= '0' && r <= '9' || r == '+' || r == '-' || r == '.'):
		default:
			return "", false
		}
	}
	return strings.ToLower(s[:i]), true
}

// redactSpec returns s with every password replaced by "xxxxx": in zk:// URLs (Mesos's rules), in
// http(s):// URLs with user info, and in list elements that look like "user:password@host". When it cannot
// tell where a password ends, it hides everything after the scheme.
func redactSpec(s string) string {
	if scheme, ok := specScheme(s); ok && scheme == "zk" {
		return redactZK(s)
	}
	if scheme, ok := specScheme(s); ok && scheme == "file" {
		return s
	}
	parts := strings.Split(s, ",")
	for i, e := range parts {
		parts[i] = redactElem(e)
	}
	return strings.Join(parts, ",")
}

func redactElem(e string) string {
	if _, ok := specScheme(e); ok {
		i := strings.Index(e, "://")
		rest := e[i+3:]
		end := strings.IndexAny(rest, "/?#")
		if end < 0 {
			end = len(rest)
		}
		authority, tail := rest[:end], rest[end:]
		if at := strings.LastIndex(authority, "@"); at >= 0 {
			return e[:i+3] + redactUserinfo(authority[:at]) + "@" + authority[at+1:] + tail
		}
		if strings.Contains(tail, "@") {
			return e[:i+3] + "xxxxx"
		}
		return e
	}
	if at := strings.LastIndex(e, "@"); at >= 0 && strings.ContainsAny(e[:at], ":/") {
		return "xxxxx@" + e[at+1:]
	}
	return e
}

// redactUserinfo keeps the user name and hides the password.
func redactUserinfo(userinfo string) string {
	user, _, ok := strings.Cut(userinfo, ":")
	if !ok || strings.ContainsAny(user, "/@") {
		return "xxxxx"
	}
	return user + ":xxxxx"
}

func redactZK(s string) string {
	rest := s[len("zk://"):]
	authority, path := rest, ""
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		authority, path = rest[:i], rest[i:]
	}
	if at := strings.LastIndex(authority, "@"); at >= 0 {
		return s[:len("zk://")] + redactUserinfo(authority[:at]) + "@" + authority[at+1:] + path
	}
	if strings.Contains(path, "@") {
		// Probably a password containing '/': the path starts inside it.
		return s[:len("zk://")] + "xxxxx"
	}
	return s
}
