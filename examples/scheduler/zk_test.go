// SPDX-License-Identifier: Apache-2.0

package main

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mesoskit/mesoskit/internal/zktest"
	"github.com/mesoskit/mesoskit/mesostest"
)

// lockedBuffer is a bytes.Buffer the example and the test can share.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestZooKeeperMaster runs the example with -master zk://... against three mesostest masters contending in a
// real ZooKeeper; in the second run the leading master is killed as soon as a task runs, and the example
// must still finish every task.
func TestZooKeeperMaster(t *testing.T) {
	zkc := zktest.Start(t)
	for _, killLeader := range []bool{false, true} {
		name := "steady"
		if killLeader {
			name = "leader-killed"
		}
		t.Run(name, func(t *testing.T) {
			path := "/mesos/" + name
			srv, err := mesostest.NewServer(
				mesostest.WithZooKeeper("zk://"+zkc.ConnectString()+path),
				mesostest.WithMasters(3),
				mesostest.WithAgents(2, ""),
				mesostest.WithAllocationInterval(50*time.Millisecond),
			)
			if err != nil {
				t.Fatal(err)
			}
			defer srv.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()

			var out, errOut lockedBuffer
			done := make(chan int, 1)
			go func() { done <- run(ctx, []string{"-master", "zk://127.0.0.1:" + zkPort(zkc) + path}, &out, &errOut) }()
			if killLeader {
				deadline := time.Now().Add(30 * time.Second)
				for !strings.Contains(out.String(), "TASK_RUNNING") && time.Now().Before(deadline) {
					time.Sleep(5 * time.Millisecond)
				}
				if i, err := srv.KillLeader(); err != nil {
					t.Errorf("KillLeader: %v", err)
				} else {
					t.Logf("killed master %d after %q", i, firstLine(out.String(), "TASK_RUNNING"))
				}
			}
			var code int
			select {
			case code = <-done:
			case <-time.After(70 * time.Second):
				t.Fatal("the example did not finish")
			}
			t.Logf("output:\n%s", out.String())
			if code != 0 {
				t.Fatalf("exit status %d, stderr:\n%s", code, errOut.String())
			}
			if !strings.Contains(out.String(), "5/5 tasks finished") || strings.Contains(out.String(), "embedded") {
				t.Fatalf("unexpected output:\n%s", out.String())
			}
			if killLeader && !strings.Contains(out.String(), "disconnected") {
				t.Errorf("the example did not notice the failover")
			}
		})
	}
}

// zkPort is the port of the standalone ZooKeeper server (the spec is written out as a user would).
func zkPort(zkc *zktest.Cluster) string {
	return zkc.Servers()[0][strings.LastIndex(zkc.Servers()[0], ":")+1:]
}

func firstLine(s, containing string) string {
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, containing) {
			return l
		}
	}
	return ""
}
