// SPDX-License-Identifier: Apache-2.0

package operator_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/mesoskit/mesoskit/mesosproto/agentpb"
)

// fakeAgent serves an agent's files API over one directory attached at the
// virtual path "/sandbox", written from src/files/files.cpp
// (FilesProcess::__read, _read, _browse, browse) — the agent-files branch
// that makes mesostest serve it has not landed on this branch — and the
// agent's /api/v1 with a canned answer per call (src/slave/http.cpp,
// Http::api, checks as decodeCall).
type fakeAgent struct {
	t   *testing.T
	srv *httptest.Server
	dir string

	mu       sync.Mutex
	reads    int // /files/read requests
	calls    []*agentpb.Call
	respond  func(*agentpb.Call) *agentpb.Response
	onRead   func(n int) // called before answering the n-th read (1-based)
	pageSize int
}

func newFakeAgent(t *testing.T) *fakeAgent {
	t.Helper()
	a := &fakeAgent{t: t, dir: t.TempDir(), pageSize: 4096}
	mux := http.NewServeMux()
	mux.HandleFunc("/files/read", a.read)
	mux.HandleFunc("/files/browse", a.browse)
	mux.HandleFunc("/api/v1", a.api)
	a.srv = httptest.NewServer(mux)
	t.Cleanup(a.srv.Close)
	return a
}

func (a *fakeAgent) hostPort() string { return strings.TrimPrefix(a.srv.URL, "http://") }

func (a *fakeAgent) readCount() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.reads
}

// write sets the content of a file under the sandbox.
func (a *fakeAgent) write(name, content string) {
	a.t.Helper()
	if err := os.WriteFile(filepath.Join(a.dir, name), []byte(content), 0o644); err != nil {
		a.t.Fatal(err)
	}
}

// appendTo appends to a file under the sandbox.
func (a *fakeAgent) appendTo(name, content string) {
	a.t.Helper()
	f, err := os.OpenFile(filepath.Join(a.dir, name), os.O_APPEND|os.O_WRONLY|os.O_CREATE, 0o644)
	if err != nil {
		a.t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(content); err != nil {
		a.t.Fatal(err)
	}
}

// resolve maps a virtual path under /sandbox to the directory; "" when it
// is outside (404, as an unattached path is in Mesos).
func (a *fakeAgent) resolve(p string) string {
	p = filepath.Clean("/" + p)
	if p != "/sandbox" && !strings.HasPrefix(p, "/sandbox/") {
		return ""
	}
	return filepath.Join(a.dir, strings.TrimPrefix(p, "/sandbox"))
}

func (a *fakeAgent) read(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	a.reads++
	n, onRead := a.reads, a.onRead
	a.mu.Unlock()
	if onRead != nil {
		onRead(n)
	}
	q := r.URL.Query()
	path := q.Get("path")
	if path == "" {
		http.Error(w, "Expecting 'path=value' in query.\n", http.StatusBadRequest)
		return
	}
	offset := int64(-1)
	if q.Has("offset") {
		v, err := strconv.ParseInt(q.Get("offset"), 10, 64)
		if err != nil {
			http.Error(w, "Failed to parse offset: "+err.Error()+".\n", http.StatusBadRequest)
			return
		}
		if v < -1 {
			http.Error(w, fmt.Sprintf("Negative offset provided: %d.\n", v), http.StatusBadRequest)
			return
		}
		offset = v
	}
	length := int64(-1) // none
	if q.Has("length") {
		v, err := strconv.ParseInt(q.Get("length"), 10, 64)
		if err != nil {
			http.Error(w, "Failed to parse length: "+err.Error()+".\n", http.StatusBadRequest)
			return
		}
		if v < -1 {
			http.Error(w, fmt.Sprintf("Negative length provided: %d.\n", v), http.StatusBadRequest)
			return
		}
		length = v
	}
	start := offset
	if offset == -1 {
		start, length = 0, 0
	}
	real := a.resolve(path)
	st, err := os.Stat(real)
	if real == "" || err != nil {
		http.NotFound(w, r)
		return
	}
	if st.IsDir() {
		http.Error(w, "Cannot read a directory.\n", http.StatusBadRequest)
		return
	}
	content, err := os.ReadFile(real)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	size := int64(len(content))
	var data []byte
	if start < size {
		if length < 0 {
			length = size - start
		}
		length = min(length, int64(16*a.pageSize), size-start)
		data = content[start : start+length]
	}
	answer := offset
	if offset == -1 {
		answer = size
	}
	// JSON::Object keeps its keys in a std::map: "data" before "offset".
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"data":%s,"offset":%d}`, rapidjsonString(data), answer)
}

// rapidjsonString renders b as rapidjson's Writer::String does: '"' and '\\'
// escaped, control characters as \b \f \n \r \t or \u00XX, every other byte
// (invalid UTF-8 included) as it is.
func rapidjsonString(b []byte) string {
	var s strings.Builder
	s.WriteByte('"')
	for _, c := range b {
		switch {
		case c == '"':
			s.WriteString(`\"`)
		case c == '\\':
			s.WriteString(`\\`)
		case c == '\b':
			s.WriteString(`\b`)
		case c == '\f':
			s.WriteString(`\f`)
		case c == '\n':
			s.WriteString(`\n`)
		case c == '\r':
			s.WriteString(`\r`)
		case c == '\t':
			s.WriteString(`\t`)
		case c < 0x20:
			fmt.Fprintf(&s, `\u%04X`, c)
		default:
			s.WriteByte(c)
		}
	}
	s.WriteByte('"')
	return s.String()
}

