// SPDX-License-Identifier: Apache-2.0

package executor

import (
	"fmt"
	"math/big"
	"strconv"
	"time"
)

// durationUnits are the units of Mesos's Duration syntax (stout
// duration.hpp), largest first.
var durationUnits = []struct {
	name string
	d    time.Duration
}{
	{"weeks", 7 * 24 * time.Hour},
	{"days", 24 * time.Hour},
	{"hrs", time.Hour},
	{"mins", time.Minute},
	{"secs", time.Second},
	{"ms", time.Millisecond},
	{"us", time.Microsecond},
	{"ns", time.Nanosecond},
}

// maxDurationDigits bounds the number part, so that hostile input cannot
// make ParseDuration do big-number arithmetic on megabytes of digits.
const maxDurationDigits = 64

// ParseDuration parses a duration written as Mesos writes them in flags and
// in the executor environment (stout's Duration::parse): a decimal number
// (digits with at most one '.', no sign, no exponent, no spaces) immediately
// followed by one of ns, us, ms, secs, mins, hrs, days or weeks. Examples:
// "5secs", "15mins", "1.5secs", "2days". Fractions of a nanosecond are
// truncated. Errors wrap ErrInvalidDuration.
func ParseDuration(s string) (time.Duration, error) {
	i := 0
	for i < len(s) && (s[i] >= '0' && s[i] <= '9' || s[i] == '.') {
		i++
	}
	num, unit := s[:i], s[i:]
	var per time.Duration
	for _, u := range durationUnits {
		if u.name == unit {
			per = u.d
			break
		}
	}
	switch {
	case s == "":
		return 0, fmt.Errorf("%w: empty", ErrInvalidDuration)
	case num == "":
		return 0, fmt.Errorf("%w %q: expected a number followed by a unit", ErrInvalidDuration, s)
	case per == 0:
		return 0, fmt.Errorf("%w %q: unknown unit %q (want ns, us, ms, secs, mins, hrs, days or weeks)",
			ErrInvalidDuration, s, unit)
	}
	whole, frac, dot := cutDot(num)
	digits := whole + frac
	if len(num) > maxDurationDigits {
		return 0, fmt.Errorf("%w %q: number too long", ErrInvalidDuration, s)
	}
	if digits == "" || (dot && containsDot(frac)) {
		return 0, fmt.Errorf("%w %q: malformed number %q", ErrInvalidDuration, s, num)
	}
	// value = (whole.frac) × per, computed exactly and truncated.
	n, ok := new(big.Int).SetString(digits, 10)
	if !ok {
		return 0, fmt.Errorf("%w %q: malformed number %q", ErrInvalidDuration, s, num)
	}
	n.Mul(n, big.NewInt(int64(per)))
	n.Quo(n, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(len(frac))), nil))
	if !n.IsInt64() {
		return 0, fmt.Errorf("%w %q: out of range", ErrInvalidDuration, s)
	}
	return time.Duration(n.Int64()), nil
}

func cutDot(s string) (before, after string, found bool) {
	for i := 0; i < len(s); i++ {
		if s[i] == '.' {
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}

func containsDot(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == '.' {
			return true
		}
	}
	return false
}

// FormatDuration writes d in Mesos's Duration syntax, in the largest unit
// that gives a whole number ("90secs", "15mins", "1500ms"), so that
// ParseDuration(FormatDuration(d)) == d. Negative durations get a leading
// '-', which ParseDuration (like Mesos) refuses.
func FormatDuration(d time.Duration) string {
	sign := ""
	u := uint64(d)
	if d < 0 {
		sign = "-"
		u = uint64(-(d + 1)) + 1 // |math.MinInt64| fits in uint64
	}
	for _, unit := range durationUnits {
		if u%uint64(unit.d) == 0 && u >= uint64(unit.d) {
			return sign + strconv.FormatUint(u/uint64(unit.d), 10) + unit.name
		}
	}
	return "0ns"
}
