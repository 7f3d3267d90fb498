// SPDX-License-Identifier: Apache-2.0

package detector

import (
	"slices"
	"testing"
)

func TestParseMember(t *testing.T) {
	for _, tc := range []struct {
		name  string
		ok    bool
		label string
		seq   int32
	}{
		{"json.info_0000000007", true, "json.info", 7},
		{"info_0000000002", true, "info", 2},
		{"0000000003", true, "", 3},
		{"10", true, "", 10},
		{"a_b_5", true, "a", 5}, // the label is the first token, the sequence the last
		{"json.info_-2147483648", true, "json.info", -2147483648},
		{"json.info_2147483647", true, "json.info", 2147483647},
		{"json.info_2147483648", false, "", 0}, // not an int32
		{"log_replicas", false, "", 0},
		{"foo", false, "", 0},
		{"json.info_", false, "", 0},
		{"", false, "", 0},
	} {
		m, ok := parseMember(tc.name)
		if ok != tc.ok || (ok && (m.label != tc.label || m.seq != tc.seq || m.name != tc.name)) {
			t.Errorf("parseMember(%q) = %+v, %v; want label %q seq %d ok %v", tc.name, m, ok, tc.label, tc.seq, tc.ok)
		}
	}
}

func TestSortedMembers(t *testing.T) {
	children := []string{
		"json.info_0000000010", "info_0000000009", "0000000011", "log_replicas", "json.info_9x",
		"json.info_10", "json.info_9", "weird_0000000001",
	}
	var got []string
	for _, m := range sortedMembers(children) {
		got = append(got, m.name)
	}
	// Numeric order across labels; ties by name; non-members dropped. Unknown labels are still members here
	// (the detector skips them when choosing).
	want := []string{"weird_0000000001", "info_0000000009", "json.info_9", "json.info_0000000010", "json.info_10", "0000000011"}
	if !slices.Equal(got, want) {
		t.Fatalf("sortedMembers = %q, want %q", got, want)
	}
}
