// SPDX-License-Identifier: Apache-2.0

package mesosproto_test

// These tests pin wire facts of the Mesos v1 protocol (include/mesos/v1/mesos.proto,
// scheduler/scheduler.proto and executor/executor.proto of Mesos) through the registered descriptors. A failure here
// means a .proto edit broke compatibility with real masters and agents: fix
// the .proto, not the test.

import (
	"testing"

	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"

	_ "github.com/mesoskit/mesoskit/mesosproto"
	_ "github.com/mesoskit/mesoskit/mesosproto/executorpb"
	_ "github.com/mesoskit/mesoskit/mesosproto/schedulerpb"
)

const (
	opt = protoreflect.Optional
	req = protoreflect.Required
	rep = protoreflect.Repeated

	msgK    = protoreflect.MessageKind
	enumK   = protoreflect.EnumKind
	strK    = protoreflect.StringKind
	bytesK  = protoreflect.BytesKind
	boolK   = protoreflect.BoolKind
	dblK    = protoreflect.DoubleKind
	int32K  = protoreflect.Int32Kind
	int64K  = protoreflect.Int64Kind
	uint32K = protoreflect.Uint32Kind
	uint64K = protoreflect.Uint64Kind
)

// field is one expected field. For message and enum kinds, ref is the full
// name of the referenced type; for map fields it is "map:<value type>" (the
// key is always string in these protos).
type field struct {
	name string
	num  protoreflect.FieldNumber
	card protoreflect.Cardinality
	kind protoreflect.Kind
	ref  string
}

