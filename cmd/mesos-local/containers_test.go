// SPDX-License-Identifier: Apache-2.0

package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/mesoskit/mesoskit/internal/httpapi"
	"github.com/mesoskit/mesoskit/mesosproto"
	"github.com/mesoskit/mesoskit/mesosproto/schedulerpb"
)

// runDockerTask subscribes to a mesos-local master in codec c, launches a
// command task in a DOCKER container and returns its terminal update.
func runDockerTask(t *testing.T, url string, c httpapi.Codec) *mesosproto.TaskStatus {
	t.Helper()
	tr := &http.Transport{Proxy: nil}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	post := func(call *schedulerpb.Call, streamID string) *http.Response {
		b, err := c.Marshal(call)
		if err != nil {
			t.Fatal(err)
		}
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, url+"/api/v1/scheduler", bytes.NewReader(b))
		req.Header.Set("Content-Type", c.MediaType())
		req.Header.Set("Accept", c.MediaType())
		if streamID != "" {
			req.Header.Set("Mesos-Stream-Id", streamID)
		}
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	resp := post(&schedulerpb.Call{Type: schedulerpb.Call_SUBSCRIBE.Enum(), Subscribe: &schedulerpb.Call_Subscribe{
		FrameworkInfo: &mesosproto.FrameworkInfo{User: proto.String("u"), Name: proto.String("docker")}}}, "")
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("SUBSCRIBE: %d", resp.StatusCode)
	}
	streamID := resp.Header.Get("Mesos-Stream-Id")
	dec := httpapi.NewDecoder(resp.Body, c, 0)
	var fwID *mesosproto.FrameworkID
	call := func(cl *schedulerpb.Call) {
		cl.FrameworkId = fwID
		r := post(cl, streamID)
		_, _ = io.Copy(io.Discard, r.Body)
		r.Body.Close()
		if r.StatusCode != http.StatusAccepted {
			t.Fatalf("%v: %d", cl.GetType(), r.StatusCode)
		}
	}
	launched := false
	for {
		ev := &schedulerpb.Event{}
		if err := dec.Decode(ev); err != nil {
			t.Fatal(err)
		}
		switch ev.GetType() {
		case schedulerpb.Event_SUBSCRIBED:
			fwID = ev.GetSubscribed().GetFrameworkId()
		case schedulerpb.Event_OFFERS:
			if launched {
				continue
			}
			launched = true
			o := ev.GetOffers().GetOffers()[0]
			ti := &mesosproto.TaskInfo{Name: proto.String("t"), TaskId: &mesosproto.TaskID{Value: proto.String("t")},
				AgentId: o.GetAgentId(), Resources: []*mesosproto.Resource{{Name: proto.String("cpus"),
					Type: mesosproto.Value_SCALAR.Enum(), Scalar: &mesosproto.Value_Scalar{Value: proto.Float64(0.1)}}},
				Command: &mesosproto.CommandInfo{Value: proto.String("exit 0")},
				Container: &mesosproto.ContainerInfo{Type: mesosproto.ContainerInfo_DOCKER.Enum(),
					Docker: &mesosproto.ContainerInfo_DockerInfo{Image: proto.String("example/app:7")}}}
			call(&schedulerpb.Call{Type: schedulerpb.Call_ACCEPT.Enum(), Accept: &schedulerpb.Call_Accept{
				OfferIds: []*mesosproto.OfferID{o.GetId()},
				Operations: []*mesosproto.Offer_Operation{{Type: mesosproto.Offer_Operation_LAUNCH.Enum(),
					Launch: &mesosproto.Offer_Operation_Launch{TaskInfos: []*mesosproto.TaskInfo{ti}}}}}})
		case schedulerpb.Event_UPDATE:
			st := ev.GetUpdate().GetStatus()
			call(&schedulerpb.Call{Type: schedulerpb.Call_ACKNOWLEDGE.Enum(), Acknowledge: &schedulerpb.Call_Acknowledge{
				AgentId: st.GetAgentId(), TaskId: st.GetTaskId(), Uuid: st.GetUuid()}})
			if mesosproto.IsTerminalState(st.GetState()) {
				return st
			}
		}
	}
}

// By default a DOCKER task fails as on an agent with --containerizers=mesos;
// with -emulate-images it runs on the host and a warning names the image.
func TestEmulateImagesFlag(t *testing.T) {
	for _, c := range []httpapi.Codec{httpapi.JSON, httpapi.Protobuf} {
		t.Run(c.MediaType(), func(t *testing.T) {
			l := startLocal(t, "-listen", "127.0.0.1:0", "-agents", "1", "-quiet")
			st := runDockerTask(t, l.next(), c)
			if st.GetState() != mesosproto.TaskState_TASK_FAILED || st.GetMessage() != "Abnormal executor termination: unknown container" {
				t.Fatalf("default: %v %q", st.GetState(), st.GetMessage())
			}
			l.stop()

			l = startLocal(t, "-listen", "127.0.0.1:0", "-agents", "1", "-quiet", "-emulate-images")
			if st := runDockerTask(t, l.next(), c); st.GetState() != mesosproto.TaskState_TASK_FINISHED {
				t.Fatalf("-emulate-images: %v %q", st.GetState(), st.GetMessage())
			}
			if !strings.Contains(l.stderr.String(), "example/app:7") {
				t.Fatalf("no warning naming the image in stderr:\n%s", l.stderr.String())
			}
		})
	}
}
