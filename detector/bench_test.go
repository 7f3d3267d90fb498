// SPDX-License-Identifier: Apache-2.0

package detector

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/mesoskit/mesoskit/internal/zktest"
)

// The leader change benchmarks measure, one deletion at a time, the time from deleting the leading
// master's node in ZooKeeper to the change being seen: by the detector (Leader reports the next master) or
// by a bare go-zookeeper children watch (the raw side: ZooKeeper's own notification latency, the floor for
// the detector). Both sides delete from another goroutine (deleteAsync) and idle idleBeforeChange before
// each deletion; the watching session and the deleting session are on the same server on a standalone
// server, and on two different followers of a three-node ensemble (the deletion is forwarded to the
// ensemble's leader, committed and applied by the watcher's server). -benchtime 1000x measures 1,000
// changes (per side for the VsRawWatch benchmarks). Each reports p50-µs and p99-µs; the detector also
// early-%, the share of changes reported early, from the deletion event of the leader's node (see arm).

// BenchmarkLeaderChangeLatency measures the detector on a standalone server.
func BenchmarkLeaderChangeLatency(b *testing.B) { benchmarkLeaderChange(b, false) }

// BenchmarkListedChangeLatency is BenchmarkLeaderChangeLatency with the early report off: every change is
// reported after a listing (children watch, then one round trip).
func BenchmarkListedChangeLatency(b *testing.B) { benchmarkLeaderChange(b, true) }

func benchmarkLeaderChange(b *testing.B, noEarly bool) {
	c := sharedZK(b)
	addr := c.Servers()[0]
	det := newDetectorSide(b, c, addr, addr, noEarly)
	lat, _ := runChanges(b, det)
	reportLatency(b, "", lat[0])
	det.reportEarly(b)
}

// BenchmarkRawWatchLatency measures a bare children watch on a standalone server.
func BenchmarkRawWatchLatency(b *testing.B) {
	c := sharedZK(b)
	addr := c.Servers()[0]
	lat, _ := runChanges(b, newRawSide(b, c, addr, addr))
	reportLatency(b, "", lat[0])
}

// BenchmarkLeaderChangeLatencyEnsemble measures the detector on a three-node ensemble.
func BenchmarkLeaderChangeLatencyEnsemble(b *testing.B) {
	c, watchAt, writeAt := ensembleZK(b)
	det := newDetectorSide(b, c, watchAt, writeAt, false)
	lat, _ := runChanges(b, det)
	reportLatency(b, "", lat[0])
	det.reportEarly(b)
}

// BenchmarkRawWatchLatencyEnsemble measures a bare children watch on a three-node ensemble.
func BenchmarkRawWatchLatencyEnsemble(b *testing.B) {
	c, watchAt, writeAt := ensembleZK(b)
	lat, _ := runChanges(b, newRawSide(b, c, watchAt, writeAt))
	reportLatency(b, "", lat[0])
}

// BenchmarkLeaderChangeVsRawWatch measures the detector and a bare children watch in the same run, on
// the same server, one change of each per iteration (the side going first alternates), so that both see
// the same machine: det-p50-µs, det-p99-µs, raw-p50-µs, raw-p99-µs, and the ratios p50-ratio and
// p99-ratio (detector over raw watch).
func BenchmarkLeaderChangeVsRawWatch(b *testing.B) {
	c := sharedZK(b)
	addr := c.Servers()[0]
	benchmarkVsRaw(b, c, addr, addr)
}

// BenchmarkLeaderChangeVsRawWatchEnsemble is BenchmarkLeaderChangeVsRawWatch on a three-node ensemble.
func BenchmarkLeaderChangeVsRawWatchEnsemble(b *testing.B) {
	c, watchAt, writeAt := ensembleZK(b)
	benchmarkVsRaw(b, c, watchAt, writeAt)
}

