// SPDX-License-Identifier: Apache-2.0

package ha

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/go-zookeeper/zk"
)

// maxKeyLen bounds record keys (ZooKeeper itself only bounds the whole request).
const maxKeyLen = 255

// validPath applies ZooKeeper's path rules: absolute, no empty, "." or ".." components, no trailing '/', no
// NUL, control or reserved characters. The root itself is refused: every path here names a node of its own.
func validPath(p string) error {
	if !strings.HasPrefix(p, "/") {
		return fmt.Errorf("ha: ZooKeeper path %q is not absolute", p)
	}
	if p == "/" {
		return fmt.Errorf("ha: ZooKeeper path %q: the root cannot be used", p)
	}
	if strings.HasSuffix(p, "/") {
		return fmt.Errorf("ha: ZooKeeper path %q ends with '/'", p)
	}
	for _, c := range strings.Split(p[1:], "/") {
		if err := validName(c); err != nil {
			return fmt.Errorf("ha: ZooKeeper path %q: %w", p, err)
		}
	}
	return nil
}

// validName checks one path component.
func validName(c string) error {
	switch c {
	case "":
		return fmt.Errorf("empty component")
	case ".", "..":
		return fmt.Errorf("relative component %q", c)
	}
	if !utf8.ValidString(c) {
		return fmt.Errorf("not valid UTF-8")
	}
	for _, r := range c {
		if r == '/' {
			return fmt.Errorf("contains '/'")
		}
		if r < 0x20 || (r >= 0x7f && r <= 0x9f) || (r >= 0xd800 && r <= 0xf8ff) || (r >= 0xfff0 && r <= 0xffff) {
			return fmt.Errorf("contains the invalid character %U", r)
		}
	}
	return nil
}

// validKey checks a record key: one znode name of at most maxKeyLen bytes.
func validKey(key string) error {
	if len(key) > maxKeyLen {
		return fmt.Errorf("%w %.40q...: longer than %d bytes", ErrInvalidKey, key, maxKeyLen)
	}
	if err := validName(key); err != nil {
		return fmt.Errorf("%w %q: %w", ErrInvalidKey, key, err)
	}
	return nil
}

// Sizes of ZooKeeper's jute encoding, to refuse requests the server would not accept.
const (
	requestHeaderSize = 8 // xid, type
	multiHeaderSize   = 9 // type, done (bool), err
)

func juteString(s string) int { return 4 + len(s) }

func aclSize(acl []zk.ACL) int {
	n := 4
	for _, a := range acl {
		n += 4 + juteString(a.Scheme) + juteString(a.ID)
	}
	return n
}

// opSize is the encoded size of one request body.
func opSize(op any) int {
	switch r := op.(type) {
	case *zk.CreateRequest:
		return juteString(r.Path) + 4 + len(r.Data) + aclSize(r.Acl) + 4
	case *zk.SetDataRequest:
		return juteString(r.Path) + 4 + len(r.Data) + 4
	case *zk.DeleteRequest:
		return juteString(r.Path) + 4
	case *zk.CheckVersionRequest:
		return juteString(r.Path) + 4
	}
	panic(fmt.Sprintf("ha: opSize: unexpected %T", op))
}

// requestSize is the length ZooKeeper sees for these operations sent alone (one op) or as one multi.
func requestSize(ops ...any) int {
	if len(ops) == 1 {
		return requestHeaderSize + opSize(ops[0])
	}
	n := requestHeaderSize + multiHeaderSize
	for _, op := range ops {
		n += multiHeaderSize + opSize(op)
	}
	return n
}

// checkSize refuses ops carrying data (for path) that make a request larger than the servers accept.
func (c *Conn) checkSize(path string, data []byte, ops ...any) error {
	size := requestSize(ops...)
	if size <= c.cfg.maxRequest {
		return nil
	}
	return &SizeError{Path: path, Size: len(data), Limit: max(0, len(data)-(size-c.cfg.maxRequest))}
}
