// SPDX-License-Identifier: Apache-2.0

package mesostest

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/internal/httpapi"
	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/masterpb"
	"github.com/mesoskit/mesoskit/mesosproto/schedulerpb"
)

func webDisk(mb float64, persistence string) *mesosproto.Resource {
	r := scalar("disk", mb)
	r.Reservations = []*mesosproto.Resource_ReservationInfo{{Type: mesosproto.Resource_ReservationInfo_DYNAMIC.Enum(), Role: proto.String("web")}}
	if persistence != "" {
		r.Disk = &mesosproto.Resource_DiskInfo{
			Persistence: &mesosproto.Resource_DiskInfo_Persistence{Id: proto.String(persistence)},
			Volume:      &mesosproto.Volume{ContainerPath: proto.String("data"), Mode: mesosproto.Volume_RW.Enum()},
		}
	}
	return r
}

func webCPUs(n float64) *mesosproto.Resource {
	r := scalar("cpus", n)
	r.Reservations = []*mesosproto.Resource_ReservationInfo{{Type: mesosproto.Resource_ReservationInfo_DYNAMIC.Enum(), Role: proto.String("web")}}
	return r
}

// agentTotal is the agent's total resources as GET_AGENTS shows them.
func agentTotal(t *testing.T, c *client) resources {
	t.Helper()
	ags := c.operator(operatorPath, opCall(masterpb.Call_GET_AGENTS)).GetGetAgents().GetAgents()
	if len(ags) != 1 {
		t.Fatalf("agents %v", ags)
	}
	rs, err := resourcesFromProto(ags[0].GetTotalResources())
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

// TestOperatorResourceOperations: RESERVE_RESOURCES, UNRESERVE_RESOURCES,
// CREATE_VOLUMES, DESTROY_VOLUMES, GROW_VOLUME and SHRINK_VOLUME change the
// agent's total resources as Master::Http::_operation applies them
// (src/master/http.cpp): the offers holding the resources are rescinded,
// the answer is 202 Accepted with no body, 409 Conflict when the allocator
// does not have the resources available, 400 for invalid operations.
func TestOperatorResourceOperations(t *testing.T) {
	for _, codec := range codecs {
		t.Run(codecName(codec), func(t *testing.T) {
			srv := newServer(t, WithAgents(1, "cpus:4;mem:1024;disk:1000"))
			c := newClient(t, srv, codec)
			agentID := srv.AgentIDs()[0]
			aid := &mesosproto.AgentID{Value: proto.String(agentID)}
			sched := newClient(t, srv, httpapi.Protobuf).subscribe(frameworkInfo("holder"))
			offer := sched.offers()[0]

			// The offer holds everything: reserving rescinds it.
			reserve := &masterpb.Call{Type: masterpb.Call_RESERVE_RESOURCES.Enum(), ReserveResources: &masterpb.Call_ReserveResources{
				AgentId: aid, Resources: []*mesosproto.Resource{webCPUs(1), webDisk(300, "")}}}
			expect(t, c.operatorRaw(reserve), http.StatusAccepted, "")
			ev := sched.nextSkip(schedulerpb.Event_RESCIND)
			if ev.GetRescind().GetOfferId().GetValue() != offer.GetId().GetValue() {
				t.Fatalf("rescinded %v, want %v", ev.GetRescind(), offer.GetId())
			}
			total := agentTotal(t, c)
			if got := total.String(); !strings.Contains(got, "cpus(reservations: [(DYNAMIC,web)]):1") || !strings.Contains(got, "disk(reservations: [(DYNAMIC,web)]):300") {
				t.Fatalf("total after RESERVE: %s", got)
			}

			// More than the agent has: the allocator's apply fails, 409.
			big := &masterpb.Call{Type: masterpb.Call_RESERVE_RESOURCES.Enum(), ReserveResources: &masterpb.Call_ReserveResources{
				AgentId: aid, Resources: []*mesosproto.Resource{webCPUs(100)}}}
			if r := c.operatorRaw(big); r.status != http.StatusConflict || !strings.Contains(r.body, " does not contain ") {
				t.Fatalf("reserve 100 cpus: %d %q", r.status, r.body)
			}
			unknown := &masterpb.Call{Type: masterpb.Call_RESERVE_RESOURCES.Enum(), ReserveResources: &masterpb.Call_ReserveResources{
				AgentId: &mesosproto.AgentID{Value: proto.String("nope")}, Resources: []*mesosproto.Resource{webCPUs(1)}}}
			expect(t, c.operatorRaw(unknown), http.StatusBadRequest, "No agent found with specified ID")
			unres := func(rs ...*mesosproto.Resource) *masterpb.Call {
				return &masterpb.Call{Type: masterpb.Call_UNRESERVE_RESOURCES.Enum(), UnreserveResources: &masterpb.Call_UnreserveResources{AgentId: aid, Resources: rs}}
			}
			if r := c.operatorRaw(unres(scalar("cpus", 1))); r.status != http.StatusBadRequest ||
				!strings.HasPrefix(r.body, "Invalid UNRESERVE operation: Resource cpus") || !strings.HasSuffix(r.body, "is not dynamically reserved") {
				t.Fatalf("unreserve unreserved: %d %q", r.status, r.body)
			}

			// Volumes on the reserved disk: create, grow, shrink, destroy.
			create := &masterpb.Call{Type: masterpb.Call_CREATE_VOLUMES.Enum(), CreateVolumes: &masterpb.Call_CreateVolumes{AgentId: aid,
				Volumes: []*mesosproto.Resource{webDisk(100, "vol1")}}}
			expect(t, c.operatorRaw(create), http.StatusAccepted, "")
			if r := c.operatorRaw(create); r.status != http.StatusBadRequest || !strings.HasPrefix(r.body, "Invalid CREATE operation on agent "+agentID+" at slave(1)@") {
				t.Fatalf("second CREATE: %d %q", r.status, r.body)
			}
			grow := &masterpb.Call{Type: masterpb.Call_GROW_VOLUME.Enum(), GrowVolume: &masterpb.Call_GrowVolume{AgentId: aid,
				Volume: webDisk(100, "vol1"), Addition: webDisk(50, "")}}
			expect(t, c.operatorRaw(grow), http.StatusAccepted, "")
			shrink := &masterpb.Call{Type: masterpb.Call_SHRINK_VOLUME.Enum(), ShrinkVolume: &masterpb.Call_ShrinkVolume{AgentId: aid,
				Volume: webDisk(150, "vol1"), Subtract: &mesosproto.Value_Scalar{Value: proto.Float64(30)}}}
			expect(t, c.operatorRaw(shrink), http.StatusAccepted, "")
			total = agentTotal(t, c)
			if !total.contains(mustResources(t, webDisk(120, "vol1"))) || !total.contains(mustResources(t, webDisk(180, ""))) {
				t.Fatalf("total after grow and shrink: %s", total)
			}
			destroy := &masterpb.Call{Type: masterpb.Call_DESTROY_VOLUMES.Enum(), DestroyVolumes: &masterpb.Call_DestroyVolumes{AgentId: aid,
				Volumes: []*mesosproto.Resource{webDisk(120, "vol1")}}}
			expect(t, c.operatorRaw(destroy), http.StatusAccepted, "")
			expect(t, c.operatorRaw(destroy), http.StatusBadRequest, "Invalid DESTROY operation: Persistent volumes not found")
			expect(t, c.operatorRaw(unres(webCPUs(1), webDisk(300, ""))), http.StatusAccepted, "")
			if got := agentTotal(t, c); strings.Contains(got.String(), "web") || !got.contains(mustResources(t, scalar("cpus", 4), scalar("mem", 1024), scalar("disk", 1000))) {
				t.Fatalf("total after UNRESERVE: %s", got)
			}
		})
	}
}

// TestResourceOperationEndpoints: /reserve, /unreserve, /create-volumes and
// /destroy-volumes apply their operation as the v1 calls do (Master::Http::
// reserve, unreserve, createVolumes, destroyVolumes, then _operation).
func TestResourceOperationEndpoints(t *testing.T) {
	srv := newServer(t, WithAgents(1, "cpus:4;mem:1024;disk:1000"))
	c := newClient(t, srv, httpapi.JSON)
	agent := srv.AgentIDs()[0]
	form := func(path, key, val string) response {
		return c.raw(http.MethodPost, path, []byte("slaveId="+url.QueryEscape(agent)+"&"+key+"="+url.QueryEscape(val)),
			"Content-Type", "application/x-www-form-urlencoded")
	}
	disk := `[{"name":"disk","type":"SCALAR","scalar":{"value":200},"reservations":[{"type":"DYNAMIC","role":"web"}]}]`
	vol := `[{"name":"disk","type":"SCALAR","scalar":{"value":200},"reservations":[{"type":"DYNAMIC","role":"web"}],` +
		`"disk":{"persistence":{"id":"v"},"volume":{"container_path":"data","mode":"RW"}}}]`
	expect(t, form("/reserve", "resources", disk), http.StatusAccepted, "")
	expect(t, form("/master/create-volumes", "volumes", vol), http.StatusAccepted, "")
	st := getJSON(t, c, http.MethodGet, "/slaves")
	if got := at(t, st, "slaves", 0, "reserved_resources_full", "web", 0, "disk", "persistence", "id"); got != "v" {
		t.Fatalf("/slaves reserved volume %v", got)
	}
	expect(t, form("/destroy-volumes", "volumes", vol), http.StatusAccepted, "")
	expect(t, form("/unreserve", "resources", disk), http.StatusAccepted, "")
	if r := form("/unreserve", "resources", disk); r.status != http.StatusConflict || !strings.Contains(r.body, " does not contain disk(reservations: [(DYNAMIC,web)]):200") {
		t.Fatalf("second /unreserve: %d %q", r.status, r.body)
	}
	if r := form("/reserve", "resources", `[{"name":"disk","type":"NOPE"}]`); r.status != http.StatusBadRequest ||
		!strings.HasPrefix(r.body, "Error parsing 'resources' query parameter in the request body: ") {
		t.Fatalf("bad resource: %d %q", r.status, r.body)
	}
}

func mustResources(t *testing.T, rs ...*mesosproto.Resource) resources {
	t.Helper()
	out, err := resourcesFromProto(rs)
	if err != nil {
		t.Fatal(err)
	}
	return out
}