// messageFacts lists messages whose fields are pinned. When complete is true
// the message must have exactly these fields.
var messageFacts = []struct {
	msg      string
	complete bool
	fields   []field
}{
	// Scheduler Call (§1.6). Payload numbers differ from Call.Type values.
	{"mesos.v1.scheduler.Call", true, []field{
		{"framework_id", 1, opt, msgK, "mesos.v1.FrameworkID"},
		{"type", 2, opt, enumK, "mesos.v1.scheduler.Call.Type"},
		{"subscribe", 3, opt, msgK, "mesos.v1.scheduler.Call.Subscribe"},
		{"accept", 4, opt, msgK, "mesos.v1.scheduler.Call.Accept"},
		{"decline", 5, opt, msgK, "mesos.v1.scheduler.Call.Decline"},
		{"kill", 6, opt, msgK, "mesos.v1.scheduler.Call.Kill"},
		{"shutdown", 7, opt, msgK, "mesos.v1.scheduler.Call.Shutdown"},
		{"acknowledge", 8, opt, msgK, "mesos.v1.scheduler.Call.Acknowledge"},
		{"reconcile", 9, opt, msgK, "mesos.v1.scheduler.Call.Reconcile"},
		{"message", 10, opt, msgK, "mesos.v1.scheduler.Call.Message"},
		{"request", 11, opt, msgK, "mesos.v1.scheduler.Call.Request"},
		{"accept_inverse_offers", 13, opt, msgK, "mesos.v1.scheduler.Call.AcceptInverseOffers"},
		{"decline_inverse_offers", 14, opt, msgK, "mesos.v1.scheduler.Call.DeclineInverseOffers"},
		{"revive", 15, opt, msgK, "mesos.v1.scheduler.Call.Revive"},
		{"suppress", 16, opt, msgK, "mesos.v1.scheduler.Call.Suppress"},
		{"acknowledge_operation_status", 17, opt, msgK, "mesos.v1.scheduler.Call.AcknowledgeOperationStatus"},
		{"reconcile_operations", 18, opt, msgK, "mesos.v1.scheduler.Call.ReconcileOperations"},
		{"update_framework", 19, opt, msgK, "mesos.v1.scheduler.Call.UpdateFramework"},
	}},
	{"mesos.v1.scheduler.Call.Subscribe", true, []field{
		{"framework_info", 1, req, msgK, "mesos.v1.FrameworkInfo"},
		{"suppressed_roles", 2, rep, strK, ""},
		{"offer_constraints", 3, opt, msgK, "mesos.v1.scheduler.OfferConstraints"},
	}},
	{"mesos.v1.scheduler.Call.Accept", true, []field{
		{"offer_ids", 1, rep, msgK, "mesos.v1.OfferID"},
		{"operations", 2, rep, msgK, "mesos.v1.Offer.Operation"},
		{"filters", 3, opt, msgK, "mesos.v1.Filters"},
	}},
	{"mesos.v1.scheduler.Call.Decline", true, []field{
		{"offer_ids", 1, rep, msgK, "mesos.v1.OfferID"},
		{"filters", 2, opt, msgK, "mesos.v1.Filters"},
	}},
	{"mesos.v1.scheduler.Call.AcceptInverseOffers", true, []field{
		{"inverse_offer_ids", 1, rep, msgK, "mesos.v1.OfferID"},
		{"filters", 2, opt, msgK, "mesos.v1.Filters"},
	}},
	{"mesos.v1.scheduler.Call.DeclineInverseOffers", true, []field{
		{"inverse_offer_ids", 1, rep, msgK, "mesos.v1.OfferID"},
		{"filters", 2, opt, msgK, "mesos.v1.Filters"},
	}},
	{"mesos.v1.scheduler.Call.Revive", true, []field{{"roles", 1, rep, strK, ""}}},
	{"mesos.v1.scheduler.Call.Suppress", true, []field{{"roles", 1, rep, strK, ""}}},
	{"mesos.v1.scheduler.Call.Kill", true, []field{
		{"task_id", 1, req, msgK, "mesos.v1.TaskID"},
		{"agent_id", 2, opt, msgK, "mesos.v1.AgentID"},
		{"kill_policy", 3, opt, msgK, "mesos.v1.KillPolicy"},
	}},
	{"mesos.v1.scheduler.Call.Shutdown", true, []field{
		{"executor_id", 1, req, msgK, "mesos.v1.ExecutorID"},
		{"agent_id", 2, req, msgK, "mesos.v1.AgentID"},
	}},
	{"mesos.v1.scheduler.Call.Acknowledge", true, []field{
		{"agent_id", 1, req, msgK, "mesos.v1.AgentID"},
		{"task_id", 2, req, msgK, "mesos.v1.TaskID"},
		{"uuid", 3, req, bytesK, ""},
	}},
	{"mesos.v1.scheduler.Call.AcknowledgeOperationStatus", true, []field{
		{"agent_id", 1, opt, msgK, "mesos.v1.AgentID"},
		{"resource_provider_id", 2, opt, msgK, "mesos.v1.ResourceProviderID"},
		{"uuid", 3, req, bytesK, ""},
		{"operation_id", 4, req, msgK, "mesos.v1.OperationID"},
	}},
	{"mesos.v1.scheduler.Call.Reconcile", true, []field{
		{"tasks", 1, rep, msgK, "mesos.v1.scheduler.Call.Reconcile.Task"},
	}},
	{"mesos.v1.scheduler.Call.Reconcile.Task", true, []field{
		{"task_id", 1, req, msgK, "mesos.v1.TaskID"},
		{"agent_id", 2, opt, msgK, "mesos.v1.AgentID"},
	}},
	{"mesos.v1.scheduler.Call.ReconcileOperations", true, []field{
		{"operations", 1, rep, msgK, "mesos.v1.scheduler.Call.ReconcileOperations.Operation"},
	}},
	{"mesos.v1.scheduler.Call.ReconcileOperations.Operation", true, []field{
		{"operation_id", 1, req, msgK, "mesos.v1.OperationID"},
		{"agent_id", 2, opt, msgK, "mesos.v1.AgentID"},
		{"resource_provider_id", 3, opt, msgK, "mesos.v1.ResourceProviderID"},
	}},
	{"mesos.v1.scheduler.Call.Message", true, []field{
		{"agent_id", 1, req, msgK, "mesos.v1.AgentID"},
		{"executor_id", 2, req, msgK, "mesos.v1.ExecutorID"},
		{"data", 3, req, bytesK, ""},
	}},
	{"mesos.v1.scheduler.Call.Request", true, []field{
		{"requests", 1, rep, msgK, "mesos.v1.Request"},
	}},
	{"mesos.v1.scheduler.Call.UpdateFramework", true, []field{
		{"framework_info", 1, req, msgK, "mesos.v1.FrameworkInfo"},
		{"suppressed_roles", 2, rep, strK, ""},
		{"offer_constraints", 3, opt, msgK, "mesos.v1.scheduler.OfferConstraints"},
	}},
	{"mesos.v1.scheduler.OfferConstraints", true, []field{
		{"role_constraints", 1, rep, msgK, "map:mesos.v1.scheduler.OfferConstraints.RoleConstraints"},
	}},

	// Scheduler Event (§1.7).
	{"mesos.v1.scheduler.Event", true, []field{
		{"type", 1, opt, enumK, "mesos.v1.scheduler.Event.Type"},
		{"subscribed", 2, opt, msgK, "mesos.v1.scheduler.Event.Subscribed"},
		{"offers", 3, opt, msgK, "mesos.v1.scheduler.Event.Offers"},
		{"rescind", 4, opt, msgK, "mesos.v1.scheduler.Event.Rescind"},
		{"update", 5, opt, msgK, "mesos.v1.scheduler.Event.Update"},
		{"message", 6, opt, msgK, "mesos.v1.scheduler.Event.Message"},
		{"failure", 7, opt, msgK, "mesos.v1.scheduler.Event.Failure"},
		{"error", 8, opt, msgK, "mesos.v1.scheduler.Event.Error"},
		{"inverse_offers", 9, opt, msgK, "mesos.v1.scheduler.Event.InverseOffers"},
		{"rescind_inverse_offer", 10, opt, msgK, "mesos.v1.scheduler.Event.RescindInverseOffer"},
		{"update_operation_status", 11, opt, msgK, "mesos.v1.scheduler.Event.UpdateOperationStatus"},
	}},
	{"mesos.v1.scheduler.Event.Subscribed", true, []field{
		{"framework_id", 1, req, msgK, "mesos.v1.FrameworkID"},
		{"heartbeat_interval_seconds", 2, opt, dblK, ""},
		{"master_info", 3, opt, msgK, "mesos.v1.MasterInfo"},
	}},
	{"mesos.v1.scheduler.Event.Offers", true, []field{{"offers", 1, rep, msgK, "mesos.v1.Offer"}}},
	{"mesos.v1.scheduler.Event.InverseOffers", true, []field{{"inverse_offers", 1, rep, msgK, "mesos.v1.InverseOffer"}}},
	{"mesos.v1.scheduler.Event.Rescind", true, []field{{"offer_id", 1, req, msgK, "mesos.v1.OfferID"}}},
	{"mesos.v1.scheduler.Event.RescindInverseOffer", true, []field{{"inverse_offer_id", 1, req, msgK, "mesos.v1.OfferID"}}},
	{"mesos.v1.scheduler.Event.Update", true, []field{{"status", 1, req, msgK, "mesos.v1.TaskStatus"}}},
	{"mesos.v1.scheduler.Event.UpdateOperationStatus", true, []field{{"status", 1, req, msgK, "mesos.v1.OperationStatus"}}},
	{"mesos.v1.scheduler.Event.Message", true, []field{
		{"agent_id", 1, req, msgK, "mesos.v1.AgentID"},
		{"executor_id", 2, req, msgK, "mesos.v1.ExecutorID"},
		{"data", 3, req, bytesK, ""},
	}},
	{"mesos.v1.scheduler.Event.Failure", true, []field{
		{"agent_id", 1, opt, msgK, "mesos.v1.AgentID"},
		{"executor_id", 2, opt, msgK, "mesos.v1.ExecutorID"},
		{"status", 3, opt, int32K, ""}, // raw wait(2) status
	}},
	{"mesos.v1.scheduler.Event.Error", true, []field{{"message", 1, req, strK, ""}}},

	// Executor Call (§2.4).
	{"mesos.v1.executor.Call", true, []field{
		{"executor_id", 1, req, msgK, "mesos.v1.ExecutorID"},
		{"framework_id", 2, req, msgK, "mesos.v1.FrameworkID"},
		{"type", 3, opt, enumK, "mesos.v1.executor.Call.Type"},
		{"subscribe", 4, opt, msgK, "mesos.v1.executor.Call.Subscribe"},
		{"update", 5, opt, msgK, "mesos.v1.executor.Call.Update"},
		{"message", 6, opt, msgK, "mesos.v1.executor.Call.Message"},
	}},
	{"mesos.v1.executor.Call.Subscribe", true, []field{
		{"unacknowledged_tasks", 1, rep, msgK, "mesos.v1.TaskInfo"},
		{"unacknowledged_updates", 2, rep, msgK, "mesos.v1.executor.Call.Update"},
	}},
	{"mesos.v1.executor.Call.Update", true, []field{{"status", 1, req, msgK, "mesos.v1.TaskStatus"}}},
	{"mesos.v1.executor.Call.Message", true, []field{{"data", 2, req, bytesK, ""}}}, // 2, not 1

	// Executor Event (§2.4).
	{"mesos.v1.executor.Event", true, []field{
		{"type", 1, opt, enumK, "mesos.v1.executor.Event.Type"},
		{"subscribed", 2, opt, msgK, "mesos.v1.executor.Event.Subscribed"},
		{"acknowledged", 3, opt, msgK, "mesos.v1.executor.Event.Acknowledged"},
		{"launch", 4, opt, msgK, "mesos.v1.executor.Event.Launch"},
		{"kill", 5, opt, msgK, "mesos.v1.executor.Event.Kill"},
		{"message", 6, opt, msgK, "mesos.v1.executor.Event.Message"},
		{"error", 7, opt, msgK, "mesos.v1.executor.Event.Error"},
		{"launch_group", 8, opt, msgK, "mesos.v1.executor.Event.LaunchGroup"},
	}},
	{"mesos.v1.executor.Event.Subscribed", true, []field{
		{"executor_info", 1, req, msgK, "mesos.v1.ExecutorInfo"},
		{"framework_info", 2, req, msgK, "mesos.v1.FrameworkInfo"},
		{"agent_info", 3, req, msgK, "mesos.v1.AgentInfo"},
		{"container_id", 4, opt, msgK, "mesos.v1.ContainerID"},
	}},
	{"mesos.v1.executor.Event.Launch", true, []field{{"task", 1, req, msgK, "mesos.v1.TaskInfo"}}},
	{"mesos.v1.executor.Event.LaunchGroup", true, []field{{"task_group", 1, req, msgK, "mesos.v1.TaskGroupInfo"}}},
	{"mesos.v1.executor.Event.Kill", true, []field{
		{"task_id", 1, req, msgK, "mesos.v1.TaskID"},
		{"kill_policy", 2, opt, msgK, "mesos.v1.KillPolicy"},
	}},
	{"mesos.v1.executor.Event.Acknowledged", true, []field{
		{"task_id", 1, req, msgK, "mesos.v1.TaskID"},
		{"uuid", 2, req, bytesK, ""},
	}},
	{"mesos.v1.executor.Event.Message", true, []field{{"data", 1, req, bytesK, ""}}},
	{"mesos.v1.executor.Event.Error", true, []field{{"message", 1, req, strK, ""}}},

	// mesos.v1 types (§6).
	{"mesos.v1.FrameworkInfo", true, []field{
		{"user", 1, req, strK, ""},
		{"name", 2, req, strK, ""},
		{"id", 3, opt, msgK, "mesos.v1.FrameworkID"},
		{"failover_timeout", 4, opt, dblK, ""},
		{"checkpoint", 5, opt, boolK, ""},
		{"role", 6, opt, strK, ""},
		{"hostname", 7, opt, strK, ""},
		{"principal", 8, opt, strK, ""},
		{"webui_url", 9, opt, strK, ""},
		{"capabilities", 10, rep, msgK, "mesos.v1.FrameworkInfo.Capability"},
		{"labels", 11, opt, msgK, "mesos.v1.Labels"},
		{"roles", 12, rep, strK, ""},
		{"offer_filters", 13, rep, msgK, "map:mesos.v1.OfferFilters"},
	}},
	{"mesos.v1.TaskStatus", true, []field{
		{"task_id", 1, req, msgK, "mesos.v1.TaskID"},
		{"state", 2, req, enumK, "mesos.v1.TaskState"},
		{"data", 3, opt, bytesK, ""},
		{"message", 4, opt, strK, ""},
		{"agent_id", 5, opt, msgK, "mesos.v1.AgentID"},
		{"timestamp", 6, opt, dblK, ""},
		{"executor_id", 7, opt, msgK, "mesos.v1.ExecutorID"},
		{"healthy", 8, opt, boolK, ""},
		{"source", 9, opt, enumK, "mesos.v1.TaskStatus.Source"},
		{"reason", 10, opt, enumK, "mesos.v1.TaskStatus.Reason"},
		{"uuid", 11, opt, bytesK, ""},
		{"labels", 12, opt, msgK, "mesos.v1.Labels"},
		{"container_status", 13, opt, msgK, "mesos.v1.ContainerStatus"},
		{"unreachable_time", 14, opt, msgK, "mesos.v1.TimeInfo"},
		{"check_status", 15, opt, msgK, "mesos.v1.CheckStatusInfo"},
		{"limitation", 16, opt, msgK, "mesos.v1.TaskResourceLimitation"},
	}},
	{"mesos.v1.TaskInfo", true, []field{
		{"name", 1, req, strK, ""},
		{"task_id", 2, req, msgK, "mesos.v1.TaskID"},
		{"agent_id", 3, req, msgK, "mesos.v1.AgentID"},
		{"resources", 4, rep, msgK, "mesos.v1.Resource"},
		{"executor", 5, opt, msgK, "mesos.v1.ExecutorInfo"},
		{"data", 6, opt, bytesK, ""},
		{"command", 7, opt, msgK, "mesos.v1.CommandInfo"},
		{"health_check", 8, opt, msgK, "mesos.v1.HealthCheck"},
		{"container", 9, opt, msgK, "mesos.v1.ContainerInfo"},
		{"labels", 10, opt, msgK, "mesos.v1.Labels"},
		{"discovery", 11, opt, msgK, "mesos.v1.DiscoveryInfo"},
		{"kill_policy", 12, opt, msgK, "mesos.v1.KillPolicy"},
		{"check", 13, opt, msgK, "mesos.v1.CheckInfo"},
		{"max_completion_time", 14, opt, msgK, "mesos.v1.DurationInfo"},
		{"limits", 15, rep, msgK, "map:mesos.v1.Value.Scalar"},
	}},
	// Partially pinned: required fields and integer widths that clients rely on.
	{"mesos.v1.FrameworkID", false, []field{{"value", 1, req, strK, ""}}},
	{"mesos.v1.OfferID", false, []field{{"value", 1, req, strK, ""}}},
	{"mesos.v1.AgentID", false, []field{{"value", 1, req, strK, ""}}},
	{"mesos.v1.TaskID", false, []field{{"value", 1, req, strK, ""}}},
	{"mesos.v1.ExecutorID", false, []field{{"value", 1, req, strK, ""}}},
	{"mesos.v1.OperationID", false, []field{{"value", 1, req, strK, ""}}},
	{"mesos.v1.Offer", false, []field{
		{"id", 1, req, msgK, "mesos.v1.OfferID"},
		{"framework_id", 2, req, msgK, "mesos.v1.FrameworkID"},
		{"agent_id", 3, req, msgK, "mesos.v1.AgentID"},
		{"hostname", 4, req, strK, ""},
	}},
	{"mesos.v1.Resource", false, []field{
		{"name", 1, req, strK, ""},
		{"type", 2, req, enumK, "mesos.v1.Value.Type"},
	}},
	{"mesos.v1.Value.Scalar", false, []field{{"value", 1, req, dblK, ""}}},
	{"mesos.v1.Value.Range", false, []field{
		{"begin", 1, req, uint64K, ""},
		{"end", 2, req, uint64K, ""},
	}},
	{"mesos.v1.TimeInfo", false, []field{{"nanoseconds", 1, req, int64K, ""}}},
	{"mesos.v1.DurationInfo", false, []field{{"nanoseconds", 1, req, int64K, ""}}},
	{"mesos.v1.Address", false, []field{{"port", 3, req, int32K, ""}}},
	{"mesos.v1.MasterInfo", false, []field{
		{"id", 1, req, strK, ""},
		{"ip", 2, req, uint32K, ""},
		{"port", 3, req, uint32K, ""},
	}},
	{"mesos.v1.AgentInfo", false, []field{
		{"hostname", 1, req, strK, ""},
		{"port", 8, opt, int32K, ""},
	}},
	{"mesos.v1.OperationStatus", false, []field{
		{"uuid", 5, opt, msgK, "mesos.v1.UUID"}, // a message, unlike TaskStatus.uuid
	}},
	{"mesos.v1.Filters", true, []field{{"refuse_seconds", 1, opt, dblK, ""}}},
}

