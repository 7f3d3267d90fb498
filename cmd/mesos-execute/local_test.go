// SPDX-License-Identifier: Apache-2.0

package main

import (
	"bufio"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestAgainstMesosLocal runs the mesos-execute and mesos-local binaries as a user does, and checks the
// process's exit status: 0 for a finished command, the command's status for a failed one, 2 for a bad
// resource string.
func TestAgainstMesosLocal(t *testing.T) {
	goCmd, err := exec.LookPath("go")
	if err != nil {
		t.Skip("the go command is not in PATH")
	}
	bin := t.TempDir()
	if out, err := exec.Command(goCmd, "build", "-o", bin+"/", "github.com/mesoskit/mesoskit/cmd/mesos-execute",
		"github.com/mesoskit/mesoskit/cmd/mesos-local").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	local := exec.Command(filepath.Join(bin, "mesos-local"), "-listen", "127.0.0.1:0", "-agents", "1",
		"-resources", "cpus:2;mem:1024;disk:1000;ports:[31000-31010]", "-allocation-interval", "50ms", "-quiet")
	stdout, err := local.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := local.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = local.Process.Signal(os.Interrupt); _ = local.Wait() })
	lines := bufio.NewScanner(stdout)
	if !lines.Scan() {
		t.Fatal("mesos-local printed no URL")
	}
	master := strings.TrimSpace(lines.Text()) // the leading master's URL comes first
	go func() {
		for lines.Scan() { // keep mesos-local's stdout drained
		}
	}()

	for _, tc := range []struct {
		args []string
		want int
	}{
		{[]string{"-name", "ok", "-command", "echo hello"}, 0},
		{[]string{"-name", "three", "-command", "exit 3", "-content_type", "json"}, 3},
		{[]string{"-name", "bad", "-command", "true", "-resources", "cpus:1;mem:lots"}, 2},
	} {
		cmd := exec.Command(filepath.Join(bin, "mesos-execute"), append([]string{"-master", master}, tc.args...)...)
		out, err := cmd.CombinedOutput()
		code := 0
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			code = exit.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		if code != tc.want {
			t.Errorf("mesos-execute %q exited %d, want %d; output:\n%s", tc.args, code, tc.want, out)
		}
	}
}
