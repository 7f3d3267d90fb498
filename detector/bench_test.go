// SPDX-License-Identifier: Apache-2.0

package detector

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/mesoskit/mesoskit/mesosproto"
)

// BenchmarkLeaderChangeLatency measures the time from deleting the leading master's node in ZooKeeper to
// the detector reporting the next master (watch fire, re-list, read of the new leader's data). Compare with
// BenchmarkRawWatchLatency, the same deletion observed by a bare go-zookeeper children watch.
func BenchmarkLeaderChangeLatency(b *testing.B) {
	c := sharedZK(b)
	conn := c.Connect(b, 10*time.Second)
	path := testPath(b)
	mkdirs(b, conn, path)
	newMember := func(i int) (string, string) {
		m := testMaster(fmt.Sprintf("10.%d.%d.%d", 100+i>>16&0xff, i>>8&0xff, i&0xff), 5050)
		return contend(b, conn, path, "json.info", mesosJSON(b, m)), m.GetId()
	}
	n0, id0 := newMember(0)
	n1, id1 := newMember(1)
	nodes, ids := []string{n0, n1}, []string{id0, id1}
	d := newZK(b, c, path, WithSessionTimeout(10*time.Second))
	waitLeader(b, d, id0)
	ctx := context.Background()
	lat := make([]time.Duration, 0, b.N)

	b.ResetTimer()
	b.StopTimer()
	for i := range b.N {
		_, changed, err := d.Leader(ctx)
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		start := time.Now()
		if err := conn.Delete(path+"/"+nodes[0], -1); err != nil {
			b.Fatal(err)
		}
		for {
			<-changed
			var mi *mesosproto.MasterInfo
			mi, changed, err = d.Leader(ctx)
			if err != nil {
				b.Fatal(err)
			}
			if mi.GetId() == ids[1] {
				break
			}
		}
		lat = append(lat, time.Since(start))
		b.StopTimer()

		// A new follower joins; wait until the detector has listed it, so that the next deletion is
		// observed on its own.
		before := d.listings.Load()
		n, id := newMember(i + 2)
		nodes, ids = append(nodes[1:], n), append(ids[1:], id)
		for d.listings.Load() == before {
			time.Sleep(50 * time.Microsecond)
		}
	}
	reportLatency(b, lat)
}

// BenchmarkRawWatchLatency measures the time from deleting a child to a go-zookeeper children watch (on
// another session, same server) firing: ZooKeeper's own notification latency, the floor for the detector.
func BenchmarkRawWatchLatency(b *testing.B) {
	c := sharedZK(b)
	writer := c.Connect(b, 10*time.Second)
	watcher := c.Connect(b, 10*time.Second)
	path := testPath(b)
	mkdirs(b, writer, path)
	newMember := func() string { return contend(b, writer, path, "json.info", []byte("{}")) }
	nodes := []string{newMember(), newMember()}
	lat := make([]time.Duration, 0, b.N)

	b.ResetTimer()
	b.StopTimer()
	for range b.N {
		_, _, w, err := watcher.ChildrenW(path)
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		start := time.Now()
		if err := writer.Delete(path+"/"+nodes[0], -1); err != nil {
			b.Fatal(err)
		}
		if ev := <-w; ev.Type != zk.EventNodeChildrenChanged {
			b.Fatalf("watch event %v", ev)
		}
		lat = append(lat, time.Since(start))
		b.StopTimer()
		nodes = append(nodes[1:], newMember())
	}
	reportLatency(b, lat)
}

// reportLatency reports the median and 99th percentile as custom metrics (µs).
func reportLatency(b *testing.B, lat []time.Duration) {
	if len(lat) == 0 {
		return
	}
	slices.Sort(lat)
	p := func(q float64) time.Duration {
		i := int(q*float64(len(lat))+0.5) - 1
		return lat[min(max(i, 0), len(lat)-1)]
	}
	b.ReportMetric(float64(p(0.50))/1e3, "p50-µs")
	b.ReportMetric(float64(p(0.99))/1e3, "p99-µs")
}
