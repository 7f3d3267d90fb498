// SPDX-License-Identifier: Apache-2.0

package main

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// result is one benchmark line: name (without "Benchmark" and the
// -GOMAXPROCS suffix) and unit/value pairs.
func result(name string, pairs ...any) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Benchmark%s-2 \t 1", name)
	for i := 0; i+1 < len(pairs); i += 2 {
		fmt.Fprintf(&b, " \t %v %s", pairs[i+1], pairs[i])
	}
	return b.String() + "\n"
}

// write stores a results file in a test directory and returns its path.
func write(t *testing.T, name, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9*max(1, math.Abs(b)) }

// rowOf evaluates the target named what over d.
func rowOf(t *testing.T, d *dataset, what string) (row, bool) {
	t.Helper()
	for _, tg := range targets {
		if tg.what == what {
			return evaluate(d, tg, 0.95)
		}
	}
	t.Fatalf("no target %q", what)
	return row{}, false
}

func TestMedianRank(t *testing.T) {
	for _, c := range []struct {
		n    int
		k    int
		conf float64
	}{
		{1, 1, 0},
		{2, 1, 0.5},
		{3, 1, 0.75},
		{5, 1, 1 - 2.0/32},
		{6, 1, 1 - 2.0/64},
		{8, 1, 1 - 2.0/256},
		{9, 2, 1 - 2*10.0/512},
		{10, 2, 1 - 2*11.0/1024},
		{12, 3, 1 - 2*79.0/4096},
		{20, 6, 1 - 2*21700.0/1048576},
	} {
		k, conf := medianRank(c.n, 0.95)
		if k != c.k || !near(conf, c.conf) {
			t.Errorf("medianRank(%d, 0.95) = %d, %v; want %d, %v", c.n, k, conf, c.k, c.conf)
		}
	}
	// A lower level narrows the interval: 10 values at 80 % drop two from each end.
	if k, _ := medianRank(10, 0.8); k != 3 {
		t.Errorf("medianRank(10, 0.8) = %d, want 3", k)
	}
	// Large n does not underflow: the interval keeps about sqrt(n) values on each side of the middle.
	if k, conf := medianRank(2000, 0.95); k < 900 || k > 980 || conf < 0.95 {
		t.Errorf("medianRank(2000, 0.95) = %d, %v", k, conf)
	}
}

// tenRounds is a results file of 10 rounds with known per-round ratios.
func tenRounds() string {
	protobuf := []float64{1.6, 1.7, 1.8, 1.9, 2.0, 2.1, 2.2, 2.3, 2.4, 1.55}       // all above 1.5
	liveHeap := []float64{1.2, 1.3, 1.4, 1.45, 1.5, 1.55, 1.6, 1.7, 1.8, 1.9}      // straddles 1.5
	retained := []float64{1.7, 1.72, 1.74, 1.76, 1.78, 1.8, 1.82, 1.84, 1.86, 1.9} // all above 1.0
	var b strings.Builder
	b.WriteString("# date: test\n# mode: full (10 rounds)\n# load average at start: 0.10 0.20 0.30\n")
	for i := range 10 {
		fmt.Fprintf(&b, "mesoskit-round: %d\n## round %d\n", i+1, i+1)
		// The mesos-go side varies from round to round; only the ratio counts.
		base := 1000 + 100*float64(i)
		b.WriteString(result("DecodeOffers/codec=protobuf/impl=mesoskit", "events/s", base*protobuf[i], "allocs/op", 28))
		b.WriteString(result("DecodeOffers/codec=protobuf/impl=mesos-go", "events/s", base, "allocs/op", 5518))
		b.WriteString(result("DecodeOffersLiveHeap/codec=protobuf/impl=mesos-go", "events/s", base))
		b.WriteString(result("DecodeOffersLiveHeap/codec=protobuf/impl=mesoskit", "events/s", base*liveHeap[i]))
		b.WriteString(result("RetainedPerOffer/held=all/impl=mesoskit", "retained-B/offer", 1000*retained[i]))
		b.WriteString(result("RetainedPerOffer/held=all/impl=mesos-go", "retained-B/offer", 1000))
		// Only mesoskit's side of the 1-per-event unit ran.
		b.WriteString(result("RetainedPerOffer/held=1-per-event/impl=mesoskit", "retained-B/offer", 2000))
		// JSON: each side ran in other rounds than the other.
		if i%2 == 0 {
			b.WriteString(result("DecodeOffers/codec=json/impl=mesoskit", "events/s", 3000))
		} else {
			b.WriteString(result("DecodeOffers/codec=json/impl=mesos-go", "events/s", 1000))
		}
	}
	b.WriteString("mesoskit-round: once\n")
	b.WriteString(result("Scale", "s/run", 500, "tasks/s", 2000, "peak-RSS-MiB", 2100, "resent-updates/run", 45000))
	b.WriteString(result("LeaderChangeVsRawWatch", "det-p50-µs", 1500, "det-p99-µs", 5000, "raw-p50-µs", 1000, "raw-p99-µs", 2000))
	b.WriteString("# load average at end: 1.00 2.00 3.00\n")
	return b.String()
}

