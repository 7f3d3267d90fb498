// SPDX-License-Identifier: Apache-2.0

package detector

import (
	"errors"
	"net/netip"
	"net/url"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/mesosproto"
)

func TestMasterURL(t *testing.T) {
	full := &mesosproto.MasterInfo{
		Id: proto.String("id"), Ip: proto.Uint32(16777226), Port: proto.Uint32(5050),
		Pid: proto.String("master@10.0.0.9:5059"), Hostname: proto.String("old.example"),
		Address: &mesosproto.Address{Hostname: proto.String("m1.example"), Ip: proto.String("10.0.0.1"), Port: proto.Int32(5051)},
	}
	for _, tc := range []struct {
		name   string
		mi     *mesosproto.MasterInfo
		scheme string
		want   string
	}{
		{"address ip for http", full, "http", "http://10.0.0.1:5051"},
		{"empty scheme is http", full, "", "http://10.0.0.1:5051"},
		{"address hostname for https", full, "https", "https://m1.example:5051"},
		{"address ip only, https", &mesosproto.MasterInfo{
			Address: &mesosproto.Address{Ip: proto.String("10.0.0.1"), Port: proto.Int32(5051)}}, "https", "https://10.0.0.1:5051"},
		{"address hostname only, http", &mesosproto.MasterInfo{
			Address: &mesosproto.Address{Hostname: proto.String("m1"), Port: proto.Int32(5051)}}, "http", "http://m1:5051"},
		{"IPv6 address", &mesosproto.MasterInfo{
			Address: &mesosproto.Address{Ip: proto.String("fd00::1"), Port: proto.Int32(5050)}}, "http", "http://[fd00::1]:5050"},
		{"address without port falls back to pid", &mesosproto.MasterInfo{
			Pid: proto.String("master@10.0.0.9:5059"), Address: &mesosproto.Address{Ip: proto.String("10.0.0.1")}}, "http", "http://10.0.0.9:5059"},
		{"pid", &mesosproto.MasterInfo{Pid: proto.String("master@10.0.0.9:5059"), Port: proto.Uint32(1)}, "http", "http://10.0.0.9:5059"},
		{"packed ip 10.0.0.1", &mesosproto.MasterInfo{Ip: proto.Uint32(16777226), Port: proto.Uint32(5050)}, "http", "http://10.0.0.1:5050"},
		{"packed ip 127.0.0.1", &mesosproto.MasterInfo{Ip: proto.Uint32(0x0100007F), Port: proto.Uint32(5050)}, "http", "http://127.0.0.1:5050"},
		{"packed ip 1.2.3.4", &mesosproto.MasterInfo{Ip: proto.Uint32(0x04030201), Port: proto.Uint32(5050)}, "", "http://1.2.3.4:5050"},
		{"packed ip 192.168.1.200", &mesosproto.MasterInfo{Ip: proto.Uint32(0xC801A8C0), Port: proto.Uint32(80)}, "", "http://192.168.1.200:80"},
		{"deprecated hostname for https", &mesosproto.MasterInfo{Ip: proto.Uint32(16777226), Hostname: proto.String("old"), Port: proto.Uint32(5050)}, "https", "https://old:5050"},
		{"deprecated hostname without ip", &mesosproto.MasterInfo{Ip: proto.Uint32(0), Hostname: proto.String("old"), Port: proto.Uint32(5050)}, "http", "http://old:5050"},
	} {
		u, err := MasterURL(tc.mi, tc.scheme)
		if err != nil || u.String() != tc.want {
			t.Errorf("%s: MasterURL = %v, %v; want %s", tc.name, u, err, tc.want)
		}
	}
}

func TestMasterURLErrors(t *testing.T) {
	if _, err := MasterURL(nil, "http"); !errors.Is(err, ErrNoLeader) {
		t.Errorf("MasterURL(nil) = %v, want ErrNoLeader", err)
	}
	for name, mi := range map[string]*mesosproto.MasterInfo{
		"empty":                 {Id: proto.String("x")},
		"port unset (not 5050)": {Ip: proto.Uint32(16777226)},
		"port out of range":     {Address: &mesosproto.Address{Ip: proto.String("10.0.0.1"), Port: proto.Int32(70000)}},
		"bad pid":               {Pid: proto.String("10.0.0.1:5050")},
	} {
		if _, err := MasterURL(mi, "http"); !errors.Is(err, ErrNoAddress) {
			t.Errorf("%s: MasterURL = %v, want ErrNoAddress", name, err)
		}
	}
	if _, err := MasterURL(&mesosproto.MasterInfo{Pid: proto.String("master@h:1")}, "ftp"); err == nil {
		t.Error("MasterURL with scheme ftp succeeded")
	}
}

