// SPDX-License-Identifier: Apache-2.0

package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/mesoskit/mesoskit/discovery"
	"github.com/mesoskit/mesoskit/ha"
	"github.com/mesoskit/mesoskit/internal/zktest"
	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesostest"
)

// TestLiveConfigAndAnnounce runs the HA example with -ha-config and -announce: its task command and count
// come from ZooKeeper, a change made while it runs is applied without a restart (a second task is launched,
// with the new command), and its running tasks are announced as ServerSet members until it stops.
func TestLiveConfigAndAnnounce(t *testing.T) {
	zkc := zktest.Start(t)
	srv, err := mesostest.NewServer(mesostest.WithAgents(1, "cpus:4;mem:4096;ports:[31000-31099]"),
		mesostest.WithAllocationInterval(50*time.Millisecond), mesostest.WithHeartbeatInterval(200*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	zkURL := "zk://" + zkc.ConnectString()
	args := []string{"-master", strings.TrimPrefix(srv.URL(), "http://"), "-ha", zkURL + "/live", "-ha-session-timeout", "2s",
		"-ha-config", "-tasks", "1", "-cpus", "0.1", "-cmd", "sleep 600", "-announce", zkURL + "/services/demo"}
	var out, errOut lockedBuffer
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	exited := make(chan int, 1)
	go func() { exited <- run(runCtx, args, &out, &errOut) }()
	defer func() {
		stop()
		<-exited
		t.Logf("output:\n%s\nstderr:\n%s", out.String(), errOut.String())
	}()

	disco, err := discovery.New(zkc.Servers())
	if err != nil {
		t.Fatal(err)
	}
	defer disco.Close()
	w, err := disco.Watch("/services/demo")
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()

	if _, err := srv.WaitTask(ctx, "task-1", mesosproto.TaskState_TASK_RUNNING); err != nil {
		t.Fatal(err)
	}
	members := waitMemberCount(ctx, t, w, 1)
	if m := members[0]; m.ServiceEndpoint.Host != "127.0.0.1" || m.ServiceEndpoint.Port < 31000 || m.ServiceEndpoint.Port > 31099 {
		t.Fatalf("announced %+v", m)
	}

	// An operator raises the count and changes the command, with compare-and-set.
	conn, err := ha.Connect(zkc.Servers())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	cfg, err := ha.NewConfig(conn, "/live/config")
	if err != nil {
		t.Fatal(err)
	}
	rec, err := cfg.Get(ctx)
	if err != nil {
		t.Fatalf("the example did not write its configuration: %v", err)
	}
	if lc, err := parseLiveConfig(rec.Data); err != nil || lc != (liveConfig{Cmd: "sleep 600", Tasks: 1}) {
		t.Fatalf("initial configuration %s: %+v, %v", rec.Data, lc, err)
	}
	if _, err := cfg.Set(ctx, []byte(`{"cmd":"true","tasks":2}`), rec.Version); err != nil {
		t.Fatal(err)
	}
	// task-2 finishes: it runs the new command (the old one sleeps for ten minutes).
	if _, err := srv.WaitTask(ctx, "task-2", mesosproto.TaskState_TASK_FINISHED); err != nil {
		t.Fatalf("task-2: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), `configuration v1: 2 tasks running "true"`) {
		t.Errorf("no line about the new configuration in:\n%s", out.String())
	}
	waitMemberCount(ctx, t, w, 1) // task-2 was withdrawn when it finished

	stop()
	<-exited
	exited <- 0 // for the deferred wait
	waitMemberCount(ctx, t, w, 0)
}

func waitMemberCount(ctx context.Context, t *testing.T, w *discovery.Watcher, n int) []discovery.Member {
	t.Helper()
	for {
		members, changed, err := w.Members(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(members) == n {
			return members
		}
		select {
		case <-changed:
		case <-ctx.Done():
			t.Fatalf("%d members, want %d", len(members), n)
		}
	}
}

// TestAnnounceEmbedded runs the example with -announce on its embedded cluster: both tasks are announced
// while they run, and nothing is left when it has finished.
func TestAnnounceEmbedded(t *testing.T) {
	zkc := zktest.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	disco, err := discovery.New(zkc.Servers())
	if err != nil {
		t.Fatal(err)
	}
	defer disco.Close()
	w, err := disco.Watch("/services/embedded")
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	var out, errOut lockedBuffer
	exited := make(chan int, 1)
	go func() {
		exited <- run(ctx, []string{"-tasks", "2", "-cmd", "sleep 3", "-announce", "zk://" + zkc.ConnectString() + "/services/embedded"}, &out, &errOut)
	}()
	members := waitMemberCount(ctx, t, w, 2)
	if members[0].ServiceEndpoint.Port == members[1].ServiceEndpoint.Port && members[0].ServiceEndpoint.Host == members[1].ServiceEndpoint.Host {
		t.Errorf("two tasks announced at one endpoint: %+v", members)
	}
	if code := <-exited; code != 0 {
		t.Fatalf("exit status %d\n%s\n%s", code, out.String(), errOut.String())
	}
	waitMemberCount(ctx, t, w, 0)
}
