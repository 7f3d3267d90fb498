// SPDX-License-Identifier: Apache-2.0

package main

import (
	"fmt"
	"io"
	"strconv"
)

// row is one evaluated target.
type row struct {
	t       target
	a, b    float64 // medians of each side's own samples
	na, nb  int     // their counts
	s       spread  // of the per-round ratios (paired) or of a's values
	verdict string
}

// evaluate computes one row; ok is false for an informative row without
// data (not run), which the table leaves out. A target always gets a row:
// NO DATA when a side is missing.
func evaluate(d *dataset, t target, conf float64) (r row, ok bool) {
	r.t = t
	as := d.values(t.a)
	r.na = len(as)
	if r.na > 0 {
		r.a = summarise(as, conf).median
	}
	xs := as
	if t.paired() {
		bs := d.values(t.b)
		r.nb = len(bs)
		if r.nb > 0 {
			r.b = summarise(bs, conf).median
		}
		xs = d.ratios(t.a, t.b)
	}
	isTarget := t.want != info
	switch {
	case !isTarget && (r.na == 0 || t.paired() && r.nb == 0):
		return r, false
	case r.na == 0:
		r.verdict = "NO DATA (no " + t.a.String() + ")"
	case t.paired() && r.nb == 0:
		r.verdict = "NO DATA (no " + t.b.String() + ")"
	case len(xs) == 0:
		r.verdict = "UNDECIDED (no round has both sides)"
	default:
		r.s = summarise(xs, conf)
		r.verdict = t.verdict(r.s)
	}
	return r, true
}

// rowFormat lays out the table's columns.
const rowFormat = "%-50s %9s %9s %9s %-24s %-19s %3s %7s  %s\n"

// printTable writes the verdict table of d.
func printTable(out io.Writer, d *dataset, conf float64) {
	fmt.Fprintf(out, rowFormat, "target", "mesoskit", "other", "ratio", "interval of the median", "min-max", "n", "target", "verdict")
	for _, t := range targets {
		r, ok := evaluate(d, t, conf)
		if !ok {
			continue
		}
		a, b, ratio := "-", "-", "-"
		if r.na > 0 {
			a = num(r.a)
		}
		if r.nb > 0 {
			b = num(r.b)
		}
		f := num
		if t.paired() {
			f = func(v float64) string { return fmt.Sprintf("%.3gx", v) }
		}
		interval, minmax, n := "-", "-", "-"
		switch {
		case r.s.n == 1:
			interval, n = "(single sample)", "1"
		case r.s.n > 1 && r.s.min == r.s.max:
			interval, minmax, n = "(all equal)", f(r.s.min), fmt.Sprint(r.s.n)
		case r.s.n > 1:
			interval = fmt.Sprintf("[%s, %s] %.3g%%", f(r.s.lo), f(r.s.hi), 100*r.s.conf)
			minmax = f(r.s.min) + " - " + f(r.s.max)
			n = fmt.Sprint(r.s.n)
		}
		if t.paired() && r.s.n > 0 {
			ratio = f(r.s.median)
		}
		fmt.Fprintf(out, rowFormat, t.what, a, b, ratio, interval, minmax, n, t.wantString(), r.verdict)
	}
}

// printHeader writes what the results files say about their runs.
func printHeader(out io.Writer, d *dataset, conf float64) {
	title := "Verdicts"
	if d.quick {
		title += " of a QUICK run (make bench-quick: fewer rounds, shorter runs, a smaller scale run; indicative only, not a verdict on issue #18)"
	}
	fmt.Fprintln(out, title)
	for _, h := range d.headers {
		fmt.Fprintf(out, "results %s:\n", h.name)
		for _, l := range h.lines {
			fmt.Fprintf(out, "  %s\n", l)
		}
	}
	fmt.Fprintf(out, "ratio: median of the per-round ratios mesoskit/other (both sides in each round, alternately first);\n")
	fmt.Fprintf(out, "interval: order-statistic interval holding the true median with the confidence shown (>= %.3g%%, or\n", 100*conf)
	fmt.Fprintf(out, "min-max with less when there are too few rounds); MET / NOT MET only when the whole interval is on one side.\n\n")
}

// num formats a value with 3 significant digits, k and M for large ones.
// The suffix is chosen after rounding, so that 999,978 prints as 1M, not as
// 1e+03k.
func num(v float64) string {
	if r, err := strconv.ParseFloat(fmt.Sprintf("%.3g", v), 64); err == nil {
		v = r
	}
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
