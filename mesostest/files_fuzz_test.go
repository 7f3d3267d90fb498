// SPDX-License-Identifier: Apache-2.0

package mesostest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzFilesResolve checks that no virtual path resolves to anything outside
// the attached sandbox, whatever its dots, slashes and symlinks, and that
// numify never panics.
func FuzzFilesResolve(f *testing.F) {
	root := f.TempDir()
	sandbox := filepath.Join(root, "runs", "c1")
	if err := os.MkdirAll(filepath.Join(sandbox, "sub"), 0o755); err != nil {
		f.Fatal(err)
	}
	for name, target := range map[string]string{"up": "..", "abs": root, "in": "sub", "loop": "loop"} {
		if err := os.Symlink(target, filepath.Join(sandbox, name)); err != nil {
			f.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(sandbox, "stdout"), []byte("x"), 0o644); err != nil {
		f.Fatal(err)
	}
	if err := os.Mkdir(sandbox+"x", 0o755); err != nil {
		f.Fatal(err)
	}
	m := buildMounts([]mountSpec{{dir: sandbox, virtuals: [3]string{sandbox, filepath.Join(root, "runs", "latest"), "/fw/latest"}}})
	canon, err := filepath.EvalSymlinks(sandbox)
	if err != nil {
		f.Fatal(err)
	}
	for _, seed := range []string{"/fw/latest/stdout", "/fw/latest/../../x", "/fw/latest/up/c1x", "/fw/latest/abs/runs/c1/stdout",
		"/fw/latest/in/../stdout", "/fw/latest/loop", "/fw/latest//stdout", "/fw/latest/stdout/", "file:///fw/latest", "",
		sandbox + "/../c1x", "0x10", "-1", "+5"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, p string) {
		_, _ = numify(p)
		real, err := m.resolve(p)
		if err != nil || real == "" {
			return
		}
		if real != canon && !strings.HasPrefix(real, canon+"/") {
			t.Fatalf("%q resolved to %q, outside %q", p, real, canon)
		}
	})
}
