// SPDX-License-Identifier: Apache-2.0

package operator

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// Files API paths of an agent (and a master), served by Mesos's
// FilesProcess (src/files/files.cpp).
const (
	filesBrowsePath = "/files/browse"
	filesReadPath   = "/files/read"
)

// MaxReadLength is the most a /files/read answer carries: Mesos caps every
// read at 16 pages of memory (src/files/files.cpp, FilesProcess::_read), 64
// KiB on the usual 4 KiB pages. A longer length is not an error; the answer
// is just shorter.
const MaxReadLength = 16 * 4096

// SandboxPath returns the virtual path under which an agent's files API
// serves the latest run of an executor's sandbox:
// "/frameworks/<framework>/executors/<executor>/runs/latest"
// (src/slave/paths.cpp, getExecutorVirtualPath; attached by the agent when
// it launches the executor, src/slave/slave.cpp). A command task (one
// launched without an ExecutorInfo) runs under an executor whose ID is the
// task's ID (src/slave/slave.cpp, Slave::getExecutorInfo), so its stdout is
// SandboxPath(frameworkID, taskID) + "/stdout".
func SandboxPath(frameworkID, executorID string) string {
	return "/frameworks/" + frameworkID + "/executors/" + executorID + "/runs/latest"
}

// FileInfo is one entry of a /files/browse listing, as Mesos renders it
// (src/common/http.cpp, model(const FileInfo&)).
type FileInfo struct {
	Path  string  `json:"path"`  // the virtual path of the entry
	Nlink int64   `json:"nlink"` // number of hard links
	Size  int64   `json:"size"`  // in bytes
	Mtime float64 `json:"mtime"` // modification time, seconds since the epoch
	Mode  string  `json:"mode"`  // as ls prints it, e.g. "-rw-r--r--" or "drwxr-xr-x"
	UID   string  `json:"uid"`   // owner's user name
	GID   string  `json:"gid"`   // owner's group name
}

// IsDir reports whether the entry is a directory.
func (f FileInfo) IsDir() bool { return len(f.Mode) > 0 && f.Mode[0] == 'd' }

// Browse lists the directory at the virtual path (GET /files/browse?path=).
// A path that does not exist is an *APIError with status 404; the path of
// a file gives an empty listing, as Mesos lists nothing when it cannot list
// the path as a directory (src/files/files.cpp, FilesProcess::browse).
func (a *Agent) Browse(ctx context.Context, path string) ([]FileInfo, error) {
	r := &request{name: filesBrowsePath, method: http.MethodGet, path: filesBrowsePath,
		query: url.Values{"path": {path}}, retry: true}
	body, _, err := a.fetch(ctx, a, r)
	if err != nil {
		return nil, err
	}
	var out []FileInfo
	if err := json.Unmarshal(body, &out); err != nil {
		return nil, callErr(filesBrowsePath, fmt.Errorf("%w: %v", ErrUnexpectedResponse, err))
	}
	return out, nil
}

// ReadAt reads up to length bytes of the file at the virtual path, starting
// at offset (GET /files/read?path=&offset=&length=). The agent answers at
// most MaxReadLength bytes, and none at or after the end of the file; a
// short or empty answer is not an error. offset must be ≥ 0 and length ≥ 1.
// The bytes are returned exactly as in the file, invalid UTF-8 included.
func (a *Agent) ReadAt(ctx context.Context, path string, offset, length int64) ([]byte, error) {
	if offset < 0 {
		return nil, callErr(filesReadPath, fmt.Errorf("negative offset %d", offset))
	}
	if length < 1 {
		return nil, callErr(filesReadPath, fmt.Errorf("length %d must be at least 1", length))
	}
	data, _, err := a.filesRead(ctx, path, offset, length)
	return data, err
}

// FileSize returns the size of the file at the virtual path: a read at
// offset -1 answers with the size as its offset and no data
// (src/files/files.cpp, FilesProcess::__read).
func (a *Agent) FileSize(ctx context.Context, path string) (int64, error) {
	_, size, err := a.filesRead(ctx, path, -1, -1)
	return size, err
}

// filesRead sends one /files/read request; length < 0 sends no length.
func (a *Agent) filesRead(ctx context.Context, path string, offset, length int64) ([]byte, int64, error) {
	q := url.Values{"path": {path}, "offset": {strconv.FormatInt(offset, 10)}}
	if length >= 0 {
		q.Set("length", strconv.FormatInt(length, 10))
	}
	r := &request{name: filesReadPath, method: http.MethodGet, path: filesReadPath, query: q, retry: true}
	body, _, err := a.fetch(ctx, a, r)
	if err != nil {
		return nil, 0, err
	}
	data, off, err := parseReadAnswer(body)
	if err != nil {
		return nil, 0, callErr(filesReadPath, err)
	}
	if offset >= 0 && off != offset {
		return nil, 0, callErr(filesReadPath, fmt.Errorf("%w: asked for offset %d, answered %d", ErrUnexpectedResponse, offset, off))
	}
	if length >= 0 && int64(len(data)) > length {
		return nil, 0, callErr(filesReadPath, fmt.Errorf("%w: asked for %d bytes, answered %d", ErrUnexpectedResponse, length, len(data)))
	}
	return data, off, nil
}

