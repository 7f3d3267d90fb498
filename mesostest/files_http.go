// SPDX-License-Identifier: Apache-2.0

package mesostest

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// The files endpoints of FilesProcess (src/files/files.cpp, process id
// "files"): /files/browse, /files/read, /files/download and /files/debug.
// They take GET and POST alike (their routes do not check the method) and
// read only the query string.

// serveFiles answers one files endpoint; name is the route below /files.
func serveFiles(w http.ResponseWriter, r *http.Request, name string, mounts fileMounts) {
	q := r.URL.Query()
	switch name {
	case "browse":
		filesBrowse(w, q, mounts)
	case "read":
		filesRead(w, q, mounts)
	case "download":
		filesDownload(w, r, q, mounts)
	case "debug":
		// FilesProcess::debug: the virtual path table (no authorizer here).
		obj := make(map[string]string, len(mounts))
		for v, p := range mounts {
			obj[v] = p
		}
		writeJSONValue(w, q, obj)
	}
}

// queryValue is libprocess's query.get: the first value, present or not.
func queryValue(q map[string][]string, key string) (string, bool) {
	v, ok := q[key]
	if !ok || len(v) == 0 {
		return "", false
	}
	return v[0], true
}

// filesPath is the required path parameter ("Expecting 'path=value' in
// query." when it is missing or empty).
func filesPath(w http.ResponseWriter, q map[string][]string) (string, bool) {
	p, ok := queryValue(q, "path")
	if !ok || p == "" {
		writeText(w, http.StatusBadRequest, "Expecting 'path=value' in query.\n")
		return "", false
	}
	return p, true
}

// FilesProcess::_browse: a JSON array of FileInfo models.
func filesBrowse(w http.ResponseWriter, q map[string][]string, mounts fileMounts) {
	p, ok := filesPath(w, q)
	if !ok {
		return
	}
	entries, err := mounts.browse(p)
	if err != nil {
		writeFilesError(w, err)
		return
	}
	listing := make([]fileInfoJSON, len(entries))
	for i, e := range entries {
		listing[i] = e.model()
	}
	writeJSONValue(w, q, listing)
}

// FilesProcess::__read: offset -1 (the default) asks for the size only,
// length -1 (or none) reads to the end, at most 16 pages.
func filesRead(w http.ResponseWriter, q map[string][]string, mounts fileMounts) {
	p, ok := filesPath(w, q)
	if !ok {
		return
	}
	offset := int64(-1)
	if s, ok := queryValue(q, "offset"); ok {
		v, err := numify(s)
		if err != nil {
			writeText(w, http.StatusBadRequest, "Failed to parse offset: "+err.Error()+".\n")
			return
		}
		if v < -1 {
			writeText(w, http.StatusBadRequest, fmt.Sprintf("Negative offset provided: %d.\n", v))
			return
		}
		offset = v
	}
	length := int64(-1)
	if s, ok := queryValue(q, "length"); ok {
		v, err := numify(s)
		if err != nil {
			writeText(w, http.StatusBadRequest, "Failed to parse length: "+err.Error()+".\n")
			return
		}
		if v < -1 {
			writeText(w, http.StatusBadRequest, fmt.Sprintf("Negative length provided: %d.\n", v))
			return
		}
		length = v
	}
	readOffset := offset
	if offset == -1 {
		readOffset, length = 0, 0
	}
	size, data, err := mounts.read(p, readOffset, length)
	if err != nil {
		writeFilesError(w, err)
		return
	}
	shown := offset
	if offset == -1 {
		shown = size
	}
	// {"data": ..., "offset": ...}: stout's JSON object keeps its keys
	// sorted; the data is written byte for byte as rapidjson escapes it.
	body := append([]byte(`{"data":`), appendStoutString(nil, data)...)
	body = append(body, `,"offset":`...)
	body = strconv.AppendInt(body, shown, 10)
	body = append(body, '}')
	writeJSONBody(w, q, body)
}

// FilesProcess::download and _download: the raw file, as an attachment, with
// a Content-Type guessed from the extension.
func filesDownload(w http.ResponseWriter, r *http.Request, q map[string][]string, mounts fileMounts) {
	p, ok := filesPath(w, q)
	if !ok {
		return
	}
	resolved, err := mounts.download(p)
	if err != nil {
		writeFilesError(w, err)
		return
	}
	f, oerr := os.Open(resolved)
	if oerr != nil {
		writeText(w, http.StatusNotFound, "404 Not Found.")
		return
	}
	defer f.Close()
	fi, serr := f.Stat()
	if serr != nil {
		writeText(w, http.StatusInternalServerError, "500 Internal Server Error.")
		return
	}
	ct := "application/octet-stream"
	base := filepath.Base(resolved)
	if i := strings.LastIndexByte(base, '.'); i >= 0 {
		if t, ok := libprocessMIME[base[i:]]; ok {
			ct = t
		}
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Content-Disposition", "attachment; filename="+base)
	w.Header().Set("Content-Length", strconv.FormatInt(fi.Size(), 10))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = io.CopyN(w, f, fi.Size()) // a file that grows is served up to its size at the start
	}
}

// libprocessMIME is the part of libprocess's extension table
// (3rdparty/libprocess/src/mime.cpp) that sandboxes commonly hold.
var libprocessMIME = map[string]string{
	".sh": "application/x-sh", ".js": "application/x-javascript", ".css": "text/css",
	".pdf": "application/pdf", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".xml": "text/xml",
	".html": "text/html", ".htm": "text/html", ".gif": "image/gif", ".txt": "text/plain",
	".zip": "application/zip", ".png": "image/png", ".tar": "application/x-tar",
}