func benchmarkVsRaw(b *testing.B, c *zktest.Cluster, watchAt, writeAt string) {
	det := newDetectorSide(b, c, watchAt, writeAt, false)
	raw := newRawSide(b, c, watchAt, writeAt)
	lat, handoff := runChanges(b, det, raw)
	reportLatency(b, "det-", lat[0])
	reportLatency(b, "raw-", lat[1])
	reportLatency(b, "det-handoff-", handoff[0])
	reportLatency(b, "raw-handoff-", handoff[1])
	q := func(l []time.Duration, q float64) float64 { return float64(percentile(l, q)) }
	if len(lat[1]) > 0 {
		b.ReportMetric(q(lat[0], 0.50)/q(lat[1], 0.50), "p50-ratio")
		b.ReportMetric(q(lat[0], 0.99)/q(lat[1], 0.99), "p99-ratio")
	}
	det.reportEarly(b)
}

// changeSide is one watcher of a leader change benchmark with its own base path.
type changeSide interface {
	// change deletes the leading member and waits until the change is seen; it returns the latency and
	// how long the event took to reach the ZooKeeper client's event callback (the rest is the hand-off to
	// the waiting goroutine).
	change(b *testing.B) (total, seen time.Duration)
	// replace adds a new member (the next but one leader) and waits until the side is ready for the next
	// change.
	replace(b *testing.B)
}

// runChanges makes b.N changes on every side, interleaved (the side going first alternates), and returns
// the latencies per side and the hand-off part of each (from the client's event callback to the waiting
// goroutine). The timer runs during the changes only.
func runChanges(b *testing.B, sides ...changeSide) (lat, handoff [][]time.Duration) {
	lat, handoff = make([][]time.Duration, len(sides)), make([][]time.Duration, len(sides))
	for i := range lat {
		lat[i], handoff[i] = make([]time.Duration, 0, b.N), make([]time.Duration, 0, b.N)
	}
	b.ResetTimer()
	b.StopTimer()
	for i := range b.N {
		for j := range sides {
			k := (i + j) % len(sides)
			total, seen := sides[k].change(b)
			lat[k], handoff[k] = append(lat[k], total), append(handoff[k], total-seen)
			sides[k].replace(b)
		}
	}
	return lat, handoff
}

// connectTo opens a go-zookeeper session on the server at addr only (through c's Dialer and Logger), waits
// until it has a session, and closes it at cleanup.
func connectTo(b *testing.B, c *zktest.Cluster, addr string) *zk.Conn {
	b.Helper()
	return connectWith(b, c, addr, nil)
}

// connectWith is connectTo with go-zookeeper's event callback (nil for none).
func connectWith(b *testing.B, c *zktest.Cluster, addr string, onEvent func(zk.Event)) *zk.Conn {
	b.Helper()
	conn, events, err := zk.Connect([]string{addr}, 10*time.Second, zk.WithDialer(c.Dialer()), zk.WithLogger(c.Logger()),
		zk.WithEventCallback(onEvent))
	if err != nil {
		b.Fatal(err)
	}
	drained := make(chan struct{})
	go func() {
		defer close(drained)
		for range events {
		}
	}()
	b.Cleanup(func() {
		conn.Close()
		<-drained
	})
	deadline := time.Now().Add(waitTimeout)
	for conn.State() != zk.StateHasSession {
		if time.Now().After(deadline) {
			b.Fatalf("no ZooKeeper session on %s within %v", addr, waitTimeout)
		}
		time.Sleep(time.Millisecond)
	}
	return conn
}

// detectorSide is a detector watching members registered, as masters do, by two sessions in turn (the
// leader and the runner-up must not share one, see arm); writer deletes them.
type detectorSide struct {
	d       *ZK
	writer  *zk.Conn
	masters [2]*zk.Conn
	path    string
	datas   [][]byte // member data, encoded once (the benchmark's own garbage stays out of the detector's way)
	ids     []string
	nodes   []string // current members, leader first
	nodeIDs []string
	joined  int
	seen    atomic.Int64 // when the client's callback saw the first deletion event since the deletion (UnixNano)
}

