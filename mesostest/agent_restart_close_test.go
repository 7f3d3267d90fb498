// SPDX-License-Identifier: Apache-2.0

package mesostest

import (
	"net"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/mesoskit/mesoskit/mesosproto/executorpb"
)

// Close waits for a restarted agent's endpoint that is still trying to
// listen again: no goroutine of the Server runs once Close has returned (a
// test's goleak would report it). The port is held by the test, so the
// endpoint keeps retrying while Close runs.
func TestCloseWaitsForRestartedAgentEndpoint(t *testing.T) {
	srv := newServer(t)
	_, st, _ := execEnv(t, srv, frameworkInfo("relisten"), "ex", "t1")
	e := newExecClient(t, st, "")
	es := e.subscribe(nil)
	es.next(executorpb.Event_SUBSCRIBED)
	es.next(executorpb.Event_LAUNCH)
	if err := srv.RestartAgent(st.AgentID, 200*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	var blocker net.Listener
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		var err error
		if blocker, err = net.Listen("tcp", st.Endpoint); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the restarted agent's port stayed busy: %v", err)
		}
	}
	defer blocker.Close()
	for deadline := time.Now().Add(5 * time.Second); !goroutineIn("mesostest.listenRetry"); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the endpoint never tried to listen again")
		}
	}
	srv.Close()
	if goroutineIn("mesostest.listenRetry") {
		t.Fatal("after Close, a goroutine of the Server still tries to listen on the agent's port")
	}
}

// goroutineIn reports whether a goroutine's stack holds the function fn.
func goroutineIn(fn string) bool {
	buf := make([]byte, 1<<20)
	return strings.Contains(string(buf[:runtime.Stack(buf, true)]), fn)
}
