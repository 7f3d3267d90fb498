// SPDX-License-Identifier: Apache-2.0

package executor_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesostest"
)

// The executor's bearer token never shows in its debug log (the test
// executor logs with zap's development logger, debug level, to its
// sandbox's stderr) nor in the agent's log: a wrapper writes the token the
// agent gave to a file first, so that the test knows what to look for.
func TestE2ETokenNeverLogged(t *testing.T) {
	sandbox := t.TempDir()
	core, logs := observer.New(zapcore.DebugLevel)
	cl := newCluster(t, false, mesostest.WithSandboxDir(sandbox), mesostest.WithLogger(zap.New(core)))
	ei := executorInfo(t, "token-e", "func")
	exe := ei.GetCommand().GetValue()
	ei.Command.Shell = proto.Bool(true)
	ei.Command.Arguments = nil
	ei.Command.Value = proto.String(`printf %s "$MESOS_EXECUTOR_AUTHENTICATION_TOKEN" > token; exec '` + exe + `' -test.run='^$'`)
	cl.launch(launchOp(taskOn(ei, "t1", "finish")))
	cl.wait("t1", mesosproto.TaskState_TASK_FINISHED)
	cl.srv.Close() // the executor is shut down and logs its end

	var token string
	var outputs []string
	_ = filepath.Walk(sandbox, func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return nil
		}
		b, _ := os.ReadFile(p)
		if info.Name() == "token" {
			token = string(b)
		} else {
			outputs = append(outputs, p+": "+string(b))
		}
		return nil
	})
	if len(token) < 16 {
		t.Fatalf("token %q not found in the sandbox", token)
	}
	debugLines := 0
	for _, out := range outputs {
		debugLines += strings.Count(out, "\tDEBUG\t")
		if strings.Contains(out, token) {
			t.Errorf("the token shows in %s", out)
		}
	}
	if debugLines == 0 {
		t.Errorf("the executor logged no debug line: the scan proves little (%d files)", len(outputs))
	}
	for _, e := range logs.All() {
		if line := fmt.Sprint(e.Message, " ", e.ContextMap()); strings.Contains(line, token) {
			t.Errorf("the agent's log shows the token: %s", line)
		}
	}
	if logs.Len() == 0 {
		t.Error("mesostest logged nothing")
	}
}
