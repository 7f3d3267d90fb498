// SPDX-License-Identifier: Apache-2.0

package mesostest

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// The files API of an agent (src/files/files.cpp, FilesProcess): real
// directories are "attached" under virtual paths, and only what lies under
// an attached directory is ever listed or read. The agent attaches every
// executor sandbox three times (Framework::addExecutor, src/slave/slave.cpp):
// under its real path (the "directory" of /state), under the real
// .../runs/latest path and under the virtual
// /frameworks/<framework>/executors/<executor>/runs/latest.
//
// The functions here answer the HTTP endpoints (files_http.go) and are meant
// for the operator API's LIST_FILES and READ_FILE as well: they return
// *FilesError values with Mesos's types and messages.

// filesReadPages is how many pages one read returns at most (FilesProcess::_read
// caps the length at 16 pages).
const filesReadPages = 16

// filesErrorType is FilesError::Type (src/files/files.hpp).
type filesErrorType int

const (
	filesInvalid      filesErrorType = iota // 400 Bad Request
	filesNotFound                           // 404 Not Found
	filesUnauthorized                       // 403 Forbidden
	filesUnknown                            // 500 Internal Server Error
)

// filesError is Mesos's FilesError: a type, which decides the HTTP status (and
// the operator API's), and a message, which is the response body (often empty).
type filesError struct {
	typ filesErrorType
	msg string
}

func (e *filesError) Error() string {
	if e.msg == "" {
		return "mesostest: files: " + [...]string{"invalid", "not found", "unauthorized", "unknown"}[e.typ]
	}
	return "mesostest: files: " + strings.TrimSuffix(e.msg, "\n")
}

// status is the HTTP status of the error (FilesProcess::_browse and __read).
func (e *filesError) status() int {
	return [...]int{400, 404, 403, 500}[e.typ]
}

// fileMounts is FilesProcess::paths: virtual path (without a trailing "/")
// to the real, canonical path attached there.
type fileMounts map[string]string

// mount is FilesProcess::attach of a path already made canonical (attach
// fails when the path does not exist: see buildMounts). The virtual path is
// kept without a trailing "/".
func (m fileMounts) mount(canon, virtual string) {
	m[strings.TrimSuffix(fromURI(virtual), "/")] = canon
}

// fromURI is stout's path::from_uri on POSIX: a "file://" prefix is dropped.
func fromURI(p string) string { return strings.TrimPrefix(p, "file://") }

// stoutJoin is stout's path::join of two paths: one separator between them,
// whatever trailing or leading single separators they had.
func stoutJoin(a, b string) string {
	return strings.TrimSuffix(a, "/") + "/" + strings.TrimPrefix(b, "/")
}

// resolve is FilesProcess::resolve: the longest attached prefix of the
// virtual path, with the rest appended when the attached path is a
// directory. It returns ("", nil) when nothing is there (Mesos's None), and
// an error (Mesos's Error, a 400) when the path cannot be made canonical or
// leaves the attached directory ("../", a symlink pointing out).
func (m fileMounts) resolve(virtual string) (string, error) {
	tokens := strings.Split(strings.TrimSuffix(virtual, "/"), "/")
	suffix := ""
	for len(tokens) > 0 {
		prefix := tokens[0]
		for _, t := range tokens[1:] {
			prefix = stoutJoin(prefix, t)
		}
		root, ok := m[prefix]
		if !ok {
			last := tokens[len(tokens)-1]
			if suffix == "" {
				suffix = last
			} else {
				suffix = stoutJoin(last, suffix)
			}
			tokens = tokens[:len(tokens)-1]
			continue
		}
		if !isDir(root) {
			if suffix != "" {
				// The request assumes a directory where a file is attached:
				// Mesos answers Not Found rather than Bad Request.
				return "", nil
			}
			return root, nil
		}
		p := stoutJoin(root, suffix)
		real, err := filepath.EvalSymlinks(p)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return "", nil
			}
			//lint:ignore ST1005 Mesos's message, shown as the response body
			return "", fmt.Errorf("Failed to determine canonical path of '%s': %s", p, errnoText(err))
		}
		// Mesos compares the canonical path with the attached one as a
		// string prefix; mesostest also requires a path separator after it,
		// so that a sibling directory sharing the prefix is never served.
		if real != root && !strings.HasPrefix(real, strings.TrimSuffix(root, "/")+"/") {
			return "", fmt.Errorf("'%s' is inaccessible", p)
		}
		return real, nil
	}
	return "", nil
}

