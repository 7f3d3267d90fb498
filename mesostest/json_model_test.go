// SPDX-License-Identifier: Apache-2.0

package mesostest

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/mesosproto"
)

// json(ObjectWriter, Resources) in src/common/http.cpp: the four scalars
// always, sums by name, ranges merged into stout's "[a-b, c-d]", sets as
// "{a, b}", revocable resources under "<name>_revocable".
func TestResourcesModel(t *testing.T) {
	rng := func(name string, bounds ...uint64) *mesosproto.Resource {
		r := &mesosproto.Resource{Name: proto.String(name), Type: mesosproto.Value_RANGES.Enum(), Ranges: &mesosproto.Value_Ranges{}}
		for i := 0; i+1 < len(bounds); i += 2 {
			r.Ranges.Range = append(r.Ranges.Range, &mesosproto.Value_Range{Begin: proto.Uint64(bounds[i]), End: proto.Uint64(bounds[i+1])})
		}
		return r
	}
	revocable := scalar("cpus", 0.5)
	revocable.Revocable = &mesosproto.Resource_RevocableInfo{}
	got := resourcesModel([]*mesosproto.Resource{
		scalar("cpus", 1), scalar("cpus", 1.5), scalar("mem", 64), revocable, scalar("custom", 3),
		rng("ports", 31005, 31009, 31000, 31004), rng("ports", 32000, 32000, 31020, 31030),
		{Name: proto.String("zones"), Type: mesosproto.Value_SET.Enum(), Set: &mesosproto.Value_Set{Item: []string{"a", "b"}}},
		{Name: proto.String("zones"), Type: mesosproto.Value_SET.Enum(), Set: &mesosproto.Value_Set{Item: []string{"b", "c"}}},
	})
	want := jsonObject{"cpus": 2.5, "gpus": 0.0, "mem": 64.0, "disk": 0.0, "cpus_revocable": 0.5, "custom": 3.0,
		"ports": "[31000-31009, 31020-31030, 32000-32000]", "zones": "{a, b, c}"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("resources model (-want +got):\n%s", d)
	}
	if d := cmp.Diff(jsonObject{"cpus": 0.0, "gpus": 0.0, "mem": 0.0, "disk": 0.0}, resourcesModel(nil)); d != "" {
		t.Errorf("empty resources (-want +got):\n%s", d)
	}
}

// json(ObjectWriter, Attributes): scalars as numbers, the rest as strings.
func TestAttributesModel(t *testing.T) {
	attrs, err := ParseAttributes("rack:r1;level:3;ports:[1-2,5-6];zones:{a,b}")
	if err != nil {
		t.Fatal(err)
	}
	got := attributesModel(attrs)
	want := jsonObject{"rack": "r1", "level": 3.0, "ports": "[1-2, 5-6]", "zones": "{a, b}"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("attributes model (-want +got):\n%s", d)
	}
}

// The command executor's name (Slave::getExecutorInfo, src/slave/slave.cpp).
func TestCommandExecutorName(t *testing.T) {
	for _, c := range []struct {
		cmd  *mesosproto.CommandInfo
		want string
	}{
		{&mesosproto.CommandInfo{Value: proto.String("sleep 10")}, "(Task: t) (Command: sh -c 'sleep 10')"},
		{&mesosproto.CommandInfo{Value: proto.String("echo 1234567890123")}, "(Task: t) (Command: sh -c 'echo 1234567...')"},
		{&mesosproto.CommandInfo{}, "(Task: t) (Command: NO COMMAND)"},
		{nil, "(Task: t) (Command: NO COMMAND)"},
		{&mesosproto.CommandInfo{Shell: proto.Bool(false), Value: proto.String("ls"), Arguments: []string{"ls", "-l"}}, "(Task: t) (Command: [ls, ls, -l])"},
		{&mesosproto.CommandInfo{Shell: proto.Bool(false), Value: proto.String("/bin/true"), Arguments: []string{"true", "x"}}, "(Task: t) (Command: [/bin/true, t...])"},
		{&mesosproto.CommandInfo{Shell: proto.Bool(false)}, "(Task: t) (Command: NO EXECUTABLE)"},
	} {
		ti := &mesosproto.TaskInfo{TaskId: &mesosproto.TaskID{Value: proto.String("t")}, Command: c.cmd}
		if got := commandExecutorName(ti); got != c.want {
			t.Errorf("%v: %q, want %q", c.cmd, got, c.want)
		}
	}
}