// parseReadAnswer decodes {"data":"…","offset":N}. Mesos writes data with
// rapidjson, which copies the file's bytes into the string as they are
// (escaping only '"', '\\' and control characters), so data is unquoted
// here byte for byte: encoding/json would replace invalid UTF-8.
func parseReadAnswer(body []byte) ([]byte, int64, error) {
	var raw struct {
		Data   json.RawMessage `json:"data"`
		Offset *json.Number    `json:"offset"`
	}
	if err := json.Unmarshal(bytes.ToValidUTF8(body, []byte("?")), &raw); err != nil {
		return nil, 0, fmt.Errorf("%w: %v", ErrUnexpectedResponse, err)
	}
	if raw.Offset == nil || raw.Data == nil {
		return nil, 0, fmt.Errorf("%w: answer lacks \"data\" or \"offset\"", ErrUnexpectedResponse)
	}
	off, err := raw.Offset.Int64()
	if err != nil || off < 0 {
		return nil, 0, fmt.Errorf("%w: bad offset %q", ErrUnexpectedResponse, truncate(raw.Offset.String(), 32))
	}
	// raw.Data came from the sanitized copy; take the same span of body.
	data, err := findDataString(body)
	if err != nil {
		return nil, 0, err
	}
	return data, off, nil
}

// findDataString locates the value of the top-level "data" key in body
// (already known to be a valid JSON object) and unquotes it byte for byte.
// Like encoding/json, the last of repeated keys wins.
func findDataString(body []byte) ([]byte, error) {
	var data []byte
	found := false
	i := skipSpace(body, 0)
	if i >= len(body) || body[i] != '{' {
		return nil, fmt.Errorf("%w: not an object", ErrUnexpectedResponse)
	}
	i++
	for {
		i = skipSpace(body, i)
		if i < len(body) && body[i] == '}' {
			break
		}
		if i >= len(body) || body[i] != '"' {
			return nil, fmt.Errorf("%w: malformed object", ErrUnexpectedResponse)
		}
		key, next, err := unquote(body, i)
		if err != nil {
			return nil, err
		}
		i = skipSpace(body, next)
		if i >= len(body) || body[i] != ':' {
			return nil, fmt.Errorf("%w: malformed object", ErrUnexpectedResponse)
		}
		i = skipSpace(body, i+1)
		if string(key) == "data" {
			if i >= len(body) || body[i] != '"' {
				return nil, fmt.Errorf("%w: \"data\" is not a string", ErrUnexpectedResponse)
			}
			data, next, err = unquote(body, i)
			found = true
		} else {
			next, err = skipValue(body, i)
		}
		if err != nil {
			return nil, err
		}
		i = skipSpace(body, next)
		if i < len(body) && body[i] == ',' {
			i++
			continue
		}
		break
	}
	if !found {
		return nil, fmt.Errorf("%w: no \"data\"", ErrUnexpectedResponse)
	}
	return data, nil
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// skipValue returns the index after the JSON value starting at i. Only the
// other keys of a files API answer are skipped with it, so a string or a
// scalar suffices; nested values are skipped by bracket counting.
func skipValue(b []byte, i int) (int, error) {
	if i < len(b) && b[i] == '"' {
		_, next, err := unquote(b, i)
		return next, err
	}
	depth := 0
	for ; i < len(b); i++ {
		switch c := b[i]; c {
		case '"':
			_, next, err := unquote(b, i)
			if err != nil {
				return 0, err
			}
			i = next - 1
		case '{', '[':
			depth++
		case '}', ']':
			if depth == 0 {
				return i, nil
			}
			depth--
		case ',':
			if depth == 0 {
				return i, nil
			}
		}
	}
	return i, nil
}

// unquote decodes the JSON string starting at b[i] == '"', keeping bytes
// that are not escapes exactly as they are, and returns the index after the
// closing quote.
func unquote(b []byte, i int) ([]byte, int, error) {
	out := make([]byte, 0, 64)
	for i++; i < len(b); i++ {
		c := b[i]
		switch {
		case c == '"':
			return out, i + 1, nil
		case c != '\\':
			out = append(out, c)
			continue
		}
		i++
		if i >= len(b) {
			break
		}
		switch b[i] {
		case '"', '\\', '/':
			out = append(out, b[i])
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r, n, ok := hex4(b, i+1)
			if !ok {
				return nil, 0, fmt.Errorf("%w: bad \\u escape", ErrUnexpectedResponse)
			}
			i += n
			if utf16.IsSurrogate(r) {
				if r2, n2, ok := hex4(b, i+3); ok && i+2 < len(b) && b[i+1] == '\\' && b[i+2] == 'u' {
					if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
						r = dec
						i += 2 + n2
					}
				}
			}
			out = utf8.AppendRune(out, r)
		default:
			return nil, 0, fmt.Errorf("%w: bad escape", ErrUnexpectedResponse)
		}
	}
	return nil, 0, errors.New("operator: unterminated string in files API answer")
}

// hex4 parses the four hex digits at b[i:]; n is how many bytes it used (4).
func hex4(b []byte, i int) (rune, int, bool) {
	if i+4 > len(b) {
		return 0, 0, false
	}
	v, err := strconv.ParseUint(string(b[i:i+4]), 16, 16)
	if err != nil {
		return 0, 0, false
	}
	return rune(v), 4, true
}
