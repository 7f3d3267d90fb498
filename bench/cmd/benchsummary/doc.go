// SPDX-License-Identifier: Apache-2.0

// Command benchsummary reads `go test -bench` results as bench/run.sh
// writes them (`make bench`, `make bench-quick`) and prints, for each target
// of issue #18 (and the informative rows beside them), the medians of both
// sides, the median of their per-round ratios with its spread, and a verdict
// only when the spread allows one.
//
//	go run ./cmd/benchsummary [-confidence 0.95] results.txt [earlier.txt ...]
//
// # Samples and rounds
//
// Benchmarks are matched by name, with the implementation in the
// "/impl=NAME" part of the name (see the decode, ackburst and memory
// packages) and the unit the benchmark reports (a few are derived from
// others, see derive). bench/run.sh writes a configuration line
// "mesoskit-round: N" before each round; in a round both sides of every
// comparison run, one right after the other, the mesoskit side first in odd
// rounds and last in even ones, so that machine noise and order effects
// hit both alike. The i-th sample of side a in a round pairs with the i-th
// sample of side b in the same round of the same file (files without round
// lines pair by order within the file), and each pair gives one ratio a/b.
//
// # Ratio, interval and verdict
//
// The ratio printed is the median of the per-round ratios (for a one-sided
// row, such as the scale benchmark's seconds, the median of its values).
// Its spread is the min-max of the ratios and a distribution-free confidence
// interval for their median built from order statistics: of n independent
// ratios sorted, [r(k), r(n+1-k)] holds the true median unless fewer than k
// ratios fall on one side of it, so its confidence is 1 - 2·P(B <= k-1) with
// B ~ Binomial(n, 1/2). The tool takes the largest k that keeps the
// confidence at or above -confidence (95 % by default); below 6 rounds even
// min-max (k = 1) falls short of 95 % and the table prints the lower
// confidence it has (93.8 % for 5 rounds, 75 % for 3). The verdict is MET
// when the whole interval satisfies the target, NOT MET when none of it
// does, and UNDECIDED (spread) when the interval straddles the bound. A row
// with a single sample (n = 1: the scale run, the detector latencies, which
// run once) is judged on its value. A target whose side is missing says NO
// DATA; informative rows without data are left out.
//
// # Pooling
//
// Several files pool into one verdict: their rounds simply add up (a file
// is its own set of rounds), so that two quiet runs of 10 rounds give an
// interval over 20 ratios. Each file's "# " header lines (date, machine,
// mode, load at start and end) are printed above the table; a file from
// `make bench-quick` (header "# mode: quick") marks the table as a quick
// one.
//
// benchstat prints the full per-benchmark table; this is the verdict.
package main
