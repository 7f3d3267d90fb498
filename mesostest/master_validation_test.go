// SPDX-License-Identifier: Apache-2.0

package mesostest

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/schedulerpb"
)

// untilUpdate skips every event until an UPDATE for taskID, and checks its
// state. Heartbeats keep coming: it gives up after 15 s.
func (s *sub) untilUpdate(taskID string, state mesosproto.TaskState) *mesosproto.TaskStatus {
	s.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		if time.Now().After(deadline) {
			s.t.Fatalf("no update for %s within 15s", taskID)
		}
		ev := s.nextAny()
		if ev.GetType() != schedulerpb.Event_UPDATE || ev.GetUpdate().GetStatus().GetTaskId().GetValue() != taskID {
			continue
		}
		st := ev.GetUpdate().GetStatus()
		if st.GetState() != state {
			s.t.Fatalf("update %s %v (%q), want %v", taskID, st.GetState(), st.GetMessage(), state)
		}
		return st
	}
}

// offersOn skips every event until it has seen an offer on each of
// agentIDs, and returns them by agent.
func (s *sub) offersOn(agentIDs ...string) map[string]*mesosproto.Offer {
	s.t.Helper()
	want := map[string]bool{}
	for _, id := range agentIDs {
		want[id] = true
	}
	got := map[string]*mesosproto.Offer{}
	deadline := time.Now().Add(15 * time.Second)
	for len(got) < len(want) {
		if time.Now().After(deadline) {
			s.t.Fatalf("offers on %d of %v within 15s", len(got), agentIDs)
		}
		ev := s.nextAny()
		for _, o := range ev.GetOffers().GetOffers() {
			if id := o.GetAgentId().GetValue(); want[id] && got[id] == nil {
				got[id] = o
			}
		}
	}
	return got
}

// firstUpdates collects the first UPDATE of each of ids, skipping other events.
func (s *sub) firstUpdates(ids ...string) map[string]*mesosproto.TaskStatus {
	s.t.Helper()
	want := map[string]bool{}
	for _, id := range ids {
		want[id] = true
	}
	got := map[string]*mesosproto.TaskStatus{}
	deadline := time.Now().Add(15 * time.Second)
	for len(got) < len(want) {
		if time.Now().After(deadline) {
			s.t.Fatalf("updates for %d of %v within 15s", len(got), ids)
		}
		ev := s.nextAny()
		if ev.GetType() != schedulerpb.Event_UPDATE {
			continue
		}
		st := ev.GetUpdate().GetStatus()
		if id := st.GetTaskId().GetValue(); want[id] && got[id] == nil {
			got[id] = st
		}
	}
	return got
}

func offeredScalar(o *mesosproto.Offer, name string) float64 {
	var v float64
	for _, r := range o.GetResources() {
		if r.GetName() == name {
			v += r.GetScalar().GetValue()
		}
	}
	return v
}

func launchOps(o *mesosproto.Offer, ops ...*mesosproto.Offer_Operation) *schedulerpb.Call {
	return &schedulerpb.Call{Type: schedulerpb.Call_ACCEPT.Enum(), Accept: &schedulerpb.Call_Accept{
		OfferIds: []*mesosproto.OfferID{o.GetId()}, Operations: ops,
		Filters: &mesosproto.Filters{RefuseSeconds: proto.Float64(0)},
	}}
}

func launchOp(tasks ...*mesosproto.TaskInfo) *mesosproto.Offer_Operation {
	return &mesosproto.Offer_Operation{Type: mesosproto.Offer_Operation_LAUNCH.Enum(),
		Launch: &mesosproto.Offer_Operation_Launch{TaskInfos: tasks}}
}

