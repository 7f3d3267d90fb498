// SPDX-License-Identifier: Apache-2.0

package main

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestAuthFlags: -principal and -secret-file go together; the secret is read from the file and never shows
// in an error.
func TestAuthFlags(t *testing.T) {
	for _, args := range [][]string{{"-principal", "p"}, {"-secret-file", "/x"}} {
		if _, err := parseFlags(args, io.Discard); err == nil || !strings.Contains(err.Error(), "go together") {
			t.Errorf("%q: %v, want they go together", args, err)
		}
	}
	file := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(file, []byte("s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	o, err := parseFlags([]string{"-principal", "p", "-secret-file", file}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if opt, err := credentialsOption(o); err != nil || opt == nil {
		t.Errorf("credentialsOption: %v, %v", opt != nil, err)
	}
	o.secretFile = file + ".absent"
	if _, err := credentialsOption(o); err == nil {
		t.Error("a missing secret file is accepted")
	}
	if opt, err := credentialsOption(options{}); opt != nil || err != nil {
		t.Errorf("without -principal: %v, %v; want no option", opt != nil, err)
	}
}
