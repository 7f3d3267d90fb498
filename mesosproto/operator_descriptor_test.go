// SPDX-License-Identifier: Apache-2.0

package mesosproto_test

// Pins the operator API schema (masterpb, agentpb, quotapb, maintenancepb,
// allocatorpb and mesos_operator.proto) through the registered descriptors,
// against the tables of operator_master_facts_test.go and
// operator_agent_facts_test.go. As for the scheduler tables: a failure means
// a .proto edit broke wire or JSON compatibility with Mesos; fix the .proto.

import (
	"strings"
	"testing"

	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/descriptorpb"

	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/agentpb"
	"github.com/mesoskit/mesoskit/mesosproto/allocatorpb"
	"github.com/mesoskit/mesoskit/mesosproto/maintenancepb"
	"github.com/mesoskit/mesoskit/mesosproto/masterpb"
	"github.com/mesoskit/mesoskit/mesosproto/quotapb"
)

type messageFact = struct {
	msg      string
	complete bool
	fields   []field
}

type enumFact = struct {
	enum   string
	values []enumValue
}

func TestOperatorSchema(t *testing.T) {
	for _, tc := range append(append([]messageFact(nil), masterMessageFacts...), agentMessageFacts...) {
		t.Run(tc.msg, func(t *testing.T) {
			md := findMessage(t, tc.msg)
			if md.Fields().Len() != len(tc.fields) {
				t.Errorf("%s has %d fields, want exactly %d", tc.msg, md.Fields().Len(), len(tc.fields))
			}
			for i, want := range tc.fields {
				fd := md.Fields().ByName(protoreflect.Name(want.name))
				if fd == nil {
					t.Errorf("%s.%s missing", tc.msg, want.name)
					continue
				}
				// Declaration order is what Mesos's JSON renderer follows.
				if fd.Index() != i {
					t.Errorf("%s.%s declared at %d, want %d", tc.msg, want.name, fd.Index(), i)
				}
				checkField(t, fd, want)
			}
		})
	}
	for _, tc := range append(append([]enumFact(nil), masterEnumFacts...), agentEnumFacts...) {
		t.Run(tc.enum, func(t *testing.T) {
			ed := findEnum(t, tc.enum)
			if ed.Values().Len() != len(tc.values) {
				t.Errorf("%s has %d values, want %d", tc.enum, ed.Values().Len(), len(tc.values))
			}
			for i, want := range tc.values {
				if i >= ed.Values().Len() {
					break
				}
				// Order matters: the first value is the proto2 default.
				v := ed.Values().Get(i)
				if string(v.Name()) != want.name || v.Number() != want.num {
					t.Errorf("%s value %d is %s = %d, want %s = %d", tc.enum, i, v.Name(), v.Number(), want.name, want.num)
				}
			}
		})
	}
}

// TestOperatorSchemaComplete fails when a message or enum of an operator
// file is not pinned by the tables (a type added or renamed by mistake).
func TestOperatorSchemaComplete(t *testing.T) {
	pinned := map[string]bool{}
	for _, f := range append(append([]messageFact(nil), masterMessageFacts...), agentMessageFacts...) {
		pinned[f.msg] = true
	}
	for _, e := range append(append([]enumFact(nil), masterEnumFacts...), agentEnumFacts...) {
		pinned[e.enum] = true
	}
	for _, fd := range []protoreflect.FileDescriptor{
		masterpb.File_mesosproto_masterpb_master_proto,
		agentpb.File_mesosproto_agentpb_agent_proto,
		quotapb.File_mesosproto_quotapb_quota_proto,
		maintenancepb.File_mesosproto_maintenancepb_maintenance_proto,
		allocatorpb.File_mesosproto_allocatorpb_allocator_proto,
		mesosproto.File_mesosproto_mesos_operator_proto,
	} {
		var walk func(protoreflect.MessageDescriptors, protoreflect.EnumDescriptors)
		walk = func(ms protoreflect.MessageDescriptors, es protoreflect.EnumDescriptors) {
			for i := range es.Len() {
				if n := string(es.Get(i).FullName()); !pinned[n] && !pinnedByParent(n) {
					t.Errorf("%s: enum %s is not pinned", fd.Path(), n)
				}
			}
			for i := range ms.Len() {
				md := ms.Get(i)
				if md.IsMapEntry() {
					continue
				}
				if n := string(md.FullName()); !pinned[n] && !pinnedByParent(n) {
					t.Errorf("%s: message %s is not pinned", fd.Path(), n)
				}
				walk(md.Messages(), md.Enums())
			}
		}
		walk(fd.Messages(), fd.Enums())
	}
}

// pinnedByParent reports the statistics types of mesos_operator.proto that
// the tables leave out (they only describe counters the fake never reports);
// their compatibility is still covered by TestOperatorSchemaReachable.
func pinnedByParent(name string) bool {
	for _, p := range []string{
		"mesos.v1.ResourceStatistics", "mesos.v1.DiskStatistics", "mesos.v1.PerfStatistics",
		"mesos.v1.TrafficControlStatistics", "mesos.v1.IpStatistics", "mesos.v1.IcmpStatistics",
		"mesos.v1.TcpStatistics", "mesos.v1.UdpStatistics", "mesos.v1.SNMPStatistics",
		"mesos.v1.CSIPluginInfo", "mesos.v1.CSIPluginContainerInfo", "mesos.v1.CSIPluginEndpoint",
	} {
		if name == p || strings.HasPrefix(name, p+".") {
			return true
		}
	}
	return false
}

