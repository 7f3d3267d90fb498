// SPDX-License-Identifier: Apache-2.0

package mesostest

import (
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/mesoskit/mesoskit/internal/httpapi"
	"github.com/mesoskit/mesoskit/mesosproto"
)

// filesFixture runs a command task that writes stdout and stderr and
// returns the agent's base URL, the task's sandbox (the executor's
// "directory") and its virtual runs/latest path.
func filesFixture(t *testing.T) (srv *Server, base, dir, latest string) {
	t.Helper()
	srv = newServer(t)
	agentID := srv.AgentIDs()[0]
	base = srv.AgentURL(agentID)
	s := newClient(t, srv, httpapi.JSON).subscribe(frameworkInfo("files"))
	o := s.offers()[0]
	s.mustCall(launchCall(o, nil, shellTask("writer", o, `printf 'line one\nline "two"\n'; echo oops >&2; mkdir sub`)), http.StatusAccepted)
	if _, err := srv.WaitTask(testCtx(t), "writer", mesosproto.TaskState_TASK_FINISHED); err != nil {
		t.Fatal(err)
	}
	var st agentStateJSON
	decodeJSON(t, agentGet(t, base+"/state"), &st)
	if len(st.Frameworks) != 1 || len(st.Frameworks[0].Executors) != 1 {
		t.Fatalf("state %+v", st)
	}
	dir = st.Frameworks[0].Executors[0].Directory
	latest = "/frameworks/" + s.fwID + "/executors/writer/runs/latest"
	return srv, base, dir, latest
}

func filesURL(base, endpoint string, kv ...string) string {
	q := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		q.Add(kv[i], kv[i+1])
	}
	return base + "/files/" + endpoint + "?" + q.Encode()
}

type readJSON struct {
	Data   string `json:"data"`
	Offset int64  `json:"offset"`
}

// A real process's stdout read through /files/read (FilesProcess::__read,
// src/files/files.cpp) under the three paths the agent attaches, with
// offsets and lengths as the web UI's pailer sends them.
func TestFilesReadStdout(t *testing.T) {
	_, base, dir, latest := filesFixture(t)
	const stdout = "line one\nline \"two\"\n"
	realLatest := filepath.Join(filepath.Dir(dir), "latest")
	for _, p := range []string{dir, latest, realLatest, latest + "/"} {
		var r readJSON
		decodeJSON(t, agentGet(t, filesURL(base, "read", "path", p+"/stdout", "offset", "0")), &r)
		if r.Data != stdout || r.Offset != 0 {
			t.Errorf("%s: %+v", p, r)
		}
	}
	cases := []struct {
		kv   []string
		want readJSON
	}{
		{nil, readJSON{"", int64(len(stdout))}},                                   // no offset: the size
		{[]string{"offset", "-1"}, readJSON{"", int64(len(stdout))}},              // likewise
		{[]string{"offset", "5", "length", "3"}, readJSON{"one", 5}},              // a slice
		{[]string{"offset", "5", "length", "-1"}, readJSON{stdout[5:], 5}},        // -1: to the end
		{[]string{"offset", "0x5", "length", "0X3"}, readJSON{"one", 5}},          // numify takes hex
		{[]string{"offset", "5", "length", "0"}, readJSON{"", 5}},                 // zero length
		{[]string{"offset", "1000"}, readJSON{"", 1000}},                          // past the end
		{[]string{"offset", "0", "length", "1099511627776"}, readJSON{stdout, 0}}, // huge length
	}
	for _, c := range cases {
		var r readJSON
		decodeJSON(t, agentGet(t, filesURL(base, "read", append([]string{"path", latest + "/stdout"}, c.kv...)...)), &r)
		if r != c.want {
			t.Errorf("%v: %+v, want %+v", c.kv, r, c.want)
		}
	}
	// POST reads the same; jsonp wraps; the raw JSON is rapidjson's escaping.
	r := agentDo(t, http.MethodPost, filesURL(base, "read", "path", latest+"/stdout", "offset", "0", "jsonp", "f"))
	if r.status != http.StatusOK || r.header.Get("Content-Type") != "text/javascript" ||
		r.body != `f({"data":"line one\nline \"two\"\n","offset":0})` {
		t.Errorf("jsonp read: %d %q %q", r.status, r.header.Get("Content-Type"), r.body)
	}

	// A length beyond 16 pages is cut to 16 pages.
	page := os.Getpagesize()
	big := strings.Repeat("x", 20*page)
	if err := os.WriteFile(filepath.Join(dir, "big"), []byte(big), 0o644); err != nil {
		t.Fatal(err)
	}
	var rb readJSON
	decodeJSON(t, agentGet(t, filesURL(base, "read", "path", latest+"/big", "offset", "10", "length", strconv.Itoa(18*page))), &rb)
	if len(rb.Data) != 16*page || rb.Offset != 10 {
		t.Errorf("big read: %d bytes at %d, want %d", len(rb.Data), rb.Offset, 16*page)
	}
}

