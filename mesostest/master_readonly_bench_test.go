// SPDX-License-Identifier: Apache-2.0

package mesostest

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"strconv"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/mesosproto"
)

// countingWriter is an http.ResponseWriter that only counts the body.
type countingWriter struct {
	h http.Header
	n int64
}

func (w *countingWriter) Header() http.Header         { return w.h }
func (w *countingWriter) WriteHeader(int)             {}
func (w *countingWriter) Write(b []byte) (int, error) { w.n += int64(len(b)); return len(b), nil }

// largeCluster builds a cluster of agents agents running tasks simulated
// tasks of one framework, launched straight into the model (the scheduler
// protocol is not what is measured).
func largeCluster(b *testing.B, agents, tasks int) *Server {
	b.Helper()
	srv, err := NewServer(WithAgents(agents, "cpus:64;mem:262144;disk:100000;ports:[31000-32000]"),
		WithSimulatedTasks(-1), WithAllocationInterval(time.Hour))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(srv.Close)
	res, err := parseResourceString("cpus:0.1;mem:32")
	if err != nil {
		b.Fatal(err)
	}
	srv.mu.Lock()
	m := srv.leaderLocked()
	fi := &mesosproto.FrameworkInfo{User: proto.String("bench"), Name: proto.String("bench"),
		Id: &mesosproto.FrameworkID{Value: proto.String(frameworkIDFor(m.info.GetId(), 0))}}
	fw := newFramework(m, fi, frameworkRecovered)
	m.st.frameworks[fw.id] = fw
	for i := range tasks {
		ti := &mesosproto.TaskInfo{Name: proto.String("task"), TaskId: &mesosproto.TaskID{Value: proto.String("task-" + strconv.Itoa(i))}}
		srv.launchTaskLocked(fw, srv.agents[i%agents], "*", ti, res)
	}
	srv.mu.Unlock()
	return srv
}

// BenchmarkMasterState renders /state of a 10,000-agent, 100,000-task
// cluster; it reports the body size and the heap in use after the
// rendering, beside the time and allocations of one request.
func BenchmarkMasterState(b *testing.B) {
	srv := largeCluster(b, 10000, 100000)
	m := srv.masters[0]
	req := httptest.NewRequest(http.MethodGet, "/master/state", nil)
	var n int64
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		w := &countingWriter{h: http.Header{}}
		m.serveState(w, req, url.Values{})
		n = w.n
	}
	b.StopTimer()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	b.ReportMetric(float64(n), "bytes/response")
	b.ReportMetric(float64(ms.HeapInuse)/(1<<20), "MiB-heap-inuse")
}

// BenchmarkMasterTasks renders /tasks?limit=100 of the same cluster: the
// whole task list is sorted for every page, as in Mesos.
func BenchmarkMasterTasks(b *testing.B) {
	srv := largeCluster(b, 10000, 100000)
	m := srv.masters[0]
	req := httptest.NewRequest(http.MethodGet, "/master/tasks", nil)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		m.serveTasks(&countingWriter{h: http.Header{}}, req, url.Values{})
	}
}