func findMessage(t *testing.T, name string) protoreflect.MessageDescriptor {
	t.Helper()
	d, err := protoregistry.GlobalFiles.FindDescriptorByName(protoreflect.FullName(name))
	if err != nil {
		t.Fatalf("%s not registered: %v", name, err)
	}
	md, ok := d.(protoreflect.MessageDescriptor)
	if !ok {
		t.Fatalf("%s is a %T, want a message", name, d)
	}
	return md
}

func findEnum(t *testing.T, name string) protoreflect.EnumDescriptor {
	t.Helper()
	d, err := protoregistry.GlobalFiles.FindDescriptorByName(protoreflect.FullName(name))
	if err != nil {
		t.Fatalf("%s not registered: %v", name, err)
	}
	ed, ok := d.(protoreflect.EnumDescriptor)
	if !ok {
		t.Fatalf("%s is a %T, want an enum", name, d)
	}
	return ed
}

func TestMessageFields(t *testing.T) {
	for _, tc := range messageFacts {
		t.Run(tc.msg, func(t *testing.T) {
			md := findMessage(t, tc.msg)
			if tc.complete && md.Fields().Len() != len(tc.fields) {
				t.Errorf("%s has %d fields, want exactly %d", tc.msg, md.Fields().Len(), len(tc.fields))
			}
			for _, want := range tc.fields {
				fd := md.Fields().ByName(protoreflect.Name(want.name))
				if fd == nil {
					t.Errorf("%s.%s missing", tc.msg, want.name)
					continue
				}
				checkField(t, fd, want)
			}
		})
	}
}