// Item 1 (Master::markUnreachable, Framework::addUnreachableTask,
// validateUniqueTaskID in src/master/validation.cpp): the ids of tasks lost
// with their agent cannot be reused, within the bounded per-framework cache
// (--max_unreachable_tasks_per_framework); the master's updates for lost
// command tasks carry no executor_id.
func TestUnreachableTaskIDsRefused(t *testing.T) {
	for _, codec := range codecs {
		for _, limit := range []int{-1, 1} { // -1: Mesos's default (1000)
			name := codecName(codec) + "/default"
			opts := []Option{WithSimulatedTasks(-1), WithAgents(2, "cpus:4;mem:1024")}
			if limit >= 0 {
				name = codecName(codec) + "/limit1"
				opts = append(opts, WithMaxUnreachableTasksPerFramework(limit))
			}
			t.Run(name, func(t *testing.T) {
				srv := newServer(t, opts...)
				ids := srv.AgentIDs()
				s := newClient(t, srv, codec).subscribe(frameworkInfo("unreachable"))
				offers := s.offersOn(ids...)
				o := offers[ids[0]]
				s.mustCall(launchCall(o, nil, shellTask("u1", o, "x"), shellTask("u2", o, "x")), http.StatusAccepted)
				for _, id := range []string{"u1", "u2"} {
					s.untilUpdate(id, mesosproto.TaskState_TASK_STARTING)
				}
				if err := srv.LoseAgent(ids[0]); err != nil {
					t.Fatal(err)
				}
				for _, id := range []string{"u1", "u2"} {
					st := s.untilUpdate(id, mesosproto.TaskState_TASK_LOST)
					if st.ExecutorId != nil {
						t.Errorf("master's update of command task %s has executor_id %v", id, st.GetExecutorId())
					}
				}
				o = offers[ids[1]]
				s.mustCall(launchCall(o, nil, shellTask("u1", o, "x"), shellTask("u2", o, "x")), http.StatusAccepted)
				got := s.firstUpdates("u1", "u2")
				if st := got["u2"]; st.GetState() != mesosproto.TaskState_TASK_ERROR || st.GetReason() != mesosproto.TaskStatus_REASON_TASK_INVALID ||
					st.GetMessage() != "Task reuses the ID of an unreachable task: u2" {
					t.Errorf("relaunch of u2: %v", st)
				}
				st := got["u1"]
				if limit == 1 {
					// u1 was the oldest entry: evicted by u2.
					if st.GetState() != mesosproto.TaskState_TASK_STARTING {
						t.Errorf("relaunch of evicted u1: %v", st)
					}
				} else if st.GetState() != mesosproto.TaskState_TASK_ERROR || st.GetMessage() != "Task reuses the ID of an unreachable task: u1" {
					t.Errorf("relaunch of u1: %v", st)
				}
			})
		}
	}
}

func TestMaxUnreachableTasksOption(t *testing.T) {
	if _, err := NewServer(WithMaxUnreachableTasksPerFramework(-1)); err == nil {
		t.Fatal("negative limit accepted")
	}
}

// Item 3: the whole of validation::task::validate
// (src/master/validation.cpp, src/common/validation.cpp) gives TASK_ERROR
// with Mesos's messages, and LAUNCH_GROUP may not carry Operation.id.
func TestValidateTaskFields(t *testing.T) {
	srv := newServer(t, WithAgents(1, "cpus:8;mem:4096"))
	for _, codec := range codecs {
		t.Run(codecName(codec), func(t *testing.T) {
			s := newClient(t, srv, codec).subscribe(frameworkInfo("validate"))
			o := s.offers()[0]
			p := codecName(codec) + "-"
			task := func(id string, edit func(*mesosproto.TaskInfo)) *mesosproto.TaskInfo {
				ti := shellTask(p+id, o, "sleep 30")
				edit(ti)
				return ti
			}
			executor := func(ti *mesosproto.TaskInfo, ei *mesosproto.ExecutorInfo) {
				ti.Command = nil
				ei.ExecutorId = &mesosproto.ExecutorID{Value: proto.String(ti.GetTaskId().GetValue() + "-exec")}
				ti.Executor = ei
			}
			want := map[string]string{
				p + "health":   "Task uses invalid health check: Expecting 'delay_seconds' to be non-negative",
				p + "check":    "Task uses invalid check: The path 'ready' of HTTP check must start with '/'",
				p + "mct":      "Task's `max_completion_time` must be non-negative",
				p + "env":      "Task's `CommandInfo` is invalid: Environment variable 'FOO' of type 'VALUE' must have a value set",
				p + "dflt":     "'ExecutorInfo.type' must be 'CUSTOM'",
				p + "nocmd":    "'ExecutorInfo.command' must be set",
				p + "custom":   "'ExecutorInfo.command' must be set for 'CUSTOM' executor",
				p + "hcnotype": "Task uses invalid health check: HealthCheck must specify 'type'",
				p + "group":    "The `id` field cannot be set on LAUNCH_GROUP operations",
			}
			tasks := []*mesosproto.TaskInfo{
				task("health", func(ti *mesosproto.TaskInfo) {
					ti.HealthCheck = &mesosproto.HealthCheck{Type: mesosproto.HealthCheck_COMMAND.Enum(),
						Command: &mesosproto.CommandInfo{Value: proto.String("true")}, DelaySeconds: proto.Float64(-1)}
				}),
				task("check", func(ti *mesosproto.TaskInfo) {
					ti.Check = &mesosproto.CheckInfo{Type: mesosproto.CheckInfo_HTTP.Enum(),
						Http: &mesosproto.CheckInfo_Http{Port: proto.Uint32(80), Path: proto.String("ready")}}
				}),
				task("mct", func(ti *mesosproto.TaskInfo) {
					ti.MaxCompletionTime = &mesosproto.DurationInfo{Nanoseconds: proto.Int64(-1)}
				}),
				task("env", func(ti *mesosproto.TaskInfo) {
					ti.Command.Environment = &mesosproto.Environment{Variables: []*mesosproto.Environment_Variable{{Name: proto.String("FOO")}}}
				}),
				task("dflt", func(ti *mesosproto.TaskInfo) {
					executor(ti, &mesosproto.ExecutorInfo{Type: mesosproto.ExecutorInfo_DEFAULT.Enum()})
				}),
				task("nocmd", func(ti *mesosproto.TaskInfo) { executor(ti, &mesosproto.ExecutorInfo{}) }),
				task("custom", func(ti *mesosproto.TaskInfo) {
					executor(ti, &mesosproto.ExecutorInfo{Type: mesosproto.ExecutorInfo_CUSTOM.Enum()})
				}),
				// Neither command nor http: Master::accept cannot infer a type.
				task("hcnotype", func(ti *mesosproto.TaskInfo) { ti.HealthCheck = &mesosproto.HealthCheck{} }),
			}
			group := &mesosproto.Offer_Operation{
				Type: mesosproto.Offer_Operation_LAUNCH_GROUP.Enum(),
				Id:   &mesosproto.OperationID{Value: proto.String("op")},
				LaunchGroup: &mesosproto.Offer_Operation_LaunchGroup{
					Executor: &mesosproto.ExecutorInfo{Type: mesosproto.ExecutorInfo_CUSTOM.Enum(),
						ExecutorId: &mesosproto.ExecutorID{Value: proto.String(p + "gexec")},
						Command:    &mesosproto.CommandInfo{Value: proto.String("sleep 30")}},
					TaskGroup: &mesosproto.TaskGroupInfo{Tasks: []*mesosproto.TaskInfo{
						task("group", func(ti *mesosproto.TaskInfo) { ti.Command = nil }),
					}},
				},
			}
			// The tasks of a group get task::internal::validateTask too.
			group2 := proto.Clone(group).(*mesosproto.Offer_Operation)
			group2.Id = nil
			group2.LaunchGroup.Executor.ExecutorId.Value = proto.String(p + "gexec2")
			group2.LaunchGroup.TaskGroup.Tasks[0] = task("ghealth", func(ti *mesosproto.TaskInfo) {
				ti.Command = nil
				ti.HealthCheck = &mesosproto.HealthCheck{Type: mesosproto.HealthCheck_HTTP.Enum(),
					Http: &mesosproto.HealthCheck_HTTPCheckInfo{Port: proto.Uint32(80), Scheme: proto.String("ftp")}}
			})
			want[p+"ghealth"] = "Task '" + p + "ghealth' is invalid: Task uses invalid health check: Unsupported HTTP health check scheme: 'ftp'"
			s.mustCall(launchOps(o, launchOp(tasks...), group, group2), http.StatusAccepted)
			var ids []string
			for id := range want {
				ids = append(ids, id)
			}
			got := s.firstUpdates(ids...)
			for id, msg := range want {
				st := got[id]
				reason := mesosproto.TaskStatus_REASON_TASK_INVALID
				if id == p+"group" || id == p+"ghealth" {
					reason = mesosproto.TaskStatus_REASON_TASK_GROUP_INVALID
				}
				if st.GetState() != mesosproto.TaskState_TASK_ERROR || st.GetReason() != reason || st.GetMessage() != msg ||
					st.GetSource() != mesosproto.TaskStatus_SOURCE_MASTER || st.Uuid != nil {
					t.Errorf("%s: got %v %v %q, want TASK_ERROR %v %q", id, st.GetState(), st.GetReason(), st.GetMessage(), reason, msg)
				}
			}
		})
	}
}

// Item 4: validateAndUpgradeResources (src/common/resources_utils.cpp)
// and Resources::validate (src/common/resources.cpp) run over the whole
// LAUNCH before any task: one invalid resource fails every task of it;
// allocation_info on task resources is checked (validateAllocatedToSingleRole,
// and a foreign role is not part of the offer).
func TestAcceptResourceValidation(t *testing.T) {
	srv := newServer(t, WithAgents(1, "cpus:8;mem:4096;ports:[31000-31100]"))
	for _, codec := range codecs {
		t.Run(codecName(codec), func(t *testing.T) {
			s := newClient(t, srv, codec).subscribe(frameworkInfo("resources"))
			o := s.offers()[0]
			p := codecName(codec) + "-"
			ports := &mesosproto.Resource{Name: proto.String("ports"), Type: mesosproto.Value_RANGES.Enum(),
				Ranges: &mesosproto.Value_Ranges{Range: []*mesosproto.Value_Range{
					{Begin: proto.Uint64(31000), End: proto.Uint64(31005)}, {Begin: proto.Uint64(31003), End: proto.Uint64(31004)}}}}
			good, bad := shellTask(p+"good", o, "true"), shellTask(p+"overlap", o, "true")
			bad.Resources = append(bad.Resources, ports)
			set := &mesosproto.Resource{Name: proto.String("zones"), Type: mesosproto.Value_SET.Enum(),
				Set: &mesosproto.Value_Set{Item: []string{"a", "b", "a"}}}
			dupGood, dup := shellTask(p+"good2", o, "true"), shellTask(p+"dup", o, "true")
			dup.Resources = append(dup.Resources, set)
			mixed := shellTask(p+"mixed", o, "true")
			mixed.Resources[0].AllocationInfo = &mesosproto.Resource_AllocationInfo{Role: proto.String("other")}
			foreign := shellTask(p+"foreign", o, "true")
			for _, r := range foreign.Resources {
				r.AllocationInfo = &mesosproto.Resource_AllocationInfo{Role: proto.String("other")}
			}
			s.mustCall(launchOps(o, launchOp(good, bad), launchOp(dupGood, dup), launchOp(mixed, foreign)), http.StatusAccepted)
			got := s.firstUpdates(p+"good", p+"overlap", p+"good2", p+"dup", p+"mixed", p+"foreign")
			overlap := "Resource 'ports:[31000-31005, 31003-31004]' is invalid: Invalid ranges resource: overlapping ranges"
			dupMsg := "Resource 'zones:{a, b, a}' is invalid: Invalid set resource: duplicated elements"
			want := map[string]string{
				p + "good": overlap, p + "overlap": overlap, p + "good2": dupMsg, p + "dup": dupMsg,
				p + "mixed": "Invalid task resources: The resources have multiple allocation roles ('*' and 'other') but only one allocation role is allowed",
			}
			for id, msg := range want {
				if st := got[id]; st.GetState() != mesosproto.TaskState_TASK_ERROR || st.GetMessage() != msg || st.GetReason() != mesosproto.TaskStatus_REASON_TASK_INVALID {
					t.Errorf("%s: %v %q, want TASK_ERROR %q", id, st.GetState(), st.GetMessage(), msg)
				}
			}
			if st := got[p+"foreign"]; st.GetState() != mesosproto.TaskState_TASK_ERROR ||
				!strings.HasPrefix(st.GetMessage(), "Total resources cpus(allocated: other):0.1; mem(allocated: other):32 required by task and its executor is more than available cpus(allocated: *):8;") {
				t.Errorf("foreign allocation role: %v %q", st.GetState(), st.GetMessage())
			}
		})
	}
}