func TestVerdicts(t *testing.T) {
	d, err := read([]string{write(t, "results.txt", tenRounds())})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		what           string
		n              int
		median, lo, hi float64
		conf           float64
		min, max       float64
		verdict        string
	}{
		// 10 ratios: [x(2), x(9)] at 97.9 %.
		{what: "protobuf decode, events/s", n: 10, median: 1.95, lo: 1.6, hi: 2.3, conf: 1 - 2*11.0/1024, min: 1.55, max: 2.4, verdict: "MET"},
		{what: "protobuf decode, 51 MiB live heap, events/s", n: 10, median: 1.525, lo: 1.3, hi: 1.8, conf: 1 - 2*11.0/1024, min: 1.2, max: 1.9, verdict: "UNDECIDED (spread)"},
		{what: "protobuf decode, allocs/event", n: 10, median: 28.0 / 5518, lo: 28.0 / 5518, hi: 28.0 / 5518, conf: 1 - 2*11.0/1024, min: 28.0 / 5518, max: 28.0 / 5518, verdict: "MET"},
		{what: "bytes retained per offer, all held", n: 10, median: 1.79, lo: 1.72, hi: 1.86, conf: 1 - 2*11.0/1024, min: 1.7, max: 1.9, verdict: "NOT MET (median 79% over)"},
		// Single samples: judged on their value.
		{what: "scale: all tasks, seconds", n: 1, median: 500, lo: 500, hi: 500, min: 500, max: 500, verdict: "MET"},
		{what: "scale: peak RSS, MiB", n: 1, median: 2100, lo: 2100, hi: 2100, min: 2100, max: 2100, verdict: "NOT MET (3% over)"},
		{what: "scale: re-sent updates, % of 3 per task", n: 1, median: 1.5, lo: 1.5, hi: 1.5, min: 1.5, max: 1.5, verdict: "NOT MET (1400% over)"},
		{what: "detector vs raw watch, standalone, p50", n: 1, median: 1.5, lo: 1.5, hi: 1.5, min: 1.5, max: 1.5, verdict: "MET"},
		{what: "detector vs raw watch, standalone, p99", n: 1, median: 2.5, lo: 2.5, hi: 2.5, min: 2.5, max: 2.5, verdict: "NOT MET (25% over)"},
	} {
		r, ok := rowOf(t, d, c.what)
		s := r.s
		if !ok || s.n != c.n || !near(s.median, c.median) || !near(s.lo, c.lo) || !near(s.hi, c.hi) ||
			!near(s.conf, c.conf) || !near(s.min, c.min) || !near(s.max, c.max) || r.verdict != c.verdict {
			t.Errorf("%s: %+v %q (shown %v); want n=%d median %v [%v, %v] at %v, min-max %v-%v, %q",
				c.what, s, r.verdict, ok, c.n, c.median, c.lo, c.hi, c.conf, c.min, c.max, c.verdict)
		}
	}
	// The sides' own medians: mesos-go's decode ran at 1000..1900 events/s.
	if r, _ := rowOf(t, d, "protobuf decode, events/s"); !near(r.b, 1450) || r.na != 10 || r.nb != 10 {
		t.Errorf("protobuf sides: b median %v, n %d/%d; want 1450, 10/10", r.b, r.na, r.nb)
	}
	for what, want := range map[string]string{
		"bytes retained per offer, 1 per event held":  "NO DATA (no RetainedPerOffer/held=1-per-event impl=mesos-go retained-B/offer)",
		"ack burst: defaults (pipelined) vs mesos-go": "NO DATA (no AckBurst impl=mesoskit acks/s)",
		"JSON decode, events/s":                       "UNDECIDED (no round has both sides)",
		"detector vs raw watch, ensemble of 3, p99":   "NO DATA (no LeaderChangeVsRawWatchEnsemble det-p99-µs)",
	} {
		if r, ok := rowOf(t, d, what); !ok || r.verdict != want {
			t.Errorf("%s: %q (shown %v), want %q", what, r.verdict, ok, want)
		}
	}
	// Informative rows without data are left out; with data they are shown without a verdict.
	if _, ok := rowOf(t, d, "ack burst: mesos-go (serial) vs raw POSTs, 1 conn"); ok {
		t.Error("an informative row without data is shown")
	}
	if _, ok := rowOf(t, d, "detector, early report off, vs raw watch, p50"); ok {
		t.Error("an informative row with one side missing is shown")
	}
	if r, ok := rowOf(t, d, "scale: tasks per run (1,000,000 in make bench)"); !ok || !near(r.s.median, 1e6) || r.verdict != "(no target)" {
		t.Errorf("tasks per run: %+v %q (shown %v), want 1e6 and no target", r.s, r.verdict, ok)
	}
}

