// SPDX-License-Identifier: Apache-2.0

package detector

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

// Validate accepts what Parse accepts, rejects the same syntax errors, and
// never opens a file:// spec's file.
func TestValidate(t *testing.T) {
	missing := "file://" + filepath.Join(t.TempDir(), "missing")
	valid := []string{
		"m1:5050", " m1:5050 ", "master@10.0.0.1:5050", "http://m1:5050", "https://m1", "m1:5050,https://m2:443",
		"zk://h1:2181,h2/mesos", "zk://u:p@ss@h1/mesos/", "file:///etc/mesos/zk", missing,
	}
	for _, spec := range valid {
		if err := Validate(spec); err != nil {
			t.Errorf("Validate(%q) = %v, want nil", spec, err)
		}
	}
	invalid := []struct{ spec, reason string }{
		{"", "empty spec"},
		{"zk://h1:2181/", "'/' is not supported"},
		{"zk://alice:s3cret@h1:2181/", "'/' is not supported"},
		{"m1", "port"},
		{"m1:5050,", "empty master address"},
		{"ftp://m1:21", "unsupported scheme"},
		{"file://", "missing file path"},
		{"local", "not supported"},
	}
	for _, tt := range invalid {
		err := Validate(tt.spec)
		if !errors.Is(err, ErrInvalidSpec) || !strings.Contains(err.Error(), tt.reason) {
			t.Errorf("Validate(%q) = %v, want ErrInvalidSpec mentioning %q", tt.spec, err, tt.reason)
			continue
		}
		if strings.Contains(err.Error(), "s3cret") {
			t.Errorf("Validate(%q) leaks the password: %v", tt.spec, err)
		}
		if _, perr := Parse(tt.spec); perr == nil || perr.Error() != err.Error() {
			t.Errorf("Validate(%q) = %v, but Parse says %v", tt.spec, err, perr)
		}
	}
}
