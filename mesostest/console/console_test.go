// SPDX-License-Identifier: Apache-2.0

package console_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesostest"
	"github.com/mesoskit/mesoskit/mesostest/console"
	"github.com/mesoskit/mesoskit/scheduler"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

const agentResources = "cpus:8;mem:8192;disk:10000;ports:[31000-32000]"

// demoTasks are the tasks of the framework the browser test looks at.
func demoTasks(agent *mesosproto.AgentID) []*mesosproto.TaskInfo {
	res := []*mesosproto.Resource{scheduler.Scalar("cpus", 0.1), scheduler.Scalar("mem", 32)}
	health := scheduler.NewCommandTask("health-1", agent, "sleep 120", res...)
	health.HealthCheck = &mesosproto.HealthCheck{
		Type:            mesosproto.HealthCheck_COMMAND.Enum(),
		Command:         &mesosproto.CommandInfo{Value: proto.String("true")},
		DelaySeconds:    proto.Float64(0),
		IntervalSeconds: proto.Float64(1),
	}
	return []*mesosproto.TaskInfo{
		scheduler.NewCommandTask("web-1", agent, "echo hello-from-web-1; echo warming-up >&2; sleep 120", res...),
		scheduler.NewCommandTask("fail-1", agent, "echo about to fail; exit 3", res...),
		scheduler.NewCommandTask("kill-1", agent, "sleep 120", res...),
		health,
	}
}

// startFramework subscribes a framework named name that launches tasks on the
// first offer it gets; it follows the leader through srv.Detector().
func startFramework(t testing.TB, srv *mesostest.Server, name string, tasks func(*mesosproto.AgentID) []*mesosproto.TaskInfo) *scheduler.Client {
	t.Helper()
	var once sync.Once
	var c *scheduler.Client
	cb := scheduler.Callbacks{
		Offers: func(ctx context.Context, offers []scheduler.Offer) error {
			var err error
			once.Do(func() {
				o := &offers[0]
				err = c.Launch(ctx, []*mesosproto.OfferID{o.ProtoID()}, tasks(o.ProtoAgentID()), nil)
			})
			return err
		},
	}
	fi := scheduler.NewFrameworkInfo("tester", name)
	fi.FailoverTimeout = proto.Float64(3600)
	var err error
	c, err = scheduler.New(fi, scheduler.WithDetector(srv.Detector()), scheduler.WithBackoff(50*time.Millisecond, 500*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx, cb) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("scheduler Run: %v", err)
		}
	})
	wctx, wcancel := context.WithTimeout(ctx, 30*time.Second)
	defer wcancel()
	if err := c.WaitSubscribed(wctx); err != nil {
		t.Fatal(err)
	}
	return c
}

func waitTask(t testing.TB, srv *mesostest.Server, id string, st mesosproto.TaskState) *mesosproto.TaskStatus {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := srv.WaitTask(ctx, id, st)
	if err != nil {
		t.Fatalf("task %s never %v: %v", id, st, err)
	}
	return s
}

