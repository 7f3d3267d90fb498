// SPDX-License-Identifier: Apache-2.0

package ha_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/mesoskit/mesoskit/ha"
	"github.com/mesoskit/mesoskit/internal/zktest"
)

// minFailovers is how many failovers every run of BenchmarkTakeover measures, whatever b.N.
const minFailovers = 20

// BenchmarkTakeover measures how long a standby takes to lead after the leader fails, with session
// timeouts of 1 s and 2 s (tickTime 500 ms), three replicas, one standalone server:
//
//   - expire: the leader's session is expired by the server while the leader runs (zktest.ExpireSession);
//   - crash: the leader goes silent (a partition: nothing in or out, as a SIGKILLed or frozen process),
//     so the server expires its session after the timeout.
//
// Each run makes at least 20 failovers and reports the median and the worst takeover (from the fault to
// the new Term's start) in milliseconds and in session timeouts, and the median time the old leader took to
// end its Term, and the smallest gap between an old Term's end and the next one's start. It fails if a
// Term ever started before the previous one ended. Run with `go test -run '^$' -bench Takeover ./ha/`
// (the default -benchtime makes one run of 20 failovers per case, about three minutes in all).
func BenchmarkTakeover(b *testing.B) {
	for _, timeout := range []time.Duration{shortSession, safeSession} {
		for _, mode := range []string{"expire", "crash"} {
			b.Run(fmt.Sprintf("%s/timeout=%v", mode, timeout), func(b *testing.B) { benchmarkTakeover(b, mode, timeout) })
		}
	}
}

func benchmarkTakeover(b *testing.B, mode string, sessionTimeout time.Duration) {
	zkc := zktest.Start(b)
	path := basePath(b) + "/leader"
	l := newLedger()
	var reps []*replica
	for i := range 3 {
		reps = append(reps, newReplica(b, zkc, path, i, sessionTimeout, ha.WithLogger(nil)))
		runReplica(b, reps[i], l)
	}
	l.waitTerms(b, 1)
	waitFor(b, "three candidates", func() bool { return len(children(b, zkc, path)) == 3 })
	n := max(b.N, minFailovers)
	var takeovers, stops, gaps []time.Duration
	b.ResetTimer()
	for k := range n {
		old := l.waitTerms(b, k+1)
		victim := reps[old.replica]
		start := time.Now()
		switch mode {
		case "expire":
			zkc.ExpireSession(b, ha.ZKConn(victim.conn))
		case "crash":
			victim.net.Partition()
		}
		next := l.waitTerms(b, k+2)
		takeovers = append(takeovers, next.term.Began().Sub(start))
		stops = append(stops, old.term.Ended().Sub(start))
		gaps = append(gaps, next.term.Began().Sub(old.term.Ended()))
		if !old.term.Ended().Before(next.term.Began()) {
			b.Fatalf("failover %d: term began %v before the old one ended", k, old.term.Ended().Sub(next.term.Began()))
		}
		b.StopTimer()
		victim.net.Heal()
		waitFor(b, "the failed replica back in line", func() bool { return len(children(b, zkc, path)) == 3 })
		b.StartTimer()
	}
	b.StopTimer()
	slices.Sort(takeovers)
	slices.Sort(stops)
	slices.Sort(gaps)
	median, worst := takeovers[len(takeovers)/2], takeovers[len(takeovers)-1]
	timeout := reps[0].conn.SessionTimeout()
	b.ReportMetric(float64(median.Microseconds())/1000, "median-ms")
	b.ReportMetric(float64(worst.Microseconds())/1000, "worst-ms")
	b.ReportMetric(float64(median)/float64(timeout), "median/timeout")
	b.ReportMetric(float64(worst)/float64(timeout), "worst/timeout")
	b.ReportMetric(float64(stops[len(stops)/2].Microseconds())/1000, "old-stop-median-ms")
	b.ReportMetric(float64(gaps[0].Microseconds())/1000, "min-gap-ms")
	b.ReportMetric(float64(n), "failovers")
	b.ReportMetric(0, "ns/op")
	b.Logf("%s: %d failovers, session timeout %v: takeover median %v, worst %v, best %v; old leader stopped after median %v; "+
		"gap between old end and new start: min %v, median %v",
		mode, n, timeout, median.Round(time.Millisecond), worst.Round(time.Millisecond),
		takeovers[0].Round(time.Millisecond), stops[len(stops)/2].Round(time.Millisecond),
		gaps[0].Round(time.Millisecond), gaps[len(gaps)/2].Round(time.Millisecond))
}