func TestPackedIPv4(t *testing.T) {
	for _, tc := range []struct {
		ip     string
		packed uint32
	}{
		{"10.0.0.1", 16777226},
		{"127.0.0.1", 16777343},
		{"1.2.3.4", 0x04030201},
		{"255.0.0.0", 0x000000FF},
		{"0.0.0.255", 0xFF000000},
	} {
		a := netip.MustParseAddr(tc.ip)
		if got := PackIPv4(a); got != tc.packed {
			t.Errorf("PackIPv4(%s) = %#x, want %#x", tc.ip, got, tc.packed)
		}
		if got := UnpackIPv4(tc.packed); got != a {
			t.Errorf("UnpackIPv4(%#x) = %s, want %s", tc.packed, got, tc.ip)
		}
	}
	if got := PackIPv4(netip.MustParseAddr("::1")); got != 0 {
		t.Errorf("PackIPv4(::1) = %#x, want 0", got)
	}
	if got := PackIPv4(netip.MustParseAddr("::ffff:10.0.0.1")); got != 16777226 {
		t.Errorf("PackIPv4(::ffff:10.0.0.1) = %#x, want the IPv4 value", got)
	}
}

func TestInfoFromURL(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"http://10.0.0.1:5050", "http://10.0.0.1:5050"},
		{"https://m1.example", "https://m1.example:443"},
		{"http://m1", "http://m1:80"},
		{"//m1", "http://m1:5050"},
	} {
		u, err := url.Parse(tc.in)
		if err != nil {
			t.Fatal(err)
		}
		mi := InfoFromURL(u)
		scheme := u.Scheme
		got, err := MasterURL(mi, scheme)
		if err != nil || got.String() != tc.want {
			t.Errorf("MasterURL(InfoFromURL(%s)) = %v, %v; want %s", tc.in, got, err, tc.want)
		}
		if mi.GetId() == "" || mi.Port == nil || mi.Ip == nil {
			t.Errorf("InfoFromURL(%s) = %v: required fields (id, ip, port) must be set", tc.in, mi)
		}
	}
	mi := InfoFromURL(&url.URL{Scheme: "http", Host: "10.0.0.1:5050"})
	if mi.GetIp() != 16777226 || mi.GetPid() != "master@10.0.0.1:5050" {
		t.Errorf("InfoFromURL(10.0.0.1:5050) = %v; want the packed ip and pid set", mi)
	}
}

func TestDecodeMember(t *testing.T) {
	// The example a Mesos 1.12 master writes (docs/PROTOCOL.md §7), plus fields and enum values from
	// the future, which must be ignored.
	mesosJSON := `{"address":{"hostname":"m1.example","ip":"10.0.0.1","port":5050},"capabilities":[{"type":"AGENT_UPDATE"},{"type":"AGENT_DRAINING"},{"type":"QUOTA_V2"},{"type":"SOMETHING_NEW"}],"domain":{"fault_domain":{"region":{"name":"r"},"zone":{"name":"z"}}},"future_field":{"x":1},"hostname":"m1.example","id":"0e6ba4b9-1cc4-44b2-a8e8-cdb2e0a57c1a","ip":16777226,"pid":"master@10.0.0.1:5050","port":5050,"version":"1.12.0"}`
	mi, err := decodeMember(labelJSON, []byte(mesosJSON))
	if err != nil {
		t.Fatalf("decode Mesos JSON: %v", err)
	}
	if mi.GetId() != "0e6ba4b9-1cc4-44b2-a8e8-cdb2e0a57c1a" || mi.GetAddress().GetPort() != 5050 || len(mi.GetCapabilities()) < 3 {
		t.Fatalf("decoded %v", mi)
	}

	ref := testMaster("10.9.0.1", 5050)
	bin, err := proto.Marshal(ref)
	if err != nil {
		t.Fatal(err)
	}
	if mi, err := decodeMember(labelBinary, bin); err != nil || !proto.Equal(mi, ref) {
		t.Fatalf("decode binary = %v, %v", mi, err)
	}
	if mi, err := decodeMember(labelNone, []byte("master@10.9.0.2:5051\n")); err != nil || mi.GetPid() != "master@10.9.0.2:5051" || mi.GetIp() != PackIPv4(netip.MustParseAddr("10.9.0.2")) {
		t.Fatalf("decode UPID = %v, %v", mi, err)
	}

	for _, tc := range []struct {
		label string
		data  string
	}{
		{labelJSON, "{not json"},
		{labelJSON, `{"id":"only an id"}`},
		{labelJSON, `[1,2]`},
		{labelJSON, ``},
		{labelBinary, "\xff\xff\xff"},
		{labelBinary, "garbage that parses as nothing useful"},
		{labelNone, "10.0.0.1:5050"},
		{labelNone, "master@nohost"},
		{labelNone, ""},
		{"weird", `{}`},
	} {
		if mi, err := decodeMember(tc.label, []byte(tc.data)); err == nil {
			t.Errorf("decodeMember(%q, %q) = %v, want an error", tc.label, tc.data, mi)
		}
	}
}
