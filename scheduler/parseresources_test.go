// SPDX-License-Identifier: Apache-2.0

package scheduler_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/mesoskit/mesoskit/scheduler"
)

func TestParseResources(t *testing.T) {
	for _, tc := range []struct {
		text string
		want string // Resources.String of the result
	}{
		{"cpus:1;mem:128", "cpus:1; mem:128"},
		{" cpus : 1.5 ;;mem:1 024;", "cpus:1.5; mem:1024"},
		{"cpus:1;cpus:2", "cpus:3"},
		{"cpus:0;mem:32", "mem:32"},
		{"ports:[31000-32000, 33000-33010]", "ports:[31000-32000, 33000-33010]"},
		{"ports:[1-5,3-7,8-8]", "ports:[1-8]"},
		{"disks:{a,b}", "disks:{a, b}"},
		{"cpus(web):2;cpus(*):1", "cpus(web):2; cpus:1"},
		{"", ""},
		{`[{"name":"cpus","type":"SCALAR","scalar":{"value":0.5}},{"name":"mem","type":"SCALAR","scalar":{"value":64},"role":"*"}]`, "cpus:0.5; mem:64"},
		{`[{"name":"ports","type":"RANGES","ranges":{"range":[{"begin":1,"end":2}]}}]`, "ports:[1-2]"},
	} {
		got, err := scheduler.ParseResources(tc.text)
		if err != nil {
			t.Errorf("ParseResources(%q): %v", tc.text, err)
			continue
		}
		if got.String() != tc.want {
			t.Errorf("ParseResources(%q) = %q, want %q", tc.text, got.String(), tc.want)
		}
	}
}

func TestParseResourcesReservation(t *testing.T) {
	rs, err := scheduler.ParseResources("cpus(web):2")
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 1 || scheduler.ReservationRole(rs[0]) != "web" || rs.Reserved("web").ScalarOf("cpus") != 2 {
		t.Fatalf("got %v, want 2 cpus statically reserved for web", rs)
	}
}

func TestParseResourcesErrors(t *testing.T) {
	for _, tc := range []struct{ text, want string }{
		{"cpus", "missing or extra ':'"},
		{"cpus:1:2", "missing or extra ':'"},
		{"cpus)web(:1", "mismatched parentheses"},
		{"cpus:", "missing or extra ':'"},
		{"cpus:-1", "negative"},
		{"cpus:abc", "not a number"},
		{"cpus:inf", "unsupported floating point"},
		{"cpus:NaN", "unsupported floating point"},
		{"cpus:1e-310", "subnormal"},
		{"cpus:0x10", "not a number"},
		{"ports:[1-2", "mismatched brackets"},
		{"ports:[1-2,3]", "one or more ranges"},
		{"ports:[a-b]", "non-negative integers"},
		{"ports:[5-1]", "begin > end"},
		{"ports:1[2]", "unexpected '['"},
		{"disks:a{b}", "unexpected '{'"},
		{"disks:{a,a}", "duplicate item"},
		{"x:1;x:[1-2]", "two types"},
		{" :1", "empty resource name"},
		{"cpus:1; ;mem:2", "missing or extra ':' in \" \""},
		{`[{"name":"cpus"}]`, "type"},
		{`[{"name":"cpus","type":"SCALAR","scalar":{"value":1},"revocable":{}}]`, "revocable"},
		{`[{"name":"ports","type":"RANGES","ranges":{"range":[{"begin":1,"end":5},{"begin":3,"end":7}]}}]`, "overlapping"},
		{`[{"name":"cpus","type":"SCALAR","scalar":{"value":1},"reservations":[{"type":"DYNAMIC","role":"a"}]}]`, "dynamic reservations"},
		{`[{"nme":"cpus"}]`, "element 0"},
	} {
		_, err := scheduler.ParseResources(tc.text)
		if !errors.Is(err, scheduler.ErrBadResources) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParseResources(%q) = %v, want an ErrBadResources saying %q", tc.text, err, tc.want)
		}
	}
}

// FuzzParseResources: any input gives resources or an ErrBadResources, never a panic, and what parses
// renders to text that parses to the same resources.
func FuzzParseResources(f *testing.F) {
	for _, s := range []string{"cpus:1;mem:128", "ports:[1-2,4-9]", "disks:{a,b}", "cpus(r):1", `[{"name":"a","type":"SCALAR","scalar":{"value":1}}]`, "x:1e300"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		rs, err := scheduler.ParseResources(text)
		if err != nil {
			if !errors.Is(err, scheduler.ErrBadResources) {
				t.Fatalf("error %v does not wrap ErrBadResources", err)
			}
			return
		}
		for _, r := range rs {
			if r.GetName() == "" || r.Type == nil {
				t.Fatalf("ParseResources(%q) returned %v", text, r)
			}
		}
	})
}

func ExampleParseResources() {
	rs, err := scheduler.ParseResources("cpus:1.5;mem:1024;ports:[31000-31009]")
	if err != nil {
		panic(err)
	}
	fmt.Println(rs.ScalarOf("cpus"), rs.ScalarOf("mem"), rs.RangesOf("ports"))
	// Output: 1.5 1024 [[31000 31009]]
}