// TestConsoleInBrowser drives the console in headless Chromium against a two-master mesostest cluster
// with a framework whose tasks run, fail, get killed and report health, and checks what a person sees.
func TestConsoleInBrowser(t *testing.T) {
	srv, err := mesostest.NewServer(mesostest.WithMasters(2), mesostest.WithAgents(1, agentResources),
		mesostest.WithHeartbeatInterval(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close) // after the framework's cleanup
	b := newBrowser(t)
	masters := srv.MasterURLs()
	leader := srv.LeaderIndex()
	// The page is open before the framework subscribes: what follows reaches it live.
	b.open(masters[leader] + "/")
	b.waitText("empty-overview", "No framework is subscribed", "live")

	c := startFramework(t, srv, "console-demo", demoTasks)
	fwID := c.FrameworkID()
	running := waitTask(t, srv, "web-1", mesosproto.TaskState_TASK_RUNNING)
	failed := waitTask(t, srv, "fail-1", mesosproto.TaskState_TASK_FAILED)
	killable := waitTask(t, srv, "kill-1", mesosproto.TaskState_TASK_RUNNING)
	waitTask(t, srv, "health-1", mesosproto.TaskState_TASK_RUNNING)
	waitHealthy(t, srv, "health-1")

	t.Run("overview", func(t *testing.T) {
		b.tb = t
		b.waitText("overview", "console-demo", "Tasks by state", "RUNNING", "FAILED", hostPort(masters[leader]), "connected")
		b.shot("overview")
	})

	t.Run("framework", func(t *testing.T) {
		b.tb = t
		b.route("#/frameworks/" + fwID)
		b.waitText("framework", "Framework console-demo", "Failover timeout", "3600 s", "web-1", "fail-1", "kill-1", "health-1")
		b.shot("framework")
	})

	t.Run("agent", func(t *testing.T) {
		b.tb = t
		id := srv.AgentIDs()[0]
		b.route("#/agents/" + id)
		b.waitText("agent", "Agent "+hostPort(srv.AgentURL(id)), "Total", "cpus 8", "Free", "Executors", "web-1", "health-1")
		b.shot("agent")
	})

	t.Run("failed task", func(t *testing.T) {
		b.tb = t
		b.route("#/tasks/" + fwID + "/fail-1")
		b.waitText("failed-task", "Task fail-1", "FAILED", failed.GetMessage(), "Status history")
		b.shot("task-failed")
	})

	t.Run("health", func(t *testing.T) {
		b.tb = t
		b.route("#/tasks/" + fwID + "/health-1")
		b.waitText("health", "Task health-1", "healthy")
		b.shot("task-healthy")
	})

	t.Run("sandbox", func(t *testing.T) {
		b.tb = t
		b.route("#/tasks/" + fwID + "/web-1")
		b.waitText("sandbox", "Sandbox", "stdout", "stderr", "hello-from-web-1")
		if got := running.GetState(); got != mesosproto.TaskState_TASK_RUNNING {
			t.Fatalf("web-1 is %v", got)
		}
		p := b.shot("task-sandbox")
		if dst := os.Getenv("MESOSKIT_CONSOLE_SCREENSHOT"); dst != "" && p != "" {
			copyFile(t, p, dst)
		}
		if err := b.click(`.tabs button[data-file="stderr"]`); err != nil {
			t.Fatal(err)
		}
		b.waitText("sandbox-stderr", "warming-up")
	})

	t.Run("live update", func(t *testing.T) {
		b.tb = t
		b.route("#/tasks?q=kill")
		b.waitText("task-filter", "kill-1", "RUNNING", "1 of 4 tasks match")
		if _, err := b.eval(`window.__noReload = 'still here'`); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := c.Kill(ctx, killable.GetTaskId(), killable.GetAgentId(), nil); err != nil {
			t.Fatal(err)
		}
		b.waitText("live-update", "KILLED")
		if marker, err := b.eval(`window.__noReload || ''`); err != nil || marker != "still here" {
			t.Fatalf("the page reloaded (marker %q, %v)", marker, err)
		}
		b.shot("task-killed-live")
	})

	t.Run("sort", func(t *testing.T) {
		b.tb = t
		b.route("#/tasks")
		b.waitText("all-tasks", "web-1", "fail-1", "kill-1", "health-1")
		firstRow := `document.querySelector('table[data-table="alltasks"] tbody tr td').innerText`
		for _, want := range []string{"fail-1", "web-1"} { // ascending by task ID, then descending
			if err := b.click(`table[data-table="alltasks"] th[data-col="0"]`); err != nil {
				t.Fatal(err)
			}
			if got, err := b.eval(firstRow); err != nil || got != want {
				t.Fatalf("first task after sorting by ID: %q (%v), want %q", got, err, want)
			}
		}
		b.shot("tasks-sorted")
	})

	t.Run("standby redirects", func(t *testing.T) {
		b.tb = t
		standby := 1 - leader
		b.open(masters[standby] + "/#/frameworks/" + fwID)
		// GET_MASTER answers 307 on a standby; the page goes to /master/redirect, which sends it to the leader.
		b.waitJS("standby-to-leader", `location.host === "`+hostPort(masters[leader])+`" && location.hash === "#/frameworks/`+fwID+`"`)
		b.waitText("leader-after-redirect", "Framework console-demo", "web-1")
		// A fresh page still lists the tasks that ended before it opened.
		b.route("#/tasks")
		b.waitText("finished-tasks", "fail-1", "FAILED", "kill-1", "KILLED")
	})

	t.Run("separate tool", func(t *testing.T) {
		b.tb = t
		// What mesos-local -console-for serves: the console of another process, proxying to the masters.
		ts := httptest.NewServer(console.New(console.WithUpstream(masters...)))
		defer func() {
			ts.CloseClientConnections() // the page's proxied event stream never ends by itself
			ts.Close()
		}()
		b.open(ts.URL + "/#/tasks/" + fwID + "/web-1")
		b.waitText("separate-tool", "Task web-1", "console-demo", "hello-from-web-1")
		b.shot("separate-tool")
	})

	t.Run("leader killed", func(t *testing.T) {
		b.tb = t
		b.open(masters[leader] + "/#/frameworks/" + fwID)
		b.waitText("before-failover", "Framework console-demo")
		if err := srv.KillMaster(leader); err != nil {
			t.Fatal(err)
		}
		next := srv.LeaderIndex()
		if next < 0 || next == leader {
			t.Fatalf("leader after killing master %d: %d", leader, next)
		}
		// The page finds the other master, which leads now; the framework resubscribes to it.
		b.waitJS("moved-to-new-leader", `location.host === "`+hostPort(masters[next])+`"`)
		b.waitText("after-failover", "Framework console-demo", "connected", "web-1", "health-1")
		if loc := b.location(); !strings.HasPrefix(loc, masters[next]+"/") || !strings.Contains(loc, "#/frameworks/"+fwID) {
			t.Fatalf("page at %s, want master %d's %s with the framework's route", loc, next, masters[next])
		}
		b.open(masters[next] + "/")
		b.waitText("after-failover-overview", hostPort(masters[next]), "console-demo")
		b.shot("overview-after-failover")
	})
}

// waitHealthy waits until the cluster recorded a healthy status for the task.
func waitHealthy(t testing.TB, srv *mesostest.Server, id string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for {
		for _, st := range srv.TaskUpdates(id) {
			if st.GetHealthy() {
				return
			}
		}
		tick := time.NewTimer(50 * time.Millisecond)
		select {
		case <-ctx.Done():
			tick.Stop()
			t.Fatalf("task %s never reported healthy: %v", id, srv.TaskUpdates(id))
		case <-tick.C:
		}
	}
}

func hostPort(u string) string {
	return strings.TrimPrefix(strings.TrimPrefix(u, "http://"), "https://")
}

func copyFile(t testing.TB, src, dst string) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestConsoleAssets checks the page and its assets without a browser: the page names them and the masters.
func TestConsoleAssets(t *testing.T) {
	srv, err := mesostest.NewServer(mesostest.WithMasters(2), mesostest.WithAgents(0, ""))
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	get := func(path string) (int, string, string) {
		resp, err := srv.Client().Get(srv.URL() + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header.Get("Content-Type"), string(body)
	}
	code, ct, body := get("/")
	if code != http.StatusOK || !strings.HasPrefix(ct, "text/html") {
		t.Fatalf("/: %d %s", code, ct)
	}
	for _, u := range srv.MasterURLs() {
		if !strings.Contains(body, u) {
			t.Errorf("the page does not list master %s:\n%s", u, body)
		}
	}
	for _, p := range []string{"/console/app.js", "/console/app.css"} {
		if !strings.Contains(body, p) {
			t.Errorf("the page does not load %s", p)
		}
		if code, _, b := get(p); code != http.StatusOK || len(b) < 100 {
			t.Errorf("%s: %d, %d bytes", p, code, len(b))
		}
	}
	if code, _, _ := get("/console/nothing.js"); code != http.StatusNotFound {
		t.Errorf("/console/nothing.js: %d, want 404", code)
	}
}
