// SPDX-License-Identifier: Apache-2.0

// Command benchsummary reads `go test -bench` output (several runs of the
// bench module's benchmarks, interleaved) and prints, for each target of
// issue 7, the medians of both sides, their ratio and whether the target is
// met. benchstat prints the full table; this is the verdict.
//
//	go run ./cmd/benchsummary results.txt
//
// Benchmarks are matched by name, with the implementation in the
// "/impl=NAME" part of the name (see the decode and ackburst packages).
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"golang.org/x/perf/benchfmt"
)

// side is one metric of one benchmark (and implementation, "" if none).
type side struct{ bench, impl, unit string }

// target compares side a with side b (ratio a/b) or, without b, a's value
// with a limit.
type target struct {
	what    string
	a, b    side
	atLeast float64 // a/b (or a) must be >= atLeast (when > 0)
	atMost  float64 // a/b (or a) must be <= atMost (when > 0)
}

func impl(bench, impl, unit string) side { return side{bench, impl, unit} }

var targets = []target{
	{what: "protobuf decode, events/s", a: impl("DecodeOffers/codec=protobuf", "mesoskit", "events/s"), b: impl("DecodeOffers/codec=protobuf", "mesos-go", "events/s"), atLeast: 1.2},
	{what: "protobuf decode, process CPU per event", a: impl("DecodeOffers/codec=protobuf", "mesoskit", "cpu-ns/op"), b: impl("DecodeOffers/codec=protobuf", "mesos-go", "cpu-ns/op")},
	{what: "protobuf decode, allocs/event", a: impl("DecodeOffers/codec=protobuf", "mesoskit", "allocs/op"), b: impl("DecodeOffers/codec=protobuf", "mesos-go", "allocs/op"), atMost: 1.0},
	{what: "protobuf decode, 51 MiB live heap, events/s", a: impl("DecodeOffersLiveHeap/codec=protobuf", "mesoskit", "events/s"), b: impl("DecodeOffersLiveHeap/codec=protobuf", "mesos-go", "events/s")},
	{what: "JSON decode, events/s", a: impl("DecodeOffers/codec=json", "mesoskit", "events/s"), b: impl("DecodeOffers/codec=json", "mesos-go", "events/s"), atLeast: 0.5},
	{what: "JSON decode, allocs/event", a: impl("DecodeOffers/codec=json", "mesoskit", "allocs/op"), b: impl("DecodeOffers/codec=json", "mesos-go", "allocs/op")},
	{what: "ack burst: mesoskit defaults vs mesos-go", a: impl("AckBurst", "mesoskit", "acks/s"), b: impl("AckBurst", "mesos-go", "acks/s"), atLeast: 2},
	// The defaults keep scheduler.DefaultAckConcurrency (8) acknowledgements
	// in flight: the raw rate at the same concurrency is raw-8's.
	{what: "ack burst: mesoskit WithPipelinedAcks vs mesos-go", a: impl("AckBurst", "mesoskit-pipelined", "acks/s"), b: impl("AckBurst", "mesos-go", "acks/s"), atLeast: 2},
	{what: "ack burst: WithPipelinedAcks, process CPU per ack, ns", a: impl("AckBurst", "mesoskit-pipelined", "cpu-ns/ack"), b: impl("AckBurst", "mesos-go", "cpu-ns/ack")},
	{what: "ack burst: mesoskit defaults vs raw POSTs, 8 conns", a: impl("AckBurst", "mesoskit", "acks/s"), b: impl("AckBurst", "raw-8", "acks/s"), atLeast: 0.7},
	{what: "ack burst: mesos-go (serial) vs raw POSTs, 1 conn", a: impl("AckBurst", "mesos-go", "acks/s"), b: impl("AckBurst", "raw-1", "acks/s")},
	{what: "ack burst: process CPU per ack, ns", a: impl("AckBurst", "mesoskit", "cpu-ns/ack"), b: impl("AckBurst", "mesos-go", "cpu-ns/ack")},
	{what: "ack burst: process CPU per ack, raw-8 vs mesos-go", a: impl("AckBurst", "raw-8", "cpu-ns/ack"), b: impl("AckBurst", "mesos-go", "cpu-ns/ack")},
	{what: "ack burst: handler acks (8) vs mesos-go", a: impl("AckBurst", "mesoskit-handler-8", "acks/s"), b: impl("AckBurst", "mesos-go", "acks/s"), atLeast: 2},
	{what: "ack burst: handler acks (8) vs raw POSTs, 8 conns", a: impl("AckBurst", "mesoskit-handler-8", "acks/s"), b: impl("AckBurst", "raw-8", "acks/s"), atLeast: 0.7},
	{what: "scale: all tasks (default 100,000), seconds", a: impl("Scale", "", "s/run"), atMost: 60},
	{what: "scale: peak RSS, MiB", a: impl("Scale", "", "peak-RSS-MiB"), atMost: 512},
	{what: "detector vs raw ZooKeeper watch, p50", a: impl("LeaderChangeLatency", "", "p50-µs"), b: impl("RawWatchLatency", "", "p50-µs"), atMost: 2},
	{what: "detector vs raw ZooKeeper watch, p99", a: impl("LeaderChangeLatency", "", "p99-µs"), b: impl("RawWatchLatency", "", "p99-µs"), atMost: 2},
	{what: "detector, early report off, vs raw watch, p50", a: impl("ListedChangeLatency", "", "p50-µs"), b: impl("RawWatchLatency", "", "p50-µs")},
	{what: "leader death -> resubscribed, median ms", a: impl("LeaderFailoverResubscribe", "", "ms-median"), atMost: 1000},
	{what: "leader death -> resubscribed, p99 ms", a: impl("LeaderFailoverResubscribe", "", "ms-p99"), atMost: 1000},
	{what: "bytes retained per offer, all held", a: impl("RetainedPerOffer/held=all", "mesoskit", "retained-B/offer"), b: impl("RetainedPerOffer/held=all", "mesos-go", "retained-B/offer")},
	{what: "bytes retained per offer, 1 per event held", a: impl("RetainedPerOffer/held=1-per-event", "mesoskit", "retained-B/offer"), b: impl("RetainedPerOffer/held=1-per-event", "mesos-go", "retained-B/offer")},
	{what: "heap of a scheduler on 10,000 agents, MiB", a: impl("SubscribedHeap", "", "heap-MiB")},
}