func checkField(t *testing.T, fd protoreflect.FieldDescriptor, want field) {
	t.Helper()
	if fd.Number() != want.num {
		t.Errorf("%s: number %d, want %d", fd.FullName(), fd.Number(), want.num)
	}
	if fd.Cardinality() != want.card {
		t.Errorf("%s: cardinality %v, want %v", fd.FullName(), fd.Cardinality(), want.card)
	}
	if fd.Kind() != want.kind {
		t.Errorf("%s: kind %v, want %v", fd.FullName(), fd.Kind(), want.kind)
	}
	if fd.ContainingOneof() != nil {
		t.Errorf("%s: unexpectedly in oneof %s", fd.FullName(), fd.ContainingOneof().Name())
	}
	var got string
	switch {
	case fd.IsMap():
		if k := fd.MapKey().Kind(); k != strK {
			t.Errorf("%s: map key kind %v, want string", fd.FullName(), k)
		}
		v := fd.MapValue()
		got = "map:" + string(v.Message().FullName())
	case fd.Kind() == msgK:
		got = string(fd.Message().FullName())
	case fd.Kind() == enumK:
		got = string(fd.Enum().FullName())
	}
	if got != want.ref {
		t.Errorf("%s: type %q, want %q", fd.FullName(), got, want.ref)
	}
}

