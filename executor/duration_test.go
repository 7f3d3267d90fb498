// SPDX-License-Identifier: Apache-2.0

package executor_test

import (
	"errors"
	"os"
	"testing"
	"time"

	"github.com/mesoskit/mesoskit/executor"
)

var lookupEnv = os.LookupEnv

func TestParseDuration(t *testing.T) {
	ok := map[string]time.Duration{
		"5secs":      5 * time.Second,
		"15mins":     15 * time.Minute,
		"2days":      48 * time.Hour,
		"1weeks":     7 * 24 * time.Hour,
		"3hrs":       3 * time.Hour,
		"250ms":      250 * time.Millisecond,
		"7us":        7 * time.Microsecond,
		"9ns":        9,
		"1.5secs":    1500 * time.Millisecond,
		"0.5mins":    30 * time.Second,
		".5secs":     500 * time.Millisecond,
		"5.secs":     5 * time.Second,
		"0secs":      0,
		"0.1secs":    100 * time.Millisecond,
		"1.9ns":      1, // truncated like Mesos's int64 conversion
		"00010secs":  10 * time.Second,
		"106751days": 106751 * 24 * time.Hour,
	}
	for in, want := range ok {
		got, err := executor.ParseDuration(in)
		if err != nil || got != want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	bad := []string{"", "secs", "5", "5s", "5sec", "5 secs", " 5secs", "5secs ", "-5secs", "+5secs", "1e3secs",
		"1.2.3secs", ".secs", "5SECS", "5mins5secs", "106752days", "99999999999999999999weeks", "5\x00secs"}
	for _, in := range bad {
		if d, err := executor.ParseDuration(in); err == nil || !errors.Is(err, executor.ErrInvalidDuration) {
			t.Errorf("ParseDuration(%q) = %v, %v; want ErrInvalidDuration", in, d, err)
		}
	}
}

func TestFormatDuration(t *testing.T) {
	cases := map[time.Duration]string{
		5 * time.Second:         "5secs",
		90 * time.Second:        "90secs",
		15 * time.Minute:        "15mins",
		1500 * time.Millisecond: "1500ms",
		36 * time.Hour:          "36hrs",
		14 * 24 * time.Hour:     "2weeks",
		0:                       "0ns",
		-2 * time.Second:        "-2secs",
		3:                       "3ns",
	}
	for d, want := range cases {
		if got := executor.FormatDuration(d); got != want {
			t.Errorf("FormatDuration(%v) = %q, want %q", d, got, want)
		}
	}
}

func FuzzParseDuration(f *testing.F) {
	for _, s := range []string{"5secs", "1.5mins", ".5ns", "2days", "", "1e3secs", "99999999999weeks", "0.000000001secs"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := executor.ParseDuration(s)
		if err != nil {
			if !errors.Is(err, executor.ErrInvalidDuration) {
				t.Fatalf("error %v does not wrap ErrInvalidDuration", err)
			}
			return
		}
		if d < 0 {
			t.Fatalf("ParseDuration(%q) = %v < 0", s, d)
		}
		back, err := executor.ParseDuration(executor.FormatDuration(d))
		if err != nil || back != d {
			t.Fatalf("round trip of %v via %q: %v, %v", d, executor.FormatDuration(d), back, err)
		}
	})
}
