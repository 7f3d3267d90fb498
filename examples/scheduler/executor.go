// SPDX-License-Identifier: Apache-2.0

package main

import (
	"errors"
	"os"
	"path/filepath"

	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/mesosproto"
)

// envExecutorMode, set to "1" in a custom executor's environment, makes this binary run as the executor.
const envExecutorMode = "MESOSKIT_EXAMPLE_EXECUTOR"

// Resources of each custom executor: Mesos's minimum (src/master/constants.hpp MIN_CPUS, MIN_MEM).
const (
	executorCPUs = 0.01
	executorMem  = 32
)

// executorCommand says how the agent starts the custom executor of -executor runs. A binary named executor
// beside this one (`go build -o DIR/ ./examples/...`) is used when there is one; otherwise this binary is
// started again with envExecutorMode set, which is what makes `go run ./examples/scheduler -executor` work.
// Either way the agent runs it as a process on the same machine, so this suits local clusters (the embedded
// one, cmd/mesos-local); on a real cluster the path must exist on the agents.
func executorCommand() (*mesosproto.CommandInfo, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, errors.New("-executor: cannot locate this program: " + err.Error())
	}
	if beside := filepath.Join(filepath.Dir(self), "executor"); isExecutable(beside) {
		return &mesosproto.CommandInfo{Shell: proto.Bool(false), Value: proto.String(beside), Arguments: []string{beside}}, nil
	}
	return &mesosproto.CommandInfo{
		Shell:     proto.Bool(false),
		Value:     proto.String(self),
		Arguments: []string{self},
		Environment: &mesosproto.Environment{Variables: []*mesosproto.Environment_Variable{
			{Name: proto.String(envExecutorMode), Value: proto.String("1")},
		}},
	}, nil
}

func isExecutable(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0
}