type enumValue struct {
	name string
	num  protoreflect.EnumNumber
}

// enumFacts pins complete enums. The first value listed is the one declared
// first, which proto2 uses as the default of an unset field.
var enumFacts = []struct {
	enum   string
	values []enumValue
}{
	{"mesos.v1.scheduler.Call.Type", []enumValue{
		{"UNKNOWN", 0}, {"SUBSCRIBE", 1}, {"TEARDOWN", 2}, {"ACCEPT", 3}, {"DECLINE", 4},
		{"ACCEPT_INVERSE_OFFERS", 13}, {"DECLINE_INVERSE_OFFERS", 14}, {"REVIVE", 5}, {"KILL", 6},
		{"SHUTDOWN", 7}, {"ACKNOWLEDGE", 8}, {"ACKNOWLEDGE_OPERATION_STATUS", 15}, {"RECONCILE", 9},
		{"RECONCILE_OPERATIONS", 16}, {"MESSAGE", 10}, {"REQUEST", 11}, {"SUPPRESS", 12},
		{"UPDATE_FRAMEWORK", 17},
	}},
	{"mesos.v1.scheduler.Event.Type", []enumValue{
		{"UNKNOWN", 0}, {"SUBSCRIBED", 1}, {"OFFERS", 2}, {"INVERSE_OFFERS", 9}, {"RESCIND", 3},
		{"RESCIND_INVERSE_OFFER", 10}, {"UPDATE", 4}, {"UPDATE_OPERATION_STATUS", 11}, {"MESSAGE", 5},
		{"FAILURE", 6}, {"ERROR", 7}, {"HEARTBEAT", 8},
	}},
	{"mesos.v1.executor.Call.Type", []enumValue{
		{"UNKNOWN", 0}, {"SUBSCRIBE", 1}, {"UPDATE", 2}, {"MESSAGE", 3}, {"HEARTBEAT", 4},
	}},
	{"mesos.v1.executor.Event.Type", []enumValue{
		{"UNKNOWN", 0}, {"SUBSCRIBED", 1}, {"LAUNCH", 2}, {"LAUNCH_GROUP", 8}, {"KILL", 3},
		{"ACKNOWLEDGED", 4}, {"MESSAGE", 5}, {"ERROR", 6}, {"SHUTDOWN", 7}, {"HEARTBEAT", 9},
	}},
	{"mesos.v1.TaskState", []enumValue{
		{"TASK_STAGING", 6}, // declared first: the default, although TASK_STARTING is 0
		{"TASK_STARTING", 0}, {"TASK_RUNNING", 1}, {"TASK_FINISHED", 2}, {"TASK_FAILED", 3},
		{"TASK_KILLED", 4}, {"TASK_LOST", 5}, {"TASK_ERROR", 7}, {"TASK_KILLING", 8},
		{"TASK_DROPPED", 9}, {"TASK_UNREACHABLE", 10}, {"TASK_GONE", 11},
		{"TASK_GONE_BY_OPERATOR", 12}, {"TASK_UNKNOWN", 13},
	}},
	{"mesos.v1.FrameworkInfo.Capability.Type", []enumValue{
		{"UNKNOWN", 0}, {"REVOCABLE_RESOURCES", 1}, {"TASK_KILLING_STATE", 2}, {"GPU_RESOURCES", 3},
		{"SHARED_RESOURCES", 4}, {"PARTITION_AWARE", 5}, {"MULTI_ROLE", 6},
		{"RESERVATION_REFINEMENT", 7}, {"REGION_AWARE", 8},
	}},
	{"mesos.v1.TaskStatus.Source", []enumValue{
		{"SOURCE_MASTER", 0}, {"SOURCE_AGENT", 1}, {"SOURCE_EXECUTOR", 2},
	}},
}

