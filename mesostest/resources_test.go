// SPDX-License-Identifier: Apache-2.0

//lint:file-ignore SA1019 tests check the deprecated role fields Mesos still sends and reads

package mesostest

import (
	"errors"
	"net"
	"testing"

	"github.com/mesoskit/mesoskit/mesosproto"
)

func TestParseResources(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want string
	}{
		{"cpus:4;mem:4096;disk:10000;ports:[31000-32000]", "cpus:4; mem:4096; disk:10000; ports:[31000-32000]"},
		{" cpus : 0.5 ; cpus:1.25 ", "cpus:1.75"},
		{"ports:[1-2, 3-5, 10-12];ports:[13-13]", "ports:[1-5, 10-13]"},
		{"cpus(web):2;cpus:1;disks:{b,a}", "cpus:1; cpus(web):2; disks:{a, b}"},
		{"gpus:1;foo:3", "gpus:1; foo:3"},
		{"", ""},
	} {
		rs, err := parseResourceString(tc.in)
		if err != nil {
			t.Errorf("%q: %v", tc.in, err)
			continue
		}
		if got := rs.String(); got != tc.want {
			t.Errorf("%q: got %q, want %q", tc.in, got, tc.want)
		}
	}
	for _, bad := range []string{"cpus", "cpus:abc", "ports:[5-1]", "ports:[1-2", "cpus(/x):1", "cpus:-1", "cpus:1;cpus:[1-2]"} {
		if _, err := parseResourceString(bad); !errors.Is(err, ErrInvalidResources) {
			t.Errorf("%q: err %v", bad, err)
		}
	}
	pb, err := ParseResources("cpus:2;ports:[31000-31001]")
	if err != nil || len(pb) != 2 || pb[1].GetRanges().GetRange()[0].GetEnd() != 31001 || pb[0].GetRole() != "*" {
		t.Errorf("ParseResources: %v %v", pb, err)
	}
}

func TestParseAttributes(t *testing.T) {
	attrs, err := ParseAttributes("rack:r1;level:10;keys:[1000-1500];tags:{a,b};host:web-1.example")
	if err != nil {
		t.Fatal(err)
	}
	want := []mesosproto.Value_Type{mesosproto.Value_TEXT, mesosproto.Value_SCALAR, mesosproto.Value_RANGES, mesosproto.Value_SET, mesosproto.Value_TEXT}
	if len(attrs) != len(want) {
		t.Fatalf("%d attributes", len(attrs))
	}
	for i, a := range attrs {
		if a.GetType() != want[i] {
			t.Errorf("%s: type %v, want %v", a.GetName(), a.GetType(), want[i])
		}
	}
	if attrs[4].GetText().GetValue() != "web-1.example" {
		t.Errorf("text %v", attrs[4])
	}
	if _, err := ParseAttributes("novalue"); err == nil {
		t.Error("attribute without value accepted")
	}
}

func TestResourceArithmetic(t *testing.T) {
	total, _ := parseResourceString("cpus:4;mem:1024;ports:[100-200];disks:{a,b,c}")
	used, _ := parseResourceString("cpus:0.1;mem:32;ports:[150-160];disks:{b}")
	free := total.minus(used)
	if got := free.String(); got != "cpus:3.9; mem:992; ports:[100-149, 161-200]; disks:{a, c}" {
		t.Errorf("free %q", got)
	}
	if !total.contains(used) || free.contains(used) || !free.plus(used).contains(total) {
		t.Error("contains")
	}
	// Fixed point: 0.1 ten times is exactly 1.
	var acc resources = resources{}
	one, _ := parseResourceString("cpus:0.1")
	for range 10 {
		acc = acc.plus(one)
	}
	if acc.scalar("cpus") != 1000 {
		t.Errorf("0.1 x 10 = %d thousandths", acc.scalar("cpus"))
	}
	small, _ := parseResourceString("cpus:0.001;mem:31;ports:[1-2]")
	if small.allocatable() {
		t.Error("below the minimum allocatable resources")
	}
}

func TestIDs(t *testing.T) {
	if got := packIP(net.ParseIP("10.0.0.1")); got != 16777226 {
		t.Errorf("packIP(10.0.0.1) = %d", got)
	}
	b := newUUIDBytes()
	if !validUUIDBytes(b) || !uuidRE.MatchString(uuidString(b)) {
		t.Errorf("uuid %x", b)
	}
	if frameworkIDFor("m", 7) != "m-0007" || frameworkIDFor("m", 12345) != "m-12345" || offerIDFor("m", 3) != "m-O3" || agentIDFor("m", 0) != "m-S0" {
		t.Error("id formats")
	}
	for _, tc := range []struct {
		role string
		ok   bool
	}{{"*", true}, {"a/b", true}, {"/a", false}, {"a/", false}, {"a//b", false}, {"a/./b", false}, {"-a", false}, {"a b", false}, {"a/*", false}, {"", false}} {
		if err := validateRole(tc.role); (err == nil) != tc.ok {
			t.Errorf("role %q: %v", tc.role, err)
		}
	}
}
