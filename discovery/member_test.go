// SPDX-License-Identifier: Apache-2.0

package discovery_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mesoskit/mesoskit/discovery"
	"github.com/mesoskit/mesoskit/mesosproto"
)

func TestParseMember(t *testing.T) {
	two := 2
	for _, tc := range []struct {
		name string
		data string
		want *discovery.Member // nil: an error wrapping ErrInvalidMember
	}{
		{"aurora", `{"serviceEndpoint":{"host":"h","port":1},"additionalEndpoints":{"http":{"host":"h","port":2}},"status":"ALIVE","shard":2}`,
			&discovery.Member{ServiceEndpoint: discovery.Endpoint{Host: "h", Port: 1},
				AdditionalEndpoints: map[string]discovery.Endpoint{"http": {Host: "h", Port: 2}}, Status: "ALIVE", Shard: &two}},
		{"minimal, unknown fields", `{"serviceEndpoint":{"host":"h","port":9,"x":1},"extra":true}`,
			&discovery.Member{ServiceEndpoint: discovery.Endpoint{Host: "h", Port: 9}}},
		{"empty", ``, nil},
		{"not json", `host:1`, nil},
		{"no service endpoint", `{"status":"ALIVE"}`, nil},
		{"null service endpoint", `{"serviceEndpoint":null}`, nil},
		{"no host", `{"serviceEndpoint":{"port":1}}`, nil},
		{"port zero", `{"serviceEndpoint":{"host":"h","port":0}}`, nil},
		{"port too big", `{"serviceEndpoint":{"host":"h","port":65536}}`, nil},
		{"port as string", `{"serviceEndpoint":{"host":"h","port":"1"}}`, nil},
		{"bad additional", `{"serviceEndpoint":{"host":"h","port":1},"additionalEndpoints":{"x":{"host":"","port":1}}}`, nil},
		{"trailing data", `{"serviceEndpoint":{"host":"h","port":1}} {}`, nil},
		{"too large", `{"serviceEndpoint":{"host":"` + strings.Repeat("h", discovery.MaxMemberSize) + `","port":1}}`, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := discovery.ParseMember([]byte(tc.data))
			if tc.want == nil {
				if !errors.Is(err, discovery.ErrInvalidMember) {
					t.Fatalf("ParseMember: got %+v, %v; want ErrInvalidMember", got, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(*tc.want, got); diff != "" {
				t.Fatalf("ParseMember (-want +got):\n%s", diff)
			}
		})
	}
}

func TestMarshalRefusesInvalid(t *testing.T) {
	for _, m := range []discovery.Member{
		{},
		{ServiceEndpoint: discovery.Endpoint{Host: "h", Port: 70000}},
		{ServiceEndpoint: discovery.Endpoint{Host: "h", Port: 1}, AdditionalEndpoints: map[string]discovery.Endpoint{"": {Host: "h", Port: 1}}},
	} {
		if _, err := m.Marshal(); !errors.Is(err, discovery.ErrInvalidMember) {
			t.Errorf("Marshal(%+v) = %v, want ErrInvalidMember", m, err)
		}
	}
}

func FuzzParseMember(f *testing.F) {
	f.Add([]byte(`{"serviceEndpoint":{"host":"h","port":1},"additionalEndpoints":{},"status":"ALIVE","shard":0}`))
	f.Add([]byte(`{"serviceEndpoint":{"host":"h","port":-1}}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := discovery.ParseMember(data)
		if err != nil {
			return
		}
		// What parses is announceable, and survives a round trip.
		out, err := m.Marshal()
		if err != nil {
			t.Fatalf("parsed %q but Marshal fails: %v", data, err)
		}
		back, err := discovery.ParseMember(out)
		if err != nil || back.ServiceEndpoint != m.ServiceEndpoint {
			t.Fatalf("round trip of %q: %+v, %v", data, back, err)
		}
	})
}

func TestNewValidates(t *testing.T) {
	for _, servers := range [][]string{nil, {"nohost"}, {":1"}, {"h:0"}} {
		if _, err := discovery.New(servers); err == nil {
			t.Errorf("New(%q) accepted", servers)
		}
	}
	if _, err := discovery.New([]string{"127.0.0.1:1"}, discovery.WithDigestAuth("", "x")); err == nil {
		t.Error("WithDigestAuth with an empty user accepted")
	}
	c, err := discovery.New([]string{"127.0.0.1:1"})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"", "/", "x", "/a/", "/a//b", "/a/./b", "/a/../b"} {
		if _, err := c.Watch(p); !errors.Is(err, discovery.ErrInvalidPath) {
			t.Errorf("Watch(%q) = %v, want ErrInvalidPath", p, err)
		}
	}
	// Nothing was started: Close has nothing to wait for, and is idempotent.
	_ = c.Close()
	_ = c.Close()
	if _, err := c.Watch("/a"); !errors.Is(err, discovery.ErrClosed) {
		t.Errorf("Watch after Close = %v, want ErrClosed", err)
	}
}

func TestTaskMember(t *testing.T) {
	port := func(n uint32, name, proto string) *mesosproto.Port {
		p := &mesosproto.Port{Number: &n}
		if name != "" {
			p.Name = &name
		}
		if proto != "" {
			p.Protocol = &proto
		}
		return p
	}
	ports := func(b, e uint64) *mesosproto.Resource {
		return &mesosproto.Resource{Name: ptr("ports"), Type: mesosproto.Value_RANGES.Enum(),
			Ranges: &mesosproto.Value_Ranges{Range: []*mesosproto.Value_Range{{Begin: &b, End: &e}}}}
	}
	task := func(di *mesosproto.DiscoveryInfo, rs ...*mesosproto.Resource) *mesosproto.TaskInfo {
		return &mesosproto.TaskInfo{TaskId: &mesosproto.TaskID{Value: ptr("t")}, Discovery: di, Resources: rs}
	}
	vis := mesosproto.DiscoveryInfo_FRAMEWORK.Enum()
	three := 3
	for _, tc := range []struct {
		name string
		task *mesosproto.TaskInfo
		want *discovery.Member
	}{
		{"no discovery info", task(nil, ports(31000, 31000)), nil},
		{"no port", task(&mesosproto.DiscoveryInfo{Visibility: vis}), nil},
		{"resource port", task(&mesosproto.DiscoveryInfo{Visibility: vis}, ports(31005, 31009), ports(31002, 31002)),
			&discovery.Member{ServiceEndpoint: discovery.Endpoint{Host: "h", Port: 31002}, Status: "ALIVE"}},
		{"named ports, udp skipped, shard", task(&mesosproto.DiscoveryInfo{Visibility: vis,
			Ports:  &mesosproto.Ports{Ports: []*mesosproto.Port{port(53, "dns", "udp"), port(8080, "http", "tcp"), port(9090, "", ""), port(7000, "admin", "")}},
			Labels: &mesosproto.Labels{Labels: []*mesosproto.Label{{Key: ptr("shard"), Value: ptr("3")}}}}, ports(1, 2)),
			&discovery.Member{ServiceEndpoint: discovery.Endpoint{Host: "h", Port: 8080}, Status: "ALIVE", Shard: &three,
				AdditionalEndpoints: map[string]discovery.Endpoint{"http": {Host: "h", Port: 8080}, "admin": {Host: "h", Port: 7000}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := discovery.TaskMember("h", tc.task)
			if tc.want == nil {
				if !errors.Is(err, discovery.ErrInvalidMember) {
					t.Fatalf("got %+v, %v; want ErrInvalidMember", got, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(*tc.want, got); diff != "" {
				t.Fatalf("TaskMember (-want +got):\n%s", diff)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }
