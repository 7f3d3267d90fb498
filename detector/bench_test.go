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
// the detector reporting the next master, from the start of the deletion (deleteAsync), as
// BenchmarkRawWatchLatency does for a bare go-zookeeper children watch on a session of the same kind (same
// server, dialer and session timeout). Before each deletion a new follower joins and the detector is given
// time to list it, so that each deletion is observed on its own; "early-%" is the share of changes
// reported early, from the deletion event of the leader's node (see arm), the others after a listing.
func BenchmarkLeaderChangeLatency(b *testing.B) { benchmarkLeaderChange(b, false) }

// BenchmarkListedChangeLatency is BenchmarkLeaderChangeLatency with the early report off: every change is
// reported after a listing (children watch, then one round trip).
func BenchmarkListedChangeLatency(b *testing.B) { benchmarkLeaderChange(b, true) }

func benchmarkLeaderChange(b *testing.B, noEarly bool) {
	c := sharedZK(b)
	conn := c.Connect(b, 10*time.Second)
	path := testPath(b)
	mkdirs(b, conn, path)
	// Members are registered by two sessions in turn (as masters, each with its own session; the leader
	// and the runner-up must not share one, see arm); conn deletes them, as the raw benchmark's writer.
	masters := []*zk.Conn{c.Connect(b, 10*time.Second), c.Connect(b, 10*time.Second)}
	newMember := func(i int) (string, string) {
		m := testMaster(fmt.Sprintf("10.%d.%d.%d", 100+i>>16&0xff, i>>8&0xff, i&0xff), 5050)
		return contend(b, masters[i%2], path, "json.info", mesosJSON(b, m)), m.GetId()
	}
	n0, id0 := newMember(0)
	n1, id1 := newMember(1)
	nodes, ids := []string{n0, n1}, []string{id0, id1}
	d := newZK(b, c, path, WithSessionTimeout(10*time.Second), func(c *config) { c.noEarly = noEarly })
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
		time.Sleep(idleBeforeChange)
		b.StartTimer()
		start := time.Now()
		deleted := deleteAsync(conn, path+"/"+nodes[0])
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
		if err := <-deleted; err != nil {
			b.Fatal(err)
		}

		// A new follower joins; wait until the detector has listed it (and is ready to report it early).
		n, id := newMember(i + 2)
		nodes, ids = append(nodes[1:], n), append(ids[1:], id)
		deadline := time.Now().Add(waitTimeout)
		for armedNext(d) != id {
			if time.Now().After(deadline) {
				b.Fatalf("the detector did not get ready for %s within %v", id, waitTimeout)
			}
			time.Sleep(50 * time.Microsecond)
		}
	}
	reportLatency(b, lat)
	b.ReportMetric(100*float64(d.earlies.Load())/float64(b.N), "early-%")
}

// BenchmarkRawWatchLatency measures the time from deleting a child to a go-zookeeper children watch (on
// another session, same server) firing: ZooKeeper's own notification latency, the floor for the detector.
// The deletion is issued as in BenchmarkLeaderChangeLatency (deleteAsync).
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
		time.Sleep(idleBeforeChange)
		b.StartTimer()
		start := time.Now()
		deleted := deleteAsync(writer, path+"/"+nodes[0])
		if ev := <-w; ev.Type != zk.EventNodeChildrenChanged {
			b.Fatalf("watch event %v", ev)
		}
		lat = append(lat, time.Since(start))
		b.StopTimer()
		if err := <-deleted; err != nil {
			b.Fatal(err)
		}
		nodes = append(nodes[1:], newMember())
	}
	reportLatency(b, lat)
}

// idleBeforeChange is how long both benchmarks wait, with nothing to do, before a deletion, so that both
// start from the same state. Without it they did not: on this 2-vCPU VM a bare watch whose deletion
// followed twenty 50 µs sleeps (as the detector benchmark's wait for its listing did) fired about twice
// as late as one deleted right after arming it (as the raw benchmark did). Leader changes come after
// quiet periods anyway.
const idleBeforeChange = 2 * time.Millisecond

// deleteAsync deletes node from another goroutine. Both benchmarks measure from the start of the deletion
// to the notification, whenever the Delete call returns: the notification often arrives first (ZooKeeper
// triggers watches before it answers the deleting client), and the deleting client's reply otherwise
// waits for the same two cores as the watcher (in production it is another process).
func deleteAsync(conn *zk.Conn, node string) <-chan error {
	done := make(chan error, 1)
	go func() { done <- conn.Delete(node, -1) }()
	return done
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