// errnoText is strerror(3) of the errno behind err ("Not a directory").
func errnoText(err error) string {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		s := errno.Error()
		if s != "" {
			return strings.ToUpper(s[:1]) + s[1:]
		}
	}
	return err.Error()
}

func isDir(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.IsDir()
}

// fileEntry is a FileInfo of a listing (createFileInfo,
// src/common/protobuf_utils.cpp): the stat of the entry, following
// symlinks, with the virtual path it was listed under.
type fileEntry struct {
	Path  string    // virtual path
	Nlink uint64    // hard links
	Size  int64     // bytes
	Mtime time.Time // whole seconds, as st_mtime
	Mode  uint32    // st_mode, file type bits included
	UID   string    // owner's user name, or the number when it has none
	GID   string    // group name, or the number
}

// browse is FilesProcess::browse: the entries of the directory at the
// virtual path, sorted by name. A path that resolves to a file lists
// nothing (the listing of a non-directory fails and is left empty).
func (m fileMounts) browse(virtual string) ([]fileEntry, error) {
	path := fromURI(virtual)
	resolved, err := m.resolve(path)
	if err != nil {
		return nil, &filesError{filesInvalid, err.Error() + ".\n"}
	}
	if resolved == "" {
		return nil, &filesError{typ: filesNotFound}
	}
	entries, err := os.ReadDir(resolved) // sorted by name, as Mesos's map of full paths
	if err != nil {
		return []fileEntry{}, nil
	}
	out := make([]fileEntry, 0, len(entries))
	for _, e := range entries {
		fi, err := os.Stat(filepath.Join(resolved, e.Name()))
		if err != nil {
			continue // "Found ... in ls but stat failed"
		}
		out = append(out, newFileEntry(stoutJoin(path, e.Name()), fi))
	}
	return out, nil
}

// read is FilesProcess::read and _read: up to length bytes (all, when
// length is negative, i.e. absent) from offset, at most 16 pages, with the
// size of the file. An offset at or past the end, or a zero length, reads
// nothing and still reports the size.
func (m fileMounts) read(virtual string, offset, length int64) (size int64, data []byte, err error) {
	resolved, rerr := m.resolve(fromURI(virtual))
	if rerr != nil {
		return 0, nil, &filesError{filesInvalid, rerr.Error() + ".\n"}
	}
	if resolved == "" {
		return 0, nil, &filesError{typ: filesNotFound}
	}
	if isDir(resolved) {
		return 0, nil, &filesError{filesInvalid, "Cannot read a directory.\n"}
	}
	f, oerr := os.Open(resolved)
	if oerr != nil {
		return 0, nil, &filesError{filesUnknown, fmt.Sprintf("Failed to open file at '%s': %s.\n", resolved, errnoText(oerr))}
	}
	defer f.Close()
	end, serr := f.Seek(0, io.SeekEnd)
	if serr != nil {
		return 0, nil, &filesError{filesUnknown, fmt.Sprintf("Failed to open file at '%s': %s.\n", resolved, errnoText(serr))}
	}
	size = end
	if offset >= size {
		return size, nil, nil
	}
	if length < 0 {
		length = size - offset
	}
	if length == 0 {
		return size, nil, nil
	}
	length = min(length, int64(os.Getpagesize()*filesReadPages))
	buf := make([]byte, length)
	n, rerr2 := f.ReadAt(buf, offset)
	if rerr2 != nil && !errors.Is(rerr2, io.EOF) {
		return 0, nil, &filesError{filesUnknown, fmt.Sprintf("Failed to read file at '%s': %s", resolved, errnoText(rerr2))}
	}
	return size, buf[:n], nil
}

// download resolves a virtual path for FilesProcess::_download: a file, not
// a directory. Its errors carry the bodies of _download (an empty 404 body
// becomes libprocess's "404 Not Found.").
func (m fileMounts) download(virtual string) (string, error) {
	resolved, err := m.resolve(fromURI(virtual))
	if err != nil {
		return "", &filesError{filesInvalid, err.Error() + ".\n"}
	}
	if resolved == "" {
		return "", &filesError{filesNotFound, "404 Not Found."}
	}
	if isDir(resolved) {
		return "", &filesError{filesInvalid, "Cannot download a directory.\n"}
	}
	return resolved, nil
}
