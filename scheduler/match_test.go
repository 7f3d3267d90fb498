// SPDX-License-Identifier: Apache-2.0

package scheduler_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesostest"
	"github.com/mesoskit/mesoskit/scheduler"
)

// offerOf returns an offer of res on agent (id "o-<agent>").
func offerOf(agent string, res ...*mesosproto.Resource) *mesosproto.Offer {
	return &mesosproto.Offer{
		Id:          &mesosproto.OfferID{Value: proto.String("o-" + agent)},
		FrameworkId: &mesosproto.FrameworkID{Value: proto.String("fw")},
		AgentId:     agentIDOf(agent),
		Hostname:    proto.String(agent + ".example"),
		Resources:   res,
	}
}

// multiRoleOffer returns an offer to role, with allocation_info on the
// offer and every resource, as Mesos sends to MULTI_ROLE frameworks.
func multiRoleOffer(agent, role string, res ...*mesosproto.Resource) *mesosproto.Offer {
	o := offerOf(agent, res...)
	o.Id.Value = proto.String("o-" + agent + "-" + role)
	o.AllocationInfo = &mesosproto.Resource_AllocationInfo{Role: proto.String(role)}
	for _, r := range res {
		allocatedTo(r, role)
	}
	return o
}

func parseRes(t *testing.T, text string) []*mesosproto.Resource {
	t.Helper()
	res, err := mesostest.ParseResources(text)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func cmdRequest(id string, ports int, res ...*mesosproto.Resource) scheduler.TaskRequest {
	return scheduler.TaskRequest{Task: scheduler.NewCommandTask(id, nil, "true", res...), Ports: ports}
}

// placement summarizes an assignment: "task@agent" per task.
func placement(assigned []scheduler.Assignment) []string {
	var out []string
	for _, a := range assigned {
		for _, task := range a.Tasks {
			out = append(out, task.GetTaskId().GetValue()+"@"+task.GetAgentId().GetValue())
		}
	}
	return out
}

func requestIDs(reqs []scheduler.TaskRequest) []string {
	var out []string
	for _, r := range reqs {
		out = append(out, r.Task.GetTaskId().GetValue())
	}
	return out
}

// checkAssignments checks what must hold for every Match result: each
// task's resources are in its offer, the tasks and what remains make up
// the offer exactly, the tasks carry the offer's agent and allocation.
func checkAssignments(t *testing.T, offers []*mesosproto.Offer, assigned []scheduler.Assignment) {
	t.Helper()
	if len(assigned) != len(offers) {
		t.Fatalf("%d assignments for %d offers", len(assigned), len(offers))
	}
	for i, a := range assigned {
		if a.Offer.ID != offers[i].GetId().GetValue() {
			t.Errorf("assignment %d is for offer %v, want %v", i, a.Offer.ID, offers[i].GetId())
		}
		offered := scheduler.Resources(a.Offer.ProtoResources())
		used := a.Remaining
		for _, task := range a.Tasks {
			if !proto.Equal(task.GetAgentId(), a.Offer.ProtoAgentID()) {
				t.Errorf("task %s: agent %v, offer's %v", task.GetTaskId().GetValue(), task.GetAgentId(), a.Offer.ProtoAgentID())
			}
			if !offered.Contains(task.GetResources()...) {
				t.Errorf("task %s uses %v, not in offer %v", task.GetTaskId().GetValue(), scheduler.Resources(task.GetResources()), offered)
			}
			for _, r := range task.GetResources() {
				if ai := offers[i].GetAllocationInfo(); !proto.Equal(r.GetAllocationInfo(), ai) {
					t.Errorf("task %s: resource %v has allocation_info %v, offer's is %v", task.GetTaskId().GetValue(), r, r.GetAllocationInfo(), ai)
				}
			}
			if _, err := proto.Marshal(task); err != nil {
				t.Errorf("task %s: %v", task.GetTaskId().GetValue(), err)
			}
			used = used.Add(task.GetResources()...)
		}
		// Shared resources are used, not consumed: compare the rest.
		notShared := func(r *mesosproto.Resource) bool { return r.Shared == nil }
		if !used.Filter(notShared).Equal(offered.Filter(notShared)) {
			t.Errorf("offer %v: tasks + remaining = %v, want %v", a.Offer.ID, used, offered)
		}
	}
}

func TestMatchFirstFit(t *testing.T) {
	offers := []*mesosproto.Offer{
		offerOf("a", parseRes(t, "cpus:1;mem:1024;ports:[31000-31004]")...),
		offerOf("b", parseRes(t, "cpus:4;mem:4096;ports:[31000-32000]")...),
	}
	before := proto.Clone(offers[0])
	reqs := []scheduler.TaskRequest{
		cmdRequest("t1", 2, scheduler.Scalar("cpus", 0.5), scheduler.Scalar("mem", 64)),
		cmdRequest("big", 0, scheduler.Scalar("cpus", 8)),
		cmdRequest("t2", 2, scheduler.Scalar("cpus", 0.5), scheduler.Scalar("mem", 64)),
		cmdRequest("t3", 2, scheduler.Scalar("cpus", 0.1)), // a has no cpu left
		cmdRequest("t4", 1, scheduler.Scalar("cpus", 0.1)),
		cmdRequest("many-ports", 1002, scheduler.Scalar("cpus", 0.1)),
	}
	taskBefore := proto.Clone(reqs[0].Task)
	assigned, unmatched := scheduler.Match(scheduler.OffersFromProto(offers...), reqs)
	checkAssignments(t, offers, assigned)
	if got, want := placement(assigned), []string{"t1@a", "t2@a", "t3@b", "t4@b"}; !slices.Equal(got, want) {
		t.Errorf("placement = %v, want %v", got, want)
	}
	if got, want := requestIDs(unmatched), []string{"big", "many-ports"}; !slices.Equal(got, want) {
		t.Errorf("unmatched = %v, want %v", got, want)
	}
	if !proto.Equal(before, offers[0]) || !proto.Equal(taskBefore, reqs[0].Task) {
		t.Error("Match modified its arguments")
	}
	if got := assigned[0].Remaining.String(); got != "mem:896; ports:[31004-31004]" {
		t.Errorf("a remaining = %q", got)
	}

	// Ports: lowest first, distinct, in the resources and the environment.
	portsOf := func(task *mesosproto.TaskInfo) [][2]uint64 {
		return scheduler.Resources(task.GetResources()).RangesOf("ports")
	}
	t1, t2, t3 := assigned[0].Tasks[0], assigned[0].Tasks[1], assigned[1].Tasks[0]
	if !slices.Equal(portsOf(t1), [][2]uint64{{31000, 31001}}) || !slices.Equal(portsOf(t2), [][2]uint64{{31002, 31003}}) ||
		!slices.Equal(portsOf(t3), [][2]uint64{{31000, 31001}}) {
		t.Errorf("ports: t1 %v, t2 %v, t3 %v", portsOf(t1), portsOf(t2), portsOf(t3))
	}
	var env []string
	for _, v := range t2.GetCommand().GetEnvironment().GetVariables() {
		env = append(env, v.GetName()+"="+v.GetValue())
	}
	if want := []string{"PORT0=31002", "PORT1=31003", "PORT=31002"}; !slices.Equal(env, want) {
		t.Errorf("t2 environment = %v, want %v", env, want)
	}
	// The offer's format is kept: role "*" as Mesos sends it to frameworks
	// without RESERVATION_REFINEMENT.
	for _, r := range t1.GetResources() {
		//lint:ignore SA1019 checking the pre-refinement format is preserved
		if r.Role == nil || r.GetRole() != "*" {
			t.Errorf("t1 resource %v lost the offer's role", r)
		}
	}
}

func TestMatchNothing(t *testing.T) {
	assigned, unmatched := scheduler.Match(nil, []scheduler.TaskRequest{cmdRequest("t", 0, scheduler.Scalar("cpus", 1)), {}})
	if len(assigned) != 0 || len(unmatched) != 2 {
		t.Errorf("no offers: %v, %v", assigned, unmatched)
	}
	offers := []*mesosproto.Offer{offerOf("a", scheduler.Scalar("cpus", 1))}
	assigned, unmatched = scheduler.Match(scheduler.OffersFromProto(offers...), nil)
	if len(assigned) != 1 || len(assigned[0].Tasks) != 0 || !assigned[0].Remaining.Equal(offers[0].GetResources()) || len(unmatched) != 0 {
		t.Errorf("no tasks: %v, %v", assigned, unmatched)
	}
}

func TestMatchReservedFirstAndSplit(t *testing.T) {
	offers := []*mesosproto.Offer{offerOf("a",
		scheduler.Scalar("cpus", 1),
		reservedFor(scheduler.Scalar("cpus", 0.5), "web", ""),
		scheduler.Ranges("ports", [2]uint64{31000, 31000}),
		reservedFor(scheduler.Ranges("ports", [2]uint64{8000, 8000}), "web", ""),
		scheduler.Set("gpus", "g0", "g1"),
		reservedFor(scheduler.Set("gpus", "g2"), "web", ""),
	)}
	reqs := []scheduler.TaskRequest{
		cmdRequest("t1", 1, scheduler.Scalar("cpus", 1.2), scheduler.Set("gpus", "g1", "g2")),
		cmdRequest("t2", 1, scheduler.Scalar("cpus", 0.3)),
		cmdRequest("t3", 0, scheduler.Scalar("cpus", 0.001)),
	}
	assigned, unmatched := scheduler.Match(scheduler.OffersFromProto(offers...), reqs)
	checkAssignments(t, offers, assigned)
	if len(unmatched) != 1 || unmatched[0].Task.GetTaskId().GetValue() != "t3" {
		t.Errorf("unmatched = %v", requestIDs(unmatched))
	}
	t1 := scheduler.Resources(assigned[0].Tasks[0].GetResources())
	want := rlist(
		reservedFor(scheduler.Scalar("cpus", 0.5), "web", ""),
		scheduler.Scalar("cpus", 0.7),
		reservedFor(scheduler.Set("gpus", "g2"), "web", ""),
		scheduler.Set("gpus", "g1"),
		reservedFor(scheduler.Ranges("ports", [2]uint64{8000, 8000}), "web", ""),
	)
	if !t1.Equal(want) {
		t.Errorf("t1 resources = %v, want %v", t1, want)
	}
	if got := assigned[0].Remaining.String(); got != "gpus:{g0}" {
		t.Errorf("remaining = %q", got)
	}
}

func TestMatchRoles(t *testing.T) {
	offers := []*mesosproto.Offer{
		multiRoleOffer("a", "db", scheduler.Scalar("cpus", 4), scheduler.Ranges("ports", [2]uint64{1000, 1010})),
		multiRoleOffer("a", "web", scheduler.Scalar("cpus", 1), reservedFor(scheduler.Scalar("cpus", 1), "web", ""),
			scheduler.Ranges("ports", [2]uint64{2000, 2010})),
		// An offer without allocation_info (a single-role framework) with
		// resources reserved for a parent role and for another role.
		offerOf("b", reservedFor(scheduler.Scalar("cpus", 2), "web", ""), reservedFor(scheduler.Scalar("cpus", 8), "other", "")),
	}
	role := func(r scheduler.TaskRequest, role string) scheduler.TaskRequest { r.Role = role; return r }
	reqs := []scheduler.TaskRequest{
		role(cmdRequest("web-1", 1, scheduler.Scalar("cpus", 1.5)), "web"),
		role(cmdRequest("db-1", 1, scheduler.Scalar("cpus", 1)), "db"),
		cmdRequest("any-1", 0, scheduler.Scalar("cpus", 3)),
		role(cmdRequest("api-1", 0, scheduler.Scalar("cpus", 2)), "web/api"),
		role(cmdRequest("api-2", 0, scheduler.Scalar("cpus", 1)), "web/api"),
		cmdRequest("any-2", 0, scheduler.Scalar("cpus", 8)),
	}
	assigned, unmatched := scheduler.Match(scheduler.OffersFromProto(offers...), reqs)
	checkAssignments(t, offers, assigned)
	if got, want := placement(assigned), []string{"db-1@a", "any-1@a", "web-1@a", "api-1@b", "any-2@b"}; !slices.Equal(got, want) {
		t.Errorf("placement = %v, want %v", got, want)
	}
	if got := requestIDs(unmatched); !slices.Equal(got, []string{"api-2"}) {
		t.Errorf("unmatched = %v", got)
	}
	web := scheduler.Resources(assigned[1].Tasks[0].GetResources())
	if got := web.Reserved("web").ScalarOf("cpus"); got != 1 {
		t.Errorf("web-1 did not take the reserved cpu first: %v", web)
	}
	if got := web.AllocatedTo("web").ScalarOf("cpus"); got != 1.5 {
		t.Errorf("web-1 resources are not allocated to web: %v", web)
	}
}

func TestMatchRevocable(t *testing.T) {
	offers := []*mesosproto.Offer{offerOf("a", revocableRes(scheduler.Scalar("cpus", 2)), scheduler.Scalar("cpus", 0.5), scheduler.Scalar("mem", 64))}
	reqs := []scheduler.TaskRequest{cmdRequest("plain", 0, scheduler.Scalar("cpus", 1)), cmdRequest("rev", 0, scheduler.Scalar("cpus", 1), scheduler.Scalar("mem", 32))}
	reqs[1].Revocable = true
	assigned, unmatched := scheduler.Match(scheduler.OffersFromProto(offers...), reqs)
	checkAssignments(t, offers, assigned)
	if got := requestIDs(unmatched); !slices.Equal(got, []string{"plain"}) {
		t.Errorf("unmatched = %v", got)
	}
	got := scheduler.Resources(assigned[0].Tasks[0].GetResources())
	if want := rlist(scheduler.Scalar("cpus", 0.5), revocableRes(scheduler.Scalar("cpus", 0.5)), scheduler.Scalar("mem", 32)); !got.Equal(want) {
		t.Errorf("rev took %v, want %v (non-revocable first)", got, want)
	}
}

func TestMatchDisks(t *testing.T) {
	vol := func() *mesosproto.Resource {
		return reservedFor(persistentVolume(scheduler.Scalar("disk", 100), "v1"), "web", "")
	}
	sharedVol := func() *mesosproto.Resource {
		return sharedRes(reservedFor(persistentVolume(scheduler.Scalar("disk", 10), "s1"), "web", ""))
	}
	mount := func(size float64) *mesosproto.Resource { return mountDisk(scheduler.Scalar("disk", size), "/mnt/a") }
	offers := []*mesosproto.Offer{offerOf("a", scheduler.Scalar("cpus", 4), scheduler.Scalar("disk", 50), vol(), sharedVol(), mount(1000))}
	reqs := []scheduler.TaskRequest{
		cmdRequest("part-of-volume", 0, scheduler.Scalar("cpus", 1), persistentVolume(scheduler.Scalar("disk", 10), "v1")),
		cmdRequest("part-of-mount", 0, scheduler.Scalar("cpus", 1), mount(10)),
		cmdRequest("volume", 0, scheduler.Scalar("cpus", 1), persistentVolume(scheduler.Scalar("disk", 100), "v1")),
		cmdRequest("volume-again", 0, scheduler.Scalar("cpus", 0.1), persistentVolume(scheduler.Scalar("disk", 100), "v1")),
		cmdRequest("shared-1", 0, scheduler.Scalar("cpus", 0.1), sharedRes(persistentVolume(scheduler.Scalar("disk", 10), "s1"))),
		cmdRequest("shared-2", 0, scheduler.Scalar("cpus", 0.1), sharedRes(persistentVolume(scheduler.Scalar("disk", 10), "s1"))),
		cmdRequest("mount", 0, scheduler.Scalar("cpus", 0.1), mount(1000)),
		cmdRequest("plain-disk", 0, scheduler.Scalar("cpus", 0.1), scheduler.Scalar("disk", 60)),
	}
	assigned, unmatched := scheduler.Match(scheduler.OffersFromProto(offers...), reqs)
	checkAssignments(t, offers, assigned)
	if got, want := placement(assigned), []string{"volume@a", "shared-1@a", "shared-2@a", "mount@a"}; !slices.Equal(got, want) {
		t.Errorf("placement = %v, want %v", got, want)
	}
	if got, want := requestIDs(unmatched), []string{"part-of-volume", "part-of-mount", "volume-again", "plain-disk"}; !slices.Equal(got, want) {
		t.Errorf("unmatched = %v, want %v", got, want)
	}
	if got := assigned[0].Tasks[0].GetResources(); !rlist(got...).Contains(vol()) {
		t.Errorf("volume task resources %v lack the reserved volume", rlist(got...))
	}
}

func TestMatchExplicitPortsAndHealthCheck(t *testing.T) {
	offers := []*mesosproto.Offer{offerOf("a", parseRes(t, "cpus:1;ports:[8080-8082]")...)}
	task := scheduler.NewTask("web", scheduler.TaskShell("serve"),
		scheduler.TaskResources(scheduler.Scalar("cpus", 0.1), scheduler.Ranges("ports", [2]uint64{8081, 8081})),
		scheduler.TaskHealthCheck(scheduler.HTTPHealthCheck(0, "/health")))
	tcp := scheduler.NewTask("tcp", scheduler.TaskShell("serve"), scheduler.TaskResources(scheduler.Scalar("cpus", 0.1)),
		scheduler.TaskHealthCheck(scheduler.TCPHealthCheck(9)))
	assigned, unmatched := scheduler.Match(scheduler.OffersFromProto(offers...), []scheduler.TaskRequest{{Task: task, Ports: 1}, {Task: tcp, Ports: 1}, {Task: tcp, Ports: 1}})
	checkAssignments(t, offers, assigned)
	if len(unmatched) != 1 {
		t.Errorf("unmatched = %v", requestIDs(unmatched))
	}
	web, tcpTask := assigned[0].Tasks[0], assigned[0].Tasks[1]
	if got := scheduler.Resources(web.GetResources()).RangesOf("ports"); !slices.Equal(got, [][2]uint64{{8080, 8081}}) {
		t.Errorf("web ports = %v, want 8081 (asked) and 8080 (counted)", got)
	}
	if got := web.GetHealthCheck().GetHttp().GetPort(); got != 8080 {
		t.Errorf("health check port = %d, want the first counted port 8080", got)
	}
	if got := tcpTask.GetHealthCheck().GetTcp().GetPort(); got != 9 {
		t.Errorf("a set health check port changed to %d", got)
	}
	if task.GetHealthCheck().GetHttp().GetPort() != 0 {
		t.Error("Match modified the request's task")
	}
}

// TestMatchEndToEnd launches six tasks with two ports each on two agents
// through Match, and waits for each to finish, for a single-role and a
// MULTI_ROLE framework.
func TestMatchEndToEnd(t *testing.T) {
	forEachCodec(t, func(t *testing.T, contentType string) {
		for _, multiRole := range []bool{false, true} {
			t.Run(fmt.Sprintf("multi_role=%v", multiRole), func(t *testing.T) {
				testMatchEndToEnd(t, contentType, multiRole)
			})
		}
	})
}

func testMatchEndToEnd(t *testing.T, contentType string, multiRole bool) {
	srv := newServer(t, mesostest.WithAgents(2, testAgentConfig))
	fw := frameworkInfo("match")
	role := ""
	if multiRole {
		role = "web"
		fw.Roles = []string{role}
		fw.Capabilities = append(fw.Capabilities, &mesosproto.FrameworkInfo_Capability{
			Type: mesosproto.FrameworkInfo_Capability_MULTI_ROLE.Enum(),
		})
	}
	c := newClient(t, srv, contentType, fw)

	// 1.2 cpus each: three tasks fit on an agent with 4.
	const tasks = 6
	var pending []scheduler.TaskRequest
	for i := range tasks {
		task := scheduler.NewCommandTask(fmt.Sprintf("task-%d", i), nil,
			`test "$PORT0" -ge 31000 && test "$PORT1" -le 32000 && test "$PORT0" != "$PORT1" && test "$PORT" = "$PORT0"`,
			scheduler.Scalar("cpus", 1.2), scheduler.Scalar("mem", 64))
		pending = append(pending, scheduler.TaskRequest{Task: task, Ports: 2, Role: role})
	}
	var mu sync.Mutex
	launched := map[string]*mesosproto.TaskInfo{}
	errs := make(chan error, 10)
	start(t, c, scheduler.Callbacks{
		Offers: func(ctx context.Context, offers []scheduler.Offer) error {
			assigned, left := scheduler.Match(offers, pending)
			pending = left
			for _, a := range assigned {
				if len(a.Tasks) == 0 {
					continue // declined by the Client
				}
				// Record before launching: the tasks can finish (and the test read launched) before Launch
				// has returned here.
				mu.Lock()
				for _, task := range a.Tasks {
					launched[task.GetTaskId().GetValue()] = task
				}
				mu.Unlock()
				if err := c.Launch(ctx, []*mesosproto.OfferID{a.Offer.ProtoID()}, a.Tasks, nil); err != nil {
					errs <- err
					mu.Lock()
					for _, task := range a.Tasks {
						delete(launched, task.GetTaskId().GetValue())
					}
					mu.Unlock()
				}
			}
			return nil
		},
	})

	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	for i := range tasks {
		id := fmt.Sprintf("task-%d", i)
		if _, err := srv.WaitTask(ctx, id, mesosproto.TaskState_TASK_FINISHED); err != nil {
			var states []string
			for _, st := range srv.TaskUpdates(id) {
				states = append(states, st.GetState().String()+" "+st.GetMessage())
			}
			select {
			case err := <-errs:
				t.Errorf("Launch: %v", err)
			default:
			}
			t.Fatalf("%v; updates: %s", err, strings.Join(states, ", "))
		}
	}

	mu.Lock()
	defer mu.Unlock()
	if len(launched) != tasks {
		t.Fatalf("%d tasks launched, want %d", len(launched), tasks)
	}
	portsByAgent := map[string]map[uint64]string{}
	for id, task := range launched {
		agent := task.GetAgentId().GetValue()
		if portsByAgent[agent] == nil {
			portsByAgent[agent] = map[uint64]string{}
		}
		res := scheduler.Resources(task.GetResources())
		n := 0
		for _, x := range res.RangesOf("ports") {
			for p := x[0]; p <= x[1]; p++ {
				n++
				if p < 31000 || p > 32000 {
					t.Errorf("%s: port %d outside the offered range", id, p)
				}
				if other, dup := portsByAgent[agent][p]; dup {
					t.Errorf("port %d on agent %s given to %s and %s", p, agent, other, id)
				}
				portsByAgent[agent][p] = id
			}
		}
		if n != 2 {
			t.Errorf("%s has %d ports, want 2", id, n)
		}
		if res.ScalarOf("cpus") != 1.2 || res.ScalarOf("mem") != 64 {
			t.Errorf("%s resources = %v", id, res)
		}
		for _, r := range task.GetResources() {
			if multiRole && r.GetAllocationInfo().GetRole() != role {
				t.Errorf("%s: resource %v is not allocated to %q", id, r, role)
			}
			if !multiRole && r.AllocationInfo != nil {
				t.Errorf("%s: resource %v has allocation_info for a single-role framework", id, r)
			}
		}
	}
	if len(portsByAgent) != 2 {
		t.Errorf("tasks ran on %d agents, want 2", len(portsByAgent))
	}
	select {
	case err := <-errs:
		t.Errorf("Launch: %v", err)
	default:
	}
}