func TestTable(t *testing.T) {
	var out strings.Builder
	if err := run([]string{write(t, "results.txt", tenRounds())}, &out); err != nil {
		t.Fatal(err)
	}
	text := out.String()
	for _, want := range []string{
		"load average at start: 0.10 0.20 0.30",
		"load average at end: 1.00 2.00 3.00",
		"mode: full (10 rounds)",
		"[1.6x, 2.3x] 97.9%",
		"1.55x - 2.4x",
		"(single sample)",
		"(all equal)",
		"UNDECIDED (spread)",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the table lacks %q:\n%s", want, text)
		}
	}
	for _, unwanted := range []string{"QUICK", "## round", "mesos-go (serial)"} {
		if strings.Contains(text, unwanted) {
			t.Errorf("the table shows %q:\n%s", unwanted, text)
		}
	}
}

// TestPooling: the rounds of several files add up; a round of one file
// never pairs with the same-numbered round of another.
func TestPooling(t *testing.T) {
	file := func(mode string, ratios ...float64) string {
		var b strings.Builder
		fmt.Fprintf(&b, "# mode: %s\n", mode)
		for i, r := range ratios {
			fmt.Fprintf(&b, "mesoskit-round: %d\n", i+1)
			b.WriteString(result("AckBurst/impl=mesos-go", "acks/s", 10000))
			b.WriteString(result("AckBurst/impl=mesoskit", "acks/s", 10000*r))
		}
		// Round 1 has only mesoskit's JSON side here.
		b.WriteString("mesoskit-round: 1\n" + result("DecodeOffers/codec=json/impl=mesoskit", "events/s", 3000))
		return b.String()
	}
	a := write(t, "a.txt", file("full (3 rounds)", 2.5, 2.2, 2.6))
	b := write(t, "b.txt", file("quick (3 rounds)", 2.1, 2.4, 2.3))
	c := write(t, "c.txt", "mesoskit-round: 1\n"+result("DecodeOffers/codec=json/impl=mesos-go", "events/s", 1000))

	one, err := read([]string{a})
	if err != nil {
		t.Fatal(err)
	}
	if r, _ := rowOf(t, one, "ack burst: defaults (pipelined) vs mesos-go"); r.s.n != 3 || !near(r.s.conf, 0.75) || r.verdict != "MET" {
		t.Errorf("one file: %+v %q, want 3 ratios at 75%% MET", r.s, r.verdict)
	}

	d, err := read([]string{a, b, c})
	if err != nil {
		t.Fatal(err)
	}
	r, _ := rowOf(t, d, "ack burst: defaults (pipelined) vs mesos-go")
	if s := r.s; s.n != 6 || !near(s.median, 2.35) || !near(s.lo, 2.1) || !near(s.hi, 2.6) || !near(s.conf, 1-2.0/64) || r.verdict != "MET" {
		t.Errorf("pooled: %+v %q, want 6 ratios, median 2.35 in [2.1, 2.6] at 96.9%%, MET", s, r.verdict)
	}
	if r, _ := rowOf(t, d, "JSON decode, events/s"); r.verdict != "UNDECIDED (no round has both sides)" {
		t.Errorf("JSON sides of different files paired: %+v %q", r.s, r.verdict)
	}
	if !d.quick {
		t.Error("a quick file in the pool does not mark the table as quick")
	}
	var out strings.Builder
	if err := run([]string{a, b, c}, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "QUICK run") || strings.Count(out.String(), "results ") != 3 {
		t.Errorf("pooled table header:\n%s", out.String())
	}
}