// Bad input gets FilesProcess's status codes and bodies.
func TestFilesBadInput(t *testing.T) {
	_, base, _, latest := filesFixture(t)
	read := func(kv ...string) httpResult {
		return agentGet(t, filesURL(base, "read", kv...))
	}
	for _, ep := range []string{"browse", "read", "download"} {
		expectText(t, agentGet(t, base+"/files/"+ep), http.StatusBadRequest, "Expecting 'path=value' in query.\n")
		expectText(t, agentGet(t, filesURL(base, ep, "path", "")), http.StatusBadRequest, "Expecting 'path=value' in query.\n")
	}
	p := latest + "/stdout"
	expectText(t, read("path", p, "offset", "abc"), http.StatusBadRequest, "Failed to parse offset: Failed to convert 'abc' to number.\n")
	expectText(t, read("path", p, "offset", "1.5"), http.StatusBadRequest, "Failed to parse offset: Failed to convert '1.5' to number.\n")
	expectText(t, read("path", p, "offset", "-2"), http.StatusBadRequest, "Negative offset provided: -2.\n")
	expectText(t, read("path", p, "offset", "0", "length", "x"), http.StatusBadRequest, "Failed to parse length: Failed to convert 'x' to number.\n")
	expectText(t, read("path", p, "offset", "0", "length", "-7"), http.StatusBadRequest, "Negative length provided: -7.\n")
	expectText(t, read("path", p, "offset", "99999999999999999999"), http.StatusBadRequest,
		"Failed to parse offset: Failed to convert '99999999999999999999' to number.\n")
	// Unknown paths: 404 with FilesError's empty message.
	expectText(t, read("path", latest+"/nothing", "offset", "0"), http.StatusNotFound, "")
	expectText(t, read("path", "/frameworks/x/executors/y/runs/latest/stdout", "offset", "0"), http.StatusNotFound, "")
	expectText(t, read("path", "/etc/passwd", "offset", "0"), http.StatusNotFound, "")
	expectText(t, agentGet(t, filesURL(base, "browse", "path", "/nope")), http.StatusNotFound, "")
	expectText(t, agentGet(t, filesURL(base, "download", "path", "/nope")), http.StatusNotFound, "404 Not Found.")
	// Directories.
	expectText(t, read("path", latest+"/sub", "offset", "0"), http.StatusBadRequest, "Cannot read a directory.\n")
	expectText(t, read("path", latest, "offset", "0"), http.StatusBadRequest, "Cannot read a directory.\n")
	expectText(t, agentGet(t, filesURL(base, "download", "path", latest)), http.StatusBadRequest, "Cannot download a directory.\n")
	// A file used as a directory: realpath fails with ENOTDIR.
	r := read("path", latest+"/stdout/x", "offset", "0")
	if r.status != http.StatusBadRequest || !strings.HasPrefix(r.body, "Failed to determine canonical path of '") ||
		!strings.HasSuffix(r.body, "': Not a directory.\n") {
		t.Errorf("file as directory: %d %q", r.status, r.body)
	}
}

