// SPDX-License-Identifier: Apache-2.0

package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mesoskit/mesoskit/internal/httpapi"
	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/schedulerpb"
	"github.com/mesoskit/mesoskit/mesostest"
)

// cutProxy forwards the master's HTTP API to the example. The first ACCEPT goes to the master, which applies
// it and answers; the proxy then closes the example's connection instead of passing the answer on, as when a
// connection is cut after the master received a call.
type cutProxy struct {
	target *url.URL
	tr     *http.Transport
	rp     *httputil.ReverseProxy
	cut    atomic.Bool  // the first ACCEPT has been taken
	status atomic.Int32 // the master's answer to it, which the example never saw
}

func newCutProxy(master string) (*cutProxy, error) {
	u, err := url.Parse(master)
	if err != nil {
		return nil, err
	}
	p := &cutProxy{target: u, tr: &http.Transport{}}
	p.rp = httputil.NewSingleHostReverseProxy(u)
	p.rp.Transport = p.tr
	p.rp.FlushInterval = -1 // the SUBSCRIBE stream event by event
	return p, nil
}

func (p *cutProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/api/v1/scheduler" {
		p.rp.ServeHTTP(w, r)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 4<<20))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	var call schedulerpb.Call
	codec, err := httpapi.CodecFor(r.Header.Get("Content-Type"))
	if err != nil || codec.Unmarshal(body, &call) != nil ||
		call.GetType() != schedulerpb.Call_ACCEPT || !p.cut.CompareAndSwap(false, true) {
		p.rp.ServeHTTP(w, r)
		return
	}
	out, err := http.NewRequestWithContext(r.Context(), r.Method, p.target.JoinPath(r.URL.Path).String(), bytes.NewReader(body))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	out.Header = r.Header.Clone()
	resp, err := p.tr.RoundTrip(out)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	p.status.Store(int32(resp.StatusCode))
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil { // not expected of httptest's HTTP/1.1 server; the test then fails on the status
		p.status.Store(-1)
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	_ = conn.Close() // the answer is lost
}

// TestLaunchAnswerLost: a LAUNCH the master applied but whose answer was lost is not launched again with the
// next offers; every task runs once and finishes. The tasks run until the test ends them, so a task launched
// again while its first run goes on is refused by the master with TASK_ERROR "Task has duplicate ID", as seen
// in the chaos soak.
func TestLaunchAnswerLost(t *testing.T) {
	for _, ct := range []string{"protobuf", "json"} {
		t.Run(ct, func(t *testing.T) { testLaunchAnswerLost(t, ct) })
	}
}

func testLaunchAnswerLost(t *testing.T, ct string) {
	const tasks = 3
	srv, err := mesostest.NewServer(mesostest.WithAgents(1, "cpus:4;mem:4096;disk:10000"),
		mesostest.WithAllocationInterval(50*time.Millisecond), mesostest.WithSimulatedTasks(-1))
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	proxy, err := newCutProxy(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	front := httptest.NewServer(proxy)
	defer front.Close()
	defer proxy.tr.CloseIdleConnections()

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var out, errOut lockedBuffer
	exited := make(chan int, 1)
	go func() {
		exited <- run(ctx, []string{"-master", front.URL, "-content-type", ct, "-tasks", strconv.Itoa(tasks)}, &out, &errOut)
	}()
	// Once nothing is left to launch the example suppresses its offers. Before the fix, the cut tasks were
	// still to launch: the next offer (when the refuse filter of the accepted one expired) launched them again,
	// and only then came SUPPRESS.
	code, ended, err := waitCall(ctx, srv, schedulerpb.Call_SUPPRESS, exited)
	if err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if !ended { // the old example has ended here, having seen TASK_ERROR for every task: checked below
		for k := 1; k <= tasks; k++ {
			id := "task-" + strconv.Itoa(k)
			if _, err := srv.WaitTask(ctx, id, mesosproto.TaskState_TASK_RUNNING); err != nil {
				t.Fatalf("%s: %v\n%s", id, err, out.String())
			}
			if err := srv.CompleteTask(id, mesosproto.TaskState_TASK_FINISHED, ""); err != nil {
				t.Errorf("%s: %v", id, err)
			}
		}
		select {
		case code = <-exited:
		case <-ctx.Done():
			t.Fatalf("the example did not end:\n%s", out.String())
		}
	}
	t.Logf("output:\n%s", out.String())
	if !proxy.cut.Load() {
		t.Fatal("no ACCEPT went through the proxy: nothing was cut")
	}
	if st := proxy.status.Load(); st != http.StatusAccepted {
		t.Fatalf("the master answered the cut ACCEPT %d, want 202 (applied)", st)
	}
	if code != 0 {
		t.Errorf("exit status %d, stderr:\n%s", code, errOut.String())
	}
	if !strings.Contains(out.String(), fmt.Sprintf("%d/%d tasks finished", tasks, tasks)) {
		t.Errorf("no summary line in output")
	}
	if strings.Contains(out.String(), "duplicate ID") {
		t.Errorf("the example relaunched a task under an ID in use")
	}
	checkRanOnce(t, srv, tasks)
}

// waitCall polls the master's record until it has answered a call of type typ with 202 (ended false) or the
// example has ended (ended true, with its exit status); an error when ctx is done first.
func waitCall(ctx context.Context, srv *mesostest.Server, typ schedulerpb.Call_Type, exited <-chan int) (code int, ended bool, err error) {
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		for _, c := range srv.Calls() {
			if c.Type == typ && c.Status == http.StatusAccepted {
				return 0, false, nil
			}
		}
		select {
		case code := <-exited:
			return code, true, nil
		case <-ctx.Done():
			return 0, false, fmt.Errorf("no %v: %w", typ, ctx.Err())
		case <-tick.C:
		}
	}
}

// checkRanOnce checks in the master's record that every task was launched once, was never refused, and ran
// and finished once.
func checkRanOnce(t *testing.T, srv *mesostest.Server, tasks int) {
	t.Helper()
	launches := map[string]int{} // LAUNCH operations per task ID, as the master received them
	for _, c := range srv.Calls() {
		for _, op := range c.Call.GetAccept().GetOperations() {
			for _, ti := range op.GetLaunch().GetTaskInfos() {
				launches[ti.GetTaskId().GetValue()]++
			}
		}
	}
	for k := 1; k <= tasks; k++ {
		id := "task-" + strconv.Itoa(k)
		if launches[id] != 1 {
			t.Errorf("%s launched %d times, want 1", id, launches[id])
		}
		running, finished := 0, 0
		for _, st := range srv.TaskUpdates(id) {
			switch st.GetState() {
			case mesosproto.TaskState_TASK_ERROR:
				t.Errorf("%s: TASK_ERROR %q", id, st.GetMessage())
			case mesosproto.TaskState_TASK_RUNNING:
				running++
			case mesosproto.TaskState_TASK_FINISHED:
				finished++
			}
		}
		if running != 1 || finished != 1 {
			t.Errorf("%s: %d TASK_RUNNING and %d TASK_FINISHED updates, want 1 and 1", id, running, finished)
		}
	}
}
