// SPDX-License-Identifier: Apache-2.0

package detector

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// secret is the password used in every spec below; no error text may contain it.
const secret = "hunter2XYZ"

func TestParseSpecForms(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	zkFile := write("zk", "\n  zk://alice:"+secret+"@10.0.0.1:2181,10.0.0.2:2181/mesos/  \n")
	listFile := write("list", "http://m1:5050,https://m2")
	nested := write("nested", "file://"+listFile)

	type master struct{ url, scheme string }
	for _, tc := range []struct {
		spec    string
		zk      *ZKURL
		masters []master // static: MasterURL with Scheme, and the scheme
	}{
		{spec: "10.0.0.1:5050", masters: []master{{"http://10.0.0.1:5050", ""}}},
		{spec: " master@10.0.0.1:5050 \n", masters: []master{{"http://10.0.0.1:5050", ""}}},
		{spec: "master(1)@10.0.0.1:5050", masters: []master{{"http://10.0.0.1:5050", ""}}},
		{spec: "m1.example.com:5050", masters: []master{{"http://m1.example.com:5050", ""}}},
		{spec: "[::1]:5050", masters: []master{{"http://[::1]:5050", ""}}},
		{spec: "http://m1:5050", masters: []master{{"http://m1:5050", "http"}}},
		{spec: "HTTP://m1:5050/", masters: []master{{"http://m1:5050", "http"}}},
		{spec: "https://m1", masters: []master{{"https://m1:443", "https"}}},
		{spec: "http://10.0.0.1", masters: []master{{"http://10.0.0.1:80", "http"}}},
		{spec: "m1:5050, m2:5051", masters: []master{{"http://m1:5050", ""}, {"http://m2:5051", ""}}},
		{spec: "http://m1:5050,https://m2:5051,m3:5052", masters: []master{
			{"http://m1:5050", "http"}, {"https://m2:5051", "https"}, {"http://m3:5052", ""}}},
		{spec: "zk://h1:2181,h2:2182/mesos", zk: &ZKURL{Servers: []string{"h1:2181", "h2:2182"}, Path: "/mesos"}},
		{spec: "zk://h1/mesos/", zk: &ZKURL{Servers: []string{"h1:2181"}, Path: "/mesos"}},
		{spec: "ZK://h1:2181/a/b", zk: &ZKURL{Servers: []string{"h1:2181"}, Path: "/a/b"}},
		{spec: "zk://[::1]:2181,10.0.0.1/mesos", zk: &ZKURL{Servers: []string{"[::1]:2181", "10.0.0.1:2181"}, Path: "/mesos"}},
		{spec: "zk://alice:" + secret + "@h1:2181/mesos", zk: &ZKURL{Servers: []string{"h1:2181"}, Path: "/mesos", Username: "alice", Password: secret}},
		// Credentials end at the last '@' before the path: passwords may contain '@' and ':'.
		{spec: "zk://alice:p@ss:w@rd@h1:2181/mesos", zk: &ZKURL{Servers: []string{"h1:2181"}, Path: "/mesos", Username: "alice", Password: "p@ss:w@rd"}},
		{spec: "zk://alice:@h1:2181/mesos", zk: &ZKURL{Servers: []string{"h1:2181"}, Path: "/mesos", Username: "alice"}},
		{spec: "file://" + zkFile, zk: &ZKURL{Servers: []string{"10.0.0.1:2181", "10.0.0.2:2181"}, Path: "/mesos", Username: "alice", Password: secret}},
		{spec: "file://" + nested, masters: []master{{"http://m1:5050", "http"}, {"https://m2:443", "https"}}},
	} {
		t.Run(tc.spec, func(t *testing.T) {
			ps, err := parseSpec(tc.spec, 0)
			if err != nil {
				t.Fatalf("parseSpec(%q) = %v", tc.spec, err)
			}
			if tc.zk != nil {
				if ps.zk == nil || !slices.Equal(ps.zk.Servers, tc.zk.Servers) || ps.zk.Path != tc.zk.Path ||
					ps.zk.Username != tc.zk.Username || ps.zk.Password != tc.zk.Password {
					t.Fatalf("got %+v, want zk %+v", ps.zk, tc.zk)
				}
				if s := ps.zk.String(); tc.zk.Password != "" && strings.Contains(s, tc.zk.Password) {
					t.Fatalf("ZKURL.String() = %q shows the password", s)
				}
				return
			}
			if ps.zk != nil || len(ps.static) != len(tc.masters) {
				t.Fatalf("got %+v, want %d static masters", ps, len(tc.masters))
			}
			for i, want := range tc.masters {
				m := ps.static[i]
				u, err := MasterURL(m.info, m.scheme)
				if err != nil || u.String() != want.url || m.scheme != want.scheme {
					t.Errorf("master %d: MasterURL = %v, %v; scheme %q; want %s, %q", i, u, err, m.scheme, want.url, want.scheme)
				}
			}
		})
	}
}

func TestParseSpecErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	rootFile := write("root", "zk://alice:"+secret+"@h1:2181/")
	emptyFile := write("empty", " \n\t ")
	bigFile := write("big", "m1:5050,"+strings.Repeat(" ", maxSpecFileSize))
	loop := filepath.Join(dir, "loop")
	write("loop", "file://"+loop)

	for _, tc := range []struct {
		spec, want string // want: a substring of the error text
	}{
		{"", "empty spec"},
		{"  \n", "empty spec"},
		{"local", "not supported"},
		{"m1", `missing port in "m1"`},
		{"m1:0", "invalid port"},
		{"m1:99999", "invalid port"},
		{"m1:http", "invalid port"},
		{"m1:+5050", "invalid port"},
		{":5050", "empty host"},
		{"m 1:5050", "invalid host"},
		{"m1:5050,", "master #2: empty master address"},
		{"m1:5050,,m2:5050", "master #2: empty master address"},
		{"m1:5050,zk://h1:2181/mesos", "cannot be combined"},
		{"ftp://m1:21", `unsupported scheme "ftp"`},
		{"http://m1:5050/master/api", "no path"},
		{"http://m1:5050?x=1", "no path"},
		{"http://:5050", "empty host"},
		{"http://alice:" + secret + "@m1:5050", "credentials in a master URL are not supported"},
		{"http://alice:hun/ter2XYZ@m1:5050", "credentials"},
		{"alice:" + secret + "@m1:5050", "not a process id"},
		{"@m1:5050", "not a process id"},
		{"zk://h1:2181", "'/' is not supported"},
		{"zk://h1:2181/", "'/' is not supported"},
		{"zk://alice:" + secret + "@h1:2181/", "'/' is not supported"},
		{"zk:///mesos", "no ZooKeeper servers"},
		{"zk://alice:" + secret + "@/mesos", "no ZooKeeper servers"},
		{"zk://h1:2181,,h2:2181/mesos", "empty server #2"},
		{"zk://h1:2181,h2:x/mesos", "server #2"},
		{"zk://alice@h1:2181/mesos", "credentials must be user:password"},
		{"zk://:" + secret + "@h1:2181/mesos", "credentials must be user:password"},
		{"zk://alice:" + secret[:3] + "/" + secret[3:] + "@h1:2181/mesos", "may not contain '/'"},
		{"zk://h1:2181/a//b", "empty component"},
		{"zk://h1:2181/a/../b", "relative component"},
		{"zk://h1:2181/a\x01b", "invalid character"},
		{"file://", "missing file path"},
		{"file://" + filepath.Join(dir, "missing"), "cannot read the file"},
		{"file://" + rootFile, "'/' is not supported"},
		{"file://" + emptyFile, "the file is empty"},
		{"file://" + bigFile, "file larger than"},
		{"file://" + loop, "nested more than"},
	} {
		t.Run(tc.spec, func(t *testing.T) {
			ps, err := parseSpec(tc.spec, 0)
			if err == nil {
				t.Fatalf("parseSpec(%q) = %+v, want an error", tc.spec, ps)
			}
			var se *SpecError
			if !errors.As(err, &se) || !errors.Is(err, ErrInvalidSpec) {
				t.Fatalf("error %v (%T) is not a *SpecError matching ErrInvalidSpec", err, err)
			}
			msg := err.Error()
			if !strings.Contains(msg, tc.want) {
				t.Errorf("error %q does not contain %q", msg, tc.want)
			}
			if !strings.HasPrefix(msg, "detector: ") {
				t.Errorf("error %q lacks the package prefix", msg)
			}
			for _, leak := range []string{secret, "hun/ter2XYZ", "ter2XYZ"} {
				if strings.Contains(msg, leak) {
					t.Errorf("error %q contains the password", msg)
				}
			}
			// Parse (the public entry point) fails the same way.
			if d, err := Parse(tc.spec); err == nil || err.Error() != msg {
				if d != nil {
					d.Close()
				}
				t.Errorf("Parse(%q) = %v, want %q", tc.spec, err, msg)
			}
		})
	}
}