// key identifies the samples of one metric of one implementation.
type key side

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "benchsummary:", err)
		os.Exit(1)
	}
}

func run(files []string, out io.Writer) error {
	if len(files) == 0 {
		return errors.New("usage: benchsummary FILE [FILE]")
	}
	samples := map[key][]float64{}
	for _, name := range files {
		f, err := os.Open(name)
		if err != nil {
			return err
		}
		r := benchfmt.NewReader(f, name)
		for r.Scan() {
			res, ok := r.Result().(*benchfmt.Result)
			if !ok {
				continue
			}
			bench, impl := splitImpl(strings.TrimPrefix(string(res.Name.Full()), "Benchmark"))
			for _, v := range res.Values {
				unit, val := v.Unit, v.Value
				if v.OrigUnit != "" { // benchfmt tidies ns/op into sec/op; keep what the benchmark said
					unit, val = v.OrigUnit, v.OrigValue
				}
				k := key{bench, impl, unit}
				samples[k] = append(samples[k], val)
			}
		}
		err = r.Err()
		f.Close()
		if err != nil {
			return err
		}
	}
	fmt.Fprintf(out, "%-50s %12s %12s %8s %8s  %s\n", "target (median of runs)", "mesoskit", "other", "ratio", "target", "verdict")
	for _, t := range targets {
		a, na := median(samples[key(t.a)])
		if na == 0 {
			continue // not run
		}
		v, other, ratio := a, "-", "-"
		nb := 0
		if t.b.bench != "" {
			var b float64
			b, nb = median(samples[key(t.b)])
			if nb == 0 {
				continue
			}
			v = a / b
			other, ratio = num(b), fmt.Sprintf("%.3gx", v)
		}
		verdict := "(no target)"
		switch {
		case t.atLeast > 0 && v >= t.atLeast, t.atMost > 0 && v <= t.atMost:
			verdict = "MET"
		case t.atLeast > 0:
			verdict = fmt.Sprintf("NOT MET (%.0f%% short)", 100*(1-v/t.atLeast))
		case t.atMost > 0:
			verdict = fmt.Sprintf("NOT MET (%.0f%% over)", 100*(v/t.atMost-1))
		}
		fmt.Fprintf(out, "%-50s %12s %12s %8s %8s  %s, n=%d/%d\n", t.what, num(a), other, ratio, want(t), verdict, na, nb)
	}
	return nil
}

// splitImpl removes "/impl=X" and the -GOMAXPROCS suffix from a name.
func splitImpl(full string) (bench, impl string) {
	if i := strings.LastIndex(full, "-"); i > 0 && strings.Trim(full[i+1:], "0123456789") == "" {
		full = full[:i]
	}
	parts := strings.Split(full, "/")
	kept := parts[:0]
	for _, p := range parts {
		if v, ok := strings.CutPrefix(p, "impl="); ok {
			impl = v
			continue
		}
		kept = append(kept, p)
	}
	return strings.Join(kept, "/"), impl
}

func median(xs []float64) (float64, int) {
	if len(xs) == 0 {
		return 0, 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2], n
	}
	return (s[n/2-1] + s[n/2]) / 2, n
}

func want(t target) string {
	switch {
	case t.atLeast > 0 && t.b.bench != "":
		return fmt.Sprintf(">=%gx", t.atLeast)
	case t.atMost > 0 && t.b.bench != "":
		return fmt.Sprintf("<=%gx", t.atMost)
	case t.atLeast > 0:
		return fmt.Sprintf(">=%g", t.atLeast)
	case t.atMost > 0:
		return fmt.Sprintf("<=%g", t.atMost)
	}
	return "-"
}

func num(v float64) string {
	switch {
	case v >= 1e6:
		return fmt.Sprintf("%.3gM", v/1e6)
	case v >= 1e4:
		return fmt.Sprintf("%.3gk", v/1e3)
	case v >= 100:
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.3g", v)
}
