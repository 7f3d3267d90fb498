// SPDX-License-Identifier: Apache-2.0

package detector

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// DefaultZKPort is the port assumed for a ZooKeeper server given without one.
const DefaultZKPort = 2181

// ZKURL is a parsed "zk://" master spec.
type ZKURL struct {
	Servers  []string // "host:port" each, in the order given
	Path     string   // absolute, without a trailing '/', never "/"
	Username string   // digest credentials; empty when none were given
	Password string
}

// String renders the URL with the password replaced by "xxxxx".
func (u *ZKURL) String() string {
	auth := ""
	if u.Username != "" {
		auth = u.Username + ":xxxxx@"
	}
	return "zk://" + auth + strings.Join(u.Servers, ",") + u.Path
}

// ParseZKURL parses "zk://[user:password@]host1:port1[,host2:port2...]/path" by Mesos's rules: after "zk://"
// (the spec is trimmed first; the scheme is matched case-insensitively), everything from the first '/' on is
// the path, and the credentials are everything before the last '@' of what precedes it — so a password may
// contain '@' but not '/'. The credentials are "user:password", used as ZooKeeper digest auth. One trailing
// '/' is removed from the path; the root path is rejected (Mesos does not support it). Servers must be
// host[:port] (default port 2181; IPv6 in brackets). Errors are *SpecError and never contain the password.
func ParseZKURL(spec string) (*ZKURL, error) {
	s := strings.TrimSpace(spec)
	if scheme, _ := specScheme(s); scheme != "zk" {
		return nil, &SpecError{Spec: redactSpec(s), Reason: `want "zk://"`}
	}
	s = "zk://" + s[len("zk://"):]
	red := redactZK(s)
	bad := func(format string, args ...any) error {
		return &SpecError{Spec: red, Reason: fmt.Sprintf(format, args...)}
	}
	rest := s[len("zk://"):]
	authority, path := rest, ""
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		authority, path = rest[:i], rest[i:]
	}
	u := &ZKURL{}
	hosts := authority
	if at := strings.LastIndex(authority, "@"); at >= 0 {
		creds := authority[:at]
		hosts = authority[at+1:]
		user, pass, ok := strings.Cut(creds, ":")
		if !ok || user == "" {
			return nil, bad("credentials must be user:password")
		}
		u.Username, u.Password = user, pass
	} else if strings.Contains(path, "@") {
		return nil, bad("'@' after the first '/': a password may not contain '/'")
	}
	if hosts == "" {
		return nil, bad("no ZooKeeper servers")
	}
	for i, h := range strings.Split(hosts, ",") {
		h = strings.TrimSpace(h)
		if h == "" {
			return nil, bad("empty server #%d in the list", i+1)
		}
		host, port, err := splitHostPort(h, false)
		if err != nil {
			return nil, bad("server #%d: %v", i+1, err)
		}
		if port == 0 {
			port = DefaultZKPort
		}
		u.Servers = append(u.Servers, joinHostPort(host, port))
	}
	path = strings.TrimSuffix(path, "/")
	if path == "" {
		return nil, bad("expecting a (chroot) path for ZooKeeper ('/' is not supported)")
	}
	if err := validZKPath(path); err != nil {
		return nil, bad("%v", err)
	}
	u.Path = path
	return u, nil
}

func joinHostPort(host string, port int) string {
	if strings.Contains(host, ":") {
		return "[" + host + "]:" + strconv.Itoa(port)
	}
	return host + ":" + strconv.Itoa(port)
}

// validZKPath applies ZooKeeper's path rules: absolute, no empty, "." or ".." components, no trailing '/',
// no NUL, control or reserved characters.
func validZKPath(p string) error {
	if !strings.HasPrefix(p, "/") {
		return fmt.Errorf("path %q is not absolute", p)
	}
	if p == "/" {
		return fmt.Errorf("path '/' is not supported")
	}
	if strings.HasSuffix(p, "/") {
		return fmt.Errorf("path %q ends with '/'", p)
	}
	if !utf8.ValidString(p) {
		return fmt.Errorf("path is not valid UTF-8")
	}
	for _, c := range strings.Split(p[1:], "/") {
		switch c {
		case "":
			return fmt.Errorf("path %q has an empty component", p)
		case ".", "..":
			return fmt.Errorf("path %q has a relative component %q", p, c)
		}
	}
	for _, r := range p {
		if r < 0x20 || (r >= 0x7f && r <= 0x9f) || (r >= 0xd800 && r <= 0xf8ff) || (r >= 0xfff0 && r <= 0xffff) {
			return fmt.Errorf("path contains the invalid character %U", r)
		}
	}
	return nil
}