func TestEnumValues(t *testing.T) {
	for _, tc := range enumFacts {
		t.Run(tc.enum, func(t *testing.T) {
			ed := findEnum(t, tc.enum)
			if ed.Values().Len() != len(tc.values) {
				t.Errorf("%s has %d values, want %d", tc.enum, ed.Values().Len(), len(tc.values))
			}
			if first := ed.Values().Get(0).Name(); string(first) != tc.values[0].name {
				t.Errorf("%s: first declared value (proto2 default) %s, want %s", tc.enum, first, tc.values[0].name)
			}
			for _, want := range tc.values {
				v := ed.Values().ByName(protoreflect.Name(want.name))
				if v == nil {
					t.Errorf("%s.%s missing", tc.enum, want.name)
					continue
				}
				if v.Number() != want.num {
					t.Errorf("%s.%s = %d, want %d", tc.enum, want.name, v.Number(), want.num)
				}
			}
		})
	}
}

// enumDefault names the default value of an enum field.
type enumDefault string

// defaultFacts pins field defaults (explicit [default = ...] or, for enums,
// the first declared value).
var defaultFacts = []struct {
	field string
	want  any
}{
	{"mesos.v1.Filters.refuse_seconds", 5.0},
	{"mesos.v1.CommandInfo.shell", true},
	{"mesos.v1.CommandInfo.URI.extract", true},
	{"mesos.v1.FrameworkInfo.failover_timeout", 0.0},
	{"mesos.v1.FrameworkInfo.checkpoint", false},
	{"mesos.v1.FrameworkInfo.role", "*"},
	{"mesos.v1.MasterInfo.port", uint32(5050)},
	{"mesos.v1.AgentInfo.port", int32(5051)},
	{"mesos.v1.HealthCheck.delay_seconds", 15.0},
	{"mesos.v1.HealthCheck.interval_seconds", 10.0},
	{"mesos.v1.HealthCheck.timeout_seconds", 20.0},
	{"mesos.v1.HealthCheck.consecutive_failures", uint32(3)},
	{"mesos.v1.HealthCheck.grace_period_seconds", 10.0},
	{"mesos.v1.CheckInfo.delay_seconds", 15.0},
	{"mesos.v1.CheckInfo.interval_seconds", 10.0},
	{"mesos.v1.CheckInfo.timeout_seconds", 20.0},
	{"mesos.v1.Image.cached", true},
	{"mesos.v1.LinuxInfo.share_cgroups", true},
	{"mesos.v1.Environment.Variable.type", enumDefault("VALUE")},
	{"mesos.v1.ContainerInfo.DockerInfo.network", enumDefault("HOST")},
	{"mesos.v1.TaskStatus.state", enumDefault("TASK_STAGING")},
	{"mesos.v1.TaskStatus.source", enumDefault("SOURCE_MASTER")},
	{"mesos.v1.TaskStatus.reason", enumDefault("REASON_COMMAND_EXECUTOR_FAILED")},
	{"mesos.v1.Resource.type", enumDefault("SCALAR")},
	{"mesos.v1.scheduler.Call.type", enumDefault("UNKNOWN")},
	{"mesos.v1.scheduler.Event.type", enumDefault("UNKNOWN")},
	{"mesos.v1.executor.Call.type", enumDefault("UNKNOWN")},
	{"mesos.v1.executor.Event.type", enumDefault("UNKNOWN")},
}

