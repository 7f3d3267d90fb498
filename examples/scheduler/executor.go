// SPDX-License-Identifier: Apache-2.0

package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// executorPackage is the custom executor of -executor runs.
const executorPackage = "github.com/mesoskit/mesoskit/examples/executor"

// executorCommand says how the agent starts the custom executor of -executor runs: the binary named
// executor beside this one when there is one (`go build -o DIR/ ./examples/...` lays them out so),
// otherwise examples/executor built with the go command into a temporary directory (what makes
// `go run ./examples/scheduler -executor` work), removed by cleanup. The agent runs it as a process on the
// same machine, so this suits local clusters (the embedded one, cmd/mesos-local); on a real cluster the
// executor must be at the same path on the agents, or fetched from a URI (CommandInfo.uris).
func executorCommand(ctx context.Context) (argv []string, cleanup func(), err error) {
	self, err := os.Executable()
	if err != nil {
		return nil, nil, fmt.Errorf("-executor: cannot locate this program: %w", err)
	}
	if beside := filepath.Join(filepath.Dir(self), "executor"); isExecutable(beside) {
		return []string{beside}, func() {}, nil
	}
	dir, err := os.MkdirTemp("", "mesoskit-example-executor-")
	if err != nil {
		return nil, nil, fmt.Errorf("-executor: %w", err)
	}
	bin := filepath.Join(dir, "executor")
	if out, err := exec.CommandContext(ctx, "go", "build", "-o", bin, executorPackage).CombinedOutput(); err != nil {
		_ = os.RemoveAll(dir)
		return nil, nil, fmt.Errorf("-executor: no executor beside %s, and building %s failed: %w\n%s", self, executorPackage, err, out)
	}
	return []string{bin}, func() { _ = os.RemoveAll(dir) }, nil
}

func isExecutable(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0
}
