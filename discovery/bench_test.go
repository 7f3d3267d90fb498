// SPDX-License-Identifier: Apache-2.0

package discovery_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/mesoskit/mesoskit/discovery"
)

// The discovery benchmarks measure, with the announcer and the watcher on separate sessions of one server
// (as in production, where they are separate processes), how long a change takes to reach a Watcher, next
// to BenchmarkRawWatchLatency: ZooKeeper's own notification latency for the same kind of change.
// Each iteration starts after idleBeforeChange with nothing to do, as detector's benchmarks do.

// BenchmarkAnnounceVisible: from Announce to the member in the Watcher's set (a create, the children
// watch, a listing and a read of the new member).
func BenchmarkAnnounceVisible(b *testing.B) {
	path := basePath(b)
	ctx := context.Background()
	c, w := benchPair(b, path)
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	b.StopTimer()
	for i := range b.N {
		_, changed, _ := w.Members(ctx)
		time.Sleep(idleBeforeChange)
		b.StartTimer()
		start := time.Now()
		a, err := c.Announce(ctx, path, endpoint(1+i%60000))
		if err != nil {
			b.Fatal(err)
		}
		waitCount(b, w, changed, 1)
		lat = append(lat, time.Since(start))
		b.StopTimer()
		_ = a.Withdraw()
		waitCount(b, w, nil, 0)
	}
	reportLatency(b, lat)
}

// BenchmarkWithdrawVisible: from Withdraw to the member gone from the Watcher's set (a delete, the children
// watch, a listing).
func BenchmarkWithdrawVisible(b *testing.B) {
	path := basePath(b)
	ctx := context.Background()
	c, w := benchPair(b, path)
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	b.StopTimer()
	for i := range b.N {
		a, err := c.Announce(ctx, path, endpoint(1+i%60000))
		if err != nil {
			b.Fatal(err)
		}
		waitCount(b, w, nil, 1)
		_, changed, _ := w.Members(ctx)
		time.Sleep(idleBeforeChange)
		b.StartTimer()
		start := time.Now()
		go func() { _ = a.Withdraw() }()
		waitCount(b, w, changed, 0)
		lat = append(lat, time.Since(start))
		b.StopTimer()
		<-a.Done()
	}
	reportLatency(b, lat)
}

// BenchmarkRawWatchLatency: from the start of a create (or delete) of an ephemeral sequential child by one
// session to a bare go-zookeeper children watch firing on another: the floor for both benchmarks above.
func BenchmarkRawWatchLatency(b *testing.B) {
	zkc := zkServer.Get(b)
	writer := zkc.Connect(b, 10*time.Second)
	watcher := zkc.Connect(b, 10*time.Second)
	path := basePath(b)
	mkdirs(b, writer, path)
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	b.StopTimer()
	for range b.N {
		for _, create := range []bool{true, false} {
			_, _, ch, err := watcher.ChildrenW(path)
			if err != nil {
				b.Fatal(err)
			}
			time.Sleep(idleBeforeChange)
			b.StartTimer()
			start := time.Now()
			done := make(chan error, 1)
			if create {
				go func() {
					_, err := writer.Create(path+"/member_", []byte("{}"), zk.FlagEphemeral|zk.FlagSequence, zk.WorldACL(zk.PermAll))
					done <- err
				}()
			} else {
				go func() {
					children, _, err := writer.Children(path)
					if err == nil && len(children) == 1 {
						err = writer.Delete(path+"/"+children[0], -1)
					}
					done <- err
				}()
			}
			if ev := <-ch; ev.Type != zk.EventNodeChildrenChanged {
				b.Fatalf("watch event %v", ev)
			}
			lat = append(lat, time.Since(start))
			b.StopTimer()
			if err := <-done; err != nil {
				b.Fatal(err)
			}
		}
	}
	reportLatency(b, lat)
}

const idleBeforeChange = 2 * time.Millisecond

func benchPair(b *testing.B, path string) (*discovery.Client, *discovery.Watcher) {
	zkc := zkServer.Get(b)
	c, err := discovery.New(zkc.Servers(), discovery.WithDialer(zkc.Dialer()))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = c.Close() })
	reader, err := discovery.New(zkc.Servers())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = reader.Close() })
	w, err := reader.Watch(path)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = w.Close() })
	waitCount(b, w, nil, 0)
	return c, w
}

// waitCount waits (from changed, when given) until w has n members.
func waitCount(b *testing.B, w *discovery.Watcher, changed <-chan struct{}, n int) {
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	if changed != nil {
		select {
		case <-changed:
		case <-ctx.Done():
			b.Fatal("no change")
		}
	}
	for {
		members, ch, err := w.Members(ctx)
		if err != nil {
			b.Fatal(err)
		}
		if len(members) == n {
			return
		}
		select {
		case <-ch:
		case <-ctx.Done():
			b.Fatalf("waiting for %d members: %d", n, len(members))
		}
	}
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