func newDetectorSide(b *testing.B, c *zktest.Cluster, watchAt, writeAt string, noEarly bool, opts ...Option) *detectorSide {
	b.Helper()
	s := &detectorSide{writer: connectTo(b, c, writeAt), path: testPath(b)}
	s.masters = [2]*zk.Conn{connectTo(b, c, writeAt), connectTo(b, c, writeAt)}
	mkdirs(b, s.writer, s.path)
	for i := range 16 {
		m := testMaster(fmt.Sprintf("10.100.0.%d", i+1), 5050)
		s.datas, s.ids = append(s.datas, mesosJSON(b, m)), append(s.ids, m.GetId())
	}
	s.join(b)
	s.join(b)
	opts = append([]Option{WithSessionTimeout(10 * time.Second), WithDialer(c.Dialer()), func(c *config) {
		c.noEarly = noEarly
		c.onEvent = func(ev zk.Event) {
			if ev.Type == zk.EventNodeDeleted {
				s.seen.CompareAndSwap(0, time.Now().UnixNano())
			}
		}
	}}, opts...)
	d, err := NewZK([]string{watchAt}, s.path, opts...)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { d.Close() })
	s.d = d
	waitLeader(b, d, s.nodeIDs[0])
	s.waitArmed(b)
	return s
}

func (s *detectorSide) join(b *testing.B) {
	i := s.joined % len(s.datas)
	s.nodes = append(s.nodes, contend(b, s.masters[s.joined%2], s.path, "json.info", s.datas[i]))
	s.nodeIDs = append(s.nodeIDs, s.ids[i])
	s.joined++
}

func (s *detectorSide) waitArmed(b *testing.B) {
	deadline := time.Now().Add(waitTimeout)
	for armedNext(s.d) != s.nodeIDs[1] {
		if time.Now().After(deadline) {
			b.Fatalf("the detector did not get ready for %s within %v", s.nodeIDs[1], waitTimeout)
		}
		time.Sleep(50 * time.Microsecond)
	}
}

func (s *detectorSide) change(b *testing.B) (total, seen time.Duration) {
	ctx := context.Background()
	_, changed, err := s.d.Leader(ctx)
	if err != nil {
		b.Fatal(err)
	}
	time.Sleep(idleBeforeChange)
	s.seen.Store(0)
	b.StartTimer()
	start := time.Now()
	deleted := deleteAsync(s.writer, s.path+"/"+s.nodes[0])
	for {
		<-changed
		mi, ch, err := s.d.Leader(ctx)
		if err != nil {
			b.Fatal(err)
		}
		if mi.GetId() == s.nodeIDs[1] {
			break
		}
		changed = ch
	}
	total = time.Since(start)
	b.StopTimer()
	if err := <-deleted; err != nil {
		b.Fatal(err)
	}
	s.nodes, s.nodeIDs = s.nodes[1:], s.nodeIDs[1:]
	return total, time.Duration(s.seen.Load() - start.UnixNano())
}

// replace lets a new follower join and waits until the detector has listed it (and is ready to report the
// runner-up early; it arms the report with the early report off too, and only then ignores it).
func (s *detectorSide) replace(b *testing.B) {
	s.join(b)
	s.waitArmed(b)
}

func (s *detectorSide) reportEarly(b *testing.B) {
	b.ReportMetric(100*float64(s.d.earlies.Load())/float64(b.N), "early-%")
}

// rawSide is a bare go-zookeeper children watch on its own session; writer creates and deletes the
// members.
type rawSide struct {
	writer, watcher *zk.Conn
	path            string
	nodes           []string
	seen            atomic.Int64 // when the client's callback saw the first children event since the deletion
}

func newRawSide(b *testing.B, c *zktest.Cluster, watchAt, writeAt string) *rawSide {
	b.Helper()
	s := &rawSide{writer: connectTo(b, c, writeAt), path: testPath(b)}
	s.watcher = connectWith(b, c, watchAt, func(ev zk.Event) {
		if ev.Type == zk.EventNodeChildrenChanged {
			s.seen.CompareAndSwap(0, time.Now().UnixNano())
		}
	})
	mkdirs(b, s.writer, s.path)
	s.replace(b)
	s.replace(b)
	return s
}

