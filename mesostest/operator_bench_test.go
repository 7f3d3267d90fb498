// SPDX-License-Identifier: Apache-2.0

package mesostest

import (
	"fmt"
	"runtime"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/internal/httpapi"
	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/masterpb"
)

// BenchmarkOperatorGetState builds and encodes the GET_STATE response of a
// cluster of 10,000 agents running 100,000 simulated tasks of one framework,
// in both content types, streamed and built whole; it reports the size of
// the answer.
func BenchmarkOperatorGetState(b *testing.B) {
	const agents, tasks = 10000, 100000
	srv, err := NewServer(WithAgents(agents, "cpus:64;mem:262144;disk:100000;ports:[31000-32000]"),
		WithSimulatedTasks(-1), WithAllocationInterval(time.Hour), WithUpdateRetryInterval(5*time.Minute))
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	task := func(i int, a *agent) (*mesosproto.TaskInfo, resources) {
		ti := &mesosproto.TaskInfo{
			Name:      proto.String("web"),
			TaskId:    &mesosproto.TaskID{Value: proto.String(fmt.Sprintf("task-%d", i))},
			AgentId:   a.idProto(),
			Resources: []*mesosproto.Resource{scalar("cpus", 0.1), scalar("mem", 32)},
		}
		res, err := resourcesFromProto(ti.Resources)
		if err != nil {
			b.Fatal(err)
		}
		return ti, res
	}
	srv.mu.Lock()
	m := srv.leaderLocked()
	fi := &mesosproto.FrameworkInfo{User: proto.String("bench"), Name: proto.String("bench"),
		Id: &mesosproto.FrameworkID{Value: proto.String(frameworkIDFor(m.info.GetId(), 0))}}
	fw := newFramework(m, fi, frameworkConnected) // no stream: updates wait on the agents
	m.st.frameworks[fw.id] = fw
	for i := range tasks {
		a := srv.agents[i%agents]
		ti, res := task(i, a)
		srv.launchTaskLocked(fw, a, "*", ti, res)
	}
	srv.mu.Unlock()

	// "protobuf" and "json" are what the master does (the answer encoded
	// element by element, operator_state_stream.go); "whole-protobuf" and
	// "whole-json" build the Response first and encode it, as before.
	for round := 0; round < 2; round++ {
		for _, codec := range []httpapi.Codec{httpapi.Protobuf, httpapi.JSON} {
			json := codec.MediaType() == httpapi.MediaTypeJSON
			if round == 0 {
				b.Run(codecName(codec), func(b *testing.B) {
					b.ReportAllocs()
					held := heldBytes(func() any {
						srv.mu.Lock()
						defer srv.mu.Unlock()
						return m.encodeGetStateResponseLocked(json)
					})
					var size int
					for b.Loop() {
						srv.mu.Lock()
						size = m.encodeGetStateResponseLocked(json).size
						srv.mu.Unlock()
					}
					b.ReportMetric(float64(size), "resp-bytes")
					b.ReportMetric(held, "held-bytes") // after the loop, which drops metrics reported before
				})
				continue
			}
			b.Run("whole-"+codecName(codec), func(b *testing.B) {
				b.ReportAllocs()
				held := heldBytes(func() any {
					srv.mu.Lock()
					resp, _, _ := m.operatorCallLocked(opCall(masterpb.Call_GET_STATE))
					srv.mu.Unlock()
					out, err := codec.Marshal(resp)
					if err != nil {
						b.Fatal(err)
					}
					return [2]any{resp, out} // both are live when the answer is written
				})
				var size int
				for b.Loop() {
					srv.mu.Lock()
					resp, status, _ := m.operatorCallLocked(opCall(masterpb.Call_GET_STATE))
					srv.mu.Unlock()
					if status != 200 {
						b.Fatalf("status %d", status)
					}
					out, err := codec.Marshal(resp)
					if err != nil {
						b.Fatal(err)
					}
					size = len(out)
				}
				b.ReportMetric(float64(size), "resp-bytes")
				b.ReportMetric(held, "held-bytes")
			})
		}
	}
}

// heldBytes is how much more live heap there is while the result of f is
// held than before f ran (after a garbage collection each time): the
// copies of the state an answer keeps at its peak.
func heldBytes(f func() any) float64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.GC() // the second also frees what sync.Pools kept through the first
	runtime.ReadMemStats(&before)
	v := f()
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(v)
	return float64(int64(after.HeapAlloc) - int64(before.HeapAlloc))
}