func TestDefaults(t *testing.T) {
	for _, tc := range defaultFacts {
		t.Run(tc.field, func(t *testing.T) {
			d, err := protoregistry.GlobalFiles.FindDescriptorByName(protoreflect.FullName(tc.field))
			if err != nil {
				t.Fatalf("%s not registered: %v", tc.field, err)
			}
			fd, ok := d.(protoreflect.FieldDescriptor)
			if !ok {
				t.Fatalf("%s is a %T, want a field", tc.field, d)
			}
			if want, ok := tc.want.(enumDefault); ok {
				if fd.Kind() != enumK {
					t.Fatalf("%s: kind %v, want enum", tc.field, fd.Kind())
				}
				// Explicit or implicit (first declared value).
				got := fd.Enum().Values().ByNumber(fd.Default().Enum())
				if got == nil || string(got.Name()) != string(want) {
					t.Errorf("%s: default enum value %v, want %s", tc.field, got, want)
				}
				return
			}
			if !fd.HasDefault() {
				t.Errorf("%s: no explicit [default], want %v", tc.field, tc.want)
			}
			if got := fd.Default().Interface(); got != tc.want {
				t.Errorf("%s: default %v (%T), want %v (%T)", tc.field, got, got, tc.want, tc.want)
			}
		})
	}
}

