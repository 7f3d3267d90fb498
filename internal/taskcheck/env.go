// SPDX-License-Identifier: Apache-2.0

package taskcheck

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/mesoskit/mesoskit/mesosproto"
)

// Env is an environment with unique keys that keeps the order of first
// appearance.
type Env struct {
	keys []string
	vals map[string]string
}

// NewEnv parses "KEY=value" entries; later entries win, malformed ones are
// skipped.
func NewEnv(kvs []string) *Env {
	e := &Env{vals: make(map[string]string, len(kvs))}
	for _, kv := range kvs {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			continue
		}
		e.Set(k, v)
	}
	return e
}

// Set sets k to v.
func (e *Env) Set(k, v string) {
	if _, ok := e.vals[k]; !ok {
		e.keys = append(e.keys, k)
	}
	e.vals[k] = v
}

// Unset removes k.
func (e *Env) Unset(k string) {
	if _, ok := e.vals[k]; !ok {
		return
	}
	delete(e.vals, k)
	for i, have := range e.keys {
		if have == k {
			e.keys = append(e.keys[:i:i], e.keys[i+1:]...)
			break
		}
	}
}

// Merge applies the VALUE variables of env (Mesos skips unresolved secrets).
func (e *Env) Merge(env *mesosproto.Environment) {
	for _, v := range env.GetVariables() {
		if v.GetType() == mesosproto.Environment_Variable_SECRET || v.GetName() == "" {
			continue
		}
		e.Set(v.GetName(), v.GetValue())
	}
}

// Get returns the value of k.
func (e *Env) Get(k string) (string, bool) {
	v, ok := e.vals[k]
	return v, ok
}

// List returns the environment as "KEY=value" entries.
func (e *Env) List() []string {
	out := make([]string, 0, len(e.keys))
	for _, k := range e.keys {
		out = append(out, k+"="+e.vals[k])
	}
	return out
}

// LookPath finds file in the directories of path (a PATH value), as execvp
// does; names with a '/' are used as they are.
func LookPath(file, path string) (string, error) {
	if strings.Contains(file, "/") {
		return file, nil
	}
	for _, dir := range filepath.SplitList(path) {
		if dir == "" {
			dir = "."
		}
		p := filepath.Join(dir, file)
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", errors.New("executable file " + strconv.Quote(file) + " not found in PATH")
}