// The validation helpers on their own, where the HTTP round trip adds nothing.
func TestValidateResourceMessages(t *testing.T) {
	scalar := func(v float64) *mesosproto.Resource {
		return &mesosproto.Resource{Name: proto.String("cpus"), Type: mesosproto.Value_SCALAR.Enum(), Scalar: &mesosproto.Value_Scalar{Value: proto.Float64(v)}}
	}
	for _, c := range []struct {
		r    *mesosproto.Resource
		want string
	}{
		{scalar(-1), "Resource 'cpus:-1' is invalid: Invalid scalar resource: value <= 0"},
		{scalar(0.0001), "Resource 'cpus:0' is invalid: Invalid scalar resource: value <= 0"},
		{&mesosproto.Resource{Name: proto.String("cpus"), Type: mesosproto.Value_RANGES.Enum(), Scalar: &mesosproto.Value_Scalar{Value: proto.Float64(1)}},
			"Resource 'cpus:[]' is invalid: Invalid ranges resource"},
		{&mesosproto.Resource{Name: proto.String("ports"), Type: mesosproto.Value_RANGES.Enum(),
			Ranges: &mesosproto.Value_Ranges{Range: []*mesosproto.Value_Range{{Begin: proto.Uint64(5), End: proto.Uint64(1)}}}},
			"Resource 'ports:[5-1]' is invalid: Invalid ranges resource: begin > end"},
		{&mesosproto.Resource{Name: proto.String("cpus"), Type: mesosproto.Value_SCALAR.Enum(), Scalar: &mesosproto.Value_Scalar{Value: proto.Float64(1)},
			Reservations: []*mesosproto.Resource_ReservationInfo{{Type: mesosproto.Resource_ReservationInfo_DYNAMIC.Enum(), Role: proto.String("a")},
				{Type: mesosproto.Resource_ReservationInfo_DYNAMIC.Enum(), Role: proto.String("b")}}},
			"Resource 'cpus(reservations: [(DYNAMIC,a),(DYNAMIC,b)]):1' is invalid: Invalid refined reservation: role 'b' is not a refinement of 'a'"},
		{&mesosproto.Resource{Name: proto.String("cpus"), Type: mesosproto.Value_SCALAR.Enum(), Scalar: &mesosproto.Value_Scalar{Value: proto.Float64(1)},
			Shared: &mesosproto.Resource_SharedInfo{}}, "Resource 'cpus<SHARED>:1' is invalid: Resource cpus cannot be shared"},
	} {
		err := validateResourceList([]*mesosproto.Resource{c.r})
		if err == nil || err.Error() != c.want {
			t.Errorf("got %v, want %q", err, c.want)
		}
	}
	if err := validateResourceList([]*mesosproto.Resource{scalar(0), scalar(2.5)}); err != nil {
		t.Errorf("valid resources: %v", err)
	}
	fi := frameworkInfo("f")
	fi.OfferFilters = map[string]*mesosproto.OfferFilters{"*": {MinAllocatableResources: &mesosproto.OfferFilters_MinAllocatableResources{
		Quantities: []*mesosproto.OfferFilters_ResourceQuantities{{}}}}}
	if err := validateFrameworkInfo(fi); err == nil || err.Error() != "Resource quantities must contain at least one quantity" {
		t.Errorf("empty quantities: %v", err)
	}
}

// Item 4 for resource operations (Master::accept): an operation with an
// invalid resource, or a RESERVE naming `source`, is dropped with
// OPERATION_ERROR "Operation attempted with invalid resources: ...".
func TestAcceptOperationResourceValidation(t *testing.T) {
	srv := newServer(t, WithAgents(1, "cpus:4;mem:1024"))
	for _, codec := range codecs {
		t.Run(codecName(codec), func(t *testing.T) {
			s := newClient(t, srv, codec).subscribe(frameworkInfo("operations"))
			o := s.offers()[0]
			negative := reserveOp("neg", scalar("cpus", -1))
			update := reserveOp("src", scalar("cpus", 1))
			update.Reserve.Source = []*mesosproto.Resource{scalar("cpus", 1)}
			s.mustCall(acceptOps(o, negative, update), http.StatusAccepted)
			for _, want := range []struct{ id, msg string }{
				{"neg", "Operation attempted with invalid resources: Resource 'cpus:-1' is invalid: Invalid scalar resource: value <= 0"},
				{"src", "Operation attempted with invalid resources: Reservation updates are not yet implemented for the scheduler API."},
			} {
				st := opUpdate(s)
				if st.GetOperationId().GetValue() != want.id || st.GetState() != mesosproto.OperationState_OPERATION_ERROR || st.GetMessage() != want.msg {
					t.Errorf("got %v, want %s OPERATION_ERROR %q", st, want.id, want.msg)
				}
			}
		})
	}
}
