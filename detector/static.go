// SPDX-License-Identifier: Apache-2.0

package detector

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/mesosproto"
)

// Static is a detector for masters given by address: one, or a list of candidates. It reports one master at
// a time, starting with the first; it never reports "no leader". When the client cannot reach the reported
// master it calls Rotate (or the package function Rotate), and Static moves to the next one in the list,
// wrapping around. Scheme tells whether a master was given as https://.
//
// A Static is safe for concurrent use. It holds no goroutine; Close only ends it (Leader returns ErrClosed).
type Static struct {
	mu      sync.Mutex
	masters []staticMaster
	cur     int
	board   *board
}

type staticMaster struct {
	info   *mesosproto.MasterInfo
	scheme string // "http", "https", or "" (not given)
}

var (
	_ Detector = (*Static)(nil)
	_ Rotator  = (*Static)(nil)
	_ Schemer  = (*Static)(nil)
)

// NewStatic makes a static detector for one or more masters, each "host:port", "id@host:port" (a libprocess
// PID, e.g. "master@10.0.0.1:5050"), "http://host[:port]" or "https://host[:port]" (see Parse). Hostnames are
// not resolved. Errors are *SpecError.
func NewStatic(masters ...string) (*Static, error) {
	ms, err := parseStaticMasters(masters)
	if err != nil {
		return nil, err
	}
	return newStatic(ms), nil
}

func newStatic(ms []staticMaster) *Static {
	s := &Static{masters: ms, board: newBoard(nil)}
	s.board.set(s.masters[0].info, nil)
	return s
}

func parseStaticMasters(masters []string) ([]staticMaster, error) {
	if len(masters) == 0 {
		return nil, &SpecError{Spec: "", Reason: "no masters given"}
	}
	ms := make([]staticMaster, 0, len(masters))
	for i, m := range masters {
		e := strings.TrimSpace(m)
		sm, reason := parseStaticMaster(e)
		if reason != "" {
			if len(masters) > 1 {
				reason = fmt.Sprintf("master #%d: %s", i+1, reason)
			}
			return nil, &SpecError{Spec: redactElem(e), Reason: reason}
		}
		ms = append(ms, sm)
	}
	return ms, nil
}

// parseStaticMaster parses one list element; a non-empty reason says what is wrong and never quotes a
// password.
func parseStaticMaster(e string) (staticMaster, string) {
	if e == "" {
		return staticMaster{}, "empty master address"
	}
	if i := strings.Index(e, "://"); i >= 0 {
		scheme, ok := specScheme(e)
		switch {
		case !ok:
			return staticMaster{}, "malformed URL scheme"
		case scheme == "zk" || scheme == "file":
			return staticMaster{}, scheme + ":// specs cannot be combined with other masters in a list"
		case scheme != "http" && scheme != "https":
			return staticMaster{}, fmt.Sprintf("unsupported scheme %q (want http://, https://, zk:// or file://)", scheme)
		}
		rest := e[i+3:]
		end := strings.IndexAny(rest, "/?#")
		if end < 0 {
			end = len(rest)
		}
		authority, tail := rest[:end], rest[end:]
		if strings.Contains(authority, "@") || strings.Contains(tail, "@") {
			return staticMaster{}, "credentials in a master URL are not supported (only zk:// URLs carry credentials)"
		}
		if tail != "" && tail != "/" {
			return staticMaster{}, fmt.Sprintf("a master URL has no path, query or fragment (got %q)", tail)
		}
		host, port, err := splitHostPort(authority, false)
		if err != nil {
			return staticMaster{}, err.Error()
		}
		if port == 0 {
			port = 80
			if scheme == "https" {
				port = 443
			}
		}
		return staticMaster{info: infoFromHostPort(host, port), scheme: scheme}, ""
	}
	hp := e
	id := ""
	if at := strings.LastIndex(e, "@"); at >= 0 {
		id, hp = e[:at], e[at+1:]
		if id == "" || strings.ContainsAny(id, ":/@ \t") {
			return staticMaster{}, "the part before '@' is not a process id (credentials are only supported in zk:// URLs)"
		}
	}
	host, port, err := splitHostPort(hp, true)
	if err != nil {
		return staticMaster{}, err.Error()
	}
	mi := infoFromHostPort(host, port)
	if id != "" && mi.Pid != nil {
		mi.Pid = proto.String(id + "@" + joinHostPort(host, port))
	}
	return staticMaster{info: mi}, ""
}

// Leader returns the current master (never nil) and a channel closed by Rotate or Close.
func (s *Static) Leader(ctx context.Context) (*mesosproto.MasterInfo, <-chan struct{}, error) {
	return s.board.get(ctx)
}

// Rotate moves to the next master if mi is the current one (compared by content). With a single master it
// does nothing.
func (s *Static) Rotate(mi *mesosproto.MasterInfo) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.masters) < 2 || mi == nil {
		return
	}
	cur := s.masters[s.cur].info
	if mi != cur && !proto.Equal(mi, cur) {
		return
	}
	s.cur = (s.cur + 1) % len(s.masters)
	s.board.set(s.masters[s.cur].info, nil)
}

// Scheme returns "http" or "https" if mi was given as an http:// or https:// URL, else "".
func (s *Static) Scheme(mi *mesosproto.MasterInfo) string {
	for _, m := range s.masters {
		if m.info == mi {
			return m.scheme
		}
	}
	for _, m := range s.masters {
		if proto.Equal(m.info, mi) {
			return m.scheme
		}
	}
	return ""
}

// Masters returns the configured masters in order (shared values: do not modify).
func (s *Static) Masters() []*mesosproto.MasterInfo {
	out := make([]*mesosproto.MasterInfo, len(s.masters))
	for i, m := range s.masters {
		out[i] = m.info
	}
	return out
}

// Close ends the detector: Leader returns ErrClosed and outstanding channels close. It is idempotent.
func (s *Static) Close() error {
	s.board.close()
	return nil
}
