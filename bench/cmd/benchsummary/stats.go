// SPDX-License-Identifier: Apache-2.0

package main

import (
	"math"
	"slices"
)

// spread summarises the per-round values (ratios, or values of a one-sided
// row) of one target.
type spread struct {
	n        int     // values
	median   float64 // their median
	lo, hi   float64 // the order-statistic interval of the median
	conf     float64 // its confidence (0 for n = 1)
	min, max float64
}

// summarise sorts a copy of xs and returns its spread; the interval is the
// narrowest [x(k), x(n+1-k)] whose confidence of holding the true median is
// at least want, or [min, max] (k = 1) when not even that reaches want.
func summarise(xs []float64, want float64) spread {
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n == 0 {
		return spread{}
	}
	k, conf := medianRank(n, want)
	return spread{
		n:      n,
		median: median(s),
		lo:     s[k-1],
		hi:     s[n-k],
		conf:   conf,
		min:    s[0],
		max:    s[n-1],
	}
}

// median of sorted values.
func median(s []float64) float64 {
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// medianRank returns the largest k such that [x(k), x(n+1-k)], the k-th
// smallest and k-th largest of n independent values, holds their
// distribution's median with probability at least want, and that
// probability: 1 - 2·P(B <= k-1) with B ~ Binomial(n, 1/2) (the median lies
// below x(k) only when fewer than k values fall below it). When even k = 1
// (min and max) falls short of want, it returns 1 and the lower confidence
// it has: 1 - 2^(1-n), 0 for a single value.
func medianRank(n int, want float64) (int, float64) {
	k, conf := 1, 1-2*binomialCDF(n, 0)
	for c := 2; 2*c <= n+1; c++ {
		cc := 1 - 2*binomialCDF(n, c-1)
		if cc < want {
			break
		}
		k, conf = c, cc
	}
	return k, conf
}

// binomialCDF is P(B <= j) for B ~ Binomial(n, 1/2), summed in log space so
// that large n does not underflow 2^-n.
func binomialCDF(n, j int) float64 {
	lnN1, _ := math.Lgamma(float64(n + 1))
	p := 0.0
	for i := 0; i <= j && i <= n; i++ {
		a, _ := math.Lgamma(float64(i + 1))
		b, _ := math.Lgamma(float64(n - i + 1))
		p += math.Exp(lnN1 - a - b - float64(n)*math.Ln2)
	}
	return min(p, 1)
}