// Nothing outside a sandbox is ever served: "../" in every spelling, and
// symlinks in the sandbox that point out of it (even to a sibling
// directory whose name starts with the sandbox's).
func TestFilesTraversal(t *testing.T) {
	_, base, dir, latest := filesFixture(t)
	secret := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(secret, []byte("secret"), 0o600); err != nil {
		t.Fatal(err)
	}
	sibling := dir + "-evil"
	if err := os.Mkdir(sibling, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(sibling, "f"), []byte("evil"), 0o644); err != nil {
		t.Fatal(err)
	}
	for name, target := range map[string]string{"out": secret, "outdir": filepath.Dir(secret), "sib": sibling, "up": ".."} {
		if err := os.Symlink(target, filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	// A symlink that stays inside is fine.
	if err := os.Symlink("stdout", filepath.Join(dir, "inside")); err != nil {
		t.Fatal(err)
	}
	var in readJSON
	decodeJSON(t, agentGet(t, filesURL(base, "read", "path", latest+"/inside", "offset", "0", "length", "4")), &in)
	if in.Data != "line" {
		t.Errorf("inside symlink: %+v", in)
	}

	bad := []string{
		latest + "/" + strings.Repeat("../", 30) + "etc/passwd",
		latest + "/..",
		latest + "/sub/../..",
		dir + "/../" + filepath.Base(dir) + "-evil/f",
		latest + "/out",
		latest + "/outdir/secret",
		latest + "/sib/f",
		latest + "/up",
		latest + "/up/" + filepath.Base(dir) + "-evil/f",
	}
	for _, p := range bad {
		for _, ep := range []string{"read", "download", "browse"} {
			r := agentGet(t, filesURL(base, ep, "path", p, "offset", "0"))
			if r.status != http.StatusBadRequest || !strings.HasSuffix(r.body, "' is inaccessible.\n") ||
				strings.Contains(r.body, "secret\"") || strings.Contains(r.body, "evil\"") {
				t.Errorf("%s %s: %d %q", ep, p, r.status, r.body)
			}
		}
	}
	// Percent-encoded dots are decoded first and refused alike.
	r := agentGet(t, base+"/files/read?offset=0&path="+strings.ReplaceAll(url.QueryEscape(latest), "%2F", "/")+"/%2e%2e/%2E%2E/%2e%2e/x")
	if r.status != http.StatusBadRequest && r.status != http.StatusNotFound {
		t.Errorf("encoded dots: %d %q", r.status, r.body)
	}
	if strings.Contains(r.body, "secret") {
		t.Errorf("encoded dots served %q", r.body)
	}
}

// /files/browse lists model(FileInfo) objects under the requested virtual
// path; /files/download serves the raw file as an attachment; /files/debug
// shows the attached paths.
func TestFilesBrowseDownloadDebug(t *testing.T) {
	_, base, dir, latest := filesFixture(t)
	if err := os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("hello"), 0o640); err != nil {
		t.Fatal(err)
	}
	var list []struct {
		Path  string  `json:"path"`
		Mode  string  `json:"mode"`
		Size  int64   `json:"size"`
		Nlink int     `json:"nlink"`
		Mtime float64 `json:"mtime"`
		UID   string  `json:"uid"`
		GID   string  `json:"gid"`
	}
	decodeJSON(t, agentGet(t, filesURL(base, "browse", "path", latest)), &list)
	var names []string
	for _, e := range list {
		names = append(names, e.Path)
		if e.Mtime <= 0 || e.UID == "" || e.GID == "" || e.Nlink < 1 {
			t.Errorf("entry %+v", e)
		}
		switch filepath.Base(e.Path) {
		case "notes.txt":
			if e.Mode != "-rw-r-----" || e.Size != 5 {
				t.Errorf("notes.txt %+v", e)
			}
		case "sub":
			if !strings.HasPrefix(e.Mode, "d") {
				t.Errorf("sub %+v", e)
			}
		}
	}
	want := []string{latest + "/notes.txt", latest + "/stderr", latest + "/stdout", latest + "/sub"}
	if strings.Join(names, " ") != strings.Join(want, " ") {
		t.Errorf("browse %v, want %v", names, want)
	}
	// The same directory under its real path lists real-path names;
	// browsing a file lists nothing.
	list = nil
	decodeJSON(t, agentGet(t, filesURL(base, "browse", "path", dir+"/")), &list)
	if len(list) != 4 || list[2].Path != dir+"/stdout" {
		t.Errorf("browse of the directory: %+v", list)
	}
	list = nil
	decodeJSON(t, agentGet(t, filesURL(base, "browse", "path", latest+"/stdout")), &list)
	if len(list) != 0 {
		t.Errorf("browse of a file: %+v", list)
	}

	r := agentGet(t, filesURL(base, "download", "path", latest+"/stderr"))
	if r.status != http.StatusOK || r.body != "oops\n" || r.header.Get("Content-Type") != "application/octet-stream" ||
		r.header.Get("Content-Disposition") != "attachment; filename=stderr" {
		t.Errorf("download stderr: %d %v %q", r.status, r.header, r.body)
	}
	r = agentDo(t, http.MethodPost, filesURL(base, "download", "path", latest+"/notes.txt"))
	if r.status != http.StatusOK || r.body != "hello" || r.header.Get("Content-Type") != "text/plain" {
		t.Errorf("download notes.txt: %d %v %q", r.status, r.header, r.body)
	}

	var debug map[string]string
	decodeJSON(t, agentGet(t, base+"/files/debug"), &debug)
	canon, err := filepath.EvalSymlinks(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(debug) != 3 || debug[dir] != canon || debug[latest] != canon || debug[filepath.Join(filepath.Dir(dir), "latest")] != canon {
		t.Errorf("debug %v", debug)
	}
	raw := agentGet(t, base+"/files/debug?jsonp=x")
	if !strings.HasPrefix(raw.body, "x({") || raw.header.Get("Content-Type") != "text/javascript" {
		t.Errorf("debug jsonp %q", raw.body)
	}
	if !json.Valid([]byte(strings.TrimSuffix(strings.TrimPrefix(raw.body, "x("), ")"))) {
		t.Errorf("debug jsonp body %q", raw.body)
	}
}

// The internal functions the operator API's LIST_FILES and READ_FILE use
// return FilesError values with Mesos's types (their HTTP statuses) and
// messages.
func TestAgentFilesInternal(t *testing.T) {
	srv, _, dir, latest := filesFixture(t)
	agentID := srv.AgentIDs()[0]
	entries, err := srv.listAgentFiles(agentID, latest)
	if err != nil || len(entries) != 3 || entries[1].Path != latest+"/stdout" || entries[1].Size != 20 ||
		entries[2].Mode&0o170000 != 0o040000 || entries[1].UID == "" {
		t.Errorf("listAgentFiles: %+v, %v", entries, err)
	}
	size, data, err := srv.readAgentFile(agentID, dir+"/stdout", 5, 3)
	if err != nil || size != 20 || string(data) != "one" {
		t.Errorf("readAgentFile: %d %q %v", size, data, err)
	}
	size, data, err = srv.readAgentFile(agentID, latest+"/stderr", 0, -1)
	if err != nil || size != 5 || string(data) != "oops\n" {
		t.Errorf("readAgentFile to the end: %d %q %v", size, data, err)
	}
	check := func(err error, status int, msg string) {
		t.Helper()
		fe, ok := err.(*filesError)
		if !ok || fe.status() != status || fe.msg != msg {
			t.Errorf("error %#v, want %d %q", err, status, msg)
		}
	}
	_, err = srv.listAgentFiles(agentID, "/nothing")
	check(err, 404, "")
	_, err = srv.listAgentFiles("no-such-agent", latest)
	check(err, 404, "")
	_, _, err = srv.readAgentFile(agentID, latest+"/sub", 0, -1)
	check(err, 400, "Cannot read a directory.\n")
	_, _, err = srv.readAgentFile(agentID, latest+"/../../x", 0, -1)
	if fe, ok := err.(*filesError); !ok || fe.status() != 400 && fe.status() != 404 {
		t.Errorf("traversal: %v", err)
	}
}
