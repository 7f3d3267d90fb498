// SPDX-License-Identifier: Apache-2.0

package main

import (
	"flag"
	"os"
	"strings"

	"github.com/mesoskit/mesoskit/mesostest"
)

// aclFlag is -acls: Mesos's JSON ACLs, as text or as a file, the way
// mesos-master's --acls takes them (src/master/flags.cpp: a JSON string,
// or a path "/path/to/file" or "file:///path/to/file").
type aclFlag struct {
	set  bool
	acls mesostest.ACLs
}

func (a *aclFlag) String() string { return "" }

func (a *aclFlag) Set(v string) error {
	data := []byte(v)
	if path, isFile := aclPath(v); isFile {
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		data = b
	}
	acls, err := mesostest.ParseACLs(data)
	if err != nil {
		return err
	}
	a.acls, a.set = acls, true
	return nil
}

// aclPath reports whether v names a file rather than holding JSON.
func aclPath(v string) (string, bool) {
	switch {
	case strings.HasPrefix(v, "file://"):
		return strings.TrimPrefix(v, "file://"), true
	case strings.HasPrefix(strings.TrimSpace(v), "{"):
		return "", false
	}
	return v, true
}

func addACLFlag(fs *flag.FlagSet, a *aclFlag) {
	fs.Var(a, "acls", "authorize as a master with these ACLs does (Mesos's --acls JSON, inline or a file path; "+
		"enforces register_frameworks, run_tasks and teardown_frameworks)")
}

// option is the mesostest option of -acls (none without the flag).
func (a *aclFlag) options() []mesostest.Option {
	if !a.set {
		return nil
	}
	return []mesostest.Option{mesostest.WithACLs(a.acls)}
}