// TestOperatorSchemaReachable walks everything the operator Calls, Responses
// and Events reach and requires each type to be registered with the proto
// package Mesos uses for it.
func TestOperatorSchemaReachable(t *testing.T) {
	seen := map[protoreflect.FullName]bool{}
	var visit func(md protoreflect.MessageDescriptor)
	visit = func(md protoreflect.MessageDescriptor) {
		if seen[md.FullName()] {
			return
		}
		seen[md.FullName()] = true
		if _, err := protoregistry.GlobalTypes.FindMessageByName(md.FullName()); err != nil && !md.IsMapEntry() {
			t.Errorf("%s reached but not registered: %v", md.FullName(), err)
		}
		if !strings.HasPrefix(string(md.FullName()), "mesos.v1.") && md.FullName() != "google.protobuf.Duration" {
			t.Errorf("%s: unexpected package", md.FullName())
		}
		for i := range md.Fields().Len() {
			if m := md.Fields().Get(i).Message(); m != nil {
				visit(m)
			}
		}
	}
	for _, m := range []protoreflect.MessageDescriptor{
		(&masterpb.Call{}).ProtoReflect().Descriptor(),
		(&masterpb.Response{}).ProtoReflect().Descriptor(),
		(&masterpb.Event{}).ProtoReflect().Descriptor(),
		(&agentpb.Call{}).ProtoReflect().Descriptor(),
		(&agentpb.Response{}).ProtoReflect().Descriptor(),
		(&agentpb.ProcessIO{}).ProtoReflect().Descriptor(),
	} {
		visit(m)
	}
	// GET_STATE alone reaches well over a hundred message types.
	if len(seen) < 150 {
		t.Errorf("operator API reaches only %d message types", len(seen))
	}
}

func TestOperatorDefaultsAndDeprecations(t *testing.T) {
	field := func(name string) protoreflect.FieldDescriptor {
		t.Helper()
		d, err := protoregistry.GlobalFiles.FindDescriptorByName(protoreflect.FullName(name))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return d.(protoreflect.FieldDescriptor)
	}
	for _, name := range []string{"mesos.v1.master.Call.DrainAgent.mark_gone", "mesos.v1.DrainConfig.mark_gone"} {
		fd := field(name)
		if !fd.HasDefault() || fd.Default().Bool() {
			t.Errorf("%s: want an explicit [default = false]", name)
		}
	}
	for _, name := range []string{
		"mesos.v1.master.Call.set_quota", "mesos.v1.master.Call.remove_quota",
		"mesos.v1.master.Response.GetTasks.pending_tasks", "mesos.v1.master.Response.GetTasks.orphan_tasks",
		"mesos.v1.master.Response.GetFrameworks.recovered_frameworks",
		"mesos.v1.master.Response.GetExecutors.orphan_executors", "mesos.v1.quota.QuotaStatus.infos",
		"mesos.v1.agent.Call.launch_nested_container", "mesos.v1.agent.Call.wait_nested_container",
		"mesos.v1.agent.Call.kill_nested_container", "mesos.v1.agent.Call.remove_nested_container",
	} {
		opts, _ := field(name).Options().(*descriptorpb.FieldOptions)
		if !opts.GetDeprecated() {
			t.Errorf("%s: want [deprecated = true]", name)
		}
	}
	for _, v := range []struct{ enum, value string }{
		{"mesos.v1.master.Call.Type", "SET_QUOTA"}, {"mesos.v1.master.Call.Type", "REMOVE_QUOTA"},
		{"mesos.v1.agent.Call.Type", "LAUNCH_NESTED_CONTAINER"}, {"mesos.v1.agent.Call.Type", "WAIT_NESTED_CONTAINER"},
		{"mesos.v1.agent.Call.Type", "KILL_NESTED_CONTAINER"}, {"mesos.v1.agent.Call.Type", "REMOVE_NESTED_CONTAINER"},
		{"mesos.v1.agent.Response.Type", "WAIT_NESTED_CONTAINER"},
	} {
		ev := findEnum(t, v.enum).Values().ByName(protoreflect.Name(v.value))
		if ev == nil {
			t.Errorf("%s.%s missing", v.enum, v.value)
			continue
		}
		opts, _ := ev.Options().(*descriptorpb.EnumValueOptions)
		if !opts.GetDeprecated() {
			t.Errorf("%s.%s: want [deprecated = true]", v.enum, v.value)
		}
	}
	for _, name := range []string{
		"mesos.v1.master.Call", "mesos.v1.master.Response", "mesos.v1.master.Event",
		"mesos.v1.agent.Call", "mesos.v1.agent.Response", "mesos.v1.agent.ProcessIO",
	} {
		fd := findMessage(t, name).Fields().ByName("type")
		if fd == nil || fd.Cardinality() != opt {
			t.Errorf("%s.type must be optional, got %v", name, fd)
		}
		if f := fd.ParentFile(); f.Syntax() != protoreflect.Proto2 || !strings.HasPrefix(name, string(f.Package())) {
			t.Errorf("%s: file %s is %v package %s", name, f.Path(), f.Syntax(), f.Package())
		}
	}
}