func (a *fakeAgent) browse(w http.ResponseWriter, r *http.Request) {
	path := r.URL.Query().Get("path")
	if path == "" {
		http.Error(w, "Expecting 'path=value' in query.\n", http.StatusBadRequest)
		return
	}
	real := a.resolve(path)
	if _, err := os.Stat(real); real == "" || err != nil {
		http.NotFound(w, r)
		return
	}
	type entry struct {
		Path  string  `json:"path"`
		Nlink int64   `json:"nlink"`
		Size  int64   `json:"size"`
		Mtime float64 `json:"mtime"`
		Mode  string  `json:"mode"`
		UID   string  `json:"uid"`
		GID   string  `json:"gid"`
	}
	list := []entry{}
	entries, _ := os.ReadDir(real) // a file lists nothing (os::ls fails)
	for _, e := range entries {
		info, err := e.Info()
		if err != nil {
			continue
		}
		list = append(list, entry{Path: strings.TrimSuffix(path, "/") + "/" + e.Name(), Nlink: 1, Size: info.Size(),
			Mtime: float64(info.ModTime().Unix()), Mode: info.Mode().String(), UID: "root", GID: "root"})
	}
	sort.Slice(list, func(i, j int) bool { return list[i].Path < list[j].Path })
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(list)
}

func (a *fakeAgent) api(w http.ResponseWriter, r *http.Request) {
	call, accept, ok := decodeCall(w, r, new(agentpb.Call))
	if !ok {
		return
	}
	c := call.(*agentpb.Call)
	a.mu.Lock()
	a.calls = append(a.calls, c)
	respond := a.respond
	a.mu.Unlock()
	var resp *agentpb.Response
	if respond != nil {
		resp = respond(c)
	}
	writeResponse(w, accept, resp)
}

// newTLSProxy serves h over https, requiring Basic credentials creds.
func newTLSProxy(t *testing.T, h http.Handler, creds string) *httptest.Server {
	t.Helper()
	want := "Basic " + base64.StdEncoding.EncodeToString([]byte(creds))
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != want {
			w.Header().Set("WWW-Authenticate", `Basic realm="mesos"`)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv
}
