// SPDX-License-Identifier: Apache-2.0

package main

import "fmt"

// side is one metric of one benchmark (and implementation, "" if none).
type side struct{ bench, impl, unit string }

// bound is what a target asks of its ratio (or value); the zero bound asks
// nothing (an informative row).
type bound struct {
	atLeast float64 // must be >= atLeast (when > 0)
	atMost  float64 // must be <= atMost (when > 0)
}

func atLeast(x float64) bound { return bound{atLeast: x} }
func atMost(x float64) bound  { return bound{atMost: x} }

// info marks an informative row.
var info = bound{}

// target is one row: side a against side b (the ratio a/b, per round) or,
// without b, a's own value.
type target struct {
	what string
	a, b side
	want bound
}

// vs compares two implementations of one benchmark.
func vs(what, bench, implA, implB, unit string, want bound) target {
	return target{what: what, a: side{bench, implA, unit}, b: side{bench, implB, unit}, want: want}
}

// pair compares two benchmarks (without implementations).
func pair(what, benchA, benchB, unit string, want bound) target {
	return target{what: what, a: side{benchA, "", unit}, b: side{benchB, "", unit}, want: want}
}

// within compares two metrics of one benchmark (unitA / unitB), for a
// benchmark that measures both sides itself.
func within(what, bench, unitA, unitB string, want bound) target {
	return target{what: what, a: side{bench, "", unitA}, b: side{bench, "", unitB}, want: want}
}

// one judges one benchmark's value.
func one(what, bench, unit string, want bound) target {
	return target{what: what, a: side{bench, "", unit}, want: want}
}

func (t target) paired() bool { return t.b.bench != "" }

func (s side) String() string {
	if s.impl != "" {
		return fmt.Sprintf("%s impl=%s %s", s.bench, s.impl, s.unit)
	}
	return s.bench + " " + s.unit
}

// wantString is the bound as the table prints it.
func (t target) wantString() string {
	x := ""
	if t.paired() {
		x = "x"
	}
	switch {
	case t.want.atLeast > 0:
		return fmt.Sprintf(">=%g%s", t.want.atLeast, x)
	case t.want.atMost > 0:
		return fmt.Sprintf("<=%g%s", t.want.atMost, x)
	}
	return "-"
}

// verdict judges the interval of the median: MET when all of it satisfies
// the bound, NOT MET when none of it does, otherwise undecided.
func (t target) verdict(s spread) string {
	w := t.want
	of := "median "
	if s.n == 1 {
		of = ""
	}
	switch {
	case w.atLeast > 0 && s.lo >= w.atLeast, w.atMost > 0 && s.hi <= w.atMost:
		return "MET"
	case w.atLeast > 0 && s.hi < w.atLeast:
		return fmt.Sprintf("NOT MET (%s%.0f%% short)", of, 100*(1-s.median/w.atLeast))
	case w.atMost > 0 && s.lo > w.atMost:
		return fmt.Sprintf("NOT MET (%s%.0f%% over)", of, 100*(s.median/w.atMost-1))
	case w.atLeast > 0 || w.atMost > 0:
		return "UNDECIDED (spread)"
	}
	return "(no target)"
}