func TestParseFileErrorWrapsCause(t *testing.T) {
	_, err := Parse("file:///nonexistent/mesoskit/master")
	if !errors.Is(err, fs.ErrNotExist) || !errors.Is(err, ErrInvalidSpec) {
		t.Fatalf("Parse(missing file) = %v; want ErrInvalidSpec wrapping fs.ErrNotExist", err)
	}
}

func TestParseStatic(t *testing.T) {
	d, err := Parse("http://m1:5050,https://10.0.0.2:5051")
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	s, ok := d.(*Static)
	if !ok {
		t.Fatalf("Parse(list) = %T, want *Static", d)
	}
	if got := len(s.Masters()); got != 2 {
		t.Fatalf("Masters() has %d entries, want 2", got)
	}
}

func TestRedactSpec(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"zk://alice:" + secret + "@h1:2181/mesos", "zk://alice:xxxxx@h1:2181/mesos"},
		{"zk://alice:a@b@h1:2181/mesos", "zk://alice:xxxxx@h1:2181/mesos"},
		{"zk://alice:hun/ter@h1:2181/mesos", "zk://xxxxx"},
		{"zk://h1:2181/mesos", "zk://h1:2181/mesos"},
		{"http://alice:" + secret + "@m1:5050,m2:5050", "http://alice:xxxxx@m1:5050,m2:5050"},
		{"alice:" + secret + "@m1:5050", "xxxxx@m1:5050"},
		{"master@10.0.0.1:5050", "master@10.0.0.1:5050"},
		{"file:///etc/mesos/zk", "file:///etc/mesos/zk"},
	} {
		if got := redactSpec(tc.in); got != tc.want {
			t.Errorf("redactSpec(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// FuzzParse checks that parsing never panics, that accepted specs are usable, that errors are *SpecError,
// and that a password in any credential position never appears in an error.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"10.0.0.1:5050", "master@10.0.0.1:5050", "http://m1:5050", "https://m1", "m1:5050,m2:5050",
		"[::1]:5050", "zk://h1:2181,h2:2182/mesos", "zk://u:p@ss@h1/mesos/", "zk://h1:2181/", "file:///x",
		"zk://u:pa/ss@h1/m", "http://u:p@h/", "a:b@c:1", "local", "", ",", "zk://", "http://[::1", "m1:-1",
	} {
		f.Add(s)
	}
	const marker = "Zq9SECRETzq"
	check := func(t *testing.T, spec string, secretInside bool) {
		ps, err := parseSpec(spec, maxSpecFileDepth) // no file is read at this depth
		if err != nil {
			if !errors.Is(err, ErrInvalidSpec) {
				t.Fatalf("parseSpec(%q) error %v is not ErrInvalidSpec", spec, err)
			}
			if secretInside && strings.Contains(err.Error(), marker) {
				t.Fatalf("parseSpec(%q) error %q shows the password", spec, err)
			}
			return
		}
		if ps.zk != nil {
			if len(ps.zk.Servers) == 0 || validZKPath(ps.zk.Path) != nil {
				t.Fatalf("parseSpec(%q) accepted %+v", spec, ps.zk)
			}
			if strings.Contains(ps.zk.String(), marker) {
				t.Fatalf("ZKURL.String() = %q shows the password", ps.zk.String())
			}
			return
		}
		if len(ps.static) == 0 {
			t.Fatalf("parseSpec(%q) accepted no masters", spec)
		}
		for _, m := range ps.static {
			if _, err := MasterURL(m.info, m.scheme); err != nil {
				t.Fatalf("parseSpec(%q) accepted a master without URL: %v", spec, err)
			}
		}
	}
	f.Fuzz(func(t *testing.T, spec string) {
		check(t, spec, false)
		if strings.Contains(spec, marker) {
			return
		}
		for _, prefix := range []string{"zk://alice:", "http://alice:", "alice:", "m1:5050,https://bob:"} {
			check(t, prefix+marker+"@"+spec, true)
		}
	})
}