func (s *rawSide) replace(b *testing.B) {
	s.nodes = append(s.nodes, contend(b, s.writer, s.path, "json.info", []byte("{}")))
}

func (s *rawSide) change(b *testing.B) (total, seen time.Duration) {
	var w <-chan zk.Event
	for {
		// On an ensemble the watcher's server may not have applied the latest creation yet: its watch
		// would fire for that. Wait until the listing shows it.
		children, _, ch, err := s.watcher.ChildrenW(s.path)
		if err != nil {
			b.Fatal(err)
		}
		if slices.Contains(children, s.nodes[1]) {
			w = ch
			break
		}
		<-ch
	}
	time.Sleep(idleBeforeChange)
	s.seen.Store(0)
	b.StartTimer()
	start := time.Now()
	deleted := deleteAsync(s.writer, s.path+"/"+s.nodes[0])
	if ev := <-w; ev.Type != zk.EventNodeChildrenChanged {
		b.Fatalf("watch event %v", ev)
	}
	total = time.Since(start)
	b.StopTimer()
	if err := <-deleted; err != nil {
		b.Fatal(err)
	}
	s.nodes = s.nodes[1:]
	return total, time.Duration(s.seen.Load() - start.UnixNano())
}

// idleBeforeChange is how long both sides wait, with nothing to do, before a deletion, so that both start
// from the same state. Without it they did not: on this 2-vCPU VM a bare watch whose deletion followed
// twenty 50 µs sleeps (as the detector benchmark's wait for its listing did) fired about twice as late as
// one deleted right after arming it (as the raw benchmark did). Leader changes come after quiet periods
// anyway.
const idleBeforeChange = 2 * time.Millisecond

// deleteAsync deletes node from another goroutine. Both sides measure from the start of the deletion to
// the notification, whenever the Delete call returns: the notification often arrives first (ZooKeeper
// triggers watches before it answers the deleting client), and the deleting client's reply otherwise
// waits for the same two cores as the watcher (in production it is another process).
func deleteAsync(conn *zk.Conn, node string) <-chan error {
	done := make(chan error, 1)
	go func() { done <- conn.Delete(node, -1) }()
	return done
}

// reportLatency reports the median and 99th percentile as custom metrics (<prefix>p50-µs, <prefix>p99-µs).
func reportLatency(b *testing.B, prefix string, lat []time.Duration) {
	if len(lat) == 0 {
		return
	}
	b.ReportMetric(float64(percentile(lat, 0.50))/1e3, prefix+"p50-µs")
	b.ReportMetric(float64(percentile(lat, 0.99))/1e3, prefix+"p99-µs")
}

// percentile returns the q-quantile of lat (nearest rank; lat is sorted in place).
func percentile(lat []time.Duration, q float64) time.Duration {
	slices.Sort(lat)
	i := int(q*float64(len(lat))+0.5) - 1
	return lat[min(max(i, 0), len(lat)-1)]
}

// The ensemble for the *Ensemble benchmarks: three servers started on first use and shared by every
// benchmark of the run (starting three JVMs takes seconds), stopped by TestMain.
var ensemble struct {
	once sync.Once
	c    *zktest.Cluster
	err  error
}

// ensembleZK returns the shared three-node ensemble and two followers' addresses: where the watchers
// connect and where the writers do. It skips (or fails, see zktest.RequireZK) without ZooKeeper.
func ensembleZK(b *testing.B) (c *zktest.Cluster, watchAt, writeAt string) {
	b.Helper()
	zktest.SkipIfUnavailable(b)
	ensemble.once.Do(func() { ensemble.c, ensemble.err = zktest.New(3) })
	if ensemble.err != nil {
		b.Fatal(ensemble.err)
	}
	c = ensemble.c
	l := c.WaitLeader(b)
	s := c.Servers()
	return c, s[(l+1)%3], s[(l+2)%3]
}

// closeEnsemble stops the shared ensemble if a benchmark started it.
func closeEnsemble() {
	if ensemble.c != nil {
		ensemble.c.Close()
	}
}