// TestUnlabelledRounds: files without round lines (the harness of issue 7)
// pair the sides' samples by order.
func TestUnlabelledRounds(t *testing.T) {
	var b strings.Builder
	for _, r := range []float64{0.9, 1.0, 1.1} {
		b.WriteString(result("DecodeOffers/codec=json/impl=mesoskit", "events/s", 600*r))
		b.WriteString(result("DecodeOffers/codec=json/impl=mesos-go", "events/s", 600))
	}
	d, err := read([]string{write(t, "old.txt", b.String())})
	if err != nil {
		t.Fatal(err)
	}
	r, _ := rowOf(t, d, "JSON decode, events/s")
	if s := r.s; s.n != 3 || !near(s.median, 1) || !near(s.lo, 0.9) || !near(s.hi, 1.1) || r.verdict != "MET" {
		t.Errorf("%+v %q, want 3 ratios 0.9..1.1 MET (>= 0.5)", s, r.verdict)
	}
}

func TestUndecidedAtMost(t *testing.T) {
	tg := one("x", "X", "u", atMost(2))
	for _, c := range []struct {
		lo, hi float64
		want   string
	}{
		{1, 2, "MET"},
		{1.5, 2.5, "UNDECIDED (spread)"},
		{2.1, 3, "NOT MET (median 25% over)"},
	} {
		if got := tg.verdict(spread{n: 5, lo: c.lo, hi: c.hi, median: 2.5}); got != c.want {
			t.Errorf("[%v, %v]: %q, want %q", c.lo, c.hi, got, c.want)
		}
	}
}

func TestBadInput(t *testing.T) {
	garbage := write(t, "garbage.txt", "not a benchmark\nBenchmarkX-2 notanumber\n")
	for _, args := range [][]string{
		nil,
		{filepath.Join(t.TempDir(), "missing.txt")},
		{"-confidence", "1.5", garbage},
		{"-nosuchflag", garbage},
	} {
		if err := run(args, &strings.Builder{}); err == nil {
			t.Errorf("run(%q) succeeded", args)
		}
	}
	// A file with no results is not an error: every target says NO DATA.
	var out strings.Builder
	if err := run([]string{garbage}, &out); err != nil || !strings.Contains(out.String(), "NO DATA") {
		t.Errorf("run(garbage) = %v:\n%s", err, out.String())
	}
}

// TestTargetsDistinct: every row has its own name, a sensible bound and
// known sides.
func TestTargetsDistinct(t *testing.T) {
	seen := map[string]bool{}
	for _, tg := range targets {
		if seen[tg.what] {
			t.Errorf("two rows named %q", tg.what)
		}
		seen[tg.what] = true
		if tg.want.atLeast < 0 || tg.want.atMost < 0 || (tg.want.atLeast > 0 && tg.want.atMost > 0) {
			t.Errorf("%s: bound %+v", tg.what, tg.want)
		}
		if tg.a.bench == "" || tg.a.unit == "" || (tg.paired() && tg.b.unit == "") {
			t.Errorf("%s: sides %+v %+v", tg.what, tg.a, tg.b)
		}
	}
}

// TestNum checks the table's number format, rounding before the suffix (a
// million tasks measured as 999,978 printed as "1e+03k" before).
func TestNum(t *testing.T) {
	for v, want := range map[float64]string{
		999978: "1M", 1000027: "1M", 9999.6: "10k", 12345: "12.3k", 150: "150", 99.96: "100", 1.234: "1.23", 0.0012: "0.0012",
	} {
		if got := num(v); got != want {
			t.Errorf("num(%v) = %q, want %q", v, got, want)
		}
	}
}
