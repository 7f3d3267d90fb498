// SPDX-License-Identifier: Apache-2.0

package main

import (
	"bytes"
	"fmt"
	"os"
	"strings"

	"golang.org/x/perf/benchfmt"
)

// roundKey is the configuration key (a "key: value" line, see
// bench/run.sh) naming the round of the results that follow it.
const roundKey = "mesoskit-round"

// point is one sample of one metric: the file and round it comes from
// (samples of two sides pair up within one group) and its value.
type point struct {
	group int
	value float64
}

// fileHeader is what a results file says about its run: its "# " lines.
type fileHeader struct {
	name  string
	lines []string
}

// dataset is every sample of every results file read, in file order.
type dataset struct {
	samples map[side][]point
	groups  []string // file and round of each group, in order of appearance
	headers []fileHeader
	quick   bool // a file is from bench-quick
}

// read parses the results files (`go test -bench` output, as bench/run.sh
// writes it).
func read(names []string) (*dataset, error) {
	d := &dataset{samples: map[side][]point{}}
	groupOf := map[string]int{}
	for _, name := range names {
		data, err := os.ReadFile(name)
		if err != nil {
			return nil, err
		}
		h := fileHeader{name: name}
		for line := range strings.Lines(string(data)) {
			if c, ok := strings.CutPrefix(strings.TrimRight(line, "\r\n"), "# "); ok {
				h.lines = append(h.lines, c)
				if strings.HasPrefix(c, "mode: quick") {
					d.quick = true
				}
			}
		}
		d.headers = append(d.headers, h)
		r := benchfmt.NewReader(bytes.NewReader(data), name)
		for r.Scan() {
			res, ok := r.Result().(*benchfmt.Result)
			if !ok {
				continue
			}
			g := name + "\x00" + res.GetConfig(roundKey)
			gi, ok := groupOf[g]
			if !ok {
				gi = len(d.groups)
				groupOf[g] = gi
				d.groups = append(d.groups, g)
			}
			d.add(gi, res)
		}
		if err := r.Err(); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
	}
	return d, nil
}

// add records the values of one result, derived ones included.
func (d *dataset) add(group int, res *benchfmt.Result) {
	bench, impl := splitImpl(strings.TrimPrefix(string(res.Name.Full()), "Benchmark"))
	values := map[string]float64{}
	var units []string
	for _, v := range res.Values {
		unit, val := v.Unit, v.Value
		if v.OrigUnit != "" { // benchfmt tidies ns/op into sec/op; keep what the benchmark said
			unit, val = v.OrigUnit, v.OrigValue
		}
		if _, dup := values[unit]; !dup {
			units = append(units, unit)
		}
		values[unit] = val
	}
	units = append(units, derive(values)...)
	for _, u := range units {
		k := side{bench, impl, u}
		d.samples[k] = append(d.samples[k], point{group, values[u]})
	}
}

// values returns every sample of s.
func (d *dataset) values(s side) []float64 {
	var xs []float64
	for _, p := range d.samples[s] {
		xs = append(xs, p.value)
	}
	return xs
}

// ratios pairs the samples of a and b that share a group (file and round),
// the i-th of a with the i-th of b, and returns a/b for each pair (pairs
// whose b is 0 are left out).
func (d *dataset) ratios(a, b side) []float64 {
	byGroup := func(s side) map[int][]float64 {
		m := map[int][]float64{}
		for _, p := range d.samples[s] {
			m[p.group] = append(m[p.group], p.value)
		}
		return m
	}
	as, bs := byGroup(a), byGroup(b)
	var rs []float64
	for g := range d.groups {
		for i := range min(len(as[g]), len(bs[g])) {
			if bs[g][i] != 0 {
				rs = append(rs, as[g][i]/bs[g][i])
			}
		}
	}
	return rs
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