// numify is stout's numify<off_t> (3rdparty/stout/include/stout/numify.hpp):
// a decimal integer with an optional sign, or a 0x hexadecimal one.
func numify(s string) (int64, error) {
	//lint:ignore ST1005 stout's message, shown in the response body
	bad := fmt.Errorf("Failed to convert '%s' to number", s)
	t, neg := s, false
	if rest, ok := strings.CutPrefix(t, "-"); ok {
		t, neg = rest, true
	} else if rest, ok := strings.CutPrefix(t, "+"); ok {
		t = rest
	}
	base := 10
	if h, ok := strings.CutPrefix(t, "0x"); ok {
		t, base = h, 16
	} else if h, ok := strings.CutPrefix(t, "0X"); ok {
		t, base = h, 16
	}
	if t == "" || t[0] == '+' || t[0] == '-' {
		return 0, bad
	}
	v, err := strconv.ParseInt(t, base, 64)
	if err != nil {
		return 0, bad
	}
	if neg {
		v = -v
	}
	return v, nil
}

// writeFilesError answers a FilesError: its type's status, its message as
// the body (text/plain, possibly empty).
func writeFilesError(w http.ResponseWriter, err error) {
	var fe *filesError
	if !errors.As(err, &fe) {
		writeText(w, http.StatusInternalServerError, err.Error())
		return
	}
	writeText(w, fe.status(), fe.msg)
}

// fileInfoJSON is model(FileInfo) (src/common/http.cpp).
type fileInfoJSON struct {
	GID   string  `json:"gid"`
	Mode  string  `json:"mode"`
	Mtime float64 `json:"mtime"`
	Nlink uint64  `json:"nlink"`
	Path  string  `json:"path"`
	Size  int64   `json:"size"`
	UID   string  `json:"uid"`
}

func (e fileEntry) model() fileInfoJSON {
	return fileInfoJSON{GID: e.GID, Mode: fileModeString(e.Mode), Mtime: float64(e.Mtime.Unix()), Nlink: e.Nlink,
		Path: e.Path, Size: e.Size, UID: e.UID}
}

// fileModeString is the "drwxr-xr-x" of model(FileInfo).
func fileModeString(mode uint32) string {
	var b [10]byte
	switch mode & syscall.S_IFMT {
	case syscall.S_IFDIR:
		b[0] = 'd'
	case syscall.S_IFCHR:
		b[0] = 'c'
	case syscall.S_IFBLK:
		b[0] = 'b'
	case syscall.S_IFIFO:
		b[0] = 'p'
	case syscall.S_IFLNK:
		b[0] = 'l'
	case syscall.S_IFSOCK:
		b[0] = 's'
	default:
		b[0] = '-'
	}
	const rwx = "rwxrwxrwx"
	for i := range 9 {
		if mode&(1<<(8-i)) != 0 {
			b[i+1] = rwx[i]
		} else {
			b[i+1] = '-'
		}
	}
	return string(b[:])
}

// newFileEntry is createFileInfo for a stat result.
func newFileEntry(virtual string, fi fs.FileInfo) fileEntry {
	e := fileEntry{Path: virtual, Size: fi.Size(), Mtime: fi.ModTime().Truncate(1e9)}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		e.Nlink = uint64(st.Nlink)
		e.Mode = st.Mode
		e.UID = strconv.FormatUint(uint64(st.Uid), 10)
		if u, err := user.LookupId(e.UID); err == nil {
			e.UID = u.Username
		}
		e.GID = strconv.FormatUint(uint64(st.Gid), 10)
		if g, err := user.LookupGroupId(e.GID); err == nil {
			e.GID = g.Name
		}
	}
	return e
}

// writeJSONValue is libprocess's OK(JSON, jsonp) for a Go value.
func writeJSONValue(w http.ResponseWriter, q map[string][]string, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		writeText(w, http.StatusInternalServerError, err.Error())
		return
	}
	writeJSONBody(w, q, body)
}

// writeJSONBody is libprocess's OK(JSON, jsonp) (3rdparty/libprocess/src/http.cpp
// OK::OK): application/json, or with a jsonp parameter the body wrapped as
// "<jsonp>(<json>)" and text/javascript.
func writeJSONBody(w http.ResponseWriter, q map[string][]string, body []byte) {
	ct := "application/json"
	if cb, ok := queryValue(q, "jsonp"); ok {
		ct = "text/javascript"
		wrapped := make([]byte, 0, len(cb)+len(body)+2)
		wrapped = append(append(append(append(wrapped, cb...), '('), body...), ')')
		body = wrapped
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
}

// appendStoutString writes b as a JSON string the way rapidjson does for
// stout: '"', '\\' and control characters escaped, every other byte as it is.
func appendStoutString(dst, b []byte) []byte {
	const hex = "0123456789ABCDEF"
	dst = append(dst, '"')
	for _, c := range b {
		switch {
		case c == '"' || c == '\\':
			dst = append(dst, '\\', c)
		case c == '\n':
			dst = append(dst, '\\', 'n')
		case c == '\r':
			dst = append(dst, '\\', 'r')
		case c == '\t':
			dst = append(dst, '\\', 't')
		case c == '\b':
			dst = append(dst, '\\', 'b')
		case c == '\f':
			dst = append(dst, '\\', 'f')
		case c < 0x20:
			dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
		default:
			dst = append(dst, c)
		}
	}
	return append(dst, '"')
}