// TestAPITypeFieldsOptional pins that the type discriminators are optional,
// so a newer Mesos sending an unknown type does not break decoding.
func TestAPITypeFieldsOptional(t *testing.T) {
	for _, name := range []string{
		"mesos.v1.scheduler.Call", "mesos.v1.scheduler.Event",
		"mesos.v1.executor.Call", "mesos.v1.executor.Event",
	} {
		fd := findMessage(t, name).Fields().ByName("type")
		if fd == nil || fd.Cardinality() != opt {
			t.Errorf("%s.type must be optional, got %v", name, fd)
		}
	}
}

func TestSyntaxAndPackages(t *testing.T) {
	for _, tc := range []struct{ msg, pkg string }{
		{"mesos.v1.FrameworkInfo", "mesos.v1"},
		{"mesos.v1.scheduler.Call", "mesos.v1.scheduler"},
		{"mesos.v1.executor.Call", "mesos.v1.executor"},
	} {
		f := findMessage(t, tc.msg).ParentFile()
		if f.Syntax() != protoreflect.Proto2 {
			t.Errorf("%s: syntax %v, want proto2", f.Path(), f.Syntax())
		}
		if string(f.Package()) != tc.pkg {
			t.Errorf("%s: package %s, want %s", f.Path(), f.Package(), tc.pkg)
		}
	}
}
