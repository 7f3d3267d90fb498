// SPDX-License-Identifier: Apache-2.0

// Package examples_test keeps the Go snippets of README.md compiling: each
// ```go block is wrapped in the declarations it assumes (a ctx, a t, a
// FrameworkInfo …), written into a throw-away package inside this module and
// vetted with the go command.
package examples_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// snippet says what one README block needs around it. Blocks are matched
// by a line they contain, so reordering the README does not mix them up.
type snippet struct {
	marker  string // a line of the block that identifies it
	imports []string
	before  string // code before the block, inside the function
	after   string // code after the block, inside the function
	extra   string // top-level declarations
	sig     string // the wrapping function's signature
	test    bool   // the block is a whole Test function: it is compiled into a test file and run
}

var snippets = []snippet{
	{
		marker:  "scheduler.WithMaster(\"zk://zk1:2181,zk2:2181/mesos\")",
		imports: []string{"context", "log", "google.golang.org/protobuf/proto", "github.com/mesoskit/mesoskit/mesosproto", "github.com/mesoskit/mesoskit/scheduler"},
		sig:     "func run(ctx context.Context) error",
	},
	{
		marker: "func TestHello(t *testing.T) {",
		imports: []string{"context", "testing", "time", "google.golang.org/protobuf/proto", "github.com/mesoskit/mesoskit/mesosproto",
			"github.com/mesoskit/mesoskit/mesostest", "github.com/mesoskit/mesoskit/scheduler", "github.com/mesoskit/mesoskit/scheduler/schedulertest"},
		test: true,
	},
}

// goBlocks returns the bodies of the ```go blocks of a Markdown text.
func goBlocks(md string) []string {
	var (
		blocks []string
		cur    []string
		in     bool
	)
	for _, line := range strings.Split(md, "\n") {
		switch {
		case !in && strings.TrimSpace(line) == "```go":
			in, cur = true, nil
		case in && strings.TrimSpace(line) == "```":
			in = false
			blocks = append(blocks, strings.Join(cur, "\n"))
		case in:
			cur = append(cur, line)
		}
	}
	return blocks
}

func TestGoBlocksParse(t *testing.T) {
	got := goBlocks("x\n```go\na\nb\n```\n```sh\nc\n```\n```go\nd\n```\n")
	if len(got) != 2 || got[0] != "a\nb" || got[1] != "d" {
		t.Fatalf("goBlocks = %q, want [\"a\\nb\" \"d\"]", got)
	}
}

func TestReadmeSnippetsCompile(t *testing.T) {
	goCmd, err := exec.LookPath("go")
	if err != nil {
		t.Skip("the go command is not in PATH")
	}
	md, err := os.ReadFile(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	blocks := goBlocks(string(md))
	if len(blocks) != len(snippets) {
		t.Fatalf("README.md has %d go blocks, this test knows %d: add the new one to snippets", len(blocks), len(snippets))
	}
	// A directory starting with "_" is inside the module (so its imports
	// resolve) but outside ./... patterns.
	dir, err := os.MkdirTemp(".", "_readme")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })

	used := make(map[int]bool)
	files := map[bool]*goFile{false: newGoFile(), true: newGoFile()} // by snippet.test
	for i, sn := range snippets {
		idx := -1
		for j, b := range blocks {
			if strings.Contains(b, sn.marker) {
				idx = j
				break
			}
		}
		if idx < 0 {
			t.Fatalf("no README go block contains %q", sn.marker)
		}
		if used[idx] {
			t.Fatalf("README go block %d matched twice", idx)
		}
		used[idx] = true
		f := files[sn.test]
		f.use(sn.imports)
		if sn.test {
			fmt.Fprintf(&f.body, "\n%s\n", blocks[idx])
		} else {
			fmt.Fprintf(&f.body, "\n%s {\n%s\n%s\n%s\n}\n", strings.Replace(sn.sig, "func ", fmt.Sprintf("func snippet%d_", i), 1), sn.before, blocks[idx], sn.after)
		}
		if sn.extra != "" {
			f.body.WriteString("\n" + sn.extra + "\n")
		}
	}
	for test, name := range map[bool]string{false: "readme.go", true: "readme_test.go"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(files[test].String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command(goCmd, "vet", "./"+filepath.ToSlash(dir))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("README.md's Go snippets do not compile (go vet): %v\n%s\nsource:\n%s\n%s", err, out, files[false], files[true])
	}
	// The snippets that are whole tests run, as a reader would run them in their own repository.
	cmd = exec.Command(goCmd, "test", "-count=1", "./"+filepath.ToSlash(dir))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("README.md's test snippets fail (go test): %v\n%s\nsource:\n%s", err, out, files[true])
	}
}

// goFile is one generated file of package readme: the imports its snippets need, then their code.
type goFile struct {
	imports []string
	seen    map[string]bool
	body    strings.Builder
}

func newGoFile() *goFile { return &goFile{seen: make(map[string]bool)} }

func (f *goFile) use(imports []string) {
	for _, imp := range imports {
		if !f.seen[imp] {
			f.seen[imp] = true
			f.imports = append(f.imports, imp)
		}
	}
}

func (f *goFile) String() string {
	var b strings.Builder
	b.WriteString("// Code generated by readme_test.go from README.md. DO NOT EDIT.\n\npackage readme\n")
	if len(f.imports) > 0 {
		b.WriteString("\nimport (\n")
		for _, imp := range f.imports {
			fmt.Fprintf(&b, "\t%q\n", imp)
		}
		b.WriteString(")\n")
	}
	b.WriteString(f.body.String())
	return b.String()
}
